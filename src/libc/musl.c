/* SPDX-License-Identifier: GPL-2.0-or-later */
/* musl.c - what musl's pthread internals tell about a blocked thread.
 *
 * musl (1.2.2 to 1.2.5, x86-64; src/thread/ and src/internal/ of each
 * tag, checked on Debian's musl 1.2.3 - doc/lock-internals.md) waits on
 * plain futex words with FUTEX_WAIT (private unless process-shared) and a
 * relative timeout, through __timedwait(_cp) or __futexwait:
 *
 *   mutex {type@0, lock@4, waiters@8, count@20, prev@24, next@32}: the
 *     waiter sleeps on lock with val = lock | 0x80000000.  Every type
 *     but NORMAL (recursive, errorcheck, robust, PI) keeps the owner's tid
 *     in the lock word (bit 30: owner died, bit 31: waiters); a NORMAL
 *     mutex - the default - keeps EBUSY (16) there: no owner anywhere.
 *     PI mutexes sleep in FUTEX_LOCK_PI on the same word.
 *   rwlock {lock@0, waiters@4, shared@8}: lock 0x7fffffff write-locked,
 *     n: n readers; no writer tid, no reader identities.  Waiters sleep
 *     on lock with val = lock | 0x80000000, op private iff shared == 0.
 *   sem {value@0, waiters@4, priv@8}: sleeps on value with val -1 (up to
 *     1.2.3) or 0x80000000 (1.2.4+); priv is the op's private bit itself,
 *     the reverse of the rwlock's shared field.
 *   condvar: a private wait sleeps on a node on the waiter's own stack
 *     (barrier@20 of {prev, next, state@16, barrier, notify}) with val 2,
 *     with the cancel state MASKED; neither the condvar nor the mutex is
 *     recorded there.  Process-shared: on the condvar's seq@8.
 *   join: sleeps on the joinee's detach_state (pd+56) with val 1 or 2.
 *   stdio: FILE's lock@140 holds the owner's tid | 0x40000000 (waiters).
 *
 * Nothing here guesses an owner: where musl records none, the wait says
 * so (owner unknown, naming the mutex type), and the verdict with it.
 */
#include "config.h"

#include <string.h>

#include "libc-int.h"

/* pthread_mutex_t */
#define MM_TYPE     0
#define MM_LOCK     4
#define MT_KIND     3          /* 0 normal, 1 recursive, 2 errorcheck */
#define MT_RECURSIVE 1
#define MT_ERRORCHECK 2
#define MT_ROBUST   4
#define MT_PI       8
#define MT_PSHARED  128
#define MT_ALL      (MT_KIND | MT_ROBUST | MT_PI | MT_PSHARED)
#define NORMAL_LOCKED 16u      /* EBUSY: a NORMAL mutex's lock word */

/* pthread_rwlock_t, sem_t, condvar waiter node, FILE */
#define RW_WAITERS  4
#define RW_SHARED   8
#define RW_WRITER   0x7fffffffu
#define SEM_PRIV    8
#define NODE_BARRIER 20
#define NODE_STATE  16
#define COND_SEQ    8
#define FILE_LOCK   140
#define FILE_WAITERS 0x40000000u

#define CANCEL_MASKED 2        /* pd->canceldisable during a cond wait */

static bool mutex_type_sane(uint32_t type)
{
	return (type & ~(uint32_t)MT_ALL) == 0 && (type & MT_KIND) != 3;
}

static void mutex_flags(struct cdl_wait *w, uint32_t type)
{
	static const struct cdl_libc_type_bits bits = {
		MT_KIND, MT_RECURSIVE, MT_ERRORCHECK, MT_ROBUST, MT_PI
	};

	cdl_libc_type_flags(w, type, &bits);
	/* musl waits shared exactly on the process-shared ones */
	w->flags &= ~(unsigned)CDL_WAITF_PSHARED;
	if (type & MT_PSHARED)
		w->flags |= CDL_WAITF_PSHARED;
}

/* The owner a lock word records (tid in the low 30 bits), read from the
 * copy; a word found free was being released at the freeze. */
static void owner_from_word(const struct cdl_libc_ctx *c, struct cdl_wait *w, uint64_t word_at)
{
	uint32_t word;

	if (!cdl_libc_rd32(c, word_at, &word)) {
		cdl_libc_set_owner(c, w, 0);
		return;
	}
	if ((word & CDL_FUTEX_TID_MASK) == 0)
		return;                 /* released: the waiter is being woken */
	cdl_libc_set_owner(c, w, word & CDL_FUTEX_TID_MASK);
}

/* A mutex wait on m's lock word (uaddr = m + 4).  True if it is one. */
static bool mutex_wait(const struct cdl_libc_ctx *c, struct cdl_wait *w, uint64_t uaddr,
		       uint32_t val, enum cdl_libc_hint h)
{
	uint64_t m = uaddr - MM_LOCK;
	uint32_t type;

	if (!cdl_libc_rd32(c, m + MM_TYPE, &type) || !mutex_type_sane(type) ||
	    !(val & CDL_FUTEX_WAITERS))
		return false;
	if (h != CDL_HINT_NONE && h != CDL_HINT_MUTEX && h != CDL_HINT_COND)
		return false;
	if ((type & 15) == 0) {
		/* NORMAL: the word holds EBUSY, never a tid */
		if ((val & ~CDL_FUTEX_WAITERS) != NORMAL_LOCKED)
			return false;
		w->kind = CDL_WAIT_MUTEX;
		w->address = m;
		mutex_flags(w, type);
		w->flags |= CDL_WAITF_OWNER_UNKNOWN;
		w->detail = "musl normal mutex";
		return true;
	}
	if (!cdl_libc_plausible_tid(val & CDL_FUTEX_TID_MASK))
		return false;
	w->kind = CDL_WAIT_MUTEX;
	w->address = m;
	mutex_flags(w, type);
	owner_from_word(c, w, uaddr);
	return true;
}

/* A rwlock or a semaphore at uaddr: the word at +8 tells them apart (see
 * the top of this file), the frames when they are known.  True if it
 * classified. */
static bool rwlock_or_sem(const struct cdl_libc_ctx *c, struct cdl_wait *w, uint64_t uaddr,
			  uint32_t op, uint32_t val, enum cdl_libc_hint h)
{
	uint32_t priv = op & CDL_FUTEX_PRIVATE, at8, waiters, n = val & ~CDL_FUTEX_WAITERS;
	bool has8 = cdl_libc_rd32(c, uaddr + SEM_PRIV, &at8);

	if (h == CDL_HINT_SEM ||
	    (h == CDL_HINT_NONE && has8 && at8 == priv && (val == ~0u || val == CDL_FUTEX_WAITERS))) {
		w->kind = CDL_WAIT_SEMAPHORE;
		w->address = uaddr;
		return true;
	}
	if (!(val & CDL_FUTEX_WAITERS) || n == 0)
		return false;
	/* without frames, the word at +4 must count this waiter too: musl's
	 * internal __lock words (INT_MIN + holders) look alike otherwise */
	if (!(h == CDL_HINT_RDLOCK || h == CDL_HINT_WRLOCK ||
	      (h == CDL_HINT_NONE && has8 && at8 == (priv ^ CDL_FUTEX_PRIVATE) &&
	       cdl_libc_rd32(c, uaddr + RW_WAITERS, &waiters) && waiters >= 1 &&
	       waiters < (1u << 22))))
		return false;
	w->address = uaddr;
	w->flags &= ~(unsigned)CDL_WAITF_PSHARED;
	if (has8 && at8)
		w->flags |= CDL_WAITF_PSHARED;
	if (n != RW_WRITER) {
		/* a writer waits for n readers to leave */
		w->kind = CDL_WAIT_RWLOCK_WRITE;
		w->readers = (int)n;
		w->flags |= CDL_WAITF_READERS;
		return true;
	}
	/* write-locked: musl records no writer */
	w->kind = h == CDL_HINT_RDLOCK ? CDL_WAIT_RWLOCK_READ : CDL_WAIT_RWLOCK_WRITE;
	w->readers = 0;
	w->flags |= CDL_WAITF_OWNER_UNKNOWN;
	w->detail = h == CDL_HINT_NONE ? "musl rwlock, reader or writer (no frames)" :
					 "musl rwlock";
	return true;
}

/* A private condvar wait: val 2 on a waiter node on the thread's own
 * stack, with the cancel state a cond wait sets (or frames that say so). */
static bool cond_wait(const struct cdl_libc_ctx *c, const struct cdl_thread *t,
		      struct cdl_wait *w, uint64_t uaddr, uint32_t op, uint32_t val,
		      enum cdl_libc_hint h)
{
	uint32_t state, cs = 0;

	if (h == CDL_HINT_COND && !(op & CDL_FUTEX_PRIVATE)) {
		w->kind = CDL_WAIT_CONDVAR;          /* process-shared: on seq */
		w->address = uaddr - COND_SEQ;
		return true;
	}
	if (val != 2 || !t->sp || uaddr < t->sp || uaddr >= t->sp + (1u << 20) ||
	    !cdl_libc_rd32(c, uaddr - NODE_BARRIER + NODE_STATE, &state) || state > 2)
		return false;
	if (c->trust && t->thread_pointer && c->l->pthread_canceldisable)
		cdl_libc_rd32(c, t->thread_pointer + c->l->pthread_canceldisable, &cs);
	if (h != CDL_HINT_COND && (cs & 0xff) != CANCEL_MASKED)
		return false;
	w->kind = CDL_WAIT_CONDVAR;
	w->address = 0;               /* the node is the waiter's, the condvar unknown */
	w->detail = "musl condition variable";
	return true;
}

/* stdio's FILE lock: the owner's tid | 0x40000000 once there are
 * waiters; accepted only for an owner that is another thread here. */
static bool file_wait(const struct cdl_libc_ctx *c, const struct cdl_thread *t,
		      struct cdl_wait *w, uint64_t uaddr, uint32_t val, enum cdl_libc_hint h)
{
	uint32_t owner = val & ~FILE_WAITERS;
	const struct cdl_thread *o;

	if ((val & (CDL_FUTEX_WAITERS | FILE_WAITERS)) != FILE_WAITERS || !c->trust ||
	    !(o = cdl_libc_thread_by_mem_tid(c, (int)owner)) || o == t ||
	    (h != CDL_HINT_NONE && h != CDL_HINT_INTERNAL))
		return false;
	w->kind = CDL_WAIT_MUTEX;
	w->address = uaddr - FILE_LOCK;
	w->flags |= CDL_WAITF_LIBC_INTERNAL;
	w->flags &= ~(unsigned)CDL_WAITF_PSHARED;
	owner_from_word(c, w, uaddr);
	return true;
}

/* Is p a PI mutex whose lock word names another thread as its owner? */
static bool pi_held_by_other(const struct cdl_libc_ctx *c, uint64_t p, int self, uint32_t *owner)
{
	uint32_t type, word;

	if (p < 4096 || (p & 3) || !cdl_libc_rd32(c, p + MM_TYPE, &type) ||
	    !mutex_type_sane(type) || !(type & MT_PI) || !cdl_libc_rd32(c, p + MM_LOCK, &word))
		return false;
	word &= CDL_FUTEX_TID_MASK;
	if (!cdl_libc_plausible_tid(word) || (int)word == self)
		return false;
	*owner = word;
	return true;
}

/* When the kernel refuses a PI lock with EDEADLK (the lock chain loops
 * back), musl parks the thread forever on a zero word on its own stack.
 * The mutex is found among the saved registers and the words above the
 * stack pointer (as m, &m->_m_lock or &m->_m_next); only one that checks
 * out as a PI mutex held by another thread is taken. */
static bool parked_pi(const struct cdl_libc_ctx *c, struct cdl_thread *t, struct cdl_wait *w,
		      uint64_t uaddr, uint32_t val)
{
	static const unsigned field[] = { 0, MM_LOCK, 32 };
	uint32_t word, owner;
	uint64_t x;

	if (val != 0 || !t->sp || uaddr < t->sp || uaddr >= t->sp + 4096 ||
	    !cdl_libc_rd32(c, uaddr, &word) || word != 0)
		return false;
	for (unsigned i = 0; i < t->nregs + 128 && i < CDL_MAX_REGS + 128; i++) {
		if (i < t->nregs && i < CDL_MAX_REGS)
			x = t->regs[i];
		else if (i < CDL_MAX_REGS || !cdl_libc_rd64(c, (t->sp & ~7ull) + 8ull * (i - CDL_MAX_REGS), &x))
			continue;
		for (unsigned f = 0; f < 3; f++)
			if (pi_held_by_other(c, x - field[f], cdl_libc_mem_tid(t), &owner)) {
				w->kind = CDL_WAIT_MUTEX;
				w->address = x - field[f];
				w->flags &= CDL_WAITF_TIMED;
				w->flags |= CDL_WAITF_PI;
				w->detail = "lock refused with EDEADLK, parked forever";
				cdl_libc_set_owner(c, w, owner);
				return true;
			}
	}
	return false;
}

static void futex_wait_classify(const struct cdl_libc_ctx *c, struct cdl_thread *t,
				uint64_t uaddr, uint32_t op, uint32_t val, bool timed)
{
	struct cdl_wait *w = &t->wait;
	unsigned cmd = op & 0x7f;
	enum cdl_libc_hint h;
	uint32_t type;

	cdl_libc_wait_begin(w, uaddr, op, timed);
	if (cmd == CDL_FUTEX_LOCK_PI || cmd == CDL_FUTEX_LOCK_PI2) {
		/* the kernel keeps the owner in the word */
		w->kind = CDL_WAIT_MUTEX;
		w->address = uaddr - MM_LOCK;
		if (cdl_libc_rd32(c, w->address + MM_TYPE, &type) && mutex_type_sane(type))
			mutex_flags(w, type);
		w->flags |= CDL_WAITF_PI;
		owner_from_word(c, w, uaddr);
		return;
	}
	if (cdl_libc_not_a_wait(w, op))
		return;
	if (cdl_libc_foreign_futex_wait(t, w, op, val))
		return;
	h = cdl_libc_frame_hint(t);
	/* a joiner waits with the joinee's state: 2 joinable, 1 exiting */
	if (cdl_libc_join_wait(c, t, w, uaddr - c->l->pthread_joinid, val == 1 || val == 2, h) ||
	    mutex_wait(c, w, uaddr, val, h) ||
	    parked_pi(c, t, w, uaddr, val) ||
	    cond_wait(c, t, w, uaddr, op, val, h) || rwlock_or_sem(c, w, uaddr, op, val, h) ||
	    file_wait(c, t, w, uaddr, val, h))
		return;
	switch (h) {
	case CDL_HINT_MUTEX:
		/* the frames say mutex, the memory does not show one */
		w->kind = CDL_WAIT_MUTEX;
		cdl_libc_set_owner(c, w, 0);
		return;
	case CDL_HINT_INTERNAL:
		w->kind = CDL_WAIT_MUTEX;
		w->flags |= CDL_WAITF_LIBC_INTERNAL | CDL_WAITF_OWNER_UNKNOWN;
		return;
	case CDL_HINT_COND:
		w->kind = CDL_WAIT_CONDVAR;
		w->address = 0;
		return;
	default:
		/* a futex that belongs to nothing known: no owner */
		w->kind = CDL_WAIT_FUTEX;
	}
}

/* Every thread's descriptor must carry its own tid (and self) when the
 * release is not known: the layout is then proven, not assumed. */
static bool layout_proven(const struct cdl_libc_ctx *c)
{
	size_t with_pd = 0;

	for (size_t i = 0; i < c->s->nthreads; i++) {
		const struct cdl_thread *t = &c->s->threads[i];
		uint64_t self;

		if (!t->thread_pointer)
			continue;
		with_pd++;
		if (!cdl_libc_rd64(c, t->thread_pointer, &self) || self != t->thread_pointer)
			return false;
	}
	return with_pd > 0 && c->npds == with_pd;
}

void cdl_musl_classify(struct cdl_snapshot *s, const struct cdl_libc_layout *l)
{
	struct cdl_libc_ctx c;

	cdl_libc_ctx_init(&c, s, l);
	if (c.trust && l->major == 0 && !layout_proven(&c)) {
		c.trust = false;
		cdl_snapshot_warn(s, "musl release not known and its struct pthread layout "
				  "(tid at %u) not found in every thread: lock owners not shown",
				  l->pthread_tid);
	}
	cdl_libc_classify_threads(&c, futex_wait_classify);
	cdl_libc_ctx_fini(&c);
}
