/* SPDX-License-Identifier: GPL-2.0-or-later */
/* attach.c - before the freeze: is the pid one we can capture (and if
 * not, why, with a hint as strace gives), and the /proc facts of each
 * thread read while the target still runs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "live-int.h"
#include "proc.h"

/* ---- before the freeze: validation and /proc facts ---- */

static void tracer_name(int tracer, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", tracer);
	if (cdl_proc_read_at(AT_FDCWD, path, buf, size) <= 0)
		snprintf(buf, size, "?");
	buf[strcspn(buf, "\n")] = '\0';
}

/* Why and hint for a target that another tracer holds. */
static void say_traced(struct cdl_diag *d, long tracer)
{
	char name[64];

	tracer_name((int)tracer, name, sizeof(name));
	cdl_diag_why(d, "already traced by process %ld (%s)", tracer, name);
	cdl_diag_hint(d, "a process has only one tracer: detach %s (pid %ld) first", name, tracer);
}

long cdl_live_tracer_of(int tid, bool *is_cdl)
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

bool cdl_live_wait_other(int pid)
{
	bool is_cdl;

	for (int waited = 0; waited < BUSY_WAIT_MS; waited += 10) {
		struct timespec ts = { 0, 10000000 };

		if (cdl_live_tracer_of(pid, &is_cdl) == 0)
			return true;
		if (!is_cdl)
			return false;
		nanosleep(&ts, NULL);
	}
	return false;
}

int cdl_live_validate(struct ctx *c)
{
	char path[64], buf[4096];
	struct cdl_proc_stat ps;
	long tgid = 0, tracer = 0, nthreads = 0;
	ssize_t n;

	if (c->pid <= 0)
		return cdl_diag_set(c->d, EINVAL, "attach: invalid pid %d", c->pid);
	/* the main thread's stat, not the process's: that one sums the
	 * times of every thread, in the kernel without a preemption point
	 * (7 ms of a CPU at 10,000 threads) */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", c->pid, c->pid);
	n = cdl_proc_read_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n == -ENOENT || n == -ESRCH) {
		cdl_live_no_such_process(c->d, c->pid);
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
		cdl_live_no_such_process(c->d, c->pid);
		return -ESRCH;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", c->pid);
	n = cdl_proc_read_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n < 0) {
		cdl_live_no_such_process(c->d, c->pid);
		return -ESRCH;
	}
	cdl_proc_status_long(buf, "Tgid", &tgid);
	cdl_proc_status_long(buf, "TracerPid", &tracer);
	if (tracer > 0 && cdl_live_wait_other(c->pid))
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
		cdl_diag_set(c->d, EPERM, "attach: ptrace(PTRACE_SEIZE, %d)", c->pid);
		say_traced(c->d, tracer);
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
	*mono = cdl_live_mono_ns();
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
/* How long the thread of stat ps has existed, in ns (a generous bound:
 * INT64_MAX when unknown). */
static int64_t thread_age_ns(const struct cdl_proc_stat *ps)
{
	struct timespec now;
	long hz = sysconf(_SC_CLK_TCK);

	if (hz <= 0 || ps->starttime == 0 || clock_gettime(CLOCK_BOOTTIME, &now) < 0)
		return INT64_MAX - 1000000000;
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec -
	       (int64_t)(ps->starttime / (unsigned long long)hz) * 1000000000 -
	       (int64_t)(ps->starttime % (unsigned long long)hz) * (1000000000 / hz);
}

void cdl_live_read_facts(struct ctx *c, struct th *t, bool with_sched)
{
	char name[64], buf[4096];
	struct cdl_proc_stat ps;
	ssize_t n;

	snprintf(name, sizeof(name), "%d/stat", t->tid);
	n = cdl_proc_read_one(c->taskfd, name, buf, sizeof(buf));
	if (n < 0 || cdl_proc_parse_stat(buf, &ps) < 0)
		return;
	t->facts = true;
	t->state = ps.state;
	t->cpu = ps.cpu;
	snprintf(t->comm, sizeof(t->comm), "%s", ps.comm);
	if (c->other_pidns && !t->ns_tid) {
		int ns;

		snprintf(name, sizeof(name), "%d/status", t->tid);
		if (cdl_proc_read_one(c->taskfd, name, buf, sizeof(buf)) > 0 &&
		    cdl_proc_parse_nspid(buf, &ns) == 0 && ns != t->tid)
			t->ns_tid = ns;
	}
	snprintf(name, sizeof(name), "%d/wchan", t->tid);
	if (cdl_proc_read_one(c->taskfd, name, t->wchan, sizeof(t->wchan)) <= 0 ||
	    strcmp(t->wchan, "0") == 0)
		t->wchan[0] = '\0';
	if (with_sched && (t->state == 'S' || t->state == 'D')) {
		int64_t es, ref, ref_mono;

		if (!cpu_ref(c, ps.cpu, &ref, &ref_mono))
			return;
		snprintf(name, sizeof(name), "%d/sched", t->tid);
		/* exec_start is 0 while a thread that was woken and moved to
		 * another CPU waits to run there: then it is not known */
		if (cdl_proc_read_one(c->taskfd, name, buf, sizeof(buf)) <= 0)
			return;
		/* the per-thread capture's first proof round takes these */
		t->sw_ok = cdl_proc_sched_long(buf, "nr_voluntary_switches", &t->sw_vol) == 0 &&
			   cdl_proc_sched_long(buf, "nr_involuntary_switches", &t->sw_invol) == 0;
		if (cdl_proc_parse_exec_start(buf, &es) == 0 && es > 0) {
			t->exec_start = es;
			int64_t diff = ref + (cdl_live_mono_ns() - ref_mono) - es;

			/* a clock read on another CPU may disagree by a
			 * little; no thread sleeps longer than it has lived */
			if (diff >= -10000000 && diff <= thread_age_ns(&ps) + 1000000000) {
				t->blocked_ms = diff > 0 ? diff / 1000000 : 0;
				t->off_since = cdl_live_mono_ns() - (diff > 0 ? diff : 0);
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

int cdl_live_seccomp_mode(void)
{
	char buf[4096];
	long mode = -1;

	if (cdl_proc_read_at(AT_FDCWD, "/proc/self/status", buf, sizeof(buf)) <= 0 ||
	    cdl_proc_status_long(buf, "Seccomp", &mode) < 0)
		return -1;
	return (int)mode;
}

/* Is ptrace refused to us by a seccomp filter?  A request on pid 0 can
 * only fail with ESRCH once the kernel runs it; a filter answers before. */
static bool seccomp_refuses_ptrace(void)
{
	if (cdl_live_seccomp_mode() != 2)
		return false;
	errno = 0;
	return syscall(SYS_ptrace, PTRACE_INTERRUPT, 0, 0L, 0L) < 0 && errno != ESRCH;
}

/* Why we think we run in a container ("/.dockerenv exists"), or NULL. */
static const char *container_sign(void)
{
	char buf[4096];

	if (access("/.dockerenv", F_OK) == 0)
		return "/.dockerenv exists";
	if (access("/run/.containerenv", F_OK) == 0)
		return "/run/.containerenv exists";
	if (getenv("KUBERNETES_SERVICE_HOST"))
		return "KUBERNETES_SERVICE_HOST is set";
	if (cdl_proc_read_at(AT_FDCWD, "/proc/1/cgroup", buf, sizeof(buf)) > 0 &&
	    (strstr(buf, "docker") || strstr(buf, "kubepods") || strstr(buf, "containerd") ||
	     strstr(buf, "libpod") || strstr(buf, "lxc")))
		return "/proc/1/cgroup names a container";
	return NULL;
}

/* The hint when we lack CAP_SYS_PTRACE although we are root: a container
 * (or a dropped capability). */
static void hint_no_cap(struct cdl_diag *d, int scope)
{
	const char *sign = container_sign();
	char why[128] = "";

	if (scope == 1 || scope == 2)
		snprintf(why, sizeof(why), " (kernel.yama.ptrace_scope is %d)", scope);
	cdl_diag_hint(d, "cdeadlock runs as root without CAP_SYS_PTRACE%s%s%s%s, which tracing "
		      "needs here: grant it (docker run --cap-add=SYS_PTRACE; Kubernetes: kubectl "
		      "debug -it POD --image=IMAGE --target=CONTAINER --profile=general, or "
		      "securityContext.capabilities.add: [SYS_PTRACE]), or run cdeadlock from the host",
		      why, sign ? ", in a container (" : "", sign ? sign : "", sign ? ")" : "");
}

void cdl_live_diagnose_eperm(struct ctx *c, int tid)
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
		say_traced(c->d, tracer);
		return;
	}
	if (seccomp_refuses_ptrace()) {
		cdl_diag_why(c->d, "a seccomp filter on cdeadlock refuses ptrace (%s)",
			     strerror(c->d->err));
		cdl_diag_hint(c->d, "allow ptrace in the seccomp profile of cdeadlock's container: "
			      "docker run --security-opt seccomp=unconfined (or a profile that allows "
			      "ptrace and process_vm_readv); Kubernetes: securityContext.seccompProfile."
			      "type: Unconfined, or kubectl debug --profile=general");
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
	} else if (!cap && geteuid() == 0 && (scope == 1 || scope == 2 || (theirs & ~mine))) {
		hint_no_cap(c->d, scope);
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
			      "may forbid ptrace; see the kernel log");
	}
}
