/* SPDX-License-Identifier: GPL-2.0-or-later */
/* render-scenarios.c - synthetic snapshots for the render and load tests */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "render-scenarios.h"

#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define LD "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
#define FUTEX 202

static struct cdl_snapshot *snap(int pid, const char *exe)
{
	struct cdl_snapshot *s = cdl_snapshot_new();

	if (!s)
		abort();
	s->pid = pid;
	s->exe = cdl_snapshot_intern(s, exe);
	s->captured_at = cdl_snapshot_intern(s, "2026-11-27T04:00:00.123Z");
	s->captured_at_ms = 1795752000123LL;
	s->pause_us = 4210;
	s->libc = cdl_snapshot_intern(s, "glibc 2.36");
	s->source = cdl_snapshot_intern(s, "live");
	return s;
}

static struct cdl_thread *th(struct cdl_snapshot *s, int tid, const char *name, char state)
{
	struct cdl_thread *t = cdl_snapshot_add_thread(s, tid);

	if (!t)
		abort();
	t->name = cdl_snapshot_intern(s, name);
	t->state = state;
	return t;
}

static struct cdl_frame *fr(struct cdl_snapshot *s, struct cdl_thread *t, uint64_t pc,
			    const char *fn, uint64_t off, const char *mod,
			    const char *file, int line)
{
	struct cdl_frame *f = cdl_thread_add_frame(t);

	if (!f)
		abort();
	f->pc = pc;
	f->function = cdl_snapshot_intern(s, fn);
	f->offset = off;
	f->module = cdl_snapshot_intern(s, mod);
	f->file = cdl_snapshot_intern(s, file);
	f->line = line;
	return f;
}

static void futex_call(struct cdl_thread *t, uint64_t uaddr, uint64_t op, uint64_t val)
{
	t->in_syscall = true;
	t->syscall_nr = FUTEX;
	t->syscall_args[0] = uaddr;
	t->syscall_args[1] = op;
	t->syscall_args[2] = val;
	t->wchan = "futex_wait_queue";
}

static void wait_on(struct cdl_snapshot *s, struct cdl_thread *t, enum cdl_wait_kind k,
		    uint64_t addr, const char *sym, int owner)
{
	t->has_wait = true;
	t->wait.kind = k;
	t->wait.address = addr;
	t->wait.futex = addr;
	t->wait.symbol = cdl_snapshot_intern(s, sym);
	t->wait.owner_tid = owner;
}

/* glibc 2.36 frames of a thread blocked in pthread_mutex_lock */
static void mutex_frames(struct cdl_snapshot *s, struct cdl_thread *t)
{
	fr(s, t, 0x7f3a1c291e96, "futex_wait", 0x36, LIBC,
	   "../sysdeps/nptl/futex-internal.h", 146)->inlined = true;
	fr(s, t, 0x7f3a1c291e96, "__GI___lll_lock_wait", 0x36, LIBC, "./nptl/lowlevellock.c", 49);
	fr(s, t, 0x7f3a1c298f12, "___pthread_mutex_lock", 0xd2, LIBC, "./nptl/pthread_mutex_lock.c", 93);
}

static void thread_tail(struct cdl_snapshot *s, struct cdl_thread *t)
{
	fr(s, t, 0x7f3a1c295fd4, "start_thread", 0x2c4, LIBC, "./nptl/pthread_create.c", 442);
	fr(s, t, 0x7f3a1c3165bc, "clone3", 0x2c, LIBC, "../sysdeps/unix/sysv/linux/x86_64/clone3.S", 81);
}

static void join_frames(struct cdl_snapshot *s, struct cdl_thread *t, const char *user,
			const char *file, int line)
{
	fr(s, t, 0x7f3a1c291c46, "__futex_abstimed_wait_common64", 0x86, LIBC,
	   "./nptl/futex-internal.c", 57)->inlined = true;
	fr(s, t, 0x7f3a1c291c46, "__futex_abstimed_wait_common", 0x86, LIBC,
	   "./nptl/futex-internal.c", 87);
	fr(s, t, 0x7f3a1c29c0a3, "__pthread_clockjoin_ex", 0x123, LIBC, "./nptl/pthread_join_common.c", 102);
	fr(s, t, 0x401456, user, 0x56, s->exe, file, line);
	fr(s, t, 0x7f3a1c23318a, "__libc_start_call_main", 0x7a, LIBC,
	   "../sysdeps/nptl/libc_start_call_main.h", 58);
	fr(s, t, 0x7f3a1c233245, "__libc_start_main_impl", 0x85, LIBC, "../csu/libc-start.c", 360);
	fr(s, t, 0x401101, "_start", 0x21, s->exe, NULL, 0);
}

/* Two threads taking two mutexes in opposite order, one thread queued
 * behind them, the main thread joining, a busy and a sleeping thread. */
static struct cdl_snapshot *cycle2(void)
{
	struct cdl_snapshot *s = snap(4711, "/opt/bank/bank");
	struct cdl_thread *t;

	t = th(s, 4711, "bank", 'S');
	wait_on(s, t, CDL_WAIT_JOIN, 0x7f3a1b7ff640, NULL, 812);
	t->wait.futex = 0x7f3a1b7ff910;
	t->wait.location = cdl_snapshot_intern(s, "thread 812");
	t->blocked_for_ms = 61300;
	futex_call(t, 0x7f3a1b7ff910, 0, 812);
	join_frames(s, t, "main", "bank.c", 97);

	t = th(s, 812, "transfer", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x4040a0, "lock_ledger", 813);
	t->blocked_for_ms = 61234;
	futex_call(t, 0x4040a0, 128, 2);
	mutex_frames(s, t);
	fr(s, t, 0x401236, "transfer_funds", 0x46, "/opt/bank/bank", "bank.c", 42);
	fr(s, t, 0x4012a0, "transfer_main", 0x20, "/opt/bank/bank", "bank.c", 60);
	thread_tail(s, t);

	t = th(s, 813, "audit", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x4040e0, "lock_audit", 812);
	t->blocked_for_ms = 61233;
	futex_call(t, 0x4040e0, 128, 2);
	mutex_frames(s, t);
	fr(s, t, 0x401316, "audit_ledger", 0x36, "/opt/bank/bank", "bank.c", 71);
	fr(s, t, 0x401380, "audit_main", 0x20, "/opt/bank/bank", "bank.c", 80);
	thread_tail(s, t);

	t = th(s, 814, "teller", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x4040a0, "lock_ledger", 813);
	t->blocked_for_ms = 30000;
	futex_call(t, 0x4040a0, 128, 2);
	mutex_frames(s, t);
	fr(s, t, 0x401236, "transfer_funds", 0x46, "/opt/bank/bank", "bank.c", 42);
	fr(s, t, 0x4012a0, "transfer_main", 0x20, "/opt/bank/bank", "bank.c", 60);
	thread_tail(s, t);

	t = th(s, 815, "worker", 'R');
	fr(s, t, 0x401500, "compute_interest", 0x10, "/opt/bank/bank", "interest.c", 12);
	fr(s, t, 0x401580, "worker_main", 0x30, "/opt/bank/bank", "interest.c", 30);
	thread_tail(s, t);

	t = th(s, 816, "idle", 'S');
	t->has_wait = true;
	t->wait.kind = CDL_WAIT_SLEEP;
	t->wait.detail = cdl_snapshot_intern(s, "clock_nanosleep");
	t->wait.readers = -1;
	t->blocked_for_ms = 200;
	t->in_syscall = true;
	t->syscall_nr = 230;
	t->syscall_args[0] = 0;
	t->syscall_args[1] = 0;
	t->syscall_args[2] = 0x7f3a1a7fdd60;
	t->syscall_args[3] = 0x7f3a1a7fdd60;
	t->wchan = "hrtimer_nanosleep";
	fr(s, t, 0x7f3a1c2e27fa, "__GI___clock_nanosleep", 0xca, LIBC,
	   "../sysdeps/unix/sysv/linux/clock_nanosleep.c", 78);
	fr(s, t, 0x7f3a1c2e7123, "__GI___nanosleep", 0x13, LIBC, "../sysdeps/unix/sysv/linux/nanosleep.c", 25);
	fr(s, t, 0x7f3a1c2e7050, "usleep", 0x40, LIBC, "../sysdeps/posix/usleep.c", 32);
	fr(s, t, 0x401600, "idle_main", 0x20, "/opt/bank/bank", "bank.c", 88);
	thread_tail(s, t);

	cdl_snapshot_sort(s);
	return s;
}

/* A thread relocking a default mutex it holds: a cycle of one. */
static struct cdl_snapshot *self(void)
{
	struct cdl_snapshot *s = snap(900, "/opt/relock/relock");
	struct cdl_thread *t;

	t = th(s, 901, "relock", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x404100, "cfg_lock", 901);
	t->blocked_for_ms = 7000;
	futex_call(t, 0x404100, 128, 2);
	mutex_frames(s, t);
	fr(s, t, 0x401196, "reload_config", 0x26, "/opt/relock/relock", "relock.c", 21);
	fr(s, t, 0x4011d0, "apply_config", 0x10, "/opt/relock/relock", "relock.c", 30);
	thread_tail(s, t);

	t = th(s, 900, "relock", 'S');
	wait_on(s, t, CDL_WAIT_JOIN, 0x7f3a1b7ff640, NULL, 901);
	t->wait.futex = 0x7f3a1b7ff910;
	t->wait.location = cdl_snapshot_intern(s, "thread 901");
	t->blocked_for_ms = 7001;
	join_frames(s, t, "main", "relock.c", 40);

	cdl_snapshot_sort(s);
	return s;
}

/* Waiters on a lock whose owner has exited; a robust mutex on the heap. */
static struct cdl_snapshot *orphaned(void)
{
	struct cdl_snapshot *s = snap(1000, "/opt/queue/queue");
	struct cdl_thread *t;

	t = th(s, 1002, "consumer", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x405080, "queue_lock", 1001);
	t->wait.owner_pid = -1;
	t->blocked_for_ms = 15000;
	futex_call(t, 0x405080, 128, 2);
	mutex_frames(s, t);
	fr(s, t, 0x401196, "take_job", 0x26, "/opt/queue/queue", "queue.c", 33);
	thread_tail(s, t);

	t = th(s, 1003, "consumer", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x405080, "queue_lock", 1001);
	t->wait.owner_pid = -1;
	t->blocked_for_ms = 14999;
	futex_call(t, 0x405080, 128, 2);
	mutex_frames(s, t);
	fr(s, t, 0x401196, "take_job", 0x26, "/opt/queue/queue", "queue.c", 33);
	thread_tail(s, t);

	t = th(s, 1004, "janitor", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x55d0c0a0, NULL, 1001);
	t->wait.location = cdl_snapshot_intern(s, "heap");
	t->wait.owner_pid = -1;
	t->wait.flags = CDL_WAITF_ROBUST;
	t->blocked_for_ms = 950;
	futex_call(t, 0x55d0c0a0, 128, 0x800003e9);
	mutex_frames(s, t);
	fr(s, t, 0x401296, "sweep", 0x26, "/opt/queue/queue", "janitor.c", 12);
	thread_tail(s, t);

	t = th(s, 1000, "queue", 'S');
	t->has_wait = true;
	t->wait.kind = CDL_WAIT_SLEEP;
	t->wait.readers = -1;
	t->wait.detail = cdl_snapshot_intern(s, "nanosleep");
	t->blocked_for_ms = 400;
	fr(s, t, 0x7f3a1c2e7123, "__GI___nanosleep", 0x13, LIBC, "../sysdeps/unix/sysv/linux/nanosleep.c", 25);
	fr(s, t, 0x7f3a1c2e7000, "sleep", 0x40, LIBC, "../sysdeps/posix/sleep.c", 55);
	fr(s, t, 0x401400, "main", 0x40, "/opt/queue/queue", "queue.c", 70);

	cdl_snapshot_sort(s);
	return s;
}

/* A process-shared mutex held by a thread of another process. */
static struct cdl_snapshot *pshared(void)
{
	struct cdl_snapshot *s = snap(1100, "/opt/shm/client");
	struct cdl_thread *t;

	t = th(s, 1100, "client", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x7f00aa000040, NULL, 4242);
	t->wait.location = cdl_snapshot_intern(s, "/dev/shm/bank-shm");
	t->wait.owner_pid = 4200;
	t->wait.flags = CDL_WAITF_PSHARED;
	t->blocked_for_ms = 9000;
	futex_call(t, 0x7f00aa000040, 0, 2);
	mutex_frames(s, t);
	fr(s, t, 0x401196, "shm_update", 0x26, "/opt/shm/client", "client.c", 18);
	fr(s, t, 0x401400, "main", 0x40, "/opt/shm/client", "client.c", 50);

	cdl_snapshot_sort(s);
	return s;
}

/* Long waits with no cycle: condvar, rwlock writer behind readers,
 * semaphore, join on a stuck thread, an unknown futex, blocking I/O. */
static struct cdl_snapshot *stuck(void)
{
	struct cdl_snapshot *s = snap(1200, "/opt/cache/cache");
	struct cdl_thread *t;

	t = th(s, 1201, "consumer", 'S');
	wait_on(s, t, CDL_WAIT_CONDVAR, 0x405000, "queue_nonempty", 0);
	t->wait.futex = 0x405008;
	t->wait.mutex = 0x405040;
	t->wait.mutex_symbol = cdl_snapshot_intern(s, "queue_lock");
	t->blocked_for_ms = 12345;
	futex_call(t, 0x405008, 0x189, 0);
	t->syscall_args[5] = 0xffffffff;
	fr(s, t, 0x7f3a1c291c46, "__futex_abstimed_wait_common", 0x86, LIBC, "./nptl/futex-internal.c", 87);
	fr(s, t, 0x7f3a1c294a3e, "__pthread_cond_wait_common", 0x20e, LIBC, "./nptl/pthread_cond_wait.c", 503);
	fr(s, t, 0x7f3a1c294a3e, "___pthread_cond_wait", 0x20e, LIBC, "./nptl/pthread_cond_wait.c", 618);
	fr(s, t, 0x401196, "next_job", 0x26, "/opt/cache/cache", "cache.c", 33);
	thread_tail(s, t);

	t = th(s, 1202, "rebuild", 'S');
	wait_on(s, t, CDL_WAIT_RWLOCK_WRITE, 0x405100, "table_lock", 0);
	t->wait.futex = 0x40510c;
	t->wait.flags = CDL_WAITF_READERS;
	t->wait.readers = 3;
	t->blocked_for_ms = 250000;
	futex_call(t, 0x40510c, 0x80, 3);
	fr(s, t, 0x7f3a1c291c46, "__futex_abstimed_wait_common", 0x86, LIBC, "./nptl/futex-internal.c", 87);
	fr(s, t, 0x7f3a1c29ad1a, "__pthread_rwlock_wrlock_full64", 0x1ba, LIBC, "./nptl/pthread_rwlock_common.c", 730);
	fr(s, t, 0x401296, "rebuild_table", 0x26, "/opt/cache/cache", "table.c", 88);
	thread_tail(s, t);

	t = th(s, 1203, "pool", 'S');
	wait_on(s, t, CDL_WAIT_SEMAPHORE, 0x55d0c0a0, NULL, 0);
	t->wait.location = cdl_snapshot_intern(s, "heap");
	t->wait.flags = CDL_WAITF_TIMED;
	t->blocked_for_ms = 950;
	futex_call(t, 0x55d0c0a0, 0x89, 0);
	t->syscall_args[3] = 0x7f3a19ffdd40;
	t->syscall_args[5] = 0xffffffff;
	fr(s, t, 0x7f3a1c291c46, "__futex_abstimed_wait_common", 0x86, LIBC, "./nptl/futex-internal.c", 87);
	fr(s, t, 0x7f3a1c2a0b2f, "__new_sem_wait_slow64", 0xcf, LIBC, "./nptl/sem_waitcommon.c", 183);
	fr(s, t, 0x401396, "pool_get", 0x26, "/opt/cache/cache", "pool.c", 14);
	thread_tail(s, t);

	t = th(s, 1200, "cache", 'S');
	wait_on(s, t, CDL_WAIT_JOIN, 0x7f3a1b7ff640, NULL, 1202);
	t->wait.futex = 0x7f3a1b7ff910;
	t->wait.location = cdl_snapshot_intern(s, "thread 1202");
	t->blocked_for_ms = 242000;
	join_frames(s, t, "main", "cache.c", 120);

	t = th(s, 1204, "watch", 'S');
	wait_on(s, t, CDL_WAIT_FUTEX, 0x7ffc1234abc0, NULL, 0);
	t->wait.location = cdl_snapshot_intern(s, "stack of thread 1200");
	futex_call(t, 0x7ffc1234abc0, 0x80, 0);
	fr(s, t, 0x7f3a1c2f1a3d, "syscall", 0x1d, LIBC, "../sysdeps/unix/sysv/linux/x86_64/syscall.S", 38);
	fr(s, t, 0x401496, "watch_flag", 0x26, "/opt/cache/cache", "watch.c", 9);
	thread_tail(s, t);

	t = th(s, 1205, "reader", 'S');
	t->has_wait = true;
	t->wait.kind = CDL_WAIT_IO;
	t->wait.readers = -1;
	t->wait.detail = cdl_snapshot_intern(s, "read fd 7 (socket:[48213])");
	t->blocked_for_ms = 13320000;
	t->in_syscall = true;
	t->syscall_nr = 0;
	t->syscall_args[0] = 7;
	t->syscall_args[1] = 0x7f3a197fc000;
	t->syscall_args[2] = 4096;
	t->wchan = "sk_wait_data";
	fr(s, t, 0x7f3a1c30e19d, "__GI___libc_read", 0x4d, LIBC, "../sysdeps/unix/sysv/linux/read.c", 26);
	fr(s, t, 0x401596, "read_request", 0x26, "/opt/cache/cache", "net.c", 61);
	thread_tail(s, t);

	cdl_snapshot_sort(s);
	return s;
}

/* Nothing wrong: a running thread, a sleeper, a short mutex wait. */
static struct cdl_snapshot *none(void)
{
	struct cdl_snapshot *s = snap(1300, "/usr/bin/server");
	struct cdl_thread *t;

	t = th(s, 1300, "server", 'R');
	fr(s, t, 0x401500, "handle_request", 0x10, "/usr/bin/server", "server.c", 99);
	fr(s, t, 0x401400, "main", 0x40, "/usr/bin/server", "server.c", 150);

	t = th(s, 1301, "timer", 'S');
	t->has_wait = true;
	t->wait.kind = CDL_WAIT_SLEEP;
	t->wait.readers = -1;
	t->wait.detail = cdl_snapshot_intern(s, "clock_nanosleep");
	t->blocked_for_ms = 480;
	fr(s, t, 0x7f3a1c2e27fa, "__GI___clock_nanosleep", 0xca, LIBC,
	   "../sysdeps/unix/sysv/linux/clock_nanosleep.c", 78);
	fr(s, t, 0x401600, "tick", 0x20, "/usr/bin/server", "timer.c", 20);
	thread_tail(s, t);

	t = th(s, 1302, "handler", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x4040a0, "stats_lock", 1300);
	t->blocked_for_ms = 3;
	futex_call(t, 0x4040a0, 128, 2);
	mutex_frames(s, t);
	fr(s, t, 0x401700, "count_hit", 0x20, "/usr/bin/server", "stats.c", 8);
	thread_tail(s, t);

	cdl_snapshot_sort(s);
	return s;
}

/* Stack shapes: inline frames, unknown functions and modules, a signal
 * frame, C++ names, an unwind that stopped early, a thread with no stack. */
static struct cdl_snapshot *frames(void)
{
	struct cdl_snapshot *s = snap(1400, "/opt/app/app");
	struct cdl_thread *t;

	t = th(s, 1400, "app", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x4062c0, "registry::instance()::mtx", 1401);
	t->blocked_for_ms = 1500;
	futex_call(t, 0x4062c0, 128, 2);
	mutex_frames(s, t);
	fr(s, t, 0x402a10, "__gthread_mutex_lock", 0x10, "/opt/app/app",
	   "/usr/include/x86_64-linux-gnu/c++/12/bits/gthr-default.h", 749)->inlined = true;
	fr(s, t, 0x402a10, "std::mutex::lock()", 0x10, "/opt/app/app", "/usr/include/c++/12/bits/std_mutex.h", 100)->inlined = true;
	fr(s, t, 0x402a10, "std::lock_guard<std::mutex>::lock_guard(std::mutex&)", 0x10, "/opt/app/app",
	   "/usr/include/c++/12/bits/std_mutex.h", 229)->inlined = true;
	fr(s, t, 0x402a10, "app::registry::lookup(std::__cxx11::basic_string<char, std::char_traits<char>, "
	   "std::allocator<char> > const&) const", 0x40, "/opt/app/app", "src/registry.cpp", 57)->column = 29;
	fr(s, t, 0x402c00, NULL, 0, "/opt/app/app", NULL, 0);
	fr(s, t, 0x7f3a1c2424ff, NULL, 0, NULL, NULL, 0)->signal_frame = true;
	fr(s, t, 0x402d00, "main", 0x10, "/opt/app/app", "src/main.cpp", 12);
	t->unwind_error = cdl_snapshot_intern(s, "no CFI for pc 0x7f3a1c2424ff");

	t = th(s, 1401, "loader", 'D');
	t->blocked_for_ms = -1;
	t->unwind_error = cdl_snapshot_intern(s, "stack not captured: thread vanished");

	cdl_snapshot_sort(s);
	return s;
}

/* An unknown libc: owners not recorded, layout not trusted. */
static struct cdl_snapshot *unknown(void)
{
	struct cdl_snapshot *s = snap(1500, NULL);
	struct cdl_thread *t;

	s->libc = NULL;
	s->pause_us = 0;
	cdl_snapshot_warn(s, "unknown libc layout (glibc 2.99): lock owners are not trusted");
	cdl_snapshot_warn(s, "no debug info for /opt/x/x");

	t = th(s, 1501, "w1", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x4040a0, "big_lock", 0);
	t->wait.flags = CDL_WAITF_OWNER_UNKNOWN | CDL_WAITF_LAYOUT_UNKNOWN;
	t->blocked_for_ms = 8000;
	fr(s, t, 0x401196, NULL, 0, "/opt/x/x", NULL, 0);

	t = th(s, 1500, "x", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x7f3a1c4b2a80, "_IO_stdfile_1_lock", 0);
	t->wait.flags = CDL_WAITF_LIBC_INTERNAL | CDL_WAITF_RECURSIVE | CDL_WAITF_LAYOUT_UNKNOWN |
		CDL_WAITF_OWNER_UNKNOWN;
	t->wait.location = cdl_snapshot_intern(s, LIBC);
	t->blocked_for_ms = 2;

	cdl_snapshot_sort(s);
	return s;
}

/* Hostile strings: escapes, quotes, invalid UTF-8, a terminal escape. */
static struct cdl_snapshot *strings(void)
{
	struct cdl_snapshot *s = snap(1600, "/opt/we\"ird/pa\\th\ttab");
	struct cdl_thread *t;

	cdl_snapshot_warn(s, "line one\nline two \x01 \xff end");
	t = th(s, 1600, "caf\xc3\xa9 \xe2\x9c\x93", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x4040a0, "ns::\"quoted\"", 1601);
	t->blocked_for_ms = 10;
	fr(s, t, 0x401196, "f\x1b[31mred", 0x26, "/opt/x", "dir/\xff\xfe.c", 3);
	t = th(s, 1601, "\x1b[2Jclear\x7f", 'R');
	fr(s, t, 0x401196, "surrogate\xed\xa0\x80 overlong\xc0\xaf 4byte\xf0\x9f\x98\x80", 0, "/opt/x", NULL, 0);

	cdl_snapshot_sort(s);
	return s;
}

/* Two disjoint cycles (a ring of three and a pair) and a crowd of
 * identical idle workers, for the deterministic order and --group. */
static struct cdl_snapshot *ring(void)
{
	struct cdl_snapshot *s = snap(2000, "/opt/phil/phil");
	static const char *const forks[] = { "forks[0]", "forks[1]", "forks[2]" };
	struct cdl_thread *t;

	for (int i = 0; i < 3; i++) {
		t = th(s, 2010 - i, "philosopher", 'S');
		wait_on(s, t, CDL_WAIT_MUTEX, 0x404100 + 40 * (uint64_t)i, forks[i],
			i == 2 ? 2010 : 2009 - i);
		t->blocked_for_ms = 5200 + i;
		futex_call(t, 0x404100 + 40 * (uint64_t)i, 128, 2);
		mutex_frames(s, t);
		fr(s, t, 0x401236, "take_forks", 0x46, "/opt/phil/phil", "phil.c", 20);
		fr(s, t, 0x4012a0, "philosopher", 0x20, "/opt/phil/phil", "phil.c", 35);
		thread_tail(s, t);
	}
	for (int i = 0; i < 2; i++) {
		t = th(s, 2003 + i, i ? "b" : "a", 'S');
		wait_on(s, t, CDL_WAIT_RWLOCK_WRITE, 0x404200 + 56 * (uint64_t)i,
			i ? "rw_b" : "rw_a", 2004 - i);
		t->blocked_for_ms = 400;
		fr(s, t, 0x7f3a1c29ad1a, "__pthread_rwlock_wrlock_full64", 0x1ba, LIBC,
		   "./nptl/pthread_rwlock_common.c", 730);
		fr(s, t, 0x401336, i ? "path_b" : "path_a", 0x36, "/opt/phil/phil", "paths.c", 10 + i);
		thread_tail(s, t);
	}
	for (int i = 0; i < 6; i++) {
		t = th(s, 2020 + i, "worker", 'S');
		wait_on(s, t, CDL_WAIT_CONDVAR, 0x404300, "work_cv", 0);
		t->wait.mutex = 0x404340;
		t->wait.mutex_symbol = cdl_snapshot_intern(s, "work_lock");
		t->blocked_for_ms = 100 + i;
		fr(s, t, 0x7f3a1c291c46, "__futex_abstimed_wait_common", 0x86, LIBC, "./nptl/futex-internal.c", 87);
		fr(s, t, 0x7f3a1c294a3e, "___pthread_cond_wait", 0x20e, LIBC, "./nptl/pthread_cond_wait.c", 618);
		fr(s, t, 0x401436 + 16 * (uint64_t)(i % 2), "worker_loop", 0x36, "/opt/phil/phil", "pool.c", 40 + i % 2);
		thread_tail(s, t);
	}
	t = th(s, 2000, "phil", 'S');
	wait_on(s, t, CDL_WAIT_JOIN, 0x7f3a1b7ff640, NULL, 2008);
	t->blocked_for_ms = 5300;
	join_frames(s, t, "main", "phil.c", 60);

	cdl_snapshot_sort(s);
	return s;
}

/* A per-thread capture: "transfer" was copied waiting for lock_audit held
 * by "audit", then moved; "audit" waits for lock_ledger held by
 * "transfer" and stayed.  No cycle: one side of it is not proven. */
static struct cdl_snapshot *moved(void)
{
	struct cdl_snapshot *s = snap(4711, "/opt/bank/bank");
	struct cdl_thread *t;

	s->capture_mode = CDL_CAPTURE_PERTHREAD;
	s->pause_us = 61;
	s->window_us = 48250;
	t = th(s, 812, "transfer", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x4040e0, "lock_audit", 813);
	t->blocked_for_ms = 9000;
	t->moved = true;
	futex_call(t, 0x4040e0, 128, 2);
	mutex_frames(s, t);
	fr(s, t, 0x401236, "transfer_funds", 0x46, "/opt/bank/bank", "bank.c", 42);
	thread_tail(s, t);

	t = th(s, 813, "audit", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x4040a0, "lock_ledger", 812);
	t->blocked_for_ms = 9000;
	futex_call(t, 0x4040a0, 128, 2);
	mutex_frames(s, t);
	fr(s, t, 0x401316, "audit_ledger", 0x36, "/opt/bank/bank", "bank.c", 71);
	thread_tail(s, t);
	return s;
}

const struct scenario scenarios[] = {
	{ "cycle2", cycle2, false },
	{ "self", self, false },
	{ "orphaned", orphaned, false },
	{ "pshared", pshared, false },
	{ "stuck", stuck, false },
	{ "none", none, false },
	{ "frames", frames, false },
	{ "unknown", unknown, false },
	{ "strings", strings, true },
	{ "ring", ring, false },
	{ "moved", moved, false },
};
const size_t nscenarios = sizeof(scenarios) / sizeof(scenarios[0]);
