/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memimg.c - copied memory regions, looked up by binary search.
 *
 * Regions are appended in any order; before the first read they are sorted
 * and overlapping or touching regions are merged, so a lookup is one binary
 * search and a read may span what were several copies (a stack copy and
 * the struct pthread above it). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "grow.h"
#include "memimg.h"

struct region {
	uint64_t addr;
	size_t len;
	unsigned char *data;
	bool owned;              /* malloc'd, ours to free; else inside a block */
};

/* A mapping the image unmaps when freed: regions added by reference
 * point into it. */
struct block {
	void *base;
	size_t len;
};

struct cdl_memimg {
	struct region *r;
	size_t n, cap;
	struct block *blk;
	size_t nblk, capblk;
	bool normalized;
	size_t total;
	cdl_memimg_read_fn back_read;   /* what no region holds */
	void *back_arg;
	void (*back_release)(void *arg);
};

struct cdl_memimg *cdl_memimg_new(void)
{
	struct cdl_memimg *m = calloc(1, sizeof(*m));

	if (m)
		m->normalized = true;
	return m;
}

void cdl_memimg_free(struct cdl_memimg *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].owned)
			free(m->r[i].data);
	free(m->r);
	for (size_t i = 0; i < m->nblk; i++)
		munmap(m->blk[i].base, m->blk[i].len);
	free(m->blk);
	if (m->back_release)
		m->back_release(m->back_arg);
	free(m);
}

void cdl_memimg_set_backing(struct cdl_memimg *m, cdl_memimg_read_fn read, void *arg,
			    void (*release)(void *arg))
{
	if (m->back_release)
		m->back_release(m->back_arg);
	m->back_read = read;
	m->back_arg = arg;
	m->back_release = release;
}

int cdl_memimg_add(struct cdl_memimg *m, uint64_t addr, void *data, size_t len)
{
	if (len == 0) {
		free(data);
		return 0;
	}
	if (CDL_GROW(m->r, m->cap, m->n + 1, 64) < 0) {
		free(data);
		return -ENOMEM;
	}
	m->r[m->n++] = (struct region){ addr, len, data, true };
	m->normalized = false;
	m->total += len;
	return 0;
}

int cdl_memimg_adopt_map(struct cdl_memimg *m, void *base, size_t len)
{
	if (CDL_GROW(m->blk, m->capblk, m->nblk + 1, 16) < 0) {
		munmap(base, len);
		return -ENOMEM;
	}
	m->blk[m->nblk++] = (struct block){ base, len };
	return 0;
}

int cdl_memimg_add_ref(struct cdl_memimg *m, uint64_t addr, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	if (CDL_GROW(m->r, m->cap, m->n + 1, 64) < 0)
		return -ENOMEM;
	m->r[m->n++] = (struct region){ addr, len, (unsigned char *)data, false };
	m->normalized = false;
	m->total += len;
	return 0;
}

int cdl_memimg_add_copy(struct cdl_memimg *m, uint64_t addr, const void *data, size_t len)
{
	void *p = malloc(len ? len : 1);

	if (!p)
		return -ENOMEM;
	memcpy(p, data, len);
	return cdl_memimg_add(m, addr, p, len);
}

static int cmp_region(const void *a, const void *b)
{
	const struct region *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->len < y->len ? 1 : (x->len > y->len ? -1 : 0);
}

/* The bytes of r in a malloc'd buffer of nlen bytes (r's own, grown, or
 * a new one when r is a reference into a block).  NULL when out of
 * memory, r unchanged. */
static unsigned char *grown(const struct region *r, size_t nlen)
{
	unsigned char *nd;

	if (r->owned)
		return realloc(r->data, nlen);
	nd = malloc(nlen);
	if (nd)
		memcpy(nd, r->data, r->len);
	return nd;
}

/* Sort and merge overlapping regions.  All copies come from one frozen
 * moment, so overlapping bytes agree; the earlier region's bytes are kept. */
static int normalize(struct cdl_memimg *m)
{
	size_t out = 0;

	qsort(m->r, m->n, sizeof(*m->r), cmp_region);
	for (size_t i = 0; i < m->n; i++) {
		struct region *cur = &m->r[i];

		if (out > 0) {
			struct region *prev = &m->r[out - 1];
			uint64_t pend = prev->addr + prev->len;

			if (cur->addr <= pend) {
				uint64_t cend = cur->addr + cur->len;

				if (cend > pend) {
					size_t nlen = cend - prev->addr;
					unsigned char *nd = grown(prev, nlen);

					if (!nd) {
						/* close the gap so every slot up to n
						 * is owned exactly once again */
						size_t rest = m->n - i;

						memmove(&m->r[out], cur, rest * sizeof(*cur));
						m->n = out + rest;
						return -ENOMEM;
					}
					memcpy(nd + prev->len, cur->data + (pend - cur->addr),
					       cend - pend);
					prev->data = nd;
					prev->len = nlen;
					prev->owned = true;
				}
				if (cur->owned)
					free(cur->data);
				continue;
			}
		}
		m->r[out++] = *cur;
	}
	m->n = out;
	m->total = 0;
	for (size_t i = 0; i < m->n; i++)
		m->total += m->r[i].len;
	m->normalized = true;
	return 0;
}

/* Index of the region containing addr, or -1. */
static long find(const struct cdl_memimg *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->r[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	const struct region *r = &m->r[lo - 1];
	if (addr - r->addr < r->len)
		return (long)(lo - 1);
	return -1;
}

int cdl_memimg_read(const struct cdl_memimg *cm, uint64_t addr, void *buf, size_t len)
{
	struct cdl_memimg *m = (struct cdl_memimg *)cm; /* lazy normalization */
	long i;

	if (!m)
		return -EFAULT;
	if (!m->normalized && normalize(m) < 0)
		return -EFAULT;
	if (len == 0)
		return 0;
	if (addr + len < addr)
		return -EFAULT;
	i = find(m, addr);
	if (i < 0 || addr + len - m->r[i].addr > m->r[i].len)
		return m->back_read ? m->back_read(m->back_arg, addr, buf, len) : -EFAULT;
	memcpy(buf, m->r[i].data + (addr - m->r[i].addr), len);
	return 0;
}

int cdl_memimg_u32(const struct cdl_memimg *m, uint64_t addr, uint32_t *out)
{
	return cdl_memimg_read(m, addr, out, sizeof(*out));
}

int cdl_memimg_u64(const struct cdl_memimg *m, uint64_t addr, uint64_t *out)
{
	return cdl_memimg_read(m, addr, out, sizeof(*out));
}

size_t cdl_memimg_nregions(const struct cdl_memimg *cm)
{
	struct cdl_memimg *m = (struct cdl_memimg *)cm; /* lazy normalization */

	if (!m || (!m->normalized && normalize(m) < 0))
		return 0;
	return m->n;
}

int cdl_memimg_region(const struct cdl_memimg *cm, size_t i, uint64_t *addr,
		      const unsigned char **data, size_t *len)
{
	struct cdl_memimg *m = (struct cdl_memimg *)cm;

	if (!m)
		return -ENOENT;
	if (!m->normalized && normalize(m) < 0)
		return -ENOMEM;
	if (i >= m->n)
		return -ENOENT;
	*addr = m->r[i].addr;
	*data = m->r[i].data;
	*len = m->r[i].len;
	return 0;
}

size_t cdl_memimg_size(const struct cdl_memimg *m)
{
	return m ? m->total : 0;
}
