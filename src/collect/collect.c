/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect.c - the live source: freeze, copy, thaw, then hand over.
 *
 * The target only feels the middle part of cdl_collect():
 *
 *   1. before: validate the pid, read /proc (maps, per-thread stat, wchan,
 *      sched) while the target still runs (attach.c);
 *   2-4. by default, the per-thread capture (perthread.c): steps 2 to 4
 *      for one thread at a time, then the proof of which threads stayed
 *      in their wait.  With opts.global_freeze, for all threads at once:
 *   2. freeze: PTRACE_SEIZE + PTRACE_INTERRUPT every thread, wait for every
 *      stop, rescan /proc/PID/task until no new thread appears (freeze.c);
 *   3. copy: registers, the used part of each stack, each struct pthread,
 *      a window around the futex word of every futex sleeper;
 *   4. thaw: PTRACE_DETACH every thread, handing back any signal that was
 *      caught in a signal-delivery-stop;
 *   5. after: what only the live process can tell (the mappings and the
 *      vdso as libdw will see them, the executable) completes the raw
 *      capture (rawcap.h), which the offline stage turns into a snapshot
 *      (offline.h: unwind, classify waits, name lock objects) without
 *      looking at the target again; last, owners outside the snapshot are
 *      looked up in /proc.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "grow.h"
#include "libc.h"
#include "live-int.h"
#include "memimg.h"
#include "modfile.h"
#include "offline.h"
#include "proc.h"
#include "sorted.h"

void cdl_collect_opts_init(struct cdl_collect_opts *o)
{
	o->pid = 0;
	o->max_stack = 1u << 20;
	o->no_unwind = false;
	o->for_core = false;
	o->sysroot = NULL;
	o->global_freeze = false;
}

/* ---- small helpers ---- */

static int64_t ts_us(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000000 + (b->tv_nsec - a->tv_nsec) / 1000;
}

int64_t cdl_live_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void cdl_live_warn(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cdl_rawcap_vwarn(c->rc, fmt, ap);
	va_end(ap);
}

bool cdl_live_tid_before(const void *elem, const void *key)
{
	return *(const int *)elem < *(const int *)key;
}

struct th *cdl_live_find_th(struct ctx *c, int tid)
{
	size_t lo = cdl_lower_bound(c->t, c->n, sizeof(*c->t), &tid, cdl_live_tid_before);

	return lo < c->n && c->t[lo].tid == tid ? &c->t[lo] : NULL;
}

struct th *cdl_live_add_th(struct ctx *c, int tid)
{
	size_t i;

	if (CDL_GROW(c->t, c->cap, c->n + 1, 64) < 0)
		return NULL;
	for (i = c->n; i > 0 && c->t[i - 1].tid > tid; i--)
		;
	memmove(&c->t[i + 1], &c->t[i], (c->n - i) * sizeof(*c->t));
	c->n++;
	memset(&c->t[i], 0, sizeof(c->t[i]));
	c->t[i].tid = tid;
	c->t[i].blocked_ms = -1;
	c->t[i].cpu = -1;
	c->t[i].pf.vol_first = -1;
	c->t[i].ct.syscall_nr = -1;
	return &c->t[i];
}


void cdl_live_no_such_process(struct cdl_diag *d, int pid)
{
	cdl_diag_set(d, ESRCH, "attach");
	cdl_diag_why(d, "no such process %d", pid);
}

/* ---- after the thaw: the raw capture ---- */

/* The threads the freeze got, with warnings for those that went away. */
static int raw_threads(struct ctx *c, struct cdl_rawcap *rc)
{
	char gone[128] = "";
	int ngone = 0, pos = 0;

	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];
		struct cdl_rawcap_thread *rt;

		if (t->st == TH_GONE || t->st == TH_NEW) {
			if (t->late)
				cdl_rawcap_warn(rc, "thread %d%s%s%s exited during the capture", t->tid,
						t->comm[0] ? " (" : "", t->comm, t->comm[0] ? ")" : "");
			else if (++ngone <= 8)
				pos += snprintf(gone + pos, sizeof(gone) - (size_t)pos, "%s%d",
						ngone > 1 ? ", " : "", t->tid);
			continue;
		}
		if (!t->facts) {
			/* born during the freeze: read what we can now */
			cdl_live_read_facts(c, t, false);
			if (!t->facts)
				t->state = 'R';
		}
		rt = cdl_rawcap_add_thread(rc, t->tid);
		if (!rt)
			return -ENOMEM;
		if (t->regs_ok)
			rt->r = t->ct;
		else if (t->st == TH_STOPPED)
			rt->regs_status = CDL_RAWREGS_UNREADABLE;
		else if (t->st == TH_SKIPPED)
			rt->regs_status = CDL_RAWREGS_ZOMBIE;
		else
			rt->regs_status = CDL_RAWREGS_NOT_STOPPED;
		rt->ns_tid = t->ns_tid;
		memcpy(rt->comm, t->comm, sizeof(rt->comm));
		memcpy(rt->wchan, t->wchan, sizeof(rt->wchan));
		rt->state = t->state;
		rt->cpu = t->cpu;
		rt->exec_start_ns = t->exec_start;
		rt->blocked_ms = t->blocked_ms;
		rt->moved = c->perthread && !t->pf.proven;
	}
	if (ngone == 1)
		cdl_rawcap_warn(rc, "thread %s exited while the process was being frozen", gone);
	else if (ngone > 1)
		cdl_rawcap_warn(rc, "%d threads exited while the process was being frozen: %s%s",
				ngone, gone, ngone > 8 ? ", ..." : "");
	return 0;
}

/* The vdso's ELF image, read from the target's memory (it never changes). */
static void copy_vdso(struct ctx *c, struct cdl_rawcap_module *m)
{
	size_t len = (size_t)(m->end - m->start);
	unsigned char *buf;
	ssize_t n;

	if (c->memfd < 0 || len == 0 || len > (1u << 20) || !(buf = malloc(len)))
		return;
	n = pread(c->memfd, buf, len, (off_t)m->start);
	if (n < (ssize_t)sizeof(uint32_t) || memcmp(buf, "\177ELF", 4) != 0) {
		free(buf);
		return;
	}
	m->image = buf;
	m->image_len = (size_t)n;
}

/* Is /proc/PID/<what> another file than ours (another namespace, another
 * root)?  False when either cannot be read. */
static bool not_ours(int pid, const char *what, const char *ours)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	if (stat(path, &a) < 0 || stat(ours, &b) < 0)
		return false;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

/* The module map, one entry per mapped file as libdw's own /proc reader
 * groups them: consecutive mappings of the same file are one module; the
 * vdso is one too.  Each is opened offline as the process sees it, and
 * only if it is the mapped file (modid.c). */
static int raw_modules(struct ctx *c, struct cdl_rawcap *rc)
{
	const struct cdl_maps *mp = &rc->maps;
	size_t i = 0;

	while (i < mp->n) {
		const struct cdl_map *m = &mp->m[i], *last = m;
		struct cdl_rawcap_module *mod;

		if (strcmp(m->path, "[vdso]") == 0) {
			mod = cdl_rawcap_add_module(rc, "[vdso]", NULL, m->start, m->end, m->offset);
			if (!mod)
				return -ENOMEM;
			copy_vdso(c, mod);
			i++;
			continue;
		}
		if (m->path[0] != '/' || (m->ino == 0 && m->dev_major == 0 && m->dev_minor == 0)) {
			i++;
			continue;
		}
		while (i + 1 < mp->n && mp->m[i + 1].ino == m->ino &&
		       mp->m[i + 1].dev_major == m->dev_major &&
		       mp->m[i + 1].dev_minor == m->dev_minor && strcmp(mp->m[i + 1].path, m->path) == 0)
			last = &mp->m[++i];
		i++;
		mod = cdl_rawcap_add_module(rc, m->path, NULL, m->start, last->end, m->offset);
		if (!mod || cdl_live_module_file(c, m, mod) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* the process's pid in its own PID namespace: its main thread's */
static int ns_pid_of(const struct cdl_rawcap *rc, int pid)
{
	for (size_t i = 0; i < rc->nthreads; i++)
		if (rc->threads[i].tid == pid && rc->threads[i].ns_tid > 0)
			return rc->threads[i].ns_tid;
	return pid;
}

/* Process facts and the address space, read after the thaw as the
 * unwinder once read them: the mappings now, the executable's path. */
static int raw_process(struct ctx *c, struct cdl_rawcap *rc)
{
	char path[64], buf[PATH_MAX];
	ssize_t len;

	rc->pid = c->pid;
	rc->source = "live";
	rc->captured_sec = c->wall_start.tv_sec;
	rc->captured_nsec = c->wall_start.tv_nsec;
	rc->pause_us = (uint64_t)ts_us(&c->pause_start, &c->pause_end);
	if (c->perthread) {
		rc->capture_mode = CDL_CAPTURE_PERTHREAD;
		rc->window_us = rc->pause_us;
		rc->pause_us = (uint64_t)c->max_held_ns / 1000;
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", c->mm_pid);
	len = readlink(path, buf, sizeof(buf) - 1);
	if (len > 0) {
		buf[len] = '\0';
		if (!(rc->exe = strdup(buf)))
			return -ENOMEM;
	}
	if (c->o->sysroot && !(rc->debuginfo_path = cdl_sysroot_debuginfo_path(c->o->sysroot)))
		return -ENOMEM;
	if (cdl_proc_maps(c->mm_pid, &rc->maps) < 0)
		rc->maps.n = 0;      /* no modules: the offline stage says so */
	if (cdl_live_perfmap(rc, c->mm_pid, ns_pid_of(rc, c->pid)) < 0)
		return -ENOMEM;
	return raw_modules(c, rc);
}

/* Is tid a thread of some process?  Its tgid, -1 if it no longer exists. */
static int owner_process(int tid)
{
	char path[64], buf[2048];
	long tgid;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (cdl_proc_read_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 ||
	    cdl_proc_status_long(buf, "Tgid", &tgid) < 0 || tgid <= 0)
		return -1;
	return (int)tgid;
}

/* A live fact the offline stage cannot know: where an owner that is not a
 * thread of the snapshot lives (none: exited).  Only a process-shared
 * object can be held by a thread of another process: for any other the
 * word read as its owner was not one (some live tid of the system, like
 * kthreadd's 2, is no evidence), and the owner becomes unknown.  A
 * core-file source leaves owner_pid 0, "not checked". */
static void check_owners(struct cdl_snapshot *s)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		struct cdl_wait *w = &s->threads[i].wait;
		int pid;

		if (!s->threads[i].has_wait || w->owner_tid <= 0 || w->owner_pid != 0 ||
		    cdl_snapshot_find_thread(s, w->owner_tid))
			continue;
		pid = owner_process(w->owner_tid);
		/* robust and PI lock words hold the owner's tid themselves,
		 * and glibc hides whether such a mutex is shared */
		if (pid > 0 && !(w->flags & (CDL_WAITF_PSHARED | CDL_WAITF_ROBUST | CDL_WAITF_PI))) {
			w->owner_tid = 0;
			w->flags |= CDL_WAITF_OWNER_UNKNOWN;
		} else {
			w->owner_pid = pid;
		}
	}
}

/* ---- the whole capture ---- */

static void ctx_free(struct ctx *c)
{
	free(c->t);
	free(c->refs);
	free(c->regions);
	cdl_live_perthread_free(c);
	if (c->arena)
		munmap(c->arena, c->arena_len);
	cdl_maps_free(&c->maps);
	cdl_live_modids_free(c);
	cdl_live_forcore_free(c->forcore);
	if (c->memfd >= 0)
		close(c->memfd);
	if (c->taskfd >= 0)
		close(c->taskfd);
	if (c->statusfd >= 0)
		close(c->statusfd);
	cdl_rawcap_free(c->rc);
}

/* 1. before the freeze: checks, /proc facts, descriptors, the copy
 * buffer.  0 or -errno with c->d filled. */
static int prepare(struct ctx *c)
{
	char path[64];
	int *tids = NULL, n, rc;

	rc = cdl_live_validate(c);
	if (rc < 0)
		return rc;
	rc = cdl_proc_maps(c->mm_pid, &c->maps);
	if (rc < 0) {
		if (rc == -ENOENT || rc == -ESRCH) {
			cdl_live_no_such_process(c->d, c->pid);
			return -ESRCH;
		}
		cdl_diag_set(c->d, -rc, "attach: read /proc/%d/maps", c->pid);
		if (rc == -EACCES || rc == -EPERM)
			cdl_live_diagnose_eperm(c, c->pid);
		return rc;
	}
	snprintf(path, sizeof(path), "/proc/%d/task", c->pid);
	c->taskfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/mem", c->mm_pid);
	c->memfd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/status", c->pid);
	c->statusfd = open(path, O_RDONLY | O_CLOEXEC);
	c->rc = cdl_rawcap_new();
	/* another root (a container, a chroot): its paths are not ours */
	if (c->rc && not_ours(c->mm_pid, "root/", "/")) {
		snprintf(path, sizeof(path), "/proc/%d/root", c->mm_pid);
		if (!(c->rc->root = strdup(path)))
			return cdl_diag_set(c->d, ENOMEM, "attach");
	}
	/* what is mapped, read while the target runs */
	if (c->rc && cdl_live_modids_read(c) < 0)
		return cdl_diag_set(c->d, ENOMEM, "attach: build-ids");
	/* another PID namespace: glibc records tids as it numbers them */
	c->other_pidns = not_ours(c->pid, "ns/pid", "/proc/self/ns/pid");
	n = cdl_proc_tasks(c->pid, &tids);
	if (c->taskfd < 0 || n < 0 || !c->rc) {
		if (n >= 0)
			free(tids);
		if (!c->rc)
			return cdl_diag_set(c->d, ENOMEM, "attach");
		cdl_live_no_such_process(c->d, c->pid);
		return -ESRCH;
	}
	if (sched_getaffinity(0, sizeof(c->mask), &c->mask) == 0)
		c->refs = calloc(CPU_SETSIZE, sizeof(*c->refs));
	for (int i = 0; i < n; i++) {
		struct th *t = cdl_live_add_th(c, tids[i]);

		if (!t) {
			free(tids);
			return cdl_diag_set(c->d, ENOMEM, "attach: thread list");
		}
		cdl_live_read_facts(c, t, true);
		cdl_live_prio_check(c);
	}
	if (c->pinned)
		sched_setaffinity(0, sizeof(c->mask), &c->mask);
	free(tids);
	c->pd_copy = cdl_libc_ops_default()->max_thread_desc_size();
	cdl_live_py_prepare(c);
	cdl_live_forcore_prepare(c);
	/* the copy buffer of the global freeze, estimated: a few pages per
	 * thread stack and struct pthread, the main thread's stack and
	 * futex windows (the per-thread capture sizes its own, for one
	 * thread) */
	if (c->o->global_freeze) {
		size_t est = c->n * ARENA_PER_THREAD + cdl_live_forcore_bytes(c) +
			     (c->o->max_stack < (256u << 10) ? c->o->max_stack : (256u << 10));

		cdl_live_arena_get(c, est < ARENA_MAX_EST ? est : ARENA_MAX_EST);
	}
	if (cdl_live_seized_reserve(cdl_live_seized_count() + c->n * 2 + 64) < 0)
		return cdl_diag_set(c->d, ENOMEM, "attach: thread list");
	return 0;
}

/* 2-4. freeze, copy, thaw: keep this short.  The threads we wake must not
 * preempt us while we seize or release the others, so we run as a
 * real-time task meanwhile when we may (root); the loops in between are
 * bounded and sleep while waiting.  0 or -errno with c->d filled. */
static int pause_target(struct ctx *c)
{
	if (!c->o->global_freeze) {
		/* one thread at a time, each held only for its own copy */
		int rc = cdl_live_perthread(c);

		if (rc == 0 && c->target_gone) {
			rc = cdl_diag_set(c->d, ESRCH, "capture");
			cdl_diag_why(c->d, "process %d exited during the capture", c->pid);
		}
		return rc;
	}
	cdl_live_prio(c, PRIO_HOLD);    /* the whole process is held */
	int rc = cdl_live_freeze(c);

	if (rc == 0) {
		rc = cdl_live_copy(c);
		if (rc < 0)
			cdl_diag_set(c->d, -rc, "capture: copy memory");
		else
			cdl_live_py_read(c);    /* every thread stopped: one instant */
	}
	c->ph_copied = cdl_live_mono_ns();
	if (rc == 0)
		cdl_live_hold_for_tests();
	cdl_live_thaw(c);
	cdl_live_prio(c, PRIO_LOW);
	if (rc < 0)
		return rc;
	if (c->target_gone) {
		rc = cdl_diag_set(c->d, ESRCH, "capture");
		cdl_diag_why(c->d, "process %d exited during the capture", c->pid);
	}
	return rc;
}

/* 5. the raw capture, complete.  0 or -ENOMEM with c->d filled. */
static int hand_over(struct cdl_collector *k, struct ctx *c)
{
	cdl_live_carry(k, c);
	if (cdl_live_store_regions(c) < 0 || cdl_live_perthread_store(c) < 0)
		return cdl_diag_set(c->d, ENOMEM, "capture: copy memory");
	free(c->regions);
	c->regions = NULL;
	if (c->arena)
		munmap(c->arena, c->arena_len);
	c->arena = NULL;
	if (getenv("CDEADLOCK_BENCH_PHASES")) {
		/* bench/pause.sh: where the pause goes */
		int64_t t0 = (int64_t)c->pause_start.tv_sec * 1000000000 + c->pause_start.tv_nsec;
		int64_t t1 = (int64_t)c->pause_end.tv_sec * 1000000000 + c->pause_end.tv_nsec;

		if (c->perthread) {
			size_t over = 0, n = 0;
			int64_t sum = 0;

			for (size_t i = 0; i < c->n; i++) {
				n += c->t[i].pf.captured;
				sum += c->t[i].pf.held_ns;
				over += c->t[i].pf.held_ns > 1000000;
			}
			cdl_live_warn(c, "phases: per-thread, c0 reads %lld us, stop-copy-release "
				      "%lld us, proof %lld us, stops: %zu, mean %lld us, over 1 ms %zu, "
				      "longest %lld us", (long long)(c->ph_seized - t0) / 1000,
				      (long long)(c->ph_stopped - c->ph_seized) / 1000,
				      (long long)(c->ph_copied - c->ph_stopped) / 1000, n,
				      n ? (long long)(sum / (int64_t)n) / 1000 : 0LL, over,
				      (long long)c->max_held_ns / 1000);
		} else
			cdl_live_warn(c, "phases: seize %lld us, stop %lld us, copy %lld us, thaw %lld us, "
				      "%zu bytes copied", (long long)(c->ph_seized - t0) / 1000,
				      (long long)(c->ph_stopped - c->ph_seized) / 1000,
				      (long long)(c->ph_copied - c->ph_stopped) / 1000,
				      (long long)(t1 - c->ph_copied) / 1000, c->arena_used);
		char said[128];

		cdl_live_prio_said(c, said, sizeof(said));
		cdl_live_warn(c, "phases: our priority outside the holds: %s", said);
	}
	if (c->vm_errno)
		cdl_live_warn(c, "memory was read through /proc/%d/mem: process_vm_readv is refused "
			      "here (%s)%s", c->mm_pid, strerror(c->vm_errno),
			      cdl_live_seccomp_mode() == 2 ? " by a seccomp filter on cdeadlock" : "");
	if (raw_threads(c, c->rc) < 0 || raw_process(c, c->rc) < 0)
		return cdl_diag_set(c->d, ENOMEM, "capture");
	return 0;
}

/* The offline stage runs at the lowest priority (SCHED_IDLE, nice 19) in
 * a thread of its own, so that a busy target keeps the CPUs: the
 * priority of a thread cannot be raised again without privilege, and the
 * caller (the TUI) must stay responsive.  Run inline if no thread can be
 * made. */
struct offline_job {
	struct cdl_rawcap *rc;
	const struct cdl_offline_opts *oo;
	struct cdl_offline_cache *cache;
	struct cdl_snapshot **out;
	struct cdl_diag *d;
	int ret;
};

static void *offline_thread(void *arg)
{
	struct offline_job *j = arg;

	cdl_live_lowest_priority();
	j->ret = cdl_offline_run(j->rc, j->oo, j->cache, j->out, j->d);
	cdl_live_lowest_done();
	return NULL;
}

static int offline_low(struct offline_job *j)
{
	pthread_t th;

	if (pthread_create(&th, NULL, offline_thread, j) != 0) {
		offline_thread(j);
		return j->ret;
	}
	pthread_join(th, NULL);
	return j->ret;
}

static int collect(struct cdl_collector *k, const struct cdl_collect_opts *o,
		   struct cdl_snapshot **out, struct cdl_diag *d)
{
	struct ctx c;
	struct cdl_offline_opts oo = { .no_unwind = o->no_unwind };
	int rc;

	memset(&c, 0, sizeof(c));
	c.pid = o->pid;
	c.o = o;
	c.d = d;
	c.memfd = c.taskfd = c.statusfd = -1;
	/* below the target until the offline stage, except while we hold
	 * it (prio.c) */
	cdl_live_prio_init(&c);
	cdl_live_prio(&c, PRIO_LOW);
	rc = prepare(&c);
	if (rc == 0)
		rc = pause_target(&c);
	if (rc == 0)
		rc = hand_over(k, &c);
	if (rc == 0)
		cdl_live_forcore_finish(&c);
	cdl_live_prio_done(&c);
	/* 6. offline: unwind, classify, name; then the owners' processes */
	if (rc == 0) {
		struct offline_job j = { c.rc, &oo, cdl_live_offline_cache(k), out, d, 0 };

		unsigned raised = cdl_live_lowest_raised();

		rc = offline_low(&j);
		if (rc == 0 && getenv("CDEADLOCK_BENCH_PHASES") && cdl_live_lowest_raised() != raised)
			cdl_snapshot_warn(*out, "phases: the offline stage was starved at SCHED_IDLE: "
					  "its priority was given back");
	}
	if (rc == 0)
		check_owners(*out);
	if (rc == 0)
		cdl_live_keep_raw(k, &c);
	ctx_free(&c);
	return rc;
}

int cdl_collect(struct cdl_collector *k, const struct cdl_collect_opts *o,
		struct cdl_snapshot **out, struct cdl_diag *d)
{
	sigset_t chld, oldmask;
	int rc;

	*out = NULL;
	/* the SIGCHLD handler (on_sigchld) must not reap our stops meanwhile */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &oldmask);
	/* another cdeadlock seized some threads between our check and our
	 * seize (-EAGAIN, everything released): wait for it and start over */
	for (int tries = 0;; tries++) {
		rc = collect(k, o, out, d);
		if (rc != -EAGAIN || tries >= 20 || !cdl_live_wait_other(o->pid))
			break;
		struct timespec ts = { 0, (long)(getpid() % 16 + 1) * 1000000 };

		nanosleep(&ts, NULL);
	}
	if (rc == -EAGAIN) {
		cdl_diag_set(d, EBUSY, "attach: ptrace(PTRACE_SEIZE, %d)", o->pid);
		cdl_diag_why(d, "another cdeadlock keeps capturing this process");
		cdl_diag_hint(d, "try again when it is done");
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return rc;
}
