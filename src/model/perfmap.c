/* SPDX-License-Identifier: GPL-2.0-or-later */
/* perfmap.c - names of JIT-compiled code from a perf map.
 *
 * A runtime that compiles code at run time (the JVM through `jcmd PID
 * Compiler.perfmap` or -XX:+DumpPerfMapAtExit, node --perf-basic-prof,
 * ...) may write /tmp/perf-PID.map: one line per code region, "START SIZE
 * NAME" with hexadecimal START and SIZE.  perf names such code from it;
 * so does the offline stage, for frames no ELF module covers.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "rawcap.h"
#include "sorted.h"

void cdl_perfmap_free(struct cdl_perfmap *pm)
{
	free(pm->s);
	free(pm->strbuf);
	memset(pm, 0, sizeof(*pm));
}

/* a hexadecimal number at *p (0x optional), then one blank */
static bool hex_field(const char **p, const char *end, uint64_t *out)
{
	const char *q = *p;
	uint64_t v = 0;
	int digits = 0;

	if (end - q > 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
		q += 2;
	for (; q < end && digits <= 16; q++, digits++) {
		int c = (unsigned char)*q, d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		v = v << 4 | (uint64_t)d;
	}
	if (digits == 0 || digits > 16 || q >= end || (*q != ' ' && *q != '\t'))
		return false;
	*out = v;
	*p = q + 1;
	return true;
}

static int cmp_start(const void *a, const void *b)
{
	const struct cdl_perfsym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* the same start twice: the later line (higher name offset) last */
	return x->name < y->name ? -1 : x->name > y->name;
}

int cdl_perfmap_parse(struct cdl_perfmap *pm, const char *text, size_t len, const char *path)
{
	const char *p = text, *end = text + len;
	size_t cap = 0, plen = path ? strlen(path) + 1 : 0, out = 0;
	char *w;

	cdl_perfmap_free(pm);
	/* names and the path, NUL-terminated, in one buffer: at most the
	 * text plus one byte a line, plus the path */
	if (!(pm->strbuf = malloc(len + 1 + plen)))
		return -ENOMEM;
	w = pm->strbuf;
	if (path) {
		memcpy(w, path, plen);
		pm->path = w;
		w += plen;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end;
		uint64_t start, size;
		const char *q = p;

		if (hex_field(&q, eol, &start) && hex_field(&q, eol, &size) && size > 0 &&
		    start + size > start && q < eol) {
			size_t n = (size_t)(eol - q);

			if (n > 0 && q[n - 1] == '\r')
				n--;
			if (CDL_GROW(pm->s, cap, pm->n + 1, 256) < 0)
				return -ENOMEM;
			memcpy(w, q, n);
			w[n] = '\0';
			pm->s[pm->n++] = (struct cdl_perfsym){ start, size, w };
			w += n + 1;
		}
		p = eol + 1;
	}
	if (pm->n > 1)
		qsort(pm->s, pm->n, sizeof(*pm->s), cmp_start);
	/* keep, of regions that overlap, the one written last */
	for (size_t i = 0; i < pm->n; i++) {
		while (out > 0 && pm->s[out - 1].start + pm->s[out - 1].size > pm->s[i].start &&
		       pm->s[out - 1].name < pm->s[i].name)
			out--;
		if (out > 0 && pm->s[out - 1].start + pm->s[out - 1].size > pm->s[i].start)
			continue;     /* overlapped by an earlier-kept, later-written one */
		pm->s[out++] = pm->s[i];
	}
	pm->n = out;
	return 0;
}

static bool starts_at_or_below(const void *elem, const void *key)
{
	return ((const struct cdl_perfsym *)elem)->start <= *(const uint64_t *)key;
}

const struct cdl_perfsym *cdl_perfmap_find(const struct cdl_perfmap *pm, uint64_t addr)
{
	size_t i = cdl_lower_bound(pm->s, pm->n, sizeof(*pm->s), &addr, starts_at_or_below);

	if (i == 0)
		return NULL;
	i--;
	return addr - pm->s[i].start < pm->s[i].size ? &pm->s[i] : NULL;
}
