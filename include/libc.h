/* libc.h - what a libc's internals tell about a blocked thread.
 *
 * Pure: works on a snapshot whose threads have syscall state, thread
 * pointers and frames filled, and on the memory image copied at the
 * freeze.  Fills thread->wait (kind, address, futex, owner_tid, flags,
 * readers, mutex).  Naming objects (symbol/location) and checking owners
 * outside the snapshot are left to the caller.
 */
#ifndef CDL_LIBC_H
#define CDL_LIBC_H

#include <stdbool.h>
#include <stdint.h>
#include "snapshot.h"

/* Layout of the glibc objects we read, for one glibc version. */
struct cdl_libc_layout {
	int major, minor;          /* glibc version, 0.0 if unknown */
	bool known;                /* false: owners are not trusted */
	unsigned pthread_size;     /* sizeof(struct pthread) */
	unsigned pthread_tid;      /* offsetof(struct pthread, tid) */
	unsigned pthread_cleanup;  /* offsetof(struct pthread, cleanup) */
	unsigned pthread_joinid;   /* offsetof(struct pthread, joinid) */
	bool rwlock_new;           /* 2.25+ rwlock layout */
	int cond_gen;              /* 0: <=2.24, 1: 2.25-2.40, 2: 2.41+ */
};

/* Fill the layout for glibc major.minor (x86-64).  Returns true if the
 * version is one we know; otherwise fills best guesses and known=false. */
bool cdl_libc_layout_for(struct cdl_libc_layout *l, int major, int minor);

/* Classify every thread of s.  Threads not in a recognizable wait get
 * has_wait=false (or a sleep/io/other wait from their syscall). */
void cdl_libc_classify(struct cdl_snapshot *s, const struct cdl_libc_layout *l);

#endif
