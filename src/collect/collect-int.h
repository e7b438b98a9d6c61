/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect-int.h - interfaces between the pieces of the collect layer.
 * Not installed; only src/collect and src/arch include it. */
#ifndef CDL_COLLECT_INT_H
#define CDL_COLLECT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "rawcap.h"

/* ---- /proc (proc.c) ---- */

/* Read /proc/PID/maps (struct cdl_maps: rawcap.h).  0 or -errno. */
int cdl_proc_maps(int pid, struct cdl_maps *out);

/* ---- arch (arch/x86_64.c) ---- */

/* Read the registers of a ptrace-stopped thread into r: regs[] in DWARF
 * numbering, pc, sp, thread_pointer, in_syscall/syscall_nr/syscall_args.
 * 0 or -errno. */
int cdl_arch_read_regs(pid_t tid, struct cdl_regs *r);

#endif
