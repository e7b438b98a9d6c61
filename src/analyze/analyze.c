/* SPDX-License-Identifier: GPL-2.0-or-later */
/* analyze.c - the wait-for graph and the verdicts.
 *
 * A thread waits on at most one object and an object has at most one
 * recorded owner, so the wait-for graph is functional: each thread has at
 * most one outgoing edge.  Cycles are then found by one coloured walk per
 * unvisited thread, following the single edge until a thread seen before
 * is reached; each thread is visited once, so the whole analysis is linear
 * in threads + edges (plus the sort of the stuck list).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "grow.h"

#define NONE SIZE_MAX

void cdl_analyze_opts_init(struct cdl_analyze_opts *o)
{
	o->stuck_ms = 5000;
}

/* tid -> thread index, open addressing: lookups in O(1) keep the whole
 * analysis linear (a binary search per edge would add a log factor and a
 * cache miss per step over the large thread records). */
struct tidx {
	int *tid;
	size_t *idx;
	size_t mask;
};

static uint32_t hash_tid(int tid)
{
	return (uint32_t)tid * 2654435761u;
}

static int tidx_build(struct tidx *x, const struct cdl_snapshot *s)
{
	size_t cap = 16;

	while (cap < 2 * s->nthreads)
		cap *= 2;
	x->mask = cap - 1;
	x->tid = calloc(cap, sizeof(*x->tid));
	x->idx = malloc(cap * sizeof(*x->idx));
	if (!x->tid || !x->idx)
		return -ENOMEM;
	for (size_t i = 0; i < s->nthreads; i++) {
		size_t h = hash_tid(s->threads[i].tid) & x->mask;

		if (s->threads[i].tid <= 0)
			continue;
		while (x->tid[h] && x->tid[h] != s->threads[i].tid)
			h = (h + 1) & x->mask;
		x->tid[h] = s->threads[i].tid;
		x->idx[h] = i;
	}
	return 0;
}

static void tidx_free(struct tidx *x)
{
	free(x->tid);
	free(x->idx);
}

/* Index of tid in the thread array, or NONE. */
static size_t index_of(const struct tidx *x, int tid)
{
	size_t h;

	if (tid <= 0)
		return NONE;
	for (h = hash_tid(tid) & x->mask; x->tid[h]; h = (h + 1) & x->mask)
		if (x->tid[h] == tid)
			return x->idx[h];
	return NONE;
}

/* The lock a thread waits on gives an edge to its owner when the owner is
 * recorded (or proven by its guard) and is a thread of this snapshot.  A recursive mutex's owner
 * never blocks on it, so owner == self on a recursive mutex is stale
 * data, not a deadlock. */
static bool lock_with_owner(const struct cdl_thread *t)
{
	const struct cdl_wait *w = &t->wait;

	if (!t->has_wait || !cdl_wait_kind_info(w->kind)->owner_edge || w->owner_tid <= 0)
		return false;
	if (w->flags & CDL_WAITF_LAYOUT_UNKNOWN)
		return false;
	/* a writer waits for anonymous readers: no edge, unless the one
	 * reader is named by its guard (owner_source CDL_OWNER_GUARD) */
	if ((w->flags & CDL_WAITF_READERS) && w->owner_source != CDL_OWNER_GUARD)
		return false;
	return !(w->owner_tid == t->tid && (w->flags & CDL_WAITF_RECURSIVE));
}

bool cdl_analyze_is_stuck(const struct cdl_thread *t, int64_t waited_ms, int64_t stuck_ms)
{
	if (!t->has_wait || !cdl_wait_kind_is_lock(t->wait.kind))
		return false;
	/* a waiter that keeps waking to re-check has waited for a time
	 * nobody measured: it cannot be told from a stuck one */
	if (t->wait.flags & CDL_WAITF_RECHECKS)
		return true;
	return waited_ms >= 0 && waited_ms >= stuck_ms;
}

bool cdl_analyze_is_undecided(const struct cdl_thread *t)
{
	const struct cdl_wait *w = &t->wait;

	if (!t->has_wait)
		return false;
	switch (w->kind) {
	case CDL_WAIT_MUTEX:
		/* a mutex whose libc records its owner, seen with none, was
		 * caught between the owner field and the lock word (being
		 * taken or released): a moment, not a lock without owners */
		if (w->flags & (CDL_WAITF_OWNER_UNKNOWN | CDL_WAITF_LAYOUT_UNKNOWN))
			break;
		return false;
	case CDL_WAIT_RWLOCK_READ:
	case CDL_WAIT_RWLOCK_WRITE:
		break;
	case CDL_WAIT_FUTEX:
		/* a futex lock of a known implementation that records no
		 * owner, one whose owner is not read (a Java monitor), or a
		 * futex no known implementation explains (a
		 * runtime's own latch, MariaDB's InnoDB): either may be a
		 * lock, and nobody can say who holds it */
		if ((w->flags & (CDL_WAITF_OWNER_UNKNOWN | CDL_WAITF_RECHECKS)) || !w->detail)
			break;
		return false;
	default:
		return false;
	}
	/* a writer that waits for readers waits for read sections the lock
	 * counts: the default (reader-preferring) rwlock starves writers in
	 * busy, healthy programs, so that alone is no reason for doubt */
	if (w->flags & CDL_WAITF_LAYOUT_UNKNOWN)
		return true;
	return w->owner_tid <= 0 && !(w->flags & CDL_WAITF_READERS);
}

enum cdl_answer cdl_analysis_answer(const struct cdl_analysis *a)
{
	if (a->ndeadlocks)
		return CDL_ANSWER_DEADLOCK;
	return a->nundecided ? CDL_ANSWER_UNDECIDED : CDL_ANSWER_NONE;
}

static size_t edge_of(const struct cdl_snapshot *s, const struct tidx *x, size_t i)
{
	return lock_with_owner(&s->threads[i]) ? index_of(x, s->threads[i].wait.owner_tid) : NONE;
}

/* The lock's owner is gone (not in the snapshot, checked dead). */
static bool orphaned(const struct cdl_snapshot *s, const struct tidx *x, size_t i)
{
	const struct cdl_thread *t = &s->threads[i];

	return lock_with_owner(t) && t->wait.owner_pid == -1 &&
	       index_of(x, t->wait.owner_tid) == NONE;
}

static void fill_edge(struct cdl_edge *e, const struct cdl_thread *t)
{
	e->waiter_tid = t->tid;
	e->owner_tid = t->wait.owner_tid;
	e->kind = t->wait.kind;
	e->address = t->wait.address;
	e->symbol = t->wait.symbol;
}

static int push_deadlock(struct cdl_analysis *a, size_t *cap, struct cdl_deadlock *d)
{
	if (CDL_GROW(a->deadlocks, *cap, a->ndeadlocks + 1, 4) < 0)
		return -ENOMEM;
	a->deadlocks[a->ndeadlocks++] = *d;
	return 0;
}

/* Record the cycle through thread `start` (which is on it). */
static int add_cycle(const struct cdl_snapshot *s, struct cdl_analysis *a, size_t *cap,
		     const size_t *next, size_t start)
{
	struct cdl_deadlock d = { .type = CDL_DEADLOCK_CYCLE };
	size_t len = 0, min = start, k;

	k = start;
	do {
		if (s->threads[k].tid < s->threads[min].tid)
			min = k;
		len++;
		k = next[k];
	} while (k != start);
	d.tids = malloc(len * sizeof(*d.tids));
	d.edges = malloc(len * sizeof(*d.edges));
	if (!d.tids || !d.edges) {
		free(d.tids);
		free(d.edges);
		return -ENOMEM;
	}
	d.ntids = d.nedges = len;
	k = min;
	for (size_t j = 0; j < len; j++, k = next[k]) {
		d.tids[j] = s->threads[k].tid;
		fill_edge(&d.edges[j], &s->threads[k]);
		a->verdict[k] = CDL_VERDICT_DEADLOCKED;
	}
	return push_deadlock(a, cap, &d);
}

static int cmp_deadlock(const void *x, const void *y)
{
	const struct cdl_deadlock *a = x, *b = y;

	if (a->type != b->type)
		return a->type == CDL_DEADLOCK_CYCLE ? -1 : 1;
	return (a->tids[0] > b->tids[0]) - (a->tids[0] < b->tids[0]);
}

struct orphan {
	uint64_t address;
	int owner;
	size_t idx;       /* waiter */
};

static int cmp_orphan(const void *x, const void *y)
{
	const struct orphan *a = x, *b = y;

	if (a->address != b->address)
		return a->address < b->address ? -1 : 1;
	if (a->owner != b->owner)
		return a->owner < b->owner ? -1 : 1;
	return (a->idx > b->idx) - (a->idx < b->idx);
}

/* One orphaned_lock entry per (lock, dead owner), waiters ascending. */
static int add_orphans(const struct cdl_snapshot *s, const struct tidx *x,
		       struct cdl_analysis *a, size_t *cap)
{
	struct orphan *o;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < s->nthreads; i++)
		if (a->verdict[i] == CDL_VERDICT_NONE && orphaned(s, x, i))
			n++;
	if (!n)
		return 0;
	o = malloc(n * sizeof(*o));
	if (!o)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < s->nthreads; i++)
		if (a->verdict[i] == CDL_VERDICT_NONE && orphaned(s, x, i))
			o[n++] = (struct orphan){ s->threads[i].wait.address,
						  s->threads[i].wait.owner_tid, i };
	qsort(o, n, sizeof(*o), cmp_orphan);
	for (size_t i = 0; i < n && rc == 0;) {
		size_t j = i;
		struct cdl_deadlock d = { .type = CDL_DEADLOCK_ORPHANED_LOCK };

		while (j < n && o[j].address == o[i].address && o[j].owner == o[i].owner)
			j++;
		d.ntids = d.nedges = j - i;
		d.tids = malloc(d.ntids * sizeof(*d.tids));
		d.edges = malloc(d.nedges * sizeof(*d.edges));
		if (!d.tids || !d.edges) {
			free(d.tids);
			free(d.edges);
			rc = -ENOMEM;
			break;
		}
		for (size_t k = i; k < j; k++) {
			d.tids[k - i] = s->threads[o[k].idx].tid;   /* idx order = tid order */
			fill_edge(&d.edges[k - i], &s->threads[o[k].idx]);
			a->verdict[o[k].idx] = CDL_VERDICT_ORPHANED;
		}
		rc = push_deadlock(a, cap, &d);
		i = j;
	}
	free(o);
	return rc;
}

static int cmp_stuck(const void *x, const void *y, void *arg)
{
	const struct cdl_snapshot *s = arg;
	const struct cdl_thread *a = &s->threads[*(const size_t *)x];
	const struct cdl_thread *b = &s->threads[*(const size_t *)y];

	if (a->blocked_for_ms != b->blocked_for_ms)
		return a->blocked_for_ms > b->blocked_for_ms ? -1 : 1;
	return (a->tid > b->tid) - (a->tid < b->tid);
}

/* Scratch arrays of one analysis, each n + 1 long. */
struct work {
	size_t *next;            /* the one wait-for edge of each thread, or NONE */
	size_t *dl;              /* the deadlock a thread's chain reaches, or NONE */
	unsigned char *color;    /* 0 unseen, 1 on the current walk, 2 done */
	size_t *path;            /* the current walk */
	struct tidx x;
};

/* Follow the edges from thread i through unseen threads, colouring them
 * 1 and recording them in w->path (*len of them).  Returns the thread the
 * walk stopped at: NONE, or one seen before (colour 1: on this walk, so
 * a cycle closed; colour 2: resolved by an earlier walk). */
static size_t walk(struct work *w, size_t i, size_t *len)
{
	size_t k = i;

	*len = 0;
	while (k != NONE && w->color[k] == 0) {
		w->color[k] = 1;
		w->path[(*len)++] = k;
		k = w->next[k];
	}
	return k;
}

/* cycles: walk each unseen thread's chain; a walk that meets a thread of
 * its own path closed a cycle */
static int find_cycles(const struct cdl_snapshot *s, struct cdl_analysis *a, size_t *cap,
		       struct work *w)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		size_t len, k;

		if (w->color[i])
			continue;
		k = walk(w, i, &len);
		if (k != NONE && w->color[k] == 1 && add_cycle(s, a, cap, w->next, k) < 0)
			return -ENOMEM;
		for (size_t j = 0; j < len; j++)
			w->color[w->path[j]] = 2;
	}
	return 0;
}

/* behind: a chain of edges that ends in a deadlocked or orphaned thread.
 * dl[] memoises the deadlock each thread's chain reaches (NONE: none);
 * unresolved threads are walked once, then their path is filled
 * backwards. */
static void find_behind(const struct cdl_snapshot *s, struct cdl_analysis *a, struct work *w)
{
	size_t n = s->nthreads;

	memset(w->color, 0, n);
	for (size_t i = 0; i < n; i++) {
		if (a->verdict[i] == CDL_VERDICT_DEADLOCKED || a->verdict[i] == CDL_VERDICT_ORPHANED) {
			w->dl[i] = a->deadlock_of[i];
			w->color[i] = 2;
		}
	}
	for (size_t i = 0; i < n; i++) {
		size_t len, k, res;

		if (w->color[i])
			continue;
		k = walk(w, i, &len);
		/* k is NONE, or resolved (2); it cannot be on this path since
		 * every cycle is deadlocked and already resolved */
		res = (k == NONE) ? NONE : w->dl[k];
		for (size_t j = len; j-- > 0;) {
			w->dl[w->path[j]] = res;
			w->color[w->path[j]] = 2;
			if (res != NONE) {
				a->verdict[w->path[j]] = CDL_VERDICT_BEHIND;
				a->deadlock_of[w->path[j]] = res;
			}
		}
	}
}

int cdl_analyze_idle_cmp(const struct cdl_thread *a, const struct cdl_thread *b)
{
	const struct cdl_wait *x = &a->wait, *y = &b->wait;
	bool by_object = x->kind == CDL_WAIT_CONDVAR || x->kind == CDL_WAIT_SEMAPHORE;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (by_object && x->address != y->address)
		return x->address < y->address ? -1 : 1;
	if (!by_object && a->syscall_nr != b->syscall_nr)
		return a->syscall_nr < b->syscall_nr ? -1 : 1;
	return 0;
}

static int cmp_idle(const void *x, const void *y, void *arg)
{
	const struct cdl_snapshot *s = arg;
	const struct cdl_thread *a = &s->threads[*(const size_t *)x];
	const struct cdl_thread *b = &s->threads[*(const size_t *)y];
	int c = cdl_analyze_idle_cmp(a, b);

	return c ? c : (a->tid > b->tid) - (a->tid < b->tid);
}

static bool is_idle(const struct cdl_thread *t, int64_t stuck_ms)
{
	return t->has_wait && cdl_wait_kind_is_idle(t->wait.kind) &&
	       t->blocked_for_ms >= 0 && t->blocked_for_ms >= stuck_ms;
}

/* stuck, idle and waiting, for the threads without a deadlock verdict;
 * the stuck list longest blocked first, the idle one grouped */
static int find_stuck(const struct cdl_snapshot *s, struct cdl_analysis *a, int64_t stuck_ms)
{
	size_t n = s->nthreads, j = 0;

	for (size_t i = 0; i < n; i++) {
		const struct cdl_thread *t = &s->threads[i];

		if (a->verdict[i] != CDL_VERDICT_NONE || !t->has_wait)
			continue;
		if (cdl_analyze_is_stuck(t, t->blocked_for_ms, stuck_ms)) {
			a->verdict[i] = CDL_VERDICT_STUCK;
			a->nstuck++;
		} else if (is_idle(t, stuck_ms)) {
			a->verdict[i] = CDL_VERDICT_IDLE;
			a->nidle++;
		} else {
			a->verdict[i] = CDL_VERDICT_WAITING;
		}
	}
	if (a->nidle) {
		a->idle = malloc(a->nidle * sizeof(*a->idle));
		if (!a->idle)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			if (a->verdict[i] == CDL_VERDICT_IDLE)
				a->idle[j++] = i;
		qsort_r(a->idle, a->nidle, sizeof(*a->idle), cmp_idle, (void *)s);
		j = 0;
	}
	if (!a->nstuck)
		return 0;
	a->stuck = malloc(a->nstuck * sizeof(*a->stuck));
	if (!a->stuck)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (a->verdict[i] == CDL_VERDICT_STUCK)
			a->stuck[j++] = i;
	qsort_r(a->stuck, a->nstuck, sizeof(*a->stuck), cmp_stuck, (void *)s);
	a->undecided = malloc(a->nstuck * sizeof(*a->undecided));
	if (!a->undecided)
		return -ENOMEM;
	for (size_t i = 0; i < a->nstuck; i++)
		if (cdl_analyze_is_undecided(&s->threads[a->stuck[i]]))
			a->undecided[a->nundecided++] = a->stuck[i];
	return 0;
}

int cdl_analyze(const struct cdl_snapshot *s, const struct cdl_analyze_opts *opts,
		struct cdl_analysis **out)
{
	struct cdl_analyze_opts defaults;
	struct cdl_analysis *a;
	size_t n = s->nthreads, cap = 0;
	struct work w = { 0 };
	int rc = -ENOMEM;

	if (!opts) {
		cdl_analyze_opts_init(&defaults);
		opts = &defaults;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->verdict = calloc(n + 1, sizeof(*a->verdict));
	a->deadlock_of = malloc((n + 1) * sizeof(*a->deadlock_of));
	w.next = malloc((n + 1) * sizeof(*w.next));
	w.dl = malloc((n + 1) * sizeof(*w.dl));
	w.color = calloc(n + 1, 1);
	w.path = malloc((n + 1) * sizeof(*w.path));
	if (!a->verdict || !a->deadlock_of || !w.next || !w.dl || !w.color || !w.path ||
	    tidx_build(&w.x, s) < 0)
		goto fail;

	for (size_t i = 0; i < n; i++) {
		w.next[i] = edge_of(s, &w.x, i);
		if (w.next[i] != NONE)
			a->nedges++;
		a->deadlock_of[i] = NONE;
	}
	if (find_cycles(s, a, &cap, &w) < 0 || add_orphans(s, &w.x, a, &cap) < 0)
		goto fail;
	if (a->ndeadlocks > 1)
		qsort(a->deadlocks, a->ndeadlocks, sizeof(*a->deadlocks), cmp_deadlock);
	for (size_t d = 0; d < a->ndeadlocks; d++)
		for (size_t j = 0; j < a->deadlocks[d].ntids; j++)
			a->deadlock_of[index_of(&w.x, a->deadlocks[d].tids[j])] = d;
	find_behind(s, a, &w);
	a->stuck_ms = opts->stuck_ms;
	if (find_stuck(s, a, opts->stuck_ms) < 0)
		goto fail;
	rc = 0;
	*out = a;
	a = NULL;
fail:
	tidx_free(&w.x);
	free(w.next);
	free(w.dl);
	free(w.color);
	free(w.path);
	cdl_analysis_free(a);
	return rc;
}

void cdl_analysis_free(struct cdl_analysis *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->ndeadlocks; i++) {
		free(a->deadlocks[i].tids);
		free(a->deadlocks[i].edges);
	}
	free(a->deadlocks);
	free(a->verdict);
	free(a->deadlock_of);
	free(a->stuck);
	free(a->idle);
	free(a->undecided);
	free(a);
}

const char *cdl_deadlock_type_name(enum cdl_deadlock_type t)
{
	return t == CDL_DEADLOCK_ORPHANED_LOCK ? "orphaned_lock" : "cycle";
}

const char *cdl_verdict_name(enum cdl_verdict v)
{
	static const char *const n[] = { "none", "deadlocked", "orphaned", "behind", "stuck", "waiting",
					 "idle" };
	return (unsigned)v < sizeof(n) / sizeof(n[0]) ? n[v] : "none";
}
