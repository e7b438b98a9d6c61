/* SPDX-License-Identifier: GPL-2.0-or-later */
/* glibc.c - what glibc's pthread internals tell about a blocked thread.
 *
 * Every blocked pthread object ends in a futex syscall on a word inside
 * the object; the call's arguments (op, val), the words copied around it
 * at the freeze, the thread's struct pthread (its cleanup chain) and the
 * names of its innermost frames say which object it is and, where glibc
 * records one, who holds it.  The offsets used here were read in glibc's
 * sources (nptl/descr.h, bits/struct_*.h, thread-shared-types.h) for each
 * release from 2.17 to 2.42 and checked against the DWARF of Debian's
 * glibc 2.36 (the project's notes on glibc internals list what was
 * verified and what was only read).
 *
 * Nothing here guesses an owner: a field that is not recorded, not
 * copied, or not plausible leaves owner_tid at 0.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "libc.h"
#include "memimg.h"
#include "sorted.h"

/* ---- constants of glibc's objects and of the futex ABI ---- */

#define PID_MAX_LIMIT      4194304          /* kernel's upper bound for a tid */
#define FUTEX_TID_MASK     0x3fffffffu
#define FUTEX_WAITERS      0x80000000u

#define FUTEX_WAIT         0
#define FUTEX_LOCK_PI      6
#define FUTEX_WAIT_BITSET  9
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_LOCK_PI2     13
#define FUTEX_PRIVATE      128

/* pthread_mutex_t */
#define M_LOCK    0
#define M_OWNER   8
#define M_NUSERS  12
#define M_KIND    16
#define MK_TYPE_MASK   3
#define MK_RECURSIVE   1
#define MK_ERRORCHECK  2
#define MK_ROBUST      16
#define MK_PI          32
#define MK_PP          64
#define MK_PSHARED     128
#define MK_ELISION     256
#define MK_NO_ELISION  512
#define MK_ALL (MK_TYPE_MASK | MK_ROBUST | MK_PI | MK_PP | MK_PSHARED | MK_ELISION | MK_NO_ELISION)

/* pthread_rwlock_t, 2.25+ */
#define RW_READERS        0
#define RW_WRPHASE_FUTEX  8
#define RW_WRITERS_FUTEX  12
#define RW_PAD3           16
#define RW_CUR_WRITER     24
#define RW_SHARED         28
#define RW_PAD2           40
#define RW_FLAGS          48
#define RWR_WRPHASE   1u
#define RWR_WRLOCKED  2u
#define RWR_SHIFT     3
/* pthread_rwlock_t, up to 2.24 */
#define RWO_NR_READERS    4
#define RWO_READERS_WAKE  8
#define RWO_WRITER_WAKE   12
#define RWO_WRITER        24
#define RWO_SHARED        28

/* pthread_cond_t */
#define C0_FUTEX   4       /* <= 2.24 */
#define C0_MUTEX   32
#define C1_SIGNALS 40      /* 2.25 - 2.40: __g_signals[2] */
#define C1_WREFS   36
#define C2_SIGNALS 32      /* 2.41+ */
#define C2_WREFS   28

/* struct _pthread_cleanup_buffer and struct _condvar_cleanup_buffer */
#define CB_ARG     8
#define CCB_COND   8
#define CCB_MUTEX  16

/* ---- helpers ---- */

struct pdmap {
	uint64_t pd;
	size_t idx;
};

/* A namespace tid (as the target's memory records it) and its thread. */
struct nsmap {
	int ns_tid;
	size_t idx;
};

struct ctx {
	struct cdl_snapshot *s;
	const struct cdl_libc_layout *l;
	const struct cdl_memimg *m;
	struct pdmap *pds;        /* sorted by pd; threads whose pd checked out */
	size_t npds;
	bool trust;               /* layout known and verified: owners may be read */
	struct nsmap *ns;         /* sorted by ns_tid; NULL: no thread has a
	                             namespace tid (memory tids are host tids) */
	size_t nns;
};

static bool rd32(const struct ctx *c, uint64_t addr, uint32_t *v)
{
	return c->m && cdl_memimg_u32(c->m, addr, v) == 0;
}

static bool rd64(const struct ctx *c, uint64_t addr, uint64_t *v)
{
	return c->m && cdl_memimg_u64(c->m, addr, v) == 0;
}

static bool plausible_tid(int64_t tid)
{
	return tid > 0 && tid <= PID_MAX_LIMIT;
}

static int cmp_pd(const void *a, const void *b)
{
	const struct pdmap *x = a, *y = b;

	return (x->pd > y->pd) - (x->pd < y->pd);
}

static int cmp_ns(const void *a, const void *b)
{
	const struct nsmap *x = a, *y = b;

	return (x->ns_tid > y->ns_tid) - (x->ns_tid < y->ns_tid);
}

/* The tid the target's memory records for t: its namespace tid. */
static int mem_tid(const struct cdl_thread *t)
{
	return t->ns_tid ? t->ns_tid : t->tid;
}

/* The namespace map, when some thread has a namespace tid; -ENOMEM. */
static int ns_map(struct ctx *c)
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
		c->ns[c->nns++] = (struct nsmap){ mem_tid(&s->threads[i]), i };
	qsort(c->ns, c->nns, sizeof(*c->ns), cmp_ns);
	return 0;
}

static bool ns_before(const void *elem, const void *key)
{
	return ((const struct nsmap *)elem)->ns_tid < *(const int *)key;
}

/* The thread whose recorded (namespace) tid is tid, or NULL. */
static struct cdl_thread *thread_by_mem_tid(const struct ctx *c, int tid)
{
	size_t i;

	if (!c->ns)
		return cdl_snapshot_find_thread(c->s, tid);
	i = cdl_lower_bound(c->ns, c->nns, sizeof(*c->ns), &tid, ns_before);
	return i < c->nns && c->ns[i].ns_tid == tid ? &c->s->threads[c->ns[i].idx] : NULL;
}

/* Thread whose struct pthread starts at pd, or NULL. */
static struct cdl_thread *thread_by_pd(const struct ctx *c, uint64_t pd)
{
	size_t lo = 0, hi = c->npds;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->pds[mid].pd == pd)
			return &c->s->threads[c->pds[mid].idx];
		if (c->pds[mid].pd < pd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- what the frames say ---- */

enum hint {
	H_NONE,
	H_MUTEX,
	H_INTERNAL,     /* libc-internal lll lock (stdio, malloc, ...) */
	H_RDLOCK,
	H_WRLOCK,
	H_COND,
	H_SEM,
	H_JOIN,
	H_SLEEP,
};

static bool has(const char *s, const char *sub)
{
	return strstr(s, sub) != NULL;
}

static enum hint name_hint(const char *fn)
{
	while (*fn == '_')
		fn++;
	if (strncmp(fn, "lll_lock_wait_private", 21) == 0 || has(fn, "IO_lock") ||
	    has(fn, "flockfile") || has(fn, "IO_acquire_lock"))
		return H_INTERNAL;
	if (has(fn, "rwlock")) {
		if (has(fn, "rdlock"))
			return H_RDLOCK;
		if (has(fn, "wrlock"))
			return H_WRLOCK;
		return H_NONE;
	}
	if (has(fn, "shared_mutex::lock_shared") || has(fn, "shared_timed_mutex::lock_shared"))
		return H_RDLOCK;
	if (has(fn, "shared_mutex::lock") || has(fn, "shared_timed_mutex::lock"))
		return H_WRLOCK;
	if (has(fn, "pthread_mutex_") || strncmp(fn, "lll_lock_wait", 13) == 0 ||
	    has(fn, "lll_robust") || has(fn, "futex_lock_pi") || has(fn, "lll_clocklock") ||
	    has(fn, "futex_clocklock") || has(fn, "mutex_lock_full") ||
	    has(fn, "std::mutex::") || has(fn, "std::recursive_mutex::") ||
	    has(fn, "timed_mutex::"))
		return H_MUTEX;
	if (has(fn, "pthread_cond_") || strncmp(fn, "condvar_", 8) == 0 ||
	    has(fn, "condition_variable"))
		return H_COND;
	if (has(fn, "sem_wait") || has(fn, "sem_timedwait") || has(fn, "sem_clockwait"))
		return H_SEM;
	if (has(fn, "pthread_join") || has(fn, "pthread_timedjoin") ||
	    has(fn, "pthread_clockjoin") || has(fn, "std::thread::join"))
		return H_JOIN;
	if (has(fn, "nanosleep") || strcmp(fn, "sleep") == 0 || strcmp(fn, "usleep") == 0 ||
	    has(fn, "this_thread::sleep"))
		return H_SLEEP;
	return H_NONE;
}

/* The innermost runtime frame that names a known libc entry point.  Only
 * frames up to the first user frame count: a user function called
 * "sem_wait_for_work" says nothing. */
static enum hint frame_hint(const struct cdl_thread *t)
{
	const struct cdl_frame *user = cdl_thread_user_frame(t);
	size_t end = user ? (size_t)(user - t->frames) : t->nframes;

	if (end > 32)
		end = 32;
	for (size_t i = 0; i < end; i++) {
		enum hint h;

		if (!t->frames[i].function)
			continue;
		h = name_hint(t->frames[i].function);
		if (h != H_NONE)
			return h;
	}
	return H_NONE;
}

/* ---- futex waits that are not glibc's objects ---- */

/* glibc's own objects wait with an inlined futex syscall, never through
 * the generic syscall(2) wrapper: a wait entered there belongs to code
 * that implements its own lock (GLib, Rust std, ...) and glibc's rules
 * (an owner at +8, a kind at +16) read someone else's memory.  Returns
 * the index of the frame that called syscall(), or -1 when the frames
 * do not show the wrapper (no frames: not known either way). */
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

/* A futex wait through syscall(2): no glibc object, no owner.  GLib's
 * GMutex (a bare word: 0 free, 1 locked, 2 contended) waits from its
 * lock slow path in libglib with val 2 and records no owner; that one is
 * named, since it is a lock.  True if it classified. */
static bool foreign_futex_wait(const struct cdl_thread *t, struct cdl_wait *w, uint32_t op,
			       uint32_t val)
{
	long caller = syscall_wrapper_caller(t);
	const struct cdl_frame *f;

	if (caller < 0)
		return false;
	f = &t->frames[caller];
	w->kind = CDL_WAIT_FUTEX;
	if (f->module && strncmp(cdl_libc_base_name(f->module), "libglib-2.0", 11) == 0 &&
	    (op & 0x7f) == FUTEX_WAIT && val == 2 &&
	    !(f->function && (has(f->function, "cond") || has(f->function, "bit_lock")))) {
		w->detail = "GLib GMutex";
		w->flags |= CDL_WAITF_OWNER_UNKNOWN;
	}
	return true;
}

/* ---- classification of one futex wait ---- */

static void set_owner(const struct ctx *c, struct cdl_wait *w, int64_t tid)
{
	if (!c->trust) {
		w->flags |= CDL_WAITF_LAYOUT_UNKNOWN;
		return;
	}
	if (plausible_tid(tid) && c->ns) {
		/* a namespace tid: the host tid of the thread that has it;
		 * none is no thread of this process (its number means
		 * nothing on the host) */
		const struct cdl_thread *o = thread_by_mem_tid(c, (int)tid);

		w->owner_tid = o ? o->tid : 0;
		if (!o || o->ns_tid)
			w->owner_ns_tid = (int)tid;
	} else if (plausible_tid(tid))
		w->owner_tid = (int)tid;
	else
		w->flags |= CDL_WAITF_OWNER_UNKNOWN;
}

/* __kind of a live mutex: only known bits, not -1 (destroyed). */
static bool mutex_kind_sane(uint32_t kind)
{
	return (kind & ~(uint32_t)MK_ALL) == 0;
}

static void mutex_flags(struct cdl_wait *w, uint32_t kind)
{
	if ((kind & MK_TYPE_MASK) == MK_RECURSIVE)
		w->flags |= CDL_WAITF_RECURSIVE;
	if ((kind & MK_TYPE_MASK) == MK_ERRORCHECK)
		w->flags |= CDL_WAITF_ERRORCHECK;
	if (kind & MK_ROBUST)
		w->flags |= CDL_WAITF_ROBUST;
	if (kind & MK_PI)
		w->flags |= CDL_WAITF_PI;
	/* glibc also sets the pshared bit (and waits shared) on every
	 * robust mutex, so for those neither tells */
	if (kind & MK_ROBUST)
		w->flags &= ~(unsigned)CDL_WAITF_PSHARED;
	else if (kind & MK_PSHARED)
		w->flags |= CDL_WAITF_PSHARED;
}

/* An ordinary (lll) mutex wait: the owner is __owner, written after the
 * lock word is taken and cleared before it is released. */
static void mutex_wait(const struct ctx *c, struct cdl_wait *w, uint64_t m)
{
	uint32_t word, owner, kind;

	w->kind = CDL_WAIT_MUTEX;
	w->address = m;
	if (rd32(c, m + M_KIND, &kind) && mutex_kind_sane(kind)) {
		mutex_flags(w, kind);
		if (kind & MK_ELISION) {
			/* elided locks never record an owner */
			if (c->trust)
				w->flags |= CDL_WAITF_OWNER_UNKNOWN;
			else
				w->flags |= CDL_WAITF_LAYOUT_UNKNOWN;
			return;
		}
	}
	if (!rd32(c, m + M_LOCK, &word) || !rd32(c, m + M_OWNER, &owner)) {
		set_owner(c, w, 0);
		return;
	}
	if (word == 0 && owner == 0)
		return;                 /* released at the freeze: the waiter is being woken */
	set_owner(c, w, (int32_t)owner);
}

/* A libc-internal lock.  stdio's _IO_lock_t {int lock; int cnt; void
 * *owner} records the holder's struct pthread; others record nothing. */
static void internal_wait(const struct ctx *c, struct cdl_wait *w, uint64_t uaddr)
{
	uint64_t owner_pd;
	struct cdl_thread *o;

	w->kind = CDL_WAIT_MUTEX;
	w->address = uaddr;
	w->flags |= CDL_WAITF_LIBC_INTERNAL;
	if (!c->trust) {
		w->flags |= CDL_WAITF_LAYOUT_UNKNOWN;
		return;
	}
	if (rd64(c, uaddr + 8, &owner_pd) && owner_pd && (o = thread_by_pd(c, owner_pd)))
		w->owner_tid = o->tid;
	else
		w->flags |= CDL_WAITF_OWNER_UNKNOWN;
}

/* Does R look like a 2.25+ pthread_rwlock_t?  Padding is zero and the
 * flags and shared fields hold their few legal values. */
static bool rwlock_sane(const struct ctx *c, uint64_t r)
{
	uint32_t flags, shared, pad3, pad4, writer;
	uint64_t pad2;

	if (!rd32(c, r + RW_FLAGS, &flags) || !rd32(c, r + RW_SHARED, &shared) ||
	    !rd32(c, r + RW_PAD3, &pad3) || !rd32(c, r + RW_PAD3 + 4, &pad4) ||
	    !rd64(c, r + RW_PAD2, &pad2) || !rd32(c, r + RW_CUR_WRITER, &writer))
		return false;
	return flags <= 2 && shared <= 1 && pad3 == 0 && pad4 == 0 && pad2 == 0 &&
	       (writer == 0 || plausible_tid((int32_t)writer));
}

static void rwlock_fill(const struct ctx *c, struct cdl_wait *w, uint64_t r, bool write,
			bool for_readers)
{
	uint32_t readers = 0, writer, shared;

	w->kind = write ? CDL_WAIT_RWLOCK_WRITE : CDL_WAIT_RWLOCK_READ;
	w->address = r;
	if (rd32(c, r + RW_SHARED, &shared) && shared)
		w->flags |= CDL_WAITF_PSHARED;
	if (rd32(c, r + RW_READERS, &readers))
		w->readers = (int)(readers >> RWR_SHIFT);
	if (for_readers) {
		/* a writer waits for the readers to leave: no owner recorded */
		w->flags |= CDL_WAITF_READERS;
		return;
	}
	if (!rd32(c, r + RW_CUR_WRITER, &writer)) {
		set_owner(c, w, 0);
		return;
	}
	if (writer != 0)
		set_owner(c, w, (int32_t)writer);
	else if (!(readers & RWR_WRPHASE) && (readers >> RWR_SHIFT))
		w->flags |= CDL_WAITF_READERS;    /* read phase: held by anonymous readers */
	else if (readers & RWR_WRLOCKED)
		set_owner(c, w, 0);     /* write-locked, writer not yet recorded */
}

/* A 2.25+ rwlock wait (op FUTEX_WAIT_BITSET, shared or private):
 *   rdlock  on __wrphase_futex (R+8),  val 3: waits for __cur_writer;
 *   wrlock  on __writers_futex (R+12), val 3: waits for __cur_writer;
 *   wrlock  on __wrphase_futex (R+8),  val 2: the primary writer waits for
 *           the readers to leave (no owner recorded);
 *   rdlock  on __readers (R+0) under PREFER_WRITER_NONRECURSIVE.
 * R+8/3 and R+12/3 look alike by address: the frame names (h) and the
 * sanity of either candidate lock tell them apart.  Returns true if it
 * classified. */
static bool rwlock_new_wait(const struct ctx *c, struct cdl_wait *w, uint64_t uaddr,
			    uint32_t val, enum hint h)
{
	uint64_t ra = uaddr - RW_WRPHASE_FUTEX, rb = uaddr - RW_WRITERS_FUTEX;
	bool a_ok = rwlock_sane(c, ra), b_ok = rwlock_sane(c, rb);
	uint32_t ra_readers = 0, rb_readers = 0;

	if (a_ok)
		rd32(c, ra + RW_READERS, &ra_readers);
	if (b_ok)
		rd32(c, rb + RW_READERS, &rb_readers);
	if (h == H_RDLOCK) {
		/* PREFER_WRITER_NONRECURSIVE readers wait on __readers itself */
		if (!a_ok && rwlock_sane(c, uaddr)) {
			rwlock_fill(c, w, uaddr, false, false);
			return true;
		}
		rwlock_fill(c, w, ra, false, false);
		return true;
	}
	if (h == H_WRLOCK) {
		if (val == 3 && (b_ok || !a_ok)) {
			rwlock_fill(c, w, rb, true, false);
			return true;
		}
		/* the primary writer waits on __wrphase_futex for the readers */
		rwlock_fill(c, w, ra, true, val == 2);
		return true;
	}
	if (h != H_NONE)
		return false;
	/* no frames: use the rows and the state of the lock word */
	if (val == 3) {
		if (a_ok && (ra_readers & RWR_WRPHASE) && !(b_ok && (rb_readers & RWR_WRLOCKED))) {
			rwlock_fill(c, w, ra, false, false);
			return true;
		}
		if (b_ok && (rb_readers & RWR_WRLOCKED)) {
			rwlock_fill(c, w, rb, true, false);
			return true;
		}
		return false;
	}
	if (val == 2 && a_ok && (ra_readers & RWR_WRLOCKED) && (ra_readers >> RWR_SHIFT) > 0) {
		uint32_t owner = 0, nusers = 0;

		/* as a mutex this would be locked with no owner and no users */
		rd32(c, uaddr + M_OWNER, &owner);
		rd32(c, uaddr + M_NUSERS, &nusers);
		if (owner == 0 && nusers == 0) {
			rwlock_fill(c, w, ra, true, true);
			return true;
		}
	}
	return false;
}

/* Up to 2.24: readers wait on __readers_wakeup, writers on
 * __writer_wakeup; the writer is __writer. */
static bool rwlock_old_wait(const struct ctx *c, struct cdl_wait *w, uint64_t uaddr, enum hint h)
{
	uint64_t r;
	bool write;
	uint32_t nr, writer, shared;

	if (h == H_RDLOCK) {
		r = uaddr - RWO_READERS_WAKE;
		write = false;
	} else if (h == H_WRLOCK) {
		r = uaddr - RWO_WRITER_WAKE;
		write = true;
	} else {
		return false;
	}
	w->kind = write ? CDL_WAIT_RWLOCK_WRITE : CDL_WAIT_RWLOCK_READ;
	w->address = r;
	if (rd32(c, r + RWO_SHARED, &shared) && shared)
		w->flags |= CDL_WAITF_PSHARED;
	if (rd32(c, r + RWO_NR_READERS, &nr))
		w->readers = (int)nr;
	if (!rd32(c, r + RWO_WRITER, &writer))
		set_owner(c, w, 0);
	else if (writer)
		set_owner(c, w, (int32_t)writer);
	else if (nr)
		w->flags |= CDL_WAITF_READERS;
	else
		set_owner(c, w, 0);
	return true;
}

/* The innermost entries of the thread's cleanup chain: pthread_cond_wait
 * pushes {__condvar_cleanup_waiting, &cbuffer} (cbuffer holds the cond and
 * the mutex), sem_wait pushes {.., sem}, pthread_join {.., &pd->joinid}.
 * Returns true for a condvar or semaphore it recognised. */
static bool cleanup_wait(const struct ctx *c, const struct cdl_thread *t,
			 struct cdl_wait *w, uint64_t uaddr)
{
	uint64_t buf, arg, cond, mutex;

	if (!t->thread_pointer || !c->l->rwlock_new)
		return false;
	if (!rd64(c, t->thread_pointer + c->l->pthread_cleanup, &buf) || !buf)
		return false;
	for (int depth = 0; depth < 4 && buf; depth++) {
		if (!rd64(c, buf + CB_ARG, &arg))
			return false;
		if (arg == uaddr) {
			w->kind = CDL_WAIT_SEMAPHORE;
			w->address = uaddr;
			return true;
		}
		if (arg && rd64(c, arg + CCB_COND, &cond) && cond && cond < uaddr) {
			uint64_t off = uaddr - cond;

			/* both generations' offsets are accepted: 2.38-2.40
			 * branch updates carry the 2.41 layout */
			if (off == C1_SIGNALS || off == C1_SIGNALS + 4 ||
			    off == C2_SIGNALS || off == C2_SIGNALS + 4) {
				w->kind = CDL_WAIT_CONDVAR;
				w->address = cond;
				if (rd64(c, arg + CCB_MUTEX, &mutex))
					w->mutex = mutex;
				return true;
			}
		}
		if (!rd64(c, buf + 24, &buf))
			return false;
	}
	return false;
}

/* A condvar wait known from the frames only: find which __g_signals word
 * it is from the waiter reference count. */
static void cond_from_frames(const struct ctx *c, struct cdl_wait *w, uint64_t uaddr)
{
	unsigned sig = c->l->cond_gen == 2 ? C2_SIGNALS : C1_SIGNALS;
	unsigned wrefs = c->l->cond_gen == 2 ? C2_WREFS : C1_WREFS;
	uint32_t r;

	w->kind = CDL_WAIT_CONDVAR;
	if (c->l->cond_gen == 0) {
		uint64_t mutex;

		w->address = uaddr - C0_FUTEX;
		if (rd64(c, w->address + C0_MUTEX, &mutex) && mutex != ~(uint64_t)0)
			w->mutex = mutex;
		return;
	}
	w->address = uaddr - sig;
	if (rd32(c, uaddr - sig + wrefs, &r) && (r >> 3) > 0)
		return;
	if (rd32(c, uaddr - sig - 4 + wrefs, &r) && (r >> 3) > 0)
		w->address = uaddr - sig - 4;
}

/* Is p the address of a PI mutex held by another thread?  Checked on the
 * copied memory: sane __kind with the PI bit, and __owner equal to the
 * tid the kernel keeps in the lock word. */
static bool pi_mutex_held_by_other(const struct ctx *c, uint64_t p, int self, uint32_t *owner)
{
	uint32_t kind, word, own;

	if (p < 4096 || (p & 3) || !rd32(c, p + M_KIND, &kind) || !mutex_kind_sane(kind) ||
	    !(kind & MK_PI) || !rd32(c, p + M_LOCK, &word) || !rd32(c, p + M_OWNER, &own))
		return false;
	if ((word & FUTEX_TID_MASK) != own || !plausible_tid((int32_t)own) || (int)own == self)
		return false;
	*owner = own;
	return true;
}

/* pthread_mutex_lock on a PI mutex gets EDEADLK when the kernel finds
 * the lock chain loops back to the caller; glibc then waits forever on a
 * word of 0 on the thread's stack.  The mutex is found among the
 * thread's saved registers and the words just above its stack pointer.
 * Only a candidate that checks out as a PI mutex owned by another thread
 * is taken. */
static bool parked_after_edeadlk(const struct ctx *c, struct cdl_thread *t,
				 struct cdl_wait *w, uint64_t uaddr)
{
	uint32_t word, owner;
	uint64_t v;

	if (!t->sp || uaddr < t->sp || uaddr >= t->sp + 4096 ||
	    !rd32(c, uaddr, &word) || word != 0)
		return false;
	/* the compiler may keep &m->__kind or &m->__list rather than m */
	static const unsigned field[] = { 0, M_KIND, 24, 32 };

	for (unsigned i = 0; i < t->nregs && i < CDL_MAX_REGS; i++)
		for (unsigned f = 0; f < 4; f++)
			if (pi_mutex_held_by_other(c, t->regs[i] - field[f], mem_tid(t), &owner)) {
				v = t->regs[i] - field[f];
				goto found;
			}
	for (uint64_t a = t->sp & ~(uint64_t)7; a < t->sp + 1024; a += 8) {
		uint64_t x;

		if (!rd64(c, a, &x))
			continue;
		for (unsigned f = 0; f < 4; f++)
			if (pi_mutex_held_by_other(c, x - field[f], mem_tid(t), &owner)) {
				v = x - field[f];
				goto found;
			}
	}
	return false;
found:
	w->kind = CDL_WAIT_MUTEX;
	w->address = v;
	w->flags = (w->flags & CDL_WAITF_TIMED) | CDL_WAITF_PI;
	w->detail = "lock refused with EDEADLK, parked forever";
	set_owner(c, w, (int32_t)owner);
	return true;
}

/* pthread_join: the joiner sleeps on the joinee's pd->tid.  True if it
 * classified. */
static bool join_wait(const struct ctx *c, const struct cdl_thread *t, struct cdl_wait *w,
		      uint64_t uaddr, enum hint h)
{
	struct cdl_thread *o;

	if (c->trust && (o = thread_by_pd(c, uaddr - c->l->pthread_tid)) && o != t) {
		w->kind = CDL_WAIT_JOIN;
		w->address = o->thread_pointer;
		w->owner_tid = o->tid;
		w->flags &= ~(unsigned)CDL_WAITF_PSHARED;
		return true;
	}
	if (h != H_JOIN)
		return false;
	w->kind = CDL_WAIT_JOIN;
	w->flags &= ~(unsigned)CDL_WAITF_PSHARED;
	/* the joinee is not a thread of the snapshot: it exited (the kernel
	 * cleared the word and the joiner is being woken) or it is not
	 * glibc's; either way there is no owner to name */
	if (!c->trust)
		w->flags |= CDL_WAITF_LAYOUT_UNKNOWN;
	else
		w->address = uaddr - c->l->pthread_tid;
	return true;
}

/* A robust mutex: a FUTEX_WAIT or WAIT_BITSET with val = owner tid |
 * FUTEX_WAITERS.  True if it classified. */
static bool robust_wait(const struct ctx *c, struct cdl_wait *w, uint32_t val, bool kind_ok,
			uint32_t kind, enum hint h)
{
	if (!(val & FUTEX_WAITERS) || !plausible_tid(val & FUTEX_TID_MASK) ||
	    !(h == H_MUTEX || (kind_ok && (kind & MK_ROBUST)) ||
	      thread_by_mem_tid(c, (int)(val & FUTEX_TID_MASK))))
		return false;
	w->kind = CDL_WAIT_MUTEX;
	w->flags |= CDL_WAITF_ROBUST;
	if (kind_ok)
		mutex_flags(w, kind);
	/* glibc sets the pshared bit and waits shared on every robust mutex,
	 * so neither says the mutex is process-shared */
	w->flags &= ~(unsigned)CDL_WAITF_PSHARED;
	set_owner(c, w, val & FUTEX_TID_MASK);
	return true;
}

static void futex_wait_classify(const struct ctx *c, struct cdl_thread *t, uint64_t uaddr,
				uint32_t op, uint32_t val, bool timed)
{
	struct cdl_wait *w = &t->wait;
	unsigned cmd = op & 0x7f;
	enum hint h = frame_hint(t);
	uint32_t kind = 0;
	bool kind_ok = rd32(c, uaddr + M_KIND, &kind) && mutex_kind_sane(kind);

	w->futex = uaddr;
	w->address = uaddr;
	if (timed)
		w->flags |= CDL_WAITF_TIMED;
	if (!(op & FUTEX_PRIVATE))
		w->flags |= CDL_WAITF_PSHARED;

	/* priority inheritance: the kernel keeps the owner in the word */
	if (cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2) {
		uint32_t word;

		w->kind = CDL_WAIT_MUTEX;
		w->flags |= CDL_WAITF_PI;
		if (kind_ok)
			mutex_flags(w, kind);
		if (rd32(c, uaddr, &word))
			set_owner(c, w, word & FUTEX_TID_MASK);
		else
			set_owner(c, w, 0);
		return;
	}
	if (cmd == FUTEX_WAIT_REQUEUE_PI) {
		cond_from_frames(c, w, uaddr);
		return;
	}
	if (cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET) {
		w->kind = CDL_WAIT_OTHER;
		w->detail = "futex";
		return;
	}

	if (foreign_futex_wait(t, w, op, val))
		return;
	if (join_wait(c, t, w, uaddr, h) || robust_wait(c, w, val, kind_ok, kind, h))
		return;

	/* a PI mutex lock that the kernel refused with EDEADLK: glibc parks
	 * the thread forever on a zero word on its own stack */
	if (val == 0 && parked_after_edeadlk(c, t, w, uaddr))
		return;

	/* condvar and semaphore: recognised from the cleanup chain */
	if (cleanup_wait(c, t, w, uaddr))
		return;

	switch (h) {
	case H_INTERNAL:
		internal_wait(c, w, uaddr);
		return;
	case H_COND:
		if (val != 2 || !kind_ok) {
			cond_from_frames(c, w, uaddr);
			return;
		}
		break;      /* the mutex relock after a wakeup is a mutex wait */
	case H_SEM:
		w->kind = CDL_WAIT_SEMAPHORE;
		return;
	case H_RDLOCK:
	case H_WRLOCK:
		if (c->l->rwlock_new ? rwlock_new_wait(c, w, uaddr, val, h)
				     : rwlock_old_wait(c, w, uaddr, h))
			return;
		break;
	default:
		break;
	}

	/* stdio lock without frames: the owner field holds a struct pthread */
	if (h == H_NONE && val == 2 && c->trust) {
		uint64_t owner_pd;

		if (rd64(c, uaddr + 8, &owner_pd) && owner_pd && thread_by_pd(c, owner_pd)) {
			internal_wait(c, w, uaddr);
			return;
		}
	}
	if (h == H_NONE && c->l->rwlock_new && (val == 2 || val == 3) &&
	    rwlock_new_wait(c, w, uaddr, val, h))
		return;

	/* an ordinary mutex: val 2 (or the PP ceiling | 2) and a sane __kind */
	if ((val & 3) == 2 && kind_ok &&
	    (val == 2 || (kind & MK_PP)) && (h == H_MUTEX || h == H_NONE || h == H_COND)) {
		mutex_wait(c, w, uaddr);
		return;
	}
	if (h == H_MUTEX) {
		/* the frames say mutex but the object does not look like one */
		w->kind = CDL_WAIT_MUTEX;
		set_owner(c, w, 0);
		return;
	}
	/* a futex that belongs to nothing known: no owner */
	w->kind = CDL_WAIT_FUTEX;
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
	       (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_LOCK_PI ||
		cmd == FUTEX_LOCK_PI2 || cmd == FUTEX_WAIT_REQUEUE_PI);
}

static void classify_thread(const struct ctx *c, struct cdl_thread *t)
{
	long nr = t->syscall_nr;

	memset(&t->wait, 0, sizeof(t->wait));
	t->wait.readers = -1;
	t->has_wait = false;
	if (!t->in_syscall || nr < 0)
		return;
	t->has_wait = true;
	if (nr == cdl_arch()->nr_restart_syscall) {
		enum hint h = frame_hint(t);
		/* poll, select and epoll restart this way too: the kernel's
		 * wait channel tells a futex from them where it is known */
		bool futex_wchan = !t->wchan || !t->wchan[0] || strstr(t->wchan, "futex") ||
				   strstr(t->wchan, "rt_mutex");

		if (t->wchan && (strstr(t->wchan, "poll") || strstr(t->wchan, "select"))) {
			t->wait.kind = CDL_WAIT_IO;
			t->wait.detail = "restart_syscall";
			return;
		}
		if (h != H_SLEEP && futex_wchan && looks_like_futex(t)) {
			futex_wait_classify(c, t, t->syscall_args[0], (uint32_t)t->syscall_args[1],
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
			     (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET ||
			      cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2 ||
			      cmd == FUTEX_WAIT_REQUEUE_PI);

		futex_wait_classify(c, t, t->syscall_args[0], (uint32_t)t->syscall_args[1],
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

/* ---- entry point ---- */

void cdl_libc_classify(struct cdl_snapshot *s, const struct cdl_libc_layout *l)
{
	struct ctx c = { .s = s, .l = l, .m = s->mem };
	size_t checked = 0, bad = 0;
	int first_bad = 0;

	c.pds = calloc(s->nthreads ? s->nthreads : 1, sizeof(*c.pds));
	if (ns_map(&c) < 0) {
		free(c.pds);
		c.pds = NULL;
	}
	/* which threads' struct pthread carries their own tid at the
	 * layout's offset: the check that we read the right layout */
	for (size_t i = 0; c.pds && i < s->nthreads; i++) {
		struct cdl_thread *t = &s->threads[i];
		uint32_t tid;

		if (!t->thread_pointer || !rd32(&c, t->thread_pointer + l->pthread_tid, &tid))
			continue;
		checked++;
		if ((int)tid == mem_tid(t)) {
			c.pds[c.npds++] = (struct pdmap){ t->thread_pointer, i };
		} else {
			if (!bad)
				first_bad = t->tid;
			bad++;
		}
	}
	if (c.pds)
		qsort(c.pds, c.npds, sizeof(*c.pds), cmp_pd);
	c.trust = l->known && c.pds && !(checked > 0 && c.npds == 0);
	/* an unknown libc is the caller's to report (it knows why) */
	if (l->known && checked > 0 && c.npds == 0) {
		cdl_snapshot_warn(s, "glibc %d.%d layout check failed: no thread's tid at "
				  "struct pthread offset %u; lock owners not shown",
				  l->major, l->minor, l->pthread_tid);
	} else if (l->known && bad) {
		cdl_snapshot_warn(s, "%zu thread(s) without a recognisable struct pthread "
				  "(first: tid %d)", bad, first_bad);
	}
	for (size_t i = 0; i < s->nthreads; i++)
		classify_thread(&c, &s->threads[i]);
	free(c.pds);
	free(c.ns);
}
