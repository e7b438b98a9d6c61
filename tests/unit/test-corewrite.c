/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-corewrite.c - the --save-core writer (corewrite.h) over a raw
 * capture built by hand, read back with the core reader (core.h): every
 * thread's registers, the process facts, auxv, the file list, memory that
 * is there and memory that is not, segments cut at mapping boundaries,
 * the snapshot note; and its errors. */
#include "config.h"

#include <check.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "corewrite.h"
#include "memimg.h"
#include "rawcap.h"

static char dir[] = "/tmp/cdl-corewrite.XXXXXX";
static char path[256];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.core", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
	strcpy(dir, "/tmp/cdl-corewrite.XXXXXX");
}

static void add_map(struct cdl_rawcap *rc, uint64_t start, uint64_t end, uint64_t off,
		    const char *perms, const char *p)
{
	static char paths[8][64];
	struct cdl_map *m;

	rc->maps.m = realloc(rc->maps.m, (rc->maps.n + 1) * sizeof(*rc->maps.m));
	ck_assert_ptr_nonnull(rc->maps.m);
	m = &rc->maps.m[rc->maps.n];
	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = end;
	m->offset = off;
	snprintf(m->perms, sizeof(m->perms), "%s", perms);
	snprintf(paths[rc->maps.n], sizeof(paths[0]), "%s", p);
	m->path = paths[rc->maps.n];
	m->ino = p[0] == '/' ? 42 : 0;
	rc->maps.n++;
}

/* three threads: 100 (registers as the kernel gave them), 101 (DWARF
 * registers only), 102 (none: it did not stop) */
static struct cdl_rawcap *capture(void)
{
	struct cdl_rawcap *rc = cdl_rawcap_new();
	struct cdl_rawcap_thread *t;
	unsigned char page[8192];
	uint64_t auxv[4] = { AT_PAGESZ, 4096, AT_NULL, 0 };

	ck_assert_ptr_nonnull(rc);
	rc->pid = 100;
	t = cdl_rawcap_add_thread(rc, 100);
	for (unsigned i = 0; i < 27; i++)
		t->r.kregs[i] = 0x1000 + i;
	t->r.nkregs = 27;
	t->r.nregs = 17;
	t = cdl_rawcap_add_thread(rc, 101);
	for (unsigned i = 0; i < 17; i++)
		t->r.regs[i] = 0x2000 + i;
	t->r.nregs = 17;
	t->r.pc = 0x2010;
	t->r.sp = 0x2007;
	t->r.thread_pointer = 0x7000;
	t = cdl_rawcap_add_thread(rc, 102);
	t->regs_status = CDL_RAWREGS_NOT_STOPPED;

	rc->proc.valid = true;
	rc->proc.ppid = 1;
	rc->proc.pgrp = 100;
	rc->proc.sid = 99;
	rc->proc.uid = 1000;
	rc->proc.gid = 1001;
	rc->proc.state = 'S';
	memcpy(rc->proc.fname, "bankd", 5);
	strcpy(rc->proc.psargs, "/opt/bankd --port 1");
	rc->auxv = malloc(sizeof(auxv));
	memcpy(rc->auxv, auxv, sizeof(auxv));
	rc->auxv_len = sizeof(auxv);

	add_map(rc, 0x400000, 0x401000, 0, "r--p", "/opt/bankd");
	add_map(rc, 0x401000, 0x402000, 0x1000, "rw-p", "/opt/bankd");
	add_map(rc, 0x402000, 0x404000, 0, "rw-p", "");
	add_map(rc, 0x7ff000, 0x800000, 0, "rw-p", "[stack]");
	/* one region over three mappings, one in the stack */
	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = (unsigned char)(i * 7);
	ck_assert_int_eq(cdl_memimg_add_copy(rc->mem, 0x400000, page, 4096), 0);
	ck_assert_int_eq(cdl_memimg_add_copy(rc->mem, 0x401000, page + 4096, 4096), 0);
	ck_assert_int_eq(cdl_memimg_add_copy(rc->mem, 0x402000, page, 4096), 0);
	ck_assert_int_eq(cdl_memimg_add_copy(rc->mem, 0x7ff000, page, 4096), 0);
	return rc;
}

START_TEST(round_trip)
{
	struct cdl_rawcap *rc = capture();
	struct cdl_core_write_stats st;
	struct cdl_diag d = { 0 };
	struct cdl_core *c = NULL;
	const char *json = "{\"pid\": 100}\n";
	unsigned char buf[16];
	uint64_t v;
	struct stat sb;

	ck_assert_int_eq(cdl_core_write(path, rc, rc->mem, json, strlen(json), &st, &d), 0);
	ck_assert_int_eq(st.threads, 2);
	ck_assert_int_eq(st.skipped, 1);
	ck_assert_int_eq(st.segments, 4);     /* cut at the three mapping boundaries */
	ck_assert_int_eq(st.mem_bytes, 4 * 4096);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq((size_t)sb.st_size, st.file_bytes);

	ck_assert_msg(cdl_core_open(path, NULL, &c, &d) == 0, "%s: %s", d.what, d.why);
	ck_assert_int_eq(c->nthreads, 2);
	ck_assert_int_eq(c->threads[0].tid, 100);
	ck_assert_int_eq(c->threads[0].ppid, 1);
	ck_assert_int_eq(c->threads[0].sid, 99);
	for (unsigned i = 0; i < 27; i++)
		ck_assert_uint_eq(c->threads[0].regs[i], 0x1000 + i);
	ck_assert_ptr_null(c->threads[0].fpregs);
	/* DWARF numbers back to user_regs_struct: rip 16, rsp 19, rbx 5,
	 * r15 0, fs_base 21; orig_rax -1 (not in a syscall) */
	ck_assert_int_eq(c->threads[1].tid, 101);
	ck_assert_uint_eq(c->threads[1].pc, 0x2010);
	ck_assert_uint_eq(c->threads[1].sp, 0x2007);
	ck_assert_uint_eq(c->threads[1].regs[5], 0x2003);
	ck_assert_uint_eq(c->threads[1].regs[0], 0x200f);
	ck_assert_uint_eq(c->threads[1].fs_base, 0x7000);
	ck_assert_uint_eq(c->threads[1].regs[15], (uint64_t)-1);

	ck_assert(c->psinfo.valid);
	ck_assert_int_eq(c->psinfo.pid, 100);
	ck_assert_int_eq(c->psinfo.state, 'S');
	ck_assert_uint_eq(c->psinfo.uid, 1000);
	ck_assert_str_eq(c->psinfo.fname, "bankd");
	ck_assert_str_eq(c->psinfo.psargs, "/opt/bankd --port 1");
	ck_assert_int_eq(cdl_core_auxv(c, AT_PAGESZ, &v), 0);
	ck_assert_uint_eq(v, 4096);

	/* NT_FILE: the file mappings only */
	ck_assert_int_eq(c->nmaps, 2);
	ck_assert_str_eq(c->maps[1].path, "/opt/bankd");
	ck_assert_uint_eq(c->maps[1].offset, 0x1000);

	ck_assert_int_eq(c->nsegments, 4);
	ck_assert_uint_eq(c->segments[1].flags, PF_R | PF_W);
	ck_assert_uint_eq(c->segments[0].flags, PF_R);
	ck_assert_int_eq(cdl_core_read_all(c, 0x401ff8, buf, 16), 0);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(buf[i], (unsigned char)((4096 + 4088 + i) * 7));
	/* never copied: absent, not zeros */
	ck_assert_int_eq(cdl_core_read_all(c, 0x403000, buf, 8), -EFAULT);
	ck_assert_int_eq(cdl_core_read_all(c, 0x7fe000, buf, 8), -EFAULT);
	cdl_core_free(c);
	cdl_rawcap_free(rc);
}
END_TEST

/* the snapshot note: owner CDEADLOCK, type 0x4344, the JSON bytes */
START_TEST(snapshot_note)
{
	struct cdl_rawcap *rc = capture();
	struct cdl_diag d = { 0 };
	const char *json = "{\"pid\": 100, \"x\": \"a note of odd length\"}";
	size_t jl = strlen(json);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	Elf64_Nhdr nh;
	char name[12], got[128];
	FILE *f;
	int notes = 0;

	ck_assert_int_eq(cdl_core_write(path, rc, rc->mem, json, jl, NULL, &d), 0);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fread(&eh, sizeof(eh), 1, f), 1);
	ck_assert_int_eq(eh.e_type, ET_CORE);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		ck_assert_int_eq(fseek(f, (long)(eh.e_phoff + i * sizeof(ph)), SEEK_SET), 0);
		ck_assert_int_eq(fread(&ph, sizeof(ph), 1, f), 1);
		if (ph.p_type != PT_NOTE || notes++ != 1)
			continue;
		ck_assert_int_eq(fseek(f, (long)ph.p_offset, SEEK_SET), 0);
		ck_assert_int_eq(fread(&nh, sizeof(nh), 1, f), 1);
		ck_assert_int_eq(nh.n_namesz, 10);
		ck_assert_int_eq(nh.n_type, CDL_CORE_SNAPSHOT_NOTE_TYPE);
		ck_assert_int_eq(nh.n_descsz, jl);
		ck_assert_int_eq(fread(name, 12, 1, f), 1);
		ck_assert_str_eq(name, CDL_CORE_SNAPSHOT_NOTE_NAME);
		ck_assert_int_eq(fread(got, jl, 1, f), 1);
		ck_assert_int_eq(memcmp(got, json, jl), 0);
		ck_assert_uint_eq(ph.p_filesz, sizeof(nh) + 12 + ((jl + 3) & ~(size_t)3));
	}
	ck_assert_int_eq(notes, 2);
	fclose(f);
	cdl_rawcap_free(rc);
}
END_TEST

START_TEST(errors)
{
	struct cdl_rawcap *rc = capture();
	struct cdl_diag d = { 0 };
	char bad[300];

	snprintf(bad, sizeof(bad), "%s/no/such/dir/x.core", dir);
	ck_assert_int_eq(cdl_core_write(bad, rc, rc->mem, NULL, 0, NULL, &d), -ENOENT);
	ck_assert_str_eq(cdl_diag_reason(&d, EIO), strerror(ENOENT));
	ck_assert_ptr_nonnull(strstr(d.what, "save core: open"));

	/* no thread with registers: nothing a debugger could show */
	rc->threads[0].regs_status = CDL_RAWREGS_UNREADABLE;
	rc->threads[1].regs_status = CDL_RAWREGS_ZOMBIE;
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(cdl_core_write(path, rc, rc->mem, NULL, 0, NULL, &d), -ENODATA);
	ck_assert_str_eq(d.why, "no thread's registers were captured");
	ck_assert_int_ne(access(path, F_OK), 0);
	cdl_rawcap_free(rc);
}
END_TEST

/* more segments than e_phnum holds: PN_XNUM and section header 0, which
 * the reader (like gdb and libelf) follows */
START_TEST(many_segments)
{
	struct cdl_rawcap *rc = capture();
	struct cdl_core_write_stats st;
	struct cdl_diag d = { 0 };
	struct cdl_core *c = NULL;
	unsigned char b;
	const size_t n = 70000;

	for (size_t i = 0; i < n; i++) {
		b = (unsigned char)i;
		/* one byte every other byte: regions that do not touch */
		ck_assert_int_eq(cdl_memimg_add_copy(rc->mem, 0x10000000 + 2 * i, &b, 1), 0);
	}
	ck_assert_int_eq(cdl_core_write(path, rc, rc->mem, NULL, 0, &st, &d), 0);
	ck_assert_int_eq(st.segments, n + 4);
	ck_assert_msg(cdl_core_open(path, NULL, &c, &d) == 0, "%s: %s", d.what, d.why);
	ck_assert_int_eq(c->nsegments, n + 4);
	ck_assert_int_eq(cdl_core_read_all(c, 0x10000000 + 2 * 69999, &b, 1), 0);
	ck_assert_uint_eq(b, (unsigned char)69999);
	ck_assert_int_eq(cdl_core_read_all(c, 0x10000000 + 2 * 69999 + 1, &b, 1), -EFAULT);
	cdl_core_free(c);
	cdl_rawcap_free(rc);
}
END_TEST

static Suite *corewrite_suite(void)
{
	Suite *s = suite_create("corewrite");
	TCase *tc = tcase_create("corewrite");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, snapshot_note);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, many_segments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(corewrite_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
