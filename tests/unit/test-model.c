/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-model.c - unit tests of the model: string pool, threads, memory image */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "grow.h"
#include "memimg.h"
#include "rawcap.h"
#include "snapshot.h"
#include "utf8.h"

START_TEST(intern_dedups_and_copies)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	char buf[16] = "futex_wait";
	const char *a = cdl_snapshot_intern(s, buf);
	strcpy(buf, "changed");
	const char *b = cdl_snapshot_intern(s, "futex_wait");

	ck_assert_str_eq(a, "futex_wait");
	ck_assert_ptr_eq(a, b);
	ck_assert_ptr_null(cdl_snapshot_intern(s, NULL));
	ck_assert_str_eq(cdl_snapshot_internf(s, "tid %d", 42), "tid 42");
	/* many distinct strings force the hash set and arena to grow */
	for (int i = 0; i < 5000; i++) {
		char n[32];
		snprintf(n, sizeof(n), "fn_%d", i);
		ck_assert_str_eq(cdl_snapshot_intern(s, n), n);
	}
	ck_assert_ptr_eq(cdl_snapshot_intern(s, "futex_wait"), a);
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(threads_sort_and_find)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	int tids[] = { 30, 10, 20, 5, 25 };

	for (size_t i = 0; i < 5; i++) {
		struct cdl_thread *t = cdl_snapshot_add_thread(s, tids[i]);
		ck_assert_int_eq(t->blocked_for_ms, -1);
		ck_assert_int_eq(t->syscall_nr, -1);
		ck_assert(!t->has_wait);
		for (int j = 0; j < 40; j++)
			ck_assert_ptr_nonnull(cdl_thread_add_frame(t));
	}
	cdl_snapshot_sort(s);
	ck_assert_int_eq(s->threads[0].tid, 5);
	ck_assert_int_eq(s->threads[4].tid, 30);
	ck_assert_int_eq(cdl_snapshot_find_thread(s, 25)->tid, 25);
	ck_assert_int_eq(s->threads[0].nframes, 40);
	ck_assert_ptr_null(cdl_snapshot_find_thread(s, 26));
	cdl_snapshot_warn(s, "thread %d vanished", 7);
	ck_assert_int_eq(s->nwarnings, 1);
	ck_assert_str_eq(s->warnings[0], "thread 7 vanished");
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(wait_kind_names_round_trip)
{
	for (int k = 0; k < CDL_WAIT__COUNT; k++)
		ck_assert_int_eq(cdl_wait_kind_from_name(cdl_wait_kind_name(k)), k);
	ck_assert_int_eq(cdl_wait_kind_from_name("spinlock"), -1);
	ck_assert(cdl_wait_kind_is_lock(CDL_WAIT_MUTEX));
	ck_assert(!cdl_wait_kind_is_lock(CDL_WAIT_SLEEP));
}
END_TEST

START_TEST(wait_kind_table)
{
	/* every kind has a complete row; out of range reads as "other" */
	for (int k = 0; k < CDL_WAIT__COUNT; k++) {
		const struct cdl_wait_kind_info *i = cdl_wait_kind_info(k);

		ck_assert_ptr_nonnull(i->name);
		ck_assert_ptr_nonnull(i->noun);
		ck_assert_ptr_nonnull(i->label);
		ck_assert(!i->owner_edge || i->is_lock);
		ck_assert(!(i->idle && i->is_lock));
		ck_assert((i->access == NULL) == (i->access_long == NULL));
	}
	ck_assert_str_eq(cdl_wait_kind_info(CDL_WAIT__COUNT)->name, "other");
	ck_assert_str_eq(cdl_wait_kind_info(CDL_WAIT_JOIN)->noun, "thread");
	ck_assert_str_eq(cdl_wait_kind_info(CDL_WAIT_RWLOCK_READ)->label, "rwlock-r");
	ck_assert(cdl_wait_kind_info(CDL_WAIT_MUTEX)->owner_edge);
	ck_assert(!cdl_wait_kind_info(CDL_WAIT_CONDVAR)->owner_edge);
	ck_assert(!cdl_wait_kind_info(CDL_WAIT_CONDVAR)->is_lock);
	ck_assert(cdl_wait_kind_info(CDL_WAIT_CONDVAR)->idle);
	ck_assert(cdl_wait_kind_info(CDL_WAIT_IO)->idle);
	ck_assert(!cdl_wait_kind_info(CDL_WAIT_FUTEX)->idle);
	ck_assert(!cdl_wait_kind_info(CDL_WAIT_OTHER)->idle);
}
END_TEST

START_TEST(user_frame_skips_runtime)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_thread *t = cdl_snapshot_add_thread(s, 1);
	struct cdl_frame *f;

	f = cdl_thread_add_frame(t);
	f->function = "__futex_abstimed_wait_common";
	f->module = "/lib/x86_64-linux-gnu/libc.so.6";
	f = cdl_thread_add_frame(t);
	f->function = "___pthread_mutex_lock";
	f->module = "/usr/bin/bank";	/* static binary: libc inside the exe */
	f = cdl_thread_add_frame(t);
	f->function = "sleeper_loop";	/* user code whose name starts like libc's */
	f->module = "/usr/bin/bank";
	ck_assert_str_eq(cdl_thread_user_frame(t)->function, "sleeper_loop");
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(memimg_reads_and_merges)
{
	struct cdl_memimg *m = cdl_memimg_new();
	unsigned char a[64], b[64], out[128];
	uint32_t v32;
	uint64_t v64;

	for (int i = 0; i < 64; i++) {
		a[i] = (unsigned char)i;
		b[i] = (unsigned char)(64 + i);
	}
	/* added out of order, overlapping by 16 bytes and touching */
	ck_assert_int_eq(cdl_memimg_add_copy(m, 0x1030, b, 64), 0);
	ck_assert_int_eq(cdl_memimg_add_copy(m, 0x1000, a, 64), 0);
	ck_assert_int_eq(cdl_memimg_add_copy(m, 0x2000, a, 8), 0);
	/* a read spanning both copies */
	ck_assert_int_eq(cdl_memimg_read(m, 0x1000, out, 0x70), 0);
	for (int i = 0; i < 0x40; i++)
		ck_assert_int_eq(out[i], i);
	ck_assert_int_eq(out[0x40], b[0x10]);
	ck_assert_int_eq(cdl_memimg_u32(m, 0x1004, &v32), 0);
	ck_assert_uint_eq(v32, 0x07060504u);
	ck_assert_int_eq(cdl_memimg_u64(m, 0x2000, &v64), 0);
	/* holes, ends and wrap-around are refused */
	ck_assert_int_eq(cdl_memimg_read(m, 0x1060, out, 32), -EFAULT);
	ck_assert_int_eq(cdl_memimg_read(m, 0x0fff, out, 2), -EFAULT);
	ck_assert_int_eq(cdl_memimg_u64(m, 0x2004, &v64), -EFAULT);
	ck_assert_int_eq(cdl_memimg_read(m, UINT64_MAX - 1, out, 4), -EFAULT);
	ck_assert_int_eq(cdl_memimg_read(NULL, 0x1000, out, 1), -EFAULT);
	ck_assert_uint_eq(cdl_memimg_size(m), 0x70 + 8);
	cdl_memimg_free(m);
}
END_TEST

/* copies by reference into an adopted mapping: merged with owned copies
 * (a referenced region grown by a neighbour is copied, never realloc'd),
 * read back, and the mapping is released with the image (valgrind and
 * ASan see a leak or a bad free otherwise) */
START_TEST(memimg_adopts_mappings)
{
	struct cdl_memimg *m = cdl_memimg_new();
	unsigned char *blk = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char tail[32], out[96];
	const unsigned char *data;
	uint64_t addr;
	size_t len;

	ck_assert_ptr_ne(blk, MAP_FAILED);
	for (int i = 0; i < 64; i++)
		blk[i] = (unsigned char)i;
	for (int i = 0; i < 32; i++)
		tail[i] = (unsigned char)(200 + i);
	ck_assert_int_eq(cdl_memimg_adopt_map(m, blk, 8192), 0);
	ck_assert_int_eq(cdl_memimg_add_ref(m, 0x4000, blk, 64), 0);
	ck_assert_int_eq(cdl_memimg_add_ref(m, 0x4010, blk + 16, 16), 0);   /* inside */
	ck_assert_int_eq(cdl_memimg_add_copy(m, 0x4030, tail, 32), 0);      /* grows it */
	ck_assert_int_eq(cdl_memimg_add_ref(m, 0x9000, blk + 100, 0), 0);   /* empty: nothing */
	ck_assert_int_eq(cdl_memimg_read(m, 0x4000, out, 0x50), 0);
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(out[i], i);
	ck_assert_int_eq(out[0x40], tail[0x10]);
	ck_assert_uint_eq(cdl_memimg_nregions(m), 1);
	ck_assert_int_eq(cdl_memimg_region(m, 0, &addr, &data, &len), 0);
	ck_assert_uint_eq(addr, 0x4000);
	ck_assert_uint_eq(len, 0x50);
	ck_assert_ptr_ne(data, blk);    /* grown: a copy of its own */
	cdl_memimg_free(m);
}
END_TEST

/* perf maps: hex with and without 0x, names with spaces, bad lines
 * skipped, a region written again later replaces the earlier one */
START_TEST(perfmap_parse_and_find)
{
	static const char text[] =
		"0x1000 0x100 void Foo.bar(int, long)\n"
		"2000 80 Interpreter\r\n"
		"garbage line\n"
		"0x3000 0 empty\n"
		"0x1080 0x10 LazyCompile:*later\n"
		"0xffffffffffffff00 0x1000 wraps\n"
		"0x5000 0x10";
	struct cdl_perfmap pm = { 0 };

	ck_assert_int_eq(cdl_perfmap_parse(&pm, text, sizeof(text) - 1, "/tmp/perf-7.map"), 0);
	ck_assert_str_eq(pm.path, "/tmp/perf-7.map");
	ck_assert_uint_eq(pm.n, 2);
	ck_assert_ptr_null(cdl_perfmap_find(&pm, 0x1000));   /* replaced by the later line */
	ck_assert_str_eq(cdl_perfmap_find(&pm, 0x1085)->name, "LazyCompile:*later");
	ck_assert_str_eq(cdl_perfmap_find(&pm, 0x207f)->name, "Interpreter");
	ck_assert_ptr_null(cdl_perfmap_find(&pm, 0x2080));
	ck_assert_ptr_null(cdl_perfmap_find(&pm, 0x3000));
	ck_assert_ptr_null(cdl_perfmap_find(&pm, 0xfff));
	ck_assert_int_eq(cdl_perfmap_parse(&pm, "", 0, NULL), 0);
	ck_assert_uint_eq(pm.n, 0);
	ck_assert_ptr_null(cdl_perfmap_find(&pm, 0x1000));
	cdl_perfmap_free(&pm);
}
END_TEST

START_TEST(grow_doubles_and_keeps_on_failure)
{
	int *a = NULL;
	size_t cap = 0;

	ck_assert_int_eq(CDL_GROW(a, cap, 1, 4), 0);
	ck_assert_uint_eq(cap, 4);
	for (int i = 0; i < 4; i++)
		a[i] = i;
	ck_assert_int_eq(CDL_GROW(a, cap, 4, 4), 0);   /* fits: no change */
	ck_assert_uint_eq(cap, 4);
	ck_assert_int_eq(CDL_GROW(a, cap, 9, 4), 0);
	ck_assert_uint_eq(cap, 16);
	ck_assert_int_eq(a[3], 3);
	/* an impossible size fails and leaves the array as it was */
	int *keep = a;
	ck_assert_int_eq(CDL_GROW(a, cap, (size_t)-1 / 2, 4), -ENOMEM);
	ck_assert_ptr_eq(a, keep);
	ck_assert_uint_eq(cap, 16);
	free(a);
}
END_TEST

START_TEST(utf8_lengths)
{
	uint32_t cp = 0;

	ck_assert_uint_eq(cdl_utf8_len((const unsigned char *)"a", 1, &cp), 1);
	ck_assert_uint_eq(cp, 'a');
	ck_assert_uint_eq(cdl_utf8_len((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
	ck_assert_uint_eq(cp, 0xe9);
	ck_assert_uint_eq(cdl_utf8_len((const unsigned char *)"\xe2\x86\x92", 3, &cp), 3);
	ck_assert_uint_eq(cp, 0x2192);
	ck_assert_uint_eq(cdl_utf8_len((const unsigned char *)"\xf0\x9f\x94\x92", 4, NULL), 4);
	/* cut short, stray continuation, overlong, surrogate, beyond U+10FFFF */
	ck_assert_uint_eq(cdl_utf8_len((const unsigned char *)"\xe2\x86", 2, NULL), 0);
	ck_assert_uint_eq(cdl_utf8_len((const unsigned char *)"\x86", 1, NULL), 0);
	ck_assert_uint_eq(cdl_utf8_len((const unsigned char *)"\xc0\xaf", 2, NULL), 0);
	ck_assert_uint_eq(cdl_utf8_len((const unsigned char *)"\xe0\x80\xaf", 3, NULL), 0);
	ck_assert_uint_eq(cdl_utf8_len((const unsigned char *)"\xed\xa0\x80", 3, NULL), 0);
	ck_assert_uint_eq(cdl_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4, NULL), 0);
	ck_assert_uint_eq(cdl_utf8_len((const unsigned char *)"", 0, NULL), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, intern_dedups_and_copies);
	tcase_add_test(tc, threads_sort_and_find);
	tcase_add_test(tc, wait_kind_names_round_trip);
	tcase_add_test(tc, wait_kind_table);
	tcase_add_test(tc, user_frame_skips_runtime);
	tcase_add_test(tc, memimg_reads_and_merges);
	tcase_add_test(tc, memimg_adopts_mappings);
	tcase_add_test(tc, utf8_lengths);
	tcase_add_test(tc, grow_doubles_and_keeps_on_failure);
	tcase_add_test(tc, perfmap_parse_and_find);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
