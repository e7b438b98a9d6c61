/* SPDX-License-Identifier: GPL-2.0-or-later */
/* core-gen.h - a tiny generator of synthetic x86-64 cores for the unit
 * tests: an ELF header, one PT_NOTE (two NT_PRSTATUS, a NT_FPREGSET,
 * NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE) and two PT_LOAD segments:
 * the first page of the "program" (its ELF header with a build-id note,
 * and the AT_EXECFN string), and a stack with memsz > filesz. */
#ifndef CORE_GEN_H
#define CORE_GEN_H

#include <stddef.h>
#include <stdint.h>

#define GEN_TID0 4242
#define GEN_TID1 4243
#define GEN_PC0 0x401123ULL
#define GEN_PC1 0x401456ULL
#define GEN_SP0 0x7ffd0100ULL
#define GEN_SP1 0x7ffd0080ULL
#define GEN_FS0 0x7f0000001000ULL
#define GEN_EXE_BASE 0x400000ULL
#define GEN_EXE_HELD 512      /* bytes of the program's first page dumped */
#define GEN_STACK 0x7ffd0000ULL
#define GEN_STACK_HELD 256    /* filesz; memsz is 4096 */
#define GEN_EXECFN_ADDR (GEN_EXE_BASE + 0x180)
#define GEN_EXECFN "/usr/bin/synthetic"
#define GEN_LIB "/usr/lib/libsynth.so.1"
#define GEN_BUILD_ID "\x01\x23\x45\x67\x89\xab\xcd\xef\x10\x32\x54\x76\x98\xba\xdc\xfe\x00\x11\x22\x33"
#define GEN_BUILD_ID_LEN 20

struct core_gen {
	uint16_t machine;       /* 0: EM_X86_64 */
	uint16_t type;          /* 0: ET_CORE */
	int no_file;            /* leave NT_FILE out */
	const char *snapshot_json;   /* non-NULL: a CDEADLOCK note with it
	                                (what --save-core embeds) */
};

/* a malloc'd core; *len its size */
unsigned char *core_gen(const struct core_gen *g, size_t *len);

#endif
