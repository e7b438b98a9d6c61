/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classify.c - what every libc backend shares (libc-int.h): which
 * threads' descriptors check out, namespace tids, owners, the hints of
 * the innermost runtime frames, futex waits that belong to no libc
 * object, and the syscall a thread is blocked in.  The futex waits
 * proper are each backend's (glibc.c, musl.c).
 *
 * Nothing here guesses an owner: a field that is not recorded, not
 * copied, or not plausible leaves owner_tid at 0.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "libc-int.h"
#include "sorted.h"

/* ---- maps ---- */

static int cmp_pd(const void *a, const void *b)
{
	const struct cdl_libc_pdmap *x = a, *y = b;

	return (x->pd > y->pd) - (x->pd < y->pd);
}

static int cmp_ns(const void *a, const void *b)
{
	const struct cdl_libc_nsmap *x = a, *y = b;

	return (x->ns_tid > y->ns_tid) - (x->ns_tid < y->ns_tid);
}

/* The namespace map, when some thread has a namespace tid; -ENOMEM. */
static int ns_map(struct cdl_libc_ctx *c)
{
	const struct cdl_snapshot *s = c->s;
	size_t n = 0;

	for (size_t i = 0; i < s->nthreads; i++)
		n += s->threads[i].ns_tid != 0;
	if (!n)
		return 0;
	c->ns = calloc(s->nthreads, sizeof(*c->ns));
	if (!c->ns)
		return -ENOMEM;
	for (size_t i = 0; i < s->nthreads; i++)
		c->ns[c->nns++] = (struct cdl_libc_nsmap){ cdl_libc_mem_tid(&s->threads[i]), i };
	qsort(c->ns, c->nns, sizeof(*c->ns), cmp_ns);
	return 0;
}

static bool ns_before(const void *elem, const void *key)
{
	return ((const struct cdl_libc_nsmap *)elem)->ns_tid < *(const int *)key;
}

struct cdl_thread *cdl_libc_thread_by_mem_tid(const struct cdl_libc_ctx *c, int tid)
{
	size_t i;

	if (!c->ns)
		return cdl_snapshot_find_thread(c->s, tid);
	i = cdl_lower_bound(c->ns, c->nns, sizeof(*c->ns), &tid, ns_before);
	return i < c->nns && c->ns[i].ns_tid == tid ? &c->s->threads[c->ns[i].idx] : NULL;
}

static bool pd_before(const void *elem, const void *key)
{
	return ((const struct cdl_libc_pdmap *)elem)->pd < *(const uint64_t *)key;
}

struct cdl_thread *cdl_libc_thread_by_pd(const struct cdl_libc_ctx *c, uint64_t pd)
{
	size_t i;

	if (!c->pds)
		return NULL;
	i = cdl_lower_bound(c->pds, c->npds, sizeof(*c->pds), &pd, pd_before);
	return i < c->npds && c->pds[i].pd == pd ? &c->s->threads[c->pds[i].idx] : NULL;
}

void cdl_libc_set_owner(const struct cdl_libc_ctx *c, struct cdl_wait *w, int64_t tid)
{
	if (!c->trust) {
		w->flags |= CDL_WAITF_LAYOUT_UNKNOWN;
		return;
	}
	if (cdl_libc_plausible_tid(tid) && c->ns) {
		/* a namespace tid: the host tid of the thread that has it;
		 * none is no thread of this process (its number means
		 * nothing on the host) */
		const struct cdl_thread *o = cdl_libc_thread_by_mem_tid(c, (int)tid);

		w->owner_tid = o ? o->tid : 0;
		if (!o || o->ns_tid)
			w->owner_ns_tid = (int)tid;
	} else if (cdl_libc_plausible_tid(tid))
		w->owner_tid = (int)tid;
	else
		w->flags |= CDL_WAITF_OWNER_UNKNOWN;
}

bool cdl_libc_join_wait(const struct cdl_libc_ctx *c, const struct cdl_thread *t,
			struct cdl_wait *w, uint64_t pd, bool plausible, enum cdl_libc_hint h)
{
	struct cdl_thread *o;

	if (c->trust && plausible && (o = cdl_libc_thread_by_pd(c, pd)) && o != t) {
		w->kind = CDL_WAIT_JOIN;
		w->address = o->thread_pointer;
		w->owner_tid = o->tid;
		w->flags &= ~(unsigned)CDL_WAITF_PSHARED;
		return true;
	}
	if (h != CDL_HINT_JOIN)
		return false;
	w->kind = CDL_WAIT_JOIN;
	w->flags &= ~(unsigned)CDL_WAITF_PSHARED;
	/* the joinee is not a thread of the snapshot: it exited (the word
	 * changed and the joiner is being woken) or it is not the libc's;
	 * either way there is no owner to name */
	if (!c->trust)
		w->flags |= CDL_WAITF_LAYOUT_UNKNOWN;
	else
		w->address = pd;
	return true;
}

void cdl_libc_wait_begin(struct cdl_wait *w, uint64_t uaddr, uint32_t op, bool timed)
{
	w->futex = uaddr;
	w->address = uaddr;
	if (timed)
		w->flags |= CDL_WAITF_TIMED;
	if (!(op & CDL_FUTEX_PRIVATE))
		w->flags |= CDL_WAITF_PSHARED;
}

bool cdl_libc_not_a_wait(struct cdl_wait *w, uint32_t op)
{
	unsigned cmd = op & 0x7f;

	if (cmd == CDL_FUTEX_WAIT || cmd == CDL_FUTEX_WAIT_BITSET)
		return false;
	w->kind = CDL_WAIT_OTHER;
	w->detail = "futex";
	return true;
}

void cdl_libc_type_flags(struct cdl_wait *w, uint32_t type, const struct cdl_libc_type_bits *b)
{
	if ((type & b->kind_mask) == b->recursive)
		w->flags |= CDL_WAITF_RECURSIVE;
	if ((type & b->kind_mask) == b->errorcheck)
		w->flags |= CDL_WAITF_ERRORCHECK;
	if (type & b->robust)
		w->flags |= CDL_WAITF_ROBUST;
	if (type & b->pi)
		w->flags |= CDL_WAITF_PI;
}

bool cdl_libc_name_in(const char *fn, const char *const *prefixes, const char *const *exact)
{
	if (!fn)
		return false;
	for (int i = 0; prefixes[i]; i++)
		if (strncmp(fn, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	for (int i = 0; exact[i]; i++)
		if (strcmp(fn, exact[i]) == 0)
			return true;
	return false;
}

/* ---- what the frames say ---- */

static bool has(const char *s, const char *sub)
{
	return strstr(s, sub) != NULL;
}

static enum cdl_libc_hint name_hint(const char *fn)
{
	while (*fn == '_')
		fn++;
	if (strncmp(fn, "lll_lock_wait_private", 21) == 0 || has(fn, "IO_lock") ||
	    has(fn, "flockfile") || has(fn, "IO_acquire_lock") || strcmp(fn, "lockfile") == 0 ||
	    strcmp(fn, "lock") == 0)     /* musl's internal __lock */
		return CDL_HINT_INTERNAL;
	if (has(fn, "rwlock")) {
		if (has(fn, "rdlock"))
			return CDL_HINT_RDLOCK;
		if (has(fn, "wrlock"))
			return CDL_HINT_WRLOCK;
		return CDL_HINT_NONE;
	}
	if (has(fn, "shared_mutex::lock_shared") || has(fn, "shared_timed_mutex::lock_shared"))
		return CDL_HINT_RDLOCK;
	if (has(fn, "shared_mutex::lock") || has(fn, "shared_timed_mutex::lock"))
		return CDL_HINT_WRLOCK;
	if (has(fn, "pthread_mutex_") || strncmp(fn, "lll_lock_wait", 13) == 0 ||
	    has(fn, "lll_robust") || has(fn, "futex_lock_pi") || has(fn, "lll_clocklock") ||
	    has(fn, "futex_clocklock") || has(fn, "mutex_lock_full") ||
	    has(fn, "std::mutex::") || has(fn, "std::recursive_mutex::") ||
	    has(fn, "timed_mutex::"))
		return CDL_HINT_MUTEX;
	if (has(fn, "pthread_cond_") || strncmp(fn, "condvar_", 8) == 0 ||
	    has(fn, "condition_variable"))
		return CDL_HINT_COND;
	if (has(fn, "sem_wait") || has(fn, "sem_timedwait") || has(fn, "sem_clockwait"))
		return CDL_HINT_SEM;
	if (has(fn, "pthread_join") || has(fn, "pthread_timedjoin") ||
	    has(fn, "pthread_clockjoin") || has(fn, "std::thread::join"))
		return CDL_HINT_JOIN;
	if (has(fn, "nanosleep") || strcmp(fn, "sleep") == 0 || strcmp(fn, "usleep") == 0 ||
	    has(fn, "this_thread::sleep"))
		return CDL_HINT_SLEEP;
	return CDL_HINT_NONE;
}

/* The innermost runtime frame that names a known libc entry point.  Only
 * frames up to the first user frame count: a user function called
 * "sem_wait_for_work" says nothing. */
enum cdl_libc_hint cdl_libc_frame_hint(const struct cdl_thread *t)
{
	const struct cdl_frame *user = cdl_thread_user_frame(t);
	size_t end = user ? (size_t)(user - t->frames) : t->nframes;

	if (end > 32)
		end = 32;
	for (size_t i = 0; i < end; i++) {
		enum cdl_libc_hint h;

		if (!t->frames[i].function)
			continue;
		h = name_hint(t->frames[i].function);
		if (h != CDL_HINT_NONE)
			return h;
	}
	return CDL_HINT_NONE;
}

/* ---- futex waits that are not the libc's objects ---- */

/* The libcs' own objects wait with an inlined futex syscall, never
 * through the generic syscall(2) wrapper: a wait entered there belongs to
 * code that implements its own lock (GLib, Rust std, ...) and the libc's
 * rules read someone else's memory.  Returns the index of the frame that
 * called syscall(), or -1 when the frames do not show the wrapper (no
 * frames: not known either way). */
static long syscall_wrapper_caller(const struct cdl_thread *t)
{
	size_t end = t->nframes < 8 ? t->nframes : 8;

	for (size_t i = 0; i + 1 < end; i++) {
		const char *fn = t->frames[i].function;

		if (fn && strcmp(fn, "syscall") == 0)
			return (long)i + 1;
	}
	return -1;
}

/* A futex wait through syscall(2): GLib's objects are named (glib.c);
 * anything else is an anonymous futex, no owner. */
bool cdl_libc_foreign_futex_wait(const struct cdl_thread *t, struct cdl_wait *w, uint32_t op,
				 uint32_t val)
{
	long caller = syscall_wrapper_caller(t);

	if (caller < 0)
		return false;
	if (!cdl_glib_futex_wait(t, (size_t)caller, w, op, val))
		w->kind = CDL_WAIT_FUTEX;
	return true;
}

/* ---- the syscall a thread is blocked in ---- */

/* restart_syscall keeps the registers of the call it restarts; a futex
 * wait shows an aligned user address and a wait op. */
static bool looks_like_futex(const struct cdl_thread *t)
{
	uint64_t uaddr = t->syscall_args[0], op = t->syscall_args[1];
	unsigned cmd = op & 0x7f;

	return uaddr >= 4096 && (uaddr & 3) == 0 && uaddr < (1ull << 47) &&
	       (op & ~(uint64_t)0x1ff) == 0 &&
	       (cmd == CDL_FUTEX_WAIT || cmd == CDL_FUTEX_WAIT_BITSET ||
		cmd == CDL_FUTEX_LOCK_PI || cmd == CDL_FUTEX_LOCK_PI2 ||
		cmd == CDL_FUTEX_WAIT_REQUEUE_PI);
}

static void classify_thread(const struct cdl_libc_ctx *c, struct cdl_thread *t,
			    cdl_libc_futex_fn fw)
{
	long nr = t->syscall_nr;

	memset(&t->wait, 0, sizeof(t->wait));
	t->wait.readers = -1;
	t->has_wait = false;
	if (!t->in_syscall || nr < 0)
		return;
	t->has_wait = true;
	if (nr == cdl_arch()->nr_restart_syscall) {
		enum cdl_libc_hint h = cdl_libc_frame_hint(t);
		/* poll, select and epoll restart this way too: the kernel's
		 * wait channel tells a futex from them where it is known */
		bool futex_wchan = !t->wchan || !t->wchan[0] || strstr(t->wchan, "futex") ||
				   strstr(t->wchan, "rt_mutex");

		if (t->wchan && (strstr(t->wchan, "poll") || strstr(t->wchan, "select"))) {
			t->wait.kind = CDL_WAIT_IO;
			t->wait.detail = "restart_syscall";
			return;
		}
		if (h != CDL_HINT_SLEEP && futex_wchan && looks_like_futex(t)) {
			fw(c, t, t->syscall_args[0], (uint32_t)t->syscall_args[1],
			   (uint32_t)t->syscall_args[2], true);
			return;
		}
		t->wait.kind = CDL_WAIT_SLEEP;
		t->wait.detail = "restart_syscall";
		return;
	}
	if (nr == cdl_arch()->nr_futex) {
		unsigned cmd = t->syscall_args[1] & 0x7f;
		bool timed = t->syscall_args[3] != 0 &&
			     (cmd == CDL_FUTEX_WAIT || cmd == CDL_FUTEX_WAIT_BITSET ||
			      cmd == CDL_FUTEX_LOCK_PI || cmd == CDL_FUTEX_LOCK_PI2 ||
			      cmd == CDL_FUTEX_WAIT_REQUEUE_PI);

		fw(c, t, t->syscall_args[0], (uint32_t)t->syscall_args[1],
		   (uint32_t)t->syscall_args[2], timed);
		return;
	}
	if (nr == cdl_arch()->nr_futex_wait) {
		t->wait.kind = CDL_WAIT_FUTEX;
		t->wait.address = t->wait.futex = t->syscall_args[0];
		return;
	}
	if (nr == cdl_arch()->nr_futex_waitv) {
		t->wait.kind = CDL_WAIT_FUTEX;
		t->wait.detail = "futex_waitv";
		return;
	}
	switch (cdl_arch_syscall_wait(nr)) {
	case CDL_SYSW_IO: t->wait.kind = CDL_WAIT_IO; break;
	case CDL_SYSW_SLEEP: t->wait.kind = CDL_WAIT_SLEEP; break;
	case CDL_SYSW_OTHER: t->wait.kind = CDL_WAIT_OTHER; break;
	case CDL_SYSW_NONE:
		t->wait.kind = CDL_WAIT_OTHER;
		t->wait.detail = cdl_snapshot_internf(c->s, "syscall %ld", nr);
		return;
	}
	t->wait.detail = cdl_arch_syscall_name(nr);
}

void cdl_libc_classify_threads(const struct cdl_libc_ctx *c, cdl_libc_futex_fn fw)
{
	for (size_t i = 0; i < c->s->nthreads; i++)
		classify_thread(c, &c->s->threads[i], fw);
}

/* ---- the context ---- */

int cdl_libc_ctx_init(struct cdl_libc_ctx *c, struct cdl_snapshot *s,
		      const struct cdl_libc_layout *l)
{
	const char *libc = l->libc ? l->libc : "libc";
	size_t checked = 0, bad = 0;
	int first_bad = 0;

	*c = (struct cdl_libc_ctx){ .s = s, .l = l, .m = s->mem };
	c->pds = calloc(s->nthreads ? s->nthreads : 1, sizeof(*c->pds));
	if (!c->pds || ns_map(c) < 0) {
		cdl_libc_ctx_fini(c);
		return -ENOMEM;
	}
	/* which threads' descriptor carries their own tid at the layout's
	 * offset: the check that we read the right layout */
	for (size_t i = 0; i < s->nthreads; i++) {
		struct cdl_thread *t = &s->threads[i];
		uint32_t tid;

		if (!t->thread_pointer ||
		    !cdl_libc_rd32(c, t->thread_pointer + l->pthread_tid, &tid))
			continue;
		checked++;
		if ((int)tid == cdl_libc_mem_tid(t)) {
			c->pds[c->npds++] = (struct cdl_libc_pdmap){ t->thread_pointer, i };
		} else {
			if (!bad)
				first_bad = t->tid;
			bad++;
		}
	}
	qsort(c->pds, c->npds, sizeof(*c->pds), cmp_pd);
	c->trust = l->known && !(checked > 0 && c->npds == 0);
	/* an unknown libc is the caller's to report (it knows why) */
	if (l->known && checked > 0 && c->npds == 0) {
		cdl_snapshot_warn(s, "%s %d.%d layout check failed: no thread's tid at "
				  "struct pthread offset %u; lock owners not shown",
				  libc, l->major, l->minor, l->pthread_tid);
	} else if (l->known && bad) {
		cdl_snapshot_warn(s, "%zu thread(s) without a recognisable struct pthread "
				  "(first: tid %d)", bad, first_bad);
	}
	return 0;
}

void cdl_libc_ctx_fini(struct cdl_libc_ctx *c)
{
	free(c->pds);
	free(c->ns);
	c->pds = NULL;
	c->ns = NULL;
	c->npds = c->nns = 0;
}
