/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-cpython.c - CPython 3.11's frames walked over synthetic memory
 * (cdl_py_walk), the location table (cdl_py_line311), and the waits the
 * frames explain (cdl_cpython_classify): no process, no DWARF. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpython.h"
#include "rawcap.h"
#include "snapshot.h"

#define BASE 0x10000000ull
#define SIZE 0x10000u
#define RUNTIME (BASE + 0x100)
#define INTERP (BASE + 0x200)
#define TS1 (BASE + 0x400)
#define TS2 (BASE + 0x600)
#define CFRAME1 (BASE + 0x800)
#define CFRAME2 (BASE + 0x840)
#define FR_A (BASE + 0x1000)     /* innermost of thread 1: Condition.wait */
#define FR_B (BASE + 0x1100)     /* its caller: Queue.get, an entry frame */
#define FR_C (BASE + 0x1200)     /* thread 2: first */
#define CODE_A (BASE + 0x2000)
#define CODE_B (BASE + 0x2200)
#define CODE_C (BASE + 0x2400)
#define STRS (BASE + 0x4000)
#define LINES (BASE + 0x6000)
#define WEAKREF (BASE + 0x7000)
#define LOCKOBJ (BASE + 0x7100)
#define SEM 0x7f0000001000ull
#define CODE_TYPE 0x954440ull
#define STR_TYPE 0x953980ull

static unsigned char mem[SIZE];
static uint64_t str_next;

static size_t rd(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	if (addr < BASE || addr >= BASE + SIZE)
		return 0;
	if (len > BASE + SIZE - addr)
		len = (size_t)(BASE + SIZE - addr);
	memcpy(buf, mem + (addr - BASE), len);
	return len;
}

static void put64(uint64_t addr, uint64_t v)
{
	memcpy(mem + (addr - BASE), &v, sizeof(v));
}

static void put32(uint64_t addr, uint32_t v)
{
	memcpy(mem + (addr - BASE), &v, sizeof(v));
}

/* a compact ASCII str */
static uint64_t str(const char *s)
{
	uint64_t a = str_next;

	put64(a + 8, STR_TYPE);
	put64(a + 16, strlen(s));
	put32(a + 32, 0x20 | 0x40 | (1u << 2) | 0x80);
	memcpy(mem + (a + 48 - BASE), s, strlen(s) + 1);
	str_next += (48 + strlen(s) + 16) & ~15ull;
	return a;
}

/* entries of 3.11's location table: 3 units at line 10 (no column, +0),
 * 2 at 15 (+5), 1 at 16 (one-line form +1), 1 at 13 (long form -3),
 * 1 without a location */
static const unsigned char table[] = {
	0x80 | 13 << 3 | 2, 0x00,
	0x80 | 13 << 3 | 1, 0x0a,
	0x80 | 11 << 3 | 0, 0x01, 0x02,
	0x80 | 14 << 3 | 0, 0x07, 0x00, 0x01, 0x02,
	0x80 | 15 << 3 | 0,
};

static void code(uint64_t addr, const char *qualname, const char *file, int first)
{
	put64(addr + 8, CODE_TYPE);
	put32(addr + 72, (uint32_t)first);
	put64(addr + 112, str(file));
	put64(addr + 120, str(qualname));
	put64(addr + 128, str(qualname));
	put64(addr + 136, LINES);
}

/* a frame running code unit `unit` of its code */
static void frame(uint64_t addr, uint64_t code_addr, uint64_t previous, unsigned unit, bool entry)
{
	put64(addr + 32, code_addr);
	put64(addr + 48, previous);
	put64(addr + 56, code_addr + 184 + 2 * unit);
	mem[addr + 68 - BASE] = entry;
}

static void world(void)
{
	memset(mem, 0, sizeof(mem));
	str_next = STRS;
	put64(RUNTIME + 0x28, INTERP);
	put64(INTERP + 0x10, TS1);
	/* thread 1: Condition.wait <- Queue.get */
	put64(TS1 + 8, TS2);
	put64(TS1 + 16, INTERP);
	put64(TS1 + 56, CFRAME1);
	put64(TS1 + 160, 101);
	put64(CFRAME1 + 8, FR_A);
	/* thread 2: first, its tstate lock the semaphore SEM */
	put64(TS2 + 16, INTERP);
	put64(TS2 + 56, CFRAME2);
	put64(TS2 + 160, 102);
	put64(TS2 + 192, WEAKREF);
	put64(WEAKREF + 16, LOCKOBJ);
	put64(LOCKOBJ + 16, SEM);
	put64(CFRAME2 + 8, FR_C);
	put64(LINES + 16, sizeof(table));
	memcpy(mem + (LINES + 32 - BASE), table, sizeof(table));
	code(CODE_A, "Condition.wait", "/usr/lib/python3.11/threading.py", 10);
	code(CODE_B, "Queue.get", "/usr/lib/python3.11/queue.py", 10);
	code(CODE_C, "first", "/srv/app.py", 10);
	frame(FR_A, CODE_A, FR_B, 4, false);
	frame(FR_B, CODE_B, 0, 5, true);
	frame(FR_C, CODE_C, 0, 0, true);
}

static struct cdl_py_target target(void)
{
	return (struct cdl_py_target){ cdl_py_layout_for(0x030b02f0), RUNTIME, CODE_TYPE, STR_TYPE };
}

START_TEST(layouts_and_lines)
{
	ck_assert_ptr_nonnull(cdl_py_layout_for(0x030b02f0));
	ck_assert_ptr_nonnull(cdl_py_layout_for(0x030b07f0));
	ck_assert_ptr_null(cdl_py_layout_for(0x030c01f0));
	ck_assert_ptr_null(cdl_py_layout_for(0x030a0df0));
	ck_assert_int_eq(cdl_py_line311(table, sizeof(table), 10, 0), 10);
	ck_assert_int_eq(cdl_py_line311(table, sizeof(table), 10, 2), 10);
	ck_assert_int_eq(cdl_py_line311(table, sizeof(table), 10, 3), 15);
	ck_assert_int_eq(cdl_py_line311(table, sizeof(table), 10, 4), 15);
	ck_assert_int_eq(cdl_py_line311(table, sizeof(table), 10, 5), 16);
	ck_assert_int_eq(cdl_py_line311(table, sizeof(table), 10, 6), 13);
	ck_assert_int_eq(cdl_py_line311(table, sizeof(table), 10, 7), 0);
	ck_assert_int_eq(cdl_py_line311(table, sizeof(table), 10, 8), 0);
}
END_TEST

START_TEST(walk)
{
	struct cdl_rawcap *rc = cdl_rawcap_new();
	struct cdl_py_target tg = target();

	world();
	ck_assert_int_eq(cdl_py_walk(&tg, rd, NULL, rc), 2);
	ck_assert_uint_eq(rc->npythreads, 2);
	ck_assert_int_eq(rc->pythreads[0].tid, 101);
	ck_assert_uint_eq(rc->pythreads[0].nframes, 2);
	ck_assert_str_eq(rc->pythreads[0].frames[0].function, "Condition.wait");
	ck_assert_str_eq(rc->pythreads[0].frames[0].file, "/usr/lib/python3.11/threading.py");
	ck_assert_int_eq(rc->pythreads[0].frames[0].line, 15);
	ck_assert(!rc->pythreads[0].frames[0].entry);
	ck_assert_str_eq(rc->pythreads[0].frames[1].function, "Queue.get");
	ck_assert_int_eq(rc->pythreads[0].frames[1].line, 16);
	ck_assert(rc->pythreads[0].frames[1].entry);
	ck_assert_uint_eq(rc->pythreads[0].sentinel, 0);
	ck_assert_int_eq(rc->pythreads[1].tid, 102);
	ck_assert_uint_eq(rc->pythreads[1].sentinel, SEM);
	cdl_rawcap_free(rc);

	/* not a code object: the walk stops there, no guess */
	rc = cdl_rawcap_new();
	put64(CODE_B + 8, CODE_TYPE + 8);
	ck_assert_int_eq(cdl_py_walk(&tg, rd, NULL, rc), 2);
	ck_assert_uint_eq(rc->pythreads[0].nframes, 1);
	cdl_rawcap_free(rc);

	/* a thread state of another interpreter: not this layout */
	rc = cdl_rawcap_new();
	put64(TS1 + 16, INTERP + 8);
	ck_assert_int_eq(cdl_py_walk(&tg, rd, NULL, rc), -EINVAL);
	ck_assert_uint_eq(rc->npythreads, 0);
	cdl_rawcap_free(rc);
}
END_TEST

static void native(struct cdl_thread *t, const char *fn)
{
	struct cdl_frame *f = cdl_thread_add_frame(t);

	f->function = fn;
	f->pc = 0x400000 + t->nframes;
}

/* a thread in a semaphore wait from PyThread_acquire_lock_timed, called
 * by `caller` (NULL: unnamed), under one eval loop */
static struct cdl_thread *waiter(struct cdl_snapshot *s, int tid, uint64_t sem, const char *caller)
{
	struct cdl_thread *t = cdl_snapshot_add_thread(s, tid);

	t->has_wait = true;
	t->in_syscall = true;
	t->syscall_args[0] = sem;
	t->wait.kind = CDL_WAIT_SEMAPHORE;
	t->wait.address = t->wait.futex = sem;
	t->wait.owner_frame = -1;
	t->wait.readers = -1;
	native(t, "__new_sem_wait");
	native(t, "PyThread_acquire_lock_timed");
	native(t, caller);
	native(t, "_PyEval_EvalFrameDefault");
	native(t, "thread_run");
	return t;
}

START_TEST(classify)
{
	struct cdl_rawcap *rc = cdl_rawcap_new();
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_py_target tg = target();
	struct cdl_thread *t;

	world();
	ck_assert_int_eq(cdl_py_walk(&tg, rd, NULL, rc), 2);
	waiter(s, 101, 0x7f0000002000ull, "lock_PyThread_acquire_lock");
	waiter(s, 102, 0x7f0000003000ull, "lock_PyThread_acquire_lock");
	waiter(s, 103, SEM, "lock_PyThread_acquire_lock");
	cdl_cpython_classify(s, rc);
	/* Condition.wait in Queue.get: idle, frames above the eval loop */
	t = &s->threads[0];
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_CONDVAR);
	ck_assert_str_eq(t->wait.detail, "CPython threading.Condition.wait in Queue.get");
	ck_assert_uint_eq(t->nframes, 7);
	ck_assert(t->frames[3].python && t->frames[4].python);
	ck_assert_str_eq(t->frames[3].function, "Condition.wait");
	ck_assert_str_eq(t->frames[5].function, "_PyEval_EvalFrameDefault");
	/* a Lock from user code: a lock that records no owner */
	t = &s->threads[1];
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_MUTEX);
	ck_assert(t->wait.flags & CDL_WAITF_OWNER_UNKNOWN);
	ck_assert_str_eq(t->wait.detail, "CPython threading.Lock");
	ck_assert_int_eq(s->nwarnings, 0);
	cdl_snapshot_free(s);

	/* without names for the C caller: nothing decided, a warning */
	s = cdl_snapshot_new();
	waiter(s, 102, 0x7f0000003000ull, NULL);
	cdl_cpython_classify(s, rc);
	ck_assert_int_eq(s->threads[0].wait.kind, CDL_WAIT_SEMAPHORE);
	ck_assert_int_eq(s->nwarnings, 1);
	cdl_snapshot_free(s);

	/* RLock and SimpleQueue */
	s = cdl_snapshot_new();
	waiter(s, 102, 0x7f0000003000ull, "rlock_acquire");
	cdl_cpython_classify(s, rc);
	ck_assert_int_eq(s->threads[0].wait.kind, CDL_WAIT_FUTEX);
	ck_assert(!(s->threads[0].wait.flags & CDL_WAITF_OWNER_UNKNOWN));
	cdl_snapshot_free(s);
	s = cdl_snapshot_new();
	waiter(s, 102, 0x7f0000003000ull, "_queue_SimpleQueue_get_impl");
	cdl_cpython_classify(s, rc);
	ck_assert_int_eq(s->threads[0].wait.kind, CDL_WAIT_SEMAPHORE);
	ck_assert_str_eq(s->threads[0].wait.detail, "CPython queue.SimpleQueue.get");
	cdl_snapshot_free(s);
	cdl_rawcap_free(rc);
}
END_TEST

START_TEST(join)
{
	struct cdl_rawcap *rc = cdl_rawcap_new();
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_py_target tg = target();
	struct cdl_thread *t;

	world();
	/* thread 101 joins 102: it waits on 102's tstate lock */
	code(CODE_A, "Thread._wait_for_tstate_lock", "/usr/lib/python3.11/threading.py", 10);
	ck_assert_int_eq(cdl_py_walk(&tg, rd, NULL, rc), 2);
	waiter(s, 101, SEM, "lock_PyThread_acquire_lock");
	cdl_cpython_classify(s, rc);
	t = &s->threads[0];
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_JOIN);
	ck_assert_int_eq(t->wait.owner_tid, 102);
	cdl_snapshot_free(s);
	cdl_rawcap_free(rc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpython");
	TCase *tc = tcase_create("cpython");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, layouts_and_lines);
	tcase_add_test(tc, walk);
	tcase_add_test(tc, classify);
	tcase_add_test(tc, join);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
