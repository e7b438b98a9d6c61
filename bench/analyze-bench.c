/* SPDX-License-Identifier: GPL-2.0-or-later */
/* analyze-bench.c - time cdl_analyze on a synthetic snapshot: N threads
 * (default 10000) in long wait chains, some ending in cycles, some in
 * orphaned locks, some in condvar waits, plus idle threads.
 * Usage: analyze-bench [NTHREADS [RUNS]]; prints min/median/max in ms. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "analyze.h"
#include "snapshot.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void wait_on(struct cdl_thread *t, enum cdl_wait_kind k, uint64_t addr, int owner)
{
	t->has_wait = true;
	t->state = 'S';
	t->wait.kind = k;
	t->wait.address = t->wait.futex = addr;
	t->wait.owner_tid = owner;
	t->blocked_for_ms = 1000 + (t->tid % 9000);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000;
	int runs = argc > 2 ? atoi(argv[2]) : 50;
	const int chain = 500;                  /* threads per chain */
	struct cdl_snapshot *s;
	struct cdl_analyze_opts o;
	double *t;
	size_t ndl = 0, nedges = 0, nstuck = 0;

	if (n < 1000 || runs < 1) {
		fprintf(stderr, "usage: analyze-bench [NTHREADS (>= 1000) [RUNS (>= 1)]]\n");
		return 1;
	}
	s = cdl_snapshot_new();
	t = calloc((size_t)runs, sizeof(*t));
	if (!s || !t) {
		free(t);
		cdl_snapshot_free(s);
		return 1;
	}
	/* tids are shuffled relative to the chain order: tid = 1000 + i*7 mod */
	for (int i = 0; i < n; i++) {
		int tid = 1000 + (int)(((long)i * 7919) % n);
		struct cdl_thread *th = cdl_snapshot_add_thread(s, tid);
		int pos = i % chain, c = i / chain;

		if (!th)
			return 1;
		if (i >= n - n / 10) {
			/* 10% idle or sleeping */
			if (i % 2)
				wait_on(th, CDL_WAIT_SLEEP, 0, 0);
			continue;
		}
		if (pos + 1 < chain && i + 1 < n - n / 10) {
			/* waits for the next thread of its chain */
			int next = 1000 + (int)(((long)(i + 1) * 7919) % n);
			wait_on(th, CDL_WAIT_MUTEX, 0x10000 + (uint64_t)i * 40, next);
		} else if (c % 4 == 0) {
			/* chain head closes a cycle with the chain's first three */
			int first = 1000 + (int)(((long)(i - chain + 1 + 2) * 7919) % n);
			wait_on(th, CDL_WAIT_MUTEX, 0x10000 + (uint64_t)i * 40, first);
		} else if (c % 4 == 1) {
			wait_on(th, CDL_WAIT_MUTEX, 0x10000 + (uint64_t)i * 40, 99999999 - c);
			th->wait.owner_pid = -1;            /* owner exited */
		} else {
			wait_on(th, CDL_WAIT_CONDVAR, 0x10000 + (uint64_t)i * 40, 0);
		}
	}
	cdl_snapshot_sort(s);
	cdl_analyze_opts_init(&o);
	for (int r = 0; r < runs; r++) {
		struct cdl_analysis *a = NULL;
		double t0 = now_ms();

		if (cdl_analyze(s, &o, &a) < 0)
			return 1;
		t[r] = now_ms() - t0;
		ndl = a->ndeadlocks;
		nedges = a->nedges;
		nstuck = a->nstuck;
		cdl_analysis_free(a);
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_d);
	printf("cdl_analyze: %d threads, %zu edges, %zu deadlocks, %zu stuck; "
	       "%d runs: min %.3f ms, median %.3f ms, max %.3f ms\n",
	       n, nedges, ndl, nstuck, runs, t[0], t[runs / 2], t[runs - 1]);
	free(t);
	cdl_snapshot_free(s);
	return 0;
}
