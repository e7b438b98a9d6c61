/* SPDX-License-Identifier: GPL-2.0-or-later */
/* symname.c - function names as gdb's backtrace shows them.
 *
 * From DWARF: the linkage name when there is one (C++ demangled, without
 * its parameter list or a template's return type), else the DWARF name,
 * qualified by its namespaces and classes for C++.  From the ELF symbol
 * table only: the demangled symbol with its parameters, the alias gdb
 * would pick.  Also the scope searches the names need.
 */
#include "config.h"

#include <dwarf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#ifdef HAVE_LIBIBERTY_DEMANGLE_H
#include <libiberty/demangle.h>
#endif

#include "snapshot.h"
#include "unwind-int.h"

/* from the C++ runtime (libstdc++), which every gcc system has */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* Rust symbols, both manglings, as gdb (13) shows a frame it knows only
 * from the symbol table: libiberty's demangler in its verbose form, so
 * legacy "_ZN4abba4main17h0123456789abcdefE" -> "abba::main::h0123456789abcdef"
 * and v0 keeps its crate disambiguators, "lock_rust[77b8a1792afa6465]::main".
 * rust_demangle refuses a C++ name (no hash segment).  Frames with DWARF
 * are named from it, without hashes (rust_die_name). */
static char *rust_name(const char *mangled)
{
#if defined(HAVE_LIBIBERTY_DEMANGLE_H) && defined(HAVE_RUST_DEMANGLE)
	if (mangled[0] == '_' && (mangled[1] == 'R' || mangled[1] == 'Z'))
		return rust_demangle(mangled, DMGL_VERBOSE);
#endif
	(void)mangled;
	return NULL;
}

static char *demangle(const char *mangled)
{
	int status = -1;
	char *d;

	if (!mangled || (d = rust_name(mangled)) != NULL)
		return d;
	if (mangled[0] != '_' || mangled[1] != 'Z')
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

static bool is_cxx(Dwarf_Die *die)
{
	Dwarf_Die cu;

	if (!dwarf_diecu(die, &cu, NULL, NULL))
		return false;
	switch (dwarf_srclang(&cu)) {
	case DW_LANG_C_plus_plus:
	case DW_LANG_C_plus_plus_03:
	case DW_LANG_C_plus_plus_11:
	case DW_LANG_C_plus_plus_14:
		return true;
	default:
		return false;
	}
}

/* The DIE that declares a function: through DW_AT_abstract_origin (an
 * inline or out-of-line instance) and DW_AT_specification (a definition
 * outside its class). */
static void declaration_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute attr;
	Dwarf_Die next;

	*out = *die;
	for (int i = 0; i < 8; i++) {
		if (!(dwarf_attr(out, DW_AT_abstract_origin, &attr) ||
		      dwarf_attr(out, DW_AT_specification, &attr)) ||
		    !dwarf_formref_die(&attr, &next))
			return;
		*out = next;
	}
}

/* "std::thread::_State_impl<...>::" for a C++ function DIE that has no
 * linkage name, from the namespaces and classes around its declaration,
 * as gdb builds it: an unnamed class or a function scope ends the prefix. */
static void cxx_prefix(Dwarf_Die *die, char *buf, size_t cap)
{
	Dwarf_Die decl, *scopes = NULL;
	int n;

	buf[0] = '\0';
	declaration_of(die, &decl);
	n = dwarf_getscopes_die(&decl, &scopes);
	if (n <= 1) {
		free(scopes);
		return;
	}
	int outer = 1;
	for (; outer < n; outer++) {
		int tag = dwarf_tag(&scopes[outer]);

		if (tag == DW_TAG_namespace)
			continue;
		if ((tag == DW_TAG_class_type || tag == DW_TAG_structure_type ||
		     tag == DW_TAG_union_type || tag == DW_TAG_enumeration_type) &&
		    dwarf_diename(&scopes[outer]))
			continue;
		break;
	}
	for (int i = outer - 1; i >= 1; i--) {
		const char *name = dwarf_diename(&scopes[i]);
		size_t len = strlen(buf);

		snprintf(buf + len, cap - len, "%s::",
			 name ? name : "(anonymous namespace)");
	}
	free(scopes);
}

/* gdb's name for a function DIE (inlined instance or subprogram) into s's
 * pool. */
/* gdb names a Rust function from DWARF, never from its linkage name:
 * its DW_AT_name ("lock<u64>", "{closure#0}") after every namespace and
 * type around its declaration ("std::sync::poison::mutex::Mutex<u64>::"). */
static const char *rust_die_name(struct cdl_snapshot *s, Dwarf_Die *die)
{
	Dwarf_Die decl, *scopes = NULL;
	const char *name;
	char buf[1024] = "";
	int n;

	declaration_of(die, &decl);
	if (!(name = dwarf_diename(&decl)))
		return NULL;
	n = dwarf_getscopes_die(&decl, &scopes);
	for (int i = n - 2; i >= 1; i--) {
		const char *sn = dwarf_diename(&scopes[i]);
		size_t len = strlen(buf);

		if (sn)
			snprintf(buf + len, sizeof(buf) - len, "%s::", sn);
	}
	free(scopes);
	return cdl_snapshot_internf(s, "%s%s", buf, name);
}

static bool is_rust(Dwarf_Die *die)
{
	Dwarf_Die cu;

	return dwarf_diecu(die, &cu, NULL, NULL) && dwarf_srclang(&cu) == DW_LANG_Rust;
}

const char *cdl_sym_die_function(struct cdl_snapshot *s, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *link, *name;
	char buf[1024];

	if (is_rust(die) && (name = rust_die_name(s, die)) != NULL)
		return name;

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
	if (!name)
		return NULL;
	if (!is_cxx(die))
		return cdl_snapshot_intern(s, name);
	/* C++ without a linkage name (gcc omits it when a local type such
	 * as a lambda is involved): qualify it as gdb does */
	cxx_prefix(die, buf, sizeof(buf));
	return cdl_snapshot_internf(s, "%s%s", buf, name);
}

/* name of an ELF symbol, demangled with its parameters (as gdb shows
 * symbols it knows only from the symbol table) */
const char *cdl_sym_elf_function(struct cdl_snapshot *s, const char *name)
{
	char plain[512];
	char *d;
	const char *r;

	/* a .symtab may spell symbol versions into names: foo@@GLIBC_2.2.5 */
	if (strchr(name, '@')) {
		snprintf(plain, sizeof(plain), "%.*s", (int)strcspn(name, "@"), name);
		name = plain;
	}
	d = demangle(name);

	if (!d)
		return cdl_snapshot_intern(s, name);
	r = cdl_snapshot_intern(s, d);
	free(d);
	return r;
}

/* strcmp of two symbol names without their @VERSION suffixes */
int cdl_sym_cmp_unversioned(const char *a, const char *b)
{
	size_t la = strcspn(a, "@"), lb = strcspn(b, "@");
	int c = strncmp(a, b, la < lb ? la : lb);

	return c ? c : (la > lb) - (la < lb);
}

/* Several symbols often share an address (nanosleep and __nanosleep).
 * gdb shows the sized one whose name sorts last; do the same so that both
 * tools name a frame alike. */
const char *cdl_sym_pick_alias(Dwfl_Module *mod, const char *name, const GElf_Sym *sym,
			      GElf_Addr addr)
{
	int n = dwfl_module_getsymtab(mod);
	const char *best = name;
	bool best_sized = sym->st_size != 0;
	bool best_local = GELF_ST_BIND(sym->st_info) == STB_LOCAL;

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
		/* as gdb: a global (or weak) name before a file-local one
		 * (musl's static sccp is the weak __syscall_cp_c) */
		bool local = GELF_ST_BIND(s2.st_info) == STB_LOCAL;

		if (local && !best_local && (best_sized || s2.st_size == 0))
			continue;
		if ((!best_sized && s2.st_size != 0) || (best_local && !local) ||
		    cdl_sym_cmp_unversioned(n2, best) > 0) {
			best = n2;
			best_sized = s2.st_size != 0;
			best_local = local;
		}
	}
	return best;
}

/* The innermost subprogram, inlined_subroutine or lexical block holding
 * pc anywhere below parent, classes and functions included. */
bool cdl_sym_code_die(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *out, int depth)
{
	Dwarf_Die child;

	if (depth > 32 || dwarf_child(parent, &child) != 0)
		return false;
	do {
		int tag = dwarf_tag(&child);

		switch (tag) {
		case DW_TAG_subprogram:
		case DW_TAG_inlined_subroutine:
		case DW_TAG_lexical_block:
			if (dwarf_haspc(&child, pc) == 1) {
				*out = child;
				cdl_sym_code_die(&child, pc, out, depth + 1);
				return true;
			}
			/* classes defined inside functions and blocks */
			if (tag != DW_TAG_inlined_subroutine &&
			    cdl_sym_code_die(&child, pc, out, depth + 1))
				return true;
			break;
		case DW_TAG_namespace:
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
			if (cdl_sym_code_die(&child, pc, out, depth + 1))
				return true;
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* gas describes an assembly function once per alias (__clone3,
 * __GI___clone3, clone3) with the same range; gdb shows the last one */
void cdl_sym_last_alias(Dwarf_Die *sp, Dwarf_Addr pc)
{
	Dwarf_Die cu, next = *sp;

	if (!dwarf_diecu(sp, &cu, NULL, NULL) || dwarf_srclang(&cu) != DW_LANG_Mips_Assembler)
		return;
	while (dwarf_siblingof(&next, &next) == 0)
		if (dwarf_tag(&next) == DW_TAG_subprogram && dwarf_haspc(&next, pc) == 1)
			*sp = next;
}

/* The definition a call by name binds to: a function symbol of that
 * name, its default version (foo@@V or plain foo) rather than a compat one
 * (foo@V), which a new link never binds to. */
bool cdl_sym_function_addr(Dwfl_Module *mod, const char *name, uint64_t *addr)
{
	int n = dwfl_module_getsymtab(mod);
	bool found = false;

	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr a;
		const char *sn = dwfl_module_getsym_info(mod, i, &sym, &a, NULL, NULL, NULL);
		const char *at;
		int type = GELF_ST_TYPE(sym.st_info);

		if (!sn || sym.st_shndx == SHN_UNDEF ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC) ||
		    cdl_sym_cmp_unversioned(sn, name) != 0)
			continue;
		*addr = a;
		found = true;
		at = strchr(sn, '@');
		if (!at || at[1] == '@')
			return true;
	}
	return found;
}

static bool chain_has_function(Dwarf_Die *chain, int n)
{
	for (int i = 0; i < n; i++)
		if (dwarf_tag(&chain[i]) == DW_TAG_subprogram)
			return true;
	return false;
}

int cdl_sym_scope_chain(Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die **chain)
{
	Dwarf_Die inner, *scopes = NULL;
	int n = dwarf_getscopes(cudie, pc, &scopes), nchain = 0;

	*chain = NULL;
	/* dwarf_getscopes follows an inline instance into its abstract
	 * origin; the concrete chain of callers comes from the DIE tree */
	if (n > 0)
		nchain = dwarf_getscopes_die(&scopes[0], chain);
	free(scopes);
	/* it does not look inside classes: a lambda's operator() lives in a
	 * class inside the function that made it */
	if (!chain_has_function(*chain, nchain) && cdl_sym_code_die(cudie, pc, &inner, 0)) {
		free(*chain);
		*chain = NULL;
		nchain = dwarf_getscopes_die(&inner, chain);
	}
	return nchain < 0 ? 0 : nchain;
}
