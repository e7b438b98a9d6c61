/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-analysis.c - the wait-for graph and the verdicts over synthetic
 * snapshots: cycles of 1, 2 and N, disjoint cycles in order, chains,
 * unknown and vanished owners, rwlock and join edges, stuck threads,
 * undecided lock waits. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "analyze.h"
#include "snapshot.h"

/* Add a thread of s waiting on kind at addr held by owner (0: none). */
static struct cdl_thread *waiter(struct cdl_snapshot *s, int tid, enum cdl_wait_kind kind,
				 uint64_t addr, int owner)
{
	struct cdl_thread *t = cdl_snapshot_add_thread(s, tid);

	ck_assert_ptr_nonnull(t);
	t->name = cdl_snapshot_internf(s, "t%d", tid);
	t->state = 'S';
	t->has_wait = true;
	t->wait.kind = kind;
	t->wait.address = addr;
	t->wait.futex = addr;
	t->wait.owner_tid = owner;
	t->wait.symbol = cdl_snapshot_internf(s, "lock_%d", (int)(addr & 0xfff));
	t->blocked_for_ms = 100;
	return t;
}

static struct cdl_thread *idle(struct cdl_snapshot *s, int tid)
{
	struct cdl_thread *t = cdl_snapshot_add_thread(s, tid);

	ck_assert_ptr_nonnull(t);
	t->state = 'R';
	return t;
}

static struct cdl_analysis *run(struct cdl_snapshot *s, int64_t stuck_ms)
{
	struct cdl_analyze_opts o;
	struct cdl_analysis *a = NULL;

	cdl_analyze_opts_init(&o);
	o.stuck_ms = stuck_ms;
	cdl_snapshot_sort(s);
	ck_assert_int_eq(cdl_analyze(s, &o, &a), 0);
	ck_assert_ptr_nonnull(a);
	return a;
}

static enum cdl_verdict verdict_of(const struct cdl_snapshot *s, const struct cdl_analysis *a,
				   int tid)
{
	const struct cdl_thread *t = cdl_snapshot_find_thread(s, tid);

	ck_assert_ptr_nonnull(t);
	return a->verdict[t - s->threads];
}

static size_t deadlock_of(const struct cdl_snapshot *s, const struct cdl_analysis *a, int tid)
{
	const struct cdl_thread *t = cdl_snapshot_find_thread(s, tid);

	return a->deadlock_of[t - s->threads];
}

static void assert_cycle(const struct cdl_deadlock *d, const int *tids, size_t n)
{
	ck_assert_int_eq(d->type, CDL_DEADLOCK_CYCLE);
	ck_assert_uint_eq(d->ntids, n);
	ck_assert_uint_eq(d->nedges, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(d->tids[i], tids[i]);
		ck_assert_int_eq(d->edges[i].waiter_tid, tids[i]);
		ck_assert_int_eq(d->edges[i].owner_tid, tids[(i + 1) % n]);
	}
}

START_TEST(stuck_rule)
{
	struct cdl_thread t = { .tid = 1, .has_wait = true, .wait = { .kind = CDL_WAIT_MUTEX } };

	ck_assert(cdl_analyze_is_stuck(&t, 5000, 5000));
	ck_assert(!cdl_analyze_is_stuck(&t, 4999, 5000));
	ck_assert(!cdl_analyze_is_stuck(&t, -1, 0));
	t.wait.kind = CDL_WAIT_SLEEP;
	ck_assert(!cdl_analyze_is_stuck(&t, 60000, 5000));
	/* idle waits: for work (condvar, semaphore), time, events */
	t.wait.kind = CDL_WAIT_CONDVAR;
	ck_assert(!cdl_analyze_is_stuck(&t, 60000, 5000));
	t.wait.kind = CDL_WAIT_SEMAPHORE;
	ck_assert(!cdl_analyze_is_stuck(&t, 60000, 5000));
	t.wait.kind = CDL_WAIT_JOIN;
	ck_assert(cdl_analyze_is_stuck(&t, 60000, 5000));
	t.wait.kind = CDL_WAIT_FUTEX;
	ck_assert(cdl_analyze_is_stuck(&t, 60000, 5000));
	t.has_wait = false;
	ck_assert(!cdl_analyze_is_stuck(&t, 60000, 5000));
}
END_TEST

START_TEST(cycle_of_one)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;

	waiter(s, 10, CDL_WAIT_MUTEX, 0x1000, 10);    /* relocks its own mutex */
	idle(s, 11);
	a = run(s, 5000);
	ck_assert_uint_eq(a->ndeadlocks, 1);
	assert_cycle(&a->deadlocks[0], (int[]){ 10 }, 1);
	ck_assert_uint_eq(a->deadlocks[0].edges[0].address, 0x1000);
	ck_assert_str_eq(a->deadlocks[0].edges[0].symbol, "lock_0");
	ck_assert_int_eq(a->deadlocks[0].edges[0].kind, CDL_WAIT_MUTEX);
	ck_assert_int_eq(verdict_of(s, a, 10), CDL_VERDICT_DEADLOCKED);
	ck_assert_int_eq(verdict_of(s, a, 11), CDL_VERDICT_NONE);
	ck_assert_uint_eq(deadlock_of(s, a, 10), 0);
	ck_assert_uint_eq(deadlock_of(s, a, 11), SIZE_MAX);
	ck_assert_uint_eq(a->nedges, 1);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(recursive_self_is_not_a_cycle)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;
	struct cdl_thread *t = waiter(s, 10, CDL_WAIT_MUTEX, 0x1000, 10);

	t->wait.flags |= CDL_WAITF_RECURSIVE;
	a = run(s, 5000);
	ck_assert_uint_eq(a->ndeadlocks, 0);
	ck_assert_uint_eq(a->nedges, 0);
	ck_assert_int_eq(verdict_of(s, a, 10), CDL_VERDICT_WAITING);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(cycle_of_two)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;

	/* added in reverse order: the analysis must rotate to the smallest tid */
	waiter(s, 813, CDL_WAIT_MUTEX, 0x2010, 812);
	waiter(s, 812, CDL_WAIT_MUTEX, 0x2020, 813);
	idle(s, 800);
	a = run(s, 5000);
	ck_assert_uint_eq(a->ndeadlocks, 1);
	assert_cycle(&a->deadlocks[0], (int[]){ 812, 813 }, 2);
	ck_assert_uint_eq(a->deadlocks[0].edges[0].address, 0x2020);
	ck_assert_uint_eq(a->deadlocks[0].edges[1].address, 0x2010);
	ck_assert_int_eq(verdict_of(s, a, 812), CDL_VERDICT_DEADLOCKED);
	ck_assert_int_eq(verdict_of(s, a, 813), CDL_VERDICT_DEADLOCKED);
	ck_assert_int_eq(verdict_of(s, a, 800), CDL_VERDICT_NONE);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(cycle_of_n_rotated)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;
	/* a ring of five philosophers; the smallest tid is in the middle */
	int ring[] = { 105, 103, 101, 104, 102 };

	for (int i = 0; i < 5; i++)
		waiter(s, ring[i], CDL_WAIT_MUTEX, 0x3000 + 0x28 * i, ring[(i + 1) % 5]);
	a = run(s, 5000);
	ck_assert_uint_eq(a->ndeadlocks, 1);
	assert_cycle(&a->deadlocks[0], (int[]){ 101, 104, 102, 105, 103 }, 5);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(disjoint_cycles_in_order)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;

	waiter(s, 50, CDL_WAIT_MUTEX, 0x10, 60);
	waiter(s, 60, CDL_WAIT_MUTEX, 0x20, 50);
	waiter(s, 20, CDL_WAIT_MUTEX, 0x30, 70);
	waiter(s, 70, CDL_WAIT_MUTEX, 0x40, 30);
	waiter(s, 30, CDL_WAIT_MUTEX, 0x50, 20);
	waiter(s, 40, CDL_WAIT_MUTEX, 0x60, 40);
	a = run(s, 5000);
	ck_assert_uint_eq(a->ndeadlocks, 3);
	assert_cycle(&a->deadlocks[0], (int[]){ 20, 70, 30 }, 3);
	assert_cycle(&a->deadlocks[1], (int[]){ 40 }, 1);
	assert_cycle(&a->deadlocks[2], (int[]){ 50, 60 }, 2);
	ck_assert_uint_eq(deadlock_of(s, a, 70), 0);
	ck_assert_uint_eq(deadlock_of(s, a, 40), 1);
	ck_assert_uint_eq(deadlock_of(s, a, 60), 2);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(chain_without_cycle)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;

	waiter(s, 1, CDL_WAIT_MUTEX, 0x10, 2);
	waiter(s, 2, CDL_WAIT_MUTEX, 0x20, 3);
	waiter(s, 3, CDL_WAIT_CONDVAR, 0x30, 0);   /* waits for a signal */
	waiter(s, 4, CDL_WAIT_SLEEP, 0, 0);
	a = run(s, 5000);
	ck_assert_uint_eq(a->ndeadlocks, 0);
	ck_assert_uint_eq(a->nedges, 2);
	for (int tid = 1; tid <= 4; tid++)
		ck_assert_int_eq(verdict_of(s, a, tid), CDL_VERDICT_WAITING);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(no_edge_without_owner)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;
	struct cdl_thread *t;

	/* unknown owner, readers, layout unknown, condvar/semaphore: no edge */
	t = waiter(s, 1, CDL_WAIT_MUTEX, 0x10, 0);
	t->wait.flags |= CDL_WAITF_OWNER_UNKNOWN;
	t = waiter(s, 2, CDL_WAIT_RWLOCK_WRITE, 0x20, 0);
	t->wait.flags |= CDL_WAITF_READERS;
	t->wait.readers = 2;
	t = waiter(s, 3, CDL_WAIT_MUTEX, 0x30, 4);
	t->wait.flags |= CDL_WAITF_LAYOUT_UNKNOWN;
	waiter(s, 4, CDL_WAIT_MUTEX, 0x40, 3);
	waiter(s, 5, CDL_WAIT_SEMAPHORE, 0x50, 0);
	waiter(s, 6, CDL_WAIT_FUTEX, 0x60, 0);
	a = run(s, 5000);
	ck_assert_uint_eq(a->ndeadlocks, 0);
	ck_assert_uint_eq(a->nedges, 1);    /* 4 -> 3 only */
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(owner_gone_is_orphaned)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;
	struct cdl_thread *t;

	/* two waiters on lock 0x100 whose owner 999 exited; one on 0x200
	 * held by 998 which lives in another process (pshared) */
	t = waiter(s, 31, CDL_WAIT_MUTEX, 0x100, 999);
	t->wait.owner_pid = -1;
	t = waiter(s, 12, CDL_WAIT_MUTEX, 0x100, 999);
	t->wait.owner_pid = -1;
	t = waiter(s, 20, CDL_WAIT_MUTEX, 0x200, 998);
	t->wait.owner_pid = 4321;
	t->wait.flags |= CDL_WAITF_PSHARED;
	t = waiter(s, 21, CDL_WAIT_MUTEX, 0x300, 997);   /* not checked */
	waiter(s, 40, CDL_WAIT_MUTEX, 0x400, 12);        /* behind a waiter of the orphan */
	a = run(s, 5000);
	ck_assert_uint_eq(a->ndeadlocks, 1);
	ck_assert_int_eq(a->deadlocks[0].type, CDL_DEADLOCK_ORPHANED_LOCK);
	ck_assert_uint_eq(a->deadlocks[0].ntids, 2);
	ck_assert_int_eq(a->deadlocks[0].tids[0], 12);
	ck_assert_int_eq(a->deadlocks[0].tids[1], 31);
	ck_assert_uint_eq(a->deadlocks[0].nedges, 2);
	ck_assert_int_eq(a->deadlocks[0].edges[0].waiter_tid, 12);
	ck_assert_int_eq(a->deadlocks[0].edges[0].owner_tid, 999);
	ck_assert_uint_eq(a->deadlocks[0].edges[1].address, 0x100);
	ck_assert_int_eq(verdict_of(s, a, 12), CDL_VERDICT_ORPHANED);
	ck_assert_int_eq(verdict_of(s, a, 31), CDL_VERDICT_ORPHANED);
	ck_assert_int_eq(verdict_of(s, a, 20), CDL_VERDICT_WAITING);
	ck_assert_int_eq(verdict_of(s, a, 21), CDL_VERDICT_WAITING);
	ck_assert_int_eq(verdict_of(s, a, 40), CDL_VERDICT_BEHIND);
	ck_assert_uint_eq(deadlock_of(s, a, 40), 0);
	ck_assert_uint_eq(deadlock_of(s, a, 20), SIZE_MAX);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(cycles_before_orphans)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;
	struct cdl_thread *t;

	t = waiter(s, 2, CDL_WAIT_MUTEX, 0x100, 999);
	t->wait.owner_pid = -1;
	t = waiter(s, 3, CDL_WAIT_MUTEX, 0x200, 998);
	t->wait.owner_pid = -1;
	waiter(s, 5, CDL_WAIT_MUTEX, 0x300, 6);
	waiter(s, 6, CDL_WAIT_MUTEX, 0x400, 5);
	a = run(s, 5000);
	ck_assert_uint_eq(a->ndeadlocks, 3);
	ck_assert_int_eq(a->deadlocks[0].type, CDL_DEADLOCK_CYCLE);
	ck_assert_int_eq(a->deadlocks[1].type, CDL_DEADLOCK_ORPHANED_LOCK);
	ck_assert_int_eq(a->deadlocks[1].tids[0], 2);
	ck_assert_int_eq(a->deadlocks[2].tids[0], 3);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(rwlock_and_join_edges)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;

	/* writer 7 holds rwlock R and waits on mutex M held by 8, which
	 * wants to read R */
	waiter(s, 7, CDL_WAIT_MUTEX, 0x500, 8);
	waiter(s, 8, CDL_WAIT_RWLOCK_READ, 0x600, 7);
	/* 9 holds mutex N and joins 10, which waits for N */
	waiter(s, 9, CDL_WAIT_JOIN, 0x7000, 10);
	waiter(s, 10, CDL_WAIT_MUTEX, 0x700, 9);
	/* 11 wants to write R too: behind the first cycle */
	waiter(s, 11, CDL_WAIT_RWLOCK_WRITE, 0x600, 7);
	a = run(s, 5000);
	ck_assert_uint_eq(a->ndeadlocks, 2);
	assert_cycle(&a->deadlocks[0], (int[]){ 7, 8 }, 2);
	ck_assert_int_eq(a->deadlocks[0].edges[1].kind, CDL_WAIT_RWLOCK_READ);
	assert_cycle(&a->deadlocks[1], (int[]){ 9, 10 }, 2);
	ck_assert_int_eq(a->deadlocks[1].edges[0].kind, CDL_WAIT_JOIN);
	ck_assert_int_eq(verdict_of(s, a, 11), CDL_VERDICT_BEHIND);
	ck_assert_uint_eq(deadlock_of(s, a, 11), 0);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(long_chain_behind_cycle)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;

	/* 1000 -> 999 -> ... -> 3 -> {1 <-> 2}; and a tree hanging off 500 */
	waiter(s, 1, CDL_WAIT_MUTEX, 0x1, 2);
	waiter(s, 2, CDL_WAIT_MUTEX, 0x2, 1);
	for (int tid = 3; tid <= 1000; tid++)
		waiter(s, tid, CDL_WAIT_MUTEX, (uint64_t)tid, tid - 1);
	for (int tid = 2000; tid < 2010; tid++)
		waiter(s, tid, CDL_WAIT_MUTEX, 500, 500);
	a = run(s, 5000);
	ck_assert_uint_eq(a->ndeadlocks, 1);
	assert_cycle(&a->deadlocks[0], (int[]){ 1, 2 }, 2);
	for (int tid = 3; tid <= 1000; tid++)
		ck_assert_int_eq(verdict_of(s, a, tid), CDL_VERDICT_BEHIND);
	for (int tid = 2000; tid < 2010; tid++)
		ck_assert_int_eq(verdict_of(s, a, tid), CDL_VERDICT_BEHIND);
	ck_assert_uint_eq(a->nedges, 2 + 998 + 10);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(stuck_longest_first)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;
	struct cdl_thread *t;

	t = waiter(s, 1, CDL_WAIT_CONDVAR, 0x10, 0);
	t->blocked_for_ms = 7000;
	t = waiter(s, 2, CDL_WAIT_JOIN, 0x20, 3);
	t->blocked_for_ms = 9000;
	t = waiter(s, 3, CDL_WAIT_SLEEP, 0, 0);          /* not lock-like */
	t->blocked_for_ms = 60000;
	t = waiter(s, 4, CDL_WAIT_MUTEX, 0x40, 0);
	t->blocked_for_ms = 100;                        /* short */
	t = waiter(s, 5, CDL_WAIT_MUTEX, 0x50, 0);
	t->blocked_for_ms = -1;                         /* unknown */
	t = waiter(s, 6, CDL_WAIT_MUTEX, 0x60, 6);      /* deadlocked, not stuck */
	t->blocked_for_ms = 99000;
	t = waiter(s, 7, CDL_WAIT_MUTEX, 0x70, 0);
	t->blocked_for_ms = 8000;
	a = run(s, 5000);
	ck_assert_uint_eq(a->nstuck, 2);
	ck_assert_int_eq(s->threads[a->stuck[0]].tid, 2);
	ck_assert_int_eq(s->threads[a->stuck[1]].tid, 7);
	/* a pool's condvar and a long sleep are idle, not stuck */
	ck_assert_int_eq(verdict_of(s, a, 1), CDL_VERDICT_IDLE);
	ck_assert_int_eq(verdict_of(s, a, 3), CDL_VERDICT_IDLE);
	ck_assert_uint_eq(a->nidle, 2);
	ck_assert_int_eq(verdict_of(s, a, 4), CDL_VERDICT_WAITING);
	ck_assert_int_eq(verdict_of(s, a, 5), CDL_VERDICT_WAITING);
	ck_assert_int_eq(verdict_of(s, a, 6), CDL_VERDICT_DEADLOCKED);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

/* Long idle waits are listed grouped: by kind, then by object (condvar,
 * semaphore) or system call, then by tid; short ones are only waiting. */
START_TEST(idle_grouped)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;
	struct cdl_thread *t;
	static const struct { int tid; enum cdl_wait_kind k; uint64_t addr; long nr; } w[] = {
		{ 10, CDL_WAIT_CONDVAR, 0x200, -1 }, { 11, CDL_WAIT_IO, 0, 232 },
		{ 12, CDL_WAIT_CONDVAR, 0x100, -1 }, { 13, CDL_WAIT_CONDVAR, 0x200, -1 },
		{ 14, CDL_WAIT_IO, 0, 7 },           { 15, CDL_WAIT_IO, 0, 232 },
		{ 16, CDL_WAIT_SEMAPHORE, 0x300, -1 },
	};
	static const int order[] = { 12, 10, 13, 16, 14, 11, 15 };

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		t = waiter(s, w[i].tid, w[i].k, w[i].addr, 0);
		t->syscall_nr = w[i].nr;
		t->blocked_for_ms = 6000;
	}
	t = waiter(s, 17, CDL_WAIT_CONDVAR, 0x100, 0);
	t->blocked_for_ms = 10;                         /* short: waiting */
	a = run(s, 5000);
	ck_assert_uint_eq(a->nstuck, 0);
	ck_assert_uint_eq(a->nidle, 7);
	for (size_t i = 0; i < 7; i++)
		ck_assert_int_eq(s->threads[a->idle[i]].tid, order[i]);
	ck_assert_int_eq(cdl_analyze_idle_cmp(&s->threads[a->idle[1]], &s->threads[a->idle[2]]), 0);
	ck_assert_int_ne(cdl_analyze_idle_cmp(&s->threads[a->idle[0]], &s->threads[a->idle[1]]), 0);
	ck_assert_int_eq(verdict_of(s, a, 17), CDL_VERDICT_WAITING);
	ck_assert_int_eq(cdl_analysis_answer(a), CDL_ANSWER_NONE);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

/* Lock waits whose holder is not known, over the threshold: undecided
 * (exit 3), and so are futexes no known implementation explains;
 * condvars, semaphores, sleeps and known owners are not; a proven
 * deadlock still answers 2. */
START_TEST(undecided_locks)
{
	/* tid, kind, owner, blocked ms, flags, detail */
	static const struct {
		int tid;
		enum cdl_wait_kind kind;
		int owner;
		int64_t ms;
		unsigned flags;
		const char *detail;
	} rows[] = {
		{ 1, CDL_WAIT_MUTEX, 0, 7000, CDL_WAITF_OWNER_UNKNOWN, NULL },
		{ 2, CDL_WAIT_FUTEX, 0, 9000, CDL_WAITF_OWNER_UNKNOWN, "GLib GMutex" },
		{ 3, CDL_WAIT_CONDVAR, 0, 60000, 0, NULL },      /* idle pool */
		{ 4, CDL_WAIT_SEMAPHORE, 0, 60000, 0, NULL },
		{ 5, CDL_WAIT_FUTEX, 0, 60000, 0, NULL },        /* unknown futex */
		{ 15, CDL_WAIT_FUTEX, 0, 60000, 0, "Rust Once" }, /* a known idle one */
		{ 6, CDL_WAIT_MUTEX, 0, 100, 0, NULL },          /* short */
		{ 7, CDL_WAIT_MUTEX, 8, 60000, 0, NULL },        /* known holder */
		{ 9, CDL_WAIT_SLEEP, 0, 60000, 0, NULL },
		{ 12, CDL_WAIT_RWLOCK_WRITE, 0, 60000, CDL_WAITF_READERS, NULL },
		{ 13, CDL_WAIT_MUTEX, 0, 6000, CDL_WAITF_LAYOUT_UNKNOWN, NULL },
		/* a mutex that records its owner, read mid-release: no doubt */
		{ 14, CDL_WAIT_MUTEX, 0, 60000, 0, NULL },
	};
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a;
	struct cdl_thread *t;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		t = waiter(s, rows[i].tid, rows[i].kind, 0x10u * (unsigned)rows[i].tid, rows[i].owner);
		t->blocked_for_ms = rows[i].ms;
		t->wait.flags = rows[i].flags;
		t->wait.detail = rows[i].detail;
	}
	idle(s, 8);                                     /* the holder runs */
	a = run(s, 5000);
	ck_assert_uint_eq(a->nundecided, 4);
	ck_assert_int_eq(s->threads[a->undecided[0]].tid, 5);
	ck_assert_int_eq(s->threads[a->undecided[1]].tid, 2);
	ck_assert_int_eq(s->threads[a->undecided[2]].tid, 1);
	ck_assert_int_eq(s->threads[a->undecided[3]].tid, 13);
	ck_assert_int_eq(a->stuck_ms, 5000);
	ck_assert_int_eq(cdl_analysis_answer(a), CDL_ANSWER_UNDECIDED);
	ck_assert_int_eq(CDL_ANSWER_UNDECIDED, 3);
	cdl_analysis_free(a);

	/* a cycle elsewhere: the proven deadlock wins */
	waiter(s, 10, CDL_WAIT_MUTEX, 0xa0, 11);
	waiter(s, 11, CDL_WAIT_MUTEX, 0xb0, 10);
	a = run(s, 5000);
	ck_assert_uint_eq(a->ndeadlocks, 1);
	ck_assert_uint_eq(a->nundecided, 4);
	ck_assert_int_eq(cdl_analysis_answer(a), CDL_ANSWER_DEADLOCK);
	cdl_analysis_free(a);

	/* below the threshold nothing is undecided: no deadlock found */
	a = run(s, 3600000);
	ck_assert_uint_eq(a->nundecided, 0);
	ck_assert_uint_eq(a->ndeadlocks, 1);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
	s = cdl_snapshot_new();
	a = run(s, 5000);
	ck_assert_int_eq(cdl_analysis_answer(a), CDL_ANSWER_NONE);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(empty_and_defaults)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_analysis *a = NULL;
	struct cdl_analyze_opts o;

	cdl_analyze_opts_init(&o);
	ck_assert_int_eq(o.stuck_ms, 5000);
	ck_assert_int_eq(cdl_analyze(s, NULL, &a), 0);
	ck_assert_uint_eq(a->ndeadlocks, 0);
	ck_assert_uint_eq(a->nstuck, 0);
	cdl_analysis_free(a);
	cdl_analysis_free(NULL);
	ck_assert_str_eq(cdl_deadlock_type_name(CDL_DEADLOCK_CYCLE), "cycle");
	ck_assert_str_eq(cdl_deadlock_type_name(CDL_DEADLOCK_ORPHANED_LOCK), "orphaned_lock");
	ck_assert_str_eq(cdl_verdict_name(CDL_VERDICT_BEHIND), "behind");
	cdl_snapshot_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("analysis");
	TCase *tc = tcase_create("graph");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, stuck_rule);
	tcase_add_test(tc, cycle_of_one);
	tcase_add_test(tc, recursive_self_is_not_a_cycle);
	tcase_add_test(tc, cycle_of_two);
	tcase_add_test(tc, cycle_of_n_rotated);
	tcase_add_test(tc, disjoint_cycles_in_order);
	tcase_add_test(tc, chain_without_cycle);
	tcase_add_test(tc, no_edge_without_owner);
	tcase_add_test(tc, owner_gone_is_orphaned);
	tcase_add_test(tc, cycles_before_orphans);
	tcase_add_test(tc, rwlock_and_join_edges);
	tcase_add_test(tc, long_chain_behind_cycle);
	tcase_add_test(tc, stuck_longest_first);
	tcase_add_test(tc, idle_grouped);
	tcase_add_test(tc, undecided_locks);
	tcase_add_test(tc, empty_and_defaults);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
