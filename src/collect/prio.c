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
 * threads wake 100,000 times a second: about 40%) is not starving us.  Without the right to come back (an unprivileged tracer), we
 * keep our priority: SCHED_IDLE could not be left for the holds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "live-int.h"

#define STARVED_NS (100 * 1000000LL)
#define STARVED_PCT 80
#define CHECK_NS (2 * 1000000LL)

/* our run_delay (ns waited on a run queue), or -1 */
static int64_t run_delay(const struct ctx *c)
{
	char buf[96];
	unsigned long long run, delay;
	ssize_t n;

	if (c->prio.schedfd < 0)
		return -1;
	n = pread(c->prio.schedfd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &run, &delay) != 2)
		return -1;
	return (int64_t)delay;
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
}

void cdl_live_prio(struct ctx *c, enum prio_level level)
{
	struct prio *p = &c->prio;

	if (p->ctl <= 0 || p->now == level)
		return;
	if (level == PRIO_HOLD)
		set_policy(SCHED_FIFO);
	else if (level == PRIO_LOW && p->idle)
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
		 p->starved ? "SCHED_IDLE, then normal (starved)" :
		 p->idle ? "SCHED_IDLE" : "normal",
		 (long long)(d / 1000000), (long long)(el / 1000000));
}

void cdl_live_prio_done(struct ctx *c)
{
	struct prio *p = &c->prio;

	cdl_live_prio(c, PRIO_NORMAL);
	if (p->schedfd >= 0)
		close(p->schedfd);
	p->schedfd = -1;
	p->ctl = -1;
}
