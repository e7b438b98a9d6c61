/* analyze.c - wait-for graph and verdicts (STUB: to be implemented) */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "analyze.h"

void cdl_analyze_opts_init(struct cdl_analyze_opts *o)
{
	o->stuck_ms = 5000;
}

int cdl_analyze(const struct cdl_snapshot *s, const struct cdl_analyze_opts *opts,
		struct cdl_analysis **out)
{
	struct cdl_analysis *a = calloc(1, sizeof(*a));

	(void)opts;
	if (!a)
		return -ENOMEM;
	a->verdict = calloc(s->nthreads + 1, sizeof(*a->verdict));
	a->deadlock_of = calloc(s->nthreads + 1, sizeof(*a->deadlock_of));
	for (size_t i = 0; i < s->nthreads; i++)
		a->deadlock_of[i] = SIZE_MAX;
	*out = a;
	return 0;
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
	free(a);
}

const char *cdl_deadlock_type_name(enum cdl_deadlock_type t)
{
	return t == CDL_DEADLOCK_ORPHANED_LOCK ? "orphaned_lock" : "cycle";
}

const char *cdl_verdict_name(enum cdl_verdict v)
{
	static const char *const n[] = { "none", "deadlocked", "orphaned", "behind", "stuck", "waiting" };
	return (unsigned)v < sizeof(n) / sizeof(n[0]) ? n[v] : "none";
}
