/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-coresrc.c - the core source (core -> raw capture) over synthetic
 * cores (core-gen.c): registers in DWARF numbering, memory read from the
 * core, mappings and modules, files found under a sysroot and refused on a
 * build-id mismatch, the live facts of cdeadlock's snapshot note, and no
 * crash through the whole --core pipeline (reader, core source, offline
 * stage, analysis, text and JSON) on any truncation or random flips. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze.h"
#include "core-gen.h"
#include "core.h"
#include "coresource.h"
#include "memimg.h"
#include "modfile.h"
#include "offline.h"
#include "render.h"

static char root[PATH_MAX];     /* a sysroot with the synthetic program */

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void mkdirs(const char *base, const char *rel)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	for (char *s = p + strlen(base) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

/* ROOT/usr/bin/synthetic: the program's first page as the core holds it,
 * a small ELF file with the core's build-id for the program */
static void setup_root(void)
{
	unsigned char *core, page[GEN_EXE_HELD];
	struct cdl_core *c = NULL;
	struct cdl_diag d = { 0 };
	struct core_gen g = { 0 };
	char path[PATH_MAX + 32];
	size_t len;

	snprintf(root, sizeof(root), "%s/cdl-coresrc-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(root));
	mkdirs(root, "usr/bin");
	mkdirs(root, "usr/lib/real");
	core = core_gen(&g, &len);
	ck_assert_int_eq(cdl_core_open_mem(core, len, "t.core", NULL, &c, &d), 0);
	ck_assert_int_eq(cdl_core_read_all(c, GEN_EXE_BASE, page, sizeof(page)), 0);
	snprintf(path, sizeof(path), "%s%s", root, GEN_EXECFN);
	write_file(path, page, sizeof(page));
	/* the same with another build-id */
	page[0x110] ^= 0xff;
	snprintf(path, sizeof(path), "%s/usr/lib/real/other", root);
	write_file(path, page, sizeof(page));
	/* an absolute link inside the root, and one out of it */
	snprintf(path, sizeof(path), "%s/lib", root);
	ck_assert_int_eq(symlink("/usr/lib", path), 0);
	snprintf(path, sizeof(path), "%s/usr/lib/up", root);
	ck_assert_int_eq(symlink("../../../../../../..", path), 0);
	cdl_core_free(c);
	free(core);
}

static void teardown_root(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

/* the raw capture of a synthetic core, or the error */
static int convert(const struct core_gen *g, const struct cdl_core_source_opts *o,
		   struct cdl_rawcap **rc, struct cdl_diag *d)
{
	size_t len;
	unsigned char *buf = core_gen(g, &len);
	struct cdl_core *c = NULL;
	int err = cdl_core_open_mem(buf, len, "t.core", NULL, &c, d);

	free(buf);
	ck_assert_int_eq(err, 0);
	return cdl_core_to_rawcap(c, o, rc, d);
}

static bool has_warning(const struct cdl_rawcap *rc, const char *a, const char *b)
{
	for (size_t i = 0; i < rc->nwarnings; i++)
		if (strstr(rc->warnings[i], a) && (!b || strstr(rc->warnings[i], b)))
			return true;
	return false;
}

static const struct cdl_rawcap_module *module(const struct cdl_rawcap *rc, const char *path)
{
	for (size_t i = 0; i < rc->nmodules; i++)
		if (strcmp(rc->modules[i].path, path) == 0)
			return &rc->modules[i];
	return NULL;
}

START_TEST(threads_memory_maps)
{
	struct core_gen g = { 0 };
	struct cdl_core_source_opts o = { .sysroot = root };
	struct cdl_rawcap *rc = NULL;
	struct cdl_diag d = { 0 };
	unsigned char b[16];
	uint64_t w;

	ck_assert_int_eq(convert(&g, &o, &rc, &d), 0);
	ck_assert_str_eq(rc->source, "core");
	ck_assert_int_eq(rc->pid, GEN_TID0);
	ck_assert_int_eq(rc->core_signal, 6);
	ck_assert(!rc->core_live_facts);
	ck_assert_uint_eq(rc->pause_us, 0);
	ck_assert_str_eq(rc->exe, GEN_EXECFN);
	ck_assert_uint_eq(rc->nthreads, 2);
	for (size_t i = 0; i < 2; i++) {
		const struct cdl_rawcap_thread *t = &rc->threads[i];

		ck_assert_int_eq(t->tid, i ? GEN_TID1 : GEN_TID0);
		ck_assert_int_eq(t->regs_status, CDL_RAWREGS_OK);
		ck_assert_uint_eq(t->r.nregs, 17);
		ck_assert_uint_eq(t->r.pc, i ? GEN_PC1 : GEN_PC0);
		ck_assert_uint_eq(t->r.regs[16], t->r.pc);
		ck_assert_uint_eq(t->r.sp, i ? GEN_SP1 : GEN_SP0);
		ck_assert_uint_eq(t->r.regs[7], t->r.sp);
		/* the generator's words are 0x1000 + their index: rax is 10,
		 * rdx 12, r15 0, rbp 4 */
		ck_assert_uint_eq(t->r.regs[0], 0x1000 + 10);
		ck_assert_uint_eq(t->r.regs[1], 0x1000 + 12);
		ck_assert_uint_eq(t->r.regs[15], 0x1000 + 0);
		ck_assert_uint_eq(t->r.regs[6], 0x1000 + 4);
		ck_assert_uint_eq(t->r.thread_pointer, i ? GEN_FS0 + 0x10000 : GEN_FS0);
		ck_assert(!t->r.in_syscall);
		/* the kernel's words as the core held them, for a core written
		 * from this capture (--save-core) */
		ck_assert_uint_eq(t->r.nkregs, 27);
		ck_assert_uint_eq(t->r.kregs[0], 0x1000 + 0);
		ck_assert_uint_eq(t->r.kregs[10], 0x1000 + 10);
		ck_assert_uint_eq(t->r.kregs[16], t->r.pc);
		ck_assert_uint_eq(t->r.kregs[19], t->r.sp);
		ck_assert_uint_eq(t->r.kregs[26], 0x1000 + 26);
		/* what a core cannot say stays unknown */
		ck_assert_int_eq(t->state, 0);
		ck_assert_str_eq(t->wchan, "");
		ck_assert_int_eq(t->blocked_ms, -1);
		ck_assert_int_eq(t->cpu, -1);
	}
	ck_assert_str_eq(rc->threads[0].comm, "synthetic");   /* the leader's name */
	ck_assert_str_eq(rc->threads[1].comm, "");

	/* memory: from the core, on demand; what was not dumped is refused */
	ck_assert_int_eq(cdl_memimg_read(rc->mem, GEN_STACK + 8, b, sizeof(b)), 0);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(b[i], (unsigned char)(0xa0 ^ (8 + i)));
	ck_assert_int_eq(cdl_memimg_read(rc->mem, GEN_STACK + GEN_STACK_HELD - 4, b, 8), -EFAULT);
	ck_assert_int_eq(cdl_memimg_u64(rc->mem, GEN_EXECFN_ADDR, &w), 0);
	ck_assert_int_eq(memcmp(&w, GEN_EXECFN, 8), 0);
	ck_assert_int_eq(cdl_memimg_read(rc->mem, 0x1000, b, 1), -EFAULT);

	/* mappings: the segments, named from NT_FILE */
	const struct cdl_map *m = cdl_maps_find(&rc->maps, GEN_EXE_BASE + 0x1000);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->path, GEN_EXECFN);
	ck_assert_str_eq(m->perms, "r-xp");
	m = cdl_maps_find(&rc->maps, GEN_STACK + 10);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->path, "");
	ck_assert_str_eq(m->perms, "rw-p");
	m = cdl_maps_find(&rc->maps, 0x7f0000201000ULL);   /* NT_FILE only */
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->path, GEN_LIB);

	/* modules: the program under the sysroot, its build-id checked */
	const struct cdl_rawcap_module *mod = module(rc, GEN_EXECFN);
	char want[PATH_MAX + 32];

	ck_assert_ptr_nonnull(mod);
	snprintf(want, sizeof(want), "%s%s", root, GEN_EXECFN);
	ck_assert_str_eq(mod->open_path, want);
	ck_assert_uint_eq(mod->build_id_len, GEN_BUILD_ID_LEN);
	ck_assert_int_eq(memcmp(mod->build_id, GEN_BUILD_ID, GEN_BUILD_ID_LEN), 0);
	/* the library is not there: a warning naming it, no file */
	mod = module(rc, GEN_LIB);
	ck_assert_ptr_nonnull(mod);
	ck_assert_ptr_null(mod->open_path);
	ck_assert_msg(has_warning(rc, GEN_LIB, "not found under the sysroot"), "no warning for the library");
	ck_assert(rc->debuginfo_path && strstr(rc->debuginfo_path, root));
	cdl_rawcap_free(rc);
}
END_TEST

START_TEST(missing_and_mismatched_files)
{
	struct core_gen g = { 0 };
	struct cdl_core_source_opts o = { 0 };
	struct cdl_rawcap *rc = NULL;
	struct cdl_diag d = { 0 };
	char other[PATH_MAX + 32];

	/* no sysroot: /usr/bin/synthetic does not exist here */
	ck_assert_int_eq(convert(&g, &o, &rc, &d), -ENOENT);
	ck_assert_ptr_null(rc);
	ck_assert_str_eq(d.what, "core: t.core");
	ck_assert_msg(strstr(d.why, "the executable " GEN_EXECFN " is not found"), "why: %s", d.why);
	ck_assert_msg(strstr(d.hint, "--sysroot"), "hint: %s", d.hint);

	/* an EXE whose build-id differs: a program without a C library of
	 * its own (static: the lock layouts are in it) cannot do without it */
	snprintf(other, sizeof(other), "%s/usr/lib/real/other", root);
	o.exe = other;
	ck_assert_int_eq(convert(&g, &o, &rc, &d), -ENOENT);
	ck_assert_msg(strstr(d.why, other) && strstr(d.why, "is not the one the core mapped") &&
		      strstr(d.why, "the core's 0123456789abcdef1032547698badcfe00112233"),
		      "why: %s", d.why);
	ck_assert_msg(!strchr(d.why, '\n'), "two lines: %s", d.why);
}
END_TEST

START_TEST(sysroot_paths)
{
	char buf[PATH_MAX], want[PATH_MAX + 32];
	struct cdl_modfile f;

	/* an absolute link resolves inside the root */
	ck_assert_int_eq(cdl_sysroot_path(root, "/lib/real/other", buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "%s/usr/lib/real/other", root);
	ck_assert_str_eq(buf, want);
	/* ".." and a relative link never leave it */
	ck_assert_int_eq(cdl_sysroot_path(root, "/../../usr/lib/up/usr/bin/synthetic", buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "%s%s", root, GEN_EXECFN);
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(cdl_sysroot_path(root, "/nonexistent/x", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(cdl_sysroot_path(NULL, "/a/b", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/a/b");
	/* found, missing, mismatched; " (deleted)" dropped */
	ck_assert_int_eq(cdl_modfile_find(root, GEN_EXECFN " (deleted)",
					  (const unsigned char *)GEN_BUILD_ID, GEN_BUILD_ID_LEN, &f),
			 CDL_MODFILE_OK);
	ck_assert_int_eq(cdl_modfile_find(root, "/usr/lib/real/other",
					  (const unsigned char *)GEN_BUILD_ID, GEN_BUILD_ID_LEN, &f),
			 CDL_MODFILE_MISMATCH);
	ck_assert_uint_eq(f.build_id_len, GEN_BUILD_ID_LEN);
	ck_assert_int_eq(cdl_modfile_find(root, "/usr/lib/real/other", NULL, 0, &f), CDL_MODFILE_OK);
	ck_assert_int_eq(cdl_modfile_find(root, "/nope", NULL, 0, &f), CDL_MODFILE_MISSING);
	ck_assert_int_eq(cdl_modfile_find(root, "/usr", NULL, 0, &f), CDL_MODFILE_UNREADABLE);
}
END_TEST

#define NOTE_JSON(pid, extra) \
	"{\"schema_version\": 1, \"tool\": {\"name\": \"cdeadlock\", \"version\": \"0\"}, " \
	"\"pid\": " #pid ", \"exe\": null, \"captured_at\": \"2026-01-02T03:04:05.678Z\", " \
	"\"captured_at_ms\": 1767323045678, \"pause_us\": 777, \"libc\": null, " \
	"\"threads\": [{\"tid\": 4242, \"name\": \"main-thr\", \"state\": \"S\", \"wait\": null, " \
	"\"blocked_for_ms\": 12345, \"wchan\": \"futex_wait_queue\", \"frames\": []}" extra "], " \
	"\"deadlocks\": [], \"warnings\": []}"

START_TEST(snapshot_note)
{
	struct core_gen g = { .snapshot_json = NOTE_JSON(4242, "") };
	struct cdl_core_source_opts o = { .sysroot = root };
	struct cdl_rawcap *rc = NULL;
	struct cdl_diag d = { 0 };

	ck_assert_int_eq(convert(&g, &o, &rc, &d), 0);
	ck_assert(rc->core_live_facts);
	ck_assert_int_eq(rc->captured_sec, 1767323045);
	ck_assert_int_eq(rc->captured_nsec, 678000000);
	ck_assert_uint_eq(rc->pause_us, 777);
	ck_assert_int_eq(rc->threads[0].state, 'S');
	ck_assert_str_eq(rc->threads[0].wchan, "futex_wait_queue");
	ck_assert_int_eq(rc->threads[0].blocked_ms, 12345);
	ck_assert_str_eq(rc->threads[0].comm, "main-thr");
	/* the other thread is not in the note: unknown, and said so */
	ck_assert_int_eq(rc->threads[1].state, 0);
	ck_assert_int_eq(rc->threads[1].blocked_ms, -1);
	ck_assert(has_warning(rc, "1 thread of the core not in cdeadlock's snapshot", NULL));
	/* registers and memory are still the core's */
	ck_assert_uint_eq(rc->threads[0].r.pc, GEN_PC0);
	cdl_rawcap_free(rc);

	/* another process's snapshot: ignored */
	g.snapshot_json = NOTE_JSON(99, "");
	ck_assert_int_eq(convert(&g, &o, &rc, &d), 0);
	ck_assert(!rc->core_live_facts);
	ck_assert_int_eq(rc->threads[0].blocked_ms, -1);
	ck_assert(has_warning(rc, "is of pid 99", NULL));
	cdl_rawcap_free(rc);

	/* a damaged one: a warning, facts unknown */
	g.snapshot_json = "{\"schema_version\": 1, \"tool\": ";
	ck_assert_int_eq(convert(&g, &o, &rc, &d), 0);
	ck_assert(!rc->core_live_facts);
	ck_assert_int_eq(rc->threads[0].state, 0);
	ck_assert(has_warning(rc, "cdeadlock's snapshot in the core cannot be read", NULL));
	cdl_rawcap_free(rc);
}
END_TEST

/* The note as --save-core writes it: the JSON cdl_render_json prints for
 * the live snapshot.  Its live facts reach the snapshot of the core, and
 * the verdict uses them (a thread blocked long enough is stuck). */
START_TEST(snapshot_note_from_json_writer)
{
	struct cdl_snapshot *live = cdl_snapshot_new(), *s = NULL;
	struct cdl_core_source_opts o = { .sysroot = root };
	struct cdl_offline_opts oo = { 0 };
	struct cdl_rawcap *rc = NULL;
	struct cdl_diag d = { 0 };
	struct cdl_thread *t;
	char *json = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&json, &len);

	ck_assert_ptr_nonnull(live);
	live->pid = GEN_TID0;
	live->captured_at = "2026-12-02T07:00:00.250Z";
	live->captured_at_ms = 1796194800250;
	live->pause_us = 1234;
	t = cdl_snapshot_add_thread(live, GEN_TID0);
	t->name = "main";
	t->state = 'S';
	t->wchan = "do_sys_poll";
	t->blocked_for_ms = 3000;
	t = cdl_snapshot_add_thread(live, GEN_TID1);
	t->name = "worker-1";
	t->state = 'D';
	t->wchan = "io_schedule";
	t->blocked_for_ms = 600000;
	ck_assert_int_eq(cdl_render_json(out, live, NULL), 0);
	fclose(out);
	cdl_snapshot_free(live);

	struct core_gen g = { .snapshot_json = json };
	ck_assert_int_eq(convert(&g, &o, &rc, &d), 0);
	ck_assert(!has_warning(rc, "snapshot", NULL));
	ck_assert_int_eq(cdl_offline_run(rc, &oo, NULL, &s, &d), 0);
	cdl_rawcap_free(rc);
	cdl_snapshot_sort(s);
	ck_assert(s->core_live_facts);
	ck_assert_str_eq(s->captured_at, "2026-12-02T07:00:00.250Z");
	ck_assert_uint_eq(s->pause_us, 1234);
	t = cdl_snapshot_find_thread(s, GEN_TID1);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t->name, "worker-1");
	ck_assert_int_eq(t->state, 'D');
	ck_assert_str_eq(t->wchan, "io_schedule");
	ck_assert_int_eq(t->blocked_for_ms, 600000);
	ck_assert_uint_eq(t->pc, GEN_PC1);     /* the registers are the core's */
	t = cdl_snapshot_find_thread(s, GEN_TID0);
	ck_assert_str_eq(t->name, "main");
	ck_assert_int_eq(t->blocked_for_ms, 3000);
	cdl_snapshot_free(s);
	free(json);
}
END_TEST

/* Under ASan every offline run costs ~0.15 s: there, the offline stage
 * runs on every 8th core that opens (the reader and the core source still
 * see every cut) and on a quarter of the flips. */
#ifdef __SANITIZE_ADDRESS__
#define FUZZ_OFFLINE_EVERY 8
#define FUZZ_FLIPS 250
#else
#define FUZZ_OFFLINE_EVERY 1
#define FUZZ_FLIPS 1000
#endif

/* The whole --core pipeline over buf: reader, core source, offline
 * stage, analysis, text and JSON.  1 when it produced a snapshot.  cache
 * keeps libdw's view of the files between cores that map the same ones,
 * as repeated live captures do (it makes the fuzz fast enough for a
 * sanitizer build). */
static int pipeline(const unsigned char *buf, size_t len, FILE *null,
		    struct cdl_offline_cache *cache)
{
	struct cdl_core_source_opts o = { .sysroot = root };
	struct cdl_offline_opts oo = { 0 };
	struct cdl_core *c = NULL;
	struct cdl_rawcap *rc = NULL;
	struct cdl_snapshot *s = NULL;
	struct cdl_analysis *a = NULL;
	struct cdl_render_opts ro;
	struct cdl_diag d = { 0 };
	static unsigned opened;
	int err = cdl_core_open_mem(buf, len, "fuzz.core", NULL, &c, &d);

	if (err < 0) {
		ck_assert_int_eq(err, -EINVAL);
		ck_assert(d.why[0] && !strchr(d.why, '\n'));
		return 0;
	}
	err = cdl_core_to_rawcap(c, &o, &rc, &d);
	if (err < 0) {
		ck_assert_int_eq(err, -ENOENT);    /* the program's file not found */
		return 0;
	}
	if (++opened % FUZZ_OFFLINE_EVERY != 0) {
		cdl_rawcap_free(rc);
		return 1;
	}
	ck_assert_int_eq(cdl_offline_run(rc, &oo, cache, &s, &d), 0);
	cdl_rawcap_free(rc);
	ck_assert_int_eq(cdl_analyze(s, NULL, &a), 0);
	cdl_render_opts_init(&ro);
	ck_assert_int_eq(cdl_render_text(null, s, a, &ro), 0);
	ck_assert_int_eq(cdl_render_json(null, s, a), 0);
	cdl_analysis_free(a);
	cdl_snapshot_free(s);
	return 1;
}

START_TEST(fuzz_truncation)
{
	struct core_gen g = { .snapshot_json = NOTE_JSON(4242, "") };
	size_t len;
	unsigned char *buf = core_gen(&g, &len);
	FILE *null = fopen("/dev/null", "w");
	struct cdl_offline_cache *cache = cdl_offline_cache_new();
	int ok = 0;

	ck_assert_ptr_nonnull(cache);
	for (size_t cut = 0; cut <= len; cut++)
		ok += pipeline(buf, cut, null, cache);
	cdl_offline_cache_free(cache);
	/* cut after the notes, a core still opens */
	if (getenv("CDL_TEST_VERBOSE"))
		fprintf(stderr, "truncation: %d of %zu ran the whole pipeline\n", ok, len + 1);
	ck_assert_int_gt(ok, 0);
	fclose(null);
	free(buf);
}
END_TEST

START_TEST(fuzz_flips)
{
	struct core_gen g = { .snapshot_json = NOTE_JSON(4242, "") };
	size_t len;
	unsigned char *buf = core_gen(&g, &len), *mut = malloc(len);
	FILE *null = fopen("/dev/null", "w");
	unsigned seed = 4242;
	struct cdl_offline_cache *cache = cdl_offline_cache_new();
	int ok = 0;

	ck_assert_ptr_nonnull(cache);

	for (int iter = 0; iter < FUZZ_FLIPS; iter++) {
		int flips = 1 + (int)(rand_r(&seed) % 4);

		memcpy(mut, buf, len);
		for (int k = 0; k < flips; k++) {
			size_t at = (size_t)rand_r(&seed) % len;

			if (rand_r(&seed) % 2)
				mut[at] ^= (unsigned char)(1u << (rand_r(&seed) % 8));
			else
				mut[at] = (unsigned char)(rand_r(&seed) & 0xff);
		}
		ok += pipeline(mut, len, null, cache);
	}
	cdl_offline_cache_free(cache);
	if (getenv("CDL_TEST_VERBOSE"))
		fprintf(stderr, "flips: %d of %d ran the whole pipeline\n", ok, FUZZ_FLIPS);
	ck_assert_int_gt(ok, 0);
	fclose(null);
	free(mut);
	free(buf);
}
END_TEST

static Suite *coresrc_suite(void)
{
	Suite *s = suite_create("coresrc");
	TCase *tc = tcase_create("coresrc");

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup_root, teardown_root);
	tcase_add_test(tc, threads_memory_maps);
	tcase_add_test(tc, missing_and_mismatched_files);
	tcase_add_test(tc, sysroot_paths);
	tcase_add_test(tc, snapshot_note);
	tcase_add_test(tc, snapshot_note_from_json_writer);
	tcase_add_test(tc, fuzz_truncation);
	tcase_add_test(tc, fuzz_flips);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(coresrc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
