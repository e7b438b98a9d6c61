/* SPDX-License-Identifier: GPL-2.0-or-later */
/* group.c - grouping threads with identical stacks (like pprof's goroutine
 * debug=1): two threads are in one group when their frames name the same
 * functions in the same order (a frame with no function name compares by
 * module and pc).  Lines may differ within a group. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

static uint64_t mix(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull;
}

static uint64_t stack_hash(const struct cdl_thread *t)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < t->nframes; i++) {
		const struct cdl_frame *f = &t->frames[i];

		if (f->function) {
			h = mix(h, f->function);
		} else {
			h = mix(h, f->module);
			h = (h ^ f->pc) * 1099511628211ull;
		}
		h = (h ^ (f->inlined ? 1u : 2u)) * 1099511628211ull;
	}
	return (h ^ t->nframes) * 1099511628211ull;
}

static int strcmp0(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (!a || !b)
		return a ? 1 : -1;
	return strcmp(a, b);
}

static int frame_cmp(const struct cdl_frame *a, const struct cdl_frame *b)
{
	int r;

	if (a->inlined != b->inlined)
		return a->inlined ? 1 : -1;
	if (!a->function || !b->function) {
		if (a->function || b->function)
			return a->function ? 1 : -1;
		r = strcmp0(a->module, b->module);
		if (r)
			return r;
		return (a->pc > b->pc) - (a->pc < b->pc);
	}
	return strcmp(a->function, b->function);
}

bool cdl_stack_equal(const struct cdl_thread *a, const struct cdl_thread *b)
{
	if (a->nframes != b->nframes)
		return false;
	for (size_t i = 0; i < a->nframes; i++)
		if (frame_cmp(&a->frames[i], &b->frames[i]))
			return false;
	return true;
}

struct item {
	uint64_t hash;
	size_t idx;
	const struct cdl_snapshot *s;
};

static int item_cmp(const void *x, const void *y)
{
	const struct item *a = x, *b = y;
	const struct cdl_thread *ta = &a->s->threads[a->idx], *tb = &a->s->threads[b->idx];

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (ta->nframes != tb->nframes)
		return ta->nframes < tb->nframes ? -1 : 1;
	for (size_t i = 0; i < ta->nframes; i++) {
		int r = frame_cmp(&ta->frames[i], &tb->frames[i]);

		if (r)
			return r;
	}
	if (ta->tid != tb->tid)
		return ta->tid < tb->tid ? -1 : 1;
	return (a->idx > b->idx) - (a->idx < b->idx);
}

static int group_cmp(const void *x, const void *y, void *arg)
{
	const struct cdl_stack_group *a = x, *b = y;
	const struct cdl_snapshot *sort_snap = arg;

	if (a->nthreads != b->nthreads)
		return a->nthreads > b->nthreads ? -1 : 1;
	int ta = sort_snap->threads[a->threads[0]].tid, tb = sort_snap->threads[b->threads[0]].tid;
	return (ta > tb) - (ta < tb);
}

int cdl_stack_groups(const struct cdl_snapshot *s, struct cdl_stack_group **out, size_t *n)
{
	struct item *items;
	struct cdl_stack_group *g;
	size_t ng = 0;

	*out = NULL;
	*n = 0;
	if (s->nthreads == 0)
		return 0;
	items = malloc(s->nthreads * sizeof(*items));
	g = calloc(s->nthreads, sizeof(*g));
	if (!items || !g) {
		free(items);
		free(g);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nthreads; i++)
		items[i] = (struct item){ stack_hash(&s->threads[i]), i, s };
	qsort(items, s->nthreads, sizeof(*items), item_cmp);

	for (size_t i = 0; i < s->nthreads;) {
		size_t j = i + 1;

		while (j < s->nthreads && items[j].hash == items[i].hash &&
		       cdl_stack_equal(&s->threads[items[i].idx], &s->threads[items[j].idx]))
			j++;
		g[ng].threads = malloc((j - i) * sizeof(size_t));
		if (!g[ng].threads) {
			cdl_stack_groups_free(g, ng);
			free(items);
			return -ENOMEM;
		}
		for (size_t k = i; k < j; k++)
			g[ng].threads[k - i] = items[k].idx;
		g[ng].nthreads = j - i;
		g[ng].rep = items[i].idx;   /* smallest tid: items sort by tid last */
		ng++;
		i = j;
	}
	free(items);
	qsort_r(g, ng, sizeof(*g), group_cmp, (void *)s);
	*out = g;
	*n = ng;
	return 0;
}

void cdl_stack_groups_free(struct cdl_stack_group *g, size_t n)
{
	if (!g)
		return;
	for (size_t i = 0; i < n; i++)
		free(g[i].threads);
	free(g);
}
