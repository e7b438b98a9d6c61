/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rawcap.c - building and freeing a raw capture (rawcap.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "memimg.h"
#include "rawcap.h"
#include "sorted.h"

static bool ends_before(const void *elem, const void *key)
{
	return ((const struct cdl_map *)elem)->end <= *(const uint64_t *)key;
}

const struct cdl_map *cdl_maps_find(const struct cdl_maps *m, uint64_t addr)
{
	size_t lo = cdl_lower_bound(m->m, m->n, sizeof(*m->m), &addr, ends_before);

	if (lo < m->n && addr >= m->m[lo].start && addr < m->m[lo].end)
		return &m->m[lo];
	return NULL;
}

void cdl_maps_free(struct cdl_maps *m)
{
	free(m->m);
	free(m->strbuf);
	m->m = NULL;
	m->strbuf = NULL;
	m->n = 0;
}

struct cdl_rawcap *cdl_rawcap_new(void)
{
	struct cdl_rawcap *rc = calloc(1, sizeof(*rc));

	if (!rc)
		return NULL;
	rc->mem = cdl_memimg_new();
	if (!rc->mem) {
		free(rc);
		return NULL;
	}
	return rc;
}

void cdl_rawcap_free(struct cdl_rawcap *rc)
{
	if (!rc)
		return;
	free(rc->exe);
	free(rc->root);
	free(rc->auxv);
	free(rc->debuginfo_path);
	free(rc->core_path);
	free(rc->threads);
	cdl_memimg_free(rc->mem);
	cdl_maps_free(&rc->maps);
	cdl_perfmap_free(&rc->perfmap);
	for (size_t i = 0; i < rc->npythreads; i++) {
		struct cdl_rawcap_pythread *p = &rc->pythreads[i];

		for (size_t k = 0; k < p->nframes; k++) {
			free(p->frames[k].function);
			free(p->frames[k].file);
		}
		free(p->frames);
	}
	free(rc->pythreads);
	free(rc->pyruntime);
	for (size_t i = 0; i < rc->nmodules; i++) {
		struct cdl_rawcap_module *m = &rc->modules[i];

		free(m->path);
		free(m->open_path);
		free(m->why);
		free(m->build_id);
		free(m->image);
	}
	free(rc->modules);
	for (size_t i = 0; i < rc->nwarnings; i++)
		free(rc->warnings[i]);
	free(rc->warnings);
	free(rc);
}

struct cdl_rawcap_thread *cdl_rawcap_add_thread(struct cdl_rawcap *rc, int tid)
{
	struct cdl_rawcap_thread *t;

	if (CDL_GROW(rc->threads, rc->threads_cap, rc->nthreads + 1, 64) < 0)
		return NULL;
	t = &rc->threads[rc->nthreads++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->cpu = -1;
	t->blocked_ms = -1;
	t->r.syscall_nr = -1;
	return t;
}

struct cdl_rawcap_module *cdl_rawcap_add_module(struct cdl_rawcap *rc, const char *path,
						const char *open_path, uint64_t start,
						uint64_t end, uint64_t offset)
{
	struct cdl_rawcap_module *m;
	char *p, *o = NULL;

	if (CDL_GROW(rc->modules, rc->modules_cap, rc->nmodules + 1, 32) < 0)
		return NULL;
	p = strdup(path);
	if (open_path)
		o = strdup(open_path);
	if (!p || (open_path && !o)) {
		free(p);
		free(o);
		return NULL;
	}
	m = &rc->modules[rc->nmodules++];
	memset(m, 0, sizeof(*m));
	m->path = p;
	m->open_path = o;
	m->start = start;
	m->end = end;
	m->offset = offset;
	return m;
}

int cdl_rawcap_vwarn(struct cdl_rawcap *rc, const char *fmt, va_list ap)
{
	char *w;

	if (CDL_GROW(rc->warnings, rc->warnings_cap, rc->nwarnings + 1, 16) < 0)
		return -ENOMEM;
	if (vasprintf(&w, fmt, ap) < 0)
		return -ENOMEM;
	rc->warnings[rc->nwarnings++] = w;
	return 0;
}

int cdl_rawcap_warn(struct cdl_rawcap *rc, const char *fmt, ...)
{
	va_list ap;
	int rc_;

	va_start(ap, fmt);
	rc_ = cdl_rawcap_vwarn(rc, fmt, ap);
	va_end(ap);
	return rc_;
}
