/* unwind.c - offline unwinding and symbolization with libdw.
 *
 * The modules come from /proc/PID/maps and the ELF files on disk
 * (dwfl_linux_proc_report); registers and stack memory come from the
 * snapshot, through our own Dwfl_Thread_Callbacks, so the target is never
 * read live.  Raw pcs are collected first for a thread, then symbolized
 * through a per-pc cache: a thousand threads share a handful of pcs.
 *
 * Function names follow gdb's backtrace: the DWARF linkage name when there
 * is one (demangled and without its parameter list for C++), else the DWARF
 * name; from the ELF symbol table only (no DWARF) the demangled symbol with
 * its parameters.  Inline frames come from the chain of
 * DW_TAG_inlined_subroutine scopes at the pc: the innermost first, each
 * with the call site (DW_AT_call_file/line) of the function it sits in.
 */
#include "config.h"

#include <dwarf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "memimg.h"
#include "snapshot.h"
#include "unwind-int.h"

/* from the C++ runtime (libstdc++), which every gcc system has */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

#define DEFAULT_MAX_FRAMES 1024

/* ---- names ---- */

static char *demangle(const char *mangled)
{
	int status = -1;
	char *d;

	if (!mangled || mangled[0] != '_' || mangled[1] != 'Z')
		return NULL;
	d = __cxa_demangle(mangled, NULL, NULL, &status);
	if (status != 0) {
		free(d);
		return NULL;
	}
	return d;
}

static bool is_open(char c)
{
	return c == '(' || c == '<' || c == '[' || c == '{';
}

static bool is_close(char c)
{
	return c == ')' || c == '>' || c == ']' || c == '}';
}

/* "ns::f<int>(int) const" -> "ns::f<int>"; leaves names without a trailing
 * parameter list alone. */
static void strip_params(char *s)
{
	char *close = strrchr(s, ')');
	int depth = 0;

	if (!close)
		return;
	/* only qualifiers may follow the parameter list */
	for (const char *q = close + 1; *q; q++)
		if (is_open(*q) || *q == ':')
			return;
	for (char *p = close; p > s; p--) {
		if (*p == ')')
			depth++;
		else if (*p == '(' && --depth == 0) {
			*p = '\0';
			return;
		}
	}
}

/* A demangled template function starts with its return type ("void
 * ns::f<int>"); gdb drops it.  Cut at the last space outside brackets that
 * is not part of an operator name. */
static char *drop_return_type(char *s)
{
	size_t n = strlen(s);
	int depth = 0;
	char *cut = NULL;

	if (n == 0 || s[n - 1] != '>')
		return s;
	for (char *p = s; *p; p++) {
		if (strncmp(p, "operator", 8) == 0 && depth == 0)
			break;
		if (is_open(*p))
			depth++;
		else if (is_close(*p) && depth > 0)
			depth--;
		else if (*p == ' ' && depth == 0)
			cut = p + 1;
	}
	return cut ? cut : s;
}

/* gdb's name for a function DIE (inlined instance or subprogram) into s's
 * pool. */
static const char *die_function_name(struct cdl_snapshot *s, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *link, *name;

	link = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!link)
		link = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (link) {
		char *d = demangle(link);

		if (d) {
			const char *r;

			strip_params(d);
			r = cdl_snapshot_intern(s, drop_return_type(d));
			free(d);
			return r;
		}
		return cdl_snapshot_intern(s, link);
	}
	name = dwarf_diename(die);
	return name ? cdl_snapshot_intern(s, name) : NULL;
}

/* name of an ELF symbol, demangled with its parameters (as gdb shows
 * symbols it knows only from the symbol table) */
static const char *elf_symbol_name(struct cdl_snapshot *s, const char *name)
{
	char *d = demangle(name);
	const char *r;

	if (!d)
		return cdl_snapshot_intern(s, name);
	r = cdl_snapshot_intern(s, d);
	free(d);
	return r;
}

/* Several symbols often share an address (nanosleep and __nanosleep).
 * gdb shows the sized one whose name sorts last; do the same so that both
 * tools name a frame alike. */
static const char *pick_alias(Dwfl_Module *mod, const char *name, const GElf_Sym *sym,
			      GElf_Addr addr)
{
	int n = dwfl_module_getsymtab(mod);
	const char *best = name;
	bool best_sized = sym->st_size != 0;

	for (int i = 1; i < n; i++) {
		GElf_Sym s2;
		GElf_Addr a2;
		const char *n2 = dwfl_module_getsym_info(mod, i, &s2, &a2, NULL, NULL, NULL);
		int type = GELF_ST_TYPE(s2.st_info);

		if (!n2 || a2 != addr || !*n2 ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE))
			continue;
		if (best_sized && s2.st_size == 0)
			continue;
		if ((!best_sized && s2.st_size != 0) || strcmp(n2, best) > 0) {
			best = n2;
			best_sized = s2.st_size != 0;
		}
	}
	return best;
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
		*thread_argp = t;
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
	const struct cdl_thread *t = thread_arg;
	bool any = false;

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

static char *debuginfo_path;

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

int cdl_unwinder_new(int pid, struct cdl_unwinder **out, struct cdl_diag *d)
{
	struct cdl_unwinder *u;
	int rc;

	*out = NULL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return cdl_diag_set(d, ENOMEM, "unwind: allocate");
	u->pid = pid;
	u->dwfl = dwfl_begin(&proc_callbacks);
	if (!u->dwfl) {
		cdl_diag_set(d, ENOMEM, "unwind: dwfl_begin");
		cdl_diag_why(d, "%s", dwfl_errmsg(-1));
		free(u);
		return -ENOMEM;
	}
	dwfl_report_begin(u->dwfl);
	rc = dwfl_linux_proc_report(u->dwfl, pid);
	if (dwfl_report_end(u->dwfl, NULL, NULL) != 0 && rc == 0)
		rc = -1;
	if (rc != 0) {
		/* rc > 0 is an errno, < 0 a libdw error */
		int err = rc > 0 ? rc : ESRCH;

		cdl_diag_set(d, err, "unwind: read the modules of %d", pid);
		if (rc < 0)
			cdl_diag_why(d, "%s", dwfl_errmsg(-1));
		dwfl_end(u->dwfl);
		free(u);
		return -err;
	}
	u->have_maps = cdl_proc_maps(pid, &u->maps) == 0;
	*out = u;
	return 0;
}

void cdl_unwinder_free(struct cdl_unwinder *u)
{
	if (!u)
		return;
	cdl_symdata_free(u);
	if (u->dwfl)
		dwfl_end(u->dwfl);
	if (u->have_maps)
		cdl_proc_maps_free(&u->maps);
	free(u->raw);
	free(u->pcs);
	free(u->tmpl);
	free(u->checked);
	free(u);
}

void cdl_unwinder_cache_stats(const struct cdl_unwinder *u, size_t *hits, size_t *misses)
{
	*hits = u->hits;
	*misses = u->misses;
}

/* ---- debug info warnings ---- */

static bool is_libc_module(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0 ||
	       strncmp(base, "ld-linux", 8) == 0 || strncmp(base, "libpthread", 10) == 0 ||
	       strncmp(base, "libm.so", 7) == 0;
}

static void check_debuginfo(struct cdl_unwinder *u, Dwfl_Module *mod, bool has_dwarf)
{
	const char *path;

	for (size_t i = 0; i < u->nchecked; i++)
		if (u->checked[i] == mod)
			return;
	if (u->nchecked == u->checkedcap) {
		size_t cap = u->checkedcap ? u->checkedcap * 2 : 32;
		Dwfl_Module **n = realloc(u->checked, cap * sizeof(*n));

		if (!n)
			return;
		u->checked = n;
		u->checkedcap = cap;
	}
	u->checked[u->nchecked++] = mod;
	if (has_dwarf)
		return;
	path = cdl_unwind_modpath(mod);
	if (!path || path[0] == '[')
		return;
	if (is_libc_module(path)) {
		if (!u->libc_warned)
			cdl_snapshot_warn(u->s, "no debug info for libc: install libc6-dbg "
					  "for file:line in libc frames");
		u->libc_warned = true;
		return;
	}
	cdl_snapshot_warn(u->s, "no debug info for %s: install its -dbgsym package "
			  "or use DEBUGINFOD_URLS", path);
}

/* ---- symbolization of one pc, cached ---- */

static struct cdl_frame *tmpl_add(struct cdl_unwinder *u)
{
	if (u->ntmpl == u->tmplcap) {
		size_t cap = u->tmplcap ? u->tmplcap * 2 : 256;
		struct cdl_frame *n = realloc(u->tmpl, cap * sizeof(*n));

		if (!n)
			return NULL;
		u->tmpl = n;
		u->tmplcap = cap;
	}
	memset(&u->tmpl[u->ntmpl], 0, sizeof(u->tmpl[0]));
	return &u->tmpl[u->ntmpl++];
}

static void set_line(struct cdl_snapshot *s, struct cdl_frame *f, Dwfl_Line *line)
{
	int lineno = 0, col = 0;
	const char *file;

	if (!line)
		return;
	file = dwfl_lineinfo(line, NULL, &lineno, &col, NULL, NULL);
	if (!file)
		return;
	f->file = cdl_snapshot_intern(s, file);
	f->line = lineno;
	f->column = col;
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

/* Fill frames for a pc at u->tmpl[first..]: inline instances innermost
 * first, then the function itself.  Returns the count (>= 1) or -ENOMEM. */
static int symbolize(struct cdl_unwinder *u, uint64_t pc, bool act)
{
	struct cdl_snapshot *s = u->s;
	uint64_t a = act ? pc : pc - 1;      /* a return address: look up the call */
	Dwfl_Module *mod = dwfl_addrmodule(u->dwfl, a);
	const char *modpath = NULL, *symname = NULL;
	GElf_Off symoff = 0;
	GElf_Sym sym;
	Dwarf_Addr bias = 0;
	Dwarf_Die *cudie = NULL;
	Dwarf_Die *scopes = NULL, *chain = NULL;
	int nchain = 0, count = 0;
	size_t first = u->ntmpl;
	struct cdl_frame *f;

	if (mod) {
		modpath = cdl_snapshot_intern(s, cdl_unwind_modpath(mod));
		symname = dwfl_module_addrinfo(mod, a, &symoff, &sym, NULL, NULL, NULL);
		if (symname)
			symname = pick_alias(mod, symname, &sym, a - symoff);
		cudie = dwfl_module_addrdie(mod, a, &bias);
		check_debuginfo(u, mod, cudie != NULL || dwfl_module_getdwarf(mod, &bias) != NULL);
	}
	if (cudie) {
		int n = dwarf_getscopes(cudie, a - bias, &scopes);

		/* dwarf_getscopes follows an inline instance into its abstract
		 * origin; the concrete chain of callers comes from the DIE tree */
		if (n > 0)
			nchain = dwarf_getscopes_die(&scopes[0], &chain);
		free(scopes);
	}
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
		f->function = die_function_name(s, &chain[i]);
		f->module = modpath;
		f->inlined = tag == DW_TAG_inlined_subroutine;
		count++;
		if (tag == DW_TAG_subprogram)
			break;
	}
	if (count == 0 || u->tmpl[first + (size_t)count - 1].inlined) {
		/* no DWARF function (assembly, no debug info) or the chain did
		 * not reach a subprogram: the ELF symbol names the function */
		f = tmpl_add(u);
		if (!f) {
			free(chain);
			return -ENOMEM;
		}
		f->function = symname ? elf_symbol_name(s, symname) : NULL;
		f->module = modpath;
		count++;
	}
	/* lines: the innermost frame from the line table, each outer one from
	 * the call site of the inline instance inside it */
	f = &u->tmpl[first];
	if (mod)
		set_line(s, f, dwfl_module_getsrc(mod, a));
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
		f->offset = symname ? symoff + (act ? 0 : 1) : 0;
	}
	return count;
}

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
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
		size_t j = hash64(e->key) & (cap - 1);
		while (n[j].key)
			j = (j + 1) & (cap - 1);
		n[j] = *e;
	}
	free(u->pcs);
	u->pcs = n;
	u->pcscap = cap;
	return 0;
}

static void cache_reset(struct cdl_unwinder *u, const struct cdl_snapshot *s)
{
	if (u->cache_snap == s)
		return;
	if (u->pcs)
		memset(u->pcs, 0, u->pcscap * sizeof(*u->pcs));
	u->npcs = 0;
	u->ntmpl = 0;
	u->nchecked = 0;
	u->libc_warned = false;
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
	j = hash64(key) & (u->pcscap - 1);
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
	u->npcs++;
	return &u->pcs[j];
}

/* ---- walking ---- */

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct cdl_unwinder *u = arg;
	Dwarf_Addr pc;
	bool act = false;

	if (!dwfl_frame_pc(state, &pc, &act))
		return -1;
	if (u->nraw == u->rawcap) {
		size_t cap = u->rawcap ? u->rawcap * 2 : 64;
		struct rawframe *n = realloc(u->raw, cap * sizeof(*n));

		if (!n)
			return DWARF_CB_ABORT;
		u->raw = n;
		u->rawcap = cap;
	}
	u->raw[u->nraw].pc = pc;
	u->raw[u->nraw].act = act;
	u->nraw++;
	return u->nraw >= u->max_frames ? DWARF_CB_ABORT : DWARF_CB_OK;
}

/* symbolize u->raw into t->frames */
static int fill_frames(struct cdl_unwinder *u, struct cdl_thread *t)
{
	for (size_t i = 0; i < u->nraw; i++) {
		const struct cdl_pcent *e = lookup_pc(u, u->raw[i].pc, u->raw[i].act);

		if (!e)
			return -ENOMEM;
		for (uint32_t k = 0; k < e->count; k++) {
			struct cdl_frame *f = cdl_thread_add_frame(t);

			if (!f)
				return -ENOMEM;
			*f = u->tmpl[e->first + k];
			/* the frame before an activation that is not the first
			 * one is a signal trampoline */
			if (k + 1 == e->count && i + 1 < u->nraw && u->raw[i + 1].act)
				f->signal_frame = true;
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
	rc = dwfl_thread_getframes(thread, frame_cb, u);
	err = rc == -1 ? dwfl_errno() : 0;
	if (fill_frames(u, t) < 0)
		return DWARF_CB_ABORT;
	if (u->nraw >= u->max_frames)
		t->unwind_error = cdl_snapshot_internf(s, "stopped after %zu frames", u->max_frames);
	else if (rc == DWARF_CB_ABORT)
		return DWARF_CB_ABORT;            /* out of memory */
	else if (rc == -1 && err != 0) {
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
