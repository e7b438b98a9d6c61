/* SPDX-License-Identifier: GPL-2.0-or-later */
/* held.c - which guard candidates are held locks, and the owners they
 * prove (libc.h: cdl_held_resolve).
 *
 * The offline stage collects, per thread, the locks its guard objects
 * name (src/offline/guardvars.c).  A guard in scope is not always a lock
 * held: a thread blocked in the constructor of its guard already has the
 * guard's pointer set; a guard moved into a condition variable's wait is
 * released by it; a moved-from Rust guard keeps its stale pointer.  So a
 * candidate counts only when
 *   - it is not the lock its own thread waits for (it is acquiring it),
 *     except a read hold of a lock it waits to write (an upgrade);
 *   - for a condition variable wait, it is not the wait's mutex (taken
 *     from the wait, or from the guard passed to the wait); when that
 *     mutex is not known, no guard of a kind a wait can release counts;
 *   - the lock word, where it was copied, says locked (Rust std locks,
 *     glibc mutexes);
 *   - no other thread's guard or recorded owner claims the same lock
 *     exclusively (then none of the guards counts, with a warning).
 * Then a wait on a lock that records no holder (or a writer's wait for
 * anonymous readers) gets the one thread holding it through a guard as
 * its owner, marked CDL_OWNER_GUARD.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "libc.h"
#include "memimg.h"
#include "snapshot.h"

static bool same_lock(const struct cdl_held *h, const struct cdl_wait *w)
{
	if (h->address != w->address)
		return false;
	/* the word it sleeps on must be one of this object's own */
	return w->futex == 0 || (w->futex >= h->address && w->futex < h->address + h->size);
}

static bool is_rust(const struct cdl_held *h)
{
	return strcmp(h->guard, "MutexGuard") == 0 || strncmp(h->guard, "RwLock", 6) == 0;
}

/* guards a condition variable wait can release: the one passed to it */
static bool releasable(const struct cdl_held *h)
{
	return strcmp(h->guard, "std::unique_lock") == 0 || strcmp(h->guard, "MutexGuard") == 0 ||
	       strcmp(h->guard, "GMutexLocker") == 0;
}

/* Does the copied lock word contradict the guard? */
static bool word_says_free(const struct cdl_snapshot *s, const struct cdl_held *h)
{
	uint32_t v;

	if (!s->mem || cdl_memimg_u32(s->mem, h->address, &v) < 0)
		return false;
	/* the words read: Rust std's futex locks, GMutex, glibc's mutex __lock */
	if (!is_rust(h) && strcmp(h->guard, "GMutexLocker") != 0 &&
	    !(s->libc && strncmp(s->libc, "glibc", 5) == 0))
		return false;
	if (is_rust(h) && strcmp(h->guard, "MutexGuard") != 0) {
		uint32_t n = v & 0x3fffffff;      /* Rust futex RwLock state */

		return h->shared ? (n == 0 || n == 0x3fffffff) : n != 0x3fffffff;
	}
	if (is_rust(h) || strcmp(h->guard, "GMutexLocker") == 0)
		return v == 0;                    /* Rust Mutex, GMutex: 0 is free */
	if (strcmp(h->guard, "std::shared_lock") != 0 && h->size == 40)
		return v == 0;                    /* glibc mutex __lock */
	return false;
}

static bool keep(const struct cdl_snapshot *s, const struct cdl_thread *t,
		 const struct cdl_held *h, uint64_t cv_mutex, bool cv_unknown)
{
	const struct cdl_wait *w = &t->wait;

	if (h->param == 2)
		return false;
	/* the guard of the lock it waits for is being constructed - unless
	 * it is a read hold and the wait is for writing (an upgrade, which
	 * waits for itself) */
	if (t->has_wait && same_lock(h, w) && w->kind != CDL_WAIT_CONDVAR &&
	    !(h->shared && w->kind == CDL_WAIT_RWLOCK_WRITE))
		return false;
	if (t->has_wait && w->kind == CDL_WAIT_CONDVAR &&
	    ((cv_mutex && h->address == cv_mutex) || (cv_unknown && releasable(h))))
		return false;
	return !word_says_free(s, h);
}

/* The mutex of a condition variable wait: recorded, or the guard handed
 * to the wait (a parameter of the wait's frames). */
static uint64_t condvar_mutex(struct cdl_thread *t)
{
	if (t->wait.mutex)
		return t->wait.mutex;
	for (size_t i = 0; i < t->nheld; i++)
		if (t->held[i].param && releasable(&t->held[i])) {
			t->wait.mutex = t->held[i].address;
			t->wait.mutex_symbol = t->held[i].symbol;
			return t->wait.mutex;
		}
	return 0;
}

/* one thread: drop what is not held, and duplicates (a guard moved into
 * a callee shows in both frames: the innermost stays) */
static void filter_thread(const struct cdl_snapshot *s, struct cdl_thread *t)
{
	bool cv = t->has_wait && t->wait.kind == CDL_WAIT_CONDVAR;
	uint64_t cv_mutex = cv ? condvar_mutex(t) : 0;
	size_t n = 0;

	for (size_t i = 0; i < t->nheld; i++) {
		const struct cdl_held *h = &t->held[i];
		bool dup = false;

		for (size_t k = 0; k < n && !dup; k++)
			dup = t->held[k].address == h->address;
		if (dup || !keep(s, t, h, cv_mutex, cv && !cv_mutex))
			continue;
		t->held[n] = *h;
		t->held[n].param = 0;
		n++;
	}
	t->nheld = n;
}

/* Who holds addr, over all threads: the exclusive holder (*ex, or NULL),
 * the first shared holder (*sh) and the count of each. */
struct holders {
	struct cdl_thread *ex, *sh;
	const struct cdl_held *exh, *shh;
	int nex, nsh;
};

static void find_holders(struct cdl_snapshot *s, uint64_t addr, struct holders *o)
{
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < s->nthreads; i++) {
		struct cdl_thread *t = &s->threads[i];

		for (size_t k = 0; k < t->nheld; k++) {
			if (t->held[k].address != addr)
				continue;
			if (t->held[k].shared) {
				if (!o->nsh++) {
					o->sh = t;
					o->shh = &t->held[k];
				}
			} else if (!o->nex++) {
				o->ex = t;
				o->exh = &t->held[k];
			}
		}
	}
}

static void drop_lock(struct cdl_snapshot *s, uint64_t addr)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		struct cdl_thread *t = &s->threads[i];
		size_t n = 0;

		for (size_t k = 0; k < t->nheld; k++)
			if (t->held[k].address != addr)
				t->held[n++] = t->held[k];
		t->nheld = n;
	}
}

/* Guards that contradict each other or a recorded owner: none counts. */
static void drop_conflicts(struct cdl_snapshot *s)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		struct cdl_thread *t = &s->threads[i];

		for (size_t k = 0; k < t->nheld; k++) {
			struct holders o;
			uint64_t addr = t->held[k].address;

			find_holders(s, addr, &o);
			if (o.nex > 1 || (o.nex && o.nsh)) {
				cdl_snapshot_warn(s, "guards of several threads claim the lock at "
						  "0x%llx: none of them is used as its holder",
						  (unsigned long long)addr);
				drop_lock(s, addr);
				k = (size_t)-1;         /* t->held changed: start over */
				if (t->nheld == 0)
					break;
			}
		}
	}
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct cdl_wait *w = &s->threads[i].wait;
		struct holders o;

		if (!s->threads[i].has_wait || w->owner_tid <= 0 || !w->address ||
		    !cdl_wait_kind_info(w->kind)->owner_edge)
			continue;
		find_holders(s, w->address, &o);
		if ((o.nex && o.ex->tid != w->owner_tid) || (o.nsh && w->kind != CDL_WAIT_JOIN &&
							     o.sh->tid != w->owner_tid)) {
			cdl_snapshot_warn(s, "a guard of tid %d contradicts the recorded owner %d of "
					  "the lock at 0x%llx: the guard is not used",
					  o.nex ? o.ex->tid : o.sh->tid, w->owner_tid,
					  (unsigned long long)w->address);
			drop_lock(s, w->address);
		}
	}
}

static void set_guard_owner(struct cdl_wait *w, const struct cdl_thread *t,
			    const struct cdl_held *h)
{
	w->owner_tid = t->tid;
	w->owner_source = CDL_OWNER_GUARD;
	w->owner_frame = h->frame;
	w->owner_guard = h->guard;
	w->owner_ns_tid = 0;
	w->owner_pid = 0;
	w->flags &= ~(unsigned)CDL_WAITF_OWNER_UNKNOWN;
}

/* a wait on a lock with no recorded holder: the guard's holder */
static void prove_owner(struct cdl_snapshot *s, struct cdl_thread *t)
{
	struct cdl_wait *w = &t->wait;
	/* a futex lock of a known implementation that records no owner
	 * (GLib's GMutex) is a lock too */
	bool lock = w->kind == CDL_WAIT_MUTEX || w->kind == CDL_WAIT_RWLOCK_READ ||
		    w->kind == CDL_WAIT_RWLOCK_WRITE ||
		    (w->kind == CDL_WAIT_FUTEX && (w->flags & CDL_WAITF_OWNER_UNKNOWN));
	struct holders o;

	if (!t->has_wait || !lock || w->owner_tid > 0 || w->owner_ns_tid > 0 || !w->address ||
	    (w->flags & CDL_WAITF_LAYOUT_UNKNOWN))
		return;
	find_holders(s, w->address, &o);
	if (o.nex == 1 && o.ex != t && same_lock(o.exh, w)) {
		set_guard_owner(w, o.ex, o.exh);
		return;
	}
	/* a writer waits for every reader: one reader known is an edge (to
	 * itself when it holds the read lock it wants to write: an upgrade) */
	if (w->kind == CDL_WAIT_RWLOCK_WRITE && o.nex == 0 && o.nsh == 1 &&
	    same_lock(o.shh, w) && (w->readers < 0 || w->readers == 1)) {
		set_guard_owner(w, o.sh, o.shh);
		w->flags |= CDL_WAITF_READERS;
		w->readers = 1;
	}
}

void cdl_held_resolve(struct cdl_snapshot *s)
{
	for (size_t i = 0; i < s->nthreads; i++)
		filter_thread(s, &s->threads[i]);
	drop_conflicts(s);
	for (size_t i = 0; i < s->nthreads; i++)
		prove_owner(s, &s->threads[i]);
}
