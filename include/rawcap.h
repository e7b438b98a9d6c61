/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rawcap.h - a raw capture: what a source got, nothing interpreted yet.
 *
 * The boundary between "getting the bytes" and "understanding them".  A
 * source (the live ptrace capture today; a core file reader later) fills
 * one; the offline stage (offline.h: unwind, symbolize, classify waits,
 * name objects) reads only this: no ptrace and no /proc after the thaw.
 *
 * Plain data, no libdw types.  Everything a raw capture points to is owned
 * by it and released by cdl_rawcap_free(), except where a field says the
 * offline stage takes it.
 */
#ifndef CDL_RAWCAP_H
#define CDL_RAWCAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"   /* CDL_MAX_REGS */

struct cdl_memimg;

#define CDL_RAW_KREGS 32           /* words of the kernel's register set kept */

/* ---- the address space: every mapping (as /proc/PID/maps shows it) ---- */

struct cdl_map {
	uint64_t start, end, offset;
	uint64_t ino;              /* 0 for anonymous mappings */
	unsigned dev_major, dev_minor;
	char perms[5];
	const char *path;          /* "" for anonymous, "[stack]", "[heap]", ... */
};

/* Sorted by address. */
struct cdl_maps {
	struct cdl_map *m;
	size_t n;
	char *strbuf;              /* owns the path strings */
};

/* Mapping containing addr, or NULL. */
const struct cdl_map *cdl_maps_find(const struct cdl_maps *m, uint64_t addr);
void cdl_maps_free(struct cdl_maps *m);

/* ---- the module map: one entry per mapped ELF object ---- */

/* Is the file the offline stage opens the one that is mapped?  What the
 * live source found (src/collect/modid.c). */
enum cdl_modid {
	CDL_MODID_UNCHECKED = 0,   /* not checked (the vdso, a hand-made capture) */
	CDL_MODID_SAME,            /* the mapped file: checks says how it is known */
	CDL_MODID_REPLACED,        /* the path holds another file (other build-id or
	                              inode) and the mapped one cannot be opened */
	CDL_MODID_CHANGED,         /* the mapped file was written after the process
	                              started: what it holds now may not be what
	                              was loaded */
	CDL_MODID_MISSING,         /* no file to open: gone, and the mapping itself
	                              cannot be opened */
};

/* cdl_rawcap_module.checks: what was compared */
#define CDL_MODCHK_BUILD_ID  0x01u /* the file's build-id equals the one in memory */
#define CDL_MODCHK_INODE     0x02u /* same inode and device as the mapping */
#define CDL_MODCHK_MAPPED    0x04u /* opened through /proc/PID/map_files: the
                                      mapped inode itself */
#define CDL_MODCHK_MTIME     0x08u /* not written since the process started */
#define CDL_MODCHK_ROOT      0x10u /* found under the process's own root */

/* Names (functions, lock objects, file:line) come from a module's file
 * only when identity is CDL_MODID_SAME or CDL_MODID_UNCHECKED; otherwise
 * open_path is NULL and why says what was found. */
static inline bool cdl_modid_names_ok(enum cdl_modid id)
{
	return id == CDL_MODID_SAME || id == CDL_MODID_UNCHECKED;
}

struct cdl_rawcap_module {
	char *path;                /* as the process knows it ("/usr/lib/.../libc.so.6",
	                              "[vdso]"); owned */
	char *open_path;           /* the file the offline stage opens: the path
	                              itself, /proc/PID/root/... or
	                              /proc/PID/map_files/...; NULL: none (use
	                              image if set); owned */
	enum cdl_modid identity;   /* is open_path the mapped file */
	unsigned checks;           /* CDL_MODCHK_* that held */
	char *why;                 /* identity not SAME: why, in words; owned */
	uint64_t start, end;       /* from its first mapping to the end of its last */
	uint64_t offset;           /* file offset of its first mapping */
	uint64_t bias;             /* load bias, when bias_known */
	bool bias_known;           /* false: computed from the file offline */
	unsigned char *build_id;   /* read from the mapped ELF headers in the
	                              target's memory; NULL if not recorded; owned */
	size_t build_id_len;
	unsigned char *image;      /* an ELF image copied from memory (the vdso),
	                              NULL if none; owned */
	size_t image_len;
};

/* ---- names of JIT code: /tmp/perf-PID.map, as perf reads it ---- */

struct cdl_perfsym {
	uint64_t start, size;      /* [start, start + size) */
	const char *name;
};

/* Sorted by start; entries that overlap a later one are dropped (a JIT
 * reuses code space: the file's later line is the live one). */
struct cdl_perfmap {
	struct cdl_perfsym *s;
	size_t n;
	char *strbuf;              /* owns the names */
	const char *path;          /* where it was read (in strbuf), NULL none */
};

/* Parse the text of a perf map ("START SIZE NAME" per line, hex numbers
 * with or without 0x); lines that do not parse are skipped.  path is
 * kept for messages.  0 or -ENOMEM; pm is emptied first. */
int cdl_perfmap_parse(struct cdl_perfmap *pm, const char *text, size_t len, const char *path);
/* The entry holding addr, or NULL. */
const struct cdl_perfsym *cdl_perfmap_find(const struct cdl_perfmap *pm, uint64_t addr);
void cdl_perfmap_free(struct cdl_perfmap *pm);

/* ---- threads ---- */

/* Machine state at the stop, in DWARF numbering (arch.h). */
struct cdl_regs {
	uint64_t regs[CDL_MAX_REGS];
	unsigned nregs;            /* 0: none */
	uint64_t pc, sp;
	uint64_t thread_pointer;   /* x86-64 fs_base */
	bool in_syscall;           /* stopped inside (or restarting) a syscall */
	long syscall_nr;           /* -1 when not in a syscall */
	uint64_t syscall_args[6];
	/* the registers as the kernel gave them (x86-64: struct
	 * user_regs_struct, the pr_reg of NT_PRSTATUS), for a core file
	 * written from this capture; nkregs 0: not kept */
	uint64_t kregs[CDL_RAW_KREGS];
	unsigned nkregs;
};

/* Why a thread has no registers. */
enum cdl_rawcap_regs_status {
	CDL_RAWREGS_OK,
	CDL_RAWREGS_UNREADABLE,    /* stopped, but the registers could not be read */
	CDL_RAWREGS_ZOMBIE,        /* has exited (zombie), was not seized */
	CDL_RAWREGS_NOT_STOPPED,   /* did not stop in time */
};

struct cdl_rawcap_thread {
	int tid;
	int ns_tid;                /* its tid in the target's own PID namespace
	                              (what glibc records), 0 when the same or
	                              unknown */
	char comm[64];             /* "" if unknown */
	char state;                /* /proc stat letter before the stop, 0 unknown */
	char wchan[64];            /* kernel wait channel, "" if unknown */
	int cpu;                   /* CPU it last ran on, -1 if unknown */
	int64_t exec_start_ns;     /* sched se.exec_start, 0 if unknown */
	int64_t blocked_ms;        /* off-CPU time, -1 if unknown */
	bool moved;                /* per-thread capture: not proven to stay in
	                              one wait (snapshot.h) */
	enum cdl_rawcap_regs_status regs_status;
	struct cdl_regs r;         /* valid when regs_status is CDL_RAWREGS_OK */
};

/* ---- a language runtime's own frames (CPython: cpython.h) ---- */

struct cdl_rawcap_pyframe {
	char *function;            /* co_qualname ("Condition.wait"); owned */
	char *file;                /* co_filename; owned */
	int line;                  /* 0 unknown */
	bool entry;                /* the outermost frame of one eval loop call
	                              (a _PyEval_EvalFrameDefault native frame) */
};

struct cdl_rawcap_pythread {
	int tid;                   /* the thread state's native_thread_id */
	uint64_t sentinel;         /* the semaphore a Thread.join() of this
	                              thread waits on (its tstate lock), 0
	                              unknown */
	struct cdl_rawcap_pyframe *frames;  /* innermost first; owned */
	size_t nframes, frames_cap;
};

/* ---- the whole capture ---- */

struct cdl_rawcap {
	/* process facts */
	int pid;
	char *exe;                 /* path of the executable, NULL if unknown; owned */
	char *root;                /* where the process's own paths are found when
	                              its root is not ours ("/proc/PID/root"), NULL
	                              when it is; owned */
	const char *source;        /* "live"; static string */
	int64_t captured_sec;      /* CLOCK_REALTIME when the freeze began */
	long captured_nsec;
	uint64_t pause_us;         /* how long the target was stopped (per-thread
	                              mode: the longest any thread was) */
	enum cdl_capture_mode capture_mode;
	uint64_t window_us;        /* per-thread mode: the whole capture */

	struct cdl_rawcap_thread *threads;  /* in the order the snapshot gets them */
	size_t nthreads, threads_cap;

	struct cdl_memimg *mem;    /* memory copied at the freeze; owned until the
	                              offline stage takes it (then NULL) */
	struct cdl_maps maps;      /* every mapping; owned */
	struct cdl_rawcap_module *modules;
	size_t nmodules, modules_cap;
	struct cdl_perfmap perfmap; /* JIT code names the runtime published; owned */
	/* CPython's frames, read by the live source after each thread's
	 * copy (per-thread mode) or at the freeze: "CPython 3.11.2" when
	 * they were read, else NULL; owned */
	char *pyruntime;
	struct cdl_rawcap_pythread *pythreads;
	size_t npythreads, pythreads_cap;

	char **warnings;           /* what the source noticed, in order; owned */
	size_t nwarnings, warnings_cap;

	/* where the offline stage looks for separate debug files, in libdw's
	 * debuginfo_path syntax (":.debug:/usr/lib/debug"); NULL: libdw's
	 * default; owned */
	char *debuginfo_path;
	/* a core-file source (source "core"): the core's path (owned), the
	 * signal that made it (0: none, as gcore's), and whether the live
	 * facts (captured_*, pause_us, thread states) come from a live
	 * capture (cdeadlock's note in the core); false: captured_* is when
	 * the core was written and pause_us is unknown */
	char *core_path;
	int core_signal;
	bool core_live_facts;

	/* what only a core file written from this capture needs (--save-core;
	 * the live source fills it when asked to keep the raw capture) */
	unsigned char *auxv;       /* /proc/PID/auxv as read, NULL if not; owned */
	size_t auxv_len;
	struct cdl_rawcap_proc {
		bool valid;        /* false: the rest is unknown */
		int ppid, pgrp, sid;
		unsigned uid, gid;
		char state;        /* /proc stat letter of the process */
		char fname[16];    /* comm, not necessarily NUL-terminated */
		char psargs[81];   /* the command line, arguments separated by
		                      spaces, cut at 80 bytes */
	} proc;
};

/* An empty capture with an empty memory image; NULL on ENOMEM.  Free with
 * cdl_rawcap_free. */
struct cdl_rawcap *cdl_rawcap_new(void);
void cdl_rawcap_free(struct cdl_rawcap *rc);

/* Append a thread (tid set, the rest unknown: state 0, cpu -1,
 * blocked_ms -1, syscall_nr -1, regs_status CDL_RAWREGS_OK with nregs 0).
 * Valid until the next add.  NULL on ENOMEM. */
struct cdl_rawcap_thread *cdl_rawcap_add_thread(struct cdl_rawcap *rc, int tid);

/* Append a module (path and open_path copied; open_path may be NULL).
 * Valid until the next add.  NULL on ENOMEM. */
struct cdl_rawcap_module *cdl_rawcap_add_module(struct cdl_rawcap *rc, const char *path,
						const char *open_path, uint64_t start,
						uint64_t end, uint64_t offset);

/* Append a warning.  0 or -ENOMEM. */
int cdl_rawcap_warn(struct cdl_rawcap *rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cdl_rawcap_vwarn(struct cdl_rawcap *rc, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif
