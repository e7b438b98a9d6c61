/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guardvars.c - the locks a frame holds, read from its guard objects.
 *
 * A C++ std::lock_guard, unique_lock, scoped_lock or shared_lock, a Rust
 * MutexGuard, RwLockReadGuard or RwLockWriteGuard, and GLib's
 * g_autoptr(GMutexLocker) are locals with a DWARF type and location.  For a frame whose pc lies inside the scope of
 * such a local (the subprogram, its lexical blocks and inline instances
 * holding the pc) and whose location is valid at that pc, the guard is
 * read from the copied stack with the frame's own registers (those the
 * unwinder knows at that frame: a guard that needs an unknown register is
 * skipped, never guessed) and names the lock it points to.  What is
 * collected here is only a candidate: src/libc/held.c decides, with the
 * waits classified, which candidates are held locks.
 */
#include "config.h"

#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "grow.h"
#include "memimg.h"
#include "snapshot.h"
#include "unwind-int.h"

enum gkind {
	G_NONE,
	G_LOCK_GUARD,       /* std::lock_guard, single std::scoped_lock: _M_device */
	G_UNIQUE,           /* std::unique_lock: _M_device, _M_owns */
	G_SHARED,           /* std::shared_lock: _M_pm, _M_owns */
	G_RUST_MUTEX,       /* MutexGuard: lock -> Mutex<T>.inner */
	G_RUST_WRITE,       /* RwLockWriteGuard: lock -> RwLock<T>.inner */
	G_RUST_READ,        /* RwLockReadGuard: inner_lock -> sys RwLock */
	G_GMUTEX,           /* g_autoptr(GMutexLocker): the GMutex itself */
};

static const struct {
	const char *prefix;
	enum gkind kind;
	bool rust;
	const char *shown;
} guard_types[] = {
	{ "lock_guard<", G_LOCK_GUARD, false, "std::lock_guard" },
	{ "scoped_lock<", G_LOCK_GUARD, false, "std::scoped_lock" },
	{ "unique_lock<", G_UNIQUE, false, "std::unique_lock" },
	{ "shared_lock<", G_SHARED, false, "std::shared_lock" },
	{ "MutexGuard<", G_RUST_MUTEX, true, "MutexGuard" },
	{ "RwLockWriteGuard<", G_RUST_WRITE, true, "RwLockWriteGuard" },
	{ "RwLockReadGuard<", G_RUST_READ, true, "RwLockReadGuard" },
	{ "GMutexLocker", G_GMUTEX, false, "GMutexLocker" },
};

#define GMUTEX_SIZE 8       /* union _GMutex { gpointer p; guint i[2]; } */

static bool type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute attr;

	return dwarf_attr_integrate(die, DW_AT_type, &attr) && dwarf_formref_die(&attr, out);
}

/* through typedefs and qualifiers; *ref set when a reference or pointer
 * was crossed (a parameter passed by reference) */
static bool strip(Dwarf_Die *t, bool *ref)
{
	for (int i = 0; i < 16; i++) {
		int tag = dwarf_tag(t);

		if (tag == DW_TAG_typedef || tag == DW_TAG_const_type ||
		    tag == DW_TAG_volatile_type) {
			if (!type_of(t, t))
				return false;
			continue;
		}
		if (ref && !*ref && (tag == DW_TAG_reference_type ||
				     tag == DW_TAG_rvalue_reference_type ||
				     tag == DW_TAG_pointer_type)) {
			*ref = true;
			if (!type_of(t, t))
				return false;
			continue;
		}
		return tag == DW_TAG_structure_type || tag == DW_TAG_class_type;
	}
	return false;
}

/* the outermost namespace around a type is "std" */
static bool in_std(Dwarf_Die *type)
{
	Dwarf_Die *scopes = NULL;
	int n = dwarf_getscopes_die(type, &scopes);
	bool ok = n >= 3 && dwarf_tag(&scopes[n - 2]) == DW_TAG_namespace &&
		  dwarf_diename(&scopes[n - 2]) &&
		  strcmp(dwarf_diename(&scopes[n - 2]), "std") == 0;

	free(scopes);
	return ok;
}

/* GLib's g_autoptr(GMutexLocker) is a GMutexLocker_autoptr, a typedef of
 * "GMutexLocker *" (a typedef of void) pointing to the GMutex; its
 * cleanup unlocks at the end of scope.  *out is the pointer type. */
static bool gmutex_locker(Dwarf_Die *var, Dwarf_Die *out)
{
	Dwarf_Die td;
	const char *name;

	if (!type_of(var, out))
		return false;
	for (int i = 0; i < 4 && dwarf_tag(out) == DW_TAG_typedef; i++)
		if (!type_of(out, out))
			return false;
	return dwarf_tag(out) == DW_TAG_pointer_type &&
	       type_of(out, &td) && dwarf_tag(&td) == DW_TAG_typedef &&
	       (name = dwarf_diename(&td)) && strcmp(name, "GMutexLocker") == 0;
}

/* Which guard type a variable's type is (index into guard_types, -1). */
static int guard_type(Dwarf_Die *var, Dwarf_Die *strct, bool *ref)
{
	const char *name;

	*ref = false;
	if (gmutex_locker(var, strct))
		return (int)(sizeof(guard_types) / sizeof(guard_types[0])) - 1;
	if (!type_of(var, strct) || !strip(strct, ref) || !(name = dwarf_diename(strct)))
		return -1;
	for (size_t i = 0; i + 1 < sizeof(guard_types) / sizeof(guard_types[0]); i++)
		if (strncmp(name, guard_types[i].prefix, strlen(guard_types[i].prefix)) == 0)
			return in_std(strct) ? (int)i : -1;
	return -1;
}

/* Guard-typed variables and parameters that are direct children of die. */
static bool die_has_guards(Dwarf_Die *die)
{
	Dwarf_Die c, t;
	bool ref;

	if (dwarf_child(die, &c) != 0)
		return false;
	do {
		int tag = dwarf_tag(&c);

		if ((tag == DW_TAG_variable || tag == DW_TAG_formal_parameter) &&
		    guard_type(&c, &t, &ref) >= 0)
			return true;
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

bool cdl_guard_in_chain(Dwarf_Die *chain, int nchain)
{
	for (int i = 0; i < nchain; i++) {
		int tag = dwarf_tag(&chain[i]);

		if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine &&
		    tag != DW_TAG_lexical_block)
			continue;
		if (die_has_guards(&chain[i]))
			return true;
		if (tag == DW_TAG_subprogram)
			break;
	}
	return false;
}

/* one guard-typed variable or parameter in scope at a pc */
struct cdl_guardvar {
	Dwarf_Die var, strct;     /* the variable, its guard struct */
	Dwarf_Word size;          /* of the struct */
	int gi;                   /* index into guard_types */
	int inl;                  /* frame offset: inline instances below it */
	bool ref, param;          /* a parameter (by reference) */
};

struct cdl_guardpc {
	uint64_t key;             /* pc << 1 | act; 0 = empty slot */
	uint32_t first, count;    /* range in cdl_unwinder.gvars */
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	Dwarf_Die sp;             /* the subprogram: its frame base */
	bool has_sp;
	bool cfa_tried;           /* the CFA rule at the pc: register + offset */
	int cfa_reg;              /* -1: none usable */
	int64_t cfa_off;
};

/* ---- evaluating a location at one frame ---- */

struct fctx {
	struct cdl_unwinder *u;
	struct cdl_guardpc *e;    /* the pc's guards, module, CFA rule */
	uint64_t a;               /* lookup address (absolute) */
	const uint64_t *regs;
	uint32_t known;
	Dwarf_Die *sp;            /* the subprogram: its frame base */
};

static bool reg(const struct fctx *f, uint64_t r, uint64_t *v)
{
	if (r >= 32 || !(f->known & (1u << r)))
		return false;
	*v = f->regs[r];
	return true;
}

/* the value of a one-op register expression: bregN off, bregx, regN */
static bool breg(const struct fctx *f, const Dwarf_Op *op, uint64_t *v)
{
	uint8_t a = op->atom;

	if (a >= DW_OP_breg0 && a <= DW_OP_breg31 && reg(f, a - DW_OP_breg0, v)) {
		*v += (int64_t)op->number;
		return true;
	}
	if (a == DW_OP_bregx && reg(f, op->number, v)) {
		*v += (int64_t)op->number2;
		return true;
	}
	if (a >= DW_OP_reg0 && a <= DW_OP_reg31)
		return reg(f, a - DW_OP_reg0, v);
	if (a == DW_OP_regx)
		return reg(f, op->number, v);
	return false;
}

/* the CFA rule at the pc, from the module's CFI, once per pc */
static void cfa_rule(struct cdl_guardpc *e, uint64_t a)
{
	e->cfa_tried = true;
	e->cfa_reg = -1;
	for (int k = 0; k < 2 && e->cfa_reg < 0; k++) {
		Dwarf_Addr cb;
		Dwarf_CFI *cfi = k == 0 ? dwfl_module_eh_cfi(e->mod, &cb)
					: dwfl_module_dwarf_cfi(e->mod, &cb);
		Dwarf_Frame *fr = NULL;
		Dwarf_Op *ops;
		size_t nops;

		if (!cfi || dwarf_cfi_addrframe(cfi, a - cb, &fr) != 0)
			continue;
		if (dwarf_frame_cfa(fr, &ops, &nops) == 0 && nops == 1) {
			uint8_t at = ops[0].atom;

			if (at >= DW_OP_breg0 && at <= DW_OP_breg31) {
				e->cfa_reg = at - DW_OP_breg0;
				e->cfa_off = (int64_t)ops[0].number;
			} else if (at == DW_OP_bregx && ops[0].number < 32) {
				e->cfa_reg = (int)ops[0].number;
				e->cfa_off = (int64_t)ops[0].number2;
			}
		}
		free(fr);
	}
}

static bool cfa(struct fctx *f, uint64_t *v)
{
	if (!f->e->cfa_tried)
		cfa_rule(f->e, f->a);
	if (f->e->cfa_reg < 0 || !reg(f, (uint64_t)f->e->cfa_reg, v))
		return false;
	*v += (uint64_t)f->e->cfa_off;
	return true;
}

static bool frame_base(struct fctx *f, uint64_t *v)
{
	Dwarf_Attribute attr;
	Dwarf_Op *expr;
	size_t len;

	if (!f->sp || !dwarf_attr(f->sp, DW_AT_frame_base, &attr) ||
	    dwarf_getlocation_addr(&attr, f->a - f->e->bias, &expr, &len, 1) != 1 || len != 1)
		return false;
	if (expr[0].atom == DW_OP_call_frame_cfa)
		return cfa(f, v);
	return breg(f, &expr[0], v);
}

/* The value of a one-op address expression: DW_OP_addr (relocated by
 * the module's bias), the frame base or a register plus an offset. */
static bool address_op(struct fctx *f, const Dwarf_Op *op, uint64_t *v)
{
	if (op->atom == DW_OP_addr) {
		*v = op->number + f->e->bias;
		return true;
	}
	if (op->atom == DW_OP_fbreg) {
		if (!frame_base(f, v))
			return false;
		*v += (int64_t)op->number;
		return true;
	}
	return breg(f, op, v);
}

/* Where var lives at the frame: in memory at *addr, or (in_reg) its
 * value is *addr (a register, or an implicit value: gcc describes an
 * optimized lock_guard as "DW_OP_addr mtx; DW_OP_stack_value").  Only
 * plain locations: a register; an address (the frame base or a register
 * plus an offset, DW_OP_addr), optionally dereferenced; either as a
 * value; a single DW_OP_piece may cover the whole object (size). */
static bool locate(struct fctx *f, Dwarf_Die *var, uint64_t size, uint64_t *addr, bool *in_reg)
{
	Dwarf_Attribute attr;
	Dwarf_Op *expr;
	size_t len;
	uint8_t a;

	*in_reg = false;
	if (!dwarf_attr(var, DW_AT_location, &attr) ||
	    dwarf_getlocation_addr(&attr, f->a - f->e->bias, &expr, &len, 1) != 1 || len < 1)
		return false;
	if (len >= 2 && expr[len - 1].atom == DW_OP_piece) {
		if (expr[len - 1].number != size)
			return false;
		len--;
	}
	if (len > 2)
		return false;
	a = expr[0].atom;
	if ((a >= DW_OP_reg0 && a <= DW_OP_reg31) || a == DW_OP_regx) {
		*in_reg = true;
		return len == 1 && breg(f, &expr[0], addr);
	}
	if (!address_op(f, &expr[0], addr))
		return false;
	if (len == 2 && expr[1].atom == DW_OP_stack_value) {
		*in_reg = true;
		return true;
	}
	if (len == 2 && (expr[1].atom != DW_OP_deref || !f->u->s->mem ||
			 cdl_memimg_u64(f->u->s->mem, *addr, addr) < 0))
		return false;
	return true;
}

/* ---- reading a guard ---- */

/* offset and type of the member called name */
static bool member(Dwarf_Die *strct, const char *name, uint64_t *off, Dwarf_Die *type)
{
	Dwarf_Die m;

	if (dwarf_child(strct, &m) != 0)
		return false;
	do {
		Dwarf_Attribute a;
		Dwarf_Word loc = 0;

		if (dwarf_tag(&m) != DW_TAG_member || !dwarf_diename(&m) ||
		    strcmp(dwarf_diename(&m), name) != 0)
			continue;
		if (dwarf_attr(&m, DW_AT_data_member_location, &a) && dwarf_formudata(&a, &loc) != 0)
			return false;
		*off = loc;
		return type_of(&m, type);
	} while (dwarf_siblingof(&m, &m) == 0);
	return false;
}

/* the struct a pointer or reference member points to */
static bool pointee(Dwarf_Die *ptr_type, Dwarf_Die *out)
{
	bool ref = false;

	*out = *ptr_type;
	return strip(out, &ref) && ref;
}

static bool load(const void *obj, size_t objlen, uint64_t off, size_t n, uint64_t *v)
{
	*v = 0;
	if (off + n > objlen)
		return false;
	memcpy(v, (const char *)obj + off, n);
	return true;
}

/* The lock a guard names: a Rust guard points to the std wrapper (or to
 * the sys lock for a read guard), whose `inner` is the futex lock the
 * waits name.  False when the guard does not say it holds a lock. */
static bool guard_lock(int gi, Dwarf_Die *strct, const unsigned char *obj, size_t objlen,
		       uint64_t *lock, uint64_t *size)
{
	enum gkind k = guard_types[gi].kind;
	const char *ptr_name = k == G_SHARED ? "_M_pm" :
			       guard_types[gi].rust ? "lock" : "_M_device";
	Dwarf_Die pt, target, inner;
	uint64_t off, owns, ioff;
	Dwarf_Word sz = 0;
	bool wrapper = guard_types[gi].rust;

	if (k == G_GMUTEX) {
		*size = GMUTEX_SIZE;
		return load(obj, objlen, 0, 8, lock) && *lock;
	}

	/* a read guard points to the sys lock itself (1.64+: inner_lock),
	 * or like the others to the std wrapper (1.63: lock) */
	if (k == G_RUST_READ && member(strct, "inner_lock", &off, &pt))
		wrapper = false;
	else if (!member(strct, ptr_name, &off, &pt))
		return false;
	if (!load(obj, objlen, off, 8, lock) || !*lock || !pointee(&pt, &target))
		return false;
	if (k == G_UNIQUE || k == G_SHARED) {
		Dwarf_Die bt;

		if (!member(strct, "_M_owns", &off, &bt) || !load(obj, objlen, off, 1, &owns) ||
		    !owns)
			return false;
	}
	if (wrapper) {
		Dwarf_Die t = target;

		if (!member(&t, "inner", &ioff, &inner) || !strip(&inner, NULL))
			return false;
		*lock += ioff;
		target = inner;
	}
	if (dwarf_aggregate_size(&target, &sz) != 0 || sz == 0)
		return false;
	*size = sz;
	return true;
}

/* ---- the guard variables in scope at a pc, cached ---- */

void cdl_guards_free(struct cdl_unwinder *u)
{
	free(u->gpcs);
	free(u->gvars);
	u->gpcs = NULL;
	u->gvars = NULL;
	u->ngpcs = u->gpcscap = u->ngvars = u->gvarscap = 0;
}

static int gvar_add(struct cdl_unwinder *u, Dwarf_Die *var, int inl)
{
	struct cdl_guardvar g = { .var = *var, .inl = inl };
	bool ref;

	g.gi = guard_type(var, &g.strct, &ref);
	if (g.gi < 0)
		return 0;
	g.ref = ref;
	g.param = dwarf_tag(var) == DW_TAG_formal_parameter;
	if ((g.ref && !g.param) || dwarf_aggregate_size(&g.strct, &g.size) != 0 || g.size == 0 ||
	    g.size > 64)
		return 0;
	if (CDL_GROW(u->gvars, u->gvarscap, u->ngvars + 1, 64) < 0)
		return -ENOMEM;
	u->gvars[u->ngvars++] = g;
	return 0;
}

/* Fill e for the lookup address a: the guard variables of the scopes
 * holding it, in the frame's own function. */
static int scan_pc(struct cdl_unwinder *u, struct cdl_guardpc *e, uint64_t a)
{
	Dwarf_Die *cudie, *chain = NULL;
	int nchain, inl = 0, rc = 0;

	e->first = (uint32_t)u->ngvars;
	e->mod = cdl_unwind_module_at(u, a);
	if (!e->mod || !(cudie = dwfl_module_addrdie(e->mod, a, &e->bias)))
		return 0;
	nchain = cdl_sym_scope_chain(cudie, a - e->bias, &chain);
	for (int i = 0; i < nchain && rc == 0; i++) {
		int tag = dwarf_tag(&chain[i]);
		Dwarf_Die c;

		if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine &&
		    tag != DW_TAG_lexical_block)
			continue;
		if (dwarf_child(&chain[i], &c) == 0) {
			do {
				int ct = dwarf_tag(&c);

				if (ct == DW_TAG_variable || ct == DW_TAG_formal_parameter)
					rc = gvar_add(u, &c, inl);
			} while (rc == 0 && dwarf_siblingof(&c, &c) == 0);
		}
		if (tag == DW_TAG_inlined_subroutine)
			inl++;
		if (tag == DW_TAG_subprogram) {
			e->sp = chain[i];
			e->has_sp = true;
			break;
		}
	}
	free(chain);
	e->count = (uint32_t)(u->ngvars - e->first);
	return rc;
}

static int gpcs_grow(struct cdl_unwinder *u)
{
	size_t cap = u->gpcscap ? u->gpcscap * 2 : 256;
	struct cdl_guardpc *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < u->gpcscap; i++) {
		size_t j;

		if (!u->gpcs[i].key)
			continue;
		j = cdl_hash64(u->gpcs[i].key) & (cap - 1);
		while (n[j].key)
			j = (j + 1) & (cap - 1);
		n[j] = u->gpcs[i];
	}
	free(u->gpcs);
	u->gpcs = n;
	u->gpcscap = cap;
	return 0;
}

static struct cdl_guardpc *lookup(struct cdl_unwinder *u, uint64_t pc, bool act)
{
	uint64_t key = pc << 1 | (act ? 1 : 0);
	size_t j;

	if (key == 0)
		key = 2;
	if ((u->ngpcs + 1) * 4 > u->gpcscap * 3 && gpcs_grow(u) < 0)
		return NULL;
	j = cdl_hash64(key) & (u->gpcscap - 1);
	while (u->gpcs[j].key) {
		if (u->gpcs[j].key == key)
			return &u->gpcs[j];
		j = (j + 1) & (u->gpcscap - 1);
	}
	memset(&u->gpcs[j], 0, sizeof(u->gpcs[j]));
	if (scan_pc(u, &u->gpcs[j], act ? pc : pc - 1) < 0)
		return NULL;
	u->gpcs[j].key = key;
	u->ngpcs++;
	return &u->gpcs[j];
}

/* One guard variable of a frame: add it to t->held when it names a lock. */
static int add_guard(struct fctx *f, struct cdl_thread *t, const struct cdl_guardvar *g,
		     int frame)
{
	unsigned char obj[64];
	uint64_t addr, lock, lsize;
	struct cdl_held *h;
	Dwarf_Die var = g->var, strct = g->strct;
	bool in_reg;

	if (!locate(f, &var, g->ref ? 8 : g->size, &addr, &in_reg))
		return 0;
	if (g->ref) {
		/* a parameter by reference: addr (or the register) is the pointer */
		if (!in_reg && (!f->u->s->mem || cdl_memimg_u64(f->u->s->mem, addr, &addr) < 0))
			return 0;
		in_reg = false;
	}
	if (in_reg) {
		if (g->size > 8)
			return 0;
		memcpy(obj, &addr, g->size);
	} else if (!f->u->s->mem || cdl_memimg_read(f->u->s->mem, addr, obj, g->size) < 0) {
		return 0;             /* the guard is not in the copied memory */
	}
	if (!guard_lock(g->gi, &strct, obj, g->size, &lock, &lsize))
		return 0;
	h = cdl_thread_add_held(t);
	if (!h)
		return -ENOMEM;
	h->address = lock;
	h->size = lsize;
	h->guard = guard_types[g->gi].shown;
	h->frame = frame;
	h->shared = guard_types[g->gi].kind == G_SHARED || guard_types[g->gi].kind == G_RUST_READ;
	h->param = g->param ? (g->ref ? 2 : 1) : 0;
	return 0;
}

int cdl_guards_frame(struct cdl_unwinder *u, struct cdl_thread *t, uint64_t pc, bool act,
		     const uint64_t *regs, uint32_t known, int first_frame)
{
	struct cdl_guardpc *e = lookup(u, pc, act);
	struct fctx f = { .u = u, .e = e, .a = act ? pc : pc - 1, .regs = regs, .known = known };
	Dwarf_Die sp;
	uint32_t first, count;

	if (!e)
		return -ENOMEM;
	if (e->count == 0)
		return 0;
	sp = e->sp;
	f.sp = e->has_sp ? &sp : NULL;
	first = e->first;
	count = e->count;
	for (uint32_t k = 0; k < count; k++) {
		/* add_guard may grow t->held, never u->gvars: index, do not hold */
		struct cdl_guardvar g = u->gvars[first + k];

		if (add_guard(&f, t, &g, first_frame + g.inl) < 0)
			return -ENOMEM;
	}
	return 0;
}
