/* SPDX-License-Identifier: GPL-2.0-or-later */
/* core-gen.c - synthetic cores for test-core (see core-gen.h) */
#include "config.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "core-gen.h"

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 256;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	if (data)
		memcpy(b->p + b->len, data, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

static void pad4(struct buf *b)
{
	while (b->len % 4)
		put(b, NULL, 1);
}

static void note(struct buf *b, const char *name, uint32_t type, const void *desc, uint32_t n)
{
	uint32_t h[3] = { (uint32_t)strlen(name) + 1, n, type };

	put(b, h, sizeof(h));
	put(b, name, h[0]);
	pad4(b);
	put(b, desc, n);
	pad4(b);
}

static void prstatus(struct buf *b, int32_t tid, uint64_t pc, uint64_t sp, uint64_t fs, int16_t sig)
{
	unsigned char d[336] = { 0 };
	uint64_t regs[27] = { 0 };

	memcpy(d + 12, &sig, 2);
	memcpy(d + 32, &tid, 4);
	for (int i = 0; i < 27; i++)
		regs[i] = 0x1000 + (uint64_t)i;
	regs[16] = pc;
	regs[19] = sp;
	regs[21] = fs;
	memcpy(d + 112, regs, sizeof(regs));
	note(b, "CORE", NT_PRSTATUS, d, sizeof(d));
}

/* the program's first page: an ELF header, its phdrs (PT_LOAD, PT_NOTE)
 * and a build-id note; AT_EXECFN's string at 0x180 */
static void exe_page(unsigned char *pg)
{
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[2] = { { 0 } };
	uint32_t nh[3] = { 4, GEN_BUILD_ID_LEN, NT_GNU_BUILD_ID };

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 2;
	eh.e_ehsize = sizeof(eh);
	ph[0].p_type = PT_LOAD;
	ph[0].p_vaddr = GEN_EXE_BASE;
	ph[0].p_filesz = ph[0].p_memsz = 0x2000;
	ph[0].p_align = 0x1000;
	ph[1].p_type = PT_NOTE;
	ph[1].p_offset = 0x100;
	ph[1].p_vaddr = GEN_EXE_BASE + 0x100;
	ph[1].p_filesz = ph[1].p_memsz = 12 + 4 + GEN_BUILD_ID_LEN;
	ph[1].p_align = 4;
	memcpy(pg, &eh, sizeof(eh));
	memcpy(pg + sizeof(eh), ph, sizeof(ph));
	memcpy(pg + 0x100, nh, sizeof(nh));
	memcpy(pg + 0x10c, "GNU", 4);
	memcpy(pg + 0x110, GEN_BUILD_ID, GEN_BUILD_ID_LEN);
	memcpy(pg + 0x180, GEN_EXECFN, sizeof(GEN_EXECFN));
}

unsigned char *core_gen(const struct core_gen *g, size_t *len)
{
	struct buf notes = { 0 }, out = { 0 };
	unsigned char fp[512], ps[136] = { 0 }, si[128] = { 0 };
	unsigned char exe[GEN_EXE_HELD] = { 0 }, stack[GEN_STACK_HELD];
	uint64_t auxv[] = { AT_PHDR, GEN_EXE_BASE + 64, AT_PHENT, 56, AT_PHNUM, 2,
			    AT_ENTRY, GEN_EXE_BASE + 0x1000, AT_BASE, 0x7f0000100000ULL,
			    AT_EXECFN, GEN_EXECFN_ADDR, AT_NULL, 0 };
	int32_t v;
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[3] = { { 0 } };

	prstatus(&notes, GEN_TID0, GEN_PC0, GEN_SP0, GEN_FS0, 6);
	ps[0] = 1;
	ps[1] = 'S';
	v = 1000; memcpy(ps + 16, &v, 4);
	v = GEN_TID0; memcpy(ps + 24, &v, 4);
	v = 1; memcpy(ps + 28, &v, 4);
	memcpy(ps + 40, "synthetic", 9);
	memcpy(ps + 56, "synthetic --flag ", 17);
	note(&notes, "CORE", NT_PRPSINFO, ps, sizeof(ps));
	v = 6; memcpy(si, &v, 4);
	v = -6; memcpy(si + 8, &v, 4);
	note(&notes, "CORE", NT_SIGINFO, si, sizeof(si));
	note(&notes, "CORE", NT_AUXV, auxv, sizeof(auxv));
	if (!g->no_file) {
		struct buf f = { 0 };
		uint64_t hdr[2] = { 2, 4096 };
		uint64_t e[6] = { GEN_EXE_BASE, GEN_EXE_BASE + 0x2000, 0,
				  0x7f0000200000ULL, 0x7f0000203000ULL, 0 };

		put(&f, hdr, sizeof(hdr));
		put(&f, e, sizeof(e));
		put(&f, GEN_EXECFN, sizeof(GEN_EXECFN));
		put(&f, GEN_LIB, sizeof(GEN_LIB));
		note(&notes, "CORE", NT_FILE, f.p, (uint32_t)f.len);
		free(f.p);
	}
	if (g->snapshot_json)
		note(&notes, "CDEADLOCK", 0x4344, g->snapshot_json,
		     (uint32_t)strlen(g->snapshot_json));
	for (int i = 0; i < 512; i++)
		fp[i] = (unsigned char)i;
	note(&notes, "CORE", NT_FPREGSET, fp, sizeof(fp));
	prstatus(&notes, GEN_TID1, GEN_PC1, GEN_SP1, GEN_FS0 + 0x10000, 0);
	note(&notes, "CORE", NT_FPREGSET, fp, sizeof(fp));

	exe_page(exe);
	for (int i = 0; i < GEN_STACK_HELD; i++)
		stack[i] = (unsigned char)(0xa0 ^ i);

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = g->type ? g->type : ET_CORE;
	eh.e_machine = g->machine ? g->machine : EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 3;
	eh.e_ehsize = sizeof(eh);
	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = sizeof(eh) + sizeof(ph);
	ph[0].p_filesz = notes.len;
	ph[1].p_type = PT_LOAD;
	ph[1].p_flags = PF_R | PF_X;
	ph[1].p_offset = ph[0].p_offset + notes.len;
	ph[1].p_vaddr = GEN_EXE_BASE;
	ph[1].p_filesz = GEN_EXE_HELD;
	ph[1].p_memsz = 0x2000;
	ph[2].p_type = PT_LOAD;
	ph[2].p_flags = PF_R | PF_W;
	ph[2].p_offset = ph[1].p_offset + GEN_EXE_HELD;
	ph[2].p_vaddr = GEN_STACK;
	ph[2].p_filesz = GEN_STACK_HELD;
	ph[2].p_memsz = 0x1000;
	put(&out, &eh, sizeof(eh));
	put(&out, ph, sizeof(ph));
	put(&out, notes.p, notes.len);
	put(&out, exe, sizeof(exe));
	put(&out, stack, sizeof(stack));
	free(notes.p);
	*len = out.len;
	return out.p;
}
