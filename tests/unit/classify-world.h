/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classify-world.h - what the classifier tests (test-classify.c for
 * glibc, test-classify-musl.c) share to build a synthetic process: its
 * addresses, writing words, futex calls and frames, and copying the
 * world's memory into the snapshot (header-only, for the tests). */
#ifndef CLASSIFY_WORLD_H
#define CLASSIFY_WORLD_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "memimg.h"
#include "snapshot.h"

/* Addresses of the synthetic process. */
#define PD(i)     (0x7f0000100000ull + (uint64_t)(i) * 0x10000)
#define STACK(i)  (PD(i) - 0x1000)     /* 4 KiB of stack below each pd */
#define DATA      0x555555558000ull    /* globals: locks */

static inline void put32(unsigned char *base, size_t off, uint32_t v)
{
	memcpy(base + off, &v, 4);
}

static inline void put64(unsigned char *base, size_t off, uint64_t v)
{
	memcpy(base + off, &v, 8);
}

static inline void futex_call(struct cdl_thread *t, uint64_t uaddr, uint64_t op, uint64_t val)
{
	t->in_syscall = true;
	t->syscall_nr = 202;
	t->syscall_args[0] = uaddr;
	t->syscall_args[1] = op;
	t->syscall_args[2] = val;
}

static inline void frame(struct cdl_snapshot *s, struct cdl_thread *t, const char *fn,
			 const char *mod)
{
	struct cdl_frame *f = cdl_thread_add_frame(t);

	ck_assert_ptr_nonnull(f);
	f->function = cdl_snapshot_intern(s, fn);
	f->module = cdl_snapshot_intern(s, mod);
}

/* Give s a memory image of the world: data at DATA, then n descriptors
 * (pdsz bytes each, at PD(i)) and stacks (stsz bytes each, at STACK(i))
 * from consecutive arrays; and sort its threads. */
static inline void world_memory(struct cdl_snapshot *s, const unsigned char *data, size_t dlen,
				const unsigned char *pds, size_t pdsz,
				const unsigned char *stacks, size_t stsz, size_t n)
{
	struct cdl_memimg *m = cdl_memimg_new();

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(cdl_memimg_add_copy(m, DATA, data, dlen), 0);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(cdl_memimg_add_copy(m, PD(i), pds + i * pdsz, pdsz), 0);
		ck_assert_int_eq(cdl_memimg_add_copy(m, STACK(i), stacks + i * stsz, stsz), 0);
	}
	s->mem = m;
	cdl_snapshot_sort(s);
}

#endif
