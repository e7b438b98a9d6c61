/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-classify-musl.c - the musl backend over synthetic memory laid out
 * like musl 1.2.3 on x86-64 (struct pthread: self at 0, tid at 48,
 * detach_state at 56, canceldisable at 64): identification, layouts,
 * classification of every object, and the unwinding of frames without
 * CFI from synthetic code (no ptrace). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify-world.h"
#include "libc.h"
#include "memimg.h"
#include "snapshot.h"

#define MUSL_SO "/usr/lib/x86_64-linux-musl/libc.so"

static const struct cdl_libc_ops *musl(void)
{
	const struct cdl_libc_ops *const *all = cdl_libc_backends();

	for (size_t i = 0; all[i]; i++)
		if (strcmp(all[i]->name, "musl") == 0)
			return all[i];
	ck_abort_msg("no musl backend");
	return NULL;
}

struct world {
	struct cdl_snapshot *s;
	unsigned char data[4096];
	unsigned char pd[12][256];
	unsigned char stack[12][4096];
	size_t n;
	struct cdl_libc_layout l;
};

static void w_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->s = cdl_snapshot_new();
	ck_assert_ptr_nonnull(w->s);
	ck_assert(musl()->layout_for(&w->l, 1, 2, 3));
}

/* A thread whose struct pthread is at PD(i), its stack below. */
static struct cdl_thread *w_thread(struct world *w, int tid)
{
	size_t i = w->n++;
	struct cdl_thread *t = cdl_snapshot_add_thread(w->s, tid);

	ck_assert_uint_lt(i, 12);
	put64(w->pd[i], 0, PD(i));
	put32(w->pd[i], 48, (uint32_t)tid);
	put32(w->pd[i], 56, 2);                  /* joinable */
	t->thread_pointer = PD(i);
	t->sp = STACK(i) + 0x800;
	t->state = 'S';
	return t;
}

static void w_classify(struct world *w)
{
	world_memory(w->s, w->data, sizeof(w->data), w->pd[0], sizeof(w->pd[0]),
		     w->stack[0], sizeof(w->stack[0]), w->n);
	musl()->classify(w->s, &w->l);
}

static const struct cdl_wait *wait_of(struct world *w, int tid)
{
	struct cdl_thread *t = cdl_snapshot_find_thread(w->s, tid);

	ck_assert_ptr_nonnull(t);
	ck_assert(t->has_wait);
	return &t->wait;
}

/* ---- identification ---- */

struct fakemod {
	const char *rodata;
	size_t len;
	const char *const *symbols;
};

static bool fm_symbol(const struct cdl_libc_module *m, const char *name, uint64_t *a, uint64_t *sz)
{
	const struct fakemod *f = m->priv;

	for (size_t i = 0; f->symbols && f->symbols[i]; i++)
		if (strcmp(f->symbols[i], name) == 0) {
			*a = 0x1000 + i * 16;
			*sz = 16;
			return true;
		}
	return false;
}

static const void *fm_section(const struct cdl_libc_module *m, const char *name, size_t *len)
{
	const struct fakemod *f = m->priv;

	if (strcmp(name, ".rodata") != 0 || !f->rodata)
		return NULL;
	*len = f->len;
	return f->rodata;
}

static int identify(const char *path, bool exe, const struct fakemod *f, struct cdl_libc_id *id)
{
	struct cdl_libc_module m = { .path = path, .is_exe = exe, .priv = (void *)f,
				     .symbol = fm_symbol, .section = fm_section };

	return musl()->identify(&m, id);
}

START_TEST(identify_and_layouts)
{
	static const char ro[] = "x\0musl libc (x86_64)\nVersion %s\0abc\0" "1.2.3\0tail";
	static const char ro2[] = "x\0musl libc (x86_64)\0" "1.2.3\0" "1.2.4\0";
	static const char ro_glibc[] = "x\0GNU C Library\0" "2.36\0";
	static const char *const st[] = { "__init_tp", "__timedwait_cp", "main", NULL };
	static const char *const gst[] = { "__libc_setup_tls", "main", NULL };
	struct fakemod f = { ro, sizeof(ro), NULL };
	struct cdl_libc_id id;
	struct cdl_libc_layout l;

	/* Debian's musl is a libc.so too: the musl backend claims it first */
	ck_assert(musl()->is_main_module(MUSL_SO));
	ck_assert(musl()->is_main_module("/lib/ld-musl-x86_64.so.1"));
	ck_assert(!musl()->is_main_module("/lib/x86_64-linux-gnu/libc.so.6"));
	ck_assert_str_eq(cdl_libc_ops_for_module(MUSL_SO)->name, "musl");
	ck_assert_str_eq(cdl_libc_ops_for_module("/lib/x86_64-linux-gnu/libc.so.6")->name, "glibc");

	ck_assert_int_eq(identify(MUSL_SO, false, &f, &id), 0);
	ck_assert_str_eq(id.name, "musl 1.2.3");
	ck_assert_int_eq(id.major * 10000 + id.minor * 100 + id.patch, 10203);
	f = (struct fakemod){ ro2, sizeof(ro2), NULL };
	ck_assert_int_eq(identify(MUSL_SO, false, &f, &id), 0);
	ck_assert_str_eq(id.name, "musl (release not found)");      /* two candidates */
	f = (struct fakemod){ ro_glibc, sizeof(ro_glibc), NULL };
	ck_assert_int_eq(identify("/x/libc.so", false, &f, &id), -ENOENT);
	f = (struct fakemod){ NULL, 0, st };
	ck_assert_int_eq(identify("/usr/bin/app", true, &f, &id), 0);
	ck_assert(strncmp(id.name, "musl (static", 12) == 0);
	f = (struct fakemod){ NULL, 0, gst };
	ck_assert_int_eq(identify("/usr/bin/app", true, &f, &id), -ENOENT);

	ck_assert(musl()->layout_for(&l, 1, 2, 3));
	ck_assert_uint_eq(l.pthread_tid, 48);
	ck_assert_uint_eq(l.pthread_joinid, 56);
	ck_assert_uint_eq(l.pthread_canceldisable, 64);
	ck_assert_uint_eq(l.pthread_size, 200);
	ck_assert(musl()->layout_for(&l, 1, 2, 5));
	ck_assert(!musl()->layout_for(&l, 1, 2, 1));      /* tid at 56 then */
	ck_assert(!musl()->layout_for(&l, 1, 1, 24));
	ck_assert(musl()->layout_for(&l, 0, 0, 0));       /* static: proven from memory */
}
END_TEST

/* ---- mutexes ---- */

START_TEST(mutex_types)
{
	struct world w;
	const struct cdl_wait *x;

	w_init(&w);
	/* DATA+0 normal, +64 errorcheck, +128 recursive, +192 robust,
	 * +256 PI, +320 pshared errorcheck, +384 errorcheck released */
	put32(w.data, 0, 0);
	put32(w.data, 4, 0x80000010);
	put32(w.data, 64, 2);
	put32(w.data, 68, 0x80000000 | 200);
	put32(w.data, 128, 1);
	put32(w.data, 132, 0x80000000 | 200);
	put32(w.data, 192, 4);
	put32(w.data, 196, 0xc0000000 | 200);     /* owner died, waiters */
	put32(w.data, 256, 8);
	put32(w.data, 260, 200);
	put32(w.data, 320, 130);
	put32(w.data, 324, 0x80000000 | 200);
	put32(w.data, 384, 2);
	put32(w.data, 388, 0);
	futex_call(w_thread(&w, 100), DATA + 4, 0x80, 0x80000010);
	w_thread(&w, 200);
	futex_call(w_thread(&w, 101), DATA + 68, 0x80, 0x80000000 | 200);
	futex_call(w_thread(&w, 102), DATA + 132, 0x80, 0x80000000 | 200);
	futex_call(w_thread(&w, 103), DATA + 196, 0x80, 0xc0000000 | 200);
	futex_call(w_thread(&w, 104), DATA + 260, 0x86, 0);
	futex_call(w_thread(&w, 105), DATA + 324, 0, 0x80000000 | 200);
	futex_call(w_thread(&w, 106), DATA + 388, 0x80, 0x80000000 | 200);
	w_classify(&w);

	x = wait_of(&w, 100);          /* NORMAL: no owner anywhere */
	ck_assert_int_eq(x->kind, CDL_WAIT_MUTEX);
	ck_assert_uint_eq(x->address, DATA);
	ck_assert_int_eq(x->owner_tid, 0);
	ck_assert_str_eq(x->detail, "musl normal mutex");
	ck_assert_uint_eq(x->flags, CDL_WAITF_OWNER_UNKNOWN);
	/* the owner-recording types: owner 200, from the lock word */
	static const struct { int tid; unsigned off, flags; } own[] = {
		{ 101, 64, CDL_WAITF_ERRORCHECK },
		{ 102, 128, CDL_WAITF_RECURSIVE },
		{ 103, 192, CDL_WAITF_ROBUST },
		{ 104, 256, CDL_WAITF_PI },
		{ 105, 320, CDL_WAITF_ERRORCHECK | CDL_WAITF_PSHARED },
	};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		x = wait_of(&w, own[i].tid);
		ck_assert_int_eq(x->kind, CDL_WAIT_MUTEX);
		ck_assert_int_eq(x->owner_tid, 200);
		ck_assert_uint_eq(x->address, DATA + own[i].off);
		ck_assert_uint_eq(x->flags, own[i].flags);
	}
	x = wait_of(&w, 106);          /* released at the freeze: being woken */
	ck_assert_int_eq(x->kind, CDL_WAIT_MUTEX);
	ck_assert_int_eq(x->owner_tid, 0);
	ck_assert_uint_eq(x->flags, CDL_WAITF_ERRORCHECK);
	cdl_snapshot_free(w.s);
}
END_TEST

/* ---- rwlock, semaphore, join, condvar, stdio ---- */

START_TEST(other_objects)
{
	struct world w;
	const struct cdl_wait *x;
	struct cdl_thread *t;

	w_init(&w);
	put32(w.data, 0, 0xffffffff);             /* rwlock write-locked, waiters */
	put32(w.data, 8, 0);                      /* _rw_shared: private */
	put32(w.data, 64, 0x80000002);            /* rwlock, 2 readers, waiters */
	put32(w.data, 68, 1);                     /* _rw_waiters */
	put32(w.data, 512, 0x80000002);           /* musl's __lock: INT_MIN + 2 */
	put32(w.data, 128, 0xffffffff);           /* sem, 1.2.3: -1 */
	put32(w.data, 136, 128);                  /* __val[2]: private */
	put32(w.data, 192, 0x80000000);           /* sem, 1.2.4+ */
	put32(w.data, 200, 128);
	put32(w.data, 256 + 140, 0x40000000 | 200);   /* FILE lock */
	t = w_thread(&w, 100);
	futex_call(t, DATA, 0x80, 0xffffffff);
	frame(w.s, t, "pthread_rwlock_timedrdlock", MUSL_SO);
	futex_call(w_thread(&w, 101), DATA + 64, 0x80, 0x80000002);
	futex_call(w_thread(&w, 102), DATA + 128, 0x80, 0xffffffff);
	futex_call(w_thread(&w, 103), DATA + 192, 0x80, 0x80000000);
	w_thread(&w, 200);
	futex_call(w_thread(&w, 104), PD(4) + 56, 0x80, 2);      /* joins 200 */
	t = w_thread(&w, 105);                                  /* cond wait */
	put32(w.stack[6], 0x900 + 16, 0);                       /* node.state WAITING */
	put32(w.stack[6], 0x900 + 20, 2);                       /* node.barrier */
	w.pd[6][64] = 2;                                        /* cancel MASKED */
	futex_call(t, STACK(6) + 0x900 + 20, 0x80, 2);
	t = w_thread(&w, 106);                                  /* the same, not masked */
	put32(w.stack[7], 0x900 + 20, 2);
	futex_call(t, STACK(7) + 0x900 + 20, 0x80, 2);
	futex_call(w_thread(&w, 107), DATA + 256 + 140, 0x80, 0x40000000 | 200);
	futex_call(w_thread(&w, 108), DATA + 512, 0x80, 0x80000002);
	t = w_thread(&w, 109);                    /* the same, frames known */
	futex_call(t, DATA + 512, 0x80, 0x80000002);
	frame(w.s, t, "__lock", "/usr/bin/static-app");
	frame(w.s, t, "malloc", "/usr/bin/static-app");
	w_classify(&w);

	x = wait_of(&w, 100);          /* a reader waits for the unrecorded writer */
	ck_assert_int_eq(x->kind, CDL_WAIT_RWLOCK_READ);
	ck_assert_int_eq(x->owner_tid, 0);
	ck_assert(x->flags & CDL_WAITF_OWNER_UNKNOWN);
	ck_assert_str_eq(x->detail, "musl rwlock");
	x = wait_of(&w, 101);          /* a writer waits for two readers */
	ck_assert_int_eq(x->kind, CDL_WAIT_RWLOCK_WRITE);
	ck_assert_uint_eq(x->flags, CDL_WAITF_READERS);
	ck_assert_int_eq(x->readers, 2);
	ck_assert_int_eq(wait_of(&w, 102)->kind, CDL_WAIT_SEMAPHORE);
	ck_assert_int_eq(wait_of(&w, 103)->kind, CDL_WAIT_SEMAPHORE);
	x = wait_of(&w, 104);
	ck_assert_int_eq(x->kind, CDL_WAIT_JOIN);
	ck_assert_int_eq(x->owner_tid, 200);
	ck_assert_uint_eq(x->address, PD(4));
	x = wait_of(&w, 105);
	ck_assert_int_eq(x->kind, CDL_WAIT_CONDVAR);
	ck_assert_int_eq(x->owner_tid, 0);
	ck_assert_int_eq(wait_of(&w, 106)->kind, CDL_WAIT_FUTEX);
	x = wait_of(&w, 107);
	ck_assert_int_eq(x->kind, CDL_WAIT_MUTEX);
	ck_assert_uint_eq(x->flags, CDL_WAITF_LIBC_INTERNAL);
	ck_assert_int_eq(x->owner_tid, 200);
	ck_assert_uint_eq(x->address, DATA + 256);
	ck_assert_int_eq(wait_of(&w, 108)->kind, CDL_WAIT_FUTEX);   /* not a rwlock */
	x = wait_of(&w, 109);
	ck_assert_int_eq(x->kind, CDL_WAIT_MUTEX);
	ck_assert_uint_eq(x->flags, CDL_WAITF_LIBC_INTERNAL | CDL_WAITF_OWNER_UNKNOWN);
	cdl_snapshot_free(w.s);
}
END_TEST

/* A static program (release unknown): the layout must be proven by every
 * thread's descriptor, or no owner is read; a stripped one is musl only
 * by that proof. */
START_TEST(unknown_release_needs_proof)
{
	for (int proven = 0; proven < 2; proven++) {
		struct cdl_libc_id id;
		struct world w;

		w_init(&w);
		ck_assert(musl()->layout_for(&w.l, 0, 0, 0));
		put32(w.data, 0, 2);
		put32(w.data, 4, 0x80000000 | 200);
		futex_call(w_thread(&w, 100), DATA + 4, 0x80, 0x80000000 | 200);
		w_thread(&w, 200);
		if (!proven)
			put64(w.pd[1], 0, 0x1234);    /* not self: not musl's layout */
		w_classify(&w);
		ck_assert_int_eq(wait_of(&w, 100)->owner_tid, proven ? 200 : 0);
		ck_assert(!!(wait_of(&w, 100)->flags & CDL_WAITF_LAYOUT_UNKNOWN) == !proven);
		ck_assert_uint_eq(w.s->nwarnings, proven ? 0 : 1);
		/* the same proof identifies a stripped static program */
		ck_assert_int_eq(musl()->identify_memory(w.s, &id), proven ? 0 : -ENOENT);
		cdl_snapshot_free(w.s);
	}
}
END_TEST

/* ---- frames without CFI ---- */

#define CODE 0x400000ull
static unsigned char code[0x3000];
static uint64_t stack_base;
static uint64_t stack_words[16];
static bool entry_known;

static bool q_read(const struct cdl_libc_code *q, uint64_t a, uint64_t *v)
{
	(void)q;
	if (a < stack_base || a >= stack_base + sizeof(stack_words) || (a & 7))
		return false;
	*v = stack_words[(a - stack_base) / 8];
	return true;
}

static const unsigned char *q_code(const struct cdl_libc_code *q, uint64_t a, size_t len)
{
	(void)q;
	return a >= CODE && a + len <= CODE + sizeof(code) ? code + (a - CODE) : NULL;
}

static uint64_t q_entry(const struct cdl_libc_code *q, uint64_t a)
{
	(void)q;
	return entry_known && a >= CODE + 0x1000 && a < CODE + 0x1100 ? CODE + 0x1000 : 0;
}

/* call rel32 at `at` to `to`: returns the return address */
static uint64_t put_call(uint64_t at, uint64_t to)
{
	int32_t rel = (int32_t)(to - (at + 5));

	code[at - CODE] = 0xe8;
	memcpy(code + at - CODE + 1, &rel, 4);
	return at + 5;
}

START_TEST(nocfi_frames)
{
	static const unsigned char prologue[] = {
		0x41, 0x56,                   /* push %r14 */
		0x49, 0x89, 0xfe,             /* mov %rdi,%r14 */
		0xbf, 0x01, 0, 0, 0,          /* mov $1,%edi */
		0x53,                         /* push %rbx */
		0x48, 0x83, 0xec, 0x10,       /* sub $0x10,%rsp: the body */
		0x55,                         /* push %rbp, in the body: not saved */
	};
	struct cdl_libc_code q = { .read = q_read, .code = q_code, .entry = q_entry };
	struct cdl_libc_nocfi r;
	uint64_t f = CODE + 0x1000, pc = CODE + 0x1040, ret, stale;

	memset(code, 0x90, sizeof(code));
	memcpy(code + 0x1000, prologue, sizeof(prologue));
	ret = put_call(CODE + 0x2000, f);               /* the caller */
	stale = put_call(CODE + 0x2100, CODE + 0x1800); /* a call to another function */
	stack_base = 0x7ffd0000;
	memset(stack_words, 0, sizeof(stack_words));
	stack_words[0] = stale;          /* a stale return address in a local */
	stack_words[1] = CODE + 0x1234;  /* code, but not after a call */
	stack_words[2] = 0x1111;         /* saved rbx */
	stack_words[3] = 0x2222;         /* saved r14 */
	stack_words[4] = ret;

	entry_known = true;
	ck_assert(musl()->nocfi_frame(&q, pc, stack_base, &r));
	ck_assert_uint_eq(r.ra_slot, stack_base + 32);
	ck_assert_uint_eq(r.nsaved, 2);
	ck_assert_uint_eq(r.saved[0].reg, 14);
	ck_assert_uint_eq(r.saved[0].at, stack_base + 24);
	ck_assert_uint_eq(r.saved[1].reg, 3);
	ck_assert_uint_eq(r.saved[1].at, stack_base + 16);

	/* a hidden function (no symbol): the call target is its entry */
	entry_known = false;
	ck_assert(musl()->nocfi_frame(&q, pc, stack_base, &r));
	ck_assert_uint_eq(r.ra_slot, stack_base + 32);
	ck_assert_uint_eq(r.nsaved, 2);

	/* through a stub that jumps to the function (__syscall_cp) */
	code[0x1800] = 0xe9;
	{
		int32_t rel = (int32_t)(f - (CODE + 0x1805));

		memcpy(code + 0x1800 + 1, &rel, 4);
	}
	stack_words[0] = 0;
	stack_words[4] = put_call(CODE + 0x2200, CODE + 0x1800);
	entry_known = true;
	ck_assert(musl()->nocfi_frame(&q, pc, stack_base, &r));
	ck_assert_uint_eq(r.ra_slot, stack_base + 32);

	/* nothing proves itself: no frame */
	stack_words[0] = stale;
	stack_words[4] = CODE + 0x1234;
	code[0x1800] = 0x90;
	ck_assert(!musl()->nocfi_frame(&q, pc, stack_base, &r));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("classify-musl");
	TCase *tc = tcase_create("musl");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, identify_and_layouts);
	tcase_add_test(tc, mutex_types);
	tcase_add_test(tc, other_objects);
	tcase_add_test(tc, unknown_release_needs_proof);
	tcase_add_test(tc, nocfi_frames);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
