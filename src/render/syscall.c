/* SPDX-License-Identifier: GPL-2.0-or-later */
/* syscall.c - strace-like rendering of the syscall a thread was stopped
 * in.  The table of numbers and names is the architecture's (arch.h). */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "render.h"

const char *cdl_syscall_name(long nr)
{
	return cdl_arch_syscall_name(nr);
}

/* Argument formats, one character per argument:
 *   d  int, decimal          x  pointer/hex, NULL for 0
 *   u  unsigned, decimal     f  futex operation
 *   c  clock id              t  clock_nanosleep flags
 *   m  futex bitset          v  32-bit value (a futex word), decimal
 */
struct sysfmt {
	const char *name;
	const char *args;
};

static const struct sysfmt sysfmts[] = {
	{ "read", "dxu" }, { "write", "dxu" }, { "pread64", "dxud" },
	{ "pwrite64", "dxud" }, { "readv", "dxd" }, { "writev", "dxd" },
	{ "poll", "xud" }, { "ppoll", "xuxxu" }, { "select", "dxxxx" },
	{ "pselect6", "dxxxxx" }, { "epoll_wait", "dxdd" },
	{ "epoll_pwait", "dxddxu" }, { "epoll_pwait2", "dxdxxu" },
	{ "nanosleep", "xx" }, { "clock_nanosleep", "ctxx" },
	{ "wait4", "dxdx" }, { "waitid", "ddxdx" }, { "accept", "dxx" },
	{ "accept4", "dxxd" }, { "connect", "dxd" }, { "recvfrom", "dxudxx" },
	{ "recvmsg", "dxd" }, { "sendto", "dxudxd" }, { "sendmsg", "dxd" },
	{ "pause", "" }, { "sched_yield", "" }, { "restart_syscall", "" },
	{ "rt_sigsuspend", "xu" }, { "rt_sigtimedwait", "xxxu" },
	{ "ioctl", "dxx" }, { "fsync", "d" }, { "fdatasync", "d" },
	{ "flock", "dd" }, { "fcntl", "ddx" }, { "close", "d" },
	{ "openat", "dxdu" }, { "msgrcv", "dxudd" }, { "semop", "dxu" },
	{ "semtimedop", "dxux" }, { "io_getevents", "xddxx" },
	{ "mq_timedreceive", "dxuxx" }, { "splice", "dxdxud" },
	{ "sendfile", "ddxu" }, { "futex_waitv", "xudxc" }, { "exit", "d" },
	{ "exit_group", "d" }, { "getrandom", "xuu" }, { "msync", "xud" },
	{ "sync", "" }, { "syncfs", "d" },
};

struct buf {
	char *p;
	size_t n, len;
};

static void bput(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bput(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (b->len >= b->n)
		return;
	va_start(ap, fmt);
	r = vsnprintf(b->p + b->len, b->n - b->len, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	b->len += (size_t)r;
	if (b->len >= b->n)
		b->len = b->n - 1;
}

static const char *const futex_cmds[] = {
	"FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_FD", "FUTEX_REQUEUE",
	"FUTEX_CMP_REQUEUE", "FUTEX_WAKE_OP", "FUTEX_LOCK_PI", "FUTEX_UNLOCK_PI",
	"FUTEX_TRYLOCK_PI", "FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET",
	"FUTEX_WAIT_REQUEUE_PI", "FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2",
};

#define FUTEX_PRIVATE 128u
#define FUTEX_REALTIME 256u

static void put_futex_op(struct buf *b, uint64_t op)
{
	unsigned cmd = (unsigned)op & ~(FUTEX_PRIVATE | FUTEX_REALTIME);

	if (op > 0xffffffffu || cmd >= sizeof(futex_cmds) / sizeof(futex_cmds[0])) {
		bput(b, "%#" PRIx64, op);
		return;
	}
	bput(b, "%s%s%s", futex_cmds[cmd], (op & FUTEX_PRIVATE) ? "_PRIVATE" : "",
	     (op & FUTEX_REALTIME) ? "|FUTEX_CLOCK_REALTIME" : "");
}

static const char *const clock_names[] = {
	"CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID",
	"CLOCK_THREAD_CPUTIME_ID", "CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE",
	"CLOCK_MONOTONIC_COARSE", "CLOCK_BOOTTIME", "CLOCK_REALTIME_ALARM",
	"CLOCK_BOOTTIME_ALARM", "", "CLOCK_TAI",
};

static void put_arg(struct buf *b, char f, uint64_t v)
{
	switch (f) {
	case 'd':
		bput(b, "%d", (int)(uint32_t)v);
		break;
	case 'u':
		bput(b, "%" PRIu64, v);
		break;
	case 'v':
		/* the kernel reads an int: the upper half of the register
		 * (a sign extension, or garbage) is not part of it */
		bput(b, "%" PRIu32, (uint32_t)v);
		break;
	case 'f':
		put_futex_op(b, v);
		break;
	case 'c':
		if (v < sizeof(clock_names) / sizeof(clock_names[0]) && clock_names[v][0])
			bput(b, "%s", clock_names[v]);
		else
			bput(b, "%d", (int)(uint32_t)v);
		break;
	case 't':
		if (v == 0)
			bput(b, "0");
		else if (v == 1)
			bput(b, "TIMER_ABSTIME");
		else
			bput(b, "%#" PRIx64, v);
		break;
	case 'm':
		if ((uint32_t)v == 0xffffffffu)
			bput(b, "FUTEX_BITSET_MATCH_ANY");
		else
			bput(b, "%#" PRIx64, v);
		break;
	default:
		if (v == 0)
			bput(b, "NULL");
		else
			bput(b, "%#" PRIx64, v);
		break;
	}
}

/* The futex arguments that matter depend on the operation. */
static const char *futex_args(uint64_t op)
{
	switch ((unsigned)op & ~(FUTEX_PRIVATE | FUTEX_REALTIME)) {
	case 0:     /* WAIT */
	case 6:     /* LOCK_PI */
	case 8:     /* TRYLOCK_PI */
	case 13:    /* LOCK_PI2 */
		return "xfvx";
	case 1:     /* WAKE */
	case 7:     /* UNLOCK_PI */
		return "xfv";
	case 9:     /* WAIT_BITSET */
	case 10:    /* WAKE_BITSET */
		return "xfvxxm";
	default:
		return "xfvxxv";
	}
}

char *cdl_render_syscall(char *buf, size_t n, long nr, const uint64_t args[6])
{
	struct buf b = { buf, n, 0 };
	const char *name = cdl_syscall_name(nr);
	const char *fmt = "xxxxxx";

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (nr < 0)
		return buf;
	if (!name) {
		bput(&b, "syscall_%ld(", nr);
	} else {
		bput(&b, "%s(", name);
		if (strcmp(name, "futex") == 0) {
			fmt = futex_args(args[1]);
		} else {
			for (size_t i = 0; i < sizeof(sysfmts) / sizeof(sysfmts[0]); i++)
				if (strcmp(sysfmts[i].name, name) == 0) {
					fmt = sysfmts[i].args;
					break;
				}
		}
	}
	for (int i = 0; i < 6 && fmt[i]; i++) {
		if (i)
			bput(&b, ", ");
		put_arg(&b, fmt[i], args[i]);
	}
	bput(&b, ")");
	return buf;
}

char *cdl_render_duration(char *buf, size_t n, int64_t ms)
{
	if (n == 0)
		return buf;
	if (ms < 0)
		snprintf(buf, n, "?");
	else if (ms < 1000)
		snprintf(buf, n, "%" PRId64 " ms", ms);
	else if (ms < 60 * 1000)
		snprintf(buf, n, "%" PRId64 ".%" PRId64 " s", ms / 1000, ms % 1000 / 100);
	else if (ms < 3600 * 1000)
		snprintf(buf, n, "%" PRId64 " min %" PRId64 " s", ms / 60000, ms / 1000 % 60);
	else if (ms < 86400 * (int64_t)1000)
		snprintf(buf, n, "%" PRId64 " h %" PRId64 " min", ms / 3600000, ms / 60000 % 60);
	else
		snprintf(buf, n, "%" PRId64 " d %" PRId64 " h", ms / 86400000, ms / 3600000 % 24);
	return buf;
}
