/* x86_64.c - registers and syscalls of x86-64 (STUB) */
#include "config.h"

#include <elf.h>
#include <errno.h>

#include "collect-int.h"

int cdl_arch_read_regs(pid_t tid, struct cdl_thread *t)
{
	(void)tid; (void)t;
	return -ENOSYS;
}

int cdl_arch_elf_machine(void)
{
	return EM_X86_64;
}
