/* SPDX-License-Identifier: GPL-2.0-or-later */
/* x86_64.c - the registers of a stopped x86-64 thread (live source).
 *
 * Reads NT_PRSTATUS (struct user_regs_struct) with PTRACE_GETREGSET and
 * maps it to DWARF register numbers (System V AMD64 psABI): 0 rax, 1 rdx,
 * 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8-15 r8-r15, 16 return
 * address (rip).  The facts that need no process are x86_64-tab.c's. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "collect-int.h"

/* Kernel-internal "restart this syscall" values seen in rax when a thread
 * is stopped inside a syscall (include/linux/errno.h). */
#define K_ERESTARTSYS           512
#define K_ERESTARTNOINTR        513
#define K_ERESTARTNOHAND        514
#define K_ERESTART_RESTARTBLOCK 516

int cdl_arch_read_regs(pid_t tid, struct cdl_regs *t)
{
	struct user_regs_struct r;
	struct iovec iov = { &r, sizeof(r) };
	long rax;

	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return -errno;
	if (iov.iov_len < sizeof(r))
		return -EIO;

	t->regs[0] = r.rax;
	t->regs[1] = r.rdx;
	t->regs[2] = r.rcx;
	t->regs[3] = r.rbx;
	t->regs[4] = r.rsi;
	t->regs[5] = r.rdi;
	t->regs[6] = r.rbp;
	t->regs[7] = r.rsp;
	t->regs[8] = r.r8;
	t->regs[9] = r.r9;
	t->regs[10] = r.r10;
	t->regs[11] = r.r11;
	t->regs[12] = r.r12;
	t->regs[13] = r.r13;
	t->regs[14] = r.r14;
	t->regs[15] = r.r15;
	t->regs[16] = r.rip;
	t->nregs = 17;
	t->pc = r.rip;
	t->sp = r.rsp;
	t->thread_pointer = r.fs_base;
	/* as the kernel gave them, for a core file (--save-core) */
	_Static_assert(sizeof(r) <= sizeof(t->kregs), "user_regs_struct fits kregs");
	memcpy(t->kregs, &r, sizeof(r));
	t->nkregs = (unsigned)(sizeof(r) / sizeof(t->kregs[0]));

	/* orig_rax is the syscall number when the thread entered the kernel
	 * through a syscall, -1 for an interrupt or exception.  At an
	 * interrupt stop the syscall is still "in progress" when rax holds a
	 * restart code (it is restarted on resume) or -EINTR (some calls,
	 * epoll_wait for one, return EINTR to a stopped thread).  Any other
	 * rax means the call had already completed. */
	rax = (long)r.rax;
	t->in_syscall = false;
	t->syscall_nr = -1;
	memset(t->syscall_args, 0, sizeof(t->syscall_args));
	if ((long)r.orig_rax >= 0 &&
	    (rax == -K_ERESTARTSYS || rax == -K_ERESTARTNOINTR ||
	     rax == -K_ERESTARTNOHAND || rax == -K_ERESTART_RESTARTBLOCK ||
	     rax == -EINTR)) {
		t->in_syscall = true;
		t->syscall_nr = (long)r.orig_rax;
		t->syscall_args[0] = r.rdi;
		t->syscall_args[1] = r.rsi;
		t->syscall_args[2] = r.rdx;
		t->syscall_args[3] = r.r10;
		t->syscall_args[4] = r.r8;
		t->syscall_args[5] = r.r9;
	}
	return 0;
}
