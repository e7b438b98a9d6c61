/* SPDX-License-Identifier: GPL-2.0-or-later */
/* freeze.c - the pause: seize and stop every thread, copy, thaw.
 *
 * The emergency list of every thread seized and not yet released is the
 * one piece of global state: a signal handler (cdl_collect_emergency_detach,
 * the SIGCHLD handler for threads that stop late) must find it.
 *
 * Test knob: the environment variable CDEADLOCK_TEST_HOLD_MS=N keeps the
 * target frozen N extra milliseconds between the copy and the thaw, so
 * tests can signal the target or cdeadlock "mid-capture"
 * deterministically.  Never set it in production.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live-int.h"
#include "memimg.h"
#include "proc.h"

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

int cdl_live_seized_reserve(size_t want)
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

	if (n == g_capseized && cdl_live_seized_reserve(g_capseized ? g_capseized * 2 : 256) < 0)
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

size_t cdl_live_seized_count(void)
{
	return g_nseized;
}

/* ---- freeze ---- */

/* A seized thread died: forget it, so neither the next capture nor the
 * emergency detach touches a tid that may be reused. */
void cdl_live_th_gone(struct th *t)
{
	t->st = TH_GONE;
	seized_release(t->slot);
}

int cdl_live_seize(struct ctx *c, struct th *t, bool interrupt)
{
	/* still ours from an earlier capture (it never stopped)?  Rare: the
	 * list is scanned only when an earlier capture left such a thread,
	 * so seizing stays linear in the number of threads. */
	for (size_t i = 0; c->leftovers && i < g_nseized; i++)
		if (g_seized[i].tid == t->tid && g_seized[i].leftover) {
			g_seized[i].leftover = 0;
			t->slot = i;
			t->st = TH_SEIZED;
			if (interrupt && ptrace(PTRACE_INTERRUPT, t->tid, 0L, 0L) < 0 && errno == ESRCH)
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

			if (cdl_live_tracer_of(t->tid, &is_cdl) > 0 && is_cdl)
				return -EAGAIN;   /* let go, wait, try again */
		}
		cdl_diag_set(c->d, e, "attach: ptrace(PTRACE_SEIZE, %d)", t->tid);
		if (e == EPERM || e == ENOSYS)
			cdl_live_diagnose_eperm(c, t->tid);
		return -e;
	}
	if (seized_add(t->tid, &t->slot) < 0) {
		ptrace(PTRACE_DETACH, t->tid, 0L, 0L);   /* not stopped: fails, kernel cleans up at exit */
		return cdl_diag_set(c->d, ENOMEM, "attach: remember thread %d", t->tid);
	}
	t->st = TH_SEIZED;
	if (interrupt && ptrace(PTRACE_INTERRUPT, t->tid, 0L, 0L) < 0 && errno == ESRCH)
		cdl_live_th_gone(t);           /* exiting; its exit is reported to waitpid */
	return 0;
}

static void read_regs(struct th *t)
{
	int rc = cdl_arch_read_regs(t->tid, &t->ct);

	t->regs_tried = true;
	t->regs_ok = rc == 0;
	if (rc == -ESRCH) {
		cdl_live_th_gone(t);
		t->late = true;
	}
}

void cdl_live_took_stop(struct th *t, int status)
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
			int64_t now = cdl_live_mono_ns();

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
			cdl_live_th_gone(t);     /* ECHILD: no longer our tracee */
		else
			cdl_live_took_stop(t, status);
		if (t->state == 'D' && pending_d > 0)
			pending_d--;
		pending--;
	}
	/* threads in D were skipped while others were pending: their turn */
	if (pending > 0 && pending == pending_d && cdl_live_mono_ns() <= deadline_ns)
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
		struct th *t = cdl_live_find_th(c, tids[i]);
		int rc;

		if (t)
			continue;
		t = cdl_live_add_th(c, tids[i]);
		if (!t) {
			free(tids);
			return cdl_diag_set(c->d, ENOMEM, "attach: thread list");
		}
		rc = cdl_live_seize(c, t, true);
		if (rc < 0) {
			free(tids);
			return rc;
		}
		added++;
	}
	free(tids);
	return added;
}

void cdl_live_note_leftovers(struct ctx *c)
{
	for (size_t i = 0; i < g_nseized && !c->leftovers; i++)
		c->leftovers = g_seized[i].tid > 0 && g_seized[i].leftover;
}

int cdl_live_freeze(struct ctx *c)
{
	int64_t deadline;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &c->pause_start);
	clock_gettime(CLOCK_REALTIME, &c->wall_start);
	deadline = cdl_live_mono_ns() + (int64_t)STOP_TIMEOUT_MS * 1000000;
	cdl_live_note_leftovers(c);
	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];

		if (t->facts && (t->state == 'Z' || t->state == 'X')) {
			t->st = TH_SKIPPED;     /* a zombie leader cannot be seized */
			continue;
		}
		rc = cdl_live_seize(c, t, true);
		if (rc < 0)
			goto out;
	}
	c->ph_seized = cdl_live_mono_ns();
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
			cdl_live_warn(c, "threads kept appearing while freezing; some may be missing");
			break;
		}
	}
	rc = 0;
out:
	c->ph_stopped = cdl_live_mono_ns();
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

/* process_vm_readv refused as a whole (a seccomp filter: EPERM, or
 * ENOSYS from a filter or an old kernel) while ptrace works: everything
 * is read through /proc/PID/mem instead, and the snapshot says so. */
static bool vm_refused(struct ctx *c, int err)
{
	if (err != EPERM && err != ENOSYS)
		return false;
	c->vm_errno = err;
	return true;
}

/* Copy every region, many per process_vm_readv call.  A call stops at the
 * first unreadable byte: what came before is kept, the region that failed
 * is finished with pread on /proc/PID/mem (which also works where
 * process_vm_readv is not available), and batching resumes after it. */
void cdl_live_read_regions(struct ctx *c, struct region *r, size_t n)
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
			if (vm_refused(c, errno))
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
	const struct cdl_map *m = cdl_maps_find(&c->maps, *lo);

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
int cdl_live_arena_get(struct ctx *c, size_t len)
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

size_t cdl_live_thread_regions(struct ctx *c, const struct th *t, struct region *r)
{
	const struct cdl_arch *arch = cdl_arch();
	uint64_t slo = 0, shi = 0, lo, hi;
	size_t nr = 0;

	/* the used stack: red zone below sp up to the top of its mapping */
	const struct cdl_map *m = cdl_maps_find(&c->maps, t->ct.sp);
	slo = t->ct.sp >= arch->redzone ? t->ct.sp - arch->redzone : 0;
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
	/* struct pthread (fs_base), unless the stack copy holds it:
	 * glibc keeps it at the top of the thread's stack mapping, so a
	 * copy up to the mapping's end holds all of it there is (the
	 * size copied is the largest over the libc versions we know,
	 * which may reach past that end) */
	lo = t->ct.thread_pointer;
	hi = lo + c->pd_copy;
	bool in_stack = lo >= slo && (hi <= shi || (m && shi == m->end && lo < shi));
	if (lo && !in_stack && clamp_to_map(c, &lo, &hi))
		region_push(r, &nr, lo, hi);
	/* the lock object around the futex word a sleeper waits on */
	if (t->ct.in_syscall && (t->ct.syscall_nr == arch->nr_futex ||
				 t->ct.syscall_nr == arch->nr_restart_syscall)) {
		uint64_t ua = t->ct.syscall_args[0];

		if (ua >= 4096 && !(ua >= slo && ua + 4 <= shi)) {
			const struct cdl_map *fm = cdl_maps_find(&c->maps, ua);

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
	return nr;
}

/* Registers of every stopped thread, then stacks, struct pthreads and
 * futex windows in one batched read into one arena, mapped and populated
 * in a single call so the copy takes no page faults.  The regions go to
 * the memory image after the thaw (store_regions).  0 or -ENOMEM. */
int cdl_live_copy(struct ctx *c)
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
		if (t->regs_ok && !cdl_maps_find(&c->maps, t->ct.sp))
			need_maps = true;
	}
	/* a thread born during the freeze has a stack the first read of the
	 * maps did not see: read them again, once */
	if (need_maps) {
		struct cdl_maps m;

		if (cdl_proc_maps(c->mm_pid, &m) == 0) {
			cdl_maps_free(&c->maps);
			c->maps = m;
		}
	}

	r = calloc(c->n * 3 + 1 + cdl_live_forcore_nregions(c), sizeof(*r));
	if (!r)
		return -ENOMEM;
	c->regions = r;
	nr = cdl_live_forcore_regions(c, r);
	for (size_t i = 0; i < c->n; i++) {
		if (c->t[i].st == TH_STOPPED && c->t[i].regs_ok)
			nr += cdl_live_thread_regions(c, &c->t[i], r + nr);
	}
	cdl_live_forcore_align(c, r, nr);
	c->nregions = nr;
	for (size_t i = 0; i < nr; i++)
		total += r[i].len;
	if (total == 0)
		return 0;
	if (cdl_live_arena_get(c, total) < 0)
		return -ENOMEM;
	c->arena_used = total;
	total = 0;
	for (size_t i = 0; i < nr; i++) {
		r[i].buf = (unsigned char *)c->arena + total;
		total += r[i].len;
	}
	cdl_live_read_regions(c, r, nr);
	return 0;
}

/* After the thaw: hand what was copied to the memory image.  The arena
 * was populated before the freeze, so the image takes it as it is rather
 * than copying it into memory that would fault page by page. */
int cdl_live_store_regions(struct ctx *c)
{
	if (c->nregions == 0)
		return 0;
	if (cdl_memimg_adopt_map(c->rc->mem, c->arena, c->arena_len) < 0) {
		c->arena = NULL;
		return -ENOMEM;
	}
	c->arena = NULL;
	for (size_t i = 0; i < c->nregions; i++) {
		struct region *r = &c->regions[i];

		if (r->got && cdl_memimg_add_ref(c->rc->mem, r->addr, r->buf, r->got) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- thaw ---- */

void cdl_live_hold_for_tests(void)
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

int cdl_live_release(struct th *t)
{
	if (ptrace(PTRACE_DETACH, t->tid, 0L, (long)t->sig) == 0) {
		t->detached = true;
		seized_release(t->slot);
		return 0;
	}
	if (errno == ESRCH) {
		/* killed while stopped (the process exited): reap the
		 * notification so the real parent sees the exit */
		int status;

		t->st = TH_GONE;
		t->late = true;
		seized_release(t->slot);
		waitpid(t->tid, &status, __WALL | WNOHANG);
	}
	return -1;
}

/* Detach every thread, handing back caught signals.  Threads that never
 * stopped get a short extra wait; the kernel detaches any still seized
 * when cdeadlock exits. */
void cdl_live_thaw(struct ctx *c)
{
	size_t ok = 0, tried = 0;

	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];

		if (t->st != TH_STOPPED || t->detached)
			continue;
		tried++;
		if (cdl_live_release(t) == 0)
			ok++;
	}
	if (!c->perthread)
		clock_gettime(CLOCK_MONOTONIC, &c->pause_end);
	if (tried > 0 && ok == 0)
		c->target_gone = true;  /* every thread died while stopped */

	int64_t end = cdl_live_mono_ns() + 100000000;
	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];
		int status;

		if (t->st != TH_SEIZED)
			continue;
		pid_t w;

		while ((w = waitpid(t->tid, &status, __WALL | WNOHANG)) == 0 && cdl_live_mono_ns() < end) {
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
		}
		if (w == t->tid && WIFSTOPPED(status)) {
			ptrace(PTRACE_DETACH, t->tid, 0L, 0L);
			seized_release(t->slot);
		} else if (w == t->tid) {
			seized_release(t->slot);
		} else {
			cdl_live_warn(c, "thread %d did not stop (state %c%s%s) and has no registers",
				 t->tid, t->state ? t->state : '?', t->wchan[0] ? ", in " : "",
				 t->wchan);
			watch_leftovers();
			g_seized[t->slot].leftover = 1;
		}
	}
	seized_compact();
}
