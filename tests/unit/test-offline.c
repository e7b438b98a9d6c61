/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-offline.c - the offline stage fed a raw capture built by hand.
 *
 * No process is attached and the ptrace library is not linked: two
 * threads whose registers say futex_wait on each other's glibc mutex,
 * their struct pthreads and a stack in the copied memory, and the host's
 * own libc.so.6 as the one module.  The whole offline pipeline (unwind,
 * symbolize, identify the libc, classify) and the analysis must find the
 * deadlock. */
#include "config.h"

#include <check.h>
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "memimg.h"
#include "offline.h"
#include "rawcap.h"
#include "snapshot.h"

#define PD(i)     (0x7f0000100000ull + (uint64_t)(i) * 0x10000)
#define STACK     0x7ffd00000000ull
#define DATA      0x555555558000ull
#define TID_A     1001
#define TID_B     1002

/* the host's libc: path and address range, as its module map would say */
struct libc_where {
	char path[4096];
	uint64_t lo, hi;
};

static int find_libc(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct libc_where *w = arg;
	const char *base = strrchr(info->dlpi_name, '/');

	(void)size;
	if (!base || strncmp(base + 1, "libc.so", 7) != 0)
		return 0;
	snprintf(w->path, sizeof(w->path), "%s", info->dlpi_name);
	w->lo = UINT64_MAX;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		uint64_t lo = (info->dlpi_addr + ph->p_vaddr) & ~0xfffull;
		uint64_t hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + 0xfff) & ~0xfffull;

		if (lo < w->lo)
			w->lo = lo;
		if (hi > w->hi)
			w->hi = hi;
	}
	return 1;
}

static void put32(struct cdl_memimg *m, uint64_t addr, uint32_t v)
{
	ck_assert_int_eq(cdl_memimg_add_copy(m, addr, &v, sizeof(v)), 0);
}

/* A thread asleep in futex(uaddr, FUTEX_WAIT_PRIVATE, 2), its struct
 * pthread at PD(i) naming tid. */
static void waiter(struct cdl_rawcap *rc, int i, int tid, uint64_t uaddr)
{
	struct cdl_rawcap_thread *t = cdl_rawcap_add_thread(rc, tid);

	ck_assert_ptr_nonnull(t);
	snprintf(t->comm, sizeof(t->comm), "worker-%d", i);
	t->state = 'S';
	snprintf(t->wchan, sizeof(t->wchan), "futex_wait_queue");
	t->blocked_ms = 9000;
	t->r.in_syscall = true;
	t->r.syscall_nr = 202;
	t->r.syscall_args[0] = uaddr;
	t->r.syscall_args[1] = 0x80;
	t->r.syscall_args[2] = 2;
	t->r.thread_pointer = PD(i);
	put32(rc->mem, PD(i) + 720, (uint32_t)tid);
}

/* A normal mutex at addr, locked with waiters, held by owner. */
static void mutex(struct cdl_rawcap *rc, uint64_t addr, int owner)
{
	put32(rc->mem, addr, 2);
	put32(rc->mem, addr + 8, (uint32_t)owner);
	put32(rc->mem, addr + 12, 1);
	put32(rc->mem, addr + 16, 0);
}

static struct cdl_rawcap *abba(bool with_libc, struct libc_where *lw)
{
	struct cdl_rawcap *rc = cdl_rawcap_new();

	ck_assert_ptr_nonnull(rc);
	rc->pid = TID_A;
	rc->exe = strdup("/opt/app/bank");
	rc->source = "live";
	rc->captured_sec = 1700000000;
	rc->captured_nsec = 123000000;
	rc->pause_us = 42;
	ck_assert_int_eq(cdl_rawcap_warn(rc, "first %s", "warning"), 0);
	mutex(rc, DATA, TID_B);
	mutex(rc, DATA + 64, TID_A);
	waiter(rc, 0, TID_A, DATA);
	waiter(rc, 1, TID_B, DATA + 64);
	if (with_libc) {
		dl_iterate_phdr(find_libc, lw);
		ck_assert_msg(lw->path[0] && lw->hi > lw->lo, "the test's own libc not found");
		ck_assert_ptr_nonnull(cdl_rawcap_add_module(rc, lw->path, lw->path, lw->lo,
							    lw->hi, 0));
	}
	return rc;
}

/* Thread A stopped at the entry of pthread_mutex_lock in the module: one
 * frame, then a zero return address on its copied stack ends the walk. */
static void at_mutex_lock(struct cdl_rawcap *rc, const char *libc)
{
	struct cdl_rawcap_thread *t = &rc->threads[0];
	uint64_t zero[16] = { 0 };
	/* libc's own, not an interposer's (the sanitizers have one) */
	void *h = dlopen(libc, RTLD_NOW | RTLD_NOLOAD);
	void *fn = h ? dlsym(h, "pthread_mutex_lock") : NULL;

	ck_assert_ptr_nonnull(fn);
	t->r.nregs = 17;
	t->r.pc = (uint64_t)(uintptr_t)fn;
	t->r.sp = STACK + 64;
	t->r.regs[7] = t->r.sp;
	t->r.regs[16] = t->r.pc;
	ck_assert_int_eq(cdl_memimg_add_copy(rc->mem, STACK, zero, sizeof(zero)), 0);
	dlclose(h);
}

START_TEST(abba_deadlock_from_raw_capture)
{
	struct libc_where lw = { .lo = 0 };
	struct cdl_rawcap *rc = abba(true, &lw);
	struct cdl_offline_opts oo = { 0 };
	struct cdl_snapshot *s = NULL;
	struct cdl_analysis *an = NULL;
	struct cdl_diag d = { 0 };

	at_mutex_lock(rc, lw.path);
	ck_assert_int_eq(cdl_offline_run(rc, &oo, NULL, &s, &d), 0);
	ck_assert_ptr_null(rc->mem);          /* taken by the snapshot */
	cdl_rawcap_free(rc);

	/* process facts and the source's warning, first */
	ck_assert_int_eq(s->pid, TID_A);
	ck_assert_str_eq(s->exe, "/opt/app/bank");
	ck_assert_str_eq(s->source, "live");
	ck_assert_str_eq(s->captured_at, "2023-11-14T22:13:20.123Z");
	ck_assert_uint_eq(s->pause_us, 42);
	ck_assert_uint_ge(s->nwarnings, 1);
	ck_assert_str_eq(s->warnings[0], "first warning");
	/* the libc identified from the module's file */
	ck_assert_ptr_nonnull(s->libc);
	ck_assert_msg(strncmp(s->libc, "glibc 2.", 8) == 0, "libc %s", s->libc);
	for (size_t i = 0; i < s->nwarnings; i++)
		ck_assert_msg(!strstr(s->warnings[i], "not trusted"), "%s", s->warnings[i]);

	/* threads, waits, owners */
	ck_assert_uint_eq(s->nthreads, 2);
	struct cdl_thread *a = cdl_snapshot_find_thread(s, TID_A);
	struct cdl_thread *b = cdl_snapshot_find_thread(s, TID_B);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(a->name, "worker-0");
	ck_assert_str_eq(a->wchan, "futex_wait_queue");
	ck_assert_int_eq(a->blocked_for_ms, 9000);
	ck_assert(a->has_wait && b->has_wait);
	ck_assert_int_eq(a->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_uint_eq(a->wait.address, DATA);
	ck_assert_int_eq(a->wait.owner_tid, TID_B);
	ck_assert_int_eq(b->wait.kind, CDL_WAIT_MUTEX);
	ck_assert_int_eq(b->wait.owner_tid, TID_A);
	ck_assert_int_eq(a->wait.owner_pid, 0);   /* offline never looks at /proc */

	/* the stack unwound and symbolized from the copies */
	ck_assert_uint_ge(a->nframes, 1);
	ck_assert_ptr_nonnull(a->frames[0].function);
	ck_assert_msg(strstr(a->frames[0].function, "mutex_lock"), "%s", a->frames[0].function);
	ck_assert_str_eq(a->frames[0].module, lw.path);
	ck_assert_uint_eq(b->nframes, 0);

	/* the verdict */
	ck_assert_int_eq(cdl_analyze(s, NULL, &an), 0);
	ck_assert_uint_eq(an->ndeadlocks, 1);
	ck_assert_int_eq(an->deadlocks[0].type, CDL_DEADLOCK_CYCLE);
	ck_assert_uint_eq(an->deadlocks[0].ntids, 2);
	ck_assert_int_eq(an->deadlocks[0].tids[0], TID_A);
	ck_assert_int_eq(an->deadlocks[0].tids[1], TID_B);
	cdl_analysis_free(an);
	cdl_snapshot_free(s);
}
END_TEST

/* A module whose file is not the mapped one (the live source said so:
 * identity REPLACED, no file) gives no name and no debug-info advice:
 * the source's warning says why. */
START_TEST(module_not_the_mapped_file)
{
	struct libc_where lw = { .lo = 0 };
	struct cdl_rawcap *rc = abba(true, &lw);
	struct cdl_rawcap_module *m;
	struct cdl_rawcap_thread *t = &rc->threads[1];
	struct cdl_offline_opts oo = { 0 };
	struct cdl_snapshot *s = NULL;
	struct cdl_diag d = { 0 };
	uint64_t zero[16] = { 0 };
	bool why_kept = false;

	at_mutex_lock(rc, lw.path);
	m = cdl_rawcap_add_module(rc, "/opt/app/bank", NULL, 0x400000, 0x401000, 0);
	ck_assert_ptr_nonnull(m);
	m->identity = CDL_MODID_REPLACED;
	m->why = strdup("its build-id is 01, the mapped copy's is 02");
	ck_assert_int_eq(cdl_rawcap_warn(rc, "names unavailable in /opt/app/bank: %s", m->why), 0);
	/* thread B stopped in the executable */
	t->r.nregs = 17;
	t->r.pc = 0x400100;
	t->r.sp = STACK + 0x1000;
	t->r.regs[7] = t->r.sp;
	t->r.regs[16] = t->r.pc;
	ck_assert_int_eq(cdl_memimg_add_copy(rc->mem, STACK + 0x1000, zero, sizeof(zero)), 0);
	ck_assert_int_eq(cdl_offline_run(rc, &oo, NULL, &s, &d), 0);
	cdl_rawcap_free(rc);

	struct cdl_thread *b = cdl_snapshot_find_thread(s, TID_B);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_ge(b->nframes, 1);
	ck_assert_ptr_null(b->frames[0].function);
	ck_assert_str_eq(b->frames[0].module, "/opt/app/bank");
	for (size_t i = 0; i < s->nwarnings; i++) {
		ck_assert_msg(!strstr(s->warnings[i], "debug info for /opt/app/bank") &&
			      !strstr(s->warnings[i], "no symbols for /opt/app/bank") &&
			      !strstr(s->warnings[i], "dbgsym"), "%s", s->warnings[i]);
		why_kept |= strcmp(s->warnings[i], "names unavailable in /opt/app/bank: its "
				   "build-id is 01, the mapped copy's is 02") == 0;
	}
	ck_assert(why_kept);
	cdl_snapshot_free(s);
}
END_TEST

/* Without a module map the libc is unknown: owners are not trusted and
 * no deadlock is claimed. */
START_TEST(no_modules_no_verdict)
{
	struct cdl_rawcap *rc = abba(false, NULL);
	struct cdl_offline_opts oo = { .no_unwind = true };
	struct cdl_offline_cache *cache = cdl_offline_cache_new();
	struct cdl_snapshot *s = NULL;
	struct cdl_analysis *an = NULL;
	struct cdl_diag d = { 0 };
	bool warned = false;

	ck_assert_ptr_nonnull(cache);
	ck_assert_int_eq(cdl_offline_run(rc, &oo, cache, &s, &d), 0);
	cdl_rawcap_free(rc);
	ck_assert_ptr_null(s->libc);
	ck_assert_uint_eq(s->nwarnings, 3);
	ck_assert_str_eq(s->warnings[0], "first warning");
	ck_assert_str_eq(s->warnings[1], "no stack unwinding or symbols: unwind: read the modules "
			 "of 1001: No such file or directory");
	for (size_t i = 0; i < s->nwarnings; i++)
		warned |= strstr(s->warnings[i], "lock owners are not trusted") != NULL;
	ck_assert(warned);
	ck_assert_int_eq(cdl_analyze(s, NULL, &an), 0);
	ck_assert_uint_eq(an->ndeadlocks, 0);
	cdl_analysis_free(an);
	cdl_snapshot_free(s);
	cdl_offline_cache_free(cache);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("offline");
	TCase *tc = tcase_create("rawcap");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, abba_deadlock_from_raw_capture);
	tcase_add_test(tc, no_modules_no_verdict);
	tcase_add_test(tc, module_not_the_mapped_file);
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
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
