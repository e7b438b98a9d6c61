/* SPDX-License-Identifier: GPL-2.0-or-later */
/* musl-unwind.c - frames of musl's code that no CFI describes (x86-64).
 *
 * musl is built without unwind tables: a static program's libc part has
 * none, and Debian's libc.so keeps them only in its separate debug file.
 * Its waits all sit several calls deep in such code (pthread_mutex_lock
 * -> __pthread_mutex_timedlock -> __timedwait -> __timedwait_cp ->
 * __syscall_cp_c).  gdb gives up after one frame there; here the code
 * and the copied stack prove each return address:
 *
 *   - the return address is the first word above the stack pointer that
 *     follows a call instruction whose target is the function holding pc
 *     (its symbol, or for a hidden function of a stripped libc a target
 *     at most MAX_FN below pc), a stub or function that jumps there, or
 *     another module's PLT (a call into the libc from outside);
 *   - the callee-saved registers the function pushed in its prologue
 *     (read from its entry) sit just below that slot, in push order; the
 *     others it did not touch.
 *
 * A word that proves nothing is skipped; no frame is made up: when no
 * slot proves itself, the walk stops there. */
#include "config.h"

#include <string.h>

#include "arch.h"
#include "libc-int.h"

#define SCAN_SLOTS 96          /* words above sp searched for the return address */
#define MAX_FN     0x4000      /* musl's functions are smaller than this */

/* x86 register number (as in push/mov encodings) -> DWARF number */
static const unsigned dwarf_of[16] = { 0, 2, 1, 3, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15 };

enum call_kind { NOT_CALL, DIRECT, INDIRECT };

/* What the code before ret is: a direct call (e8 rel32, *target set), an
 * indirect one (ff /2), or no call at all. */
static enum call_kind call_before(const struct cdl_libc_code *q, uint64_t ret, uint64_t *target)
{
	const unsigned char *p = q->code(q, ret - 7, 7);
	int32_t rel;

	if (!p)
		return NOT_CALL;
	if (p[2] == 0xe8) {
		memcpy(&rel, p + 3, 4);
		*target = ret + (uint64_t)(int64_t)rel;
		return DIRECT;
	}
	if ((p[5] == 0xff && (p[6] & 0xf8) == 0xd0) ||
	    (p[4] == 0xff && ((p[5] >> 3) & 7) == 2) ||
	    (p[1] == 0xff && ((p[2] >> 3) & 7) == 2) ||
	    (p[0] == 0xff && ((p[1] >> 3) & 7) == 2))
		return INDIRECT;
	return NOT_CALL;
}

/* Skip an endbr64 at p. */
static size_t endbr(const unsigned char *p)
{
	return p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && p[3] == 0xfa ? 4 : 0;
}

/* A PLT stub at t: jmp *disp32(%rip), maybe after endbr64 and bnd. */
static bool plt_stub(const struct cdl_libc_code *q, uint64_t t)
{
	const unsigned char *p = q->code(q, t, 8);
	size_t i;

	if (!p)
		return false;
	i = endbr(p);
	if (p[i] == 0xf2)
		i++;
	return p[i] == 0xff && p[i + 1] == 0x25;
}

/* Does the code at t jump (jmp rel32 / rel8) to f within its first 64
 * bytes: a stub, or a wrapper that tail-calls f? */
static bool jumps_to(const struct cdl_libc_code *q, uint64_t t, uint64_t f)
{
	const unsigned char *p = q->code(q, t, 64);

	for (size_t i = 0; p && i + 5 <= 64; i++) {
		int32_t rel;

		if (p[i] == 0xe9) {
			memcpy(&rel, p + i + 1, 4);
			if (t + i + 5 + (uint64_t)(int64_t)rel == f)
				return true;
		} else if (p[i] == 0xeb && t + i + 2 + (uint64_t)(int64_t)(int8_t)p[i + 1] == f) {
			return true;
		}
	}
	return false;
}

/* The target of a jmp rel32 at the very start of t, or t. */
static uint64_t through_jmp(const struct cdl_libc_code *q, uint64_t t)
{
	const unsigned char *p = q->code(q, t, 9);
	int32_t rel;
	size_t i;

	if (!p)
		return t;
	i = endbr(p);
	if (p[i] != 0xe9)
		return t;
	memcpy(&rel, p + i + 1, 4);
	return t + i + 5 + (uint64_t)(int64_t)rel;
}

/* Is ret the return address of a call into the function at entry (0:
 * unknown) that holds pc?  *fn: the entry it proves, 0 if none. */
static bool proves(const struct cdl_libc_code *q, uint64_t ret, uint64_t pc, uint64_t entry,
		   uint64_t *fn)
{
	uint64_t t = 0, f;

	*fn = entry;
	switch (call_before(q, ret, &t)) {
	case DIRECT:
		break;
	default:
		return false;
	}
	if (plt_stub(q, t))
		return true;           /* called from another module */
	if (entry)
		return t == entry || jumps_to(q, t, entry);
	f = through_jmp(q, t);
	if (f > pc || pc - f >= MAX_FN)
		return false;
	*fn = f;
	return true;
}

/* The callee-saved registers the function at f pushes before its body:
 * pushes, register moves and immediate loads may interleave; the first
 * other instruction ends the prologue. */
static void prologue_pushes(const struct cdl_libc_code *q, uint64_t f, uint64_t pc,
			    uint64_t ra_slot, struct cdl_libc_nocfi *out)
{
	const unsigned char *p = q->code(q, f, 48);
	size_t i;

	if (!p)
		return;
	i = endbr(p);
	while (i + 6 <= 48 && f + i < pc && out->nsaved < 8) {
		unsigned rex = (p[i] & 0xf0) == 0x40 ? p[i] : 0, op = p[i + (rex ? 1 : 0)];
		size_t n = rex ? 1 : 0;

		if (op >= 0x50 && op <= 0x57 && (!rex || rex == 0x41)) {
			unsigned r = (op - 0x50) + ((rex & 1) ? 8 : 0);

			out->saved[out->nsaved].reg = dwarf_of[r];
			out->saved[out->nsaved].at = ra_slot - 8 * (out->nsaved + 1);
			out->nsaved++;
			i += n + 1;
		} else if ((op == 0x89 || op == 0x8b || op == 0x31 || op == 0x33) &&
			   (p[i + n + 1] & 0xc0) == 0xc0) {
			i += n + 2;                  /* mov/xor register, register */
		} else if (op >= 0xb8 && op <= 0xbf && !(rex & 8)) {
			i += n + 5;                  /* mov $imm32, register */
		} else {
			break;
		}
	}
}

bool cdl_musl_nocfi_frame(const struct cdl_libc_code *q, uint64_t pc, uint64_t sp,
			struct cdl_libc_nocfi *out)
{
	uint64_t entry, fn, w;

	if (strcmp(cdl_arch()->name, "x86_64") != 0)
		return false;
	memset(out, 0, sizeof(*out));
	entry = q->entry(q, pc);
	for (unsigned k = 0; k < SCAN_SLOTS; k++) {
		uint64_t slot = sp + 8ull * k;

		if (!q->read(q, slot, &w) || w < 4096)
			continue;
		if (!proves(q, w, pc, entry, &fn))
			continue;
		out->ra_slot = slot;
		/* a frame with pushes below the slot: which registers they
		 * saved (when the function's entry is known) */
		if (fn && k > 0)
			prologue_pushes(q, fn, pc, slot, out);
		/* pushes that do not fit between sp and the slot: the
		 * prologue was misread, the caller's registers are not known */
		if (out->nsaved && out->saved[out->nsaved - 1].at < sp)
			return false;
		return true;
	}
	return false;
}
