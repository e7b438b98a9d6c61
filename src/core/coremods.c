/* SPDX-License-Identifier: GPL-2.0-or-later */
/* coremods.c - the modules of a core: build-ids read from the ELF headers
 * the core holds, load biases, and the dynamic linker's link map for
 * cores without NT_FILE.
 *
 * Everything here is read through cdl_core_read, so it is bounded by what
 * the core holds; every count read from memory has a fixed limit (the
 * memory of a crashed process is no more trustworthy than the file).
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core-int.h"
#include "grow.h"

#define MAX_PHDRS 256          /* of one loaded ELF file */
#define MAX_NOTE_BYTES 65536   /* of one PT_NOTE of a loaded file */
#define MAX_DYN 4096           /* entries of a dynamic section */
#define MAX_LINK_MAP 65536     /* modules in the link map */
#define MAX_NAME 4096

/* what the ELF headers at `base` (a file mapped from offset 0) say */
struct elfinfo {
	enum cdl_core_buildid_state state;
	unsigned char build_id[64];
	size_t build_id_len;
	int has_bias;
	uint64_t bias;
	uint64_t lo, hi;        /* PT_LOAD extent, runtime addresses */
};

/* find NT_GNU_BUILD_ID in a note buffer with the given alignment */
static int find_build_id(const unsigned char *b, size_t n, size_t align, struct elfinfo *ei)
{
	size_t pos = 0;

	while (n - pos >= 12) {
		Elf64_Nhdr nh;
		size_t npad, dpad;

		memcpy(&nh, b + pos, sizeof(nh));
		npad = ((size_t)nh.n_namesz + align - 1) & ~(align - 1);
		dpad = ((size_t)nh.n_descsz + align - 1) & ~(align - 1);
		if (npad > n - pos - 12 || nh.n_descsz > n - pos - 12 - npad)
			return 0;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp(b + pos + 12, "GNU", 4) == 0 && nh.n_descsz > 0 &&
		    nh.n_descsz <= sizeof(ei->build_id)) {
			memcpy(ei->build_id, b + pos + 12 + npad, nh.n_descsz);
			ei->build_id_len = nh.n_descsz;
			return 1;
		}
		if (dpad > n - pos - 12 - npad)
			return 0;
		pos += 12 + npad + dpad;
	}
	return 0;
}

/* reads all len bytes at addr, or fails (<0): the core's memory or a file */
typedef int (*elf_read_fn)(const void *ctx, uint64_t addr, void *buf, size_t len);

static int read_core(const void *ctx, uint64_t addr, void *buf, size_t len)
{
	return cdl_core_read_all(ctx, addr, buf, len);
}

/* Read the ELF headers of a file mapped at base from offset 0 (or of the
 * file itself, base 0); limit is how many bytes from base belong to that
 * mapping (UINT64_MAX unknown).  page is the page size to align PT_LOAD
 * addresses with. */
static void read_elf_with(elf_read_fn rd, const void *ctx, uint64_t base, uint64_t limit,
			  uint64_t page, struct elfinfo *ei)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHDRS];
	size_t phn;
	int have_load = 0;

	memset(ei, 0, sizeof(*ei));
	if (rd(ctx, base, &eh, sizeof(eh)) < 0) {
		ei->state = CDL_CORE_BUILDID_NOT_DUMPED;
		return;
	}
	ei->state = CDL_CORE_BUILDID_ABSENT;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS)
		return;
	phn = eh.e_phnum;
	if (eh.e_phoff > limit || phn * sizeof(Elf64_Phdr) > limit - eh.e_phoff ||
	    base + eh.e_phoff < base ||
	    rd(ctx, base + eh.e_phoff, ph, phn * sizeof(Elf64_Phdr)) < 0) {
		ei->state = CDL_CORE_BUILDID_NOT_DUMPED;
		return;
	}
	for (size_t i = 0; i < phn; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (!have_load) {
			/* the first PT_LOAD maps file offset 0 at base */
			if (ph[i].p_offset < page) {
				ei->bias = base - (ph[i].p_vaddr & ~(page - 1));
				ei->has_bias = 1;
				ei->lo = base;
			}
			have_load = 1;
		}
		if (ei->has_bias && ph[i].p_vaddr + ph[i].p_memsz + ei->bias > ei->hi)
			ei->hi = ph[i].p_vaddr + ph[i].p_memsz + ei->bias;
	}
	for (size_t i = 0; i < phn; i++) {
		unsigned char *nb;
		size_t align = ph[i].p_align == 8 ? 8 : 4;
		int found;

		if (ph[i].p_type != PT_NOTE || ph[i].p_filesz < 12 ||
		    ph[i].p_filesz > MAX_NOTE_BYTES || ph[i].p_offset > limit ||
		    ph[i].p_filesz > limit - ph[i].p_offset || base + ph[i].p_offset < base)
			continue;
		if (!(nb = malloc(ph[i].p_filesz)))
			continue;
		if (rd(ctx, base + ph[i].p_offset, nb, ph[i].p_filesz) < 0) {
			free(nb);
			/* the header page was dumped but not this note */
			continue;
		}
		found = find_build_id(nb, ph[i].p_filesz, align, ei);
		free(nb);
		if (found) {
			ei->state = CDL_CORE_BUILDID_FOUND;
			return;
		}
	}
}

static void read_elf(const struct cdl_core *c, uint64_t base, uint64_t limit, uint64_t page,
		     struct elfinfo *ei)
{
	read_elf_with(read_core, c, base, limit, page, ei);
}

static int read_fd(const void *ctx, uint64_t off, void *buf, size_t len)
{
	ssize_t n = pread(*(const int *)ctx, buf, len, (off_t)off);

	return n == (ssize_t)len ? 0 : -EIO;
}

int cdl_core_file_build_id(int fd, uint64_t size, unsigned char *id, size_t cap, size_t *len)
{
	struct elfinfo ei;

	read_elf_with(read_fd, &fd, 0, size, 4096, &ei);
	if (ei.state == CDL_CORE_BUILDID_NOT_DUMPED)
		return -EINVAL;     /* cut short: not a whole ELF file */
	if (ei.state != CDL_CORE_BUILDID_FOUND)
		return -ENODATA;
	if (ei.build_id_len > cap)
		return -ENOSPC;
	memcpy(id, ei.build_id, ei.build_id_len);
	*len = ei.build_id_len;
	return 0;
}

static int add_module(struct cdl_core *c, const char *path, uint64_t start, uint64_t end,
		      const struct elfinfo *ei)
{
	struct cdl_core_module *m;

	if (CDL_GROW(c->modules, c->priv->mod_cap, c->nmodules + 1, 16) < 0)
		return -ENOMEM;
	m = &c->modules[c->nmodules];
	memset(m, 0, sizeof(*m));
	if (!(m->path = strdup(path)))
		return -ENOMEM;
	c->nmodules++;
	m->start = start;
	m->end = end;
	m->has_bias = ei->has_bias;
	m->bias = ei->bias;
	m->buildid_state = ei->state;
	memcpy(m->build_id, ei->build_id, sizeof(m->build_id));
	m->build_id_len = ei->build_id_len;
	return 0;
}

static int cmp_map_start(const void *x, const void *y)
{
	const struct cdl_core_map *a = *(const struct cdl_core_map *const *)x;
	const struct cdl_core_map *b = *(const struct cdl_core_map *const *)y;

	return a->start < b->start ? -1 : a->start > b->start;
}

/* build-ids of the NT_FILE mappings at offset 0; one module for each,
 * spanning the following mappings of the same file */
static int modules_from_nt_file(struct cdl_core *c)
{
	const struct cdl_core_map **order;
	uint64_t page = c->map_page_size ? c->map_page_size : 4096;

	if (!(order = malloc((c->nmaps ? c->nmaps : 1) * sizeof(*order))))
		return -ENOMEM;
	for (size_t i = 0; i < c->nmaps; i++)
		order[i] = &c->maps[i];
	qsort(order, c->nmaps, sizeof(*order), cmp_map_start);
	for (size_t i = 0; i < c->nmaps; i++) {
		struct cdl_core_map *m = (struct cdl_core_map *)order[i];
		struct elfinfo ei;

		if (m->offset != 0) {
			/* extend the latest module of this file (looking back a
			 * few modules: a file's mappings are adjacent) */
			for (size_t k = c->nmodules, n = 0; k > 0 && n < 16; k--, n++)
				if (strcmp(c->modules[k - 1].path, m->path) == 0) {
					if (m->end > c->modules[k - 1].end)
						c->modules[k - 1].end = m->end;
					break;
				}
			continue;
		}
		read_elf(c, m->start, m->end - m->start, page, &ei);
		m->buildid_state = ei.state;
		memcpy(m->build_id, ei.build_id, sizeof(m->build_id));
		m->build_id_len = ei.build_id_len;
		if (ei.state == CDL_CORE_BUILDID_ABSENT && !ei.has_bias)
			continue;   /* dumped, and not an ELF file */
		if (add_module(c, m->path, m->start, m->end, &ei) < 0) {
			free(order);
			return -ENOMEM;
		}
	}
	free(order);
	c->modsource = CDL_CORE_MODS_NT_FILE;
	/* the vDSO is no file, so NT_FILE lacks it; the auxv says where */
	{
		uint64_t vdso;
		struct elfinfo ei;

		if (cdl_core_auxv(c, AT_SYSINFO_EHDR, &vdso) == 0 && vdso) {
			read_elf(c, vdso, UINT64_MAX, page, &ei);
			if (ei.has_bias && add_module(c, "[vdso]", ei.lo, ei.hi, &ei) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* the main program's phdrs from AT_PHDR: its load bias and PT_DYNAMIC */
static int main_program(struct cdl_core *c, uint64_t *bias, uint64_t *dyn, uint64_t *dynsz,
			struct elfinfo *ei)
{
	Elf64_Phdr ph[MAX_PHDRS];
	uint64_t phnum = 0, phent = 0, lo = UINT64_MAX, hi = 0;
	int have_phdr = 0, have_dyn = 0;

	memset(ei, 0, sizeof(*ei));
	ei->state = CDL_CORE_BUILDID_NOT_DUMPED;
	if (!c->at_phdr || cdl_core_auxv(c, AT_PHNUM, &phnum) < 0 ||
	    cdl_core_auxv(c, AT_PHENT, &phent) < 0)
		return cdl_core_warn(c, "link map: no AT_PHDR/AT_PHNUM in the auxv"), -ENOENT;
	if (phent != sizeof(Elf64_Phdr) || phnum == 0 || phnum > MAX_PHDRS)
		return cdl_core_warn(c, "link map: odd AT_PHENT %llu / AT_PHNUM %llu",
				     (unsigned long long)phent, (unsigned long long)phnum), -ENOENT;
	if (cdl_core_read_all(c, c->at_phdr, ph, phnum * sizeof(Elf64_Phdr)) < 0)
		return cdl_core_warn(c, "link map: the program headers at 0x%llx are not in the core",
				     (unsigned long long)c->at_phdr), -ENOENT;
	*bias = 0;
	for (size_t i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_PHDR) {
			*bias = c->at_phdr - ph[i].p_vaddr;
			have_phdr = 1;
		}
	for (size_t i = 0; i < phnum; i++) {
		if (ph[i].p_type == PT_DYNAMIC) {
			*dyn = ph[i].p_vaddr + *bias;
			*dynsz = ph[i].p_memsz;
			have_dyn = 1;
		} else if (ph[i].p_type == PT_LOAD) {
			if ((ph[i].p_vaddr & ~0xfffULL) < lo)
				lo = ph[i].p_vaddr & ~0xfffULL;
			if (ph[i].p_vaddr + ph[i].p_memsz > hi)
				hi = ph[i].p_vaddr + ph[i].p_memsz;
		}
	}
	if (!have_phdr)
		cdl_core_warn(c, "link map: the main program has no PT_PHDR; load bias taken as 0");
	if (!have_dyn)
		return cdl_core_warn(c, "link map: the main program has no PT_DYNAMIC (static?)"),
			-ENOENT;
	if (lo != UINT64_MAX) {
		read_elf(c, lo + *bias, hi - lo, 4096, ei);
		ei->lo = lo + *bias;
		ei->hi = hi + *bias;
	}
	ei->has_bias = 1;
	ei->bias = *bias;
	return 0;
}

/* r_debug through DT_DEBUG, then the link_map list */
static int modules_from_link_map(struct cdl_core *c)
{
	uint64_t bias = 0, dyn = 0, dynsz = 0, rdebug = 0, lm;
	struct elfinfo ei;
	size_t n;
	int rc;

	c->modsource = CDL_CORE_MODS_LINK_MAP;
	if (main_program(c, &bias, &dyn, &dynsz, &ei) < 0)
		return 0;
	n = dynsz / sizeof(Elf64_Dyn);
	if (n > MAX_DYN)
		n = MAX_DYN;
	for (size_t i = 0; i < n; i++) {
		Elf64_Dyn e;

		if (cdl_core_read_all(c, dyn + i * sizeof(e), &e, sizeof(e)) < 0) {
			cdl_core_warn(c, "link map: the dynamic section at 0x%llx is not in the core",
				      (unsigned long long)dyn);
			return 0;
		}
		if (e.d_tag == DT_NULL)
			break;
		if (e.d_tag == DT_DEBUG)
			rdebug = e.d_un.d_val;
	}
	if (!rdebug) {
		cdl_core_warn(c, "link map: DT_DEBUG is empty (the dynamic linker had not run)");
		return 0;
	}
	/* struct r_debug: int r_version; struct link_map *r_map at 8 */
	if (cdl_core_read_all(c, rdebug + offsetof(struct r_debug, r_map), &lm, sizeof(lm)) < 0) {
		cdl_core_warn(c, "link map: r_debug at 0x%llx is not in the core",
			      (unsigned long long)rdebug);
		return 0;
	}
	for (size_t k = 0; lm; k++) {
		struct link_map l;
		char name[MAX_NAME];
		ssize_t nn = 0;

		if (k == MAX_LINK_MAP) {
			cdl_core_warn(c, "link map: more than %d entries (a loop?): cut", MAX_LINK_MAP);
			break;
		}
		if (cdl_core_read_all(c, lm, &l, sizeof(l)) < 0) {
			cdl_core_warn(c, "link map: entry at 0x%llx is not in the core",
				      (unsigned long long)lm);
			break;
		}
		name[0] = '\0';
		if (l.l_name)
			nn = cdl_core_read(c, (uint64_t)(uintptr_t)l.l_name, name, sizeof(name) - 1);
		name[nn > 0 ? nn : 0] = '\0';
		if (k == 0 || (uint64_t)(uintptr_t)l.l_ld == dyn) {
			/* the main program: its extent and bias from AT_PHDR */
			rc = add_module(c, name, ei.lo, ei.hi, &ei);
		} else {
			struct elfinfo mi;

			/* a DSO's first PT_LOAD has vaddr 0 in practice, so its
			 * ELF header is at l_addr */
			read_elf(c, l.l_addr, UINT64_MAX, 4096, &mi);
			mi.has_bias = 1;
			mi.bias = l.l_addr;
			rc = add_module(c, name, mi.lo, mi.hi, &mi);
		}
		if (rc < 0)
			return rc;
		c->modules[c->nmodules - 1].l_ld = (uint64_t)(uintptr_t)l.l_ld;
		lm = (uint64_t)(uintptr_t)l.l_next;
	}
	return 0;
}

static int cmp_mod(const void *x, const void *y)
{
	const struct cdl_core_module *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

int cdl_core_find_modules(struct cdl_core *c)
{
	int rc;

	if (c->maps && !c->priv->force_link_map) {
		rc = modules_from_nt_file(c);
	} else {
		if (!c->maps)
			cdl_core_warn(c, "no NT_FILE note: modules found through the link map");
		rc = modules_from_link_map(c);
	}
	if (rc == 0 && c->nmodules > 1)
		qsort(c->modules, c->nmodules, sizeof(*c->modules), cmp_mod);
	return rc;
}
