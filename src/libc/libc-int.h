/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libc-int.h - what the libc backends share (private to src/libc):
 * the classification context (the threads whose descriptor checked out,
 * the namespace tid map, whether owners may be read), reading the copied
 * memory, naming owners, the hints the innermost runtime frames give, and
 * the per-syscall dispatch that hands futex waits to a backend.
 * classify.c implements it; glibc.c and musl.c are the backends. */
#ifndef CDL_LIBC_INT_H
#define CDL_LIBC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "libc.h"
#include "memimg.h"
#include "snapshot.h"

#define CDL_PID_MAX_LIMIT  4194304          /* kernel's upper bound for a tid */
#define CDL_FUTEX_TID_MASK 0x3fffffffu
#define CDL_FUTEX_WAITERS  0x80000000u

#define CDL_FUTEX_WAIT         0
#define CDL_FUTEX_LOCK_PI      6
#define CDL_FUTEX_WAIT_BITSET  9
#define CDL_FUTEX_WAIT_REQUEUE_PI 11
#define CDL_FUTEX_LOCK_PI2     13
#define CDL_FUTEX_PRIVATE      128

struct cdl_libc_pdmap {
	uint64_t pd;
	size_t idx;
};

/* A namespace tid (as the target's memory records it) and its thread. */
struct cdl_libc_nsmap {
	int ns_tid;
	size_t idx;
};

struct cdl_libc_ctx {
	struct cdl_snapshot *s;
	const struct cdl_libc_layout *l;
	const struct cdl_memimg *m;
	struct cdl_libc_pdmap *pds;  /* sorted by pd; threads whose pd checked out */
	size_t npds;
	bool trust;               /* layout known and verified: owners may be read */
	struct cdl_libc_nsmap *ns;   /* sorted by ns_tid; NULL: no thread has a
	                             namespace tid (memory tids are host tids) */
	size_t nns;
};

/* Classify one futex wait of t (FUTEX_WAIT*, LOCK_PI*, ...). */
typedef void (*cdl_libc_futex_fn)(const struct cdl_libc_ctx *c, struct cdl_thread *t,
				  uint64_t uaddr, uint32_t op, uint32_t val, bool timed);

/* Check every thread's descriptor (its tid at l->pthread_tid), build the
 * maps, decide trust, warn as the libc l->libc names.  -ENOMEM. */
int cdl_libc_ctx_init(struct cdl_libc_ctx *c, struct cdl_snapshot *s,
		      const struct cdl_libc_layout *l);
void cdl_libc_ctx_fini(struct cdl_libc_ctx *c);
/* Fill every thread's wait: syscalls by kind, futex waits through fw. */
void cdl_libc_classify_threads(const struct cdl_libc_ctx *c, cdl_libc_futex_fn fw);

static inline bool cdl_libc_rd32(const struct cdl_libc_ctx *c, uint64_t addr, uint32_t *v)
{
	return c->m && cdl_memimg_u32(c->m, addr, v) == 0;
}

static inline bool cdl_libc_rd64(const struct cdl_libc_ctx *c, uint64_t addr, uint64_t *v)
{
	return c->m && cdl_memimg_u64(c->m, addr, v) == 0;
}

static inline bool cdl_libc_plausible_tid(int64_t tid)
{
	return tid > 0 && tid <= CDL_PID_MAX_LIMIT;
}

/* The tid the target's memory records for t: its namespace tid. */
static inline int cdl_libc_mem_tid(const struct cdl_thread *t)
{
	return t->ns_tid ? t->ns_tid : t->tid;
}

/* The thread whose recorded (namespace) tid is tid, or NULL. */
struct cdl_thread *cdl_libc_thread_by_mem_tid(const struct cdl_libc_ctx *c, int tid);
/* The thread whose descriptor starts at pd (checked), or NULL. */
struct cdl_thread *cdl_libc_thread_by_pd(const struct cdl_libc_ctx *c, uint64_t pd);
/* Record tid (as the target's memory has it) as w's owner, when the
 * layout is trusted; an implausible tid marks the owner unknown. */
void cdl_libc_set_owner(const struct cdl_libc_ctx *c, struct cdl_wait *w, int64_t tid);

/* What the innermost runtime frames say the thread is in. */
enum cdl_libc_hint {
	CDL_HINT_NONE,
	CDL_HINT_MUTEX,
	CDL_HINT_INTERNAL,     /* libc-internal lock (stdio, malloc, ...) */
	CDL_HINT_RDLOCK,
	CDL_HINT_WRLOCK,
	CDL_HINT_COND,
	CDL_HINT_SEM,
	CDL_HINT_JOIN,
	CDL_HINT_SLEEP,
};

enum cdl_libc_hint cdl_libc_frame_hint(const struct cdl_thread *t);

/* The futex wait t is in, entered through the generic syscall(2)
 * wrapper: code that implements its own lock (GLib, Rust std, ...), not
 * the libc's objects.  True if it classified w. */
bool cdl_libc_foreign_futex_wait(const struct cdl_thread *t, struct cdl_wait *w,
				 uint32_t op, uint32_t val);

/* GLib (glib.c).  Whether path is libglib-2.0. */
bool cdl_glib_is_module(const char *path);
/* t's futex wait w (begun: w->futex set) through syscall(2), called from
 * frame caller: a GMutex, GCond or bit lock wait of libglib, by the frame
 * and the futex op and value.  True if it classified w. */
bool cdl_glib_futex_wait(const struct cdl_thread *t, size_t caller, struct cdl_wait *w,
			 uint32_t op, uint32_t val);
/* Name the libc mutex and rwlock waits that a GRecMutex or GRWLock entered
 * (the first frame above the libc's); the owner is the libc's. */
void cdl_glib_name_waits(struct cdl_snapshot *s);

/* pthread_join: the joiner sleeps on a word of the joinee's descriptor,
 * which starts at pd (plausible: the futex value fits a join); the
 * joinee is a thread of the snapshot, or the frames say join.  True if it
 * classified w. */
bool cdl_libc_join_wait(const struct cdl_libc_ctx *c, const struct cdl_thread *t,
			struct cdl_wait *w, uint64_t pd, bool plausible, enum cdl_libc_hint h);

/* Start w for a futex call on uaddr: the word, the timeout, whether it
 * is private. */
void cdl_libc_wait_begin(struct cdl_wait *w, uint64_t uaddr, uint32_t op, bool timed);
/* A futex call that is no plain wait (not WAIT, WAIT_BITSET): w says
 * "futex", true. */
bool cdl_libc_not_a_wait(struct cdl_wait *w, uint32_t op);

/* Where a libc's mutex type word keeps the kind (kind_mask: normal 0,
 * recursive, errorcheck) and the robust and PI bits. */
struct cdl_libc_type_bits {
	uint32_t kind_mask, recursive, errorcheck, robust, pi;
};

/* The recursive, errorcheck, robust and PI flags of a mutex type word. */
void cdl_libc_type_flags(struct cdl_wait *w, uint32_t type, const struct cdl_libc_type_bits *b);

/* Does fn start with one of prefixes or equal one of exact (both
 * NULL-terminated)? */
bool cdl_libc_name_in(const char *fn, const char *const *prefixes, const char *const *exact);

/* musl's classifier (musl.c) and its row of the ops table (musl-ops.c) */
void cdl_musl_classify(struct cdl_snapshot *s, const struct cdl_libc_layout *l);
extern const struct cdl_libc_ops cdl_musl_ops;
/* musl's frames without CFI (musl-unwind.c; libc.h's nocfi_frame) */
bool cdl_musl_nocfi_frame(const struct cdl_libc_code *q, uint64_t pc, uint64_t sp,
			  struct cdl_libc_nocfi *out);

#endif
