/* SPDX-License-Identifier: GPL-2.0-or-later */
/* core-dump.c - print what the core reader finds in a core, one fact a
 * line, for tests/integration/core-read.sh to compare with eu-readelf,
 * eu-unstrip and gdb.
 *
 *   core-dump [--link-map] [--tmpdir DIR] [--cap BYTES] CORE [ADDR LEN]
 *
 * With ADDR LEN (hex, decimal) it prints the bytes read there in hex
 * instead.  Exit 0, or 1 with the one-line error on stderr.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static void print_bid(const unsigned char *b, size_t n, enum cdl_core_buildid_state st)
{
	switch (st) {
	case CDL_CORE_BUILDID_FOUND:
		for (size_t i = 0; i < n; i++)
			printf("%02x", b[i]);
		break;
	case CDL_CORE_BUILDID_NONE: printf("-"); break;
	case CDL_CORE_BUILDID_NOT_DUMPED: printf("not-dumped"); break;
	case CDL_CORE_BUILDID_ABSENT: printf("absent"); break;
	}
}

int main(int argc, char **argv)
{
	struct cdl_core_opts opts = { 0 };
	struct cdl_core *c;
	struct cdl_diag d = { 0 };
	int i = 1, rc;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--link-map") == 0)
			opts.modules_from_link_map = 1;
		else if (strcmp(argv[i], "--tmpdir") == 0 && i + 1 < argc)
			opts.tmpdir = argv[++i];
		else if (strcmp(argv[i], "--cap") == 0 && i + 1 < argc)
			opts.max_decompressed = strtoull(argv[++i], NULL, 0);
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: core-dump [--link-map] [--tmpdir DIR] [--cap N] CORE [ADDR LEN]\n");
		return 2;
	}
	rc = cdl_core_open(argv[i], &opts, &c, &d);
	if (rc < 0) {
		fprintf(stderr, "core-dump: %s: %s\n", d.what, d.why[0] ? d.why : strerror(-rc));
		return 1;
	}
	if (i + 2 < argc) {
		uint64_t addr = strtoull(argv[i + 1], NULL, 16);
		size_t len = strtoul(argv[i + 2], NULL, 0);
		unsigned char *buf = malloc(len ? len : 1);
		ssize_t n = cdl_core_read(c, addr, buf, len);

		if (n < 0) {
			printf("read %zd\n", n);
		} else {
			for (ssize_t k = 0; k < n; k++)
				printf("%02x", buf[k]);
			printf("\n");
		}
		free(buf);
		cdl_core_free(c);
		return 0;
	}
	printf("arch %s\n", c->arch);
	printf("compression %s\n", cdl_core_compression_name(c->compression));
	printf("size %llu\n", (unsigned long long)c->size);
	if (c->psinfo.valid)
		printf("psinfo pid %d ppid %d uid %u state %c fname %s psargs %s\n",
		       (int)c->psinfo.pid, (int)c->psinfo.ppid, c->psinfo.uid,
		       c->psinfo.state ? c->psinfo.state : '?', c->psinfo.fname, c->psinfo.psargs);
	if (c->siginfo.valid)
		printf("siginfo signo %d code %d addr 0x%llx\n", c->siginfo.signo,
		       c->siginfo.code, (unsigned long long)c->siginfo.addr);
	printf("threads %zu\n", c->nthreads);
	for (size_t k = 0; k < c->nthreads; k++) {
		const struct cdl_core_thread *t = &c->threads[k];

		printf("thread %d pc 0x%llx sp 0x%llx fs_base 0x%llx cursig %d fpregs %zu\n",
		       (int)t->tid, (unsigned long long)t->pc, (unsigned long long)t->sp,
		       (unsigned long long)t->fs_base, t->cursig, t->fpregs_size);
	}
	printf("auxv %zu phdr 0x%llx entry 0x%llx base 0x%llx execfn %s\n", c->nauxv,
	       (unsigned long long)c->at_phdr, (unsigned long long)c->at_entry,
	       (unsigned long long)c->at_base, c->execfn ? c->execfn : "(none)");
	{
		unsigned long long held = 0, filesz = 0;

		for (size_t k = 0; k < c->nsegments; k++) {
			held += c->segments[k].held;
			filesz += c->segments[k].filesz;
		}
		printf("segments %zu filesz %llu held %llu\n", c->nsegments, filesz, held);
	}
	printf("maps %zu\n", c->nmaps);
	for (size_t k = 0; k < c->nmaps; k++) {
		const struct cdl_core_map *m = &c->maps[k];

		printf("map 0x%llx-0x%llx 0x%llx ", (unsigned long long)m->start,
		       (unsigned long long)m->end, (unsigned long long)m->offset);
		print_bid(m->build_id, m->build_id_len, m->buildid_state);
		printf(" %s\n", m->path);
	}
	printf("modules %zu from %s\n", c->nmodules,
	       c->modsource == CDL_CORE_MODS_NT_FILE ? "nt_file" :
	       c->modsource == CDL_CORE_MODS_LINK_MAP ? "link_map" : "none");
	for (size_t k = 0; k < c->nmodules; k++) {
		const struct cdl_core_module *m = &c->modules[k];

		printf("module 0x%llx-0x%llx bias ", (unsigned long long)m->start,
		       (unsigned long long)m->end);
		if (m->has_bias)
			printf("0x%llx ", (unsigned long long)m->bias);
		else
			printf("? ");
		print_bid(m->build_id, m->build_id_len, m->buildid_state);
		printf(" %s\n", m->path[0] ? m->path : "(main)");
	}
	for (size_t k = 0; k < c->nwarnings; k++)
		printf("warning %s\n", c->warnings[k]);
	cdl_core_free(c);
	return 0;
}
