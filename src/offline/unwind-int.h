/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unwind-int.h - state shared by unwind.c (stacks), symname.c (function
 * names), symtail.c (tail-call frames), symdata.c (data symbols, libc
 * facts) and offline.c.  Private to src/offline. */
#ifndef CDL_UNWIND_INT_H
#define CDL_UNWIND_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gelf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "arch.h"
#include "diag.h"
#include "rawcap.h"
#include "libc.h"
#include "snapshot.h"

/* DWARF registers kept per frame to resume a walk: the callee-saved ones,
 * the stack pointer and the pc (numbering and mask: arch.h) */
#define NREGS_SAVED CDL_MAX_REGS

/* one global variable known to DWARF: [addr, addr+size) */
struct cdl_dvar {
	uint64_t addr, size;
	Dwarf_Off die;           /* offset of the DW_TAG_variable DIE */
	Dwarf *dbg;              /* the Dwarf holding it */
};

/* per module: lazily built table of DWARF globals (symdata.c) */
struct cdl_modvars {
	Dwfl_Module *mod;
	struct cdl_dvar *v;
	size_t n;
};

/* cached symbolization of one pc (unwind.c) */
struct cdl_pcent {
	uint64_t key;            /* pc << 1 | isactivation; 0 = empty slot */
	uint32_t first, count;   /* range in cdl_unwinder.tmpl */
	uint64_t entry;          /* entry of the (outer) function holding pc, 0 unknown */
	uint64_t target;         /* a return address: entry of the function its
	                            call site calls, 0 unknown */
	bool nocfi;              /* no CFI describes the code at pc */
	bool guards;             /* guard-typed locals are in scope at pc */
};

/* tail calls between a return address and the function it reached */
struct cdl_tailent {
	uint64_t ret, callee;    /* key; ret 0 = empty slot */
	uint32_t first, count;   /* return pcs in cdl_unwinder.tailpcs, inner first */
};

/* a module as reported to libdw: what find_elf needs, owned by the
 * unwinder (libdw looks for a module's file lazily, maybe in a later
 * capture that reuses the unwinder) */
struct cdl_modrec {
	char *open_path;         /* NULL: none */
	unsigned char *image;    /* in-memory ELF image (vdso), NULL if none */
	size_t image_len;
};

struct cdl_unwinder {
	int pid;
	Dwfl *dwfl;
	bool attached;
	const struct cdl_maps *maps; /* the raw capture's mappings while a
	                            capture is worked on, else NULL */
	uint64_t maps_sig;       /* hash of the file mappings (reuse check) */
	const struct cdl_perfmap *perfmap; /* the raw capture's JIT names while a
	                            capture is worked on */
	const char *exe;         /* the raw capture's executable, or NULL */
	struct cdl_modrec *mods;
	size_t nmods;
	Dwfl_Callbacks cb;       /* the callbacks below, with its own */
	char *debuginfo_path;    /* separate debug file path (NULL: libdw's) */

	/* the snapshot being unwound (thread callbacks read its memory) */
	struct cdl_snapshot *s;
	size_t next_thread;      /* next_thread cursor into s->threads */
	struct cdl_thread *cur;  /* thread handed out by next_thread */
	uint64_t fault_addr;     /* last memory read that missed the copies */
	bool faulted;

	/* raw frames of the thread being walked */
	struct rawframe {
		uint64_t pc;
		bool act;
		bool guards;          /* regs kept: guard locals in scope */
		uint32_t known;       /* bit i: regs[i] known at this frame */
		size_t first;         /* index of its first frame in t->frames */
		uint64_t regs[NREGS_SAVED];
	} *raw;
	size_t nraw, rawcap, max_frames;
	bool oom;

	/* registers to resume a walk past a frame without CFI (DWARF
	 * numbering; x86-64: 3 rbx, 6 rbp, 7 rsp, 12-15, 16 rip) */
	uint64_t restart_regs[NREGS_SAVED];
	uint32_t restart_known;
	bool want_resume, restart, restart_first;
	/* the libc backend that identified the libc, and the module it is
	 * in (libc.so, or the executable of a static program): its frames
	 * without CFI are its to unwind (libc.h nocfi_frame) */
	const struct cdl_libc_ops *libc;
	const char *libc_path;

	/* pc -> frames cache; strings interned in cache_snap */
	struct cdl_pcent *pcs;
	size_t npcs, pcscap;
	struct cdl_frame *tmpl;
	size_t ntmpl, tmplcap;
	const struct cdl_snapshot *cache_snap;
	size_t hits, misses;
	uint64_t sym_entry, sym_target;  /* symbolize()'s side results */
	bool sym_nocfi, sym_guards;

	struct cdl_tailent *tails;
	size_t ntails, tailscap;
	uint64_t *tailpcs;
	size_t ntailpcs, tailpcscap;

	/* modules already checked for debug info (warned once) */
	Dwfl_Module **checked;
	size_t nchecked, checkedcap;
	bool libc_warned;

	struct cdl_modvars *mv;
	size_t nmv;

	struct cdl_cuindex *cu;  /* per module: unit ranges (symcu.c) */
	size_t ncu;
	/* guardvars.c: per pc, the guard variables in scope (DIEs stay
	 * valid as long as dwfl) */
	struct cdl_guardpc *gpcs;
	size_t ngpcs, gpcscap;
	struct cdl_guardvar *gvars;
	size_t ngvars, gvarscap;
};

static inline uint64_t cdl_hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* ---- symname.c: function names as gdb shows them ---- */

/* Name of a function DIE (subprogram or inlined instance), interned in s:
 * the linkage name (C++ demangled without parameters or template return
 * type) or the DWARF name (C++ qualified by its scopes); NULL if none. */
const char *cdl_sym_die_function(struct cdl_snapshot *s, Dwarf_Die *die);
/* Name of a function known only from the symbol table: version suffix
 * dropped, C++ demangled with its parameters.  Interned in s. */
const char *cdl_sym_elf_function(struct cdl_snapshot *s, const char *name);
/* Among the function symbols at addr (name's aliases), the one gdb shows. */
const char *cdl_sym_pick_alias(Dwfl_Module *mod, const char *name, const GElf_Sym *sym,
			       GElf_Addr addr);
/* strcmp of two symbol names without their @VERSION suffixes */
int cdl_sym_cmp_unversioned(const char *a, const char *b);
/* Address of the function named name in mod (its default version). */
bool cdl_sym_function_addr(Dwfl_Module *mod, const char *name, uint64_t *addr);
/* The innermost subprogram, inlined_subroutine or lexical block below
 * parent holding pc (module-relative), classes and functions searched
 * too (a lambda's operator() lives in a class inside a function).  Call
 * with depth 0. */
bool cdl_sym_code_die(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *out, int depth);
/* The concrete scopes holding pc (module-relative), innermost first:
 * lexical blocks, inline instances, the subprogram, up to the CU.
 * *chain is malloc'd (NULL when none); returns the count. */
int cdl_sym_scope_chain(Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die **chain);
/* For a subprogram of an assembly CU, the last sibling covering pc: gas
 * describes a function once per alias, gdb shows the last. */
void cdl_sym_last_alias(Dwarf_Die *sp, Dwarf_Addr pc);

/* ---- symcu.c: the unit and line of an address without .debug_aranges ---- */

/* The compile unit DIE holding addr (an address of the process) in mod,
 * through libdw's lookup or, when that fails (clang writes no
 * .debug_aranges), the units' own ranges; *bias set.  The DIE is buf or
 * libdw's.  NULL if no unit holds addr. */
Dwarf_Die *cdl_symcu_addrdie(struct cdl_unwinder *u, Dwfl_Module *mod, Dwarf_Addr addr,
			     Dwarf_Addr *bias, Dwarf_Die *buf);

/* source position of addr; file NULL when unknown (the strings are
 * libdw's, valid while the module is) */
struct cdl_symline {
	const char *file;
	int line, column;
};
void cdl_symcu_line(struct cdl_unwinder *u, Dwfl_Module *mod, Dwarf_Addr addr,
		    struct cdl_symline *out);
void cdl_symcu_free(struct cdl_unwinder *u);

/* ---- symtail.c: tail-call frames ---- */

/* Entry of the function called by the call site that returns to ret
 * (module-relative), searched in the scopes chain[0..n) holding ret - 1;
 * 0 if unknown. */
uint64_t cdl_tail_call_target(struct cdl_unwinder *u, Dwfl_Module *mod, Dwarf_Die *chain,
			      int nchain, Dwarf_Addr ret, Dwarf_Addr bias);
/* Return pcs of the tail-calling functions between a caller that called
 * target (returning to ret) and the function entered at callee, innermost
 * first, cached in u; NULL with *count 0 when none or ambiguous. */
const uint64_t *cdl_tail_chain(struct cdl_unwinder *u, uint64_t ret, uint64_t target,
			       uint64_t callee, uint32_t *count);

/* ---- guardvars.c: guard objects in a frame ---- */

/* Does the scope chain (cdl_sym_scope_chain) hold a guard-typed local or
 * parameter in the frame's own function? */
bool cdl_guard_in_chain(Dwarf_Die *chain, int nchain);
/* Add to t->held the locks named by the guards live in the frame at pc
 * (act: pc is exact, else a return address), with the registers known
 * there (regs DWARF-numbered, bit i of known: regs[i] is known) and the
 * number of the frame's innermost entry in t->frames.  0 or -ENOMEM. */
int cdl_guards_frame(struct cdl_unwinder *u, struct cdl_thread *t, uint64_t pc, bool act,
		     const uint64_t *regs, uint32_t known, int first_frame);

/* ---- unwind.c ---- */

/* libdw state kept between captures of the same process (offline.h). */
struct cdl_offline_cache {
	struct cdl_unwinder *parked;
};

/* Report the modules of rc (its module map and the ELF files it says how
 * to open) to libdw, or reuse the unwinder parked in cache (may be NULL)
 * when rc maps the same files at the same addresses.  Reads files, never
 * the target.  0 or -errno with d filled. */
int cdl_unwinder_new(const struct cdl_rawcap *rc, struct cdl_offline_cache *cache,
		     struct cdl_unwinder **out, struct cdl_diag *d);
/* Release u, or park it in cache (may be NULL) for the next capture. */
void cdl_unwinder_free(struct cdl_unwinder *u, struct cdl_offline_cache *cache);
/* Free an unwinder for good. */
void cdl_unwinder_destroy(struct cdl_unwinder *u);

/* Unwind every thread of s that has registers (t->nregs > 0) from its
 * registers and s->mem, and fill t->frames with symbolized frames (inline
 * frames included, innermost first), t->unwind_error when the walk stops
 * early.  Problems that concern the whole snapshot (no debug info for a
 * module) become warnings.  0 or -ENOMEM. */
int cdl_unwind_all(struct cdl_unwinder *u, struct cdl_snapshot *s, size_t max_frames);

/* Name a data address: "lock_ledger", "forks[2]", "cfg+16", or NULL; and
 * where it lives (module path, "heap", "stack of thread N", "anonymous
 * mapping") in *location (interned in s; may be NULL). */
const char *cdl_unwinder_name_data(struct cdl_unwinder *u, struct cdl_snapshot *s,
				   uint64_t addr, const char **location);

/* Path of the libc the target uses (libc.so.6, or the executable for a
 * static binary), its version if found ("2.36"), and the offsets glibc
 * publishes in its _thread_db_* symbols.  Returns 0 or -ENOENT. */
/* Which libc the process runs: the backend (libc.h) whose main object is
 * mapped, or whose traces the executable of a static program holds, and
 * what it says of its release.  0 (*path: the module it was read from,
 * interned in s), or -ENOENT. */
int cdl_unwinder_libc_id(struct cdl_unwinder *u, struct cdl_snapshot *s,
			 const struct cdl_libc_ops **ops, struct cdl_libc_id *id,
			 const char **path);

/* Unwind the frames of path's code without CFI with the libc backend ops
 * (set before cdl_unwind_all; path is kept, not copied). */
void cdl_unwinder_set_libc(struct cdl_unwinder *u, const struct cdl_libc_ops *ops,
			   const char *path);
/* Plan to resume the walk at ret with the stack pointer sp, the
 * callee-saved registers as in state (a function without CFI that keeps
 * them) except those r says were saved in memory (r may be NULL).  False
 * if a saved register was not copied. */
bool cdl_unwind_restart_at(struct cdl_unwinder *u, Dwfl_Frame *state, uint64_t sp, uint64_t ret,
			   const struct cdl_libc_nocfi *r);
/* unwind-libc.c: a frame at pc (act: an activation, else a return
 * address) without CFI in the libc's module, planned from what its
 * backend proves; false if it proves nothing. */
bool cdl_unwind_plan_libc(struct cdl_unwinder *u, Dwfl_Frame *state, uint64_t pc, bool act);

/* The module whose address range holds addr, or NULL. */
Dwfl_Module *cdl_unwind_module_at(struct cdl_unwinder *u, uint64_t addr);

/* Path a module is shown under ("[vdso]" for the vdso). */
const char *cdl_unwind_modpath(Dwfl_Module *mod);

/* Counters of the pc cache since the unwinder was made (for bench/). */
void cdl_unwinder_cache_stats(const struct cdl_unwinder *u, size_t *hits, size_t *misses);

/* len bytes of the module's ELF file at module address addr, or NULL. */
const unsigned char *cdl_unwind_elf_bytes(Dwfl_Module *mod, uint64_t addr, size_t len);

/* Free what guardvars.c allocated in u. */
void cdl_guards_free(struct cdl_unwinder *u);
/* Free what symdata.c allocated in u. */
void cdl_symdata_free(struct cdl_unwinder *u);

#endif
