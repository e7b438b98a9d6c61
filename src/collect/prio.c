/* SPDX-License-Identifier: GPL-2.0-or-later */
/* prio.c - our own scheduling while we capture.
 *
 * A capture is short, but it runs on the target's CPUs.  Measured with
 * sched_switch traces (HACKING, "Our priority"): at our normal priority a
 * thread of the target that wakes on the CPU we run on (a timer expiring,
 * a thread we have just let go) waits until the scheduler preempts us,
 * up to a few milliseconds, while the other CPU may even be idle.  So,
 * when we may raise our priority again afterwards (root, CAP_SYS_NICE):
 *
 *   PRIO_HOLD   SCHED_FIFO 1, while a thread is held stopped (per-thread
 *               mode) or the whole process is (global freeze): nothing
 *               should make the held ones wait longer;
 *   PRIO_LOW    SCHED_IDLE, everything else before the thaw: any thread
 *               of the target that wakes takes our CPU at once;
 *   PRIO_NORMAL what we had, on return.
 *
 * SCHED_IDLE on a machine whose CPUs are all busy would make the capture
 * crawl (and its window long): SCHED_IDLE weighs 3 against a normal
 * thread's 1024, so on a CPU the target keeps busy we would get 0.3% of
 * it.  Once the time we waited for a CPU (/proc/thread-self/schedstat,
 * run_delay) exceeds STARVED_NS and 80% of the time elapsed, PRIO_LOW
 * means our normal priority for the rest of the capture.  A target that
 * only keeps us waiting now and then (a 10,000-thread fixture whose
 * threads wake 100,000 times a second: about 65%) is not starving us.
 * That check runs only when we get a CPU, so the watcher thread below
 * looks from outside as well (prio.watched).  Without the right to come
 * back (an unprivileged tracer), we keep our priority: SCHED_IDLE could
 * not be left for the holds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"

#include "live-int.h"
#include "proc.h"

#define STARVED_NS (100 * 1000000LL)
#define STARVED_PCT 80
#define CHECK_NS (2 * 1000000LL)

/* Field k (0: time on a CPU, 1: run_delay, the time waited on a run
 * queue; ns) of a schedstat file, or -1. */
static int64_t schedstat(int fd, int k)
{
	char buf[96];
	unsigned long long v[2];
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &v[0], &v[1]) != 2)
		return -1;
	return (int64_t)v[k];
}

static bool watch_add(pid_t tid, int *flag);

/* our run_delay, or -1 */
static int64_t run_delay(const struct ctx *c)
{
	return schedstat(c->prio.schedfd, 1);
}

static void set_policy(int policy)
{
	static const struct sched_param rt = { .sched_priority = 1 }, zero = { 0 };

	sched_setscheduler(0, policy, policy == SCHED_FIFO ? &rt : &zero);
}

void cdl_live_prio_init(struct ctx *c)
{
	struct prio *p = &c->prio;

	p->schedfd = -1;
	p->now = PRIO_NORMAL;
	p->ctl = -1;
	if (getenv("CDEADLOCK_NO_RT") || sched_getscheduler(0) != SCHED_OTHER)
		return;
	/* the right to come back: taking SCHED_FIFO tells */
	if (sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){ .sched_priority = 1 }) < 0)
		return;
	set_policy(SCHED_OTHER);
	p->ctl = 1;
	p->schedfd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	p->t0 = cdl_live_mono_ns();
	p->delay0 = run_delay(c);
	/* no SCHED_IDLE where starving could not be seen (a kernel without
	 * schedstat) */
	p->idle = !getenv("CDEADLOCK_NO_IDLE") && p->delay0 >= 0;
	/* our own check (cdl_live_prio_check) runs only when we do: the
	 * watcher looks from outside too */
	p->watched = 0;
	if (p->idle)
		watch_add((pid_t)syscall(SYS_gettid), &p->watched);
}

/* the watcher gave us our priority back */
static bool given_back(const struct prio *p)
{
	return __atomic_load_n(&p->watched, __ATOMIC_SEQ_CST) != 0;
}

void cdl_live_prio(struct ctx *c, enum prio_level level)
{
	struct prio *p = &c->prio;

	if (p->ctl <= 0 || p->now == level)
		return;
	if (level == PRIO_HOLD)
		set_policy(SCHED_FIFO);
	else if (level == PRIO_LOW && p->idle && !given_back(p))
		set_policy(SCHED_IDLE);
	else
		set_policy(SCHED_OTHER);
	p->now = level;
}

void cdl_live_prio_check(struct ctx *c)
{
	struct prio *p = &c->prio;
	int64_t d, el;

	if (p->ctl <= 0 || !p->idle)
		return;
	if (given_back(p)) {
		p->idle = false;
		p->starved = true;
		return;
	}
	el = cdl_live_mono_ns() - p->t0;
	if (el - p->checked < CHECK_NS)
		return;
	p->checked = el;
	d = run_delay(c);
	if (d < 0 || p->delay0 < 0)
		return;
	d -= p->delay0;
	if (d > STARVED_NS && d > el / 100 * STARVED_PCT) {
		p->idle = false;
		p->starved = true;
		if (p->now == PRIO_LOW)
			set_policy(SCHED_OTHER);
	}
}

void cdl_live_prio_said(const struct ctx *c, char *buf, size_t size)
{
	const struct prio *p = &c->prio;
	int64_t el = cdl_live_mono_ns() - p->t0, d = run_delay(c);

	if (p->ctl <= 0) {
		snprintf(buf, size, "unchanged");
		return;
	}
	if (d >= 0 && p->delay0 >= 0)
		d -= p->delay0;
	snprintf(buf, size, "%s, waited %lld ms for a CPU in %lld ms",
		 p->starved || given_back(p) ?
		 "SCHED_IDLE, then normal (starved)" :
		 p->idle ? "SCHED_IDLE" : "normal",
		 (long long)(d / 1000000), (long long)(el / 1000000));
}

void cdl_live_prio_done(struct ctx *c)
{
	struct prio *p = &c->prio;

	cdl_live_lowest_done();         /* unwatched, if watched */
	cdl_live_prio(c, PRIO_NORMAL);
	if (p->schedfd >= 0)
		close(p->schedfd);
	p->schedfd = -1;
	p->ctl = -1;
}

/* ---- after the thaw: the lowest priority, watched ----
 *
 * The offline stage and the output run at SCHED_IDLE and nice 19, which
 * no privilege is needed for.  SCHED_IDLE rather than only nice 19: a
 * nice-19 task keeps the CPU to the end of its slice when a thread of the
 * target wakes, and a capture every 2 s of a MariaDB server under a fixed
 * load raised its p99 latency 1.3-2.1x so (bench/server-p99.sh, same
 * machine, same hour), 1.14x with SCHED_IDLE, which any waking thread
 * preempts at once.  On a machine whose CPUs the target keeps busy (a spinning
 * thread: a common reason to run cdeadlock) that gets 3/1027 of a CPU and
 * the report would take minutes.  When we may raise a thread's priority
 * again (root), a watcher thread of normal priority looks every
 * WATCH_NS at the threads that took the lowest priority; one that was
 * runnable (state R) at every look but ran less than WATCH_PCT% of the
 * time for WATCH_STARVED_NS gets its old policy and nice value back.
 * Starved at SCHED_IDLE is well under 1% of a CPU; the 10,000-thread
 * benchmark target leaves the capture about 35% on average, and at 20%
 * over 0.5 s the watcher took it for starved in every capture, which
 * then stalled the target's ticker at normal priority.  (Not
 * run_delay: the kernel adds a wait to it only when the wait ends.) */

#define WATCH_MAX 4
#define WATCH_NS (250 * 1000000LL)
#define WATCH_STARVED_NS (1000 * 1000000LL)
#define WATCH_PCT 5

struct watched {
	pid_t tid;
	int fd;                  /* /proc/self/task/TID/schedstat */
	int statfd;              /* /proc/self/task/TID/stat */
	int nice;                /* before the lowest priority */
	int64_t ran, at;         /* its CPU time then CLOCK_MONOTONIC ns, at the last look */
	int64_t starved;         /* ns of looks in a row it was starved */
	int *flag;               /* set (atomically) when given its priority
	                            back: the capture's prio.watched */
};

static pthread_mutex_t watch_mu = PTHREAD_MUTEX_INITIALIZER;
static struct watched watch[WATCH_MAX];
static bool watcher_up;
static unsigned watch_raised;

static void watch_drop(struct watched *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->statfd >= 0)
		close(w->statfd);
	w->fd = w->statfd = -1;
	w->tid = 0;
}

/* the state letter from a stat file, or 0 */
static char fd_state(int fd)
{
	char buf[1024];
	struct cdl_proc_stat ps;
	ssize_t n = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return cdl_proc_parse_stat(buf, &ps) == 0 ? ps.state : 0;
}

static void *watcher(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, WATCH_NS };

		nanosleep(&ts, NULL);
		pthread_mutex_lock(&watch_mu);
		for (int i = 0; i < WATCH_MAX; i++) {
			struct watched *w = &watch[i];
			int64_t d, now = cdl_live_mono_ns();

			if (w->tid <= 0)
				continue;
			d = schedstat(w->fd, 0);
			if (d < 0) {            /* the thread is gone */
				watch_drop(w);
				continue;
			}
			if (fd_state(w->statfd) == 'R' && (d - w->ran) * 100 < (now - w->at) * WATCH_PCT)
				w->starved += now - w->at;
			else
				w->starved = 0;
			w->ran = d;
			w->at = now;
			if (w->starved < WATCH_STARVED_NS)
				continue;
			static const struct sched_param zero = { 0 };

			if (w->flag)    /* before: it must not go back to SCHED_IDLE */
				__atomic_store_n(w->flag, 1, __ATOMIC_SEQ_CST);
			if (sched_setscheduler(w->tid, SCHED_OTHER, &zero) == 0) {
				setpriority(PRIO_PROCESS, (id_t)w->tid, w->nice);
				watch_raised++;
			}
			watch_drop(w);
		}
		pthread_mutex_unlock(&watch_mu);
	}
	return NULL;
}

/* Start the watcher (once), at normal priority: called before the caller
 * lowers its own.  false if it cannot run. */
static bool watcher_start(void)
{
	pthread_attr_t attr;
	pthread_t th;
	sigset_t all, old;
	struct sched_param zero = { 0 };
	int rc;

	if (watcher_up)
		return true;
	if (pthread_attr_init(&attr) != 0)
		return false;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
	pthread_attr_setschedparam(&attr, &zero);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	/* no signal of ours is for it (SIGCHLD, SIGINT, SIGWINCH) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&th, &attr, watcher, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	watcher_up = rc == 0;
	return watcher_up;
}

/* Watch thread tid (the caller, at normal priority: its nice value is
 * the one given back): false if it cannot be (not root, no watcher, no
 * schedstat). */
static bool watch_add(pid_t tid, int *flag)
{
	char path[64];
	bool ok = false;
	int nice;

	errno = 0;
	nice = getpriority(PRIO_PROCESS, (id_t)tid);
	if (errno != 0 || geteuid() != 0)
		return false;
	pthread_mutex_lock(&watch_mu);
	for (int i = 0; i < WATCH_MAX; i++) {
		struct watched *w = &watch[i];

		if (w->tid > 0)
			continue;
		if (!watcher_start())
			break;
		snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)tid);
		w->fd = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
		w->statfd = open(path, O_RDONLY | O_CLOEXEC);
		w->ran = schedstat(w->fd, 0);
		if (w->ran < 0 || w->statfd < 0) {
			watch_drop(w);
			break;
		}
		w->tid = tid;
		w->nice = nice;
		w->flag = flag;
		w->at = cdl_live_mono_ns();
		w->starved = 0;
		ok = true;
		break;
	}
	pthread_mutex_unlock(&watch_mu);
	return ok;
}

void cdl_live_lowest_priority(void)
{
	static const struct sched_param zero = { 0 };
	pid_t tid = (pid_t)syscall(SYS_gettid);

	if (!getenv("CDEADLOCK_NO_RT") && sched_getscheduler(0) == SCHED_OTHER)
		watch_add(tid, NULL);
	setpriority(PRIO_PROCESS, (id_t)tid, 19);
	sched_setscheduler(0, SCHED_IDLE, &zero);
}

void cdl_live_lowest_done(void)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);

	pthread_mutex_lock(&watch_mu);
	for (int i = 0; i < WATCH_MAX; i++)
		if (watch[i].tid == tid)
			watch_drop(&watch[i]);
	pthread_mutex_unlock(&watch_mu);
}

unsigned cdl_live_lowest_raised(void)
{
	unsigned n;

	pthread_mutex_lock(&watch_mu);
	n = watch_raised;
	pthread_mutex_unlock(&watch_mu);
	return n;
}
