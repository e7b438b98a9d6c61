/* collect.c - freeze, copy, thaw, then unwind and classify.
 *
 * The target only feels the middle part of cdl_collect():
 *
 *   1. before: validate the pid, read /proc (maps, per-thread stat, wchan,
 *      sched) while the target still runs;
 *   2. freeze: PTRACE_SEIZE + PTRACE_INTERRUPT every thread, wait for every
 *      stop, rescan /proc/PID/task until no new thread appears;
 *   3. copy: registers, the used part of each stack, each struct pthread,
 *      a window around the futex word of every futex sleeper;
 *   4. thaw: PTRACE_DETACH every thread, handing back any signal that was
 *      caught in a signal-delivery-stop;
 *   5. after: unwind offline, classify waits, name lock objects.
 *
 * Test knob: the environment variable CDEADLOCK_TEST_HOLD_MS=N makes
 * cdl_collect keep the target frozen N extra milliseconds between the copy
 * and the thaw, so tests can signal the target or cdeadlock "mid-capture"
 * deterministically.  Never set it in production.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "carryfile.h"
#include "collect-int.h"
#include "libc.h"
#include "memimg.h"
#include "proc.h"

#define PF_KTHREAD_FLAG  0x00200000ul   /* include/linux/sched.h PF_KTHREAD */
#define REDZONE          128            /* x86-64 red zone below sp */
#define PD_COPY          2368           /* sizeof(struct pthread), glibc 2.36 x86-64 */
#define FUTEX_WINDOW     64             /* bytes copied on each side of a futex word */
#define UNMAPPED_STACK   (256u << 10)   /* stack copy when sp is in no known mapping */
#define STOP_TIMEOUT_MS  2000           /* give up on threads that do not stop */
#define D_GRACE_NS       100000000      /* extra wait for threads in state D */
#define MAX_FRAMES       256
#define ARENA_PER_THREAD (6u << 10)     /* copy buffer estimate per thread */
#define ARENA_MAX_EST    (32u << 20)    /* at most this much prepared in advance */
#define BUSY_WAIT_MS     5000           /* wait this long for another cdeadlock */
#define NR_FUTEX         202
#define NR_RESTART       219

enum th_state { TH_NEW, TH_SEIZED, TH_STOPPED, TH_GONE, TH_SKIPPED };

/* One thread of the target while we work on it. */
struct th {
	int tid;
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
	struct cdl_thread ct;    /* registers and syscall state */
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
	struct cdl_memimg *mem;
	struct timespec pause_start, pause_end;
	struct timespec wall_start;
	int64_t ph_seized, ph_stopped, ph_copied;   /* phase ends, for CDEADLOCK_BENCH_PHASES */
	struct cdl_snapshot *s;  /* the snapshot being built (warnings go here) */
	bool target_gone;
	struct region *regions;  /* what copy_frozen read, into arena */
	size_t nregions;
	void *arena;
	size_t arena_len, arena_used;
	cpu_set_t mask;          /* our CPU affinity before pinning */
	struct cpuref *refs;     /* per CPU, NULL if unavailable */
	struct cpuref anyref;    /* read wherever we run */
	bool pinned;
	bool leftovers;          /* an earlier capture left threads seized */
	unsigned long long starttime; /* the process's start, /proc stat field 22 */
};

/* ---- the emergency list: every tid we have seized and not released ----
 *
 * Read by cdl_collect_emergency_detach() from a signal handler, so it is
 * published with plain stores in an order that keeps it consistent: an
 * entry is written before the count grows, a grown array is filled before
 * the pointer moves to it, and the old array is freed only afterwards. */
struct seized {
	volatile pid_t tid;      /* 0 when released */
	volatile int sig;
	volatile int leftover;   /* did not stop before the thaw: the SIGCHLD
	                            handler releases it when it stops */
};

static struct seized *volatile g_seized;
static volatile size_t g_nseized;
static size_t g_capseized;

static int seized_reserve(size_t want)
{
	struct seized *old = g_seized, *nw;
	size_t n = g_nseized;

	if (want <= g_capseized)
		return 0;
	nw = calloc(want, sizeof(*nw));
	if (!nw)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		nw[i].tid = old[i].tid;
		nw[i].sig = old[i].sig;
		nw[i].leftover = old[i].leftover;
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	g_seized = nw;
	g_capseized = want;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	free(old);
	return 0;
}

static int seized_add(pid_t tid, size_t *slot)
{
	size_t n = g_nseized;

	if (n == g_capseized && seized_reserve(g_capseized ? g_capseized * 2 : 256) < 0)
		return -ENOMEM;
	g_seized[n].sig = 0;
	g_seized[n].leftover = 0;
	g_seized[n].tid = tid;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	g_nseized = n + 1;
	*slot = n;
	return 0;
}

static void seized_release(size_t slot)
{
	g_seized[slot].tid = 0;
}

/* Drop the released entries at the end of a capture; entries still held
 * (a thread that never stopped) stay for the next call or for exit. */
static void seized_compact(void)
{
	size_t out = 0, n = g_nseized;
	struct seized *a = g_seized;

	for (size_t i = 0; i < n; i++) {
		if (a[i].tid == 0)
			continue;
		if (out != i) {
			a[out].sig = a[i].sig;
			a[out].leftover = a[i].leftover;
			a[out].tid = a[i].tid;
			a[i].tid = 0;
		}
		out++;
	}
	g_nseized = out;
}

void cdl_collect_emergency_detach(void)
{
	struct seized *a = g_seized;
	size_t n = g_nseized;

	/* only syscalls here: async-signal-safe.  A thread that is seized but
	 * not yet stopped refuses PTRACE_DETACH (ESRCH); the kernel detaches
	 * it when this process exits. */
	for (size_t i = 0; i < n && a; i++) {
		pid_t tid = a[i].tid;

		if (tid > 0) {
			syscall(SYS_ptrace, PTRACE_DETACH, tid, 0L, (long)a[i].sig);
			a[i].tid = 0;
		}
	}
}

/* A thread that was in uninterruptible sleep during the capture stops
 * (its PTRACE_INTERRUPT still pending) when it leaves the kernel; we are
 * told by SIGCHLD and let it go at once.  Only syscalls: async-signal-
 * safe.  SIGCHLD is blocked while a capture runs. */
static void on_sigchld(int sig)
{
	struct seized *a = g_seized;
	size_t n = g_nseized;
	int saved = errno;

	(void)sig;
	for (size_t i = 0; i < n && a; i++) {
		pid_t tid = a[i].tid;
		int status;

		if (tid <= 0 || !a[i].leftover)
			continue;
		if (waitpid(tid, &status, WNOHANG | __WALL) != tid)
			continue;
		if (WIFSTOPPED(status))
			syscall(SYS_ptrace, PTRACE_DETACH, tid, 0L, 0L);
		a[i].leftover = 0;
		a[i].tid = 0;
	}
	errno = saved;
}

static void watch_leftovers(void)
{
	static bool installed;
	struct sigaction sa;

	if (installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) == 0)
		installed = true;
}

void cdl_collect_opts_init(struct cdl_collect_opts *o)
{
	o->pid = 0;
	o->max_stack = 1u << 20;
	o->no_unwind = false;
}

/* ---- small helpers ---- */

static int64_t ts_us(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000000 + (b->tv_nsec - a->tv_nsec) / 1000;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void ctx_warn(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ctx_warn(struct ctx *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cdl_snapshot_warn(c->s, "%s", buf);
}

static struct th *find_th(struct ctx *c, int tid)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->t[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->n && c->t[lo].tid == tid ? &c->t[lo] : NULL;
}

/* Insert tid keeping c->t sorted.  NULL on ENOMEM. */
static struct th *add_th(struct ctx *c, int tid)
{
	size_t i;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct th *t = realloc(c->t, cap * sizeof(*t));

		if (!t)
			return NULL;
		c->t = t;
		c->cap = cap;
	}
	for (i = c->n; i > 0 && c->t[i - 1].tid > tid; i--)
		;
	memmove(&c->t[i + 1], &c->t[i], (c->n - i) * sizeof(*c->t));
	c->n++;
	memset(&c->t[i], 0, sizeof(c->t[i]));
	c->t[i].tid = tid;
	c->t[i].blocked_ms = -1;
	c->t[i].ct.syscall_nr = -1;
	return &c->t[i];
}

/* ---- before the freeze: validation and /proc facts ---- */

static void tracer_name(int tracer, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", tracer);
	if (cdl_proc_read_at(AT_FDCWD, path, buf, size) <= 0)
		snprintf(buf, size, "?");
	buf[strcspn(buf, "\n")] = '\0';
}

/* The tracer of tid (0 if none or unknown), and whether it is another
 * cdeadlock: two captures of one process at once are not an error, the
 * later one waits for the earlier (it holds the threads only while it
 * copies). */
static long tracer_of(int tid, bool *is_cdl)
{
	char path[64], buf[4096], name[64];
	long tracer = 0;

	*is_cdl = false;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (cdl_proc_read_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 ||
	    cdl_proc_status_long(buf, "TracerPid", &tracer) < 0 || tracer <= 0)
		return 0;
	tracer_name((int)tracer, name, sizeof(name));
	*is_cdl = strcmp(name, "cdeadlock") == 0;
	return tracer;
}

/* Wait up to BUSY_WAIT_MS for another cdeadlock to let pid go.  true if
 * it did (or was not there). */
static bool wait_other_cdeadlock(int pid)
{
	bool is_cdl;

	for (int waited = 0; waited < BUSY_WAIT_MS; waited += 10) {
		struct timespec ts = { 0, 10000000 };

		if (tracer_of(pid, &is_cdl) == 0)
			return true;
		if (!is_cdl)
			return false;
		nanosleep(&ts, NULL);
	}
	return false;
}

static int validate(struct ctx *c)
{
	char path[64], buf[4096];
	struct cdl_proc_stat ps;
	long tgid = 0, tracer = 0, nthreads = 0;
	ssize_t n;

	if (c->pid <= 0)
		return cdl_diag_set(c->d, EINVAL, "attach: invalid pid %d", c->pid);
	snprintf(path, sizeof(path), "/proc/%d/stat", c->pid);
	n = cdl_proc_read_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n == -ENOENT || n == -ESRCH) {
		cdl_diag_set(c->d, ESRCH, "attach");
		cdl_diag_why(c->d, "no such process %d", c->pid);
		return -ESRCH;
	}
	if (n < 0)
		return cdl_diag_set(c->d, (int)-n, "attach: read %s", path);
	if (cdl_proc_parse_stat(buf, &ps) < 0)
		return cdl_diag_set(c->d, EINVAL, "attach: parse %s", path);
	if (ps.flags & PF_KTHREAD_FLAG) {
		cdl_diag_set(c->d, EPERM, "attach: process %d (%s)", c->pid, ps.comm);
		cdl_diag_why(c->d, "is a kernel thread, it has no user-space threads to show");
		return -EPERM;
	}
	if (ps.state == 'X') {
		cdl_diag_set(c->d, ESRCH, "attach");
		cdl_diag_why(c->d, "no such process %d", c->pid);
		return -ESRCH;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", c->pid);
	n = cdl_proc_read_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n < 0) {
		cdl_diag_set(c->d, ESRCH, "attach");
		cdl_diag_why(c->d, "no such process %d", c->pid);
		return -ESRCH;
	}
	cdl_proc_status_long(buf, "Tgid", &tgid);
	cdl_proc_status_long(buf, "TracerPid", &tracer);
	if (tracer > 0 && wait_other_cdeadlock(c->pid))
		tracer = 0;
	cdl_proc_status_long(buf, "Threads", &nthreads);
	if (tgid > 0 && tgid != c->pid) {
		cdl_diag_set(c->d, EINVAL, "attach: %d", c->pid);
		cdl_diag_why(c->d, "is a thread of process %ld, not a process", tgid);
		cdl_diag_hint(c->d, "use -p %ld", tgid);
		return -EINVAL;
	}
	if (c->pid == getpid()) {
		cdl_diag_set(c->d, EINVAL, "attach: %d", c->pid);
		cdl_diag_why(c->d, "cannot attach to ourselves");
		return -EINVAL;
	}
	if (ps.state == 'Z' && nthreads <= 1) {
		cdl_diag_set(c->d, ESRCH, "attach: process %d (%s)", c->pid, ps.comm);
		cdl_diag_why(c->d, "is a zombie: it has exited and waits for its parent %d to reap it",
			     ps.ppid);
		return -ESRCH;
	}
	c->mm_pid = c->pid;
	c->starttime = ps.starttime;
	if (ps.state == 'Z') {
		/* the main thread has exited (pthread_exit) but others run:
		 * its /proc files show no memory, a live thread's do */
		int *tids, nt = cdl_proc_tasks(c->pid, &tids);

		for (int i = 0; i < nt; i++) {
			char sp[64], sb[1024];
			struct cdl_proc_stat ts;

			snprintf(sp, sizeof(sp), "/proc/%d/task/%d/stat", c->pid, tids[i]);
			if (tids[i] != c->pid && cdl_proc_read_at(AT_FDCWD, sp, sb, sizeof(sb)) > 0 &&
			    cdl_proc_parse_stat(sb, &ts) == 0 && ts.state != 'Z' && ts.state != 'X') {
				c->mm_pid = tids[i];
				break;
			}
		}
		if (nt > 0)
			free(tids);
		if (c->mm_pid == c->pid) {
			cdl_diag_set(c->d, ESRCH, "attach: process %d (%s)", c->pid, ps.comm);
			cdl_diag_why(c->d, "is exiting: no thread is left alive");
			return -ESRCH;
		}
	} else if (!strstr(buf, "VmSize:")) {
		cdl_diag_set(c->d, EPERM, "attach: process %d (%s)", c->pid, ps.comm);
		cdl_diag_why(c->d, "has no memory (a kernel thread or an exiting process)");
		return -EPERM;
	}
	if (tracer > 0) {
		char name[64];

		tracer_name((int)tracer, name, sizeof(name));
		cdl_diag_set(c->d, EPERM, "attach: ptrace(PTRACE_SEIZE, %d)", c->pid);
		cdl_diag_why(c->d, "already traced by process %ld (%s)", tracer, name);
		cdl_diag_hint(c->d, "a process has only one tracer: detach %s (pid %ld) first",
			      name, tracer);
		return -EPERM;
	}
	return 0;
}

/* Our own sched exec_start: sleeping a moment first makes the scheduler
 * stamp it with "now" when we are switched back in. */
static int64_t own_exec_start(int64_t *mono)
{
	char buf[4096];
	int64_t ns;
	struct timespec ts = { 0, 1000 };

	nanosleep(&ts, NULL);
	*mono = mono_ns();
	if (cdl_proc_read_at(AT_FDCWD, "/proc/thread-self/sched", buf, sizeof(buf)) <= 0 ||
	    cdl_proc_parse_exec_start(buf, &ns) < 0)
		return -1;
	return ns;
}

/* The scheduler clock a thread's exec_start is stamped with is its CPU's
 * rq clock_task, and those of two CPUs drift apart (steal time: hundreds
 * of ms after a while in a VM).  So the reference is read on the CPU the
 * thread last ran on, by moving ourselves there; CLOCK_MONOTONIC carries
 * it forward over the few ms the reading takes. */
static bool cpu_ref(struct ctx *c, int cpu, int64_t *exec, int64_t *mono)
{
	struct cpuref *r = &c->anyref;

	if (c->refs && cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &c->mask)) {
		r = &c->refs[cpu];
		if (!r->tried) {
			cpu_set_t one;

			r->tried = true;
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			if (sched_setaffinity(0, sizeof(one), &one) == 0) {
				c->pinned = true;
				r->exec = own_exec_start(&r->mono);
			} else {
				r->exec = -1;
			}
		}
		if (r->exec <= 0)
			r = &c->anyref;
	}
	if (!r->tried) {
		r->tried = true;
		r->exec = own_exec_start(&r->mono);
	}
	*exec = r->exec;
	*mono = r->mono;
	return r->exec > 0;
}

/* Read state, comm, wchan and (with with_sched) the off-CPU time of one
 * thread. */
static void read_facts(struct ctx *c, struct th *t, bool with_sched)
{
	char name[64], buf[4096];
	struct cdl_proc_stat ps;
	ssize_t n;

	snprintf(name, sizeof(name), "%d/stat", t->tid);
	n = cdl_proc_read_at(c->taskfd, name, buf, sizeof(buf));
	if (n < 0 || cdl_proc_parse_stat(buf, &ps) < 0)
		return;
	t->facts = true;
	t->state = ps.state;
	snprintf(t->comm, sizeof(t->comm), "%s", ps.comm);
	snprintf(name, sizeof(name), "%d/wchan", t->tid);
	if (cdl_proc_read_at(c->taskfd, name, t->wchan, sizeof(t->wchan)) <= 0 ||
	    strcmp(t->wchan, "0") == 0)
		t->wchan[0] = '\0';
	if (with_sched && (t->state == 'S' || t->state == 'D')) {
		int64_t es, ref, ref_mono;

		if (!cpu_ref(c, ps.cpu, &ref, &ref_mono))
			return;
		snprintf(name, sizeof(name), "%d/sched", t->tid);
		if (cdl_proc_read_at(c->taskfd, name, buf, sizeof(buf)) > 0 &&
		    cdl_proc_parse_exec_start(buf, &es) == 0) {
			int64_t diff = ref + (mono_ns() - ref_mono) - es;

			/* a clock read on another CPU may disagree by a little */
			if (diff >= -10000000) {
				t->blocked_ms = diff > 0 ? diff / 1000000 : 0;
				t->off_since = mono_ns() - (diff > 0 ? diff : 0);
			}
		}
	}
}

/* ---- EPERM diagnosis, as strace does ---- */

/* A capability set ("CapEff", "CapPrm") from a status text; 0 or -ENOENT. */
static int status_caps(const char *buf, const char *field, unsigned long long *caps)
{
	const char *p = strstr(buf, field);

	if (!p || sscanf(p + strlen(field) + 1, "%llx", caps) != 1)
		return -ENOENT;
	return 0;
}

static unsigned long long own_caps(void)
{
	char buf[4096];
	unsigned long long caps;

	if (cdl_proc_read_at(AT_FDCWD, "/proc/self/status", buf, sizeof(buf)) <= 0 ||
	    status_caps(buf, "CapEff", &caps) < 0)
		return geteuid() == 0 ? ~0ull : 0;
	return caps;
}

static void diagnose_eperm(struct ctx *c, int tid)
{
	char path[64], buf[4096];
	long tracer = 0, uid = -1;
	int scope = -1;
	unsigned long long mine = own_caps(), theirs = 0;
	bool cap = (mine >> 19) & 1;     /* CAP_SYS_PTRACE */

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", c->pid, tid);
	if (cdl_proc_read_at(AT_FDCWD, path, buf, sizeof(buf)) > 0) {
		cdl_proc_status_long(buf, "TracerPid", &tracer);
		cdl_proc_status_long(buf, "Uid", &uid);
		status_caps(buf, "CapPrm", &theirs);
	}
	if (tracer > 0 && tracer != getpid()) {
		char name[64];

		tracer_name((int)tracer, name, sizeof(name));
		cdl_diag_why(c->d, "already traced by process %ld (%s)", tracer, name);
		cdl_diag_hint(c->d, "a process has only one tracer: detach %s (pid %ld) first",
			      name, tracer);
		return;
	}
	if (cdl_proc_read_at(AT_FDCWD, "/proc/sys/kernel/yama/ptrace_scope", buf, sizeof(buf)) > 0)
		scope = atoi(buf);
	if (!cap && uid >= 0 && (uid_t)uid != geteuid()) {
		cdl_diag_hint(c->d, "process %d belongs to uid %ld and you are uid %u: run cdeadlock "
			      "as that user, or as root (CAP_SYS_PTRACE)", c->pid, uid,
			      (unsigned)geteuid());
	} else if (scope == 3) {
		cdl_diag_hint(c->d, "kernel.yama.ptrace_scope is 3: ptrace is disabled for everyone "
			      "until the next reboot");
	} else if (scope == 2 && !cap) {
		cdl_diag_hint(c->d, "kernel.yama.ptrace_scope is 2: only CAP_SYS_PTRACE may trace; "
			      "run cdeadlock as root");
	} else if (scope == 1 && !cap) {
		cdl_diag_hint(c->d, "kernel.yama.ptrace_scope is 1: only a parent may trace its "
			      "children; run cdeadlock as root (CAP_SYS_PTRACE), or "
			      "'sysctl kernel.yama.ptrace_scope=0'");
	} else if (!cap && (theirs & ~mine)) {
		cdl_diag_hint(c->d, "process %d holds capabilities cdeadlock lacks: run cdeadlock "
			      "with CAP_SYS_PTRACE (as root)", c->pid);
	} else if (!cap) {
		cdl_diag_hint(c->d, "process %d may be set-uid or not dumpable: run cdeadlock as "
			      "root (CAP_SYS_PTRACE)", c->pid);
	} else {
		cdl_diag_hint(c->d, "you have CAP_SYS_PTRACE: a security module (SELinux, AppArmor) "
			      "or a seccomp filter may forbid ptrace; see the kernel log");
	}
}

/* ---- freeze ---- */

/* A seized thread died: forget it, so neither the next capture nor the
 * emergency detach touches a tid that may be reused. */
static void th_gone(struct th *t)
{
	t->st = TH_GONE;
	seized_release(t->slot);
}

/* Seize and interrupt one thread.  0, or -errno for the fatal cases
 * (EPERM on a thread that still exists). */
static int seize_one(struct ctx *c, struct th *t)
{
	/* still ours from an earlier capture (it never stopped)?  Rare: the
	 * list is scanned only when an earlier capture left such a thread,
	 * so seizing stays linear in the number of threads. */
	for (size_t i = 0; c->leftovers && i < g_nseized; i++)
		if (g_seized[i].tid == t->tid && g_seized[i].leftover) {
			g_seized[i].leftover = 0;
			t->slot = i;
			t->st = TH_SEIZED;
			if (ptrace(PTRACE_INTERRUPT, t->tid, 0L, 0L) < 0 && errno == ESRCH)
				t->st = TH_GONE;
			return 0;
		}
	if (ptrace(PTRACE_SEIZE, t->tid, 0L, 0L) < 0) {
		int e = errno;

		if (e == ESRCH) {
			t->st = TH_GONE;
			return 0;
		}
		if (e == EPERM) {
			/* a thread that is exiting cannot be seized either */
			char name[64], buf[1024];
			struct cdl_proc_stat ps;

			snprintf(name, sizeof(name), "%d/stat", t->tid);
			if (t->tid != c->pid &&
			    (cdl_proc_read_at(c->taskfd, name, buf, sizeof(buf)) < 0 ||
			     (cdl_proc_parse_stat(buf, &ps) == 0 &&
			      (ps.state == 'Z' || ps.state == 'X')))) {
				t->st = TH_GONE;
				return 0;
			}
		}
		if (e == EPERM) {
			bool is_cdl;

			if (tracer_of(t->tid, &is_cdl) > 0 && is_cdl)
				return -EAGAIN;   /* let go, wait, try again */
		}
		cdl_diag_set(c->d, e, "attach: ptrace(PTRACE_SEIZE, %d)", t->tid);
		if (e == EPERM)
			diagnose_eperm(c, t->tid);
		return -e;
	}
	if (seized_add(t->tid, &t->slot) < 0) {
		ptrace(PTRACE_DETACH, t->tid, 0L, 0L);   /* not stopped: fails, kernel cleans up at exit */
		return cdl_diag_set(c->d, ENOMEM, "attach: remember thread %d", t->tid);
	}
	t->st = TH_SEIZED;
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0L, 0L) < 0 && errno == ESRCH)
		th_gone(t);           /* exiting; its exit is reported to waitpid */
	return 0;
}

static void read_regs(struct th *t)
{
	int rc = cdl_arch_read_regs(t->tid, &t->ct);

	t->regs_tried = true;
	t->regs_ok = rc == 0;
	if (rc == -ESRCH) {
		th_gone(t);
		t->late = true;
	}
}

/* One wait status of thread t: record its stop (or its death). */
static void took_stop(struct th *t, int status)
{
	if (WIFSTOPPED(status)) {
		int sig = WSTOPSIG(status);
		int event = status >> 16;

		t->st = TH_STOPPED;
		if (event == 0) {
			/* signal-delivery-stop: the signal is ours to hand back */
			t->sig = sig;
			g_seized[t->slot].sig = sig;
		}
		/* registers of a stopped thread no longer change: read them
		 * while the others are still on their way */
		read_regs(t);
	} else {
		t->st = TH_GONE;
		seized_release(t->slot);
	}
}

/* Wait until every seized thread has stopped or gone, for at most
 * STOP_TIMEOUT_MS.  Returns the number still not stopped.
 *
 * Each thread is waited for by its own tid: the kernel answers a
 * waitpid(-1) by walking every tracee, which made this quadratic in the
 * number of threads; waitpid(tid) looks at one.  Threads are visited in
 * order, each polled until it stops: while we sleep on one, the others go
 * on reaching their stops, so the sleeps add up to about the time the
 * slowest thread needs, and the waits to one per thread. */
static size_t wait_stops(struct ctx *c, int64_t deadline_ns)
{
	size_t pending = 0, pending_d = 0;

	for (size_t i = 0; i < c->n; i++)
		if (c->t[i].st == TH_SEIZED) {
			pending++;
			if (c->t[i].state == 'D')
				pending_d++;
		}
	for (size_t i = 0; i < c->n && pending > 0; i++) {
		struct th *t = &c->t[i];
		int status;
		pid_t w;

		if (t->st != TH_SEIZED)
			continue;
		for (;;) {
			w = waitpid(t->tid, &status, __WALL | WNOHANG);
			if (w < 0 && errno == EINTR)
				continue;
			if (w != 0)
				break;
			/* Let the stops pile up rather than being woken
			 * for each: the tracees need the CPUs to reach
			 * their stop. */
			struct timespec ts = { 0, 200000 };
			int64_t now = mono_ns();

			/* threads in uninterruptible sleep (vfork, I/O)
			 * stop only when they leave it: once only they
			 * are left, give them a short grace rather than
			 * holding everyone else */
			if (pending == pending_d && deadline_ns > now + D_GRACE_NS)
				deadline_ns = now + D_GRACE_NS;
			if (now > deadline_ns)
				break;
			/* a thread in D: look at the others first */
			if (t->state == 'D' && pending > pending_d)
				break;
			nanosleep(&ts, NULL);
		}
		if (w == 0)
			continue;       /* past the deadline, or a D thread for later */
		if (w < 0)
			th_gone(t);     /* ECHILD: no longer our tracee */
		else
			took_stop(t, status);
		if (t->state == 'D' && pending_d > 0)
			pending_d--;
		pending--;
	}
	/* threads in D were skipped while others were pending: their turn */
	if (pending > 0 && pending == pending_d && mono_ns() <= deadline_ns)
		return wait_stops(c, deadline_ns);
	return pending;
}

/* Rescan /proc/PID/task.  Returns the number of new threads seized, or
 * -errno (fatal, d filled). */
static int rescan(struct ctx *c)
{
	int *tids, n, added = 0;
	char buf[2048];
	long nthreads;
	size_t held = 0;

	/* fast path: every thread we hold is stopped and cannot create
	 * another, so if the kernel counts as many threads as we hold (plus
	 * zombies we skipped), none appeared */
	for (size_t i = 0; i < c->n; i++)
		if (c->t[i].st == TH_STOPPED || c->t[i].st == TH_SKIPPED)
			held++;
	ssize_t nread = c->statusfd >= 0 ? pread(c->statusfd, buf, sizeof(buf) - 1, 0) : -1;
	if (nread > 0) {
		buf[nread] = '\0';
		if (cdl_proc_status_long(buf, "Threads", &nthreads) == 0 &&
		    (size_t)nthreads == held)
			return 0;
	}
	n = cdl_proc_tasks(c->pid, &tids);
	if (n < 0)
		return 0;        /* the process is gone: the waits told or will tell */
	for (int i = 0; i < n; i++) {
		struct th *t = find_th(c, tids[i]);
		int rc;

		if (t)
			continue;
		t = add_th(c, tids[i]);
		if (!t) {
			free(tids);
			return cdl_diag_set(c->d, ENOMEM, "attach: thread list");
		}
		rc = seize_one(c, t);
		if (rc < 0) {
			free(tids);
			return rc;
		}
		added++;
	}
	free(tids);
	return added;
}

static int freeze(struct ctx *c)
{
	int64_t deadline;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &c->pause_start);
	clock_gettime(CLOCK_REALTIME, &c->wall_start);
	deadline = mono_ns() + (int64_t)STOP_TIMEOUT_MS * 1000000;
	for (size_t i = 0; i < g_nseized && !c->leftovers; i++)
		c->leftovers = g_seized[i].tid > 0 && g_seized[i].leftover;
	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];

		if (t->facts && (t->state == 'Z' || t->state == 'X')) {
			t->st = TH_SKIPPED;     /* a zombie leader cannot be seized */
			continue;
		}
		rc = seize_one(c, t);
		if (rc < 0)
			goto out;
	}
	c->ph_seized = mono_ns();
	for (int round = 0;; round++) {
		size_t left = wait_stops(c, deadline);

		if (left > 0)
			break;
		rc = rescan(c);
		if (rc < 0)
			goto out;
		if (rc == 0)
			break;
		if (round > 1000) {
			ctx_warn(c, "threads kept appearing while freezing; some may be missing");
			break;
		}
	}
	rc = 0;
out:
	c->ph_stopped = mono_ns();
	return rc;
}

/* ---- copy ---- */

#define IOV_BATCH 512

static void pread_region(int memfd, struct region *r)
{
	while (memfd >= 0 && r->got < r->len) {
		ssize_t n = pread(memfd, r->buf + r->got, r->len - r->got, (off_t)(r->addr + r->got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		r->got += (size_t)n;
	}
}

/* Copy every region, many per process_vm_readv call.  A call stops at the
 * first unreadable byte: what came before is kept, the region that failed
 * is finished with pread on /proc/PID/mem (which also works where
 * process_vm_readv is not available), and batching resumes after it. */
static void read_regions(struct ctx *c, struct region *r, size_t n)
{
	struct iovec lv[IOV_BATCH], rv[IOV_BATCH];
	bool use_vm = true;
	size_t i = 0;

	while (i < n) {
		if (!use_vm) {
			pread_region(c->memfd, &r[i]);
			i++;
			continue;
		}
		size_t k = 0;
		for (size_t j = i; j < n && k < IOV_BATCH; j++, k++) {
			lv[k] = (struct iovec){ r[j].buf, r[j].len };
			rv[k] = (struct iovec){ (void *)(uintptr_t)r[j].addr, r[j].len };
		}
		ssize_t got = process_vm_readv(c->mm_pid, lv, k, rv, k, 0);
		if (got < 0) {
			if (errno == ENOSYS || errno == EPERM)
				use_vm = false;
			else if (errno == ESRCH)
				return;
			else {
				pread_region(c->memfd, &r[i]);
				i++;
			}
			continue;
		}
		size_t j = i;
		size_t left = (size_t)got;
		while (j < i + k && left >= r[j].len) {
			r[j].got = r[j].len;
			left -= r[j].len;
			j++;
		}
		if (j == i + k) {
			i = j;
			continue;
		}
		r[j].got = left;
		pread_region(c->memfd, &r[j]);
		i = j + 1;
	}
}

/* Clamp [lo, hi) to the mapping holding lo; false if nothing remains. */
static bool clamp_to_map(struct ctx *c, uint64_t *lo, uint64_t *hi)
{
	const struct cdl_map *m = cdl_proc_maps_find(&c->maps, *lo);

	if (!m)
		return true;    /* unknown: try, partial reads are fine */
	if (*hi > m->end)
		*hi = m->end;
	return *hi > *lo;
}

static void region_push(struct region *r, size_t *n, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return;
	r[*n] = (struct region){ .addr = lo, .len = (size_t)(hi - lo) };
	(*n)++;
}

/* Make c->arena at least len bytes, mapped and populated (no page faults
 * while frozen).  Prepared before the freeze with an estimate; grown
 * here only if the estimate was short.  0 or -ENOMEM. */
static int arena_get(struct ctx *c, size_t len)
{
	void *a;

	if (c->arena && c->arena_len >= len)
		return 0;
	a = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (a == MAP_FAILED)
		return -ENOMEM;
	if (c->arena)
		munmap(c->arena, c->arena_len);
	c->arena = a;
	c->arena_len = len;
	return 0;
}

/* Registers of every stopped thread, then stacks, struct pthreads and
 * futex windows in one batched read into one arena, mapped and populated
 * in a single call so the copy takes no page faults.  The regions go to
 * the memory image after the thaw (store_regions).  0 or -ENOMEM. */
static int copy_frozen(struct ctx *c)
{
	struct region *r;
	size_t nr = 0, total = 0;
	bool need_maps = false;

	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];

		if (t->st != TH_STOPPED)
			continue;
		if (!t->regs_tried)
			read_regs(t);
		if (t->regs_ok && !cdl_proc_maps_find(&c->maps, t->ct.sp))
			need_maps = true;
	}
	/* a thread born during the freeze has a stack the first read of the
	 * maps did not see: read them again, once */
	if (need_maps) {
		struct cdl_maps m;

		if (cdl_proc_maps(c->mm_pid, &m) == 0) {
			cdl_proc_maps_free(&c->maps);
			c->maps = m;
		}
	}

	r = calloc(c->n * 3 + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	c->regions = r;
	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];
		uint64_t slo = 0, shi = 0, lo, hi;

		if (t->st != TH_STOPPED || !t->regs_ok)
			continue;
		/* the used stack: red zone below sp up to the top of its mapping */
		const struct cdl_map *m = cdl_proc_maps_find(&c->maps, t->ct.sp);
		slo = t->ct.sp >= REDZONE ? t->ct.sp - REDZONE : 0;
		if (m) {
			if (slo < m->start)
				slo = m->start;
			shi = m->end;
			if (shi - slo > c->o->max_stack)
				shi = slo + c->o->max_stack;
		} else {
			shi = slo + (c->o->max_stack < UNMAPPED_STACK ? c->o->max_stack : UNMAPPED_STACK);
		}
		region_push(r, &nr, slo, shi);
		/* struct pthread (fs_base), unless the stack copy holds it */
		lo = t->ct.thread_pointer;
		hi = lo + PD_COPY;
		if (lo && !(lo >= slo && hi <= shi) && clamp_to_map(c, &lo, &hi))
			region_push(r, &nr, lo, hi);
		/* the lock object around the futex word a sleeper waits on */
		if (t->ct.in_syscall && (t->ct.syscall_nr == NR_FUTEX ||
					 t->ct.syscall_nr == NR_RESTART)) {
			uint64_t ua = t->ct.syscall_args[0];

			if (ua >= 4096 && !(ua >= slo && ua + 4 <= shi)) {
				const struct cdl_map *fm = cdl_proc_maps_find(&c->maps, ua);

				lo = ua - FUTEX_WINDOW;
				hi = ua + FUTEX_WINDOW;
				if (fm) {
					if (lo < fm->start)
						lo = fm->start;
					if (hi > fm->end)
						hi = fm->end;
				}
				region_push(r, &nr, lo, hi);
			}
		}
	}
	c->nregions = nr;
	for (size_t i = 0; i < nr; i++)
		total += r[i].len;
	if (total == 0)
		return 0;
	if (arena_get(c, total) < 0)
		return -ENOMEM;
	c->arena_used = total;
	total = 0;
	for (size_t i = 0; i < nr; i++) {
		r[i].buf = (unsigned char *)c->arena + total;
		total += r[i].len;
	}
	read_regions(c, r, nr);
	return 0;
}

/* After the thaw: move what was copied into the memory image. */
static int store_regions(struct ctx *c)
{
	for (size_t i = 0; i < c->nregions; i++) {
		struct region *r = &c->regions[i];

		if (r->got && cdl_memimg_add_copy(c->mem, r->addr, r->buf, r->got) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- thaw ---- */

static void hold_for_tests(void)
{
	const char *e = getenv("CDEADLOCK_TEST_HOLD_MS");
	long ms;
	struct timespec ts;

	if (!e || !*e)
		return;
	ms = strtol(e, NULL, 10);
	if (ms <= 0 || ms > 600000)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Detach every thread, handing back caught signals.  Threads that never
 * stopped get a short extra wait; the kernel detaches any still seized
 * when cdeadlock exits. */
static void thaw(struct ctx *c)
{
	size_t ok = 0, tried = 0;

	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];

		if (t->st != TH_STOPPED)
			continue;
		tried++;
		if (ptrace(PTRACE_DETACH, t->tid, 0L, (long)t->sig) == 0) {
			ok++;
			t->detached = true;
			seized_release(t->slot);
		} else if (errno == ESRCH) {
			/* killed while stopped (the process exited): reap the
			 * notification so the real parent sees the exit */
			int status;

			t->st = TH_GONE;
			t->late = true;
			seized_release(t->slot);
			waitpid(t->tid, &status, __WALL | WNOHANG);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &c->pause_end);
	if (tried > 0 && ok == 0)
		c->target_gone = true;  /* every thread died while stopped */

	int64_t end = mono_ns() + 100000000;
	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];
		int status;

		if (t->st != TH_SEIZED)
			continue;
		pid_t w;

		while ((w = waitpid(t->tid, &status, __WALL | WNOHANG)) == 0 && mono_ns() < end) {
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
		}
		if (w == t->tid && WIFSTOPPED(status)) {
			ptrace(PTRACE_DETACH, t->tid, 0L, 0L);
			seized_release(t->slot);
		} else if (w == t->tid) {
			seized_release(t->slot);
		} else {
			ctx_warn(c, "thread %d did not stop (state %c%s%s) and has no registers",
				 t->tid, t->state ? t->state : '?', t->wchan[0] ? ", in " : "",
				 t->wchan);
			watch_leftovers();
			g_seized[t->slot].leftover = 1;
		}
	}
	seized_compact();
}

/* ---- off-CPU time across captures ----
 *
 * A capture wakes every thread for a moment (the stop, then the restarted
 * syscall), so the next capture would see it off-CPU only since then.
 * When a thread is found sleeping in the same call on the same address as
 * at the previous capture of the same process, and it last went off-CPU
 * just after that capture's thaw, the sleep is the one we interrupted: its
 * off-CPU time keeps counting from before. */
#define CARRY_WINDOW_NS 100000000     /* our wake-up is done within 100 ms */

static struct {
	int pid;
	unsigned long long starttime;
	int64_t thaw;
	struct cdl_carry *e;
	size_t n;
} g_carry;

static const struct cdl_carry *carry_find(int tid)
{
	size_t lo = 0, hi = g_carry.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g_carry.e[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g_carry.n && g_carry.e[lo].tid == tid ? &g_carry.e[lo] : NULL;
}

static void carry_apply_and_save(struct ctx *c)
{
	struct cdl_carry *nw = calloc(c->n ? c->n : 1, sizeof(*nw));
	size_t nn = 0;
	int64_t thaw = (int64_t)c->pause_end.tv_sec * 1000000000 + c->pause_end.tv_nsec;

	/* a process we did not capture in this run: what an earlier run saw */
	if (g_carry.pid != c->pid || g_carry.starttime != c->starttime) {
		struct cdl_carry *e;
		int64_t th;
		int n = cdl_carry_load(c->pid, c->starttime, &th, &e);

		free(g_carry.e);
		g_carry.e = n > 0 ? e : NULL;
		g_carry.n = n > 0 ? (size_t)n : 0;
		g_carry.pid = n > 0 ? c->pid : 0;
		g_carry.starttime = c->starttime;
		g_carry.thaw = n > 0 ? th : 0;
		if (n <= 0)
			free(e);
	}

	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];

		if (!t->off_since || !t->regs_ok || !t->ct.in_syscall)
			continue;
		if (g_carry.pid == c->pid) {
			const struct cdl_carry *p = carry_find(t->tid);

			/* an interrupted timed sleep resumes as restart_syscall
			 * with its registers unchanged */
			if (p && (p->nr == t->ct.syscall_nr || t->ct.syscall_nr == NR_RESTART) &&
			    p->arg0 == t->ct.syscall_args[0] &&
			    t->off_since >= g_carry.thaw - 1000000 &&
			    t->off_since <= g_carry.thaw + CARRY_WINDOW_NS &&
			    p->off_since < t->off_since) {
				t->blocked_ms += (t->off_since - p->off_since) / 1000000;
				t->off_since = p->off_since;
			}
		}
		if (nw)
			nw[nn++] = (struct cdl_carry){ t->tid, t->ct.syscall_nr,
						       t->ct.syscall_args[0], t->off_since };
	}
	free(g_carry.e);
	g_carry.e = nw;
	g_carry.n = nw ? nn : 0;
	g_carry.pid = c->pid;
	g_carry.starttime = c->starttime;
	g_carry.thaw = thaw;
	if (nw)
		cdl_carry_save(c->pid, c->starttime, thaw, nw, nn);
}

/* ---- after the thaw ---- */

static void rfc3339(const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 ts->tv_nsec / 1000000);
}

/* Fill the snapshot's threads from what the freeze gathered. */
static int build_threads(struct ctx *c, struct cdl_snapshot *s)
{
	char gone[128] = "";
	int ngone = 0, pos = 0;

	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];
		struct cdl_thread *st;

		if (t->st == TH_GONE || t->st == TH_NEW) {
			if (t->late)
				cdl_snapshot_warn(s, "thread %d%s%s%s exited during the capture", t->tid,
						  t->comm[0] ? " (" : "", t->comm,
						  t->comm[0] ? ")" : "");
			else if (++ngone <= 8)
				pos += snprintf(gone + pos, sizeof(gone) - (size_t)pos, "%s%d",
						ngone > 1 ? ", " : "", t->tid);
			continue;
		}
		if (!t->facts) {
			/* born during the freeze: read what we can now */
			read_facts(c, t, false);
			if (!t->facts)
				t->state = 'R';
		}
		st = cdl_snapshot_add_thread(s, t->tid);
		if (!st)
			return -ENOMEM;
		if (t->regs_ok) {
			memcpy(st->regs, t->ct.regs, sizeof(st->regs));
			st->nregs = t->ct.nregs;
			st->pc = t->ct.pc;
			st->sp = t->ct.sp;
			st->thread_pointer = t->ct.thread_pointer;
			st->in_syscall = t->ct.in_syscall;
			st->syscall_nr = t->ct.syscall_nr;
			memcpy(st->syscall_args, t->ct.syscall_args, sizeof(st->syscall_args));
		} else if (t->st == TH_STOPPED) {
			st->unwind_error = cdl_snapshot_intern(s, "registers could not be read");
		} else if (t->st == TH_SKIPPED) {
			st->unwind_error = cdl_snapshot_intern(s, "thread has exited (zombie)");
		} else {
			st->unwind_error = cdl_snapshot_intern(s, "thread did not stop");
		}
		st->name = cdl_snapshot_intern(s, t->comm[0] ? t->comm : "?");
		st->state = t->state ? t->state : '?';
		st->wchan = t->wchan[0] ? cdl_snapshot_intern(s, t->wchan) : NULL;
		st->blocked_for_ms = t->blocked_ms;
	}
	if (ngone == 1)
		cdl_snapshot_warn(s, "thread %s exited while the process was being frozen", gone);
	else if (ngone > 1)
		cdl_snapshot_warn(s, "%d threads exited while the process was being frozen: %s%s",
				  ngone, gone, ngone > 8 ? ", ..." : "");
	return 0;
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

static void analyse_offline(struct ctx *c, struct cdl_snapshot *s)
{
	struct cdl_unwinder *u = NULL;
	struct cdl_diag ud = { 0 };
	struct cdl_libc_info li;
	struct cdl_libc_layout lay;
	int rc;

	rc = cdl_unwinder_new(c->mm_pid, &u, &ud);
	if (rc < 0) {
		u = NULL;
		cdl_snapshot_warn(s, "no stack unwinding or symbols: %s: %s",
				  ud.what[0] ? ud.what : "unwinder",
				  ud.why[0] ? ud.why : strerror(ud.err ? ud.err : -rc));
	} else if (!c->o->no_unwind) {
		if (cdl_unwind_all(u, s, MAX_FRAMES) < 0)
			cdl_snapshot_warn(s, "stack unwinding ran out of memory");
	}

	memset(&li, 0, sizeof(li));
	if (u && cdl_unwinder_libc_info(u, s, &li) == 0 && (li.major > 0 || li.is_musl)) {
		if (li.is_musl)
			s->libc = cdl_snapshot_intern(s, "musl");
		else
			s->libc = cdl_snapshot_internf(s, "glibc %d.%d", li.major, li.minor);
		if (!cdl_libc_layout_for(&lay, li.is_musl ? 0 : li.major, li.is_musl ? 0 : li.minor))
			cdl_snapshot_warn(s, "unknown libc %s: lock owners are not trusted",
					  s->libc ? s->libc : "?");
	} else {
		cdl_snapshot_warn(s, "unknown libc (version not found%s%s): lock owners are not trusted",
				  li.path ? " in " : "", li.path ? li.path : "");
		cdl_libc_layout_for(&lay, 0, 0);
		lay.known = false;
	}
	cdl_libc_classify(s, &lay);

	cdl_snapshot_sort(s);
	for (size_t i = 0; i < s->nthreads; i++) {
		struct cdl_thread *t = &s->threads[i];

		if (!t->has_wait)
			continue;
		if (u && t->wait.address && !t->wait.symbol) {
			const char *loc = NULL;

			t->wait.symbol = cdl_unwinder_name_data(u, s, t->wait.address, &loc);
			if (!t->wait.location)
				t->wait.location = loc;
		}
		if (u && t->wait.mutex && !t->wait.mutex_symbol)
			t->wait.mutex_symbol = cdl_unwinder_name_data(u, s, t->wait.mutex, NULL);
		if (t->wait.owner_tid > 0 && !cdl_snapshot_find_thread(s, t->wait.owner_tid) &&
		    t->wait.owner_pid == 0)
			t->wait.owner_pid = owner_process(t->wait.owner_tid);
	}
	cdl_unwinder_free(u);
}

/* The work after the thaw runs at the lowest priority (nice 19) in a
 * thread of its own, so that a busy target keeps the CPUs: the nice value
 * of a thread cannot be raised again without privilege, and the caller
 * (the TUI) must stay responsive.  Run inline if no thread can be made. */
struct offline_job {
	struct ctx *c;
	struct cdl_snapshot *s;
};

static void *offline_thread(void *arg)
{
	struct offline_job *j = arg;

	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
	analyse_offline(j->c, j->s);
	return NULL;
}

static void analyse_offline_low(struct ctx *c, struct cdl_snapshot *s)
{
	struct offline_job j = { c, s };
	pthread_t th;

	if (pthread_create(&th, NULL, offline_thread, &j) != 0) {
		analyse_offline(c, s);
		return;
	}
	pthread_join(th, NULL);
}

/* ---- the whole capture ---- */

static void ctx_free(struct ctx *c)
{
	free(c->t);
	free(c->refs);
	free(c->regions);
	if (c->arena)
		munmap(c->arena, c->arena_len);
	cdl_proc_maps_free(&c->maps);
	if (c->memfd >= 0)
		close(c->memfd);
	if (c->taskfd >= 0)
		close(c->taskfd);
	if (c->statusfd >= 0)
		close(c->statusfd);
	cdl_memimg_free(c->mem);
}

static int collect(const struct cdl_collect_opts *o, struct cdl_snapshot **out,
		   struct cdl_diag *d)
{
	struct ctx c;
	struct cdl_snapshot *s = NULL;
	char path[64], buf[PATH_MAX];
	int *tids = NULL, n, rc;

	memset(&c, 0, sizeof(c));
	c.pid = o->pid;
	c.o = o;
	c.d = d;
	c.memfd = c.taskfd = c.statusfd = -1;

	/* 1. before the freeze */
	rc = validate(&c);
	if (rc < 0)
		return rc;
	rc = cdl_proc_maps(c.mm_pid, &c.maps);
	if (rc < 0) {
		if (rc == -ENOENT || rc == -ESRCH) {
			cdl_diag_set(d, ESRCH, "attach");
			cdl_diag_why(d, "no such process %d", c.pid);
			return -ESRCH;
		}
		cdl_diag_set(d, -rc, "attach: read /proc/%d/maps", c.pid);
		if (rc == -EACCES || rc == -EPERM)
			diagnose_eperm(&c, c.pid);
		return rc;
	}
	snprintf(path, sizeof(path), "/proc/%d/task", c.pid);
	c.taskfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/mem", c.mm_pid);
	c.memfd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/status", c.pid);
	c.statusfd = open(path, O_RDONLY | O_CLOEXEC);
	c.mem = cdl_memimg_new();
	s = c.s = cdl_snapshot_new();
	n = cdl_proc_tasks(c.pid, &tids);
	if (c.taskfd < 0 || n < 0 || !c.mem || !s) {
		rc = !c.mem || !s ? -ENOMEM : -ESRCH;
		if (rc == -ESRCH) {
			cdl_diag_set(d, ESRCH, "attach");
			cdl_diag_why(d, "no such process %d", c.pid);
		} else {
			cdl_diag_set(d, ENOMEM, "attach");
		}
		goto fail;
	}
	if (sched_getaffinity(0, sizeof(c.mask), &c.mask) == 0)
		c.refs = calloc(CPU_SETSIZE, sizeof(*c.refs));
	for (int i = 0; i < n; i++) {
		struct th *t = add_th(&c, tids[i]);

		if (!t) {
			rc = cdl_diag_set(d, ENOMEM, "attach: thread list");
			goto fail;
		}
		read_facts(&c, t, true);
	}
	if (c.pinned)
		sched_setaffinity(0, sizeof(c.mask), &c.mask);
	free(tids);
	tids = NULL;
	/* the copy buffer, estimated: a few pages per thread stack and
	 * struct pthread, the main thread's stack and futex windows */
	size_t est = c.n * ARENA_PER_THREAD + (o->max_stack < (256u << 10) ? o->max_stack : (256u << 10));
	arena_get(&c, est < ARENA_MAX_EST ? est : ARENA_MAX_EST);
	if (seized_reserve(g_nseized + c.n * 2 + 64) < 0) {
		rc = cdl_diag_set(d, ENOMEM, "attach: thread list");
		goto fail;
	}

	/* 2-4. freeze, copy, thaw: keep this short.  The threads we wake
	 * must not preempt us while we seize or release the others, so we
	 * run as a real-time task meanwhile when we may (root); the loops in
	 * between are bounded and sleep while waiting. */
	struct sched_param rt = { .sched_priority = 1 }, oldp;
	int oldpol = sched_getscheduler(0);
	bool rt_on = oldpol == SCHED_OTHER && sched_getparam(0, &oldp) == 0 &&
		     !getenv("CDEADLOCK_NO_RT") && sched_setscheduler(0, SCHED_FIFO, &rt) == 0;
	rc = freeze(&c);
	if (rc == 0) {
		rc = copy_frozen(&c);
		if (rc < 0)
			cdl_diag_set(d, -rc, "capture: copy memory");
	}
	c.ph_copied = mono_ns();
	if (rc == 0)
		hold_for_tests();
	thaw(&c);
	if (rt_on)
		sched_setscheduler(0, oldpol, &oldp);
	if (rc < 0)
		goto fail;
	if (c.target_gone) {
		rc = cdl_diag_set(d, ESRCH, "capture");
		cdl_diag_why(d, "process %d exited during the capture", c.pid);
		goto fail;
	}

	carry_apply_and_save(&c);
	if (store_regions(&c) < 0) {
		rc = cdl_diag_set(d, ENOMEM, "capture: copy memory");
		goto fail;
	}
	free(c.regions);
	c.regions = NULL;
	if (c.arena)
		munmap(c.arena, c.arena_len);
	c.arena = NULL;

	/* 5. the snapshot */
	s->pid = c.pid;
	s->source = cdl_snapshot_intern(s, "live");
	s->pause_us = (uint64_t)ts_us(&c.pause_start, &c.pause_end);
	rfc3339(&c.wall_start, buf, sizeof(buf));
	s->captured_at = cdl_snapshot_intern(s, buf);
	s->captured_at_ms = (int64_t)c.wall_start.tv_sec * 1000 + c.wall_start.tv_nsec / 1000000;
	snprintf(path, sizeof(path), "/proc/%d/exe", c.mm_pid);
	ssize_t len = readlink(path, buf, sizeof(buf) - 1);
	if (len > 0) {
		buf[len] = '\0';
		s->exe = cdl_snapshot_intern(s, buf);
	}
	s->mem = c.mem;
	c.mem = NULL;
	if (getenv("CDEADLOCK_BENCH_PHASES")) {
		/* bench/pause.sh: where the pause goes */
		int64_t t0 = (int64_t)c.pause_start.tv_sec * 1000000000 + c.pause_start.tv_nsec;
		int64_t t1 = (int64_t)c.pause_end.tv_sec * 1000000000 + c.pause_end.tv_nsec;

		cdl_snapshot_warn(s, "phases: seize %lld us, stop %lld us, copy %lld us, thaw %lld us, "
				  "%zu bytes copied", (long long)(c.ph_seized - t0) / 1000,
				  (long long)(c.ph_stopped - c.ph_seized) / 1000,
				  (long long)(c.ph_copied - c.ph_stopped) / 1000,
				  (long long)(t1 - c.ph_copied) / 1000, c.arena_used);
	}
	if (build_threads(&c, s) < 0) {
		rc = cdl_diag_set(d, ENOMEM, "capture");
		goto fail;
	}

	/* 6. offline: unwind, classify, name */
	analyse_offline_low(&c, s);
	ctx_free(&c);
	*out = s;
	return 0;

fail:
	free(tids);
	cdl_snapshot_free(s);
	ctx_free(&c);
	return rc < 0 ? rc : -EIO;
}

int cdl_collect(const struct cdl_collect_opts *o, struct cdl_snapshot **out,
		struct cdl_diag *d)
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
		rc = collect(o, out, d);
		if (rc != -EAGAIN || tries >= 20 || !wait_other_cdeadlock(o->pid))
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
