/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-classify.c - the glibc classifier over synthetic snapshots and a
 * synthetic memory image laid out like glibc 2.36 on x86-64 (no ptrace). */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify-world.h"
#include "libc.h"
#include "memimg.h"
#include "snapshot.h"

#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"

struct world {
	struct cdl_snapshot *s;
	unsigned char data[4096];        /* copied at DATA */
	unsigned char pd[16][2368];
	unsigned char stack[16][4096];
	int tids[16];
	size_t n;
	struct cdl_libc_layout l;
};

static void w_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->s = cdl_snapshot_new();
	ck_assert_ptr_nonnull(w->s);
	cdl_libc_layout_for(&w->l, 2, 36);
}

/* A thread with its struct pthread at PD(i). */
static struct cdl_thread *w_thread(struct world *w, int tid)
{
	size_t i = w->n++;
	struct cdl_thread *t = cdl_snapshot_add_thread(w->s, tid);

	ck_assert_uint_lt(i, sizeof(w->tids) / sizeof(w->tids[0]));

	w->tids[i] = tid;
	memcpy(&w->pd[i][720], &tid, 4);
	t->thread_pointer = PD(i);
	t->state = 'S';
	return t;
}

static struct cdl_thread *w_find(struct world *w, int tid)
{
	return cdl_snapshot_find_thread(w->s, tid);
}

/* Copy the world's memory into the snapshot and classify. */
static void w_classify(struct world *w)
{
	world_memory(w->s, w->data, sizeof(w->data), w->pd[0], sizeof(w->pd[0]),
		     w->stack[0], sizeof(w->stack[0]), w->n);
	cdl_libc_classify(w->s, &w->l);
}

static void w_free(struct world *w)
{
	cdl_snapshot_free(w->s);
}

START_TEST(layout_table)
{
	struct cdl_libc_layout l;

	ck_assert(cdl_libc_layout_for(&l, 2, 36));
	ck_assert(l.known);
	ck_assert_uint_eq(l.pthread_tid, 720);
	ck_assert_uint_eq(l.pthread_cleanup, 760);
	ck_assert_uint_eq(l.pthread_joinid, 1568);
	ck_assert_uint_eq(l.pthread_size, 2368);
	ck_assert(l.rwlock_new);
	ck_assert_int_eq(l.cond_gen, 1);

	ck_assert(cdl_libc_layout_for(&l, 2, 17));
	ck_assert_uint_eq(l.pthread_tid, 720);
	ck_assert_uint_eq(l.pthread_joinid, 1576);
	ck_assert_uint_eq(l.pthread_size, 2304);
	ck_assert(!l.rwlock_new);
	ck_assert_int_eq(l.cond_gen, 0);

	ck_assert(cdl_libc_layout_for(&l, 2, 35));
	ck_assert_uint_eq(l.pthread_joinid, 1576);
	ck_assert_uint_eq(l.pthread_size, 2496);
	ck_assert(l.rwlock_new);

	ck_assert(cdl_libc_layout_for(&l, 2, 41));
	ck_assert_int_eq(l.cond_gen, 2);
	ck_assert(cdl_libc_layout_for(&l, 2, 42));

	ck_assert(!cdl_libc_layout_for(&l, 2, 43));
	ck_assert(!l.known);
	ck_assert(!cdl_libc_layout_for(&l, 2, 16));
	ck_assert(!cdl_libc_layout_for(&l, 0, 0));    /* release unknown */
	ck_assert(!l.known);
	ck_assert_uint_eq(l.pthread_tid, 720);         /* best guess filled */
}
END_TEST

/* GLib's GMutex waits through syscall(2): never a glibc mutex, never an
 * owner, even when the next word is a tid of the process and +16 looks
 * like a sane __kind.  A plain futex through syscall(2) has no name. */
START_TEST(gmutex_has_no_owner)
{
	struct world w;
	struct cdl_thread *t;

	w_init(&w);
	put32(w.data, 0, 2);                 /* GMutex a: contended */
	put32(w.data, 8, 200);               /* the next object: a tid */
	t = w_thread(&w, 100);
	futex_call(t, DATA, 0x80, 2);
	frame(w.s, t, "syscall", LIBC);
	frame(w.s, t, "g_io_channel_unix_get_fd", "/lib/x86_64-linux-gnu/libglib-2.0.so.0.7400.6");
	frame(w.s, t, "worker", "/usr/bin/app");
	w_thread(&w, 200);
	t = w_thread(&w, 300);               /* some other futex user */
	futex_call(t, DATA + 64, 0x80, 0);
	frame(w.s, t, "syscall", LIBC);
	frame(w.s, t, "my_event_wait", "/usr/bin/app");
	w_classify(&w);

	t = w_find(&w, 100);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_FUTEX);
	ck_assert_int_eq(t->wait.owner_tid, 0);
	ck_assert_str_eq(t->wait.detail, "GLib GMutex");
	ck_assert(t->wait.flags & CDL_WAITF_OWNER_UNKNOWN);
	t = w_find(&w, 300);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_FUTEX);
	ck_assert_int_eq(t->wait.owner_tid, 0);
	ck_assert_ptr_null(t->wait.detail);
	ck_assert(!(t->wait.flags & CDL_WAITF_OWNER_UNKNOWN));
	w_free(&w);
}
END_TEST

#define LIBGLIB "/lib/x86_64-linux-gnu/libglib-2.0.so.0.7400.6"

/* A thread of w waiting through syscall(2) from the libglib function fn
 * (NULL: the unnamed static lock slow path), called from "worker". */
static struct cdl_thread *glib_waiter(struct world *w, int tid, uint64_t uaddr, uint64_t op,
				      uint64_t val, const char *fn)
{
	struct cdl_thread *t = w_thread(w, tid);

	futex_call(t, uaddr, op, val);
	frame(w->s, t, "syscall", LIBC);
	frame(w->s, t, fn ? fn : "", LIBGLIB);
	if (!fn)
		t->frames[t->nframes - 1].function = NULL;
	frame(w->s, t, "worker", "/usr/bin/app");
	return t;
}

/* GCond: the word after its pointer, any count (2 too), is an idle wait;
 * the relock of a woken waiter (the slow path above syscall, g_cond_wait
 * further up) is a GMutex; a bit lock records no owner; another op or a
 * bit lock word of 0 is no GLib object. */
START_TEST(glib_objects)
{
	struct world w;
	struct cdl_thread *t;

	w_init(&w);
	put32(w.data, 8, 2);                 /* GCond at DATA: i[0] = 2 */
	put32(w.data, 64, 2);                /* GMutex at DATA + 64 */
	put32(w.data, 128, 1);               /* bit lock word: bit 0 */
	glib_waiter(&w, 100, DATA + 8, 0x80, 2, "g_cond_wait");
	t = glib_waiter(&w, 101, DATA + 8, 0x80, 2, "g_cond_wait_until");
	t->syscall_args[3] = STACK(1) + 64;  /* a timeout */
	t = w_thread(&w, 102);               /* woken, relocking its GMutex */
	futex_call(t, DATA + 64, 0x80, 2);
	frame(w.s, t, "syscall", LIBC);
	frame(w.s, t, "", LIBGLIB);
	t->frames[1].function = NULL;
	frame(w.s, t, "g_cond_wait", LIBGLIB);
	frame(w.s, t, "worker", "/usr/bin/app");
	glib_waiter(&w, 103, DATA + 128, 0x80, 1, "g_bit_lock");
	t = glib_waiter(&w, 104, DATA + 128, 0x80, 1, "g_futex_wait");
	t->frames[1].inlined = true;         /* with debug info: inlined */
	t->frames[2].function = cdl_snapshot_intern(w.s, "g_pointer_bit_lock");
	t->frames[2].module = cdl_snapshot_intern(w.s, LIBGLIB);
	glib_waiter(&w, 105, DATA + 128, 0x80, 0, "g_bit_lock");
	glib_waiter(&w, 106, DATA + 8, 0x89, 2, "g_cond_wait");
	glib_waiter(&w, 107, DATA + 8, 0x80, 2, "g_cond_signal_not_a_wait");
	w_classify(&w);

	for (int tid = 100; tid <= 101; tid++) {
		t = w_find(&w, tid);
		ck_assert_int_eq(t->wait.kind, CDL_WAIT_CONDVAR);
		ck_assert_str_eq(t->wait.detail, "GLib GCond");
		ck_assert_uint_eq(t->wait.address, DATA);
		ck_assert_uint_eq(t->wait.futex, DATA + 8);
		ck_assert_int_eq(t->wait.owner_tid, 0);
		ck_assert(!(t->wait.flags & CDL_WAITF_OWNER_UNKNOWN));
		ck_assert_int_eq(!!(t->wait.flags & CDL_WAITF_TIMED), tid == 101);
		ck_assert(cdl_wait_kind_info(t->wait.kind)->idle);
	}
	t = w_find(&w, 102);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_FUTEX);
	ck_assert_str_eq(t->wait.detail, "GLib GMutex");
	ck_assert(t->wait.flags & CDL_WAITF_OWNER_UNKNOWN);
	t = w_find(&w, 103);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_FUTEX);
	ck_assert_str_eq(t->wait.detail, "GLib g_bit_lock");
	ck_assert(t->wait.flags & CDL_WAITF_OWNER_UNKNOWN);
	ck_assert_int_eq(t->wait.owner_tid, 0);
	t = w_find(&w, 104);
	ck_assert_str_eq(t->wait.detail, "GLib g_pointer_bit_lock");
	ck_assert(t->wait.flags & CDL_WAITF_OWNER_UNKNOWN);
	for (int tid = 105; tid <= 107; tid++) {
		t = w_find(&w, tid);
		ck_assert_int_eq(t->wait.kind, CDL_WAIT_FUTEX);
		ck_assert_ptr_null(t->wait.detail);
		ck_assert(!(t->wait.flags & CDL_WAITF_OWNER_UNKNOWN));
		ck_assert_int_eq(t->wait.owner_tid, 0);
	}
	w_free(&w);
}
END_TEST

/* GRecMutex and GRWLock are the libc's objects: the GLib frame right above
 * the libc's names them, the owner stays the libc's; a GLib frame further
 * up, or one of the other object, names nothing. */
START_TEST(glib_names_libc_objects)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	static const struct {
		enum cdl_wait_kind kind;
		const char *fn, *user, *want;
	} rows[] = {
		{ CDL_WAIT_MUTEX, "g_rec_mutex_lock", NULL, "GLib GRecMutex" },
		{ CDL_WAIT_RWLOCK_READ, "g_rw_lock_reader_lock", NULL, "GLib GRWLock" },
		{ CDL_WAIT_RWLOCK_WRITE, "g_rw_lock_writer_lock", NULL, "GLib GRWLock" },
		{ CDL_WAIT_RWLOCK_WRITE, "g_rw_lock_reader_lock", NULL, NULL },
		{ CDL_WAIT_MUTEX, "g_rec_mutex_lock", "callback", NULL },
		{ CDL_WAIT_MUTEX, "g_main_context_iteration", NULL, NULL },
	};

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct cdl_thread *t = cdl_snapshot_add_thread(s, 100 + (int)i);

		t->has_wait = true;
		t->wait.kind = rows[i].kind;
		t->wait.owner_tid = 42;
		frame(s, t, "__futex_abstimed_wait_common", LIBC);
		frame(s, t, "pthread_rwlock_rdlock", LIBC);
		if (rows[i].user)
			frame(s, t, rows[i].user, "/usr/bin/app");
		frame(s, t, rows[i].fn, LIBGLIB);
		frame(s, t, "main", "/usr/bin/app");
	}
	cdl_runtime_classify(s);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct cdl_thread *t = cdl_snapshot_find_thread(s, 100 + (int)i);

		if (rows[i].want)
			ck_assert_str_eq(t->wait.detail, rows[i].want);
		else
			ck_assert_ptr_null(t->wait.detail);
		ck_assert_int_eq(t->wait.owner_tid, 42);
		ck_assert_int_eq(t->wait.kind, rows[i].kind);
	}
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(mutex_kinds)
{
	struct world w;
	uint64_t m0 = DATA, m1 = DATA + 64, m2 = DATA + 128, m3 = DATA + 192;

	w_init(&w);
	/* normal mutex held by 200 */
	put32(w.data, 0, 2);
	put32(w.data, 8, 200);
	put32(w.data, 12, 1);
	futex_call(w_thread(&w, 100), m0, 0x80, 2);
	w_thread(&w, 200);
	/* recursive, held by 100 */
	put32(w.data, 64, 2);
	put32(w.data, 64 + 8, 100);
	put32(w.data, 64 + 16, 1);
	futex_call(w_thread(&w, 300), m1, 0x80, 2);
	/* errorcheck, locked, owner not yet written */
	put32(w.data, 128, 2);
	put32(w.data, 128 + 16, 2);
	futex_call(w_thread(&w, 400), m2, 0x80, 2);
	/* process-shared adaptive, timed (clocklock) */
	put32(w.data, 192, 2);
	put32(w.data, 192 + 8, 4242);
	put32(w.data, 192 + 16, 128 | 3);
	{
		struct cdl_thread *t = w_thread(&w, 500);
		futex_call(t, m3, 0x9, 2);
		t->syscall_args[3] = 0x7ffc0000;
	}
	w_classify(&w);

	struct cdl_thread *t = w_find(&w, 100);
	ck_assert(t->has_wait);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_uint_eq(t->wait.address, m0);
	ck_assert_uint_eq(t->wait.futex, m0);
	ck_assert_int_eq(t->wait.owner_tid, 200);
	ck_assert_uint_eq(t->wait.flags, 0);

	t = w_find(&w, 300);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_int_eq(t->wait.owner_tid, 100);
	ck_assert_uint_eq(t->wait.flags, CDL_WAITF_RECURSIVE);

	t = w_find(&w, 400);
	ck_assert_int_eq(t->wait.owner_tid, 0);
	ck_assert_uint_eq(t->wait.flags, CDL_WAITF_ERRORCHECK | CDL_WAITF_OWNER_UNKNOWN);

	t = w_find(&w, 500);
	ck_assert_int_eq(t->wait.owner_tid, 4242);
	ck_assert_uint_eq(t->wait.flags, CDL_WAITF_PSHARED | CDL_WAITF_TIMED);

	ck_assert(!w_find(&w, 200)->has_wait);
	ck_assert_uint_eq(w.s->nwarnings, 0);
	w_free(&w);
}
END_TEST

START_TEST(robust_and_pi)
{
	struct world w;
	uint64_t rm = DATA, pm = DATA + 64;

	w_init(&w);
	put32(w.data, 0, 200 | 0x80000000u);
	put32(w.data, 8, 200);
	put32(w.data, 16, 16);
	futex_call(w_thread(&w, 100), rm, 0, 200 | 0x80000000u);
	put32(w.data, 64, 100 | 0x80000000u);
	put32(w.data, 64 + 8, 100);
	put32(w.data, 64 + 16, 32);
	futex_call(w_thread(&w, 200), pm, 0x86, 0);
	w_classify(&w);

	struct cdl_thread *t = w_find(&w, 100);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_int_eq(t->wait.owner_tid, 200);
	ck_assert_uint_eq(t->wait.flags, CDL_WAITF_ROBUST);
	t = w_find(&w, 200);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_int_eq(t->wait.owner_tid, 100);
	ck_assert_uint_eq(t->wait.flags, CDL_WAITF_PI);
	ck_assert_uint_eq(t->wait.address, pm);
	w_free(&w);
}
END_TEST

START_TEST(join_maps_to_thread)
{
	struct world w;

	w_init(&w);
	w_thread(&w, 100);
	futex_call(w_thread(&w, 200), PD(0) + 720, 0x109, 100);
	w_classify(&w);

	struct cdl_thread *t = w_find(&w, 200);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_JOIN);
	ck_assert_int_eq(t->wait.owner_tid, 100);
	ck_assert_uint_eq(t->wait.address, PD(0));
	ck_assert_uint_eq(t->wait.futex, PD(0) + 720);
	w_free(&w);
}
END_TEST

START_TEST(condvar_and_semaphore_from_cleanup)
{
	struct world w;
	uint64_t cond = DATA + 256, mutex = DATA + 512, sem = DATA + 1024;
	uint64_t buf = STACK(0) + 0x800, cbuf = STACK(0) + 0x900;

	w_init(&w);
	/* thread 100: pthread_cond_wait on g_signals[1] */
	put64(w.pd[0], 760, buf);
	put64(w.stack[0], 0x800 + 8, cbuf);
	put64(w.stack[0], 0x900 + 8, cond);
	put64(w.stack[0], 0x900 + 16, mutex);
	futex_call(w_thread(&w, 100), cond + 44, 0x189, 0);
	/* thread 200: sem_wait */
	put64(w.pd[1], 760, STACK(1) + 0x100);
	put64(w.stack[1], 0x100 + 8, sem);
	futex_call(w_thread(&w, 200), sem, 0x189, 0);
	w_classify(&w);

	struct cdl_thread *t = w_find(&w, 100);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_CONDVAR);
	ck_assert_uint_eq(t->wait.address, cond);
	ck_assert_uint_eq(t->wait.futex, cond + 44);
	ck_assert_uint_eq(t->wait.mutex, mutex);
	ck_assert_int_eq(t->wait.owner_tid, 0);
	t = w_find(&w, 200);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_SEMAPHORE);
	ck_assert_uint_eq(t->wait.address, sem);
	ck_assert_int_eq(t->wait.owner_tid, 0);
	w_free(&w);
}
END_TEST

START_TEST(condvar_from_frames_and_relock)
{
	struct world w;
	struct cdl_thread *t;
	uint64_t cond = DATA + 256, mutex = DATA + 512;

	w_init(&w);
	/* no cleanup chain captured: the frames say condvar; __wrefs shows a
	 * waiter */
	put32(w.data, 256 + 36, 1 << 3);
	t = w_thread(&w, 100);
	futex_call(t, cond + 40, 0x189, 0);
	frame(w.s, t, "__futex_abstimed_wait_common", LIBC);
	frame(w.s, t, "pthread_cond_wait", LIBC);
	frame(w.s, t, "consumer", "/tmp/a.out");
	/* after the wakeup, the relock of the mutex is a mutex wait */
	put32(w.data, 512, 2);
	put32(w.data, 512 + 8, 100);
	t = w_thread(&w, 200);
	futex_call(t, mutex, 0x80, 2);
	frame(w.s, t, "__lll_lock_wait", LIBC);
	frame(w.s, t, "__pthread_mutex_cond_lock", LIBC);
	frame(w.s, t, "pthread_cond_wait", LIBC);
	w_classify(&w);

	t = w_find(&w, 100);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_CONDVAR);
	ck_assert_uint_eq(t->wait.address, cond);
	t = w_find(&w, 200);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_int_eq(t->wait.owner_tid, 100);
	w_free(&w);
}
END_TEST

START_TEST(rwlock_rows)
{
	struct world w;
	struct cdl_thread *t;
	uint64_t r1 = DATA, r2 = DATA + 128;

	w_init(&w);
	/* r1 write-locked by 300: a reader waits on __wrphase_futex (3) and
	 * a writer on __writers_futex (3) */
	put32(w.data, 0, 1 | 2);             /* WRPHASE | WRLOCKED */
	put32(w.data, 8, 3);
	put32(w.data, 12, 3);
	put32(w.data, 24, 300);
	t = w_thread(&w, 100);
	futex_call(t, r1 + 8, 0x189, 3);
	frame(w.s, t, "pthread_rwlock_rdlock", LIBC);
	t = w_thread(&w, 200);
	futex_call(t, r1 + 12, 0x189, 3);
	frame(w.s, t, "pthread_rwlock_wrlock", LIBC);
	/* the same reader seen without frames */
	t = w_thread(&w, 250);
	futex_call(t, r1 + 8, 0x189, 3);
	w_thread(&w, 300);
	/* r2: two readers hold it; the primary writer waits for them */
	put32(w.data, 128, (2u << 3) | 2);
	put32(w.data, 128 + 8, 2);
	t = w_thread(&w, 400);
	futex_call(t, r2 + 8, 0x189, 2);
	frame(w.s, t, "pthread_rwlock_wrlock", LIBC);
	w_classify(&w);

	t = w_find(&w, 100);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_RWLOCK_READ);
	ck_assert_uint_eq(t->wait.address, r1);
	ck_assert_int_eq(t->wait.owner_tid, 300);
	t = w_find(&w, 200);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_RWLOCK_WRITE);
	ck_assert_uint_eq(t->wait.address, r1);
	ck_assert_int_eq(t->wait.owner_tid, 300);
	t = w_find(&w, 250);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_RWLOCK_READ);
	ck_assert_int_eq(t->wait.owner_tid, 300);
	t = w_find(&w, 400);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_RWLOCK_WRITE);
	ck_assert_uint_eq(t->wait.address, r2);
	ck_assert_int_eq(t->wait.owner_tid, 0);
	ck_assert_uint_eq(t->wait.flags & CDL_WAITF_READERS, CDL_WAITF_READERS);
	ck_assert_int_eq(t->wait.readers, 2);
	w_free(&w);
}
END_TEST

START_TEST(stdio_lock_owner_is_a_pd)
{
	struct world w;

	w_init(&w);
	put32(w.data, 0, 2);
	put32(w.data, 4, 1);
	put64(w.data, 8, PD(1));
	futex_call(w_thread(&w, 100), DATA, 0x80, 2);
	w_thread(&w, 200);
	w_classify(&w);

	struct cdl_thread *t = w_find(&w, 100);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_int_eq(t->wait.owner_tid, 200);
	ck_assert_uint_eq(t->wait.flags, CDL_WAITF_LIBC_INTERNAL);
	w_free(&w);
}
END_TEST

START_TEST(other_syscalls)
{
	struct world w;
	struct cdl_thread *t;

	w_init(&w);
	t = w_thread(&w, 1);
	t->in_syscall = true;
	t->syscall_nr = 230;
	t = w_thread(&w, 2);
	t->in_syscall = true;
	t->syscall_nr = 0;
	t = w_thread(&w, 3);
	t->state = 'R';
	t = w_thread(&w, 4);
	t->in_syscall = true;
	t->syscall_nr = 34;
	t = w_thread(&w, 5);                  /* a futex nobody knows: no memory */
	futex_call(t, 0x600000, 0x80, 5);
	t = w_thread(&w, 6);                  /* a timed mutex wait being restarted */
	put32(w.data, 0, 2);
	put32(w.data, 8, 1);
	futex_call(t, DATA, 0x189, 2);
	t->syscall_nr = 219;
	t = w_thread(&w, 7);                  /* restart of clock_nanosleep */
	t->in_syscall = true;
	t->syscall_nr = 219;
	t->syscall_args[0] = 1;
	t = w_thread(&w, 8);
	t->in_syscall = true;
	t->syscall_nr = 39;
	t = w_thread(&w, 9);                  /* restart of poll(fds, 0, 2): not a futex */
	futex_call(t, DATA, 0, 2);
	t->syscall_nr = 219;
	t->wchan = cdl_snapshot_intern(w.s, "do_sys_poll");
	w_classify(&w);

	ck_assert_int_eq(w_find(&w, 1)->wait.kind, CDL_WAIT_SLEEP);
	ck_assert_str_eq(w_find(&w, 1)->wait.detail, "clock_nanosleep");
	ck_assert_int_eq(w_find(&w, 2)->wait.kind, CDL_WAIT_IO);
	ck_assert_str_eq(w_find(&w, 2)->wait.detail, "read");
	ck_assert(!w_find(&w, 3)->has_wait);
	ck_assert_int_eq(w_find(&w, 4)->wait.kind, CDL_WAIT_SLEEP);
	ck_assert_int_eq(w_find(&w, 5)->wait.kind, CDL_WAIT_FUTEX);
	ck_assert_int_eq(w_find(&w, 5)->wait.owner_tid, 0);
	ck_assert_uint_eq(w_find(&w, 5)->wait.address, 0x600000);
	ck_assert_int_eq(w_find(&w, 6)->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_int_eq(w_find(&w, 6)->wait.owner_tid, 1);
	ck_assert_uint_eq(w_find(&w, 6)->wait.flags, CDL_WAITF_TIMED);
	ck_assert_int_eq(w_find(&w, 7)->wait.kind, CDL_WAIT_SLEEP);
	ck_assert_int_eq(w_find(&w, 8)->wait.kind, CDL_WAIT_OTHER);
	ck_assert_int_eq(w_find(&w, 9)->wait.kind, CDL_WAIT_IO);
	ck_assert_int_eq(w_find(&w, 9)->wait.owner_tid, 0);
	w_free(&w);
}
END_TEST

START_TEST(unknown_layout_leaves_owners)
{
	struct world w;

	w_init(&w);
	cdl_libc_layout_for(&w.l, 0, 0);
	put32(w.data, 0, 2);
	put32(w.data, 8, 200);
	futex_call(w_thread(&w, 100), DATA, 0x80, 2);
	w_thread(&w, 200);
	w_classify(&w);

	struct cdl_thread *t = w_find(&w, 100);
	ck_assert(t->has_wait);
	ck_assert_int_eq(t->wait.owner_tid, 0);
	ck_assert_uint_eq(t->wait.flags & CDL_WAITF_LAYOUT_UNKNOWN, CDL_WAITF_LAYOUT_UNKNOWN);
	ck_assert_uint_eq(w.s->nwarnings, 0);      /* the caller says why */
	w_free(&w);
}
END_TEST

START_TEST(failed_check_distrusts_owners)
{
	struct world w;

	w_init(&w);
	put32(w.data, 0, 2);
	put32(w.data, 8, 200);
	futex_call(w_thread(&w, 100), DATA, 0x80, 2);
	w_thread(&w, 200);
	/* no thread carries its tid at offset 720 */
	memset(w.pd, 0, sizeof(w.pd));
	w_classify(&w);

	struct cdl_thread *t = w_find(&w, 100);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_int_eq(t->wait.owner_tid, 0);
	ck_assert_uint_eq(t->wait.flags & CDL_WAITF_LAYOUT_UNKNOWN, CDL_WAITF_LAYOUT_UNKNOWN);
	ck_assert_uint_eq(w.s->nwarnings, 1);
	w_free(&w);
}
END_TEST

/* A process in its own PID namespace: struct pthread and __owner hold
 * namespace tids; owners map to host tids, an unknown one to none. */
START_TEST(namespace_tids)
{
	struct world w;
	struct cdl_thread *t;
	int ns[3] = { 4, 5, 6 };

	w_init(&w);
	put32(w.data, 0, 2);
	put32(w.data, 8, 5);             /* held by ns tid 5: host 30200 */
	put32(w.data, 64, 2);
	put32(w.data, 64 + 8, 9);        /* ns tid 9: no thread of ours */
	futex_call(w_thread(&w, 30100), DATA, 0x80, 2);
	w_thread(&w, 30200);
	futex_call(w_thread(&w, 30300), DATA + 64, 0x80, 2);
	for (size_t i = 0; i < 3; i++) {
		w.s->threads[i].ns_tid = ns[i];
		put32(w.pd[i], 720, (uint32_t)ns[i]);
	}
	w_classify(&w);

	ck_assert_uint_eq(w.s->nwarnings, 0);
	t = w_find(&w, 30100);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_int_eq(t->wait.owner_tid, 30200);
	ck_assert_int_eq(t->wait.owner_ns_tid, 5);
	t = w_find(&w, 30300);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_int_eq(t->wait.owner_tid, 0);
	ck_assert_int_eq(t->wait.owner_ns_tid, 9);
	ck_assert_uint_eq(t->wait.flags & CDL_WAITF_LAYOUT_UNKNOWN, 0);
	w_free(&w);
}
END_TEST

START_TEST(no_memory_no_owner)
{
	struct world w;
	struct cdl_thread *t;

	/* nothing of the lock was copied: the frames give the kind, no owner */
	w_init(&w);
	t = w_thread(&w, 100);
	futex_call(t, 0x500000, 0x80, 2);
	frame(w.s, t, "pthread_mutex_lock", LIBC);
	w_classify(&w);

	t = w_find(&w, 100);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_int_eq(t->wait.owner_tid, 0);
	ck_assert_uint_eq(t->wait.flags, CDL_WAITF_OWNER_UNKNOWN);
	w_free(&w);
}
END_TEST

START_TEST(pi_parked_after_edeadlk)
{
	struct world w;
	struct cdl_thread *t;
	uint64_t m = DATA;

	w_init(&w);
	/* PI mutex held by 200; 100 was refused with EDEADLK and waits on a
	 * zero word of its own stack, with &m->__kind in a register */
	put32(w.data, 0, 200);
	put32(w.data, 8, 200);
	put32(w.data, 16, 32);
	t = w_thread(&w, 100);
	t->sp = STACK(0) + 0x100;
	t->nregs = 17;
	t->regs[14] = m + 16;
	futex_call(t, STACK(0) + 0x184, 0x189, 0);
	w_thread(&w, 200);
	/* the same park, but nothing points to a PI mutex: a plain futex */
	t = w_thread(&w, 300);
	t->sp = STACK(2) + 0x100;
	futex_call(t, STACK(2) + 0x184, 0x189, 0);
	w_classify(&w);

	t = w_find(&w, 100);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_uint_eq(t->wait.address, m);
	ck_assert_uint_eq(t->wait.futex, STACK(0) + 0x184);
	ck_assert_int_eq(t->wait.owner_tid, 200);
	ck_assert_uint_eq(t->wait.flags, CDL_WAITF_PI);
	t = w_find(&w, 300);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_FUTEX);
	ck_assert_int_eq(t->wait.owner_tid, 0);
	w_free(&w);
}
END_TEST

START_TEST(join_of_a_thread_gone)
{
	struct world w;
	struct cdl_thread *t;

	/* the joinee exited (not in the snapshot): its tid is the futex
	 * value, but that is not an owner */
	w_init(&w);
	t = w_thread(&w, 100);
	futex_call(t, 0x7f0000900000ull + 720, 0x109, 4242);
	frame(w.s, t, "__futex_abstimed_wait_common", LIBC);
	frame(w.s, t, "__pthread_clockjoin_ex", LIBC);
	frame(w.s, t, "pthread_join", LIBC);
	w_classify(&w);

	t = w_find(&w, 100);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_JOIN);
	ck_assert_int_eq(t->wait.owner_tid, 0);
	ck_assert_uint_eq(t->wait.address, 0x7f0000900000ull);
	w_free(&w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("glibc");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, layout_table);
	tcase_add_test(tc, mutex_kinds);
	tcase_add_test(tc, robust_and_pi);
	tcase_add_test(tc, join_maps_to_thread);
	tcase_add_test(tc, condvar_and_semaphore_from_cleanup);
	tcase_add_test(tc, condvar_from_frames_and_relock);
	tcase_add_test(tc, rwlock_rows);
	tcase_add_test(tc, stdio_lock_owner_is_a_pd);
	tcase_add_test(tc, other_syscalls);
	tcase_add_test(tc, unknown_layout_leaves_owners);
	tcase_add_test(tc, failed_check_distrusts_owners);
	tcase_add_test(tc, namespace_tids);
	tcase_add_test(tc, no_memory_no_owner);
	tcase_add_test(tc, pi_parked_after_edeadlk);
	tcase_add_test(tc, join_of_a_thread_gone);
	tcase_add_test(tc, gmutex_has_no_owner);
	tcase_add_test(tc, glib_objects);
	tcase_add_test(tc, glib_names_libc_objects);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
