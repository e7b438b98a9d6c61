/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unwind-libc.c - the libc's own frames without CFI (musl's code has
 * none): the libc backend that identified the libc reads the code and
 * the copied stack (libc.h nocfi_frame) through the calls here, and says
 * where the return address and the saved registers are; unwind.c resumes
 * the walk there. */
#include "config.h"

#include <string.h>

#include <elfutils/libdwfl.h>

#include "arch.h"
#include "libc.h"
#include "memimg.h"
#include "unwind-int.h"

static bool q_read(const struct cdl_libc_code *q, uint64_t addr, uint64_t *v)
{
	const struct cdl_unwinder *u = q->priv;

	return u->s->mem && cdl_memimg_u64(u->s->mem, addr, v) == 0;
}

static const unsigned char *q_code(const struct cdl_libc_code *q, uint64_t addr, size_t len)
{
	Dwfl_Module *mod = cdl_unwind_module_at(q->priv, addr);

	return mod ? cdl_unwind_elf_bytes(mod, addr, len) : NULL;
}

/* the start of the sized function symbol holding addr; 0 when none (a
 * sizeless symbol like musl's memset says nothing of what follows it) */
static uint64_t q_entry(const struct cdl_libc_code *q, uint64_t addr)
{
	Dwfl_Module *mod = cdl_unwind_module_at(q->priv, addr);
	GElf_Off off = 0;
	GElf_Sym sym;

	if (!mod || !dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL) ||
	    sym.st_size == 0 || off >= sym.st_size)
		return 0;
	return addr - off;
}

bool cdl_unwind_plan_libc(struct cdl_unwinder *u, Dwfl_Frame *state, uint64_t pc, bool act)
{
	uint64_t a = act ? pc : pc - 1;
	struct cdl_libc_code q = { .priv = u, .read = q_read, .code = q_code, .entry = q_entry };
	struct cdl_libc_nocfi r;
	Dwfl_Module *mod;
	const char *path;
	Dwarf_Word sp, ret;

	if (!u->libc || !u->libc->nocfi_frame || !u->libc_path || !u->s->mem ||
	    !(mod = cdl_unwind_module_at(u, a)) || !(path = cdl_unwind_modpath(mod)) ||
	    strcmp(path, u->libc_path) != 0 ||
	    dwfl_frame_reg(state, cdl_arch()->dwarf_sp, &sp) != 0 ||
	    !u->libc->nocfi_frame(&q, a, sp, &r) ||
	    cdl_memimg_u64(u->s->mem, r.ra_slot, &ret) < 0)
		return false;
	return cdl_unwind_restart_at(u, state, r.ra_slot + 8, ret, &r);
}

void cdl_unwinder_set_libc(struct cdl_unwinder *u, const struct cdl_libc_ops *ops,
			   const char *path)
{
	u->libc = ops;
	u->libc_path = path;
}
