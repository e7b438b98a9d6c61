/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unwind.c - offline unwinding and symbolization with libdw.
 *
 * The modules come from the raw capture's module map and the files it
 * says how to open (rawcap.h); registers and stack memory come from the
 * snapshot, through our own Dwfl_Thread_Callbacks, so the target is never
 * read live.  Each thread's pcs are symbolized through a per-pc cache: a
 * thousand threads share a handful of pcs.
 *
 * A frame is what gdb's backtrace would show: function names from
 * symname.c; inline frames from the concrete DW_TAG_inlined_subroutine
 * chain at the pc, innermost first, each outer one at the call site of
 * the one inside it; lines from the line table at pc (pc - 1 for a return
 * address); tail-call frames from symtail.c; and where no CFI describes
 * the code, the return address taken at the stack pointer as gdb does
 * for a frameless function.
 */
#include "config.h"

#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "grow.h"
#include "libc.h"
#include "memimg.h"
#include "snapshot.h"
#include "unwind-int.h"

#define DEFAULT_MAX_FRAMES 1024

Dwfl_Module *cdl_unwind_module_at(struct cdl_unwinder *u, uint64_t addr)
{
	Dwfl_Module *mod = dwfl_addrmodule(u->dwfl, addr);
	Dwarf_Addr lo, hi;

	/* dwfl_addrmodule answers the last module for addresses above it */
	if (!mod || !dwfl_module_info(mod, NULL, &lo, &hi, NULL, NULL, NULL, NULL) ||
	    addr < lo || addr >= hi)
		return NULL;
	return mod;
}

const char *cdl_unwind_modpath(Dwfl_Module *mod)
{
	const char *name = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

	if (name && strncmp(name, "[vdso", 5) == 0)
		return "[vdso]";
	return name;
}

/* ---- thread callbacks: everything comes from the snapshot ---- */

static pid_t cb_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct cdl_unwinder *u = arg;
	struct cdl_snapshot *s = u->s;

	(void)dwfl;
	while (s && u->next_thread < s->nthreads) {
		struct cdl_thread *t = &s->threads[u->next_thread++];

		if (t->nregs == 0)
			continue;
		u->cur = t;
		*thread_argp = u;
		return t->tid;
	}
	u->cur = NULL;
	return 0;
}

static bool cb_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct cdl_unwinder *u = arg;
	uint64_t v;

	(void)dwfl;
	if (!u->s || !u->s->mem || cdl_memimg_read(u->s->mem, addr, &v, sizeof(v)) < 0) {
		u->fault_addr = addr;
		u->faulted = true;
		return false;
	}
	*result = v;
	return true;
}

static bool cb_set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	const struct cdl_unwinder *u = thread_arg;
	const struct cdl_thread *t = u->cur;
	bool any = false;

	if (!t)
		return false;
	if (u->restart) {
		/* a walk resumed past a frame without CFI (see resume()) */
		for (unsigned i = 0; i < cdl_arch()->nregs && i < NREGS_SAVED; i++) {
			Dwarf_Word w = u->restart_regs[i];

			if ((u->restart_known & (1u << i)) &&
			    dwfl_thread_state_registers(thread, (int)i, 1, &w))
				any = true;
		}
		dwfl_thread_state_register_pc(thread, u->restart_regs[cdl_arch()->dwarf_pc]);
		return any;
	}
	/* libdw accepts only the registers its unwinder tracks (0..16 on
	 * x86-64); set them one by one and skip the rest */
	for (unsigned i = 0; i < t->nregs && i < CDL_MAX_REGS; i++) {
		Dwarf_Word w = t->regs[i];

		if (dwfl_thread_state_registers(thread, (int)i, 1, &w))
			any = true;
	}
	dwfl_thread_state_register_pc(thread, t->pc);
	return any;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = cb_next_thread,
	.memory_read = cb_memory_read,
	.set_initial_registers = cb_set_initial_registers,
};

/* ---- unwinder ---- */

/* Dwfl_Callbacks.find_elf: the file the raw capture says to open (a
 * regular file only: special devices might hang), or the ELF image it
 * copied from memory (the vdso). */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *modname,
		    Dwarf_Addr base, char **file_name, Elf **elfp)
{
	const struct cdl_modrec *r = *userdata;
	struct stat sb;
	int fd;

	(void)mod;
	(void)modname;
	(void)base;
	if (!r)
		return -1;
	if (r->image) {
		*elfp = elf_memory((char *)r->image, r->image_len);
		*file_name = NULL;
		return -1;
	}
	if (!r->open_path || stat(r->open_path, &sb) < 0 || !S_ISREG(sb.st_mode))
		return -1;
	fd = open(r->open_path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		*file_name = strdup(r->open_path);
		if (!*file_name) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	/* .debuginfo_path: the unwinder's own (cdl_unwinder_new) */
};

static void cache_clear(struct cdl_unwinder *u);

/* The modules of a process are reported again for every capture, and
 * libdw decompresses a module's debug sections when it first looks into
 * them (a tenth of a second for libc's).  A capture that follows another
 * of the same process (the interactive view's refresh) reuses the last
 * unwinder, parked in the caller's cache, when the process maps the same
 * files at the same addresses. */
static uint64_t maps_signature(const struct cdl_maps *m)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < m->n; i++) {
		const struct cdl_map *e = &m->m[i];

		if (e->path[0] != '/' && strncmp(e->path, "[vdso]", 6) != 0)
			continue;
		uint64_t v[2] = { e->start, e->offset };
		const unsigned char *p = (const unsigned char *)v;

		for (size_t k = 0; k < sizeof(v); k++)
			h = (h ^ p[k]) * 1099511628211ull;
		for (p = (const unsigned char *)e->path; *p; p++)
			h = (h ^ *p) * 1099511628211ull;
	}
	return h;
}

void cdl_unwinder_destroy(struct cdl_unwinder *u)
{
	if (!u)
		return;
	cdl_symdata_free(u);
	cdl_symcu_free(u);
	cdl_guards_free(u);
	if (u->dwfl)
		dwfl_end(u->dwfl);
	for (size_t i = 0; i < u->nmods; i++) {
		free(u->mods[i].open_path);
		free(u->mods[i].image);
	}
	free(u->mods);
	free(u->debuginfo_path);
	free(u->raw);
	free(u->pcs);
	free(u->tmpl);
	free(u->tails);
	free(u->tailpcs);
	free(u->checked);
	free(u);
}

/* Report one module of the raw capture; false on ENOMEM or a libdw error. */
static bool report_module(struct cdl_unwinder *u, const struct cdl_rawcap_module *m)
{
	struct cdl_modrec *r = &u->mods[u->nmods];
	Dwfl_Module *mod;
	void **slot;

	memset(r, 0, sizeof(*r));
	if (m->open_path && !(r->open_path = strdup(m->open_path)))
		return false;
	if (m->image) {
		r->image = malloc(m->image_len);
		if (!r->image) {
			free(r->open_path);
			return false;
		}
		memcpy(r->image, m->image, m->image_len);
		r->image_len = m->image_len;
	}
	u->nmods++;
	mod = dwfl_report_module(u->dwfl, m->path, m->start, m->end);
	if (!mod)
		return false;
	if (dwfl_module_info(mod, &slot, NULL, NULL, NULL, NULL, NULL, NULL))
		*slot = r;
	return true;
}

int cdl_unwinder_new(const struct cdl_rawcap *rc, struct cdl_offline_cache *cache,
		     struct cdl_unwinder **out, struct cdl_diag *d)
{
	struct cdl_unwinder *u;
	uint64_t sig = maps_signature(&rc->maps);
	struct cdl_unwinder *parked = cache ? cache->parked : NULL;
	bool ok = true;

	*out = NULL;
	if (rc->nmodules == 0)     /* the source could not read the mappings */
		return cdl_diag_set(d, ENOENT, "unwind: read the modules of %d", rc->pid);
	if (parked && rc->maps.n > 0 && parked->pid == rc->pid && parked->maps_sig == sig) {
		cache->parked = NULL;
		u = parked;
		u->maps = &rc->maps;
		u->perfmap = &rc->perfmap;
		u->exe = rc->exe;
		cache_clear(u);           /* its strings belong to a freed snapshot */
		*out = u;
		return 0;
	}
	if (cache) {
		cdl_unwinder_destroy(cache->parked);
		cache->parked = NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u || !(u->mods = calloc(rc->nmodules + 1, sizeof(*u->mods)))) {
		free(u);
		return cdl_diag_set(d, ENOMEM, "unwind: allocate");
	}
	u->pid = rc->pid;
	u->maps = &rc->maps;
	u->perfmap = &rc->perfmap;
	u->maps_sig = sig;
	u->exe = rc->exe;
	/* where separate debug files are looked for: the source's (a
	 * --sysroot), else libdw's default */
	u->cb = callbacks;
	u->cb.debuginfo_path = &u->debuginfo_path;
	if (rc->debuginfo_path && !(u->debuginfo_path = strdup(rc->debuginfo_path))) {
		cdl_unwinder_destroy(u);
		return cdl_diag_set(d, ENOMEM, "unwind: allocate");
	}
	u->dwfl = dwfl_begin(&u->cb);
	if (!u->dwfl) {
		cdl_diag_set(d, ENOMEM, "unwind: dwfl_begin");
		cdl_diag_why(d, "%s", dwfl_errmsg(-1));
		cdl_unwinder_destroy(u);
		return -ENOMEM;
	}
	dwfl_report_begin(u->dwfl);
	for (size_t i = 0; i < rc->nmodules && ok; i++)
		ok = report_module(u, &rc->modules[i]);
	if (dwfl_report_end(u->dwfl, NULL, NULL) != 0)
		ok = false;
	if (!ok) {
		cdl_diag_set(d, ESRCH, "unwind: read the modules of %d", rc->pid);
		cdl_diag_why(d, "%s", dwfl_errno() ? dwfl_errmsg(-1) : strerror(ENOMEM));
		cdl_unwinder_destroy(u);
		return -ESRCH;
	}
	*out = u;
	return 0;
}

void cdl_unwinder_free(struct cdl_unwinder *u, struct cdl_offline_cache *cache)
{
	if (!u)
		return;
	if (!cache || !u->maps || u->maps->n == 0 || !u->attached) {
		cdl_unwinder_destroy(u);
		return;
	}
	/* keep it for the next capture of the same process, without
	 * pointers into this one's snapshot and raw capture */
	cdl_unwinder_destroy(cache->parked);
	u->s = NULL;
	u->cur = NULL;
	u->maps = NULL;
	u->perfmap = NULL;
	u->exe = NULL;
	u->libc = NULL;
	u->libc_path = NULL;     /* the snapshot's string */
	cache->parked = u;
}

void cdl_unwinder_cache_stats(const struct cdl_unwinder *u, size_t *hits, size_t *misses)
{
	*hits = u->hits;
	*misses = u->misses;
}

/* ---- debug info warnings ---- */

static void check_debuginfo(struct cdl_unwinder *u, Dwfl_Module *mod, bool has_dwarf)
{
	const struct cdl_libc_ops *lo;
	const char *path;

	for (size_t i = 0; i < u->nchecked; i++)
		if (u->checked[i] == mod)
			return;
	if (CDL_GROW(u->checked, u->checkedcap, u->nchecked + 1, 32) < 0)
		return;
	u->checked[u->nchecked++] = mod;
	if (has_dwarf)
		return;
	path = cdl_unwind_modpath(mod);
	if (!path || path[0] == '[')
		return;
	if ((lo = cdl_libc_ops_for_module(path))) {
		if (!u->libc_warned)
			lo->warn_no_debuginfo(u->s, path);
		u->libc_warned = true;
		return;
	}
	cdl_snapshot_warn(u->s, "no debug info for %s: install its -dbgsym package "
			  "or use DEBUGINFOD_URLS", path);
}

/* ---- symbolization of one pc, cached ---- */

static struct cdl_frame *tmpl_add(struct cdl_unwinder *u)
{
	if (CDL_GROW(u->tmpl, u->tmplcap, u->ntmpl + 1, 256) < 0)
		return NULL;
	memset(&u->tmpl[u->ntmpl], 0, sizeof(u->tmpl[0]));
	return &u->tmpl[u->ntmpl++];
}

static void set_line(struct cdl_unwinder *u, struct cdl_frame *f, Dwfl_Module *mod,
		     Dwarf_Addr addr)
{
	struct cdl_symline line;

	cdl_symcu_line(u, mod, addr, &line);
	if (!line.file)
		return;
	f->file = cdl_snapshot_intern(u->s, line.file);
	f->line = line.line;
	f->column = line.column;
}

/* file:line:column of the call site recorded in an inlined_subroutine */
static void set_call_site(struct cdl_snapshot *s, struct cdl_frame *f, Dwarf_Die *inl)
{
	Dwarf_Die cudie, *cu = dwarf_diecu(inl, &cudie, NULL, NULL);
	Dwarf_Attribute attr;
	Dwarf_Word fileidx = 0, line = 0, col = 0;
	Dwarf_Files *files;
	size_t nfiles;

	if (cu && dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &attr), &fileidx) == 0 &&
	    dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && fileidx < nfiles) {
		const char *file = dwarf_filesrc(files, fileidx, NULL, NULL);

		if (file)
			f->file = cdl_snapshot_intern(s, file);
	}
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &attr), &line) == 0)
		f->line = (int)line;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_column, &attr), &col) == 0)
		f->column = (int)col;
}

/* is there CFI for the code at pc (a lookup address)? */
static bool has_cfi(struct cdl_unwinder *u, uint64_t pc)
{
	Dwfl_Module *mod = cdl_unwind_module_at(u, pc);
	Dwarf_Addr bias;
	Dwarf_CFI *cfi;
	Dwarf_Frame *frame;

	if (!mod)
		return false;
	for (int k = 0; k < 2; k++) {
		cfi = k == 0 ? dwfl_module_eh_cfi(mod, &bias) : dwfl_module_dwarf_cfi(mod, &bias);
		if (cfi && dwarf_cfi_addrframe(cfi, pc - bias, &frame) == 0) {
			free(frame);
			return true;
		}
	}
	return false;
}

/* does the code before ret end in a call instruction (read from the
 * module's file)? */
static bool after_call(struct cdl_unwinder *u, uint64_t ret)
{
	Dwfl_Module *mod = cdl_unwind_module_at(u, ret);
	const unsigned char *p;

	if (!mod || !(p = cdl_unwind_elf_bytes(mod, ret - 7, 7)))
		return false;
	/* p[7] would be ret: call rel32 (e8), or call through ff /2 with a
	 * register, disp8, rip-relative/disp32 or SIB disp32 operand */
	if (p[2] == 0xe8)
		return true;
	if (p[5] == 0xff && (p[6] & 0xf8) == 0xd0)
		return true;
	if (p[4] == 0xff && ((p[5] >> 3) & 7) == 2)
		return true;
	if (p[1] == 0xff && ((p[2] >> 3) & 7) == 2)
		return true;
	if (p[0] == 0xff && ((p[1] >> 3) & 7) == 2)
		return true;
	return false;
}

/* Fill frames for a pc at u->tmpl[first..]: inline instances innermost
 * first, then the function itself.  Returns the count (>= 1) or -ENOMEM. */
static int symbolize(struct cdl_unwinder *u, uint64_t pc, bool act)
{
	struct cdl_snapshot *s = u->s;
	uint64_t a = act ? pc : pc - 1;      /* a return address: look up the call */
	Dwfl_Module *mod = cdl_unwind_module_at(u, a);
	const char *modpath = NULL, *symname = NULL;
	GElf_Off symoff = 0;
	GElf_Sym sym;
	Dwarf_Addr bias = 0;
	Dwarf_Die cubuf, *cudie = NULL;
	Dwarf_Die *chain = NULL;
	int nchain = 0, count = 0;
	size_t first = u->ntmpl;
	struct cdl_frame *f;
	/* code no module holds: JIT code the runtime named in a perf map */
	const struct cdl_perfsym *jit = !mod && u->perfmap ? cdl_perfmap_find(u->perfmap, a) : NULL;

	if (mod) {
		modpath = cdl_snapshot_intern(s, cdl_unwind_modpath(mod));
		symname = dwfl_module_addrinfo(mod, a, &symoff, &sym, NULL, NULL, NULL);
		/* a sizeless symbol (assembly without .size: musl's memset)
		 * names its own address, not the hidden functions after it */
		if (symname && sym.st_size == 0 && symoff > 0)
			symname = NULL;
		if (symname)
			symname = cdl_sym_pick_alias(mod, symname, &sym, a - symoff);
		cudie = cdl_symcu_addrdie(u, mod, a, &bias, &cubuf);
		check_debuginfo(u, mod, cudie != NULL || dwfl_module_getdwarf(mod, &bias) != NULL);
	}
	if (cudie)
		nchain = cdl_sym_scope_chain(cudie, a - bias, &chain);
	u->sym_guards = nchain > 0 && cdl_guard_in_chain(chain, nchain);
	for (int i = 0; i < nchain; i++) {
		int tag = dwarf_tag(&chain[i]);

		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		f = tmpl_add(u);
		if (!f) {
			free(chain);
			return -ENOMEM;
		}
		f = &u->tmpl[first + (size_t)count];
		if (tag == DW_TAG_subprogram)
			cdl_sym_last_alias(&chain[i], a - bias);
		f->function = cdl_sym_die_function(s, &chain[i]);
		f->module = modpath;
		f->inlined = tag == DW_TAG_inlined_subroutine;
		count++;
		if (tag == DW_TAG_subprogram)
			break;
	}
	u->sym_entry = 0;
	u->sym_target = 0;
	for (int i = 0; i < nchain; i++) {
		Dwarf_Addr entry;

		if (dwarf_tag(&chain[i]) != DW_TAG_subprogram)
			continue;
		if (dwarf_entrypc(&chain[i], &entry) == 0)
			u->sym_entry = entry + bias;
		break;
	}
	if (!u->sym_entry && symname)
		u->sym_entry = a - symoff;
	if (!act && nchain > 0)
		u->sym_target = cdl_tail_call_target(u, mod, chain, nchain, pc - bias, bias);
	u->sym_nocfi = mod && !has_cfi(u, a);
	if (count == 0 || u->tmpl[first + (size_t)count - 1].inlined) {
		/* no DWARF function (assembly, no debug info) or the chain did
		 * not reach a subprogram: the ELF symbol names the function */
		f = tmpl_add(u);
		if (!f) {
			free(chain);
			return -ENOMEM;
		}
		if (symname)
			f->function = cdl_sym_elf_function(s, symname);
		else if (jit)
			f->function = cdl_snapshot_intern(s, jit->name);
		f->module = jit ? cdl_snapshot_intern(s, u->perfmap->path) : modpath;
		count++;
	}
	/* lines: the innermost frame from the line table, each outer one from
	 * the call site of the inline instance inside it */
	f = &u->tmpl[first];
	if (mod)
		set_line(u, f, mod, a);
	for (int i = 0, k = 0; i < nchain && k + 1 < count; i++) {
		if (dwarf_tag(&chain[i]) != DW_TAG_inlined_subroutine)
			continue;
		set_call_site(s, &u->tmpl[first + (size_t)k + 1], &chain[i]);
		k++;
	}
	free(chain);
	for (int i = 0; i < count; i++) {
		f = &u->tmpl[first + (size_t)i];
		f->pc = pc;
		if (symname)
			f->offset = symoff + (act ? 0 : 1);
		else if (jit)
			f->offset = a - jit->start + (act ? 0 : 1);
		else if (u->sym_entry && u->sym_entry <= pc)
			f->offset = pc - u->sym_entry;   /* a local function of a
			                                    stripped symbol table */
	}
	return count;
}

static int cache_grow(struct cdl_unwinder *u)
{
	size_t cap = u->pcscap ? u->pcscap * 2 : 1024;
	struct cdl_pcent *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < u->pcscap; i++) {
		struct cdl_pcent *e = &u->pcs[i];

		if (!e->key)
			continue;
		size_t j = cdl_hash64(e->key) & (cap - 1);
		while (n[j].key)
			j = (j + 1) & (cap - 1);
		n[j] = *e;
	}
	free(u->pcs);
	u->pcs = n;
	u->pcscap = cap;
	return 0;
}

static void cache_clear(struct cdl_unwinder *u)
{
	if (u->pcs)
		memset(u->pcs, 0, u->pcscap * sizeof(*u->pcs));
	u->npcs = 0;
	u->ntmpl = 0;
	u->nchecked = 0;
	u->libc_warned = false;
	u->cache_snap = NULL;
}

/* the cached frames hold strings of one snapshot: start over for another */
static void cache_reset(struct cdl_unwinder *u, const struct cdl_snapshot *s)
{
	if (u->cache_snap == s)
		return;
	cache_clear(u);
	u->cache_snap = s;
}

/* Frames for pc from the cache, symbolizing on a miss. */
static const struct cdl_pcent *lookup_pc(struct cdl_unwinder *u, uint64_t pc, bool act)
{
	uint64_t key = pc << 1 | (act ? 1 : 0);
	size_t j;
	int n;

	if (key == 0)
		key = 2;                  /* pc 0 as a return address: never 0 */
	if ((u->npcs + 1) * 4 > u->pcscap * 3 && cache_grow(u) < 0)
		return NULL;
	j = cdl_hash64(key) & (u->pcscap - 1);
	while (u->pcs[j].key) {
		if (u->pcs[j].key == key) {
			u->hits++;
			return &u->pcs[j];
		}
		j = (j + 1) & (u->pcscap - 1);
	}
	u->misses++;
	size_t first = u->ntmpl;
	n = symbolize(u, pc, act);
	if (n < 0)
		return NULL;
	u->pcs[j].key = key;
	u->pcs[j].first = (uint32_t)first;
	u->pcs[j].count = (uint32_t)n;
	u->pcs[j].entry = u->sym_entry;
	u->pcs[j].nocfi = u->sym_nocfi;
	u->pcs[j].guards = u->sym_guards;
	u->pcs[j].target = u->sym_target;
	u->npcs++;
	return &u->pcs[j];
}

/* ---- walking ---- */

bool cdl_unwind_restart_at(struct cdl_unwinder *u, Dwfl_Frame *state, uint64_t sp, uint64_t ret,
			   const struct cdl_libc_nocfi *r)
{
	const struct cdl_arch *arch = cdl_arch();
	Dwarf_Word w;

	u->restart_known = 0;
	for (unsigned i = 0; i < NREGS_SAVED && i < 32; i++)
		if ((arch->callee_saved & (1u << i)) && dwfl_frame_reg(state, i, &w) == 0) {
			u->restart_regs[i] = w;
			u->restart_known |= 1u << i;
		}
	for (unsigned k = 0; r && k < r->nsaved; k++) {
		uint64_t v;

		if (r->saved[k].reg >= NREGS_SAVED || cdl_memimg_u64(u->s->mem, r->saved[k].at, &v) < 0)
			return false;
		u->restart_regs[r->saved[k].reg] = v;
		u->restart_known |= 1u << r->saved[k].reg;
	}
	u->restart_regs[arch->dwarf_sp] = sp;
	u->restart_regs[arch->dwarf_pc] = ret;
	u->restart_known |= (1u << arch->dwarf_sp) | (1u << arch->dwarf_pc);
	u->want_resume = true;
	return true;
}

/* A frame without CFI (a thread caught on the syscall of clone3, whose
 * FDE ends before it; assembly without CFI directives).  Like gdb's
 * analysis of a function that keeps no frame, take the word at the stack
 * pointer for the return address when it points just after a call, and
 * plan to resume the walk from there with the callee-saved registers
 * unchanged.  Otherwise libdw's own fallback goes on. */
static bool plan_resume(struct cdl_unwinder *u, Dwfl_Frame *state)
{
	Dwarf_Word sp, ret;

	if (dwfl_frame_reg(state, cdl_arch()->dwarf_sp, &sp) != 0 || !u->s->mem ||
	    cdl_memimg_u64(u->s->mem, sp, &ret) < 0 || !after_call(u, ret))
		return false;
	return cdl_unwind_restart_at(u, state, sp + 8, ret, NULL);
}

/* the registers libdw knows at this frame, for its guard locals */
static void keep_regs(struct rawframe *r, Dwfl_Frame *state)
{
	Dwarf_Word w;

	r->guards = true;
	r->known = 0;
	for (unsigned i = 0; i < cdl_arch()->nregs && i < NREGS_SAVED && i < 32; i++)
		if (dwfl_frame_reg(state, i, &w) == 0) {
			r->regs[i] = w;
			r->known |= 1u << i;
		}
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct cdl_unwinder *u = arg;
	Dwarf_Addr pc;
	bool act = false;

	if (!dwfl_frame_pc(state, &pc, &act))
		return DWARF_CB_ABORT;
	if (CDL_GROW(u->raw, u->rawcap, u->nraw + 1, 64) < 0) {
		u->oom = true;
		return DWARF_CB_ABORT;
	}
	if (u->restart_first) {
		/* the first pc of a resumed walk is a return address */
		act = false;
		u->restart_first = false;
	}
	struct rawframe *r = &u->raw[u->nraw++];

	r->pc = pc;
	r->act = act;
	r->guards = false;
	/* code without CFI: libdw would follow the frame pointer, which
	 * skips the caller of a function that keeps none (gdb does not) */
	const struct cdl_pcent *e = lookup_pc(u, pc, act);

	if (!e) {
		u->oom = true;
		return DWARF_CB_ABORT;
	}
	/* past a frame without CFI the registers are assumed, not known:
	 * no guard is read with them */
	if (e->guards && !u->restart)
		keep_regs(r, state);
	if (u->nraw >= u->max_frames)
		return DWARF_CB_ABORT;
	if (e->nocfi && (cdl_unwind_plan_libc(u, state, pc, act) || plan_resume(u, state)))
		return DWARF_CB_ABORT;
	return DWARF_CB_OK;
}

static int add_frames(struct cdl_unwinder *u, struct cdl_thread *t, const struct cdl_pcent *e,
		      bool signal)
{
	uint32_t first = e->first, count = e->count;

	for (uint32_t k = 0; k < count; k++) {
		struct cdl_frame *f = cdl_thread_add_frame(t);

		if (!f)
			return -ENOMEM;
		*f = u->tmpl[first + k];
		if (k + 1 == count && signal)
			f->signal_frame = true;
	}
	return 0;
}

/* symbolize u->raw into t->frames */
static int fill_frames(struct cdl_unwinder *u, struct cdl_thread *t)
{
	for (size_t i = 0; i < u->nraw; i++) {
		const struct cdl_pcent *e = lookup_pc(u, u->raw[i].pc, u->raw[i].act);
		uint64_t callee;
		bool next_act = i + 1 < u->nraw && u->raw[i + 1].act;

		if (!e)
			return -ENOMEM;
		u->raw[i].first = t->nframes;
		callee = e->entry;
		/* libdw marks as activations both the signal trampoline (its
		 * pc is the exact handler return address) and the interrupted
		 * frame after it: an activation followed by one is the
		 * trampoline */
		if (add_frames(u, t, e, u->raw[i].act && next_act) < 0)
			return -ENOMEM;
		if (i + 1 < u->nraw && !next_act) {
			const struct cdl_pcent *c = lookup_pc(u, u->raw[i + 1].pc, false);
			const uint64_t *tail;
			uint32_t n;

			if (!c)
				return -ENOMEM;
			tail = cdl_tail_chain(u, u->raw[i + 1].pc, c->target, callee, &n);
			for (uint32_t k = 0; k < n; k++) {
				/* lookups may move the tables: index, do not hold */
				uint64_t pc = tail[k];
				const struct cdl_pcent *te = lookup_pc(u, pc, false);

				if (!te || add_frames(u, t, te, false) < 0)
					return -ENOMEM;
			}
		}
	}
	return 0;
}

static int thread_cb(Dwfl_Thread *thread, void *arg)
{
	struct cdl_unwinder *u = arg;
	struct cdl_thread *t = u->cur;
	struct cdl_snapshot *s = u->s;
	int rc, err;

	if (!t)
		return DWARF_CB_ABORT;
	u->nraw = 0;
	u->faulted = false;
	u->oom = false;
	u->want_resume = false;
	rc = dwfl_thread_getframes(thread, frame_cb, u);
	for (int tries = 0; u->want_resume && !u->oom && tries < 16; tries++) {
		/* go on past a frame without CFI (plan_resume) */
		u->want_resume = false;
		u->restart = true;
		u->restart_first = true;
		rc = dwfl_thread_getframes(thread, frame_cb, u);
		u->restart = false;
		u->restart_first = false;
	}
	err = rc == -1 ? dwfl_errno() : 0;
	if (rc == DWARF_CB_ABORT && u->want_resume)
		rc = 0;                       /* resumed too often: stop here */
	if (u->oom || fill_frames(u, t) < 0)
		return DWARF_CB_ABORT;
	for (size_t i = 0; i < u->nraw; i++)
		if (u->raw[i].guards &&
		    cdl_guards_frame(u, t, u->raw[i].pc, u->raw[i].act, u->raw[i].regs,
				     u->raw[i].known, (int)u->raw[i].first) < 0)
			return DWARF_CB_ABORT;
	if (u->nraw >= u->max_frames)
		t->unwind_error = cdl_snapshot_internf(s, "stopped after %zu frames", u->max_frames);
	else if ((rc == -1 && err != 0) || u->faulted) {
		/* libdw takes a return address it could not read for the end
		 * of the stack: a read that missed the copies says otherwise */
		if (u->faulted)
			t->unwind_error = cdl_snapshot_internf(s,
				"stack memory at 0x%" PRIx64 " was not copied", u->fault_addr);
		else
			t->unwind_error = cdl_snapshot_internf(s, "%s", dwfl_errmsg(err));
	}
	return DWARF_CB_OK;
}

int cdl_unwind_all(struct cdl_unwinder *u, struct cdl_snapshot *s, size_t max_frames)
{
	int rc;

	if (!u || !s)
		return 0;
	u->s = s;
	u->max_frames = max_frames ? max_frames : DEFAULT_MAX_FRAMES;
	cache_reset(u, s);
	if (!u->attached) {
		if (!dwfl_attach_state(u->dwfl, NULL, u->pid, &thread_callbacks, u)) {
			cdl_snapshot_warn(s, "unwind: %s", dwfl_errmsg(-1));
			u->s = NULL;
			return 0;
		}
		u->attached = true;
	}
	u->next_thread = 0;
	rc = dwfl_getthreads(u->dwfl, thread_cb, u);
	u->s = NULL;
	if (rc == DWARF_CB_ABORT)
		return -ENOMEM;
	if (rc == -1 && dwfl_errno() != 0)
		cdl_snapshot_warn(s, "unwind: %s", dwfl_errmsg(-1));
	return 0;
}
