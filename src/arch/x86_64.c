/* SPDX-License-Identifier: GPL-2.0-or-later */
/* x86_64.c - the registers of a stopped x86-64 thread (live source).
 *
 * Reads NT_PRSTATUS (struct user_regs_struct) with PTRACE_GETREGSET;
 * x86_64-tab.c maps it to DWARF numbers (cdl_arch_regs_from_user, shared
 * with the core-file source). */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "arch.h"
#include "collect-int.h"

int cdl_arch_read_regs(pid_t tid, struct cdl_regs *t)
{
	struct user_regs_struct r;
	struct iovec iov = { &r, sizeof(r) };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return -errno;
	if (iov.iov_len < sizeof(r))
		return -EIO;
	return cdl_arch_regs_from_user((const uint64_t *)&r, sizeof(r) / sizeof(uint64_t), t);
}
