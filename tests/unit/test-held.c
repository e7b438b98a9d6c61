/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-held.c - Rust std waits recognized from their frames
 * (cdl_runtime_classify) and the rules that turn guard candidates into
 * held locks and owners (cdl_held_resolve), over synthetic snapshots:
 * no ptrace, no DWARF.  The candidates are what src/offline/guardvars.c
 * would collect from the frames' guard objects. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "analyze.h"
#include "libc.h"
#include "memimg.h"
#include "snapshot.h"

#define DATA 0x555555560000ull          /* the locks */
#define LOCK_A (DATA + 0x10)
#define LOCK_B (DATA + 0x20)
#define RW (DATA + 0x40)

struct world {
	struct cdl_snapshot *s;
	unsigned char data[256];
};

static void w_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->s = cdl_snapshot_new();
	ck_assert_ptr_nonnull(w->s);
}

static void put32(struct world *w, uint64_t addr, uint32_t v)
{
	memcpy(w->data + (addr - DATA), &v, 4);
}

static void frame(struct world *w, struct cdl_thread *t, const char *fn)
{
	struct cdl_frame *f = cdl_thread_add_frame(t);

	ck_assert_ptr_nonnull(f);
	f->function = cdl_snapshot_intern(w->s, fn);
}

/* A thread blocked in futex(uaddr, FUTEX_WAIT_BITSET_PRIVATE, val) through
 * syscall(), called from a Rust std slow path; the backend left it an
 * anonymous futex wait. */
static struct cdl_thread *rust_waiter(struct world *w, int tid, uint64_t uaddr, uint32_t val,
				      const char *slow_path)
{
	struct cdl_thread *t = cdl_snapshot_add_thread(w->s, tid);

	ck_assert_ptr_nonnull(t);
	t->in_syscall = true;
	t->syscall_nr = 202;
	t->syscall_args[0] = uaddr;
	t->syscall_args[1] = 0x89;
	t->syscall_args[2] = val;
	t->has_wait = true;
	t->wait.kind = CDL_WAIT_FUTEX;
	t->wait.address = t->wait.futex = uaddr;
	frame(w, t, "syscall");
	frame(w, t, "std::sys::pal::unix::futex::futex_wait");
	frame(w, t, slow_path);
	frame(w, t, "user::work");
	return t;
}

static void held(struct world *w, int tid, uint64_t addr, uint64_t size, const char *guard,
		 bool shared, int param, int frame_no)
{
	struct cdl_thread *t = cdl_snapshot_find_thread(w->s, tid);
	struct cdl_held *h;

	ck_assert_ptr_nonnull(t);
	h = cdl_thread_add_held(t);
	ck_assert_ptr_nonnull(h);
	h->address = addr;
	h->size = size;
	h->guard = guard;
	h->shared = shared;
	h->param = param;
	h->frame = frame_no;
}

static void w_mem(struct world *w)
{
	struct cdl_memimg *m = cdl_memimg_new();

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(cdl_memimg_add_copy(m, DATA, w->data, sizeof(w->data)), 0);
	w->s->mem = m;
	cdl_snapshot_sort(w->s);
	cdl_runtime_classify(w->s);
}

static struct cdl_thread *T(struct world *w, int tid)
{
	return cdl_snapshot_find_thread(w->s, tid);
}

#define MUTEX_SLOW "std::sys::sync::mutex::futex::Mutex::lock_contended"
#define READ_SLOW "std::sys::sync::rwlock::futex::RwLock::read_contended"
#define WRITE_SLOW "<std::sys::sync::rwlock::futex::RwLock>::write_contended"

/* both legs of a Rust ABBA: the same kind, no owner without guards;
 * with their guards, a proven cycle */
START_TEST(rust_abba)
{
	struct world w;
	struct cdl_analysis *a;

	w_init(&w);
	rust_waiter(&w, 11, LOCK_B, 2, MUTEX_SLOW);
	rust_waiter(&w, 12, LOCK_A, 2, MUTEX_SLOW);
	put32(&w, LOCK_A, 2);
	put32(&w, LOCK_B, 2);
	w_mem(&w);
	for (int tid = 11; tid <= 12; tid++) {
		const struct cdl_wait *wt = &T(&w, tid)->wait;

		ck_assert_int_eq(wt->kind, CDL_WAIT_MUTEX);
		ck_assert(wt->flags & CDL_WAITF_OWNER_UNKNOWN);
		ck_assert_int_eq(wt->owner_tid, 0);
		ck_assert_str_eq(wt->detail, "Rust std::sync::Mutex");
	}
	ck_assert_int_eq(cdl_analyze(w.s, NULL, &a), 0);
	ck_assert_int_eq(a->ndeadlocks, 0);
	cdl_analysis_free(a);

	/* each holds the other's lock, and its guard of the lock it waits
	 * for (being taken) is no hold */
	held(&w, 11, LOCK_A, 4, "MutexGuard", false, 0, 5);
	held(&w, 11, LOCK_B, 4, "MutexGuard", false, 0, 5);
	held(&w, 12, LOCK_B, 4, "MutexGuard", false, 0, 6);
	cdl_held_resolve(w.s);
	ck_assert_uint_eq(T(&w, 11)->nheld, 1);
	ck_assert_uint_eq(T(&w, 11)->held[0].address, LOCK_A);
	ck_assert_int_eq(T(&w, 11)->wait.owner_tid, 12);
	ck_assert_int_eq(T(&w, 11)->wait.owner_source, CDL_OWNER_GUARD);
	ck_assert_int_eq(T(&w, 11)->wait.owner_frame, 6);
	ck_assert(!(T(&w, 11)->wait.flags & CDL_WAITF_OWNER_UNKNOWN));
	ck_assert_int_eq(T(&w, 12)->wait.owner_tid, 11);
	ck_assert_int_eq(cdl_analyze(w.s, NULL, &a), 0);
	ck_assert_int_eq(a->ndeadlocks, 1);
	ck_assert_int_eq(cdl_analysis_answer(a), CDL_ANSWER_DEADLOCK);
	cdl_analysis_free(a);
	cdl_snapshot_free(w.s);
}
END_TEST

/* a lock word that says free, and two threads claiming one lock: no
 * owner from either */
START_TEST(contradicted_guards)
{
	struct world w;

	w_init(&w);
	rust_waiter(&w, 21, LOCK_A, 2, MUTEX_SLOW);
	cdl_snapshot_add_thread(w.s, 22);
	cdl_snapshot_add_thread(w.s, 23);
	put32(&w, LOCK_A, 2);
	put32(&w, LOCK_B, 0);           /* free: a moved-from guard's lock */
	w_mem(&w);
	held(&w, 22, LOCK_A, 4, "MutexGuard", false, 0, 3);
	held(&w, 23, LOCK_A, 4, "MutexGuard", false, 0, 4);
	held(&w, 23, LOCK_B, 4, "MutexGuard", false, 0, 4);
	cdl_held_resolve(w.s);
	ck_assert_int_eq(T(&w, 21)->wait.owner_tid, 0);
	ck_assert(T(&w, 21)->wait.flags & CDL_WAITF_OWNER_UNKNOWN);
	ck_assert_uint_eq(T(&w, 22)->nheld, 0);
	ck_assert_uint_eq(T(&w, 23)->nheld, 0);
	ck_assert_uint_ge(w.s->nwarnings, 1);
	cdl_snapshot_free(w.s);
}
END_TEST

/* a guard that disagrees with an owner the lock records is not used */
START_TEST(recorded_owner_wins)
{
	struct world w;
	struct cdl_thread *t;

	w_init(&w);
	t = cdl_snapshot_add_thread(w.s, 31);
	t->has_wait = true;
	t->wait.kind = CDL_WAIT_MUTEX;
	t->wait.address = t->wait.futex = LOCK_A;
	t->wait.owner_tid = 32;
	cdl_snapshot_add_thread(w.s, 32);
	cdl_snapshot_add_thread(w.s, 33);
	put32(&w, LOCK_A, 2);
	w_mem(&w);
	held(&w, 33, LOCK_A, 40, "std::lock_guard", false, 0, 2);
	cdl_held_resolve(w.s);
	ck_assert_int_eq(T(&w, 31)->wait.owner_tid, 32);
	ck_assert_int_eq(T(&w, 31)->wait.owner_source, CDL_OWNER_RECORDED);
	ck_assert_uint_eq(T(&w, 33)->nheld, 0);
	cdl_snapshot_free(w.s);
}
END_TEST

/* a writer waiting for readers: the one reader named by its guard is an
 * edge; the writer's wait sleeps on writer_notify, 4 bytes in */
START_TEST(reader_writer_cycle)
{
	struct world w;
	struct cdl_analysis *a;
	struct cdl_thread *wr;

	w_init(&w);
	wr = rust_waiter(&w, 41, RW + 4, 0, WRITE_SLOW);
	rust_waiter(&w, 42, RW + 0x10, 0x7fffffff, READ_SLOW);
	put32(&w, RW, 1);                       /* one reader */
	put32(&w, RW + 0x10, 0x3fffffff);       /* write-locked */
	w_mem(&w);
	wr = T(&w, 41);
	ck_assert_int_eq(wr->wait.kind, CDL_WAIT_RWLOCK_WRITE);
	ck_assert_uint_eq(wr->wait.address, RW);
	ck_assert_uint_eq(wr->wait.futex, RW + 4);
	ck_assert(wr->wait.flags & CDL_WAITF_READERS);
	ck_assert_int_eq(wr->wait.readers, 1);
	ck_assert_int_eq(T(&w, 42)->wait.kind, CDL_WAIT_RWLOCK_READ);
	ck_assert(T(&w, 42)->wait.flags & CDL_WAITF_OWNER_UNKNOWN);

	held(&w, 42, RW, 8, "RwLockReadGuard", true, 0, 5);
	held(&w, 41, RW + 0x10, 8, "RwLockWriteGuard", false, 0, 5);
	cdl_held_resolve(w.s);
	ck_assert_int_eq(wr->wait.owner_tid, 42);
	ck_assert_int_eq(wr->wait.owner_source, CDL_OWNER_GUARD);
	ck_assert_int_eq(T(&w, 42)->wait.owner_tid, 41);
	ck_assert_int_eq(cdl_analyze(w.s, NULL, &a), 0);
	ck_assert_int_eq(a->ndeadlocks, 1);
	cdl_analysis_free(a);
	cdl_snapshot_free(w.s);
}
END_TEST

/* a read guard of the lock the thread waits to write: it waits for
 * itself (an upgrade), a deadlock of one */
START_TEST(upgrade_waits_for_itself)
{
	struct world w;
	struct cdl_analysis *a;

	w_init(&w);
	rust_waiter(&w, 71, RW + 4, 0, WRITE_SLOW);
	put32(&w, RW, 1);
	w_mem(&w);
	held(&w, 71, RW, 8, "RwLockReadGuard", true, 0, 4);
	cdl_held_resolve(w.s);
	ck_assert_uint_eq(T(&w, 71)->nheld, 1);
	ck_assert_int_eq(T(&w, 71)->wait.owner_tid, 71);
	ck_assert_int_eq(cdl_analyze(w.s, NULL, &a), 0);
	ck_assert_int_eq(a->ndeadlocks, 1);
	ck_assert_uint_eq(a->deadlocks[0].ntids, 1);
	cdl_analysis_free(a);
	cdl_snapshot_free(w.s);
}
END_TEST

/* a condition variable wait releases the guard handed to it: its mutex
 * comes from that parameter, and the caller's guard of it is no hold */
START_TEST(condvar_releases_its_guard)
{
	struct world w;
	struct cdl_thread *t;

	w_init(&w);
	rust_waiter(&w, 51, DATA + 0x80, 0, "std::sys::sync::condvar::futex::Condvar::wait_optional_timeout");
	rust_waiter(&w, 52, DATA + 0x84, 0, "std::sys::sync::condvar::futex::Condvar::wait_optional_timeout");
	put32(&w, LOCK_A, 1);
	put32(&w, LOCK_B, 1);
	w_mem(&w);
	t = T(&w, 51);
	ck_assert_int_eq(t->wait.kind, CDL_WAIT_CONDVAR);
	held(&w, 51, LOCK_A, 4, "MutexGuard", false, 1, 4);
	held(&w, 51, LOCK_A, 4, "MutexGuard", false, 0, 6);
	held(&w, 51, LOCK_B, 40, "std::lock_guard", false, 0, 6);
	/* 52: no parameter tells its mutex: no guard a wait can release counts */
	held(&w, 52, LOCK_A + 0x40, 4, "MutexGuard", false, 0, 6);
	cdl_held_resolve(w.s);
	ck_assert_uint_eq(t->wait.mutex, LOCK_A);
	ck_assert_uint_eq(t->nheld, 1);
	ck_assert_uint_eq(t->held[0].address, LOCK_B);
	ck_assert_uint_eq(T(&w, 52)->nheld, 0);
	cdl_snapshot_free(w.s);
}
END_TEST

/* no runtime frames, or not in the syscall() wrapper: untouched */
START_TEST(not_rust)
{
	struct world w;
	struct cdl_thread *t;

	w_init(&w);
	t = rust_waiter(&w, 61, LOCK_A, 2, "my_lock_contended");
	(void)t;
	t = rust_waiter(&w, 62, LOCK_B, 2, MUTEX_SLOW);
	t->frames[0].function = cdl_snapshot_intern(w.s, "__lll_lock_wait");
	w_mem(&w);
	ck_assert_int_eq(T(&w, 61)->wait.kind, CDL_WAIT_FUTEX);
	ck_assert_int_eq(T(&w, 62)->wait.kind, CDL_WAIT_FUTEX);
	cdl_snapshot_free(w.s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("held");
	TCase *tc = tcase_create("held");

	tcase_add_test(tc, rust_abba);
	tcase_add_test(tc, contradicted_guards);
	tcase_add_test(tc, recorded_owner_wins);
	tcase_add_test(tc, reader_writer_cycle);
	tcase_add_test(tc, condvar_releases_its_guard);
	tcase_add_test(tc, upgrade_waits_for_itself);
	tcase_add_test(tc, not_rust);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
