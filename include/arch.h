/* SPDX-License-Identifier: GPL-2.0-or-later */
/* arch.h - what the tool knows of the target's architecture.
 *
 * Plain facts, no live process: src/arch/<arch>-tab.c (x86_64-tab.c
 * today) in libcdl_arch.a.  Reading the registers of a stopped thread is
 * the live source's (src/arch/<arch>.c, collect-int.h).  Another
 * architecture is one more pair of files there and a line in configure.
 */
#ifndef CDL_ARCH_H
#define CDL_ARCH_H

#include <stdint.h>

/* What a thread blocked in a syscall waits for. */
enum cdl_sys_wait {
	CDL_SYSW_NONE,     /* not a blocking call we name (or the futex family) */
	CDL_SYSW_IO,       /* I/O, poll, accept, wait4, ... */
	CDL_SYSW_SLEEP,    /* nanosleep, pause, sigsuspend, sigtimedwait */
	CDL_SYSW_OTHER,    /* semop, flock, ... */
};

struct cdl_arch {
	const char *name;          /* "x86_64" */
	int elf_machine;           /* EM_X86_64 */
	unsigned redzone;          /* bytes below sp a leaf function may use */
	long nr_futex;             /* syscall numbers the capture and the */
	long nr_restart_syscall;   /* libc classifier look for */
	long nr_futex_waitv;
	long nr_futex_wait;
	unsigned nregs;            /* DWARF registers a capture records */
	unsigned dwarf_sp;         /* DWARF number of the stack pointer */
	unsigned dwarf_pc;         /* ... of the return address (pc) */
	uint32_t callee_saved;     /* DWARF registers a call preserves, sp too */
};

const struct cdl_arch *cdl_arch(void);

/* A stopped thread's machine state from the kernel's user_regs_struct as
 * nwords 64-bit words in the kernel's order (what PTRACE_GETREGSET and a
 * core's NT_PRSTATUS hold): the DWARF-numbered registers, pc, sp, thread
 * pointer, and the syscall it is stopped in, if any.  0, or -EINVAL when
 * nwords is too few.  (struct cdl_regs is rawcap.h's.) */
struct cdl_regs;
int cdl_arch_regs_from_user(const uint64_t *words, unsigned nwords, struct cdl_regs *out);

/* Name of syscall nr ("futex"), NULL if unknown. */
const char *cdl_arch_syscall_name(long nr);
/* What a thread blocked in syscall nr waits for; CDL_SYSW_NONE if nr is
 * not in the table of blocking calls. */
enum cdl_sys_wait cdl_arch_syscall_wait(long nr);

#endif
