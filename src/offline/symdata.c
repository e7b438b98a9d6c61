/* SPDX-License-Identifier: GPL-2.0-or-later */
/* symdata.c - naming data addresses and finding the target's libc.
 *
 * A data address is named from DWARF when the module has it ("forks[2]",
 * "bank.ledger_lock", "cfg.locks[1]"), else from the ELF symbol table
 * ("lock_ledger", "cfg+16").  Where it lives comes from the raw capture's
 * mappings and the threads' stack pointers.
 *
 * The libc facts (version, the _thread_db_* descriptors) are read from the
 * ELF file on disk, never from the target.
 */
#include "config.h"

#include <dwarf.h>
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "grow.h"
#include "snapshot.h"
#include "unwind-int.h"

void cdl_symdata_free(struct cdl_unwinder *u)
{
	for (size_t i = 0; i < u->nmv; i++)
		free(u->mv[i].v);
	free(u->mv);
	u->mv = NULL;
	u->nmv = 0;
}

/* ---- where an address lives ---- */

static const char *location_of(struct cdl_unwinder *u, struct cdl_snapshot *s, uint64_t addr)
{
	const struct cdl_map *m;
	const struct cdl_thread *best = NULL;

	if (!u->maps || !(m = cdl_maps_find(u->maps, addr)))
		return NULL;
	if (m->path[0] == '/')
		return cdl_snapshot_intern(s, m->path);
	if (strcmp(m->path, "[heap]") == 0)
		return "heap";
	/* a stack: the thread whose stack pointer is in the same mapping, the
	 * nearest one below the address (128 bytes of red zone allowed) */
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct cdl_thread *t = &s->threads[i];

		if (!t->sp || t->sp < m->start || t->sp >= m->end)
			continue;
		if (t->sp > addr + 128)
			continue;
		/* the thread's descriptor (and TLS) sit above its stack in the
		 * same mapping; what is above them (an adjacent anonymous
		 * mapping the kernel merged: musl's malloc) is no stack */
		if (t->thread_pointer > t->sp && t->thread_pointer < m->end &&
		    addr >= t->thread_pointer)
			continue;
		if (!best || t->sp > best->sp)
			best = t;
	}
	if (!best && strcmp(m->path, "[stack]") == 0 && cdl_snapshot_find_thread(s, s->pid))
		return cdl_snapshot_internf(s, "stack of thread %d", s->pid);
	if (best)
		return cdl_snapshot_internf(s, "stack of thread %d", best->tid);
	if (m->path[0] == '\0')
		return "anonymous mapping";
	return cdl_snapshot_intern(s, m->path);
}

/* ---- DWARF globals of a module ---- */

static int push_var(struct cdl_modvars *mv, size_t *cap, uint64_t addr, uint64_t size,
		    Dwarf_Die *die)
{
	if (CDL_GROW(mv->v, *cap, mv->n + 1, 64) < 0)
		return -ENOMEM;
	mv->v[mv->n].addr = addr;
	mv->v[mv->n].size = size;
	mv->v[mv->n].die = dwarf_dieoffset(die);
	mv->v[mv->n].dbg = dwarf_cu_getdwarf(die->cu);
	mv->n++;
	return 0;
}

/* a variable at a fixed address: its location is one DW_OP_addr */
static void scan_variable(struct cdl_modvars *mv, size_t *cap, Dwarf_Die *die, Dwarf_Addr bias)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t nops;
	Dwarf_Die type;
	Dwarf_Word size = 0;

	Dwarf_Attribute ax;
	Dwarf_Addr addr;

	if (!dwarf_attr(die, DW_AT_location, &attr) ||
	    dwarf_getlocation(&attr, &ops, &nops) != 0 || nops != 1)
		return;
	if (ops[0].atom == DW_OP_addr)
		addr = ops[0].number;
	else if ((ops[0].atom == DW_OP_addrx || ops[0].atom == DW_OP_GNU_addr_index) &&
		 dwarf_getlocation_attr(&attr, &ops[0], &ax) == 0 &&
		 dwarf_formaddr(&ax, &addr) == 0)
		;   /* DWARF 5 (clang): an index into .debug_addr */
	else
		return;
	if (dwarf_attr_integrate(die, DW_AT_type, &attr) && dwarf_formref_die(&attr, &type))
		(void)dwarf_aggregate_size(&type, &size);
	if (size == 0)
		size = 1;
	push_var(mv, cap, addr + bias, size, die);
}

static void scan_children(struct cdl_modvars *mv, size_t *cap, Dwarf_Die *parent,
			  Dwarf_Addr bias, int depth)
{
	Dwarf_Die child;

	if (depth > 4 || dwarf_child(parent, &child) != 0)
		return;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_variable:
			scan_variable(mv, cap, &child, bias);
			break;
		case DW_TAG_namespace:
			/* not into functions: their statics keep their symbol
			 * names (lock.0), and walking every function of a big
			 * library takes seconds */
			scan_children(mv, cap, &child, bias, depth + 1);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

static int cmp_dvar(const void *a, const void *b)
{
	const struct cdl_dvar *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static struct cdl_modvars *module_vars(struct cdl_unwinder *u, Dwfl_Module *mod)
{
	struct cdl_modvars *mv, *n;
	Dwarf_Addr bias;
	Dwarf *dbg;
	Dwarf_Off off = 0, next;
	size_t hsize, cap = 0;

	for (size_t i = 0; i < u->nmv; i++)
		if (u->mv[i].mod == mod)
			return &u->mv[i];
	n = realloc(u->mv, (u->nmv + 1) * sizeof(*n));
	if (!n)
		return NULL;
	u->mv = n;
	mv = &u->mv[u->nmv++];
	memset(mv, 0, sizeof(*mv));
	mv->mod = mod;
	dbg = dwfl_module_getdwarf(mod, &bias);
	if (!dbg)
		return mv;
	while (dwarf_nextcu(dbg, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;

		if (dwarf_offdie(dbg, off + hsize, &cu))
			scan_children(mv, &cap, &cu, bias, 0);
		off = next;
	}
	if (mv->n > 1)
		qsort(mv->v, mv->n, sizeof(*mv->v), cmp_dvar);
	return mv;
}

/* does a type name say "this is a lock object": stop describing there */
static bool lock_type_name(const char *name)
{
	static const char *const words[] = {
		"mutex", "lock", "cond", "sem", "barrier", "once", NULL
	};

	if (!name)
		return false;
	for (int i = 0; words[i]; i++)
		if (strcasestr(name, words[i]))
			return true;
	return false;
}

static bool die_type(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute attr;

	return dwarf_attr_integrate(die, DW_AT_type, &attr) && dwarf_formref_die(&attr, out);
}

static void append(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

/* "[2]", ".ledger_lock", ".locks[1]" for offset off inside type */
static void describe(Dwarf_Die *type, uint64_t off, char *buf, size_t cap)
{
	Dwarf_Die t = *type;

	for (int guard = 0; guard < 32; guard++) {
		int tag = dwarf_tag(&t);
		Dwarf_Die next;

		if (tag == DW_TAG_typedef || tag == DW_TAG_const_type ||
		    tag == DW_TAG_volatile_type || tag == DW_TAG_atomic_type) {
			if (off == 0 && lock_type_name(dwarf_diename(&t)))
				return;
			if (!die_type(&t, &next))
				break;
			t = next;
			continue;
		}
		if (tag == DW_TAG_array_type) {
			Dwarf_Die elem, sub;
			Dwarf_Word esize = 0;
			uint64_t dims[8];
			int nd = 0;

			if (!die_type(&t, &elem) || dwarf_aggregate_size(&elem, &esize) != 0 ||
			    esize == 0)
				break;
			if (dwarf_child(&t, &sub) == 0) {
				do {
					Dwarf_Attribute a;
					Dwarf_Word v;

					if (dwarf_tag(&sub) != DW_TAG_subrange_type || nd == 8)
						continue;
					if (dwarf_formudata(dwarf_attr(&sub, DW_AT_count, &a), &v) == 0)
						dims[nd++] = v;
					else if (dwarf_formudata(dwarf_attr(&sub, DW_AT_upper_bound, &a), &v) == 0)
						dims[nd++] = v + 1;
					else
						dims[nd++] = 0;   /* flexible: last dimension */
				} while (dwarf_siblingof(&sub, &sub) == 0);
			}
			if (nd == 0)
				dims[nd++] = 0;
			for (int d = 0; d < nd; d++) {
				uint64_t stride = esize;

				for (int k = d + 1; k < nd; k++)
					stride *= dims[k] ? dims[k] : 1;
				append(buf, cap, "[%" PRIu64 "]", off / stride);
				off %= stride;
			}
			t = elem;
			continue;
		}
		if (tag == DW_TAG_structure_type || tag == DW_TAG_class_type ||
		    tag == DW_TAG_union_type) {
			Dwarf_Die m, mt;
			bool found = false;

			if (off == 0 && (tag == DW_TAG_union_type ||
					 lock_type_name(dwarf_diename(&t))))
				return;
			if (dwarf_child(&t, &m) != 0)
				break;
			do {
				Dwarf_Attribute a;
				Dwarf_Word loc = 0, size = 0;

				if (dwarf_tag(&m) != DW_TAG_member || !die_type(&m, &mt))
					continue;
				if (dwarf_attr(&m, DW_AT_data_member_location, &a) &&
				    dwarf_formudata(&a, &loc) != 0)
					continue;
				if (dwarf_aggregate_size(&mt, &size) != 0)
					continue;
				if (off < loc || off >= loc + size)
					continue;
				if (dwarf_diename(&m))
					append(buf, cap, ".%s", dwarf_diename(&m));
				off -= loc;
				t = mt;
				found = true;
				break;
			} while (dwarf_siblingof(&m, &m) == 0);
			if (!found)
				break;
			continue;
		}
		break;     /* base type, pointer, enum: a leaf */
	}
	if (off)
		append(buf, cap, "+%" PRIu64, off);
}

static const char *dwarf_data_name(struct cdl_unwinder *u, struct cdl_snapshot *s,
				   Dwfl_Module *mod, uint64_t addr)
{
	struct cdl_modvars *mv = module_vars(u, mod);
	size_t lo = 0, hi;
	const struct cdl_dvar *v;
	Dwarf_Die die, type;
	const char *name;
	char buf[512];

	if (!mv || mv->n == 0)
		return NULL;
	/* last variable starting at or below addr */
	hi = mv->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mv->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	v = &mv->v[lo - 1];
	if (addr >= v->addr + v->size || !dwarf_offdie(v->dbg, v->die, &die))
		return NULL;
	name = dwarf_diename(&die);
	if (!name)
		return NULL;
	snprintf(buf, sizeof(buf), "%s", name);
	if (die_type(&die, &type))
		describe(&type, addr - v->addr, buf, sizeof(buf));
	else if (addr != v->addr)
		append(buf, sizeof(buf), "+%" PRIu64, addr - v->addr);
	return cdl_snapshot_intern(s, buf);
}

/* the data symbol holding addr: its name and offset, NULL if none */
static const char *data_symbol(Dwfl_Module *mod, uint64_t addr, GElf_Off *off)
{
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(mod, addr, off, &sym, NULL, NULL, NULL);
	int type;

	if (!name || !*name)
		return NULL;
	type = GELF_ST_TYPE(sym.st_info);
	if (type != STT_OBJECT && type != STT_COMMON && type != STT_TLS)
		return NULL;
	if (sym.st_size ? *off >= sym.st_size : *off != 0)
		return NULL;
	return name;
}

struct bss_find {
	uint64_t addr;
	Dwfl_Module *mod;
};

static int bss_cb(Dwfl_Module *mod, void **ud, const char *name, Dwarf_Addr start, void *arg)
{
	struct bss_find *f = arg;
	Dwarf_Addr bias;
	Elf *elf;
	size_t n;

	(void)ud; (void)name;
	if (start > f->addr || !(elf = dwfl_module_getelf(mod, &bias)) ||
	    elf_getphdrnum(elf, &n) != 0)
		return DWARF_CB_OK;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    f->addr >= ph.p_vaddr + bias && f->addr - (ph.p_vaddr + bias) < ph.p_memsz) {
			f->mod = mod;
			return DWARF_CB_ABORT;
		}
	}
	return DWARF_CB_OK;
}

/* The module whose memory holds addr: its mapped file, or the part of its
 * .bss beyond the file, which /proc/PID/maps shows as anonymous. */
static Dwfl_Module *data_module(struct cdl_unwinder *u, uint64_t addr)
{
	Dwfl_Module *mod = cdl_unwind_module_at(u, addr);
	struct bss_find f = { addr, NULL };

	if (mod)
		return mod;
	dwfl_getmodules(u->dwfl, bss_cb, &f, 0);
	return f.mod;
}

const char *cdl_unwinder_name_data(struct cdl_unwinder *u, struct cdl_snapshot *s,
				   uint64_t addr, const char **location)
{
	Dwfl_Module *mod;
	const char *name, *path;
	GElf_Off off = 0;

	if (location)
		*location = NULL;
	if (!u || !s || !addr)
		return NULL;
	mod = data_module(u, addr);
	path = mod ? cdl_unwind_modpath(mod) : NULL;
	if (location) {
		if (path && path[0] == '/')
			*location = cdl_snapshot_intern(s, path);
		else
			*location = location_of(u, s, addr);
	}
	if (!mod)
		return NULL;
	/* only a data symbol's address is worth a look into DWARF */
	name = data_symbol(mod, addr, &off);
	if (!name)
		return NULL;
	const char *dname = dwarf_data_name(u, s, mod, addr);
	if (dname)
		return dname;
	if (off == 0)
		return cdl_sym_elf_function(s, name);   /* demangled, as gdb shows it */
	return cdl_snapshot_internf(s, "%s+%" PRIu64, cdl_sym_elf_function(s, name), (uint64_t)off);
}

/* ---- libc ---- */

const unsigned char *cdl_unwind_elf_bytes(Dwfl_Module *mod, uint64_t addr, size_t len)
{
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	Elf_Scn *scn = NULL;
	uint64_t va = addr - bias;

	if (!elf)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    sh.sh_type == SHT_NOBITS || va < sh.sh_addr || va - sh.sh_addr >= sh.sh_size)
			continue;
		if (va - sh.sh_addr + len > sh.sh_size)
			return NULL;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf || va - sh.sh_addr + len > data->d_size)
			return NULL;
		return (const unsigned char *)data->d_buf + (va - sh.sh_addr);
	}
	return NULL;
}

/* address and size of a symbol by name, from .symtab or .dynsym */
static bool find_symbol(Dwfl_Module *mod, const char *want, uint64_t *addr, uint64_t *size)
{
	int n = dwfl_module_getsymtab(mod);

	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr a;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &a, NULL, NULL, NULL);

		if (name && strcmp(name, want) == 0 && sym.st_shndx != SHN_UNDEF) {
			*addr = a;
			*size = sym.st_size;
			return true;
		}
	}
	return false;
}

/* ---- which libc: the backends decide (libc.h), we answer their
 * questions about a module ---- */

static bool probe_symbol(const struct cdl_libc_module *m, const char *name,
			 uint64_t *addr, uint64_t *size)
{
	return find_symbol(m->priv, name, addr, size);
}

static const unsigned char *probe_bytes(const struct cdl_libc_module *m, uint64_t addr,
					size_t len)
{
	return cdl_unwind_elf_bytes(m->priv, addr, len);
}

static const void *probe_section(const struct cdl_libc_module *m, const char *want,
				 size_t *len)
{
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(m->priv, &bias);
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, want) != 0)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf)
			return NULL;
		*len = data->d_size;
		return data->d_buf;
	}
	return NULL;
}

struct find_main {
	const struct cdl_libc_ops *ops;
	Dwfl_Module *mod;
};

static int find_main_cb(Dwfl_Module *mod, void **userdata, const char *name,
			Dwarf_Addr start, void *arg)
{
	struct find_main *f = arg;

	(void)userdata; (void)start;
	if (name && f->ops->is_main_module(name))
		f->mod = mod;     /* the last one, as libdw lists them */
	return DWARF_CB_OK;
}

struct find_exe {
	const char *path;
	Dwfl_Module *mod;
};

static int find_exe_cb(Dwfl_Module *mod, void **userdata, const char *name,
		       Dwarf_Addr start, void *arg)
{
	struct find_exe *f = arg;

	(void)userdata; (void)start;
	if (name && strcmp(name, f->path) == 0)
		f->mod = mod;
	return DWARF_CB_OK;
}

static int try_identify(const struct cdl_libc_ops *ops, Dwfl_Module *mod, bool is_exe,
			struct cdl_libc_id *id)
{
	struct cdl_libc_module m = {
		.path = cdl_unwind_modpath(mod), .is_exe = is_exe, .priv = mod,
		.symbol = probe_symbol, .bytes = probe_bytes, .section = probe_section,
	};

	return ops->identify(&m, id);
}

int cdl_unwinder_libc_id(struct cdl_unwinder *u, struct cdl_snapshot *s,
			 const struct cdl_libc_ops **ops, struct cdl_libc_id *id,
			 const char **path)
{
	const struct cdl_libc_ops *const *all = cdl_libc_backends();
	struct find_exe exe = { u->exe, NULL };

	*path = NULL;
	/* a shared libc: the first backend whose main object is mapped */
	for (size_t i = 0; all[i]; i++) {
		struct find_main f = { all[i], NULL };

		dwfl_getmodules(u->dwfl, find_main_cb, &f, 0);
		if (f.mod && try_identify(all[i], f.mod, false, id) == 0) {
			*ops = all[i];
			*path = cdl_snapshot_intern(s, cdl_unwind_modpath(f.mod));
			return 0;
		}
	}
	/* a static program: the executable holds its libc */
	if (u->exe)
		dwfl_getmodules(u->dwfl, find_exe_cb, &exe, 0);
	for (size_t i = 0; exe.mod && all[i]; i++)
		if (try_identify(all[i], exe.mod, true, id) == 0) {
			*ops = all[i];
			*path = cdl_snapshot_intern(s, cdl_unwind_modpath(exe.mod));
			return 0;
		}
	return -ENOENT;
}
