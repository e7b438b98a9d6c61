/* SPDX-License-Identifier: GPL-2.0-or-later */
/* coresource.c - a core file as a raw capture (coresource.h).
 *
 * The memory stays in the core: the raw capture's image reads it on
 * demand through a small page cache (the unwinder reads one word at a
 * time), so a core of gigabytes costs the pages the analysis touches.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arch.h"
#include "coresource.h"
#include "libc.h"
#include "load.h"
#include "memimg.h"
#include "modfile.h"
#include "snapshot.h"

#define PAGE 4096u
#define CACHE_PAGES 64u
#define MAX_VDSO (1u << 20)

/* ---- memory: read from the core on demand ---- */

struct coremem {
	struct cdl_core *c;
	struct cpage {
		uint64_t addr;          /* page address; valid when have > 0 */
		size_t have;            /* bytes of it the core holds from the start */
		unsigned char b[PAGE];
	} *cache;                   /* direct-mapped */
};

static const struct cpage *page_of(struct coremem *m, uint64_t page)
{
	struct cpage *p = &m->cache[(page / PAGE) % CACHE_PAGES];

	if (p->have == 0 || p->addr != page) {
		ssize_t n = cdl_core_read(m->c, page, p->b, PAGE);

		p->addr = page;
		p->have = n > 0 ? (size_t)n : 0;
	}
	return p;
}

static int coremem_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	struct coremem *m = arg;
	unsigned char *out = buf;

	if (!m->cache)
		return cdl_core_read_all(m->c, addr, buf, len) < 0 ? -EFAULT : 0;
	while (len > 0) {
		uint64_t page = addr & ~(uint64_t)(PAGE - 1);
		size_t off = (size_t)(addr - page), n = PAGE - off < len ? PAGE - off : len;
		const struct cpage *p = page_of(m, page);

		if (off + n > p->have) {
			/* a page the core holds only in part (a cut or odd
			 * segment): ask the reader for exactly these bytes */
			if (cdl_core_read_all(m->c, addr, out, n) < 0)
				return -EFAULT;
		} else {
			memcpy(out, p->b + off, n);
		}
		out += n;
		addr += n;
		len -= n;
	}
	return 0;
}

static void coremem_release(void *arg)
{
	struct coremem *m = arg;

	cdl_core_free(m->c);
	free(m->cache);
	free(m);
}

/* ---- threads ---- */

static int add_threads(const struct cdl_core *c, struct cdl_rawcap *rc)
{
	unsigned bad = 0;

	for (size_t i = 0; i < c->nthreads; i++) {
		const struct cdl_core_thread *ct = &c->threads[i];
		struct cdl_rawcap_thread *t = cdl_rawcap_add_thread(rc, ct->tid);

		if (!t)
			return -ENOMEM;
		if (cdl_arch_regs_from_user(ct->regs, ct->nregs, &t->r) < 0) {
			t->regs_status = CDL_RAWREGS_UNREADABLE;
			bad++;
		}
		/* the process name is the thread group leader's name; the
		 * other threads' names are not in a core */
		if (c->psinfo.valid && ct->tid == c->psinfo.pid)
			snprintf(t->comm, sizeof(t->comm), "%s", c->psinfo.fname);
	}
	if (bad)
		cdl_rawcap_warn(rc, "%u thread%s of the core without a usable register set", bad,
				bad == 1 ? "" : "s");
	return 0;
}

/* ---- mappings: the core's segments, named from NT_FILE ---- */

static int cmp_map(const void *x, const void *y)
{
	const struct cdl_map *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

static int cmp_file_start(const void *x, const void *y)
{
	const struct cdl_core_map *a = *(const struct cdl_core_map *const *)x;
	const struct cdl_core_map *b = *(const struct cdl_core_map *const *)y;

	return a->start < b->start ? -1 : a->start > b->start;
}

/* The NT_FILE mapping starting at addr (files: sorted by start), or NULL. */
static const struct cdl_core_map *file_at(const struct cdl_core_map **files, size_t n,
					  uint64_t addr)
{
	struct cdl_core_map key = { .start = addr };
	const struct cdl_core_map *kp = &key, **hit;

	hit = bsearch(&kp, files, n, sizeof(*files), cmp_file_start);
	return hit ? *hit : NULL;
}

/* Every mapping: a PT_LOAD segment each, named from the NT_FILE entry
 * at its address (the kernel and gdb write one segment per mapping), then
 * the NT_FILE entries no segment covers.  Paths point into c's NT_FILE
 * strings, copied once into strbuf. */
static int add_maps(const struct cdl_core *c, struct cdl_rawcap *rc)
{
	struct cdl_maps *mp = &rc->maps;
	const struct cdl_core_map **files = malloc((c->nmaps + 1) * sizeof(*files));
	size_t *off = malloc((c->nmaps + 1) * sizeof(*off));
	size_t nstr = sizeof("[vdso]") + 1, n = 0, nseg;
	uint64_t vdso = 0;

	mp->m = calloc(c->nsegments + c->nmaps + 1, sizeof(*mp->m));
	for (size_t i = 0; i < c->nmaps; i++)
		nstr += strlen(c->maps[i].path) + 1;
	mp->strbuf = malloc(nstr);
	if (!files || !off || !mp->m || !mp->strbuf) {
		free(files);
		free(off);
		return -ENOMEM;
	}
	/* "[vdso]", "" for anonymous mappings, then each NT_FILE path */
	memcpy(mp->strbuf, "[vdso]\0", sizeof("[vdso]") + 1);
	for (size_t i = 0, pos = sizeof("[vdso]") + 1; i < c->nmaps; i++) {
		off[i] = pos;
		strcpy(mp->strbuf + pos, c->maps[i].path);
		pos += strlen(c->maps[i].path) + 1;
		files[i] = &c->maps[i];
	}
	qsort(files, c->nmaps, sizeof(*files), cmp_file_start);
	cdl_core_auxv(c, AT_SYSINFO_EHDR, &vdso);
	for (size_t i = 0; i < c->nsegments; i++) {
		const struct cdl_core_segment *s = &c->segments[i];
		const struct cdl_core_map *f = file_at(files, c->nmaps, s->vaddr);
		struct cdl_map *m = &mp->m[n];

		if (s->memsz == 0 || s->vaddr + s->memsz < s->vaddr)
			continue;
		m->start = s->vaddr;
		m->end = s->vaddr + s->memsz;
		snprintf(m->perms, sizeof(m->perms), "%c%c%cp", s->flags & 4 ? 'r' : '-',
			 s->flags & 2 ? 'w' : '-', s->flags & 1 ? 'x' : '-');
		m->path = mp->strbuf + sizeof("[vdso]");
		if (f) {
			m->offset = f->offset;
			m->path = mp->strbuf + off[f - c->maps];
		} else if (vdso && m->start == vdso) {
			m->path = mp->strbuf;
		}
		n++;
	}
	qsort(mp->m, n, sizeof(*mp->m), cmp_map);
	nseg = n;
	for (size_t i = 0; i < c->nmaps; i++) {
		const struct cdl_core_map *f = &c->maps[i];
		struct cdl_map *m = &mp->m[n];

		if (f->end <= f->start || cdl_maps_find(&(struct cdl_maps){ mp->m, nseg, NULL }, f->start))
			continue;       /* a file mapping the segments already cover */
		m->start = f->start;
		m->end = f->end;
		m->offset = f->offset;
		snprintf(m->perms, sizeof(m->perms), "????");   /* no segment: unknown */
		m->path = mp->strbuf + off[i];
		n++;
	}
	mp->n = n;
	qsort(mp->m, n, sizeof(*mp->m), cmp_map);
	free(files);
	free(off);
	return 0;
}

/* ---- modules: the file to open for each ---- */

static const struct cdl_core_module *main_module(const struct cdl_core *c)
{
	uint64_t at = c->at_entry ? c->at_entry : c->at_phdr;

	for (size_t i = 0; i < c->nmodules; i++) {
		const struct cdl_core_module *m = &c->modules[i];

		if (c->modsource == CDL_CORE_MODS_LINK_MAP && m->path[0] == '\0')
			return m;
		if (at && at >= m->start && at < m->end)
			return m;
	}
	return NULL;
}

/* The executable's path as the process knew it. */
static const char *exe_name(const struct cdl_core *c, const struct cdl_core_module *mm,
			    char *buf, size_t n)
{
	if (mm && mm->path[0])
		return mm->path;
	if (c->execfn && c->execfn[0] == '/')
		return c->execfn;
	if (c->psinfo.valid && c->psinfo.psargs[0] == '/') {
		snprintf(buf, n, "%.*s", (int)strcspn(c->psinfo.psargs, " "), c->psinfo.psargs);
		return buf;
	}
	return c->execfn;
}

static void warn_file(struct cdl_rawcap *rc, const char *name, const struct cdl_modfile *f,
		      const struct cdl_core_module *m, const char *sysroot)
{
	char want[2 * 64 + 1], got[2 * 64 + 1];

	switch (f->status) {
	case CDL_MODFILE_OK:
		break;
	case CDL_MODFILE_MISSING:
		cdl_rawcap_warn(rc, "%s: file %s not found%s%s: no symbols or lock names from it",
				name, f->path, sysroot ? " under the sysroot " : "",
				sysroot ? sysroot : "");
		break;
	case CDL_MODFILE_MISMATCH:
		cdl_build_id_hex(m->build_id, m->build_id_len, want, sizeof(want));
		cdl_build_id_hex(f->build_id, f->build_id_len, got, sizeof(got));
		cdl_rawcap_warn(rc, "%s: file %s is not the one the core mapped (build-id %s, "
				"the core's %s): no symbols or lock names from it", name, f->path,
				f->build_id_len ? got : "none", want);
		break;
	case CDL_MODFILE_UNREADABLE:
		cdl_rawcap_warn(rc, "%s: file %s cannot be read (%s): no symbols or lock names "
				"from it", name, f->path, strerror(f->err ? f->err : EINVAL));
		break;
	}
}

/* The vDSO is no file: its image is in the core. */
static void copy_vdso(const struct cdl_core *c, struct cdl_rawcap_module *rm)
{
	size_t len = (size_t)(rm->end - rm->start);

	if (len == 0 || len > MAX_VDSO || !(rm->image = malloc(len)))
		return;
	if (cdl_core_read_all(c, rm->start, rm->image, len) < 0) {
		free(rm->image);
		rm->image = NULL;
		return;
	}
	rm->image_len = len;
}

/* Is path the main object of a C library we know (libc.so.6)? */
static bool is_libc(const char *path)
{
	for (const struct cdl_libc_ops *const *b = cdl_libc_backends(); *b; b++)
		if ((*b)->is_main_module(path))
			return true;
	return false;
}

/* A file the verdict cannot do without (the executable when missing; the
 * C library, whose lock layouts give the owners, when it cannot be used):
 * the error, naming it.  Returns -ENOENT. */
static int needed_file(const struct cdl_core *c, const char *what, const struct cdl_modfile *f,
		       const struct cdl_core_module *m, const struct cdl_core_source_opts *o,
		       struct cdl_diag *d)
{
	char want[2 * 64 + 1], got[2 * 64 + 1];
	bool under = o->sysroot && !(o->exe && !strncmp(what, "executable", 10));

	cdl_diag_set(d, ENOENT, "core: %s", c->path);
	if (f->status == CDL_MODFILE_MISMATCH)
		cdl_diag_why(d, "the %s %s is not the one the core mapped (build-id %s, the core's %s)",
			     what, f->path,
			     f->build_id_len ? cdl_build_id_hex(f->build_id, f->build_id_len, got, sizeof(got)) : "none",
			     cdl_build_id_hex(m->build_id, m->build_id_len, want, sizeof(want)));
	else if (f->status == CDL_MODFILE_UNREADABLE)
		cdl_diag_why(d, "the %s %s cannot be read (%s)", what, f->path,
			     strerror(f->err ? f->err : EINVAL));
	else
		cdl_diag_why(d, "the %s %s is not found%s%s", what, f->path,
			     under ? " under the sysroot " : "", under ? o->sysroot : "");
	if (strncmp(what, "executable", 10) == 0)
		cdl_diag_hint(d, "name it: cdeadlock --core %s EXE, or give the root it is under "
			      "with --sysroot DIR", c->path);
	else
		cdl_diag_hint(d, "without the very file the process ran with, lock owners cannot be "
			      "read; give the root of the machine the core comes from with --sysroot DIR");
	return -ENOENT;
}

/* One module; the main program's file is the user's EXE when given.
 * -ENOENT when the verdict cannot do without its file (needed_file): the
 * executable when missing; the C library (libc: the libc's main object,
 * or a static executable) when it cannot be used. */
static int add_module(const struct cdl_core *c, const struct cdl_core_module *m, bool is_main,
		      bool libc, const char *exe, const struct cdl_core_source_opts *o,
		      struct cdl_rawcap *rc, unsigned *unverified, struct cdl_diag *d)
{
	struct cdl_modfile f;
	bool have_id = m->buildid_state == CDL_CORE_BUILDID_FOUND && m->build_id_len > 0;
	const char *name = is_main && exe ? exe : m->path;
	struct cdl_rawcap_module *rm;

	if (strcmp(m->path, "[vdso]") == 0) {
		if (!(rm = cdl_rawcap_add_module(rc, "[vdso]", NULL, m->start, m->end, 0)))
			return -ENOMEM;
		copy_vdso(c, rm);
		return 0;
	}
	if (is_main && (!name || !name[0]) && o->exe)
		name = o->exe;
	if (is_main && (!name || !name[0])) {
		cdl_diag_set(d, ENOENT, "core: %s", c->path);
		cdl_diag_why(d, "the core does not name its executable");
		cdl_diag_hint(d, "name it: cdeadlock --core %s EXE", c->path);
		return -ENOENT;
	}
	if (!name || !name[0])
		return 0;
	if (is_main && o->exe)
		cdl_modfile_find(NULL, o->exe, have_id ? m->build_id : NULL, m->build_id_len, &f);
	else
		cdl_modfile_find(o->sysroot, name, have_id ? m->build_id : NULL, m->build_id_len, &f);
	if (is_main && f.status == CDL_MODFILE_MISSING)
		return needed_file(c, "executable", &f, m, o, d);
	if (f.status != CDL_MODFILE_OK && libc)
		return needed_file(c, is_main ? "executable (with its C library linked in)"
					      : "C library", &f, m, o, d);
	warn_file(rc, name, &f, m, o->sysroot);
	if (f.status == CDL_MODFILE_OK && !have_id)
		(*unverified)++;
	rm = cdl_rawcap_add_module(rc, name, f.status == CDL_MODFILE_OK ? f.path : NULL,
				   m->start, m->end, 0);
	if (!rm)
		return -ENOMEM;
	rm->bias = m->bias;
	rm->bias_known = m->has_bias;
	if (have_id) {
		if (!(rm->build_id = malloc(m->build_id_len)))
			return -ENOMEM;
		memcpy(rm->build_id, m->build_id, m->build_id_len);
		rm->build_id_len = m->build_id_len;
	}
	return 0;
}

static int add_modules(const struct cdl_core *c, const struct cdl_core_source_opts *o,
		       struct cdl_rawcap *rc, struct cdl_diag *d)
{
	const struct cdl_core_module *mm = main_module(c);
	char buf[96];
	const char *exe = exe_name(c, mm, buf, sizeof(buf));
	unsigned unverified = 0;
	bool dynamic = false;
	int err;

	for (size_t i = 0; i < c->nmodules; i++)
		dynamic |= is_libc(c->modules[i].path);
	if (exe && !(rc->exe = strdup(exe)))
		return cdl_diag_set(d, ENOMEM, "core: %s", c->path);
	if (!mm) {
		cdl_rawcap_warn(rc, "the core does not say where the executable%s%s is mapped: "
				"no symbols from it", exe ? " " : "", exe ? exe : "");
	}
	for (size_t i = 0; i < c->nmodules; i++) {
		const struct cdl_core_module *m = &c->modules[i];

		err = add_module(c, m, m == mm, m == mm ? !dynamic : is_libc(m->path), exe, o, rc,
				 &unverified, d);
		if (err == -ENOMEM)
			return cdl_diag_set(d, ENOMEM, "core: %s", c->path);
		if (err < 0)
			return err;
	}
	if (unverified)
		cdl_rawcap_warn(rc, "%u file%s used without a build-id check (the core holds no "
				"build-id for %s)", unverified, unverified == 1 ? "" : "s",
				unverified == 1 ? "it" : "them");
	return 0;
}

/* ---- the live facts cdeadlock --save-core embedded ---- */

static void merge_note(const struct cdl_core *c, struct cdl_rawcap *rc)
{
	struct cdl_snapshot *ls = NULL;
	struct cdl_diag d = { 0 };
	size_t matched = 0;

	if (!c->snapshot_json)
		return;
	if (cdl_load_json_buf(c->snapshot_json, c->snapshot_json_len, "the snapshot note",
			      &ls, &d) < 0) {
		cdl_rawcap_warn(rc, "cdeadlock's snapshot in the core cannot be read (%s: %s): "
				"thread states and blocked times are unknown", d.what,
				cdl_diag_reason(&d, EINVAL));
		return;
	}
	if (ls->pid != rc->pid) {
		cdl_rawcap_warn(rc, "cdeadlock's snapshot in the core is of pid %d, the core of "
				"pid %d: ignored", ls->pid, rc->pid);
		cdl_snapshot_free(ls);
		return;
	}
	for (size_t i = 0; i < rc->nthreads; i++) {
		struct cdl_rawcap_thread *t = &rc->threads[i];
		const struct cdl_thread *lt = cdl_snapshot_find_thread(ls, t->tid);

		if (!lt)
			continue;
		matched++;
		t->state = lt->state == '?' ? 0 : lt->state;
		snprintf(t->wchan, sizeof(t->wchan), "%s", lt->wchan ? lt->wchan : "");
		t->blocked_ms = lt->blocked_for_ms;
		t->ns_tid = lt->ns_tid;
		if (lt->name && strcmp(lt->name, "?") != 0)
			snprintf(t->comm, sizeof(t->comm), "%s", lt->name);
	}
	rc->captured_sec = ls->captured_at_ms / 1000;
	rc->captured_nsec = (long)(ls->captured_at_ms % 1000) * 1000000;
	rc->pause_us = ls->pause_us;
	rc->core_live_facts = true;
	if (matched < rc->nthreads)
		cdl_rawcap_warn(rc, "%zu thread%s of the core not in cdeadlock's snapshot: "
				"state and blocked time unknown", rc->nthreads - matched,
				rc->nthreads - matched == 1 ? "" : "s");
	cdl_snapshot_free(ls);
}

/* ---- the whole core ---- */

static bool dumps_core(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
	case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return true;
	}
	return false;
}

static int process_facts(const struct cdl_core *c, const struct cdl_core_source_opts *o,
			 struct cdl_rawcap *rc)
{
	struct stat sb;

	rc->source = "core";
	rc->pid = c->psinfo.valid && c->psinfo.pid > 0 ? c->psinfo.pid : c->threads[0].tid;
	if (!(rc->core_path = strdup(c->path)))
		return -ENOMEM;
	/* the signal that made it: only one whose default action dumps
	 * core (a gcore records the stop of gdb's attach, SIGSTOP) */
	rc->core_signal = c->siginfo.valid && c->siginfo.signo > 0 ? c->siginfo.signo
								   : c->threads[0].cursig;
	if (!dumps_core(rc->core_signal))
		rc->core_signal = 0;
	/* no capture time in a core: when the file was written */
	if (stat(c->path, &sb) == 0) {
		rc->captured_sec = sb.st_mtim.tv_sec;
		rc->captured_nsec = sb.st_mtim.tv_nsec;
	}
	if (o->sysroot && o->sysroot[0] && !(rc->debuginfo_path = cdl_sysroot_debuginfo_path(o->sysroot)))
		return -ENOMEM;
	return 0;
}

int cdl_core_to_rawcap(struct cdl_core *c, const struct cdl_core_source_opts *o,
		       struct cdl_rawcap **out, struct cdl_diag *d)
{
	static const struct cdl_core_source_opts none = { 0 };
	struct cdl_rawcap *rc = cdl_rawcap_new();
	struct coremem *m = calloc(1, sizeof(*m));
	int err;

	*out = NULL;
	if (!o)
		o = &none;
	if (!rc || !m) {
		free(m);
		cdl_rawcap_free(rc);
		cdl_core_free(c);
		return cdl_diag_set(d, ENOMEM, "core");
	}
	m->c = c;
	m->cache = calloc(CACHE_PAGES, sizeof(*m->cache));   /* none: uncached reads */
	cdl_memimg_set_backing(rc->mem, coremem_read, m, coremem_release);
	for (size_t i = 0; i < c->nwarnings; i++)
		if (cdl_rawcap_warn(rc, "core: %s", c->warnings[i]) < 0)
			goto nomem;
	if (process_facts(c, o, rc) < 0 || add_threads(c, rc) < 0 || add_maps(c, rc) < 0)
		goto nomem;
	if ((err = add_modules(c, o, rc, d)) < 0) {
		cdl_rawcap_free(rc);
		return err;
	}
	merge_note(c, rc);
	*out = rc;
	return 0;
nomem:
	cdl_rawcap_free(rc);
	return cdl_diag_set(d, ENOMEM, "core: %s", c->path);
}
