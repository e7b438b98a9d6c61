/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pyframes.c - CPython's frames of a live target (cpython.h).
 *
 * The capture copies stacks, thread descriptors and the bytes around
 * futex words; CPython's frames live on its heap.  So, for a target that
 * runs CPython, its frames are read apart: a few small reads per frame
 * (the frame, its code object once, two strings, the location table),
 * at most CDL_PY_MAX_DEPTH frames per thread.
 *
 *  - prepare (before any stop): a mapped file named python3* or
 *    libpython3* whose symbols hold _PyRuntime, Py_Version, PyCode_Type
 *    and PyUnicode_Type is CPython; Py_Version says the release, and
 *    cpython.c the layout.  No other target reads anything more.
 *  - per-thread mode: once every thread was copied and let go (after the
 *    recaptures, before the lock bytes are read again and the proof's
 *    last reads, c2).  A Python thread's frame chain is its own: while it
 *    sleeps in its wait, nothing changes it.  A thread proven to stay in
 *    its wait from its stop to c2 was in it while its frames were read,
 *    so they are the frames of that wait; those of a thread not proven
 *    decide nothing (it takes part in no verdict).
 *  - global freeze: while every thread is stopped, after the copy.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpython.h"
#include "live-int.h"

enum { S_RUNTIME, S_VERSION, S_CODE, S_UNICODE, S__N };

static const char *const wanted[S__N] = { "_PyRuntime", "Py_Version", "PyCode_Type", "PyUnicode_Type" };

static bool python_name(const char *path)
{
	const char *b = strrchr(path, '/');

	b = b ? b + 1 : path;
	return strncmp(b, "python3", 7) == 0 || strncmp(b, "libpython3", 10) == 0;
}

/* The symbols' addresses in the file (0: absent) and its first PT_LOAD's
 * page.  0, or -1 when the file is no readable ELF. */
static int file_symbols(const char *path, uint64_t sym[S__N], uint64_t *first_load, bool *dyn)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
	Elf *elf;
	GElf_Ehdr eh;
	size_t nph;
	Elf_Scn *scn = NULL;

	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || !gelf_getehdr(elf, &eh) || elf_getphdrnum(elf, &nph) < 0)
		goto out;
	*dyn = eh.e_type == ET_DYN;
	*first_load = 0;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
			*first_load = ph.p_vaddr & ~(uint64_t)0xfff;
			break;
		}
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB) ||
		    !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *n;

			if (!gelf_getsym(data, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
			    !(n = elf_strptr(elf, sh.sh_link, s.st_name)))
				continue;
			for (int k = 0; k < S__N; k++)
				if (!sym[k] && strcmp(n, wanted[k]) == 0)
					sym[k] = s.st_value;
		}
	}
	rc = 0;
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return rc;
}

static size_t live_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	struct region r = { .addr = addr, .len = len, .buf = buf };

	cdl_live_read_regions(arg, &r, 1);
	return r.got;
}

/* One mapped CPython module: its target, or a warning why not. */
static void identify(struct ctx *c, const struct cdl_map *m)
{
	uint64_t sym[S__N] = { 0 }, first = 0, bias = 0;
	char path[4096];
	uint32_t ver = 0;
	bool dyn = false;

	snprintf(path, sizeof(path), "%s%s", c->rc->root ? c->rc->root : "", m->path);
	if (file_symbols(path, sym, &first, &dyn) < 0 || !sym[S_RUNTIME])
		return;
	if (dyn)
		bias = m->start - first;
	if (!sym[S_VERSION] || live_read(c, sym[S_VERSION] + bias, &ver, sizeof(ver)) != sizeof(ver)) {
		cdl_live_warn(c, "%s: a CPython older than 3.11 (no Py_Version): its frames are not read, "
			      "Python waits are shown as the libc sees them", m->path);
		c->py_seen = true;
		return;
	}
	c->py_seen = true;
	snprintf(c->py_name, sizeof(c->py_name), "CPython %u.%u.%u", ver >> 24, (ver >> 16) & 0xff,
		 (ver >> 8) & 0xff);
	c->py.layout = cdl_py_layout_for(ver);
	if (!c->py.layout || !sym[S_CODE] || !sym[S_UNICODE]) {
		cdl_live_warn(c, "%s (%s): its frame layout is not known to cdeadlock (known: 3.11): "
			      "Python waits are shown as the libc sees them", c->py_name, m->path);
		c->py.layout = NULL;
		return;
	}
	c->py.runtime = sym[S_RUNTIME] + bias;
	c->py.code_type = sym[S_CODE] + bias;
	c->py.unicode_type = sym[S_UNICODE] + bias;
}

void cdl_live_py_prepare(struct ctx *c)
{
	memset(&c->py, 0, sizeof(c->py));
	c->py_seen = false;
	for (size_t i = 0; i < c->maps.n && !c->py_seen; i++) {
		const struct cdl_map *m = &c->maps.m[i];

		if (m->offset == 0 && m->path[0] == '/' && python_name(m->path))
			identify(c, m);
	}
}

void cdl_live_py_read(struct ctx *c)
{
	int n;

	if (!c->py.layout || c->rc->pyruntime)
		return;
	n = cdl_py_walk(&c->py, live_read, c, c->rc);
	if (n == -ENOMEM) {
		cdl_live_warn(c, "%s: its frames: out of memory", c->py_name);
		return;
	}
	if (n < 0) {
		cdl_live_warn(c, "%s: its thread states do not match the 3.11 layout: Python waits "
			      "are shown as the libc sees them", c->py_name);
		return;
	}
	c->rc->pyruntime = strdup(c->py_name);
}
