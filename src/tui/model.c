/* SPDX-License-Identifier: GPL-2.0-or-later */
/* model.c - what the TUI computes over a snapshot without ncurses: the
 * clock, the stuck tracking across refreshes, the filter match. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tui-int.h"

/* ---- clock ---- */

static int64_t (*clock_hook)(void);

void cdl_tui_set_clock(int64_t (*now_ms)(void))
{
	clock_hook = now_ms;
}

int64_t cdl_tui_now_ms(void)
{
	struct timespec ts;

	if (clock_hook)
		return clock_hook();
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *cdl_tui_sort_name(enum tui_sort s)
{
	static const char *const n[] = { "blocked", "tid", "name", "state" };

	return (unsigned)s < SORT__COUNT ? n[s] : "?";
}

/* ---- stuck tracking ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211ull;
	return h;
}

uint64_t cdl_tui_stack_hash(const struct cdl_thread *t)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < t->nframes; i++) {
		const struct cdl_frame *f = &t->frames[i];

		h = fnv(h, &f->pc, sizeof(f->pc));
		if (f->function)
			h = fnv(h, f->function, strlen(f->function));
		h = fnv(h, &f->inlined, sizeof(f->inlined));
	}
	return h;
}

static const struct tui_seen *seen_find(const struct tui_tracker *tr, int tid)
{
	size_t lo = 0, hi = tr->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tr->v[mid].tid < tid)
			lo = mid + 1;
		else if (tr->v[mid].tid > tid)
			hi = mid;
		else
			return &tr->v[mid];
	}
	return NULL;
}

static int seen_cmp(const void *a, const void *b)
{
	const struct tui_seen *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

int cdl_tui_track(struct tui_tracker *tr, const struct cdl_snapshot *s, int64_t now_ms)
{
	struct tui_seen *v = calloc(s->nthreads + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct cdl_thread *t = &s->threads[i];
		const struct tui_seen *old;
		struct tui_seen *e;

		if (!t->has_wait)
			continue;
		e = &v[n++];
		e->tid = t->tid;
		e->address = t->wait.address;
		e->stack_hash = cdl_tui_stack_hash(t);
		/* first sight: the wait began when the kernel says it did */
		e->first_ms = now_ms - (t->blocked_for_ms > 0 ? t->blocked_for_ms : 0);
		old = seen_find(tr, t->tid);
		if (old && old->address == e->address && old->stack_hash == e->stack_hash)
			e->first_ms = old->first_ms;
	}
	qsort(v, n, sizeof(*v), seen_cmp);
	free(tr->v);
	tr->v = v;
	tr->n = n;
	return 0;
}

int64_t cdl_tui_seen_ms(const struct tui_tracker *tr, const struct cdl_thread *t, int64_t now_ms)
{
	const struct tui_seen *e;

	if (!t->has_wait)
		return -1;
	e = seen_find(tr, t->tid);
	if (!e || e->address != t->wait.address)
		return -1;
	return now_ms >= e->first_ms ? now_ms - e->first_ms : 0;
}

void cdl_tui_tracker_free(struct tui_tracker *tr)
{
	free(tr->v);
	tr->v = NULL;
	tr->n = 0;
}

/* ---- filter ---- */

static bool has(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle) != NULL;
}

bool cdl_tui_thread_matches(const struct cdl_thread *t, const char *filter)
{
	char tid[16];

	if (!filter || !*filter)
		return true;
	snprintf(tid, sizeof(tid), "%d", t->tid);
	if (strstr(tid, filter) || has(t->name, filter))
		return true;
	snprintf(tid, sizeof(tid), "%d", t->ns_tid);
	if (t->ns_tid > 0 && strstr(tid, filter))   /* its tid in the container */
		return true;
	if (t->has_wait && (has(t->wait.symbol, filter) || has(t->wait.mutex_symbol, filter) ||
			    has(cdl_wait_kind_name(t->wait.kind), filter)))
		return true;
	for (size_t i = 0; i < t->nframes; i++)
		if (has(t->frames[i].function, filter) || has(t->frames[i].file, filter))
			return true;
	return false;
}
