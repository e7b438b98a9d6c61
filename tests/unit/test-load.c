/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-load.c - the saved-snapshot loader: good files, one-line errors for
 * bad ones, and no crash on any input (every truncation of a real file,
 * random byte flips). */
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

static char *render_json(struct cdl_snapshot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct cdl_analysis *a = NULL;

	ck_assert_ptr_nonnull(out);
	cdl_snapshot_sort(s);
	ck_assert_int_eq(cdl_analyze(s, NULL, &a), 0);
	ck_assert_int_eq(cdl_render_json(out, s, a), 0);
	ck_assert_int_eq(fclose(out), 0);
	cdl_analysis_free(a);
	return buf;
}

static char *scenario_json(const char *name)
{
	for (size_t i = 0; i < nscenarios; i++)
		if (strcmp(scenarios[i].name, name) == 0) {
			struct cdl_snapshot *s = scenarios[i].build();
			char *j = render_json(s);

			cdl_snapshot_free(s);
			return j;
		}
	ck_abort_msg("no scenario %s", name);
	return NULL;
}

/* Load text; expect failure with err and a message containing want. */
static void expect_error(const char *text, int err, const char *want)
{
	struct cdl_snapshot *s = (void *)1;
	struct cdl_diag d = { 0 };
	char msg[600];
	int rc = cdl_load_json_buf(text, strlen(text), "t.json", &s, &d);

	snprintf(msg, sizeof(msg), "%s: %s", d.what, d.why);
	ck_assert_msg(rc == -err, "rc %d (want %d) for %s: %s", rc, -err, text, msg);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(msg, want) != NULL, "message \"%s\" lacks \"%s\"", msg, want);
	ck_assert_msg(strchr(msg, '\n') == NULL, "message spans lines: %s", msg);
}

static struct cdl_snapshot *expect_ok(const char *text)
{
	struct cdl_snapshot *s = NULL;
	struct cdl_diag d = { 0 };
	int rc = cdl_load_json_buf(text, strlen(text), "t.json", &s, &d);

	ck_assert_msg(rc == 0, "%s: %s: %s", text, d.what, d.why);
	return s;
}

#define HEAD "{\"schema_version\": 1, \"tool\": {\"name\": \"cdeadlock\", \"version\": \"9\"}, " \
	"\"pid\": 42, \"exe\": null, \"captured_at\": \"2026-11-27T04:00:00.5Z\", " \
	"\"pause_us\": 7, \"deadlocks\": []"

START_TEST(minimal_and_unknown_fields)
{
	struct cdl_snapshot *s;

	s = expect_ok(HEAD ", \"threads\": []}");
	ck_assert_int_eq(s->pid, 42);
	ck_assert_ptr_null(s->exe);
	ck_assert_int_eq(s->pause_us, 7);
	ck_assert_str_eq(s->tool_version, "9");
	ck_assert_str_eq(s->source, "t.json");
	ck_assert(s->captured_at_ms == 1795752000500LL);
	cdl_snapshot_free(s);

	/* members this version does not know are ignored, at every level */
	s = expect_ok("\xef\xbb\xbf" HEAD ", \"future\": {\"a\": [1, 2.5e3, -0.1, true]}, \"threads\": "
		      "[{\"tid\": 7, \"name\": \"w\\u00e9\\ud83d\\ude00\", \"state\": \"S\", "
		      "\"blocked_for_ms\": null, \"x\": null, \"frames\": [{\"pc\": \"0xABC\", "
		      "\"function\": null, \"module\": null, \"file\": null, \"line\": null, "
		      "\"new\": 1}], \"wait\": {\"kind\": \"mutex\", \"address\": \"0x10\", "
		      "\"symbol\": null, \"owner_tid\": 8, \"flags\": [\"robust\", \"from_the_future\"]}}]}");
	ck_assert_int_eq(s->nthreads, 1);
	ck_assert_str_eq(s->threads[0].name, "w\xc3\xa9\xf0\x9f\x98\x80");
	ck_assert_int_eq(s->threads[0].blocked_for_ms, -1);
	ck_assert_int_eq(s->threads[0].syscall_nr, -1);
	ck_assert(s->threads[0].frames[0].pc == 0xabc);
	ck_assert(s->threads[0].has_wait);
	ck_assert_int_eq(s->threads[0].wait.owner_tid, 8);
	ck_assert_int_eq(s->threads[0].wait.flags, CDL_WAITF_ROBUST);
	ck_assert_int_eq(s->threads[0].wait.readers, -1);
	ck_assert_int_eq(s->capture_mode, CDL_CAPTURE_GLOBAL);   /* an old file */
	ck_assert(!s->threads[0].moved);
	cdl_snapshot_free(s);
}
END_TEST

/* The capture mode and each thread's proof survive a round trip; a file
 * from before the modes is a global freeze with every wait stable. */
START_TEST(capture_mode)
{
	struct cdl_snapshot *s = cdl_snapshot_new(), *l;
	struct cdl_thread *t;
	char *j;

	s->pid = 5;
	s->capture_mode = CDL_CAPTURE_PERTHREAD;
	s->window_us = 1234;
	s->pause_us = 56;
	t = cdl_snapshot_add_thread(s, 6);
	t->name = "a";
	t->state = 'S';
	t->moved = true;
	t = cdl_snapshot_add_thread(s, 7);
	t->name = "b";
	t->state = 'S';
	j = render_json(s);
	ck_assert_ptr_nonnull(strstr(j, "\"capture_mode\": \"per-thread\""));
	ck_assert_ptr_nonnull(strstr(j, "\"wait_stable\": false"));
	l = expect_ok(j);
	ck_assert_int_eq(l->capture_mode, CDL_CAPTURE_PERTHREAD);
	ck_assert(l->window_us == 1234);
	ck_assert(cdl_snapshot_find_thread(l, 6)->moved);
	ck_assert(!cdl_snapshot_find_thread(l, 7)->moved);
	free(j);
	cdl_snapshot_free(l);
	s->capture_mode = CDL_CAPTURE_GLOBAL;
	j = render_json(s);
	ck_assert_ptr_nonnull(strstr(j, "\"capture_mode\": \"global-freeze\""));
	ck_assert_ptr_null(strstr(j, "wait_stable"));
	ck_assert_ptr_null(strstr(j, "capture_window_us"));
	free(j);
	cdl_snapshot_free(s);
	expect_error(HEAD ", \"capture_mode\": \"sometimes\", \"threads\": []}", EINVAL,
		     "capture_mode: unknown capture mode \"sometimes\"");
	expect_error(HEAD ", \"threads\": [{\"tid\": 3, \"name\": \"a\", \"state\": \"S\", "
		     "\"blocked_for_ms\": 1, \"wait\": null, \"wait_stable\": 1, \"frames\": []}]}",
		     EINVAL, "threads[0].wait_stable: expected a boolean");
}
END_TEST

START_TEST(syntax_errors)
{
	expect_error("", EINVAL, "load: t.json: empty file");
	expect_error(" \n\t", EINVAL, "only white space");
	expect_error("{\"schema_version\": 1,\n  \"pid\" 5}", EINVAL, "line 2 column 9: expected ':'");
	expect_error("{\"a\": 1 \"b\": 2}", EINVAL, "line 1 column 9: expected ',' or '}'");
	expect_error("[1, 2", EINVAL, "unexpected end of file (truncated?)");
	expect_error("{\"a\": \"abc", EINVAL, "unexpected end of file (truncated?) in a string");
	expect_error("{\"a\": tru", EINVAL, "truncated");
	expect_error("{\"a\": nul}", EINVAL, "invalid literal");
	expect_error("{\"a\": 01}", EINVAL, "expected ',' or '}'");
	expect_error("{\"a\": 1.}", EINVAL, "digit expected after '.'");
	expect_error("{\"a\": -}", EINVAL, "invalid number");
	expect_error("{\"a\": \"\\x\"}", EINVAL, "invalid escape");
	expect_error("{\"a\": \"\\u12g4\"}", EINVAL, "invalid \\u escape");
	expect_error("{\"a\": \"tab\there\"}", EINVAL, "control character 0x09");
	expect_error("{\"a\": \"\xff\"}", EINVAL, "invalid UTF-8");
	expect_error("{\"a\": 1}}", EINVAL, "unexpected data after the JSON document");
	expect_error("{a: 1}", EINVAL, "expected a member name in quotes, found 'a'");
	expect_error("[1,]", EINVAL, "expected a value, found ']'");
	expect_error("\x01", EINVAL, "found byte 0x01");
}
END_TEST

START_TEST(deep_nesting)
{
	size_t n = 100000;
	char *deep = malloc(2 * n + 1);

	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	expect_error(deep, EINVAL, "nesting deeper than 64 levels");
	free(deep);
}
END_TEST

START_TEST(contract_errors)
{
	expect_error("[]", EINVAL, "expected a snapshot object, found an array");
	expect_error("{\"schema_version\": 2}", EINVAL, "schema_version 2 is not supported");
	expect_error("{\"schema_version\": \"1\"}", EINVAL, "schema_version: expected an integer, found a string");
	expect_error("{\"schema_version\": 1}", EINVAL, "line 1 column 1: missing member \"tool\"");
	expect_error(HEAD "}", EINVAL, "missing member \"threads\"");
	expect_error(HEAD ", \"threads\": {}}", EINVAL, "threads: expected an array, found an object");
	expect_error(HEAD ", \"threads\": [{\"tid\": 0}]}", EINVAL, "threads[0].tid: 0 is out of range");
	expect_error(HEAD ", \"threads\": [{\"tid\": 99999999999}]}", EINVAL, "out of range");
	expect_error(HEAD ", \"threads\": [{\"tid\": 1.5}]}", EINVAL, "expected an integer, found a number");
	expect_error(HEAD ", \"threads\": [{\"tid\": 3, \"name\": \"a\", \"state\": \"S\", "
		     "\"blocked_for_ms\": 1, \"wait\": null, \"frames\": [{\"pc\": \"12\"}]}]}",
		     EINVAL, "threads[0].frames[0].pc: expected a hex string");
	expect_error(HEAD ", \"threads\": [{\"tid\": 3, \"name\": \"a\", \"state\": \"S\", "
		     "\"blocked_for_ms\": 1, \"wait\": {\"kind\": \"spinlock\"}, \"frames\": []}]}",
		     EINVAL, "threads[0].wait.kind: unknown wait kind \"spinlock\"");
	expect_error(HEAD ", \"threads\": [{\"tid\": 3, \"name\": \"a\", \"state\": \"S\", "
		     "\"blocked_for_ms\": 1, \"wait\": null, \"frames\": []}, {\"tid\": 3, "
		     "\"name\": \"a\", \"state\": \"S\", \"blocked_for_ms\": 1, \"wait\": null, "
		     "\"frames\": []}]}", EINVAL, "tid 3 appears twice");
	expect_error(HEAD ", \"threads\": [{\"tid\": 3, \"name\": \"a\", \"state\": \"S\", "
		     "\"blocked_for_ms\": -5, \"wait\": null, \"frames\": []}]}",
		     EINVAL, "threads[0].blocked_for_ms: -5 is out of range");
	expect_error(HEAD ", \"threads\": [{\"tid\": 3, \"name\": null}]}", EINVAL,
		     "threads[0].name: expected a string, found null");
}
END_TEST

START_TEST(files)
{
	struct cdl_snapshot *s = (void *)1;
	struct cdl_diag d = { 0 };
	char path[] = "/tmp/cdl-test-load.XXXXXX";
	char *json = scenario_json("cycle2");
	int fd;

	ck_assert_int_eq(cdl_load_json_file("/nonexistent/snap.json", &s, &d), -ENOENT);
	ck_assert_str_eq(d.what, "load: /nonexistent/snap.json");
	ck_assert_ptr_null(s);
	ck_assert_int_eq(cdl_load_json_file("/", &s, &d), -EISDIR);

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	ck_assert_int_eq(cdl_load_json_file(path, &s, &d), 0);
	ck_assert_str_eq(s->source, path);
	ck_assert_int_eq(s->nthreads, 6);
	cdl_snapshot_free(s);

	ck_assert_int_eq(truncate(path, 0), 0);
	ck_assert_int_eq(cdl_load_json_file(path, &s, &d), -EINVAL);
	ck_assert_str_eq(d.why, "empty file");
	unlink(path);
	free(json);
}
END_TEST

/* Every prefix of a real file is a clean error (the last newline is the
 * only byte the document can do without). */
START_TEST(every_truncation)
{
	char *json = scenario_json("stuck");
	size_t len = strlen(json);

	for (size_t cut = 0; cut < len; cut++) {
		struct cdl_snapshot *s = NULL;
		struct cdl_diag d = { 0 };
		int rc = cdl_load_json_buf(json, cut, "cut.json", &s, &d);

		if (cut == len - 1) {
			ck_assert_int_eq(rc, 0);
			cdl_snapshot_free(s);
			continue;
		}
		ck_assert_msg(rc == -EINVAL, "cut at %zu: rc %d", cut, rc);
		ck_assert_ptr_null(s);
		ck_assert_msg(d.why[0] != '\0', "cut at %zu: no reason", cut);
		ck_assert_msg(strncmp(d.why, "line ", 5) == 0 || cut == 0 ||
			      strstr(d.why, "white space"), "cut at %zu: %s", cut, d.why);
	}
	free(json);
}
END_TEST

/* Random byte flips: a clean error or a snapshot that renders and
 * analyzes; never a crash (run under ASan/valgrind to mean something). */
START_TEST(byte_flips)
{
	char *json = scenario_json("ring");
	size_t len = strlen(json);
	char *mut = malloc(len + 1);
	unsigned seed = 12345;
	static const char interesting[] = "{}[],:\"\\0123456789-.eEtfnux \n";
	int ok = 0, bad = 0;

	for (int iter = 0; iter < 3000; iter++) {
		struct cdl_snapshot *s = NULL;
		struct cdl_diag d = { 0 };
		int flips = 1 + (int)(rand_r(&seed) % 3);

		memcpy(mut, json, len + 1);
		for (int k = 0; k < flips; k++) {
			size_t at = (size_t)rand_r(&seed) % len;

			if (rand_r(&seed) % 2)
				mut[at] = interesting[(size_t)rand_r(&seed) % (sizeof(interesting) - 1)];
			else
				mut[at] = (char)(rand_r(&seed) & 0xff);
		}
		int rc = cdl_load_json_buf(mut, len, "flip.json", &s, &d);

		if (rc == 0) {
			struct cdl_analysis *a = NULL;
			FILE *null = fopen("/dev/null", "w");
			struct cdl_render_opts o;

			ck_assert_int_eq(cdl_analyze(s, NULL, &a), 0);
			cdl_render_opts_init(&o);
			ck_assert_int_eq(cdl_render_text(null, s, a, &o), 0);
			o.group = true;
			ck_assert_int_eq(cdl_render_text(null, s, a, &o), 0);
			ck_assert_int_eq(cdl_render_json(null, s, a), 0);
			fclose(null);
			cdl_analysis_free(a);
			cdl_snapshot_free(s);
			ok++;
		} else {
			ck_assert_int_eq(rc, -EINVAL);
			ck_assert_ptr_null(s);
			ck_assert(d.why[0] != '\0');
			bad++;
		}
	}
	ck_assert_int_gt(bad, 0);
	ck_assert_int_gt(ok, 0);
	free(mut);
	free(json);
}
END_TEST

static Suite *load_suite(void)
{
	Suite *s = suite_create("load");
	TCase *tc = tcase_create("load");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, minimal_and_unknown_fields);
	tcase_add_test(tc, syntax_errors);
	tcase_add_test(tc, deep_nesting);
	tcase_add_test(tc, contract_errors);
	tcase_add_test(tc, capture_mode);
	tcase_add_test(tc, files);
	tcase_add_test(tc, every_truncation);
	tcase_add_test(tc, byte_flips);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(load_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
