/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-core.c - the core-file reader over synthetic cores (core-gen.c):
 * every fact read back, memory reads that refuse what was not dumped,
 * one-line errors for files that are not cores of this machine, and no
 * crash on any input: every truncation, random byte flips, compressed
 * cores cut or corrupted. */
#include "config.h"

#include <check.h>
#include <elf.h>
#include <errno.h>
#ifdef HAVE_LZ4
#include <lz4frame.h>
#endif
#ifdef HAVE_LZMA
#include <lzma.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "core.h"
#include "core-gen.h"

static unsigned char *gen(size_t *len)
{
	struct core_gen g = { 0 };

	return core_gen(&g, len);
}

static struct cdl_core *open_ok(const unsigned char *buf, size_t len, const struct cdl_core_opts *o)
{
	struct cdl_core *c = NULL;
	struct cdl_diag d = { 0 };
	int rc = cdl_core_open_mem(buf, len, "t.core", o, &c, &d);

	ck_assert_msg(rc == 0, "open: %s: %s", d.what, d.why);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* open must fail with err and a one-line message containing want */
static void expect_error(const unsigned char *buf, size_t len, const struct cdl_core_opts *o,
			 int err, const char *want)
{
	struct cdl_core *c = (void *)1;
	struct cdl_diag d = { 0 };
	char msg[600];
	int rc = cdl_core_open_mem(buf, len, "t.core", o, &c, &d);

	snprintf(msg, sizeof(msg), "%s: %s", d.what, d.why);
	ck_assert_msg(rc == -err, "rc %d (want %d): %s", rc, -err, msg);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(msg, want) != NULL, "message \"%s\" lacks \"%s\"", msg, want);
	ck_assert_msg(strchr(msg, '\n') == NULL, "message spans lines: %s", msg);
	ck_assert_str_eq(d.what, "core: t.core");
}

/* the offset where the notes end: cuts before it are errors */
static size_t notes_end(const unsigned char *buf)
{
	Elf64_Phdr ph;

	memcpy(&ph, buf + sizeof(Elf64_Ehdr), sizeof(ph));
	ck_assert_int_eq(ph.p_type, PT_NOTE);
	return ph.p_offset + ph.p_filesz;
}

START_TEST(synthetic_facts)
{
	size_t len;
	unsigned char *buf = gen(&len);
	struct cdl_core *c = open_ok(buf, len, NULL);
	uint64_t v;

	ck_assert_int_eq(c->nwarnings, 0);
	ck_assert_str_eq(c->arch, "x86_64");
	ck_assert_int_eq(c->machine, EM_X86_64);
	ck_assert_int_eq(c->compression, CDL_CORE_PLAIN);
	ck_assert_int_eq(c->size, len);
	ck_assert_str_eq(c->path, "t.core");
	ck_assert_int_eq(c->nthreads, 2);
	ck_assert_int_eq(c->threads[0].tid, GEN_TID0);
	ck_assert_int_eq(c->threads[1].tid, GEN_TID1);
	ck_assert(c->threads[0].pc == GEN_PC0 && c->threads[1].pc == GEN_PC1);
	ck_assert(c->threads[0].sp == GEN_SP0 && c->threads[1].sp == GEN_SP1);
	ck_assert(c->threads[0].fs_base == GEN_FS0);
	ck_assert_int_eq(c->threads[0].nregs, 27);
	ck_assert(c->threads[0].regs[0] == 0x1000 && c->threads[0].regs[26] == 0x1000 + 26);
	ck_assert_str_eq(cdl_core_reg_name(c, 16), "rip");
	ck_assert_str_eq(cdl_core_reg_name(c, 19), "rsp");
	ck_assert_ptr_null(cdl_core_reg_name(c, 27));
	ck_assert_int_eq(c->threads[0].cursig, 6);
	ck_assert_int_eq(c->threads[0].fpregs_size, 512);
	ck_assert_int_eq(c->threads[0].fpregs[511], 0xff);
	ck_assert_int_eq(c->threads[1].fpregs_size, 512);
	ck_assert(c->threads[0].has_siginfo && !c->threads[1].has_siginfo);
	ck_assert(c->siginfo.valid);
	ck_assert_int_eq(c->siginfo.signo, 6);
	ck_assert_int_eq(c->siginfo.code, -6);
	ck_assert(c->psinfo.valid);
	ck_assert_int_eq(c->psinfo.pid, GEN_TID0);
	ck_assert_int_eq(c->psinfo.ppid, 1);
	ck_assert_int_eq(c->psinfo.uid, 1000);
	ck_assert_int_eq(c->psinfo.state, 'S');
	ck_assert_str_eq(c->psinfo.fname, "synthetic");
	ck_assert_str_eq(c->psinfo.psargs, "synthetic --flag");
	ck_assert_int_eq(c->nauxv, 6);
	ck_assert(c->at_phdr == GEN_EXE_BASE + 64);
	ck_assert(c->at_entry == GEN_EXE_BASE + 0x1000);
	ck_assert(c->at_base == 0x7f0000100000ULL);
	ck_assert_int_eq(cdl_core_auxv(c, AT_PHNUM, &v), 0);
	ck_assert_int_eq(v, 2);
	ck_assert_int_eq(cdl_core_auxv(c, AT_HWCAP, &v), -ENOENT);
	ck_assert_str_eq(c->execfn, GEN_EXECFN);
	ck_assert_int_eq(c->nsegments, 2);
	ck_assert(c->segments[1].vaddr == GEN_STACK && c->segments[1].memsz == 0x1000);
	ck_assert(c->segments[1].filesz == GEN_STACK_HELD && c->segments[1].held == GEN_STACK_HELD);
	ck_assert_int_eq(c->segments[1].flags, PF_R | PF_W);

	ck_assert_int_eq(c->nmaps, 2);
	ck_assert_int_eq(c->map_page_size, 4096);
	ck_assert_str_eq(c->maps[0].path, GEN_EXECFN);
	ck_assert_int_eq(c->maps[0].buildid_state, CDL_CORE_BUILDID_FOUND);
	ck_assert_int_eq(c->maps[0].build_id_len, GEN_BUILD_ID_LEN);
	ck_assert_mem_eq(c->maps[0].build_id, GEN_BUILD_ID, GEN_BUILD_ID_LEN);
	ck_assert_str_eq(c->maps[1].path, GEN_LIB);
	ck_assert_int_eq(c->maps[1].buildid_state, CDL_CORE_BUILDID_NOT_DUMPED);
	ck_assert_int_eq(c->modsource, CDL_CORE_MODS_NT_FILE);
	ck_assert_int_eq(c->nmodules, 2);
	ck_assert_str_eq(c->modules[0].path, GEN_EXECFN);
	ck_assert(c->modules[0].has_bias && c->modules[0].bias == 0);
	ck_assert_int_eq(c->modules[0].buildid_state, CDL_CORE_BUILDID_FOUND);
	ck_assert(!c->modules[1].has_bias);
	cdl_core_free(c);
	free(buf);
}
END_TEST

START_TEST(memory_reads)
{
	size_t len;
	unsigned char *buf = gen(&len);
	struct cdl_core *c = open_ok(buf, len, NULL);
	unsigned char m[600];
	char s[64];

	ck_assert_int_eq(cdl_core_read(c, GEN_STACK, m, GEN_STACK_HELD), GEN_STACK_HELD);
	for (int i = 0; i < GEN_STACK_HELD; i++)
		ck_assert_int_eq(m[i], 0xa0 ^ i);
	/* short: the dumped part ends at filesz, the rest is not data */
	ck_assert_int_eq(cdl_core_read(c, GEN_STACK + 250, m, 100), 6);
	ck_assert_int_eq(m[5], 0xa0 ^ 255);
	ck_assert_int_eq(cdl_core_read(c, GEN_STACK + GEN_STACK_HELD, m, 8), -EFAULT);
	ck_assert_int_eq(cdl_core_read_all(c, GEN_STACK + 250, m, 100), -EFAULT);
	ck_assert_int_eq(cdl_core_read_all(c, GEN_STACK + 8, m, 8), 0);
	ck_assert_int_eq(cdl_core_read(c, GEN_STACK - 1, m, 8), -EFAULT);
	ck_assert_int_eq(cdl_core_read(c, GEN_EXE_BASE + GEN_EXE_HELD, m, 1), -EFAULT);
	ck_assert_int_eq(cdl_core_read(c, 0, m, 8), -EFAULT);
	ck_assert_int_eq(cdl_core_read(c, UINT64_MAX - 2, m, 8), -EFAULT);
	ck_assert_int_eq(cdl_core_read(c, GEN_STACK, m, 0), 0);
	ck_assert_int_eq(cdl_core_read_all(c, GEN_EXECFN_ADDR, s, sizeof(GEN_EXECFN)), 0);
	ck_assert_str_eq(s, GEN_EXECFN);
	cdl_core_free(c);
	free(buf);
}
END_TEST

START_TEST(not_cores)
{
	struct core_gen g = { 0 };
	size_t len;
	unsigned char *buf;
	static const char text[] = "this is a text file, not a core\n";
	struct cdl_core *c = (void *)1;
	struct cdl_diag d = { 0 };

	g.machine = EM_AARCH64;
	buf = core_gen(&g, &len);
	expect_error(buf, len, NULL, EINVAL, "core of another architecture (aarch64)");
	free(buf);
	g.machine = 0xbeef;
	buf = core_gen(&g, &len);
	expect_error(buf, len, NULL, EINVAL, "core of another architecture (e_machine 48879)");
	free(buf);
	g.machine = 0;
	g.type = ET_EXEC;
	buf = core_gen(&g, &len);
	expect_error(buf, len, NULL, EINVAL, "not a core file (an ELF executable)");
	g.type = 0;
	free(buf);

	/* a 32-bit x86-64 (x32) core, a big-endian s390x core */
	buf = gen(&len);
	buf[EI_CLASS] = ELFCLASS32;
	expect_error(buf, len, NULL, EINVAL, "core of another architecture (x32)");
	buf[EI_CLASS] = ELFCLASS64;
	buf[EI_DATA] = ELFDATA2MSB;
	buf[16] = 0;
	buf[17] = ET_CORE;
	buf[18] = 0;
	buf[19] = EM_S390;
	expect_error(buf, len, NULL, EINVAL, "core of another architecture (s390x)");
	free(buf);

	expect_error((const unsigned char *)text, sizeof(text) - 1, NULL, EINVAL,
		     "not a core file (no ELF header)");
	expect_error((const unsigned char *)"", 0, NULL, EINVAL, "empty file");

	/* this test program: an ELF file, not a core */
	ck_assert_int_eq(cdl_core_open("/proc/self/exe", NULL, &c, &d), -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(d.why, "not a core file (an ELF "), "%s", d.why);
	ck_assert_int_eq(cdl_core_open("/nonexistent/core", NULL, &c, &d), -ENOENT);
	ck_assert_str_eq(d.what, "core: /nonexistent/core");
	ck_assert_int_eq(cdl_core_open("/", NULL, &c, &d), -EISDIR);
}
END_TEST

START_TEST(link_map_fallback)
{
	struct core_gen g = { .no_file = 1 };
	size_t len;
	unsigned char *buf = core_gen(&g, &len);
	struct cdl_core *c = open_ok(buf, len, NULL);
	int saw = 0;

	ck_assert_int_eq(c->nmaps, 0);
	ck_assert_int_eq(c->modsource, CDL_CORE_MODS_LINK_MAP);
	/* the synthetic program has no PT_DYNAMIC: no modules, said so */
	ck_assert_int_eq(c->nmodules, 0);
	for (size_t i = 0; i < c->nwarnings; i++)
		saw |= strstr(c->warnings[i], "no NT_FILE note") != NULL;
	ck_assert(saw);
	ck_assert_int_eq(c->nthreads, 2);
	cdl_core_free(c);
	free(buf);
}
END_TEST

/* use everything a result offers, so ASan/valgrind see every pointer */
static void exercise(const struct cdl_core *c)
{
	unsigned char m[64];
	size_t sum = 0;

	for (size_t i = 0; i < c->nthreads; i++) {
		(void)cdl_core_read(c, c->threads[i].sp, m, sizeof(m));
		for (size_t k = 0; k < c->threads[i].fpregs_size; k++)
			sum += c->threads[i].fpregs[k];
	}
	for (size_t i = 0; i < c->nmaps; i++)
		sum += strlen(c->maps[i].path);
	for (size_t i = 0; i < c->nmodules; i++)
		sum += strlen(c->modules[i].path);
	for (size_t i = 0; i < c->nwarnings; i++) {
		ck_assert(c->warnings[i][0] != '\0');
		ck_assert(strchr(c->warnings[i], '\n') == NULL);
	}
	for (size_t i = 0; i < c->nsegments; i++)
		(void)cdl_core_read(c, c->segments[i].vaddr, m, sizeof(m));
	if (c->execfn)
		sum += strlen(c->execfn);
	(void)sum;
}

/* Every prefix: an error while the headers or notes are cut, a partial
 * result with a "truncated core" warning once only memory is missing. */
START_TEST(every_truncation)
{
	size_t len;
	unsigned char *buf = gen(&len);
	size_t nend = notes_end(buf);

	for (size_t cut = 0; cut <= len; cut++) {
		struct cdl_core *c = NULL;
		struct cdl_diag d = { 0 };
		int rc = cdl_core_open_mem(buf, cut, "cut.core", NULL, &c, &d);

		if (cut < nend) {
			ck_assert_msg(rc == -EINVAL, "cut at %zu: rc %d", cut, rc);
			ck_assert_ptr_null(c);
			ck_assert_msg(d.why[0] != '\0', "cut at %zu: no reason", cut);
			ck_assert_msg(strstr(d.why, "truncated core") || cut < 4 ||
				      strstr(d.why, "empty file"), "cut at %zu: %s", cut, d.why);
			continue;
		}
		ck_assert_msg(rc == 0, "cut at %zu: %s", cut, d.why);
		ck_assert_int_eq(c->nthreads, 2);
		ck_assert_int_eq(c->nmaps, 2);
		if (cut < len) {
			ck_assert_msg(c->nwarnings >= 1 && strstr(c->warnings[0], "truncated core"),
				      "cut at %zu: no truncation warning", cut);
		} else {
			ck_assert_int_eq(c->nwarnings, 0);
		}
		/* the build-id is in the first page: found once it is all there */
		if (cut >= len - GEN_STACK_HELD)
			ck_assert_int_eq(c->maps[0].buildid_state, CDL_CORE_BUILDID_FOUND);
		exercise(c);
		cdl_core_free(c);
	}
	free(buf);
}
END_TEST

/* Random byte flips (fixed seed): a clean error or a result; never a
 * crash (means most under ASan: ./configure --enable-sanitizers). */
START_TEST(byte_flips)
{
	size_t len;
	unsigned char *buf = gen(&len);
	unsigned char *mut = malloc(len);
	size_t nend = notes_end(buf);
	unsigned seed = 4242;
	static const unsigned char interesting[] = { 0, 1, 0x7f, 0x80, 0xff, 0xfe, 4, 5, 12 };
	int ok = 0, bad = 0;

	for (int iter = 0; iter < 5000; iter++) {
		struct cdl_core *c = NULL;
		struct cdl_diag d = { 0 };
		int flips = 1 + (int)(rand_r(&seed) % 4), rc;

		memcpy(mut, buf, len);
		for (int k = 0; k < flips; k++) {
			/* mostly the headers and notes, where the numbers are */
			size_t at = rand_r(&seed) % 4 ? rand_r(&seed) % nend : rand_r(&seed) % len;
			unsigned r = (unsigned)rand_r(&seed);

			mut[at] = r % 3 ? (unsigned char)r : interesting[r % sizeof(interesting)];
		}
		rc = cdl_core_open_mem(mut, len, "flip.core", NULL, &c, &d);
		if (rc == 0) {
			ok++;
			exercise(c);
			cdl_core_free(c);
		} else {
			bad++;
			ck_assert_ptr_null(c);
			ck_assert_msg(d.what[0] != '\0', "iter %d: rc %d, empty diag", iter, rc);
			ck_assert_msg(strchr(d.why, '\n') == NULL, "iter %d: %s", iter, d.why);
		}
	}
	ck_assert(ok > 0 && bad > 0);
	free(mut);
	free(buf);
}
END_TEST

static unsigned char *zstd_of(const unsigned char *in, size_t len, size_t *zlen)
{
	size_t cap = ZSTD_compressBound(len);
	unsigned char *z = malloc(cap);

	*zlen = ZSTD_compress(z, cap, in, len, 3);
	ck_assert(!ZSTD_isError(*zlen));
	return z;
}

START_TEST(compressed)
{
	size_t len, zlen, xlen = 0;
#ifdef HAVE_LZ4
	size_t llen;
#endif
	unsigned char *buf = gen(&len);
	unsigned char *z = zstd_of(buf, len, &zlen);
	unsigned char *x = malloc(len + 1024);
#ifdef HAVE_LZ4
	unsigned char *l;
#endif
	struct cdl_core_opts o = { 0 };
	struct cdl_core *c;

	c = open_ok(z, zlen, NULL);
	ck_assert_int_eq(c->compression, CDL_CORE_ZSTD);
	ck_assert_str_eq(cdl_core_compression_name(c->compression), "zstd");
	ck_assert_int_eq(c->size, len);
	ck_assert_int_eq(c->nthreads, 2);
	ck_assert(c->threads[1].pc == GEN_PC1);
	ck_assert_int_eq(c->maps[0].buildid_state, CDL_CORE_BUILDID_FOUND);
	cdl_core_free(c);

	/* into an unlinked file of a chosen directory */
	o.tmpdir = "/tmp";
	c = open_ok(z, zlen, &o);
	ck_assert_int_eq(c->nthreads, 2);
	cdl_core_free(c);
	o.tmpdir = "/nonexistent";
	expect_error(z, zlen, &o, ENOENT, "cannot create a temporary file in /nonexistent");
	o.tmpdir = NULL;
	o.max_decompressed = 1000;
	expect_error(z, zlen, &o, EFBIG, "exceeds the limit");
	o.max_decompressed = 0;

	/* cut or damaged */
	expect_error(z, zlen - 3, NULL, EINVAL, "truncated zstd data");
	expect_error(z, 4, NULL, EINVAL, "zstd data");
	z[5] ^= 0xff;
	z[6] ^= 0xff;
	expect_error(z, zlen, NULL, EINVAL, "corrupt zstd data");

#ifdef HAVE_LZMA
	ck_assert_int_eq(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, buf, len, x, &xlen,
						 len + 1024), LZMA_OK);
	c = open_ok(x, xlen, NULL);
	ck_assert_int_eq(c->compression, CDL_CORE_XZ);
	ck_assert_int_eq(c->nthreads, 2);
	cdl_core_free(c);
	expect_error(x, xlen - 5, NULL, EINVAL, "truncated xz data");
	x[xlen / 2] ^= 0x55;
	expect_error(x, xlen, NULL, EINVAL, "corrupt xz data");
#endif
#ifdef HAVE_LZ4

	llen = LZ4F_compressFrameBound(len, NULL);
	l = malloc(llen);
	llen = LZ4F_compressFrame(l, llen, buf, len, NULL);
	ck_assert(!LZ4F_isError(llen));
	c = open_ok(l, llen, NULL);
	ck_assert_int_eq(c->compression, CDL_CORE_LZ4);
	ck_assert_int_eq(c->nthreads, 2);
	cdl_core_free(c);
	expect_error(l, llen - 5, NULL, EINVAL, "truncated lz4 data");
	free(l);
#endif
	free(x);
	free(z);
	free(buf);
}
END_TEST

/* every truncation of a compressed core and flips in it: no crash */
START_TEST(compressed_fuzz)
{
	size_t len, zlen;
	unsigned char *buf = gen(&len);
	unsigned char *z = zstd_of(buf, len, &zlen), *mut = malloc(zlen);
	unsigned seed = 99;

	for (size_t cut = 0; cut < zlen; cut++) {
		struct cdl_core *c = NULL;
		struct cdl_diag d = { 0 };
		int rc = cdl_core_open_mem(z, cut, "cut.zst", NULL, &c, &d);

		ck_assert_msg(rc < 0 && d.why[0], "cut at %zu of %zu: rc %d", cut, zlen, rc);
	}
	for (int iter = 0; iter < 1000; iter++) {
		struct cdl_core *c = NULL;
		struct cdl_diag d = { 0 };

		memcpy(mut, z, zlen);
		mut[4 + rand_r(&seed) % (zlen - 4)] ^= (unsigned char)(1 + rand_r(&seed) % 255);
		if (cdl_core_open_mem(mut, zlen, "flip.zst", NULL, &c, &d) == 0) {
			exercise(c);
			cdl_core_free(c);
		} else {
			ck_assert(d.what[0] != '\0');
		}
	}
	free(mut);
	free(z);
	free(buf);
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, synthetic_facts);
	tcase_add_test(tc, memory_reads);
	tcase_add_test(tc, not_cores);
	tcase_add_test(tc, link_map_fallback);
	tcase_add_test(tc, every_truncation);
	tcase_add_test(tc, byte_flips);
	tcase_add_test(tc, compressed);
	tcase_add_test(tc, compressed_fuzz);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(core_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
