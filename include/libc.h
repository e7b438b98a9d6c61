/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libc.h - what a libc's internals tell about a blocked thread.
 *
 * Everything the tool knows of a libc sits behind one table, struct
 * cdl_libc_ops: how to recognize and identify it, its layouts, how to
 * classify a wait, which frames are its runtime.  The backends: glibc
 * (src/libc/glibc*.c) and musl (src/libc/musl*.c); classify.c holds what
 * they share.
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
#include <stddef.h>
#include <stdint.h>
#include "snapshot.h"

/* The file name of a module path, for the backends' name tests. */
static inline const char *cdl_libc_base_name(const char *path)
{
	const char *b = __builtin_strrchr(path, '/');

	return b ? b + 1 : path;
}

/* Layout of the libc objects we read, for one release of one libc. */
struct cdl_libc_layout {
	const char *libc;          /* "glibc", "musl": for messages */
	int major, minor, patch;   /* release, 0.0.0 if unknown */
	bool known;                /* false: owners are not trusted */
	unsigned pthread_size;     /* sizeof(struct pthread) */
	unsigned pthread_tid;      /* offsetof(struct pthread, tid) */
	unsigned pthread_cleanup;  /* glibc: offsetof(struct pthread, cleanup) */
	unsigned pthread_joinid;   /* glibc: offsetof(struct pthread, joinid);
	                              musl: detach_state, the word joiners wait on */
	unsigned pthread_canceldisable; /* musl: its cancel state byte, 0 none */
	unsigned pthread_robust_head;   /* musl: the list of held owner-recording
	                              mutexes (robust_list.head), 0 none */
	bool rwlock_new;           /* glibc 2.25+ rwlock layout */
	int cond_gen;              /* glibc 0: <=2.24, 1: 2.25-2.40, 2: 2.41+;
	                              musl: 1 when a sem waits with val
	                              0x80000000 (1.2.4+), 0 with -1 */
};

/* Fill the layout for glibc major.minor (x86-64).  Returns true if the
 * version is one we know; otherwise fills best guesses and known=false. */
bool cdl_libc_layout_for(struct cdl_libc_layout *l, int major, int minor);

/* Classify every thread of s.  Threads not in a recognizable wait get
 * has_wait=false (or a sleep/io/other wait from their syscall). */
void cdl_libc_classify(struct cdl_snapshot *s, const struct cdl_libc_layout *l);

/* A loaded module as a backend may examine it to identify its libc,
 * without libdw types: the offline stage implements the calls. */
struct cdl_libc_module {
	const char *path;          /* as the process knows it */
	bool is_exe;               /* the main executable (a static binary?) */
	void *priv;                /* the offline stage's */
	/* Address and size of a defined symbol (.symtab or .dynsym). */
	bool (*symbol)(const struct cdl_libc_module *m, const char *name,
		       uint64_t *addr, uint64_t *size);
	/* len bytes of the module's file at module address addr, or NULL. */
	const unsigned char *(*bytes)(const struct cdl_libc_module *m, uint64_t addr,
				      size_t len);
	/* The contents of the named section of the file, or NULL. */
	const void *(*section)(const struct cdl_libc_module *m, const char *name,
			       size_t *len);
};

/* Which release of a libc a process runs. */
struct cdl_libc_id {
	char name[48];             /* "glibc 2.36", "musl 1.2.3"; "" if the
	                              libc was found but not its release */
	int major, minor, patch;   /* 0 if unknown */
	long pthread_tid;          /* offsets the libc publishes (glibc's
	                              _thread_db_*), -1 if it does not */
	long sizeof_pthread;
};

/* What a backend may read to unwind a frame of its libc's code that no
 * CFI describes (the offline stage implements the calls). */
struct cdl_libc_code {
	void *priv;                /* the offline stage's */
	/* 8 bytes of the copied memory at addr */
	bool (*read)(const struct cdl_libc_code *q, uint64_t addr, uint64_t *v);
	/* len bytes of code at addr, from the module's file, or NULL */
	const unsigned char *(*code)(const struct cdl_libc_code *q, uint64_t addr, size_t len);
	/* start of the function symbol holding addr, 0 if no symbol says */
	uint64_t (*entry)(const struct cdl_libc_code *q, uint64_t addr);
};

/* Such a frame, unwound: the slot holding its return address (the
 * caller's stack pointer is ra_slot + 8 on x86-64) and where it saved
 * callee-saved registers (DWARF numbers); the others are unchanged. */
struct cdl_libc_nocfi {
	uint64_t ra_slot;
	unsigned nsaved;
	struct { unsigned reg; uint64_t at; } saved[8];
};

/* One libc backend. */
struct cdl_libc_ops {
	const char *name;                  /* "glibc" */
	/* Is this module the libc's main object (the one to identify it
	 * from: libc.so.6 for glibc)? */
	bool (*is_main_module)(const char *path);
	/* Identify the release from m: its main object, or the executable
	 * of a static program.  0 with id filled (name "" when the libc is
	 * there but its release is not found), or -ENOENT: not this libc. */
	int (*identify)(const struct cdl_libc_module *m, struct cdl_libc_id *id);
	/* The layout of a release (found offline in the libc's files):
	 * true if it is one we know and trust. */
	bool (*layout_for)(struct cdl_libc_layout *l, int major, int minor, int patch);
	/* Confirm l with the offsets the libc itself publishes (-1: not
	 * published); where they differ they win, with a warning in s. */
	void (*confirm_layout)(struct cdl_libc_layout *l, long pthread_tid,
			       long sizeof_pthread, struct cdl_snapshot *s);
	/* Fill every thread's wait (see cdl_libc_classify). */
	void (*classify)(struct cdl_snapshot *s, const struct cdl_libc_layout *l);
	/* Is this frame runtime internals (libc, ld.so, libstdc++, ...)
	 * rather than user code? */
	bool (*is_runtime_frame)(const struct cdl_frame *f);
	/* Is this module the libc itself (or its loader and siblings)? */
	bool (*is_libc_module)(const char *path);
	/* The largest thread descriptor of the known releases: what a source
	 * copies at each thread pointer before the libc is identified. */
	unsigned (*max_thread_desc_size)(void);
	/* Warn in s that the libc module path has no debug info, with the
	 * advice that fits this libc (called once per snapshot). */
	void (*warn_no_debuginfo)(struct cdl_snapshot *s, const char *path);
	/* Optional (NULL: none).  When no module identifies a libc (a
	 * stripped static program): 0 with id filled if the copied memory of
	 * every thread (its descriptor) proves this libc, else -ENOENT. */
	int (*identify_memory)(const struct cdl_snapshot *s, struct cdl_libc_id *id);
	/* Optional (NULL: none).  Unwind a frame at pc (stack pointer sp)
	 * in this libc's code that no CFI describes: true with *out filled
	 * only when the code and the stack prove the return address. */
	bool (*nocfi_frame)(const struct cdl_libc_code *q, uint64_t pc, uint64_t sp,
			    struct cdl_libc_nocfi *out);
};

/* The backend whose libc (or loader) a module is, or NULL. */
const struct cdl_libc_ops *cdl_libc_ops_for_module(const char *path);

/* ---- language runtimes on top of the libc ---- */

/* path (a module) is HotSpot's libjvm.so */
bool cdl_jvm_is_module(const char *path);
/* Re-read the condvar waits of a HotSpot JVM's threads from their libjvm
 * frames (jvm.c): entering a Java monitor becomes a lock wait whose owner
 * is not known; Object.wait, LockSupport.park and the VM's own monitors
 * stay idle, named.  Run after the libc backend's classify. */
void cdl_jvm_classify(struct cdl_snapshot *s);

/* ---- beyond the libc (runtime.c, held.c) ---- */

/* Waits of language runtimes that implement their own locks on bare futex
 * words (Rust std), recognized from the waiting frames whatever the libc:
 * run after the libc backend's classify, it replaces the backend's
 * "futex, no owner" with the runtime's object kind (same kind for every
 * waiter of the object) and CDL_WAITF_OWNER_UNKNOWN. */
void cdl_runtime_classify(struct cdl_snapshot *s);

/* Decide which of the guard candidates collected in t->held are held
 * locks (see held.c for the rules), and give a wait on a lock that
 * records no holder the thread holding it through a guard (owner_source
 * CDL_OWNER_GUARD).  Run after classification and naming. */
void cdl_held_resolve(struct cdl_snapshot *s);

/* The backend to use before the libc is identified (glibc). */
const struct cdl_libc_ops *cdl_libc_ops_default(void);

/* Every backend, in the order they are tried; NULL-terminated. */
const struct cdl_libc_ops *const *cdl_libc_backends(void);

#endif
