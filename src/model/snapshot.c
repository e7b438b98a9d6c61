/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snapshot.c - the model: threads, frames, waits, warnings, string pool */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "memimg.h"
#include "snapshot.h"

/* ---- string pool: arena chunks plus a hash set so equal strings (the
 * same function name in 1000 stacks) are stored once ---- */

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct cdl_strpool {
	struct chunk *chunks;
	const char **set;      /* open addressing */
	size_t nset, capset;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static char *pool_alloc(struct cdl_strpool *p, size_t n)
{
	struct chunk *c = p->chunks;

	if (!c || c->cap - c->used < n) {
		size_t cap = n > 65536 ? n : 65536;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = p->chunks;
		p->chunks = c;
	}
	char *r = c->data + c->used;
	c->used += n;
	return r;
}

static int set_grow(struct cdl_strpool *p)
{
	size_t cap = p->capset ? p->capset * 2 : 1024;
	const char **set = calloc(cap, sizeof(*set));

	if (!set)
		return -ENOMEM;
	for (size_t i = 0; i < p->capset; i++) {
		const char *s = p->set[i];

		if (!s)
			continue;
		size_t j = hash_str(s) & (cap - 1);
		while (set[j])
			j = (j + 1) & (cap - 1);
		set[j] = s;
	}
	free(p->set);
	p->set = set;
	p->capset = cap;
	return 0;
}

static const char *pool_intern(struct cdl_strpool *p, const char *s)
{
	if (p->nset * 2 >= p->capset && set_grow(p) < 0)
		return NULL;
	size_t j = hash_str(s) & (p->capset - 1);
	while (p->set[j]) {
		if (strcmp(p->set[j], s) == 0)
			return p->set[j];
		j = (j + 1) & (p->capset - 1);
	}
	size_t n = strlen(s) + 1;
	char *d = pool_alloc(p, n);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	p->set[j] = d;
	p->nset++;
	return d;
}

static void pool_free(struct cdl_strpool *p)
{
	if (!p)
		return;
	while (p->chunks) {
		struct chunk *n = p->chunks->next;

		free(p->chunks);
		p->chunks = n;
	}
	free(p->set);
	free(p);
}

/* ---- wait kinds ---- */

static const struct cdl_wait_kind_info kinds[] = {
	/* name            noun         access    access_long  label       lock   edge   idle */
	[CDL_WAIT_MUTEX] =
	{ "mutex",         "mutex",     NULL,     NULL,        "mutex",    true,  true,  false },
	[CDL_WAIT_RWLOCK_READ] =
	{ "rwlock_read",   "rwlock",    "read",   "reading",   "rwlock-r", true,  true,  false },
	[CDL_WAIT_RWLOCK_WRITE] =
	{ "rwlock_write",  "rwlock",    "write",  "writing",   "rwlock-w", true,  true,  false },
	[CDL_WAIT_CONDVAR] =
	{ "condvar",       "condvar",   NULL,     NULL,        "condvar",  false, false, true },
	[CDL_WAIT_SEMAPHORE] =
	{ "semaphore",     "semaphore", NULL,     NULL,        "sem",      false, false, true },
	[CDL_WAIT_JOIN] =
	{ "join",          "thread",    NULL,     NULL,        "join",     true,  true,  false },
	[CDL_WAIT_FUTEX] =
	{ "futex",         "futex",     NULL,     NULL,        "futex",    true,  true,  false },
	[CDL_WAIT_SLEEP] =
	{ "sleep",         "object",    NULL,     NULL,        "sleep",    false, false, true },
	[CDL_WAIT_IO] =
	{ "io",            "object",    NULL,     NULL,        "io",       false, false, true },
	[CDL_WAIT_OTHER] =
	{ "other",         "object",    NULL,     NULL,        "other",    false, false, false },
};

_Static_assert(sizeof(kinds) / sizeof(kinds[0]) == CDL_WAIT__COUNT,
	       "one row of kinds[] per enum cdl_wait_kind");

const struct cdl_wait_kind_info *cdl_wait_kind_info(enum cdl_wait_kind k)
{
	return &kinds[(unsigned)k < CDL_WAIT__COUNT ? k : CDL_WAIT_OTHER];
}

const char *cdl_wait_kind_name(enum cdl_wait_kind k)
{
	return cdl_wait_kind_info(k)->name;
}

int cdl_wait_kind_from_name(const char *name)
{
	for (int i = 0; i < CDL_WAIT__COUNT; i++)
		if (name && strcmp(name, kinds[i].name) == 0)
			return i;
	return -1;
}

/* indexed by bit number of CDL_WAITF_* */
static const char *const wait_flag_names[] = {
	"robust", "pi", "recursive", "errorcheck", "pshared", "owner_unknown",
	"readers", "timed", "libc_internal", "layout_unknown", "rechecks",
};

const char *cdl_wait_flag_name(unsigned bit)
{
	for (unsigned i = 0; i < sizeof(wait_flag_names) / sizeof(wait_flag_names[0]); i++)
		if (bit == 1u << i)
			return wait_flag_names[i];
	return NULL;
}

bool cdl_wait_kind_is_lock(enum cdl_wait_kind k)
{
	return cdl_wait_kind_info(k)->is_lock;
}

bool cdl_wait_kind_is_idle(enum cdl_wait_kind k)
{
	return cdl_wait_kind_info(k)->idle;
}

/* ---- snapshot ---- */

struct cdl_snapshot *cdl_snapshot_new(void)
{
	struct cdl_snapshot *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->pool = calloc(1, sizeof(*s->pool));
	if (!s->pool) {
		free(s);
		return NULL;
	}
	return s;
}

void cdl_snapshot_free(struct cdl_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nthreads; i++) {
		free(s->threads[i].frames);
		free(s->threads[i].held);
	}
	free(s->threads);
	free(s->warnings);
	cdl_memimg_free(s->mem);
	pool_free(s->pool);
	free(s);
}

const char *cdl_snapshot_intern(struct cdl_snapshot *s, const char *str)
{
	if (!str)
		return NULL;
	return pool_intern(s->pool, str);
}

const char *cdl_snapshot_internf(struct cdl_snapshot *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return cdl_snapshot_intern(s, buf);
}

struct cdl_thread *cdl_snapshot_add_thread(struct cdl_snapshot *s, int tid)
{
	if (CDL_GROW(s->threads, s->threads_cap, s->nthreads + 1, 16) < 0)
		return NULL;
	struct cdl_thread *t = &s->threads[s->nthreads++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->state = '?';
	t->blocked_for_ms = -1;
	t->syscall_nr = -1;
	t->wait.readers = -1;
	t->wait.owner_frame = -1;
	return t;
}

struct cdl_frame *cdl_thread_add_frame(struct cdl_thread *t)
{
	if (CDL_GROW(t->frames, t->frames_cap, t->nframes + 1, 16) < 0)
		return NULL;
	struct cdl_frame *f = &t->frames[t->nframes++];
	memset(f, 0, sizeof(*f));
	return f;
}

struct cdl_held *cdl_thread_add_held(struct cdl_thread *t)
{
	if (CDL_GROW(t->held, t->held_cap, t->nheld + 1, 4) < 0)
		return NULL;
	struct cdl_held *h = &t->held[t->nheld++];
	memset(h, 0, sizeof(*h));
	h->frame = -1;
	return h;
}

void cdl_snapshot_warn(struct cdl_snapshot *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (CDL_GROW(s->warnings, s->warnings_cap, s->nwarnings + 1, 8) < 0)
		return;
	const char *str = cdl_snapshot_intern(s, buf);
	if (str)
		s->warnings[s->nwarnings++] = str;
}

static int cmp_tid(const void *a, const void *b)
{
	const struct cdl_thread *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

void cdl_snapshot_sort(struct cdl_snapshot *s)
{
	if (s->nthreads < 2)   /* qsort(NULL, 0, ...) is undefined */
		return;
	qsort(s->threads, s->nthreads, sizeof(*s->threads), cmp_tid);
}

struct cdl_thread *cdl_snapshot_find_thread(const struct cdl_snapshot *s, int tid)
{
	size_t lo = 0, hi = s->nthreads;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->threads[mid].tid == tid)
			return &s->threads[mid];
		if (s->threads[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
