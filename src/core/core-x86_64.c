/* SPDX-License-Identifier: GPL-2.0-or-later */
/* core-x86_64.c - the layout of x86-64 core notes, and the names of other
 * machines for the "core of another architecture" message.
 *
 * struct elf_prstatus (336 bytes): pr_info {si_signo, si_code, si_errno}
 * at 0, pr_cursig (short) at 12, pr_sigpend at 16, pr_sighold at 24,
 * pr_pid/ppid/pgrp/sid (int) at 32..44, four struct timeval at 48..111,
 * pr_reg (user_regs_struct, 27 words) at 112, pr_fpvalid at 328.
 * struct elf_prpsinfo (136 bytes): pr_state, pr_sname, pr_zomb, pr_nice
 * at 0..3, pr_flag at 8, pr_uid/pr_gid (unsigned int) at 16/20,
 * pr_pid/ppid/pgrp/sid at 24..36, pr_fname[16] at 40, pr_psargs[80] at 56.
 */
#include "config.h"

#include <elf.h>
#include <stddef.h>

#include "core-int.h"

static const char *const x86_64_regs[] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
	"rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
	"rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs", NULL,
};

static const struct cdl_core_arch x86_64 = {
	.machine = EM_X86_64,
	.name = "x86_64",
	.elfclass = ELFCLASS64,
	.elfdata = ELFDATA2LSB,
	.prstatus_size = 336,
	.pr_cursig_off = 12,
	.pr_sigpend_off = 16,
	.pr_sighold_off = 24,
	.pr_pid_off = 32,
	.pr_ppid_off = 36,
	.pr_pgrp_off = 40,
	.pr_sid_off = 44,
	.pr_reg_off = 112,
	.nregs = 27,
	.pc_reg = 16,
	.sp_reg = 19,
	.tls_reg = 21,
	.reg_names = x86_64_regs,
	.prpsinfo_size = 136,
	.ps_sname_off = 1,
	.ps_uid_off = 16,
	.ps_gid_off = 20,
	.ps_uid_size = 4,
	.ps_pid_off = 24,
	.ps_ppid_off = 28,
	.ps_pgrp_off = 32,
	.ps_sid_off = 36,
	.ps_fname_off = 40,
	.ps_psargs_off = 56,
	.siginfo_size = 128,
	.si_addr_off = 16,
};

const struct cdl_core_arch *cdl_core_arch_find(uint16_t machine)
{
	return machine == EM_X86_64 ? &x86_64 : NULL;
}

const char *cdl_core_machine_name(uint16_t machine)
{
	switch (machine) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_RISCV: return "riscv";
	case EM_PPC64: return "ppc64";
	case EM_PPC: return "ppc";
	case EM_S390: return "s390x";
	case EM_MIPS: return "mips";
	case EM_SPARCV9: return "sparc64";
	case EM_LOONGARCH: return "loongarch";
	default: return NULL;
	}
}
