/* collect-int.h - interfaces between the pieces of the collect layer.
 * Not installed; only src/collect and src/arch include it. */
#ifndef CDL_COLLECT_INT_H
#define CDL_COLLECT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "snapshot.h"

/* ---- /proc (proc.c) ---- */

struct cdl_map {
	uint64_t start, end, offset;
	char perms[5];
	const char *path;          /* "" for anonymous, "[stack]", "[heap]", ... */
};

struct cdl_maps {
	struct cdl_map *m;
	size_t n;
	char *strbuf;              /* owns the path strings */
};

/* Read /proc/PID/maps.  0 or -errno. */
int cdl_proc_maps(int pid, struct cdl_maps *out);
void cdl_proc_maps_free(struct cdl_maps *m);
/* Mapping containing addr, or NULL. */
const struct cdl_map *cdl_proc_maps_find(const struct cdl_maps *m, uint64_t addr);

/* ---- arch (arch/x86_64.c) ---- */

/* Read the registers of a ptrace-stopped thread into t: regs[] in DWARF
 * numbering, pc, sp, thread_pointer, in_syscall/syscall_nr/syscall_args.
 * 0 or -errno. */
int cdl_arch_read_regs(pid_t tid, struct cdl_thread *t);
/* ELF e_machine of the supported architecture. */
int cdl_arch_elf_machine(void);

/* ---- offline unwinding and symbols (unwind.c) ---- */

struct cdl_unwinder;

/* Report the modules of pid (its /proc/PID/maps and ELF files) to libdw.
 * Called after the thaw: it reads files, not the target's memory.
 * 0 or -errno with d filled. */
int cdl_unwinder_new(int pid, struct cdl_unwinder **out, struct cdl_diag *d);
void cdl_unwinder_free(struct cdl_unwinder *u);

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
struct cdl_libc_info {
	const char *path;          /* interned in s */
	int major, minor;          /* 0 if unknown */
	bool is_musl;
	long pthread_tid;          /* -1 if not published */
	long sizeof_pthread;       /* -1 if not published */
};
int cdl_unwinder_libc_info(struct cdl_unwinder *u, struct cdl_snapshot *s,
			   struct cdl_libc_info *out);

#endif
