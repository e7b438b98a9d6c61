/* SPDX-License-Identifier: GPL-2.0-or-later */
/* live-int.h - the pieces of the live (ptrace) source: attach.c (checks
 * before the freeze, /proc facts, EPERM hints), freeze.c (the seized list,
 * freeze, copy, thaw), carry.c (the collector object kept between
 * captures) and collect.c (the capture as a whole, the raw capture handed
 * to the offline stage).  Private to src/collect. */
#ifndef CDL_LIVE_INT_H
#define CDL_LIVE_INT_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "arch.h"
#include "collect.h"
#include "collect-int.h"
#include "cpython.h"
#include "rawcap.h"

#define PF_KTHREAD_FLAG  0x00200000ul   /* include/linux/sched.h PF_KTHREAD */
#define FUTEX_WINDOW     64             /* bytes copied on each side of a futex word */
#define UNMAPPED_STACK   (256u << 10)   /* stack copy when sp is in no known mapping */
#define STOP_TIMEOUT_MS  2000           /* give up on threads that do not stop */
#define D_GRACE_NS       100000000      /* extra wait for threads in state D */
#define ARENA_PER_THREAD (6u << 10)     /* copy buffer estimate per thread */
#define ARENA_MAX_EST    (32u << 20)    /* at most this much prepared in advance */
#define BUSY_WAIT_MS     5000           /* wait this long for another cdeadlock */
#define CDL_BUILD_ID_MAX 64             /* longest build-id note kept */

#define LOCK_BEFORE      16             /* lock bytes compared before the futex word */
#define LOCK_SPAN        40             /* ... in all (a glibc mutex; a rwlock's writer) */
#define PT_BUDGET_MS     20             /* per-thread mode: wait this long for one stop */

enum th_state { TH_NEW, TH_SEIZED, TH_STOPPED, TH_GONE, TH_SKIPPED };

/* One line of /proc/TID/syscall: nr >= 0 blocked in that syscall, -1
 * blocked outside one, -2 running, -3 unreadable. */
struct sysline {
	long nr;
	uint64_t a[6];
	uint64_t sp, pc;
};

/* Per-thread mode (perthread.c): what the kernel said of one thread
 * before its stop (0), once every thread was captured (1) and at the end
 * of the window (2), and whether that proves it never left its wait. */
struct proof {
	struct sysline s[3];
	long vol[3], invol[3];   /* voluntary / nonvoluntary context switches */
	char state[3];
	bool read[3];
	uint64_t lk_addr;        /* the futex word it sleeps on, 0 none */
	uint64_t lk_lo;          /* the bytes compared around it: [lk_lo, +lk_len),
	                            within the word's mapping */
	size_t lk_len, lk_got;
	unsigned char lk[LOCK_SPAN];
	int64_t held_ns;         /* how long it was held stopped */
	bool asked;              /* PTRACE_INTERRUPT sent */
	long vol_first;          /* voluntary switches at the first c0, -1 unknown */
	bool captured;           /* stopped, copied and let go */
	bool proven;
	const char *why;         /* why not proven, for CDEADLOCK_PROOF_DEBUG */
	int fd_sys, fd_status;   /* /proc/TID/syscall and status kept open from
	                            c0 to c2 (pread), -1 none; 0 is never ours */
};

/* One thread of the target while we work on it. */
struct th {
	int tid;                 /* first: cdl_live_tid_before */
	int ns_tid;              /* innermost NSpid when it differs, else 0 */
	enum th_state st;
	bool facts;              /* stat/wchan/sched read before the freeze */
	bool regs_ok;
	bool regs_tried;
	bool detached;
	bool late;               /* died after it had stopped */
	char state;
	char comm[64];
	char wchan[64];
	int64_t blocked_ms;
	int64_t off_since;       /* CLOCK_MONOTONIC ns it went off-CPU, 0 unknown */
	int sig;                 /* signal to hand back at detach */
	size_t slot;             /* index in the emergency array */
	int cpu;                 /* CPU it last ran on, -1 unknown */
	int64_t exec_start;      /* sched se.exec_start, 0 unknown */
	bool sw_ok;              /* sw_vol, sw_invol read with exec_start */
	long sw_vol, sw_invol;   /* its context switches then (sched) */
	struct cdl_regs ct;      /* registers and syscall state */
	struct proof pf;         /* per-thread mode only */
};

struct region {
	uint64_t addr;
	size_t len;
	unsigned char *buf;
	size_t got;
};

struct cpuref {
	bool tried;
	int64_t exec, mono;     /* our sched exec_start on that CPU, CLOCK_MONOTONIC then */
};

/* our scheduling during the capture (prio.c) */
enum prio_level { PRIO_NORMAL, PRIO_LOW, PRIO_HOLD };
struct prio {
	int ctl;                 /* 1 we may come back from SCHED_IDLE and
	                            SCHED_FIFO, -1 our priority is left alone */
	enum prio_level now;
	bool idle;               /* PRIO_LOW is SCHED_IDLE (not starved yet) */
	bool starved;            /* we waited too long for a CPU at SCHED_IDLE */
	int schedfd;             /* /proc/thread-self/schedstat */
	int64_t t0, delay0;      /* at init: CLOCK_MONOTONIC ns, run_delay ns */
	int64_t checked;         /* ns after t0 of the last check */
	int watched;             /* set by the watcher thread (atomically)
	                            when it gave us our priority back */
};

struct ctx {
	int pid;
	int mm_pid;              /* a live thread for /proc/.../maps, mem, exe:
	                            the leader unless it has exited (zombie) */
	const struct cdl_collect_opts *o;
	struct cdl_diag *d;
	struct th *t;
	size_t n, cap;
	struct cdl_maps maps;
	int memfd;
	int taskfd;
	int statusfd;            /* /proc/PID/status, opened before the freeze */
	struct timespec pause_start, pause_end;
	struct timespec wall_start;
	int64_t ph_seized, ph_stopped, ph_copied;   /* phase ends, for CDEADLOCK_BENCH_PHASES */
	struct cdl_rawcap *rc;   /* the raw capture being built (warnings go here) */
	bool target_gone;
	unsigned pd_copy;        /* bytes copied at each thread pointer: the
	                            libc's largest thread descriptor */
	struct region *regions;  /* what copy_frozen read, into arena */
	size_t nregions;
	void *arena;
	size_t arena_len, arena_used;
	cpu_set_t mask;          /* our CPU affinity before pinning */
	struct cpuref *refs;     /* per CPU, NULL if unavailable */
	struct cpuref anyref;    /* read wherever we run */
	bool pinned;
	bool leftovers;          /* an earlier capture left threads seized */
	bool other_pidns;        /* the target's PID namespace is not ours */
	unsigned long long starttime; /* the process's start, /proc stat field 22 */
	struct cdl_modids *modids; /* build-ids read from memory (modid.c) */
	int vm_errno;            /* process_vm_readv failed so (EPERM, ENOSYS):
	                            memory was read through /proc/PID/mem */
	bool perthread;          /* per-thread mode (perthread.c) */
	int64_t first_release;   /* CLOCK_MONOTONIC ns the first thread was let go */
	int64_t max_held_ns;     /* per-thread mode: longest single stop */
	struct prio prio;        /* our scheduling (prio.c) */
	struct ptcopy *copies;   /* per-thread mode: what was copied, kept
	                            until the proof says in which order it goes
	                            to the memory image */
	size_t ncopies, copies_cap;
	struct ptchunk *chunks;  /* per-thread mode: the populated mappings the
	                            copies are in, until the image adopts them */
	size_t nchunks, chunks_cap;
	struct cdl_live_forcore *forcore; /* what a core file needs (forcore.c),
	                                     NULL unless o->for_core */
	struct cdl_py_target py;  /* CPython in the target (pyframes.c):
	                             py.layout NULL when none or not known */
	bool py_seen;             /* a CPython was found (known or not) */
	char py_name[32];         /* "CPython 3.11.2" */
};

/* ---- collect.c ---- */

int64_t cdl_live_mono_ns(void);
/* Add a warning to the raw capture being built. */
void cdl_live_warn(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* perfmap.c: the JIT names the runtime wrote in /tmp/perf-NS_PID.map
 * under the target's root into rc->perfmap.  0 (also when there is
 * none), or -ENOMEM. */
int cdl_live_perfmap(struct cdl_rawcap *rc, int pid, int ns_pid);
/* For cdl_lower_bound over arrays sorted by a leading int tid (struct th,
 * the carry's entries). */
bool cdl_live_tid_before(const void *elem, const void *key);
/* The thread tid in c->t (sorted), or NULL. */
struct th *cdl_live_find_th(struct ctx *c, int tid);
/* Insert tid keeping c->t sorted.  NULL on ENOMEM. */
struct th *cdl_live_add_th(struct ctx *c, int tid);
/* The one "no such process" diagnostic: "attach: no such process PID". */
void cdl_live_no_such_process(struct cdl_diag *d, int pid);

/* ---- attach.c: before the freeze ---- */

/* Check that c->pid can be captured and set c->mm_pid.  0 or -errno with
 * c->d filled (and a hint where one helps). */
int cdl_live_validate(struct ctx *c);
/* Read state, comm, wchan, CPU and (with with_sched) the off-CPU time of
 * one thread from /proc. */
void cdl_live_read_facts(struct ctx *c, struct th *t, bool with_sched);
/* The tracer of tid (0 if none or unknown); *is_cdl tells whether it is
 * another cdeadlock.  Two captures of one process at once are not an
 * error: the later one waits for the earlier, which holds the threads
 * only while it copies. */
long cdl_live_tracer_of(int tid, bool *is_cdl);
/* Wait up to BUSY_WAIT_MS for another cdeadlock to let pid go.  true if it
 * did (or none held it). */
bool cdl_live_wait_other(int pid);
/* Explain an EPERM (or a seccomp filter's ENOSYS) on thread tid in c->d's
 * why/hint, as strace does: another tracer, another user, Yama, a missing
 * CAP_SYS_PTRACE in a container, a seccomp filter. */
void cdl_live_diagnose_eperm(struct ctx *c, int tid);
/* Our seccomp mode (/proc/self/status: 0 none, 1 strict, 2 filter), -1
 * unknown. */
int cdl_live_seccomp_mode(void);

/* ---- freeze.c: the pause ---- */

/* Make room in the emergency list for want entries.  0 or -ENOMEM. */
int cdl_live_seized_reserve(size_t want);
/* Entries in the emergency list now. */
size_t cdl_live_seized_count(void);
/* Seize and stop every thread, rescanning until none appears.  0 or
 * -errno with c->d filled. */
int cdl_live_freeze(struct ctx *c);
/* Registers, stacks, struct pthreads and futex windows of the stopped
 * threads into c->arena.  0 or -ENOMEM. */
int cdl_live_copy(struct ctx *c);
/* CDEADLOCK_TEST_HOLD_MS: stay frozen that long (tests only). */
void cdl_live_hold_for_tests(void);
/* Detach every thread, handing back caught signals. */
void cdl_live_thaw(struct ctx *c);
/* After the thaw: what the copy read into the raw capture's memory image.
 * 0 or -ENOMEM. */
int cdl_live_store_regions(struct ctx *c);
/* Make c->arena at least len bytes, mapped and populated.  0 or -ENOMEM. */
int cdl_live_arena_get(struct ctx *c, size_t len);

/* ---- modid.c: which file to open for a module, and is it the mapped one ---- */

struct cdl_modids;
/* Before the freeze: the build-id of every object mapped from file offset
 * 0, read from its ELF headers in the target's memory, and when the
 * process started.  0 or -ENOMEM. */
int cdl_live_modids_read(struct ctx *c);
void cdl_live_modids_free(struct ctx *c);
/* Is the file at path the one mapped at m (ids from cdl_live_modids_read,
 * may be NULL)?  CDL_MODID_SAME with *checks saying how it is known; else
 * why (n bytes) says what differs, and errno is the open error for
 * CDL_MODID_MISSING. */
enum cdl_modid cdl_live_file_identity(const struct cdl_modids *ids, const struct cdl_map *m,
				      const char *path, unsigned *checks, char *why, size_t n);
/* The file the offline stage opens for the module whose first mapping is
 * m: the path as the process sees it (under c->rc->root), else the mapping
 * through /proc/PID/map_files, and only if it is the mapped file; fills
 * mod's open_path, identity, checks, why and build_id, and warns when its
 * names are unavailable.  0 or -ENOMEM. */
int cdl_live_module_file(struct ctx *c, const struct cdl_map *m, struct cdl_rawcap_module *mod);

/* ---- freeze.c, shared with perthread.c ---- */

/* Seize t (and with interrupt, ask it to stop).  0, or -errno for the
 * fatal cases (EPERM on a thread that still exists; -EAGAIN when another
 * cdeadlock holds it). */
int cdl_live_seize(struct ctx *c, struct th *t, bool interrupt);
/* A seized thread died: forget it. */
void cdl_live_th_gone(struct th *t);
/* One wait status of thread t: record its stop (reading its registers)
 * or its death. */
void cdl_live_took_stop(struct th *t, int status);
/* The regions to copy for stopped thread t (at most 3) into r.  Returns
 * how many. */
size_t cdl_live_thread_regions(struct ctx *c, const struct th *t, struct region *r);
/* Copy regions (their buf set) from the target. */
void cdl_live_read_regions(struct ctx *c, struct region *r, size_t n);
/* Did an earlier capture leave threads seized (they never stopped)? */
void cdl_live_note_leftovers(struct ctx *c);
/* Detach stopped thread t handing back its signal.  0, or -1 if it is
 * gone (then marked so). */
int cdl_live_release(struct th *t);

/* ---- perthread.c: the per-thread capture ---- */

/* Seize every thread, then stop, copy and release them one at a time;
 * afterwards prove which stayed in the same wait all along.  0 or -errno
 * with c->d filled.  Ends with every thread released (cdl_live_thaw for
 * those that never stopped). */
int cdl_live_perthread(struct ctx *c);
/* The copies into the memory image: proven threads' lock bytes first.
 * 0 or -ENOMEM. */
int cdl_live_perthread_store(struct ctx *c);
void cdl_live_perthread_free(struct ctx *c);

/* ---- pyframes.c ---- */

/* Before any stop: is the target CPython, and is its layout known
 * (c->py; a warning when it is CPython of a layout not known). */
void cdl_live_py_prepare(struct ctx *c);
/* Read its threads' Python frames into c->rc (nothing when c->py has
 * no layout; once per capture). */
void cdl_live_py_read(struct ctx *c);
/* The voluntary switch count thread t will show if, after the stop this
 * capture gave it, it sleeps again in the same call and stays there
 * (the carry's exact test); -1 when not known. */
long cdl_live_perthread_carry_vol(const struct ctx *c, const struct th *t);

/* ---- forcore.c: what a core file needs (o->for_core) ---- */

/* Before the freeze: process facts and auxv into c->rc, each module's ELF
 * headers and notes into its memory image, and where the modules'
 * writable segments lie (copied at the freeze).  Nothing without
 * o->for_core; what cannot be read is left out. */
void cdl_live_forcore_prepare(struct ctx *c);
/* Bytes the copy adds (the writable segments, whole pages: an estimate
 * for the copy buffer), and the regions of the writable segments. */
size_t cdl_live_forcore_bytes(const struct ctx *c);
size_t cdl_live_forcore_nregions(const struct ctx *c);
/* Widen the n regions the copy is about to read to whole pages inside
 * their mappings (libdwfl reads a core's segments as page-aligned);
 * nothing without o->for_core. */
void cdl_live_forcore_align(const struct ctx *c, struct region *r, size_t n);
/* Fill r[0..nregions) with them (addr, len); returns the count. */
size_t cdl_live_forcore_regions(const struct ctx *c, struct region *r);
/* After the thaw and the module map: the dynamic linker's list and the
 * vdso into the memory image. */
void cdl_live_forcore_finish(struct ctx *c);
void cdl_live_forcore_free(struct cdl_live_forcore *f);

/* ---- prio.c: our scheduling while we capture ---- */

/* Find out whether our priority may be changed and changed back (else
 * every call below does nothing). */
void cdl_live_prio_init(struct ctx *c);
/* Run at that level: SCHED_FIFO 1 (a thread is held), SCHED_IDLE (the
 * rest of the capture; our normal priority once starved), normal. */
void cdl_live_prio(struct ctx *c, enum prio_level level);
/* Called in loops over the threads: PRIO_LOW becomes our normal priority
 * once we waited too long for a CPU. */
void cdl_live_prio_check(struct ctx *c);
/* What PRIO_LOW was and how long we waited for a CPU, for the phases
 * note. */
void cdl_live_prio_said(const struct ctx *c, char *buf, size_t size);
/* Back to our normal priority; the descriptor closed. */
void cdl_live_prio_done(struct ctx *c);

/* ---- carry.c: the collector object ---- */

/* Carry the off-CPU time of sleeps the previous capture of the same
 * process interrupted, and remember this capture's sleeps for the next. */
void cdl_live_carry(struct cdl_collector *k, struct ctx *c);
/* Keep c->rc (taken: c->rc is NULL afterwards) as k's last raw capture,
 * when o->for_core; else nothing. */
void cdl_live_keep_raw(struct cdl_collector *k, struct ctx *c);
/* The offline stage's cache kept in k, or NULL when k is NULL. */
struct cdl_offline_cache *cdl_live_offline_cache(struct cdl_collector *k);

#endif
