/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proc.h - small /proc readers used by the collect layer (proc.c).
 * Not installed; only src/collect includes it.  Everything here runs
 * before or after the freeze, never while the target is stopped (except
 * cdl_proc_tasks, which the freeze loop uses to find new threads). */
#ifndef CDL_PROC_H
#define CDL_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read up to size-1 bytes of the file name under directory fd dirfd
 * (AT_FDCWD for an absolute path) and NUL-terminate.  Returns the length
 * or -errno. */
ssize_t cdl_proc_read_at(int dirfd, const char *name, char *buf, size_t size);
/* The same in one read, for the one-record files of a thread (stat,
 * status, wchan, sched, syscall): the kernel renders such a file whole
 * and one read of a buffer large enough returns it all (a multi-record
 * file such as maps can return less before its end: not for those). */
ssize_t cdl_proc_read_one(int dirfd, const char *name, char *buf, size_t size);

/* Facts from /proc/.../stat. */
struct cdl_proc_stat {
	char state;              /* field 3 */
	char comm[64];           /* field 2 without the parentheses */
	unsigned long flags;     /* field 9 (PF_*) */
	int ppid;
	int cpu;                 /* field 39: CPU it last ran on, -1 if unknown */
	unsigned long long starttime; /* field 22: clock ticks after boot */
};
/* Parse the contents of a stat file.  0 or -EINVAL. */
int cdl_proc_parse_stat(const char *buf, struct cdl_proc_stat *out);

/* Value of an integer field ("TracerPid", "Tgid", "Uid" first value) of a
 * /proc/.../status text.  0 or -ENOENT. */
int cdl_proc_status_long(const char *buf, const char *field, long *out);
/* The same for a line "field   :   value" of /proc/TID/sched. */
int cdl_proc_sched_long(const char *buf, const char *field, long *out);

/* se.exec_start of a sched file, in nanoseconds.  0 or -ENOENT. */
int cdl_proc_parse_exec_start(const char *buf, int64_t *ns);

/* The innermost (last) tid of the "NSpid:" line of a status file: the
 * thread's tid in its own PID namespace.  0 or -ENOENT. */
int cdl_proc_parse_nspid(const char *buf, int *tid);

/* The thread ids in /proc/PID/task, sorted ascending, in *tids (malloc'd,
 * caller frees).  Returns the count or -errno. */
int cdl_proc_tasks(int pid, int **tids);

#endif
