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
 * The context (descriptor check, owners, namespace tids, frame hints)
 * and the syscall dispatch are classify.c's, shared with musl.c.
 *
 * Nothing here guesses an owner: a field that is not recorded, not
 * copied, or not plausible leaves owner_tid at 0.
 */
#include "config.h"

#include <string.h>

#include "libc-int.h"

/* ---- constants of glibc's objects ---- */

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

/* ---- classification of one futex wait ---- */

/* __kind of a live mutex: only known bits, not -1 (destroyed). */
static bool mutex_kind_sane(uint32_t kind)
{
	return (kind & ~(uint32_t)MK_ALL) == 0;
}

static void mutex_flags(struct cdl_wait *w, uint32_t kind)
{
	static const struct cdl_libc_type_bits bits = {
		MK_TYPE_MASK, MK_RECURSIVE, MK_ERRORCHECK, MK_ROBUST, MK_PI
	};

	cdl_libc_type_flags(w, kind, &bits);
	/* glibc also sets the pshared bit (and waits shared) on every
	 * robust mutex, so for those neither tells */
	if (kind & MK_ROBUST)
		w->flags &= ~(unsigned)CDL_WAITF_PSHARED;
	else if (kind & MK_PSHARED)
		w->flags |= CDL_WAITF_PSHARED;
}

/* An ordinary (lll) mutex wait: the owner is __owner, written after the
 * lock word is taken and cleared before it is released. */
static void mutex_wait(const struct cdl_libc_ctx *c, struct cdl_wait *w, uint64_t m)
{
	uint32_t word, owner, kind;

	w->kind = CDL_WAIT_MUTEX;
	w->address = m;
	if (cdl_libc_rd32(c, m + M_KIND, &kind) && mutex_kind_sane(kind)) {
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
	if (!cdl_libc_rd32(c, m + M_LOCK, &word) || !cdl_libc_rd32(c, m + M_OWNER, &owner)) {
		cdl_libc_set_owner(c, w, 0);
		return;
	}
	if (word == 0 && owner == 0)
		return;                 /* released at the freeze: the waiter is being woken */
	cdl_libc_set_owner(c, w, (int32_t)owner);
}

/* A libc-internal lock.  stdio's _IO_lock_t {int lock; int cnt; void
 * *owner} records the holder's struct pthread; others record nothing. */
static void internal_wait(const struct cdl_libc_ctx *c, struct cdl_wait *w, uint64_t uaddr)
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
	if (cdl_libc_rd64(c, uaddr + 8, &owner_pd) && owner_pd && (o = cdl_libc_thread_by_pd(c, owner_pd)))
		w->owner_tid = o->tid;
	else
		w->flags |= CDL_WAITF_OWNER_UNKNOWN;
}

/* Does R look like a 2.25+ pthread_rwlock_t?  Padding is zero and the
 * flags and shared fields hold their few legal values. */
static bool rwlock_sane(const struct cdl_libc_ctx *c, uint64_t r)
{
	uint32_t flags, shared, pad3, pad4, writer;
	uint64_t pad2;

	if (!cdl_libc_rd32(c, r + RW_FLAGS, &flags) || !cdl_libc_rd32(c, r + RW_SHARED, &shared) ||
	    !cdl_libc_rd32(c, r + RW_PAD3, &pad3) || !cdl_libc_rd32(c, r + RW_PAD3 + 4, &pad4) ||
	    !cdl_libc_rd64(c, r + RW_PAD2, &pad2) || !cdl_libc_rd32(c, r + RW_CUR_WRITER, &writer))
		return false;
	return flags <= 2 && shared <= 1 && pad3 == 0 && pad4 == 0 && pad2 == 0 &&
	       (writer == 0 || cdl_libc_plausible_tid((int32_t)writer));
}

static void rwlock_fill(const struct cdl_libc_ctx *c, struct cdl_wait *w, uint64_t r, bool write,
			bool for_readers)
{
	uint32_t readers = 0, writer, shared;

	w->kind = write ? CDL_WAIT_RWLOCK_WRITE : CDL_WAIT_RWLOCK_READ;
	w->address = r;
	if (cdl_libc_rd32(c, r + RW_SHARED, &shared) && shared)
		w->flags |= CDL_WAITF_PSHARED;
	if (cdl_libc_rd32(c, r + RW_READERS, &readers))
		w->readers = (int)(readers >> RWR_SHIFT);
	if (for_readers) {
		/* a writer waits for the readers to leave: no owner recorded */
		w->flags |= CDL_WAITF_READERS;
		return;
	}
	if (!cdl_libc_rd32(c, r + RW_CUR_WRITER, &writer)) {
		cdl_libc_set_owner(c, w, 0);
		return;
	}
	if (writer != 0)
		cdl_libc_set_owner(c, w, (int32_t)writer);
	else if (!(readers & RWR_WRPHASE) && (readers >> RWR_SHIFT))
		w->flags |= CDL_WAITF_READERS;    /* read phase: held by anonymous readers */
	else if (readers & RWR_WRLOCKED)
		cdl_libc_set_owner(c, w, 0);     /* write-locked, writer not yet recorded */
}

/* A 2.25+ rwlock wait (op CDL_FUTEX_WAIT_BITSET, shared or private):
 *   rdlock  on __wrphase_futex (R+8),  val 3: waits for __cur_writer;
 *   wrlock  on __writers_futex (R+12), val 3: waits for __cur_writer;
 *   wrlock  on __wrphase_futex (R+8),  val 2: the primary writer waits for
 *           the readers to leave (no owner recorded);
 *   rdlock  on __readers (R+0) under PREFER_WRITER_NONRECURSIVE.
 * R+8/3 and R+12/3 look alike by address: the frame names (h) and the
 * sanity of either candidate lock tell them apart.  Returns true if it
 * classified. */
static bool rwlock_new_wait(const struct cdl_libc_ctx *c, struct cdl_wait *w, uint64_t uaddr,
			    uint32_t val, enum cdl_libc_hint h)
{
	uint64_t ra = uaddr - RW_WRPHASE_FUTEX, rb = uaddr - RW_WRITERS_FUTEX;
	bool a_ok = rwlock_sane(c, ra), b_ok = rwlock_sane(c, rb);
	uint32_t ra_readers = 0, rb_readers = 0;

	if (a_ok)
		cdl_libc_rd32(c, ra + RW_READERS, &ra_readers);
	if (b_ok)
		cdl_libc_rd32(c, rb + RW_READERS, &rb_readers);
	if (h == CDL_HINT_RDLOCK) {
		/* PREFER_WRITER_NONRECURSIVE readers wait on __readers itself */
		if (!a_ok && rwlock_sane(c, uaddr)) {
			rwlock_fill(c, w, uaddr, false, false);
			return true;
		}
		rwlock_fill(c, w, ra, false, false);
		return true;
	}
	if (h == CDL_HINT_WRLOCK) {
		if (val == 3 && (b_ok || !a_ok)) {
			rwlock_fill(c, w, rb, true, false);
			return true;
		}
		/* the primary writer waits on __wrphase_futex for the readers */
		rwlock_fill(c, w, ra, true, val == 2);
		return true;
	}
	if (h != CDL_HINT_NONE)
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
		cdl_libc_rd32(c, uaddr + M_OWNER, &owner);
		cdl_libc_rd32(c, uaddr + M_NUSERS, &nusers);
		if (owner == 0 && nusers == 0) {
			rwlock_fill(c, w, ra, true, true);
			return true;
		}
	}
	return false;
}

/* Up to 2.24: readers wait on __readers_wakeup, writers on
 * __writer_wakeup; the writer is __writer. */
static bool rwlock_old_wait(const struct cdl_libc_ctx *c, struct cdl_wait *w, uint64_t uaddr, enum cdl_libc_hint h)
{
	uint64_t r;
	bool write;
	uint32_t nr, writer, shared;

	if (h == CDL_HINT_RDLOCK) {
		r = uaddr - RWO_READERS_WAKE;
		write = false;
	} else if (h == CDL_HINT_WRLOCK) {
		r = uaddr - RWO_WRITER_WAKE;
		write = true;
	} else {
		return false;
	}
	w->kind = write ? CDL_WAIT_RWLOCK_WRITE : CDL_WAIT_RWLOCK_READ;
	w->address = r;
	if (cdl_libc_rd32(c, r + RWO_SHARED, &shared) && shared)
		w->flags |= CDL_WAITF_PSHARED;
	if (cdl_libc_rd32(c, r + RWO_NR_READERS, &nr))
		w->readers = (int)nr;
	if (!cdl_libc_rd32(c, r + RWO_WRITER, &writer))
		cdl_libc_set_owner(c, w, 0);
	else if (writer)
		cdl_libc_set_owner(c, w, (int32_t)writer);
	else if (nr)
		w->flags |= CDL_WAITF_READERS;
	else
		cdl_libc_set_owner(c, w, 0);
	return true;
}

/* The innermost entries of the thread's cleanup chain: pthread_cond_wait
 * pushes {__condvar_cleanup_waiting, &cbuffer} (cbuffer holds the cond and
 * the mutex), sem_wait pushes {.., sem}, pthread_join {.., &pd->joinid}.
 * Returns true for a condvar or semaphore it recognised. */
static bool cleanup_wait(const struct cdl_libc_ctx *c, const struct cdl_thread *t,
			 struct cdl_wait *w, uint64_t uaddr)
{
	uint64_t buf, arg, cond, mutex;

	if (!t->thread_pointer || !c->l->rwlock_new)
		return false;
	if (!cdl_libc_rd64(c, t->thread_pointer + c->l->pthread_cleanup, &buf) || !buf)
		return false;
	for (int depth = 0; depth < 4 && buf; depth++) {
		if (!cdl_libc_rd64(c, buf + CB_ARG, &arg))
			return false;
		if (arg == uaddr) {
			w->kind = CDL_WAIT_SEMAPHORE;
			w->address = uaddr;
			return true;
		}
		if (arg && cdl_libc_rd64(c, arg + CCB_COND, &cond) && cond && cond < uaddr) {
			uint64_t off = uaddr - cond;

			/* both generations' offsets are accepted: 2.38-2.40
			 * branch updates carry the 2.41 layout */
			if (off == C1_SIGNALS || off == C1_SIGNALS + 4 ||
			    off == C2_SIGNALS || off == C2_SIGNALS + 4) {
				w->kind = CDL_WAIT_CONDVAR;
				w->address = cond;
				if (cdl_libc_rd64(c, arg + CCB_MUTEX, &mutex))
					w->mutex = mutex;
				return true;
			}
		}
		if (!cdl_libc_rd64(c, buf + 24, &buf))
			return false;
	}
	return false;
}

/* A condvar wait known from the frames only: find which __g_signals word
 * it is from the waiter reference count. */
static void cond_from_frames(const struct cdl_libc_ctx *c, struct cdl_wait *w, uint64_t uaddr)
{
	unsigned sig = c->l->cond_gen == 2 ? C2_SIGNALS : C1_SIGNALS;
	unsigned wrefs = c->l->cond_gen == 2 ? C2_WREFS : C1_WREFS;
	uint32_t r;

	w->kind = CDL_WAIT_CONDVAR;
	if (c->l->cond_gen == 0) {
		uint64_t mutex;

		w->address = uaddr - C0_FUTEX;
		if (cdl_libc_rd64(c, w->address + C0_MUTEX, &mutex) && mutex != ~(uint64_t)0)
			w->mutex = mutex;
		return;
	}
	w->address = uaddr - sig;
	if (cdl_libc_rd32(c, uaddr - sig + wrefs, &r) && (r >> 3) > 0)
		return;
	if (cdl_libc_rd32(c, uaddr - sig - 4 + wrefs, &r) && (r >> 3) > 0)
		w->address = uaddr - sig - 4;
}

/* Is p the address of a PI mutex held by another thread?  Checked on the
 * copied memory: sane __kind with the PI bit, and __owner equal to the
 * tid the kernel keeps in the lock word. */
static bool pi_mutex_held_by_other(const struct cdl_libc_ctx *c, uint64_t p, int self, uint32_t *owner)
{
	uint32_t kind, word, own;

	if (p < 4096 || (p & 3) || !cdl_libc_rd32(c, p + M_KIND, &kind) || !mutex_kind_sane(kind) ||
	    !(kind & MK_PI) || !cdl_libc_rd32(c, p + M_LOCK, &word) || !cdl_libc_rd32(c, p + M_OWNER, &own))
		return false;
	if ((word & CDL_FUTEX_TID_MASK) != own || !cdl_libc_plausible_tid((int32_t)own) || (int)own == self)
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
static bool parked_after_edeadlk(const struct cdl_libc_ctx *c, struct cdl_thread *t,
				 struct cdl_wait *w, uint64_t uaddr)
{
	uint32_t word, owner;
	uint64_t v;

	if (!t->sp || uaddr < t->sp || uaddr >= t->sp + 4096 ||
	    !cdl_libc_rd32(c, uaddr, &word) || word != 0)
		return false;
	/* the compiler may keep &m->__kind or &m->__list rather than m */
	static const unsigned field[] = { 0, M_KIND, 24, 32 };

	for (unsigned i = 0; i < t->nregs && i < CDL_MAX_REGS; i++)
		for (unsigned f = 0; f < 4; f++)
			if (pi_mutex_held_by_other(c, t->regs[i] - field[f], cdl_libc_mem_tid(t), &owner)) {
				v = t->regs[i] - field[f];
				goto found;
			}
	for (uint64_t a = t->sp & ~(uint64_t)7; a < t->sp + 1024; a += 8) {
		uint64_t x;

		if (!cdl_libc_rd64(c, a, &x))
			continue;
		for (unsigned f = 0; f < 4; f++)
			if (pi_mutex_held_by_other(c, x - field[f], cdl_libc_mem_tid(t), &owner)) {
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
	cdl_libc_set_owner(c, w, (int32_t)owner);
	return true;
}

/* A robust mutex: a CDL_FUTEX_WAIT or WAIT_BITSET with val = owner tid |
 * CDL_FUTEX_WAITERS.  True if it classified. */
static bool robust_wait(const struct cdl_libc_ctx *c, struct cdl_wait *w, uint32_t val, bool kind_ok,
			uint32_t kind, enum cdl_libc_hint h)
{
	if (!(val & CDL_FUTEX_WAITERS) || !cdl_libc_plausible_tid(val & CDL_FUTEX_TID_MASK) ||
	    !(h == CDL_HINT_MUTEX || (kind_ok && (kind & MK_ROBUST)) ||
	      cdl_libc_thread_by_mem_tid(c, (int)(val & CDL_FUTEX_TID_MASK))))
		return false;
	w->kind = CDL_WAIT_MUTEX;
	w->flags |= CDL_WAITF_ROBUST;
	if (kind_ok)
		mutex_flags(w, kind);
	/* glibc sets the pshared bit and waits shared on every robust mutex,
	 * so neither says the mutex is process-shared */
	w->flags &= ~(unsigned)CDL_WAITF_PSHARED;
	cdl_libc_set_owner(c, w, val & CDL_FUTEX_TID_MASK);
	return true;
}

static void futex_wait_classify(const struct cdl_libc_ctx *c, struct cdl_thread *t, uint64_t uaddr,
				uint32_t op, uint32_t val, bool timed)
{
	struct cdl_wait *w = &t->wait;
	unsigned cmd = op & 0x7f;
	enum cdl_libc_hint h = cdl_libc_frame_hint(t);
	uint32_t kind = 0;
	bool kind_ok = cdl_libc_rd32(c, uaddr + M_KIND, &kind) && mutex_kind_sane(kind);

	cdl_libc_wait_begin(w, uaddr, op, timed);

	/* priority inheritance: the kernel keeps the owner in the word */
	if (cmd == CDL_FUTEX_LOCK_PI || cmd == CDL_FUTEX_LOCK_PI2) {
		uint32_t word;

		w->kind = CDL_WAIT_MUTEX;
		w->flags |= CDL_WAITF_PI;
		if (kind_ok)
			mutex_flags(w, kind);
		if (cdl_libc_rd32(c, uaddr, &word))
			cdl_libc_set_owner(c, w, word & CDL_FUTEX_TID_MASK);
		else
			cdl_libc_set_owner(c, w, 0);
		return;
	}
	if (cmd == CDL_FUTEX_WAIT_REQUEUE_PI) {
		cond_from_frames(c, w, uaddr);
		return;
	}
	if (cdl_libc_not_a_wait(w, op))
		return;

	if (cdl_libc_foreign_futex_wait(t, w, op, val))
		return;
	if (cdl_libc_join_wait(c, t, w, uaddr - c->l->pthread_tid, true, h) ||
	    robust_wait(c, w, val, kind_ok, kind, h))
		return;

	/* a PI mutex lock that the kernel refused with EDEADLK: glibc parks
	 * the thread forever on a zero word on its own stack */
	if (val == 0 && parked_after_edeadlk(c, t, w, uaddr))
		return;

	/* condvar and semaphore: recognised from the cleanup chain */
	if (cleanup_wait(c, t, w, uaddr))
		return;

	switch (h) {
	case CDL_HINT_INTERNAL:
		internal_wait(c, w, uaddr);
		return;
	case CDL_HINT_COND:
		if (val != 2 || !kind_ok) {
			cond_from_frames(c, w, uaddr);
			return;
		}
		break;      /* the mutex relock after a wakeup is a mutex wait */
	case CDL_HINT_SEM:
		w->kind = CDL_WAIT_SEMAPHORE;
		return;
	case CDL_HINT_RDLOCK:
	case CDL_HINT_WRLOCK:
		if (c->l->rwlock_new ? rwlock_new_wait(c, w, uaddr, val, h)
				     : rwlock_old_wait(c, w, uaddr, h))
			return;
		break;
	default:
		break;
	}

	/* stdio lock without frames: the owner field holds a struct pthread */
	if (h == CDL_HINT_NONE && val == 2 && c->trust) {
		uint64_t owner_pd;

		if (cdl_libc_rd64(c, uaddr + 8, &owner_pd) && owner_pd && cdl_libc_thread_by_pd(c, owner_pd)) {
			internal_wait(c, w, uaddr);
			return;
		}
	}
	if (h == CDL_HINT_NONE && c->l->rwlock_new && (val == 2 || val == 3) &&
	    rwlock_new_wait(c, w, uaddr, val, h))
		return;

	/* an ordinary mutex: val 2 (or the PP ceiling | 2) and a sane __kind */
	if ((val & 3) == 2 && kind_ok &&
	    (val == 2 || (kind & MK_PP)) && (h == CDL_HINT_MUTEX || h == CDL_HINT_NONE || h == CDL_HINT_COND)) {
		mutex_wait(c, w, uaddr);
		return;
	}
	if (h == CDL_HINT_MUTEX) {
		/* the frames say mutex but the object does not look like one */
		w->kind = CDL_WAIT_MUTEX;
		cdl_libc_set_owner(c, w, 0);
		return;
	}
	/* a futex that belongs to nothing known: no owner */
	w->kind = CDL_WAIT_FUTEX;
}

/* ---- entry point ---- */

void cdl_libc_classify(struct cdl_snapshot *s, const struct cdl_libc_layout *l)
{
	struct cdl_libc_ctx c;

	cdl_libc_ctx_init(&c, s, l);
	cdl_libc_classify_threads(&c, futex_wait_classify);
	cdl_libc_ctx_fini(&c);
}
