/* SPDX-License-Identifier: GPL-2.0-or-later */
/* analyze.h - the wait-for graph and the verdicts.  Pure: snapshot in,
 * analysis out; no I/O. */
#ifndef CDL_ANALYZE_H
#define CDL_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "snapshot.h"

enum cdl_deadlock_type {
	CDL_DEADLOCK_CYCLE,          /* threads wait for each other in a loop */
	CDL_DEADLOCK_ORPHANED_LOCK,  /* waiters on a lock whose owner exited */
};

/* One wait-for edge: waiter waits for an object held by owner. */
struct cdl_edge {
	int waiter_tid;
	int owner_tid;
	enum cdl_wait_kind kind;
	uint64_t address;
	const char *symbol;          /* points into the snapshot's pool */
};

struct cdl_deadlock {
	enum cdl_deadlock_type type;
	int *tids;                   /* cycle: in wait order, smallest tid first;
	                                orphaned: waiters, ascending */
	size_t ntids;
	struct cdl_edge *edges;      /* cycle: edges[i] is tids[i] -> tids[i+1] */
	size_t nedges;
};

/* Per-thread verdict, most severe first. */
enum cdl_verdict {
	CDL_VERDICT_NONE,            /* running, or not waiting on anything */
	CDL_VERDICT_DEADLOCKED,      /* on a cycle */
	CDL_VERDICT_ORPHANED,        /* waits on a lock whose owner exited */
	CDL_VERDICT_BEHIND,          /* waits (maybe through others) on a deadlocked thread */
	CDL_VERDICT_STUCK,           /* lock-like wait longer than the threshold, no cycle */
	CDL_VERDICT_WAITING,         /* some wait, shorter than the threshold or duration unknown */
	CDL_VERDICT_IDLE,            /* waits for work, time or events (condvar, semaphore,
	                                sleep, I/O) at least as long as the threshold */
};

struct cdl_analyze_opts {
	int64_t stuck_ms;            /* threshold for CDL_VERDICT_STUCK; default 5000 */
};

struct cdl_analysis {
	struct cdl_deadlock *deadlocks;   /* cycles first (by smallest tid), then orphaned locks */
	size_t ndeadlocks;
	/* indexed like snapshot->threads (the snapshot must be sorted) */
	enum cdl_verdict *verdict;
	size_t *deadlock_of;         /* index into deadlocks for DEADLOCKED/ORPHANED/BEHIND, else SIZE_MAX */
	/* thread indexes with verdict STUCK, longest blocked first */
	size_t *stuck;
	size_t nstuck;
	size_t nedges;               /* edges in the whole wait-for graph */
	/* the stuck threads that wait on a lock whose holder is not known
	 * (see cdl_analyze_is_undecided), in the order of stuck */
	size_t *undecided;
	size_t nundecided;
	/* thread indexes with verdict IDLE, grouped: by kind, then object
	 * (condvar, semaphore) or system call, then tid */
	size_t *idle;
	size_t nidle;
	int64_t stuck_ms;            /* the threshold used */
};

/* The process's answer and cdeadlock's exit status: a deadlock proven
 * (2), none proven but undecided threads (3: a deadlock can be neither
 * proven nor excluded), or no deadlock found (0). */
enum cdl_answer {
	CDL_ANSWER_NONE = 0,
	CDL_ANSWER_DEADLOCK = 2,
	CDL_ANSWER_UNDECIDED = 3,
};

void cdl_analyze_opts_init(struct cdl_analyze_opts *o);

/* Analyze s (sorted with cdl_snapshot_sort).  opts may be NULL for the
 * defaults.  Returns 0 and *out (free with cdl_analysis_free), or -ENOMEM. */
int cdl_analyze(const struct cdl_snapshot *s, const struct cdl_analyze_opts *opts,
		struct cdl_analysis **out);
void cdl_analysis_free(struct cdl_analysis *a);

/* The one rule for "stuck": t waits for a lock-like object (see
 * cdl_wait_kind_info: a mutex, rwlock, join or futex lock; not an idle
 * wait) and has done so for waited_ms >= stuck_ms, or for a time nobody
 * knows (CDL_WAITF_RECHECKS: it wakes by itself to re-check).
 * waited_ms < 0 means unknown: never stuck.  cdl_analyze applies it to the
 * kernel's blocked_for_ms (CDL_VERDICT_STUCK, unless a deadlock verdict
 * comes first); the TUI to how long it has seen the same wait. */
bool cdl_analyze_is_stuck(const struct cdl_thread *t, int64_t waited_ms, int64_t stuck_ms);

/* t waits for a lock (mutex, rwlock, a futex lock of a known
 * implementation that records no owner: CDL_WAIT_FUTEX with
 * CDL_WAITF_OWNER_UNKNOWN, or a futex no known implementation explains:
 * CDL_WAIT_FUTEX without a detail) and its holder is not known: none
 * recorded, or an unverified layout.  A writer waiting for readers (counted by the
 * lock) is not; nor are condvars, semaphores, joins, sleeps and I/O. */
bool cdl_analyze_is_undecided(const struct cdl_thread *t);

/* Two idle threads wait alike (same kind, and the same object or system
 * call): the order of cdl_analysis.idle, 0 when they are one group. */
int cdl_analyze_idle_cmp(const struct cdl_thread *a, const struct cdl_thread *b);

enum cdl_answer cdl_analysis_answer(const struct cdl_analysis *a);

const char *cdl_deadlock_type_name(enum cdl_deadlock_type t); /* "cycle", "orphaned_lock" */
const char *cdl_verdict_name(enum cdl_verdict v);

#endif
