/* SPDX-License-Identifier: GPL-2.0-or-later */
/* symtail.c - frames for tail calls, from DWARF call-site information.
 *
 * A function that ends in a jump to another leaves no frame, so the stack
 * shows the caller calling a function that is not the one below it.  gdb
 * fills the gap from DWARF call-site information (DW_TAG_call_site with
 * DW_AT_call_tail_call): when exactly one chain of tail calls leads from
 * the function the caller called to the function found below it, one
 * frame per tail-calling function, at the address after its jump.
 */
#include "config.h"

#include <dwarf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "grow.h"
#include "snapshot.h"
#include "unwind-int.h"

static bool is_call_site(Dwarf_Die *die)
{
	int tag = dwarf_tag(die);

	return tag == DW_TAG_call_site || tag == DW_TAG_GNU_call_site;
}

/* the address after the call instruction (module-relative) */
static bool call_site_return(Dwarf_Die *cs, Dwarf_Addr *ret)
{
	Dwarf_Attribute attr;

	if (dwarf_attr(cs, DW_AT_call_return_pc, &attr))
		return dwarf_formaddr(&attr, ret) == 0;
	return dwarf_lowpc(cs, ret) == 0;
}

static bool call_site_is_tail(Dwarf_Die *cs)
{
	return dwarf_hasattr(cs, DW_AT_call_tail_call) || dwarf_hasattr(cs, DW_AT_GNU_tail_call);
}

struct symfind {
	const char *name;
	uint64_t addr;
};

static int symfind_cb(Dwfl_Module *mod, void **ud, const char *name, Dwarf_Addr start,
		      void *arg)
{
	struct symfind *f = arg;

	(void)ud; (void)name; (void)start;
	return cdl_sym_function_addr(mod, f->name, &f->addr) ? DWARF_CB_ABORT : DWARF_CB_OK;
}

/* entry address of the function a call site calls, 0 if unknown */
static uint64_t call_site_target(struct cdl_unwinder *u, Dwfl_Module *mod, Dwarf_Die *cs,
				 Dwarf_Addr bias)
{
	Dwarf_Attribute attr;
	Dwarf_Die t;
	Dwarf_Addr entry;
	const char *name;
	uint64_t addr;

	if (!((dwarf_attr(cs, DW_AT_call_origin, &attr) ||
	       dwarf_attr(cs, DW_AT_abstract_origin, &attr)) && dwarf_formref_die(&attr, &t)))
		return 0;
	if (!dwarf_hasattr(&t, DW_AT_inline) && dwarf_entrypc(&t, &entry) == 0)
		return entry + bias;
	/* a declaration: find the definition by its symbol */
	name = dwarf_formstring(dwarf_attr_integrate(&t, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_diename(&t);
	if (!name)
		return 0;
	if (cdl_sym_function_addr(mod, name, &addr))
		return addr;
	struct symfind f = { name, 0 };
	dwfl_getmodules(u->dwfl, symfind_cb, &f, 0);
	return f.addr;
}

/* the function called by the call site that returns to ret, searched in
 * the scopes holding ret - 1 */
uint64_t cdl_tail_call_target(struct cdl_unwinder *u, Dwfl_Module *mod, Dwarf_Die *chain,
			       int nchain, Dwarf_Addr ret, Dwarf_Addr bias)
{
	for (int i = 0; i < nchain; i++) {
		Dwarf_Die child;
		int tag = dwarf_tag(&chain[i]);

		if (tag == DW_TAG_compile_unit || tag == DW_TAG_partial_unit)
			break;
		if (dwarf_child(&chain[i], &child) != 0)
			continue;
		do {
			Dwarf_Addr r;

			if (is_call_site(&child) && call_site_return(&child, &r) && r == ret)
				return call_site_target(u, mod, &child, bias);
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	return 0;
}

struct tailedge {
	uint64_t target, ret;    /* absolute */
};

static void collect_tail_edges(struct cdl_unwinder *u, Dwfl_Module *mod, Dwarf_Die *parent,
			       Dwarf_Addr bias, struct tailedge *out, int *n, int max, int depth)
{
	Dwarf_Die child;

	if (depth > 16 || dwarf_child(parent, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		Dwarf_Addr r;

		if (is_call_site(&child)) {
			uint64_t t;

			if (*n < max && call_site_is_tail(&child) && call_site_return(&child, &r) &&
			    (t = call_site_target(u, mod, &child, bias)) != 0) {
				out[*n].target = t;
				out[*n].ret = r + bias;
				(*n)++;
			}
		} else if (tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine) {
			collect_tail_edges(u, mod, &child, bias, out, n, max, depth + 1);
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

#define TAIL_MAX_DEPTH 5
#define TAIL_MAX_EDGES 16

/* tail calls made by the function entered at fn */
static int tail_edges(struct cdl_unwinder *u, uint64_t fn, struct tailedge *out)
{
	Dwfl_Module *mod = cdl_unwind_module_at(u, fn);
	Dwarf_Addr bias;
	Dwarf_Die cubuf, *cudie, *scopes = NULL, sp;
	int n = 0, ns;
	bool found = false;

	if (!mod || !(cudie = cdl_symcu_addrdie(u, mod, fn, &bias, &cubuf)))
		return 0;
	ns = dwarf_getscopes(cudie, fn - bias, &scopes);
	for (int i = 0; i < ns; i++)
		if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram) {
			sp = scopes[i];
			found = true;
			break;
		}
	free(scopes);
	if (!found && !cdl_sym_code_die(cudie, fn - bias, &sp, 0))
		return 0;
	collect_tail_edges(u, mod, &sp, bias, out, &n, TAIL_MAX_EDGES, 0);
	return n;
}

struct tailsearch {
	uint64_t goal;
	uint64_t path[TAIL_MAX_DEPTH];  /* return pcs, outer first */
	uint64_t found[TAIL_MAX_DEPTH];
	int nfound;                     /* -1: several different chains */
	int chains;
};

static void tail_dfs(struct cdl_unwinder *u, struct tailsearch *ts, uint64_t fn, int depth)
{
	struct tailedge e[TAIL_MAX_EDGES];
	int n;

	if (depth >= TAIL_MAX_DEPTH || ts->chains > 1)
		return;
	n = tail_edges(u, fn, e);
	for (int i = 0; i < n && ts->chains <= 1; i++) {
		ts->path[depth] = e[i].ret;
		if (e[i].target == ts->goal) {
			ts->chains++;
			ts->nfound = depth + 1;
			memcpy(ts->found, ts->path, sizeof(ts->path));
		} else if (e[i].target != fn) {
			tail_dfs(u, ts, e[i].target, depth + 1);
		}
	}
}

static int tails_grow(struct cdl_unwinder *u)
{
	size_t cap = u->tailscap ? u->tailscap * 2 : 256;
	struct cdl_tailent *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < u->tailscap; i++) {
		struct cdl_tailent *e = &u->tails[i];

		if (!e->ret)
			continue;
		size_t j = cdl_hash64(e->ret ^ (e->callee * 31)) & (cap - 1);
		while (n[j].ret)
			j = (j + 1) & (cap - 1);
		n[j] = *e;
	}
	free(u->tails);
	u->tails = n;
	u->tailscap = cap;
	return 0;
}

/* Return pcs of the tail-calling functions between a caller that called
 * target (returning to ret) and the function entered at callee, innermost
 * first; NULL with *count 0 when there are none or they are ambiguous. */
const uint64_t *cdl_tail_chain(struct cdl_unwinder *u, uint64_t ret, uint64_t target,
				  uint64_t callee, uint32_t *count)
{
	struct tailsearch ts;
	size_t j;

	*count = 0;
	if (!target || !callee || target == callee || !ret)
		return NULL;
	if ((u->ntails + 1) * 4 > u->tailscap * 3 && tails_grow(u) < 0)
		return NULL;
	j = cdl_hash64(ret ^ (callee * 31)) & (u->tailscap - 1);
	while (u->tails[j].ret) {
		if (u->tails[j].ret == ret && u->tails[j].callee == callee) {
			*count = u->tails[j].count;
			return u->tailpcs + u->tails[j].first;
		}
		j = (j + 1) & (u->tailscap - 1);
	}
	memset(&ts, 0, sizeof(ts));
	ts.goal = callee;
	tail_dfs(u, &ts, target, 0);
	if (ts.chains != 1)
		ts.nfound = 0;
	if (CDL_GROW(u->tailpcs, u->tailpcscap, u->ntailpcs + (size_t)ts.nfound, 64) < 0)
		return NULL;
	u->tails[j].ret = ret;
	u->tails[j].callee = callee;
	u->tails[j].first = (uint32_t)u->ntailpcs;
	u->tails[j].count = (uint32_t)ts.nfound;
	/* inner first: the function that jumped to the callee comes first */
	for (int i = ts.nfound - 1; i >= 0; i--)
		u->tailpcs[u->ntailpcs++] = ts.found[i];
	u->ntails++;
	*count = (uint32_t)ts.nfound;
	return u->tailpcs + u->tails[j].first;
}
