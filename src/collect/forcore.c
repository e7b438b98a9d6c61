/* SPDX-License-Identifier: GPL-2.0-or-later */
/* forcore.c - what a core file written from a live capture needs beyond
 * what the analysis copies (--save-core, cdl_collect_opts.for_core).
 *
 * Three moments, none of them adding a read while the target is stopped
 * except the one that must be exact:
 *
 *   before the freeze: the process facts of NT_PRPSINFO, the auxiliary
 *     vector (fixed at exec), and each module's ELF header, program
 *     headers and notes (its build-id), which never change once mapped;
 *     from the program headers, where each module's writable segment
 *     (.dynamic, .got, .data, .bss) lies;
 *   at the freeze: those writable segments, capped, with the stacks, so
 *     that a global lock printed in gdb shows the value it had at the
 *     instant every stack was copied;
 *   after the thaw: the dynamic linker's list of loaded objects (r_debug
 *     and the link_map entries with their names, which live in memory the
 *     copy above may not hold), which gdb walks to find the shared
 *     libraries.  It changes only when the process loads or unloads a
 *     library; the maps are read after the thaw too.
 *
 * Nothing read here is ever zeros standing for memory that was not read:
 * a region that could not be read is left out of the image.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"
#include "live-int.h"
#include "memimg.h"
#include "proc.h"

#define CORE_PAGE      4096u
#define HDR_READ       CORE_PAGE      /* bytes read at each module's start */
#define NOTE_MAX       4096u          /* bytes of a module's notes copied */
#define WDATA_MODULE   (1u << 20)     /* writable data copied per module */
#define WDATA_TOTAL    (8u << 20)     /* ... and in all */
#define LINK_MAP_MAX   4096           /* entries of the link map walked */
#define LM_HEAD        40             /* l_addr, l_name, l_ld, l_next, l_prev */

struct span {
	uint64_t addr;
	size_t len;
};

/* What prepare found; freed with the context. */
struct cdl_live_forcore {
	struct span *w;                /* writable segments to copy at the freeze */
	size_t nw, wcap;
	size_t wbytes;
	uint64_t exe_dynamic;          /* the executable's PT_DYNAMIC, 0 unknown */
	size_t exe_dynamic_len;
};

void cdl_live_forcore_free(struct cdl_live_forcore *f)
{
	if (!f)
		return;
	free(f->w);
	free(f);
}

static ssize_t mem_pread(const struct ctx *c, uint64_t addr, void *buf, size_t len)
{
	ssize_t n;

	if (c->memfd < 0)
		return -EBADF;
	do
		n = pread(c->memfd, buf, len, (off_t)addr);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* NT_PRPSINFO's facts: /proc/PID/stat, status and cmdline. */
static void read_proc_facts(struct ctx *c)
{
	struct cdl_rawcap_proc *p = &c->rc->proc;
	char path[64], buf[4096];
	const char *close;
	long uid, gid;
	ssize_t n;
	char st;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", c->pid, c->pid);
	if (cdl_proc_read_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 ||
	    !(close = strrchr(buf, ')')) || !strchr(buf, '(') ||
	    sscanf(close + 1, " %c %d %d %d", &st, &p->ppid, &p->pgrp, &p->sid) != 4)
		return;
	p->state = st;
	n = (ssize_t)(close - strchr(buf, '(') - 1);
	memcpy(p->fname, strchr(buf, '(') + 1,
	       (size_t)n < sizeof(p->fname) ? (size_t)n : sizeof(p->fname));
	snprintf(path, sizeof(path), "/proc/%d/status", c->pid);
	if (cdl_proc_read_at(AT_FDCWD, path, buf, sizeof(buf)) >= 0 &&
	    cdl_proc_status_long(buf, "Uid", &uid) == 0 &&
	    cdl_proc_status_long(buf, "Gid", &gid) == 0) {
		p->uid = (unsigned)uid;
		p->gid = (unsigned)gid;
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", c->mm_pid);
	n = cdl_proc_read_at(AT_FDCWD, path, p->psargs, sizeof(p->psargs));
	for (ssize_t i = 0; i + 1 < n; i++)
		if (!p->psargs[i])
			p->psargs[i] = ' ';
	p->valid = true;
}

static void read_auxv(struct ctx *c)
{
	char path[64], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/auxv", c->mm_pid);
	n = cdl_proc_read_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n <= 0 || n % 16 || !(c->rc->auxv = malloc((size_t)n)))
		return;
	memcpy(c->rc->auxv, buf, (size_t)n);
	c->rc->auxv_len = (size_t)n;
}

static uint64_t auxv_get(const struct cdl_rawcap *rc, uint64_t type)
{
	for (size_t i = 0; i + 16 <= rc->auxv_len; i += 16) {
		uint64_t t, v;

		memcpy(&t, rc->auxv + i, 8);
		memcpy(&v, rc->auxv + i + 8, 8);
		if (t == type)
			return v;
	}
	return 0;
}

/* [addr, addr+len) widened to whole pages inside its mapping (in maps);
 * false when addr is in no known mapping. */
static bool page_span(const struct cdl_maps *maps, uint64_t addr, size_t len, uint64_t *lo,
		      uint64_t *hi)
{
	const struct cdl_map *m = cdl_maps_find(maps, addr);

	if (!m)
		return false;
	*lo = addr & ~(uint64_t)(CORE_PAGE - 1);
	*hi = (addr + len + CORE_PAGE - 1) & ~(uint64_t)(CORE_PAGE - 1);
	if (*lo < m->start)
		*lo = m->start;
	if (*hi > m->end)
		*hi = m->end;
	return *hi > *lo;
}

/* Copy the pages holding [addr, addr+len) into the image now, as far as
 * they can be read.  Whole pages: libdwfl (eu-stack) reads a core's
 * segments as if they began on a page boundary. */
static void keep_pages(struct ctx *c, const struct cdl_maps *maps, uint64_t addr, size_t len)
{
	uint64_t lo, hi;
	unsigned char *buf;
	ssize_t n;

	if (!page_span(maps, addr, len, &lo, &hi) || hi - lo > WDATA_MODULE ||
	    !(buf = malloc((size_t)(hi - lo))))
		return;
	n = mem_pread(c, lo, buf, (size_t)(hi - lo));
	if (n > 0)
		cdl_memimg_add(c->rc->mem, lo, buf, (size_t)n);
	else
		free(buf);
}

/* A writable segment [lo, hi): the pages of each mapping it spans (the
 * part made read-only after relocation, the data, the .bss beyond the
 * file), within the caps. */
static void want_writable(struct ctx *c, uint64_t lo, uint64_t hi)
{
	struct cdl_live_forcore *f = c->forcore;
	size_t budget = WDATA_MODULE;

	lo &= ~(uint64_t)(CORE_PAGE - 1);
	while (lo < hi && budget && f->wbytes < WDATA_TOTAL) {
		const struct cdl_map *m = cdl_maps_find(&c->maps, lo);
		uint64_t end = hi;
		size_t len;

		if (!m)
			break;
		if (end > m->end)
			end = m->end;
		end = (end + CORE_PAGE - 1) & ~(uint64_t)(CORE_PAGE - 1);
		len = (size_t)(end - lo);
		if (len > budget)
			len = budget;
		if (len > WDATA_TOTAL - f->wbytes)
			len = WDATA_TOTAL - f->wbytes;
		if (CDL_GROW(f->w, f->wcap, f->nw + 1, 32) < 0)
			return;
		f->w[f->nw++] = (struct span){ lo, len };
		f->wbytes += len;
		budget -= len;
		lo = end;
	}
}

/* One module mapped at start with its headers (file offset 0). */
static void module_headers(struct ctx *c, uint64_t start, uint64_t at_phdr)
{
	unsigned char hdr[HDR_READ];
	Elf64_Ehdr eh;
	uint64_t bias = 0;
	bool have_bias = false;
	ssize_t n = mem_pread(c, start, hdr, sizeof(hdr));

	if (n < (ssize_t)sizeof(eh) || memcmp(hdr, ELFMAG, SELFMAG) != 0 ||
	    hdr[EI_CLASS] != ELFCLASS64)
		return;
	memcpy(&eh, hdr, sizeof(eh));
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > (uint64_t)n ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > (uint64_t)n - eh.e_phoff)
		return;
	/* the first page: ELF header, program headers and, mostly, the notes */
	cdl_memimg_add_copy(c->rc->mem, start, hdr, (size_t)n);
	for (unsigned i = 0; i < eh.e_phnum && !have_bias; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, hdr + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && ph.p_offset == 0) {
			bias = start - ph.p_vaddr;
			have_bias = true;
		}
	}
	if (!have_bias)
		return;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, hdr + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		uint64_t lo = ph.p_vaddr + bias;

		if (ph.p_type == PT_NOTE && ph.p_filesz &&
		    (lo < start || lo + ph.p_filesz > start + (uint64_t)n))
			keep_pages(c, &c->maps, lo,
				   ph.p_filesz < NOTE_MAX ? (size_t)ph.p_filesz : NOTE_MAX);
		else if (ph.p_type == PT_LOAD && (ph.p_flags & PF_W))
			want_writable(c, lo, lo + ph.p_memsz);
		else if (ph.p_type == PT_DYNAMIC && at_phdr >= start &&
			 at_phdr - start < (uint64_t)n) {
			c->forcore->exe_dynamic = lo;
			c->forcore->exe_dynamic_len = (size_t)ph.p_memsz;
		}
	}
}

void cdl_live_forcore_prepare(struct ctx *c)
{
	uint64_t at_phdr;

	if (!c->o->for_core || !c->rc || !(c->forcore = calloc(1, sizeof(*c->forcore))))
		return;
	read_proc_facts(c);
	read_auxv(c);
	at_phdr = auxv_get(c->rc, AT_PHDR);
	for (size_t i = 0; i < c->maps.n; i++) {
		const struct cdl_map *m = &c->maps.m[i];

		if (m->offset == 0 && m->path[0] == '/' && m->ino != 0 && m->perms[0] == 'r')
			module_headers(c, m->start, at_phdr);
	}
}

size_t cdl_live_forcore_bytes(const struct ctx *c)
{
	/* the writable segments, and whole pages: about a page more for each
	 * thread's stack and one for the lock word it may sleep on */
	return c->forcore ? c->forcore->wbytes + c->n * 2 * CORE_PAGE : 0;
}

size_t cdl_live_forcore_nregions(const struct ctx *c)
{
	return c->forcore ? c->forcore->nw : 0;
}

static int by_addr(const void *a, const void *b)
{
	const struct region *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void cdl_live_forcore_align(const struct ctx *c, struct region *r, size_t n)
{
	uint64_t lo, hi, done = 0;

	if (!c->forcore)
		return;
	for (size_t i = 0; i < n; i++)
		if (page_span(&c->maps, r[i].addr, r[i].len, &lo, &hi)) {
			r[i].addr = lo;
			r[i].len = (size_t)(hi - lo);
		}
	/* whole pages overlap a lot (many sleepers on the futex words of one
	 * page, a page of .bss that is copied anyway): copy each byte once */
	qsort(r, n, sizeof(*r), by_addr);
	for (size_t i = 0; i < n; i++) {
		uint64_t end = r[i].addr + r[i].len;

		if (end <= done) {
			r[i].len = 0;
			continue;
		}
		if (r[i].addr < done) {
			r[i].len = (size_t)(end - done);
			r[i].addr = done;
		}
		done = end;
	}
}

size_t cdl_live_forcore_regions(const struct ctx *c, struct region *r)
{
	const struct cdl_live_forcore *f = c->forcore;

	for (size_t i = 0; f && i < f->nw; i++)
		r[i] = (struct region){ .addr = f->w[i].addr, .len = f->w[i].len };
	return f ? f->nw : 0;
}

/* [addr, addr+len) from the image, or read now (whole pages) and added
 * to it.  0 or -EFAULT. */
static int fetch(struct ctx *c, uint64_t addr, void *buf, size_t len)
{
	if (cdl_memimg_read(c->rc->mem, addr, buf, len) == 0)
		return 0;
	keep_pages(c, &c->rc->maps, addr, len);
	return cdl_memimg_read(c->rc->mem, addr, buf, len);
}

/* The NUL-terminated string at addr into the image. */
static void fetch_string(struct ctx *c, uint64_t addr)
{
	char ch;

	for (int i = 0; addr && i < 2 && fetch(c, addr, &ch, 1) == 0; i++) {
		const struct cdl_map *m = cdl_maps_find(&c->rc->maps, addr);
		uint64_t end = (addr | (CORE_PAGE - 1)) + 1;

		/* one page more if the name runs over the end of the first */
		while (addr < end && cdl_memimg_read(c->rc->mem, addr, &ch, 1) == 0 && ch)
			addr++;
		if (!m || addr != end || ch == 0)
			break;
	}
}

/* The dynamic linker's list: from DT_DEBUG of the executable's dynamic
 * section to r_debug, then every link_map's head and name. */
static void link_map(struct ctx *c)
{
	const struct cdl_live_forcore *f = c->forcore;
	uint64_t rdebug = 0, lm, head[LM_HEAD / 8];

	for (size_t off = 0; off + 16 <= f->exe_dynamic_len; off += 16) {
		uint64_t d[2];

		if (fetch(c, f->exe_dynamic + off, d, sizeof(d)) < 0 || d[0] == DT_NULL)
			break;
		if (d[0] == DT_DEBUG) {
			rdebug = d[1];
			break;
		}
	}
	/* struct r_debug: r_version (int), r_map, r_brk, r_state, r_ldbase */
	if (!rdebug || fetch(c, rdebug, head, LM_HEAD) < 0)
		return;
	lm = head[1];
	for (int i = 0; lm && i < LINK_MAP_MAX; i++) {
		if (fetch(c, lm, head, LM_HEAD) < 0)
			break;
		fetch_string(c, head[1]);
		lm = head[3];
	}
}

void cdl_live_forcore_finish(struct ctx *c)
{
	if (!c->forcore)
		return;
	if (c->forcore->exe_dynamic)
		link_map(c);
	/* the vdso as the module map copied it: gdb and libdwfl find it
	 * through AT_SYSINFO_EHDR in the core's memory */
	for (size_t i = 0; i < c->rc->nmodules; i++) {
		const struct cdl_rawcap_module *m = &c->rc->modules[i];

		if (m->image && m->image_len)
			cdl_memimg_add_copy(c->rc->mem, m->start, m->image, m->image_len);
	}
}
