/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-render.c - text and JSON renderings of synthetic snapshots against
 * the expected files tests/expected/render-<scenario>{.txt,-group.txt,.json}.
 *
 * On a mismatch the test prints `diff -u expected actual`.  To regenerate
 * the expected files after an intended change of the output, run
 *     CDL_REGEN=1 make check TESTS=tests/unit/test-render
 * and review the result with `git diff tests/expected`.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "load.h"
#include "render.h"
#include "render-scenarios.h"

enum fmt { FMT_TEXT, FMT_GROUP, FMT_JSON };

static char *render(const struct cdl_snapshot *s, const struct cdl_analysis *a, enum fmt f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct cdl_render_opts o;
	int rc;

	ck_assert_ptr_nonnull(out);
	cdl_render_opts_init(&o);
	o.group = f == FMT_GROUP;
	if (f == FMT_JSON)
		rc = cdl_render_json(out, s, a);
	else
		rc = cdl_render_text(out, s, a, &o);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(fclose(out), 0);
	return buf;
}

/* Replace the tool version so that a release does not change the files. */
static char *normalize(char *doc)
{
	char needle[64], *p;

	snprintf(needle, sizeof(needle), "\"version\": \"%s\"", PACKAGE_VERSION);
	p = strstr(doc, needle);
	if (p) {
		const char *rep = "\"version\": \"@VERSION@\"";
		size_t nl = strlen(needle), rl = strlen(rep), tail = strlen(p + nl);
		char *n = malloc(strlen(doc) - nl + rl + 1);

		ck_assert_ptr_nonnull(n);
		memcpy(n, doc, (size_t)(p - doc));
		memcpy(n + (p - doc), rep, rl);
		memcpy(n + (p - doc) + rl, p + nl, tail + 1);
		free(doc);
		return n;
	}
	return doc;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		size_t r = fread(buf + n, 1, 4096, f);
		n += r;
		if (r < 4096)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static const char *srcdir(void)
{
	const char *d = getenv("TESTS_SRCDIR");

	return d ? d : TESTS_SRCDIR_DEFAULT;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Compare actual with tests/expected/<file>; diff on mismatch; CDL_REGEN=1
 * rewrites the expected file instead. */
static void check_expected(const char *file, const char *actual)
{
	char exp_path[4096], act_path[4096], cmd[8400];
	char *expected;

	snprintf(exp_path, sizeof(exp_path), "%s/expected/%s", srcdir(), file);
	if (getenv("CDL_REGEN") && *getenv("CDL_REGEN") == '1') {
		write_file(exp_path, actual);
		return;
	}
	expected = slurp(exp_path, NULL);
	if (expected && strcmp(expected, actual) == 0) {
		free(expected);
		return;
	}
	snprintf(act_path, sizeof(act_path), "test-render.%s.actual", file);
	write_file(act_path, actual);
	snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' >&2", exp_path, act_path);
	if (system(cmd) == -1)
		perror("diff");
	ck_abort_msg("%s differs from %s (actual output kept in %s; "
		     "CDL_REGEN=1 regenerates)", file, exp_path, act_path);
	free(expected);
}

static struct cdl_analysis *analyze(const struct cdl_snapshot *s)
{
	struct cdl_analysis *a = NULL;

	ck_assert_int_eq(cdl_analyze(s, NULL, &a), 0);
	return a;
}

START_TEST(expected_renderings)
{
	const struct scenario *sc = &scenarios[_i];
	struct cdl_snapshot *s = sc->build();
	struct cdl_analysis *a = analyze(s);
	static const struct { enum fmt f; const char *ext; } fmts[] = {
		{ FMT_TEXT, ".txt" }, { FMT_GROUP, "-group.txt" }, { FMT_JSON, ".json" },
	};

	for (size_t i = 0; i < 3; i++) {
		char file[256];
		char *doc = normalize(render(s, a, fmts[i].f));

		snprintf(file, sizeof(file), "render-%s%s", sc->name, fmts[i].ext);
		check_expected(file, doc);
		free(doc);
	}
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
}
END_TEST

/* render -> load -> analyze -> render gives the same JSON and text */
START_TEST(json_round_trip)
{
	const struct scenario *sc = &scenarios[_i];
	struct cdl_snapshot *s = sc->build(), *l = NULL;
	struct cdl_analysis *a = analyze(s), *la;
	struct cdl_diag d = { 0 };
	char *json = render(s, a, FMT_JSON), *json2, *text, *text2;
	int rc;

	rc = cdl_load_json_buf(json, strlen(json), sc->name, &l, &d);
	ck_assert_msg(rc == 0, "%s: %s", sc->name, d.what);
	cdl_snapshot_sort(l);
	la = analyze(l);
	json2 = render(l, la, FMT_JSON);
	if (sc->lossy) {
		/* the first trip replaces invalid UTF-8; from then on it is stable */
		struct cdl_snapshot *l2 = NULL;
		struct cdl_analysis *la2;
		char *json3;

		ck_assert_int_eq(cdl_load_json_buf(json2, strlen(json2), sc->name, &l2, &d), 0);
		la2 = analyze(l2);
		json3 = render(l2, la2, FMT_JSON);
		ck_assert_str_eq(json3, json2);
		free(json3);
		cdl_analysis_free(la2);
		cdl_snapshot_free(l2);
	} else {
		ck_assert_str_eq(json2, json);
	}
	ck_assert_str_eq(l->source, sc->name);
	l->source = s->source;   /* the header says where a loaded file came from */
	text = render(s, a, FMT_TEXT);
	text2 = render(l, la, FMT_TEXT);
	if (!sc->lossy)
		ck_assert_str_eq(text2, text);
	ck_assert_int_eq(la->ndeadlocks, a->ndeadlocks);
	ck_assert_int_eq(la->nstuck, a->nstuck);
	free(json);
	free(json2);
	free(text);
	free(text2);
	cdl_analysis_free(a);
	cdl_analysis_free(la);
	cdl_snapshot_free(s);
	cdl_snapshot_free(l);
}
END_TEST

START_TEST(durations)
{
	char b[32];

	ck_assert_str_eq(cdl_render_duration(b, sizeof(b), -1), "?");
	ck_assert_str_eq(cdl_render_duration(b, sizeof(b), 0), "0 ms");
	ck_assert_str_eq(cdl_render_duration(b, sizeof(b), 950), "950 ms");
	ck_assert_str_eq(cdl_render_duration(b, sizeof(b), 12345), "12.3 s");
	ck_assert_str_eq(cdl_render_duration(b, sizeof(b), 242000), "4 min 2 s");
	ck_assert_str_eq(cdl_render_duration(b, sizeof(b), 7500000), "2 h 5 min");
	ck_assert_str_eq(cdl_render_duration(b, sizeof(b), 3 * 86400000LL + 4 * 3600000LL), "3 d 4 h");
	ck_assert_str_eq(cdl_render_duration(b, 4, 12345), "12.");
}
END_TEST

START_TEST(syscalls)
{
	char b[128];
	uint64_t wait[6] = { 0x55d0c0a0, 128, 2, 0, 0, 0 };
	uint64_t bitset[6] = { 0x405008, 0x189, 0, 0x7f00, 0, 0xffffffff };
	uint64_t rd[6] = { 7, 0x7f3a197fc000, 4096, 0, 0, 0 };
	uint64_t cn[6] = { 1, 1, 0x7ffd0010, 0, 0, 0 };
	uint64_t raw[6] = { 1, 2, 3, 4, 5, 6 };
	/* a futex word with the top bit set, sign-extended in the register */
	uint64_t neg[6] = { 0x405008, 128, 0xffffffff80000010ull, 0, 0, 0 };

	ck_assert_str_eq(cdl_syscall_name(202), "futex");
	ck_assert_str_eq(cdl_render_syscall(b, sizeof(b), 202, neg),
			 "futex(0x405008, FUTEX_WAIT_PRIVATE, 2147483664, NULL)");
	ck_assert_str_eq(cdl_syscall_name(0), "read");
	ck_assert_ptr_null(cdl_syscall_name(-1));
	ck_assert_ptr_null(cdl_syscall_name(100000));
	ck_assert_str_eq(cdl_render_syscall(b, sizeof(b), 202, wait),
			 "futex(0x55d0c0a0, FUTEX_WAIT_PRIVATE, 2, NULL)");
	ck_assert_str_eq(cdl_render_syscall(b, sizeof(b), 202, bitset),
			 "futex(0x405008, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, "
			 "0x7f00, NULL, FUTEX_BITSET_MATCH_ANY)");
	ck_assert_str_eq(cdl_render_syscall(b, sizeof(b), 0, rd), "read(7, 0x7f3a197fc000, 4096)");
	ck_assert_str_eq(cdl_render_syscall(b, sizeof(b), 230, cn),
			 "clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, 0x7ffd0010, NULL)");
	ck_assert_str_eq(cdl_render_syscall(b, sizeof(b), 34, raw), "pause()");
	ck_assert_str_eq(cdl_render_syscall(b, sizeof(b), 9999, raw),
			 "syscall_9999(0x1, 0x2, 0x3, 0x4, 0x5, 0x6)");
	ck_assert_str_eq(cdl_render_syscall(b, sizeof(b), -1, raw), "");
	ck_assert_str_eq(cdl_render_syscall(b, 8, 202, wait), "futex(0");
}
END_TEST

START_TEST(wait_objects)
{
	struct cdl_wait w = { .kind = CDL_WAIT_MUTEX, .address = 0x4040a0, .symbol = "lock_ledger",
			      .readers = -1 };
	char b[256];

	ck_assert_str_eq(cdl_render_wait_object(b, sizeof(b), &w), "mutex lock_ledger (0x4040a0)");
	w.symbol = NULL;
	w.location = "heap";
	ck_assert_str_eq(cdl_render_wait_object(b, sizeof(b), &w), "mutex 0x4040a0 (heap)");
	w.location = NULL;
	ck_assert_str_eq(cdl_render_wait_object(b, sizeof(b), &w), "mutex 0x4040a0");
	w.kind = CDL_WAIT_CONDVAR;
	w.symbol = "cv";
	w.mutex = 0x404100;
	w.mutex_symbol = "m";
	ck_assert_str_eq(cdl_render_wait_object(b, sizeof(b), &w),
			 "condvar cv (0x4040a0) with mutex m (0x404100)");
	w.kind = CDL_WAIT_RWLOCK_WRITE;
	w.mutex = 0;
	w.readers = 3;
	w.flags = CDL_WAITF_READERS;
	ck_assert_str_eq(cdl_render_wait_object(b, sizeof(b), &w), "rwlock cv (0x4040a0) for writing");
	ck_assert_str_eq(cdl_render_wait_object(b, 7, &w), "rwlock");
}
END_TEST

START_TEST(compact_words)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_thread *a = cdl_snapshot_add_thread(s, 812), *o = cdl_snapshot_add_thread(s, 813);
	struct cdl_wait w = { .kind = CDL_WAIT_RWLOCK_READ, .address = 0x4040a0,
			      .symbol = "lock_ledger", .owner_tid = 813, .readers = -1 };
	struct cdl_frame f = { .pc = 0x401236, .function = "transfer_funds", .inlined = true,
			       .module = "/opt/bank/bank", .file = "/src/bank.c", .line = 42 };
	char b[256];

	a->name = "transfer";
	o->name = "audit";
	cdl_snapshot_sort(s);
	ck_assert_str_eq(cdl_render_lock_label(b, sizeof(b), &w), "lock_ledger");
	ck_assert_str_eq(cdl_render_chain(b, sizeof(b), s, 812, &w),
			 "transfer (812) -> rwlock lock_ledger (read) -> held by audit (813)");
	w.owner_tid = 815;
	w.owner_pid = -1;
	ck_assert_str_eq(cdl_render_chain(b, sizeof(b), s, 900, &w),
			 "? (900) -> rwlock lock_ledger (read) -> held by 815 (exited)");
	w.kind = CDL_WAIT_JOIN;
	w.owner_tid = 813;
	ck_assert_str_eq(cdl_render_lock_label(b, sizeof(b), &w), "thread 813");
	ck_assert_str_eq(cdl_render_chain(b, sizeof(b), s, 812, &w), "transfer (812) -> joins audit (813)");
	w.kind = CDL_WAIT_SLEEP;
	w.symbol = NULL;
	w.address = 0;
	w.detail = "nanosleep";
	ck_assert_str_eq(cdl_render_lock_label(b, sizeof(b), &w), "nanosleep");
	ck_assert_str_eq(cdl_render_frame(b, sizeof(b), &f, CDL_FRAME_COMPACT),
			 "[inline] transfer_funds at bank.c:42 in bank");
	ck_assert_str_eq(cdl_render_pause(b, sizeof(b), 307, true), "307 us");
	ck_assert_str_eq(cdl_render_pause(b, sizeof(b), 350000, false), "350.0 ms");
	ck_assert_str_eq(cdl_render_pause(b, sizeof(b), 350000, true), "350 ms");
	ck_assert_str_eq(cdl_render_pause(b, sizeof(b), 12000000, false), "12 s");
	cdl_snapshot_free(s);
}
END_TEST

START_TEST(frames_and_states)
{
	struct cdl_frame f = { .pc = 0x401236, .function = "transfer_funds", .offset = 0x46,
			       .module = "/opt/bank/bank", .file = "bank.c", .line = 42 };
	char b[256];

	ck_assert_str_eq(cdl_render_frame(b, sizeof(b), &f, CDL_FRAME_PC),
			 "0x0000000000401236 in transfer_funds (bank.c:42) from bank");
	f.inlined = true;
	ck_assert_str_eq(cdl_render_frame(b, sizeof(b), &f, CDL_FRAME_NO_PC),
			 "transfer_funds (bank.c:42) from bank [inlined]");
	f.file = NULL;
	f.inlined = false;
	ck_assert_str_eq(cdl_render_frame(b, sizeof(b), &f, CDL_FRAME_NO_PC), "transfer_funds+0x46 from bank");
	f.function = NULL;
	f.module = NULL;
	ck_assert_str_eq(cdl_render_frame(b, sizeof(b), &f, CDL_FRAME_PC), "0x0000000000401236 in ??");
	f.signal_frame = true;
	ck_assert_str_eq(cdl_render_frame(b, sizeof(b), &f, CDL_FRAME_PC), "<signal handler called>");
	f.function = "\x1b]0;title\x07";
	ck_assert_str_eq(cdl_render_frame(b, sizeof(b), &f, CDL_FRAME_NO_PC),
			 "\\x1b]0;title\\x07+0x46 <signal handler called>");
	ck_assert_str_eq(cdl_render_state_name('D'), "disk sleep");
	ck_assert_str_eq(cdl_render_state_name('?'), "unknown");
	ck_assert_str_eq(cdl_render_sanitize(b, sizeof(b), "ok \xc3\xa9 \xc3"), "ok \xc3\xa9 \\xc3");
	ck_assert_str_eq(cdl_render_sanitize(b, 5, "abc\x01"), "abc");
}
END_TEST


/* largest group first, then by smallest tid; members ascending; lines may
 * differ inside a group, functions may not */
START_TEST(stack_groups)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	static const int tids[] = { 50, 10, 40, 30, 20, 60 };
	static const char *const top[] = { "a", "b", "a", "b", "a", NULL };
	struct cdl_stack_group *g;
	size_t n;

	for (size_t i = 0; i < 6; i++) {
		struct cdl_thread *t = cdl_snapshot_add_thread(s, tids[i]);
		struct cdl_frame *f = cdl_thread_add_frame(t);

		f->function = top[i] ? cdl_snapshot_intern(s, top[i]) : NULL;
		f->pc = 0x1000;
		f->line = (int)i;
		f = cdl_thread_add_frame(t);
		f->function = cdl_snapshot_intern(s, "main");
	}
	cdl_snapshot_sort(s);
	ck_assert_int_eq(cdl_stack_groups(s, &g, &n), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(g[0].nthreads, 3);     /* a: 20, 40, 50 */
	ck_assert_int_eq(s->threads[g[0].threads[0]].tid, 20);
	ck_assert_int_eq(s->threads[g[0].threads[1]].tid, 40);
	ck_assert_int_eq(s->threads[g[0].threads[2]].tid, 50);
	ck_assert_int_eq(s->threads[g[0].rep].tid, 20);
	ck_assert_int_eq(g[1].nthreads, 2);     /* b: 10, 30 */
	ck_assert_int_eq(s->threads[g[1].threads[0]].tid, 10);
	ck_assert_int_eq(g[2].nthreads, 1);     /* ??: 60 */
	ck_assert_int_eq(s->threads[g[2].rep].tid, 60);
	ck_assert(cdl_stack_equal(&s->threads[g[0].threads[0]], &s->threads[g[0].threads[2]]));
	ck_assert(!cdl_stack_equal(&s->threads[g[0].rep], &s->threads[g[1].rep]));
	cdl_stack_groups_free(g, n);

	cdl_snapshot_free(s);
	s = cdl_snapshot_new();
	ck_assert_int_eq(cdl_stack_groups(s, &g, &n), 0);
	ck_assert_int_eq(n, 0);
	cdl_stack_groups_free(g, n);
	cdl_snapshot_free(s);
}
END_TEST

/* without pcs, without an analysis (no verdict section) */
START_TEST(no_addresses_no_analysis)
{
	struct cdl_snapshot *s = scenarios[0].build();
	struct cdl_render_opts o;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	cdl_render_opts_init(&o);
	o.addresses = false;
	ck_assert_int_eq(cdl_render_text(out, s, NULL, &o), 0);
	ck_assert_int_eq(cdl_render_json(out, s, NULL), 0);
	fclose(out);
	ck_assert_ptr_null(strstr(buf, "0x00007f3a1c291e96"));
	ck_assert_ptr_nonnull(strstr(buf, "#3  transfer_funds (bank.c:42) from bank\n"));
	ck_assert_ptr_null(strstr(buf, "No deadlock found"));
	ck_assert_ptr_null(strstr(buf, "Found "));
	ck_assert_ptr_nonnull(strstr(buf, "\"deadlocks\": []"));
	free(buf);
	cdl_snapshot_free(s);
}
END_TEST

static Suite *render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, expected_renderings, 0, (int)nscenarios);
	tcase_add_loop_test(tc, json_round_trip, 0, (int)nscenarios);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, syscalls);
	tcase_add_test(tc, wait_objects);
	tcase_add_test(tc, compact_words);
	tcase_add_test(tc, frames_and_states);
	tcase_add_test(tc, stack_groups);
	tcase_add_test(tc, no_addresses_no_analysis);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(render_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
