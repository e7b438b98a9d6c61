/* SPDX-License-Identifier: GPL-2.0-or-later */
/* perthread.c - the per-thread capture: no thread waits for another.
 *
 * The global freeze stops every thread at once, so its stall grows with
 * the number of threads.  Here each thread is stopped only while its own
 * registers and memory are copied, and the verdict is made consistent
 * afterwards, from what the kernel says of each thread:
 *
 *   c0  before anything: every thread's /proc/TID/syscall (syscall,
 *       arguments, sp, pc) and its context switches (from the sched
 *       file read just before, else /proc/TID/status);
 *   one thread at a time (the main thread first): PTRACE_SEIZE,
 *       PTRACE_INTERRUPT, wait for that tid's stop (at
 *       most PT_BUDGET_MS), registers, stack, thread descriptor, the
 *       memory around its futex word, and the LOCK_SPAN bytes around the
 *       word once more; PTRACE_DETACH.  The futex wait it was in returns
 *       -ERESTARTSYS (-ERESTART_RESTARTBLOCK with a timeout) and the
 *       kernel enters it again, with the same registers, without running
 *       a user instruction;
 *   c1  once every thread was captured, the same reads again; a thread
 *       whose wait changed is captured once more (c0 := c1);
 *   c2  the lock bytes of every candidate are read again (one
 *       process_vm_readv), then the same reads a last time.
 *
 * A thread is proven to have stayed in its wait when its syscall line is
 * the same at c0, at the stop, at c1 and at c2 (a timed wait may come back
 * as restart_syscall at c1, then it must not change until c2), it is
 * asleep (S or D) at c1 and c2, its voluntary switches grew from c0 to c1
 * by exactly PT_VOL_COST (the stop, then the sleep it re-entered; measured
 * on Linux 6.x, see HACKING) and neither count moved from c1 to c2, and
 * its lock bytes at c2 equal those copied at its stop.
 *
 * Why that is enough for a deadlock verdict: every c1 read comes before
 * every c2 read, so at the lock re-read between them every proven thread
 * sleeps in the wait it was copied in, and each proven waiter's lock
 * bytes (word, owner field) are what was copied.  Those bytes are written
 * over every other copy they overlap (cdl_live_perthread_store): the
 * futex window of another thread, copied at another instant, also holds
 * its neighbours (an array of mutexes) and must not stand for them.  So
 * the owners the offline stage reads are the owners at that instant.  A cycle
 * of proven threads therefore existed at that instant.  The analysis
 * (src/analyze) draws no edge from, and no verdict on, a thread that is
 * not proven: it is "moved during the capture".
 *
 * Residual: a thread woken just before its stop, or whose futex word
 * changed while it was stopped, can go back to the same call with the
 * same arguments at the cost of the same two switches.  The verdict
 * stays true at the lock re-read (it sleeps there then, on the lock bytes
 * copied), but its "blocked for" may count from before a wake-up of a
 * few microseconds.
 *
 * Test hooks (never set them in production; HACKING):
 *   CDEADLOCK_TEST_HOLD_MS=N   keep the main thread (captured first) stopped
 *                              N ms;
 *   CDEADLOCK_TEST_HOOK=pause-after:TID with CDEADLOCK_TEST_FIFO=PATH:
 *                              after thread TID was released, open the
 *                              FIFO PATH and read one line before going on;
 *   CDEADLOCK_PROOF_DEBUG=1    a warning per thread not proven, with why.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grow.h"
#include "live-int.h"
#include "memimg.h"
#include "proc.h"
#include "sorted.h"

#define PT_VOL_COST 2            /* voluntary switches one capture costs a sleeper */
#define PT_RESCANS  8            /* rounds of looking for threads born meanwhile */
#define PT_SETTLE_MS 250         /* wait this long for threads to sleep again */

/* A copy made at a thread's stop, kept until the proof orders them. */
struct ptcopy {
	uint64_t addr;
	size_t len;
	unsigned char *buf;      /* in a chunk; the memory image adopts those */
};

/* Copies are kept in mappings populated in one call each: a page fault
 * per page costs tens of microseconds on virtual machines, which at
 * thousands of threads made keeping the copies a third of the time
 * between two stops.  Chunks grow from PT_CHUNK_MIN to PT_CHUNK_MAX so a
 * small target does not pay for a large one. */
#define PT_CHUNK_MIN ((size_t)256 << 10)
#define PT_CHUNK_MAX ((size_t)8 << 20)
struct ptchunk {
	void *base;
	size_t len, used;
};

/* ---- what the kernel says ---- */

static void parse_sysline(const char *buf, struct sysline *s)
{
	char *end;
	const char *p = buf;

	memset(s, 0, sizeof(*s));
	if (strncmp(buf, "running", 7) == 0) {
		s->nr = -2;
		return;
	}
	s->nr = strtol(p, &end, 10);
	if (end == p) {
		s->nr = -3;
		return;
	}
	p = end;
	if (s->nr == -1) {
		s->sp = strtoull(p, &end, 16);
		s->pc = strtoull(end, &end, 16);
		return;
	}
	for (int i = 0; i < 6; i++, p = end)
		s->a[i] = strtoull(p, &end, 16);
	s->sp = strtoull(p, &end, 16);
	s->pc = strtoull(end, &end, 16);
}

/* The text of /proc/TID/FILE into buf (NUL-terminated), through *fd kept
 * open from the first read (one pread each time after: these files are
 * read three times per thread, and opening one costs more than reading
 * it).  Out of descriptors, each read opens its own.  Length or -errno. */
static ssize_t th_read(struct ctx *c, int tid, int *fd, const char *file, char *buf, size_t size)
{
	char name[64];
	ssize_t n;

	snprintf(name, sizeof(name), "%d/%s", tid, file);
	if (*fd < 0) {
		*fd = openat(c->taskfd, name, O_RDONLY | O_CLOEXEC);
		if (*fd < 0)
			return errno == EMFILE || errno == ENFILE ?
			       cdl_proc_read_one(c->taskfd, name, buf, size) : -errno;
	}
	/* a /proc/TID file this small comes whole in one read */
	do
		n = pread(*fd, buf, size - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

static void th_close(struct th *t)
{
	if (t->pf.fd_sys > 0)
		close(t->pf.fd_sys);
	if (t->pf.fd_status > 0)
		close(t->pf.fd_status);
	t->pf.fd_sys = t->pf.fd_status = -1;
}

/* Read round k (0, 1, 2) of thread t. */
static void read_round(struct ctx *c, struct th *t, int k)
{
	char buf[4096];
	struct proof *pf = &t->pf;
	const char *st;

	pf->read[k] = false;
	if (th_read(c, t->tid, &pf->fd_status, "status", buf, sizeof(buf)) <= 0 ||
	    cdl_proc_status_long(buf, "voluntary_ctxt_switches", &pf->vol[k]) < 0 ||
	    cdl_proc_status_long(buf, "nonvoluntary_ctxt_switches", &pf->invol[k]) < 0)
		return;
	st = strstr(buf, "State:");
	pf->state[k] = st ? st[strspn(st + 6, " \t") + 6] : '?';
	if (th_read(c, t->tid, &pf->fd_sys, "syscall", buf, sizeof(buf)) <= 0)
		return;
	parse_sysline(buf, &pf->s[k]);
	pf->read[k] = true;
}

/* c0: the state and switches read just before (cdl_live_read_facts: stat
 * and sched, in that order) when there are, then the syscall.  Any order
 * of the c0 reads will do, as long as all come before the stop: a thread
 * that left its wait in between shows more switches at c1. */
static void first_round(struct ctx *c, struct th *t)
{
	struct proof *pf = &t->pf;

	pf->fd_sys = pf->fd_status = -1;
	if (t->facts && t->sw_ok) {
		char buf[512];

		pf->read[0] = false;
		pf->vol[0] = t->sw_vol;
		pf->invol[0] = t->sw_invol;
		pf->state[0] = t->state;
		if (th_read(c, t->tid, &pf->fd_sys, "syscall", buf, sizeof(buf)) > 0) {
			parse_sysline(buf, &pf->s[0]);
			pf->read[0] = true;
		}
	} else {
		read_round(c, t, 0);
	}
	pf->vol_first = pf->read[0] ? pf->vol[0] : -1;
}

/* ---- the test hooks ---- */

static void test_hold(struct ctx *c, const struct th *t)
{
	if (t->tid == c->pid)   /* the main thread, captured first */
		cdl_live_hold_for_tests();
}

static void test_pause(int tid)
{
	const char *h = getenv("CDEADLOCK_TEST_HOOK"), *fifo = getenv("CDEADLOCK_TEST_FIFO");
	char line[64];
	int fd;

	if (!h || !fifo || strncmp(h, "pause-after:", 12) != 0 || atoi(h + 12) != tid)
		return;
	fd = open(fifo, O_RDONLY | O_CLOEXEC);    /* blocks until the test opens it */
	if (fd < 0)
		return;
	while (read(fd, line, sizeof(line)) > 0)
		;
	close(fd);
}

/* ---- one thread ---- */

/* len bytes in the last chunk, or in a new one.  NULL if out of memory. */
static unsigned char *chunk_take(struct ctx *c, size_t len)
{
	struct ptchunk *k = c->nchunks ? &c->chunks[c->nchunks - 1] : NULL;
	unsigned char *p;

	len = (len + 15) & ~(size_t)15;
	if (!k || k->len - k->used < len) {
		size_t sz = k ? k->len * 2 : PT_CHUNK_MIN;
		void *b;

		if (sz > PT_CHUNK_MAX)
			sz = PT_CHUNK_MAX;
		if (sz < len)
			sz = (len + 4095) & ~(size_t)4095;
		if (CDL_GROW(c->chunks, c->chunks_cap, c->nchunks + 1, 16) < 0)
			return NULL;
		b = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
			 -1, 0);
		if (b == MAP_FAILED)
			return NULL;
		k = &c->chunks[c->nchunks++];
		*k = (struct ptchunk){ b, sz, 0 };
	}
	p = (unsigned char *)k->base + k->used;
	k->used += len;
	return p;
}

static int keep_copy(struct ctx *c, const struct region *r)
{
	struct ptcopy *p;

	if (!r->got)
		return 0;
	if (CDL_GROW(c->copies, c->copies_cap, c->ncopies + 1, 256) < 0)
		return -ENOMEM;
	p = &c->copies[c->ncopies];
	p->buf = chunk_take(c, r->got);
	if (!p->buf)
		return -ENOMEM;
	memcpy(p->buf, r->buf, r->got);
	p->addr = r->addr;
	p->len = r->got;
	c->ncopies++;
	return 0;
}

/* The futex word t sleeps on, 0 if none. */
static uint64_t futex_word(const struct th *t)
{
	const struct cdl_arch *arch = cdl_arch();

	if (!t->regs_ok || !t->ct.in_syscall ||
	    (t->ct.syscall_nr != arch->nr_futex && t->ct.syscall_nr != arch->nr_restart_syscall))
		return 0;
	return t->ct.syscall_args[0] >= 4096 ? t->ct.syscall_args[0] : 0;
}

/* Registers and memory of stopped thread t, into the scratch arena, then
 * kept.  0 or -ENOMEM. */
static int copy_stopped(struct ctx *c, struct th *t, struct region *r, size_t *nr)
{
	size_t total = LOCK_SPAN;
	unsigned char *p;

	t->pf.lk_addr = 0;
	t->pf.lk_len = t->pf.lk_got = 0;
	if (!t->regs_ok)
		return 0;
	/* a stack born after the maps were read is copied up to
	 * UNMAPPED_STACK: reading the maps again would hold the thread for
	 * milliseconds in a large process */
	*nr = cdl_live_thread_regions(c, t, r);
	for (size_t i = 0; i < *nr; i++)
		total += r[i].len;
	if (cdl_live_arena_get(c, total) < 0)
		return -ENOMEM;
	p = c->arena;
	for (size_t i = 0; i < *nr; i++) {
		r[i].buf = p;
		p += r[i].len;
	}
	t->pf.lk_addr = futex_word(t);
	if (t->pf.lk_addr) {
		/* LOCK_SPAN bytes around the word, within its mapping */
		const struct cdl_map *m = cdl_maps_find(&c->maps, t->pf.lk_addr);
		uint64_t lo = t->pf.lk_addr - LOCK_BEFORE, hi = lo + LOCK_SPAN;

		if (m && lo < m->start)
			lo = m->start;
		if (m && hi > m->end)
			hi = m->end;
		if (!m) {
			lo = t->pf.lk_addr;
			hi = lo + 4;
		}
		t->pf.lk_lo = lo;
		t->pf.lk_len = (size_t)(hi - lo);
		r[*nr] = (struct region){ .addr = lo, .len = t->pf.lk_len, .buf = p };
		cdl_live_read_regions(c, r, *nr + 1);
		t->pf.lk_got = r[*nr].got;
		memcpy(t->pf.lk, p, r[*nr].got);
	} else {
		cdl_live_read_regions(c, r, *nr);
	}
	return 0;
}

/* Wait up to budget_ns for the stop of interrupted thread t: the tid's
 * waitpid result (0: not stopped yet).  We sleep in sigtimedwait until a
 * SIGCHLD (blocked during a capture) says a tracee stopped, at real-time
 * priority: the stop wakes us at once, whatever runs on that CPU, and the
 * thread is not held while we wait for a CPU (at SCHED_IDLE that took
 * tens of milliseconds on a busy target).  A SIGCHLD of another thread's
 * late stop is taken here too: late_stops() and the thaw poll with
 * waitpid, they do not count signals.  When our priority cannot be
 * raised we poll with sched_yield instead: at normal priority it noticed
 * stops sooner than sleeping did. */
/* Sleep until a SIGCHLD (a tracee stopped) or ns have passed. */
static void sleep_sigchld(int64_t ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigtimedwait(&chld, NULL, &ts);
}

static pid_t wait_stop(struct ctx *c, struct th *t, int64_t budget_ns, int *status)
{
	int64_t end = cdl_live_mono_ns() + budget_ns;
	pid_t w;

	for (;;) {
		w = waitpid(t->tid, status, __WALL | WNOHANG);
		if (w < 0 && errno == EINTR)
			continue;
		int64_t left = end - cdl_live_mono_ns();

		if (w != 0 || left <= 0)
			return w;
		if (c->prio.ctl <= 0) {
			sched_yield();  /* our priority is ours: poll (faster) */
			continue;
		}
		cdl_live_prio(c, PRIO_HOLD);
		sleep_sigchld(left);
	}
}

/* Wait up to budget_ns for the stop of interrupted thread t, then copy
 * and release it.  A thread that has not stopped stays TH_SEIZED, its
 * interrupt pending (late_stops() waits for it once more).  0 or
 * -ENOMEM. */
static int finish_one(struct ctx *c, struct th *t, int64_t budget_ns)
{
	struct region r[4];
	size_t nr = 0;
	int64_t t0;
	int status, rc = 0;
	pid_t w = wait_stop(c, t, budget_ns, &status);

	if (w <= 0)
		cdl_live_prio(c, PRIO_LOW);
	if (w == 0)
		return 0;
	if (w < 0) {
		cdl_live_th_gone(t);
		return 0;
	}
	/* held from here (its stop woke us at once, or it stopped before we
	 * asked): nothing should preempt us while it is held (prio.c), from
	 * before its registers are read */
	t0 = cdl_live_mono_ns();
	cdl_live_prio(c, PRIO_HOLD);
	cdl_live_took_stop(t, status);
	if (t->st != TH_STOPPED) {
		cdl_live_prio(c, PRIO_LOW);
		return 0;
	}
	rc = copy_stopped(c, t, r, &nr);
	test_hold(c, t);
	cdl_live_release(t);
	int64_t t1 = cdl_live_mono_ns();
	/* below the target: its threads that wait for a CPU, the one let
	 * go first, take ours now */
	cdl_live_prio(c, PRIO_LOW);
	t->pf.held_ns = t1 - t0;
	t->pf.captured = true;
	if (t->pf.held_ns > c->max_held_ns)
		c->max_held_ns = t->pf.held_ns;
	if (!c->first_release)
		c->first_release = t1;
	c->pause_end.tv_sec = t1 / 1000000000;
	c->pause_end.tv_nsec = t1 % 1000000000;
	for (size_t i = 0; rc == 0 && i < nr; i++)
		rc = keep_copy(c, &r[i]);
	test_pause(t->tid);
	return rc;
}

/* Seize t.  Another cdeadlock holding it (it holds one thread at a time
 * too, for microseconds) is waited for.  0 or -errno with c->d filled
 * (-EAGAIN: the other one kept it). */
static int seize_now(struct ctx *c, struct th *t)
{
	int rc = cdl_live_seize(c, t, false);
	bool is_cdl = true;

	for (int waited = 0; rc == -EAGAIN && is_cdl && waited < BUSY_WAIT_MS; waited++) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
		if (cdl_live_tracer_of(t->tid, &is_cdl) == 0)
			rc = cdl_live_seize(c, t, false);
	}
	return rc;
}

/* Seize, stop, copy and release one thread: it is the only one we hold,
 * so no other thread of the target can be caught in a signal-delivery
 * stop meanwhile.  A thread in uninterruptible sleep stops only when
 * that ends: it is not waited for here.  0 or -errno with c->d filled. */
static int capture_one(struct ctx *c, struct th *t)
{
	int rc = seize_now(c, t);

	if (rc < 0 || t->st != TH_SEIZED)
		return rc;
	cdl_live_prio_check(c);
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0L, 0L) < 0) {
		if (errno == ESRCH)
			cdl_live_th_gone(t);
		return 0;
	}
	t->pf.asked = true;
	return finish_one(c, t, t->state == 'D' ? 0 : (int64_t)PT_BUDGET_MS * 1000000);
}

/* The threads that did not stop within their budget (a busy machine gives
 * them the CPU late; uninterruptible sleep ends late): their interrupts
 * are pending, so they stop when they can.  Waited for until
 * STOP_TIMEOUT_MS after the first, D_GRACE_NS once only threads in D are
 * left.  0 or -ENOMEM. */
static int late_stops(struct ctx *c)
{
	int64_t deadline = cdl_live_mono_ns() + (int64_t)STOP_TIMEOUT_MS * 1000000;
	bool left = true;
	int rc = 0;

	while (left && rc == 0) {
		bool only_d = true;

		left = false;
		for (size_t i = 0; i < c->n; i++)
			if (c->t[i].st == TH_SEIZED && c->t[i].pf.asked && c->t[i].state != 'D')
				only_d = false;
		if (only_d && deadline > cdl_live_mono_ns() + D_GRACE_NS)
			deadline = cdl_live_mono_ns() + D_GRACE_NS;
		for (size_t i = 0; i < c->n && rc == 0; i++) {
			struct th *t = &c->t[i];

			if (t->st != TH_SEIZED || !t->pf.asked)
				continue;
			rc = finish_one(c, t, 0);
			left |= t->st == TH_SEIZED;
		}
		if (left && cdl_live_mono_ns() > deadline)
			break;
		/* until a stop, or 0.5 ms (a SIGCHLD taken by wait_stop left
		 * no signal for this one) */
		if (left)
			sleep_sigchld(500000);
	}
	return rc;
}

/* ---- the proof ---- */

static bool same_call(const struct sysline *a, const struct sysline *b)
{
	return a->nr >= 0 && a->nr == b->nr && memcmp(a->a, b->a, sizeof(a->a)) == 0 &&
	       a->sp == b->sp && a->pc == b->pc;
}

/* The registers at the stop say the same call as c0. */
static bool stop_matches(const struct th *t)
{
	const struct sysline *s = &t->pf.s[0];

	return t->regs_ok && t->ct.in_syscall && t->ct.syscall_nr == s->nr &&
	       memcmp(t->ct.syscall_args, s->a, sizeof(s->a)) == 0 && t->ct.sp == s->sp;
}

long cdl_live_perthread_carry_vol(const struct ctx *c, const struct th *t)
{
	if (!c->perthread || !t->pf.captured || !t->pf.read[0] || !stop_matches(t))
		return -1;
	return t->pf.vol[0] + PT_VOL_COST;
}

static bool asleep(char st)
{
	return st == 'S' || st == 'D';
}

/* Between c0 and c1: the same call (a timed one may have become
 * restart_syscall on the same stack) and only the switches the stop
 * explains. */
static bool stayed_to_c1(const struct proof *pf)
{
	return (same_call(&pf->s[0], &pf->s[1]) ||
		(pf->s[1].nr == cdl_arch()->nr_restart_syscall && pf->s[0].nr >= 0 &&
		 pf->s[1].sp == pf->s[0].sp)) &&
	       pf->vol[1] - pf->vol[0] == PT_VOL_COST;
}

/* Is thread t proven to have stayed in its wait from c0 to c2?  Sets
 * pf->why when not. */
static bool proven(const struct th *t, const char **why)
{
	const struct proof *pf = &t->pf;
	const struct cdl_arch *arch = cdl_arch();

	*why = NULL;
	if (!pf->captured)
		*why = "not captured";
	else if (!pf->read[0] || !pf->read[1] || !pf->read[2])
		*why = "its /proc files could not be read";
	else if (pf->s[0].nr < 0 || !asleep(pf->state[0]))
		*why = "not in a syscall before its stop";
	else if (!stop_matches(t))
		*why = "another call at its stop";
	else if (!same_call(&pf->s[0], &pf->s[1]) &&
		 !(pf->s[1].nr == arch->nr_restart_syscall && pf->s[1].sp == pf->s[0].sp))
		*why = "another call after its stop";
	else if (!same_call(&pf->s[1], &pf->s[2]) && pf->s[1].nr != arch->nr_restart_syscall)
		*why = "another call at the end";
	else if (pf->s[1].nr == arch->nr_restart_syscall &&
		 (pf->s[2].nr != pf->s[1].nr || pf->s[2].sp != pf->s[1].sp || pf->s[2].pc != pf->s[1].pc))
		*why = "another call at the end";
	else if (!asleep(pf->state[1]) || !asleep(pf->state[2]))
		*why = "running after its stop";
	else if (pf->vol[1] - pf->vol[0] != PT_VOL_COST)
		*why = "more voluntary switches than the stop explains";
	else if (pf->vol[2] != pf->vol[1] || pf->invol[2] != pf->invol[1])
		*why = "switched after its stop";
	return *why == NULL;
}

/* Lock bytes of every candidate, read again in one batch (at c2). */
static int reread_locks(struct ctx *c)
{
	size_t n = 0, k = 0;
	struct region *r;
	unsigned char *buf;

	for (size_t i = 0; i < c->n; i++)
		n += c->t[i].pf.captured && c->t[i].pf.lk_len && c->t[i].pf.lk_got == c->t[i].pf.lk_len;
	if (!n)
		return 0;
	r = calloc(n, sizeof(*r));
	buf = malloc(n * LOCK_SPAN);
	if (!r || !buf) {
		free(r);
		free(buf);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];

		if (!t->pf.captured || !t->pf.lk_len || t->pf.lk_got != t->pf.lk_len)
			continue;
		r[k] = (struct region){ .addr = t->pf.lk_lo, .len = t->pf.lk_len,
					.buf = buf + k * LOCK_SPAN };
		k++;
	}
	cdl_live_read_regions(c, r, n);
	k = 0;
	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];

		if (!t->pf.captured || !t->pf.lk_len || t->pf.lk_got != t->pf.lk_len)
			continue;
		if (r[k].got != r[k].len || memcmp(r[k].buf, t->pf.lk, r[k].len) != 0)
			t->pf.lk_got = 0;      /* changed: the wait is not proven */
		k++;
	}
	free(r);
	free(buf);
	return 0;
}

/* ---- the capture ---- */

/* Threads born since the list was made: captured too (their c0 is later,
 * which the proof allows: it is still before every c2).  Returns the
 * number found, or -errno with c->d filled. */
static int rescan(struct ctx *c)
{
	int *tids, n, added = 0, rc = 0;

	n = cdl_proc_tasks(c->pid, &tids);
	if (n < 0)
		return 0;
	for (int i = 0; i < n && rc == 0; i++) {
		struct th *t;

		if (cdl_live_find_th(c, tids[i]))
			continue;
		t = cdl_live_add_th(c, tids[i]);
		if (!t) {
			rc = cdl_diag_set(c->d, ENOMEM, "attach: thread list");
			break;
		}
		cdl_live_read_facts(c, t, false);
		first_round(c, t);
		rc = capture_one(c, t);
		if (rc == 0 && t->st == TH_SEIZED)
			rc = late_stops(c);
		added++;
	}
	free(tids);
	return rc < 0 ? rc : added;
}

/* c1: every captured thread, once it is back in its wait (settle_c1).  A thread let
 * go needs the CPU to re-enter it: while one has not slept since (fewer
 * voluntary switches than the stop costs, runnable), it is read again, a
 * little later, for at most PT_SETTLE_MS in all. */
static void settle_c1(struct ctx *c)
{
	int64_t end = cdl_live_mono_ns() + (int64_t)PT_SETTLE_MS * 1000000;
	bool again = true;

	while (again && cdl_live_mono_ns() < end) {
		struct timespec ts = { 0, 200000 };

		again = false;
		nanosleep(&ts, NULL);
		for (size_t i = 0; i < c->n; i++) {
			struct proof *pf = &c->t[i].pf;

			if (!pf->captured || !pf->read[0] || pf->s[0].nr < 0 || !pf->read[1] ||
			    asleep(pf->state[1]) || pf->vol[1] - pf->vol[0] >= PT_VOL_COST)
				continue;
			read_round(c, &c->t[i], 1);
			again = true;
		}
	}
}

static void read_c1(struct ctx *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->t[i].pf.captured) {
			read_round(c, &c->t[i], 1);
			cdl_live_prio_check(c);
		}
	settle_c1(c);
}

/* Threads whose wait changed between c0 and c1 but that sleep now are
 * captured once more, c1 being their new c0. */
static int recapture(struct ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];
		struct proof *pf = &t->pf;
		int rc;

		if (!pf->captured || !pf->read[1] || pf->s[1].nr < 0 || !asleep(pf->state[1]) ||
		    stayed_to_c1(pf))
			continue;
		if (getenv("CDEADLOCK_PROOF_DEBUG"))
			cdl_live_warn(c, "proof: thread %d captured again (nr %ld/%ld, vol %ld/%ld)",
				      t->tid, t->pf.s[0].nr, pf->s[1].nr, pf->vol[0], pf->vol[1]);
		pf->s[0] = pf->s[1];
		pf->vol[0] = pf->vol[1];
		pf->invol[0] = pf->invol[1];
		pf->state[0] = pf->state[1];
		pf->captured = false;
		pf->asked = false;
		/* its sleep is a new one: state, wait channel, off-CPU since */
		t->blocked_ms = -1;
		t->off_since = 0;
		cdl_live_read_facts(c, t, true);
		t->regs_ok = t->regs_tried = false;
		t->detached = false;
		t->sig = 0;
		if ((rc = capture_one(c, t)) < 0)
			return rc;
		if (t->st == TH_SEIZED && (rc = late_stops(c)) < 0)
			return rc;
		read_round(c, t, 1);
	}
	settle_c1(c);
	return 0;
}

static void decide(struct ctx *c)
{
	bool debug = getenv("CDEADLOCK_PROOF_DEBUG") != NULL;

	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];
		const char *why;
		char name[32];

		/* copied, then exited: what was copied is no longer true of
		 * anything (and an owner that exited is an orphaned lock's) */
		snprintf(name, sizeof(name), "%d", t->tid);
		if (t->pf.captured && !t->pf.read[2] && t->st != TH_GONE &&
		    faccessat(c->taskfd, name, F_OK, 0) < 0 && errno == ENOENT) {
			t->st = TH_GONE;    /* released already: no slot to free */
			t->late = true;
		}
		t->pf.proven = proven(t, &why);
		if (t->pf.proven && t->pf.lk_addr && (!t->pf.lk_len || t->pf.lk_got != t->pf.lk_len)) {
			t->pf.proven = false;
			why = "its lock changed during the capture";
		}
		t->pf.why = why;
		if (debug && why && t->st != TH_GONE)
			cdl_live_warn(c, "proof: thread %d: %s (vol %ld/%ld/%ld, invol %ld/%ld/%ld, "
				      "nr %ld/%ld/%ld)", t->tid, why, t->pf.vol[0], t->pf.vol[1],
				      t->pf.vol[2], t->pf.invol[0], t->pf.invol[1], t->pf.invol[2],
				      t->pf.s[0].nr, t->pf.s[1].nr, t->pf.s[2].nr);
	}
}

int cdl_live_perthread(struct ctx *c)
{
	int rc = 0;

	c->perthread = true;
	clock_gettime(CLOCK_MONOTONIC, &c->pause_start);
	clock_gettime(CLOCK_REALTIME, &c->wall_start);
	c->pause_end = c->pause_start;
	cdl_live_note_leftovers(c);
	/* the copy buffer for the largest thread, mapped before any stop */
	if (cdl_live_arena_get(c, c->o->max_stack + c->pd_copy + 2 * FUTEX_WINDOW + LOCK_SPAN) < 0)
		return cdl_diag_set(c->d, ENOMEM, "capture: copy buffer");
	/* two descriptors per thread for the proof: as many as we may */
	struct rlimit old_nofile;
	bool raised = false;

	if (getrlimit(RLIMIT_NOFILE, &old_nofile) == 0 && old_nofile.rlim_cur < old_nofile.rlim_max &&
	    old_nofile.rlim_cur < 2 * c->n + 256) {
		struct rlimit rl = old_nofile;

		rl.rlim_cur = 2 * c->n + 1024 < rl.rlim_max ? 2 * c->n + 1024 : rl.rlim_max;
		raised = setrlimit(RLIMIT_NOFILE, &rl) == 0;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];

		first_round(c, t);
		cdl_live_prio_check(c);
		if (t->facts && (t->state == 'Z' || t->state == 'X'))
			t->st = TH_SKIPPED;     /* a zombie leader cannot be seized */
	}
	c->ph_seized = cdl_live_mono_ns();
	/* the main thread first: a refusal (EPERM) names the process, as the
	 * global freeze's does; the test hold is on it */
	struct th *leader = cdl_live_find_th(c, c->pid);
	if (leader && leader->st == TH_NEW)
		rc = capture_one(c, leader);
	for (size_t i = 0; i < c->n && rc == 0; i++)
		if (c->t[i].st == TH_NEW)
			rc = capture_one(c, &c->t[i]);
	if (rc == 0)
		rc = late_stops(c);
	for (int round = 0; rc == 0; round++) {
		int added = rescan(c);

		if (added <= 0) {
			rc = added;
			break;
		}
		if (round == PT_RESCANS) {
			cdl_live_warn(c, "threads kept appearing during the capture; some may be missing");
			break;
		}
	}
	c->ph_stopped = cdl_live_mono_ns();
	if (rc == 0) {
		read_c1(c);
		rc = recapture(c);
	}
	/* CPython's frames: every thread was let go, and c2 is to come, so
	 * a thread proven at c2 was in its wait meanwhile (pyframes.c) */
	if (rc == 0)
		cdl_live_py_read(c);
	if (rc == 0 && reread_locks(c) < 0)
		rc = cdl_diag_set(c->d, ENOMEM, "capture: copy memory");
	if (rc == 0) {
		for (size_t i = 0; i < c->n; i++)
			if (c->t[i].pf.captured)
				read_round(c, &c->t[i], 2);
		decide(c);
	}
	c->ph_copied = cdl_live_mono_ns();
	for (size_t i = 0; i < c->n; i++)
		th_close(&c->t[i]);
	if (raised)
		setrlimit(RLIMIT_NOFILE, &old_nofile);
	/* threads that did not stop in their budget: a last wait, then the
	 * SIGCHLD handler lets them go when they do */
	cdl_live_thaw(c);
	if (rc == 0) {
		size_t alive = 0;

		for (size_t i = 0; i < c->n; i++)
			alive += c->t[i].st != TH_GONE && c->t[i].st != TH_NEW;
		c->target_gone = alive == 0;
	}
	return rc;
}

static int cmp_span(const void *a, const void *b)
{
	const struct th *x = *(const struct th *const *)a, *y = *(const struct th *const *)b;

	return (x->pf.lk_lo > y->pf.lk_lo) - (x->pf.lk_lo < y->pf.lk_lo);
}

static bool span_before(const void *elem, const void *key)
{
	const struct th *t = *(const struct th *const *)elem;

	return t->pf.lk_lo + LOCK_SPAN <= *(const uint64_t *)key;
}

/* Write the proven lock bytes over copy p where they overlap (spans
 * sorted by address). */
static void patch_copy(struct ptcopy *p, struct th *const *span, size_t n)
{
	size_t i = cdl_lower_bound(span, n, sizeof(*span), &p->addr, span_before);

	for (; i < n && span[i]->pf.lk_lo < p->addr + p->len; i++) {
		const struct proof *pf = &span[i]->pf;
		uint64_t lo = pf->lk_lo > p->addr ? pf->lk_lo : p->addr;
		uint64_t hi = pf->lk_lo + pf->lk_len < p->addr + p->len ? pf->lk_lo + pf->lk_len :
			      p->addr + p->len;

		if (hi > lo)
			memcpy(p->buf + (lo - p->addr), pf->lk + (lo - pf->lk_lo), hi - lo);
	}
}

int cdl_live_perthread_store(struct ctx *c)
{
	/* The copies were made at different instants: a futex window also
	 * holds the neighbouring locks (an array of mutexes) as they were
	 * then, and where copies overlap the memory image keeps one of them.
	 * So the lock bytes of every proven thread (what memory held at the
	 * lock re-read) are written over every copy they overlap first, and
	 * added themselves. */
	struct th **span = malloc((c->n ? c->n : 1) * sizeof(*span));
	size_t n = 0;

	if (!span)
		return -ENOMEM;
	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];

		if (t->pf.proven && t->pf.lk_len && t->pf.lk_got == t->pf.lk_len)
			span[n++] = t;
	}
	qsort(span, n, sizeof(*span), cmp_span);
	for (size_t i = 0; i < n; i++)
		if (cdl_memimg_add_copy(c->rc->mem, span[i]->pf.lk_lo, span[i]->pf.lk,
					span[i]->pf.lk_len) < 0) {
			free(span);
			return -ENOMEM;
		}
	/* the image owns the chunks from here, whatever happens next */
	for (size_t i = 0; i < c->nchunks; i++)
		if (cdl_memimg_adopt_map(c->rc->mem, c->chunks[i].base, c->chunks[i].len) < 0) {
			for (size_t j = i + 1; j < c->nchunks; j++)
				munmap(c->chunks[j].base, c->chunks[j].len);
			c->nchunks = 0;
			free(span);
			return -ENOMEM;
		}
	c->nchunks = 0;
	for (size_t i = 0; i < c->ncopies; i++) {
		struct ptcopy *p = &c->copies[i];

		patch_copy(p, span, n);
		if (cdl_memimg_add_ref(c->rc->mem, p->addr, p->buf, p->len) < 0) {
			free(span);
			return -ENOMEM;
		}
	}
	c->ncopies = 0;
	free(span);
	return 0;
}

void cdl_live_perthread_free(struct ctx *c)
{
	for (size_t i = 0; i < c->nchunks; i++)
		munmap(c->chunks[i].base, c->chunks[i].len);
	free(c->chunks);
	c->chunks = NULL;
	c->nchunks = c->chunks_cap = 0;
	free(c->copies);
	c->copies = NULL;
	c->ncopies = c->copies_cap = 0;
}
