/* SPDX-License-Identifier: GPL-2.0-or-later */
/* symcu.c - which compilation unit holds an address, and its line, when
 * libdw's own lookup cannot tell.
 *
 * libdw (0.188) finds the unit of an address only through
 * .debug_aranges.  clang does not write that section (DWARF 4 or 5), so
 * dwfl_module_addrdie and dwfl_module_getsrc fail for every address of a
 * clang-built module although each unit's DIE says which ranges it covers
 * (DW_AT_low_pc/high_pc or DW_AT_ranges); gdb and binutils read those.
 * Here, when libdw's lookup fails, the ranges of every unit of the module
 * are read once into a sorted table and searched.  See
 * doc/lock-internals.md, "clang-14 -O2 -g builds".
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>

#include "grow.h"
#include "sorted.h"
#include "unwind-int.h"

/* [lo, hi) of one unit, module-relative (DWARF addresses) */
struct cdl_curange {
	uint64_t lo, hi;
	Dwarf_Off cu;            /* offset of the unit's DIE */
};

struct cdl_cuindex {
	Dwfl_Module *mod;
	Dwarf *dbg;              /* NULL: the module has no DWARF */
	struct cdl_curange *r;
	size_t n;
};

void cdl_symcu_free(struct cdl_unwinder *u)
{
	for (size_t i = 0; i < u->ncu; i++)
		free(u->cu[i].r);
	free(u->cu);
	u->cu = NULL;
	u->ncu = 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct cdl_curange *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* every compile or partial unit's ranges; type and skeleton units hold
 * no code */
static void index_units(struct cdl_cuindex *ix)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;
	size_t cap = 0;

	while (dwarf_get_units(ix->dbg, cu, &cu, NULL, &unit_type, &cudie, NULL) == 0) {
		Dwarf_Addr base, lo, hi;
		ptrdiff_t off = 0;

		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
			continue;
		while ((off = dwarf_ranges(&cudie, off, &base, &lo, &hi)) > 0) {
			if (hi <= lo)
				continue;
			if (CDL_GROW(ix->r, cap, ix->n + 1, 64) < 0)
				return;   /* what is indexed so far still answers */
			ix->r[ix->n].lo = lo;
			ix->r[ix->n].hi = hi;
			ix->r[ix->n].cu = dwarf_dieoffset(&cudie);
			ix->n++;
		}
	}
	if (ix->n > 1)
		qsort(ix->r, ix->n, sizeof(*ix->r), cmp_range);
}

static struct cdl_cuindex *module_index(struct cdl_unwinder *u, Dwfl_Module *mod)
{
	struct cdl_cuindex *ix;
	Dwarf_Addr bias;

	for (size_t i = 0; i < u->ncu; i++)
		if (u->cu[i].mod == mod)
			return &u->cu[i];
	ix = realloc(u->cu, (u->ncu + 1) * sizeof(*ix));
	if (!ix)
		return NULL;
	u->cu = ix;
	ix = &u->cu[u->ncu++];
	memset(ix, 0, sizeof(*ix));
	ix->mod = mod;
	ix->dbg = dwfl_module_getdwarf(mod, &bias);
	if (ix->dbg)
		index_units(ix);
	return ix;
}

static bool key_below(const void *elem, const void *key)
{
	return ((const struct cdl_curange *)elem)->lo <= *(const uint64_t *)key;
}

Dwarf_Die *cdl_symcu_addrdie(struct cdl_unwinder *u, Dwfl_Module *mod, Dwarf_Addr addr,
			     Dwarf_Addr *bias, Dwarf_Die *buf)
{
	Dwarf_Die *die = dwfl_module_addrdie(mod, addr, bias);
	struct cdl_cuindex *ix;
	uint64_t rel;
	size_t i;

	if (die)
		return die;
	if (!dwfl_module_getdwarf(mod, bias) || !(ix = module_index(u, mod)) || ix->n == 0)
		return NULL;
	rel = addr - *bias;
	/* the last range starting at or below rel; ranges of different
	 * units do not overlap, but a unit's may nest in a wider one of a
	 * broken producer: look back a little */
	i = cdl_lower_bound(ix->r, ix->n, sizeof(*ix->r), &rel, key_below);
	for (size_t k = 0; k < 4 && i > 0; k++, i--) {
		const struct cdl_curange *r = &ix->r[i - 1];

		if (rel >= r->lo && rel < r->hi)
			return dwarf_offdie(ix->dbg, r->cu, buf);
	}
	return NULL;
}

void cdl_symcu_line(struct cdl_unwinder *u, Dwfl_Module *mod, Dwarf_Addr addr,
		    struct cdl_symline *out)
{
	Dwfl_Line *dl = dwfl_module_getsrc(mod, addr);
	Dwarf_Die buf, *cudie;
	Dwarf_Addr bias;
	Dwarf_Line *line;
	int n;

	memset(out, 0, sizeof(*out));
	if (dl) {
		out->file = dwfl_lineinfo(dl, NULL, &out->line, &out->column, NULL, NULL);
		return;
	}
	cudie = cdl_symcu_addrdie(u, mod, addr, &bias, &buf);
	if (!cudie || !(line = dwarf_getsrc_die(cudie, addr - bias)))
		return;
	out->file = dwarf_linesrc(line, NULL, NULL);
	/* libdw joins the unit's directory to the name the line table
	 * holds; gdb shows that name: a file below the compilation
	 * directory loses the directory again */
	if (out->file) {
		Dwarf_Attribute attr;
		const char *dir = dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &attr));
		size_t len = dir ? strlen(dir) : 0;

		if (len > 0 && strncmp(out->file, dir, len) == 0 && out->file[len] == '/')
			out->file += len + 1;
	}
	if (dwarf_lineno(line, &n) == 0)
		out->line = n;
	if (dwarf_linecol(line, &n) == 0)
		out->column = n;
}
