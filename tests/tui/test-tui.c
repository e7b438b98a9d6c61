/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-tui.c - the TUI driven headless over synthetic snapshots: a key
 * script in, screen dumps out, compared with tests/tui/expected/NAME.txt.
 *
 * CDL_TUI_REGEN=1 rewrites the expected files instead of comparing (check
 * the diff before committing them).  A mismatch leaves NAME.actual in the
 * build directory and prints a unified diff.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"
#include "snapshot.h"
#include "tui.h"
#include "tui-int.h"

#define T0_MS 1795752000000LL     /* 2026-11-27T04:00:00Z */

static int64_t fake_now;

static int64_t fake_clock(void)
{
	return fake_now;
}

/* ---- synthetic snapshots ---- */

static void frame(struct cdl_snapshot *s, struct cdl_thread *t, uint64_t pc, const char *fn,
		  const char *file, int line, const char *mod, bool inl)
{
	struct cdl_frame *f = cdl_thread_add_frame(t);

	ck_assert_ptr_nonnull(f);
	f->pc = pc;
	f->function = cdl_snapshot_intern(s, fn);
	f->file = cdl_snapshot_intern(s, file);
	f->line = line;
	f->module = cdl_snapshot_intern(s, mod);
	f->inlined = inl;
}

static void libc_lock_frames(struct cdl_snapshot *s, struct cdl_thread *t)
{
	frame(s, t, 0x7f0000001000, "__futex_abstimed_wait_common", "futex-internal.c", 57,
	      "/usr/lib/x86_64-linux-gnu/libc.so.6", false);
	frame(s, t, 0x7f0000002000, "___pthread_mutex_lock", "pthread_mutex_lock.c", 93,
	      "/usr/lib/x86_64-linux-gnu/libc.so.6", false);
}

static struct cdl_thread *thread(struct cdl_snapshot *s, int tid, const char *name, char st)
{
	struct cdl_thread *t = cdl_snapshot_add_thread(s, tid);

	ck_assert_ptr_nonnull(t);
	t->name = cdl_snapshot_intern(s, name);
	t->state = st;
	return t;
}

static void wait_on(struct cdl_snapshot *s, struct cdl_thread *t, enum cdl_wait_kind k,
		    uint64_t addr, const char *sym, int owner, int64_t blocked)
{
	t->has_wait = true;
	t->wait.kind = k;
	t->wait.address = addr;
	t->wait.futex = addr;
	t->wait.symbol = cdl_snapshot_intern(s, sym);
	t->wait.owner_tid = owner;
	t->wait.readers = -1;
	t->blocked_for_ms = blocked;
}

/* A bank: "transfer" and "audit" deadlock on two mutexes, "reporter" waits
 * behind them, four identical idle workers, a busy logger and main joining. */
static struct cdl_snapshot *bank(void)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_thread *t;

	ck_assert_ptr_nonnull(s);
	s->pid = 4242;
	s->exe = cdl_snapshot_intern(s, "/opt/bank/bin/bankd");
	s->captured_at = cdl_snapshot_intern(s, "2026-11-27T04:00:00.000Z");
	s->captured_at_ms = T0_MS;
	s->pause_us = 1234;
	s->libc = cdl_snapshot_intern(s, "glibc 2.36");
	s->source = cdl_snapshot_intern(s, "live");

	t = thread(s, 100, "bankd", 'S');
	t->in_syscall = true;
	t->syscall_nr = 202;     /* futex */
	t->syscall_args[0] = 0x7f00aa000910;
	t->syscall_args[1] = 0;  /* FUTEX_WAIT */
	t->syscall_args[2] = 4243;
	wait_on(s, t, CDL_WAIT_JOIN, 0x7f00aa000000, NULL, 101, 15000);
	frame(s, t, 0x7f0000003000, "__futex_abstimed_wait_common", "futex-internal.c", 57,
	      "/usr/lib/x86_64-linux-gnu/libc.so.6", false);
	frame(s, t, 0x7f0000004000, "___pthread_join", "pthread_join.c", 32,
	      "/usr/lib/x86_64-linux-gnu/libc.so.6", false);
	frame(s, t, 0x401500, "main", "bank.c", 120, "/opt/bank/bin/bankd", false);

	t = thread(s, 101, "transfer", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x4040a0, "lock_ledger", 102, 12000);
	libc_lock_frames(s, t);
	frame(s, t, 0x401200, "lock_both", "bank.c", 42, "/opt/bank/bin/bankd", true);
	frame(s, t, 0x401200, "transfer_funds", "bank.c", 58, "/opt/bank/bin/bankd", false);
	frame(s, t, 0x7f0000005000, "start_thread", "pthread_create.c", 442,
	      "/usr/lib/x86_64-linux-gnu/libc.so.6", false);

	t = thread(s, 102, "audit", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x4040e0, "lock_audit", 101, 11800);
	libc_lock_frames(s, t);
	frame(s, t, 0x401300, "audit_books", "bank.c", 77, "/opt/bank/bin/bankd", false);
	frame(s, t, 0x7f0000005000, "start_thread", "pthread_create.c", 442,
	      "/usr/lib/x86_64-linux-gnu/libc.so.6", false);

	t = thread(s, 103, "reporter", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x4040a0, "lock_ledger", 102, 9000);
	libc_lock_frames(s, t);
	frame(s, t, 0x401400, "report", "bank.c", 90, "/opt/bank/bin/bankd", false);

	for (int i = 0; i < 4; i++) {
		t = thread(s, 110 + i, "worker", 'S');
		wait_on(s, t, CDL_WAIT_CONDVAR, 0x404100, "work_cv", 0, 500);
		t->wait.mutex = 0x404140;
		t->wait.mutex_symbol = cdl_snapshot_intern(s, "work_mutex");
		frame(s, t, 0x7f0000006000, "__futex_abstimed_wait_common", "futex-internal.c", 57,
		      "/usr/lib/x86_64-linux-gnu/libc.so.6", false);
		frame(s, t, 0x7f0000007000, "___pthread_cond_wait", "pthread_cond_wait.c", 618,
		      "/usr/lib/x86_64-linux-gnu/libc.so.6", false);
		frame(s, t, 0x401600, "worker_loop", "pool.c", 31, "/opt/bank/bin/bankd", false);
	}

	/* a writer behind anonymous readers of a heap rwlock (long wait text) */
	t = thread(s, 130, "archiver", 'S');
	wait_on(s, t, CDL_WAIT_RWLOCK_WRITE, 0x55d0c0a0f000, NULL, 0, 2500);
	t->wait.location = cdl_snapshot_intern(s, "heap");
	t->wait.flags = CDL_WAITF_READERS;
	t->wait.readers = 3;
	frame(s, t, 0x7f0000008000, "___pthread_rwlock_wrlock", "pthread_rwlock_wrlock.c", 27,
	      "/usr/lib/x86_64-linux-gnu/libc.so.6", false);
	frame(s, t, 0x401900, "archive_all_closed_accounts_of_the_quarter", "archive.c", 300,
	      "/opt/bank/bin/bankd", false);

	/* waits on a lock whose owner has exited */
	t = thread(s, 131, "janitor", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x404200, "lock_vault", 999, 7000);
	t->wait.owner_pid = -1;
	libc_lock_frames(s, t);
	frame(s, t, 0x401a00, "sweep", "janitor.c", 8, "/opt/bank/bin/bankd", false);

	t = thread(s, 120, "logger", 'R');
	frame(s, t, 0x401700, "format_line", "log.c", 12, "/opt/bank/bin/bankd", false);
	frame(s, t, 0x401800, "logger_main", "log.c", 40, "/opt/bank/bin/bankd", false);
	return s;
}

/* A Rust ABBA whose owners come from the holders' MutexGuards: the
 * detail pane lists the locks each thread holds. */
static struct cdl_snapshot *guarded(void)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	static const char *const names[2] = { "rabba-1", "rabba-2" };
	static const uint64_t locks[2] = { 0x55d0c0a0e950, 0x55d0c0a0e960 };
	static const char *const syms[2] = { "LOCK_A", "LOCK_B" };

	ck_assert_ptr_nonnull(s);
	s->pid = 4300;
	s->exe = cdl_snapshot_intern(s, "/opt/rs/lock-rust");
	s->captured_at = cdl_snapshot_intern(s, "2026-11-27T04:00:00.000Z");
	s->captured_at_ms = T0_MS;
	s->libc = cdl_snapshot_intern(s, "glibc 2.36");
	s->source = cdl_snapshot_intern(s, "live");
	for (int i = 0; i < 2; i++) {
		struct cdl_thread *t = thread(s, 301 + i, names[i], 'S');
		struct cdl_held *h;

		wait_on(s, t, CDL_WAIT_MUTEX, locks[1 - i], syms[1 - i], 302 - i, 9000);
		t->wait.detail = "Rust std::sync::Mutex";
		t->wait.owner_source = CDL_OWNER_GUARD;
		t->wait.owner_frame = 3;
		t->wait.owner_guard = "MutexGuard";
		frame(s, t, 0x7f0000009000, "syscall", "syscall.S", 38,
		      "/usr/lib/x86_64-linux-gnu/libc.so.6", false);
		frame(s, t, 0x55d0c0a01000, "std::sys::sync::mutex::futex::Mutex::lock_contended",
		      "futex.rs", 61, "/opt/rs/lock-rust", false);
		frame(s, t, 0x55d0c0a02000, "std::sync::poison::mutex::Mutex<u64>::lock<u64>",
		      "mutex.rs", 492, "/opt/rs/lock-rust", false);
		frame(s, t, 0x55d0c0a03000 + 0x100 * (uint64_t)i, i ? "lock_rust::abba_second" :
		      "lock_rust::abba_first", "lock-rust.rs", 23 + 7 * i, "/opt/rs/lock-rust", false);
		h = cdl_thread_add_held(t);
		ck_assert_ptr_nonnull(h);
		h->address = locks[i];
		h->size = 4;
		h->symbol = cdl_snapshot_intern(s, syms[i]);
		h->guard = "MutexGuard";
		h->frame = 3;
	}
	cdl_snapshot_sort(s);
	return s;
}

/* n threads: one in ten waits on one of five mutexes held by the next
 * thread, the rest on one condvar; ten distinct stacks */
static struct cdl_snapshot *many(int n)
{
	struct cdl_snapshot *s = cdl_snapshot_new();

	ck_assert_ptr_nonnull(s);
	s->pid = 7;
	s->captured_at_ms = T0_MS;
	s->source = cdl_snapshot_intern(s, "live");
	for (int i = 0; i < n; i++) {
		struct cdl_thread *t = cdl_snapshot_add_thread(s, 1000 + i);
		char fn[32];

		ck_assert_ptr_nonnull(t);
		t->name = cdl_snapshot_internf(s, "pool-%d", i % 7);
		t->state = 'S';
		if (i % 10 == 0)
			wait_on(s, t, CDL_WAIT_MUTEX, 0x5000 + (uint64_t)(i % 5) * 64, NULL,
				1000 + (i + 1) % n, i);
		else
			wait_on(s, t, CDL_WAIT_CONDVAR, 0x6000, "pool_cv", 0, i);
		for (int f = 0; f < 12; f++) {
			snprintf(fn, sizeof(fn), "layer_%d_%d", f, i % 10);
			frame(s, t, 0x400000 + (uint64_t)f * 16 + (uint64_t)(i % 10), fn, "pool.c", f + 1,
			      "/usr/bin/pool", false);
		}
	}
	return s;
}

/* n two-thread cycles: threads 2k and 2k+1 each hold one mutex and want
 * the other's */
static struct cdl_snapshot *cycles(int n)
{
	struct cdl_snapshot *s = cdl_snapshot_new();

	ck_assert_ptr_nonnull(s);
	s->pid = 9;
	s->captured_at_ms = T0_MS;
	s->source = cdl_snapshot_intern(s, "live");
	for (int i = 0; i < 2 * n; i++) {
		struct cdl_thread *t = cdl_snapshot_add_thread(s, 200 + i);
		char sym[32];
		int peer = 200 + (i ^ 1);

		ck_assert_ptr_nonnull(t);
		t->name = cdl_snapshot_internf(s, "phil-%d", i);
		t->state = 'S';
		snprintf(sym, sizeof(sym), "fork_%d", peer - 200);
		wait_on(s, t, CDL_WAIT_MUTEX, 0x7000 + (uint64_t)(peer - 200) * 64, sym, peer, 1000);
		libc_lock_frames(s, t);
		frame(s, t, 0x401b00, "dine", "dine.c", 10 + i % 2, "/usr/bin/dine", false);
	}
	return s;
}

/* cycles through a join, a self-relock and an rwlock */
static struct cdl_snapshot *chains(void)
{
	struct cdl_snapshot *s = cdl_snapshot_new();
	struct cdl_thread *t;

	ck_assert_ptr_nonnull(s);
	s->pid = 11;
	s->captured_at_ms = T0_MS;
	s->source = cdl_snapshot_intern(s, "live");
	t = thread(s, 300, "joiner", 'S');
	wait_on(s, t, CDL_WAIT_JOIN, 0x7f0000300000, NULL, 301, 4000);
	frame(s, t, 0x401c00, "wait_for_child", "join.c", 20, "/usr/bin/chains", false);
	t = thread(s, 301, "joinee", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x408000, "state_lock", 300, 4000);
	frame(s, t, 0x401c80, "child", "join.c", 12, "/usr/bin/chains", false);
	t = thread(s, 302, "selfish", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x408040, "again_lock", 302, 4000);
	frame(s, t, 0x401d00, "relock", "self.c", 7, "/usr/bin/chains", false);
	t = thread(s, 303, "writer", 'S');
	wait_on(s, t, CDL_WAIT_MUTEX, 0x408080, "table_lock", 304, 4000);
	frame(s, t, 0x401d80, "update", "rw.c", 30, "/usr/bin/chains", false);
	t = thread(s, 304, "reader", 'S');
	wait_on(s, t, CDL_WAIT_RWLOCK_READ, 0x4080c0, "index_rw", 303, 4000);
	frame(s, t, 0x401e00, "lookup", "rw.c", 50, "/usr/bin/chains", false);
	return s;
}

/* ---- sources for refresh ---- */

struct fake_source {
	int calls;
	int fail_on;             /* call number that fails, 0 = never */
};

static int fake_refresh(void *arg, struct cdl_snapshot **out, struct cdl_diag *d)
{
	struct fake_source *fs = arg;
	struct cdl_snapshot *s;

	fs->calls++;
	if (fs->fail_on && fs->calls == fs->fail_on)
		return cdl_diag_set(d, ESRCH, "attach: ptrace(PTRACE_SEIZE, 4242)");
	s = bank();
	s->captured_at_ms = fake_now;
	*out = s;
	return 0;
}

/* ---- running and comparing ---- */

static char *run_keys(struct cdl_snapshot *s, const struct cdl_tui_source *src,
		      const char *keys, int cols, int lines, double interval, int *rc_out)
{
	struct cdl_tui_opts o = { .interval_s = interval, .stuck_s = 5, .keys = keys,
				  .cols = cols, .lines = lines };
	struct cdl_diag d = { 0 };
	char *buf = NULL;
	size_t len = 0;
	int rc;

	o.screen_out = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(o.screen_out);
	rc = cdl_tui_run(s, src, &o, &d);
	fclose(o.screen_out);
	if (rc_out)
		*rc_out = rc;
	else
		ck_assert_msg(rc == 0, "cdl_tui_run: %d %s", rc, d.what);
	return buf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

static void expect_screens(const char *name, const char *actual)
{
	const char *srcdir = getenv("TESTS_SRCDIR");
	char exp_path[4096], act_path[4096], cmd[9000];
	char *expected;
	FILE *f;

	snprintf(exp_path, sizeof(exp_path), "%s/tui/expected/%s.txt", srcdir ? srcdir : TESTS_SRCDIR_DEFAULT, name);
	if (getenv("CDL_TUI_REGEN")) {
		f = fopen(exp_path, "w");
		ck_assert_msg(f != NULL, "cannot write %s", exp_path);
		fputs(actual, f);
		fclose(f);
		return;
	}
	expected = slurp(exp_path);
	ck_assert_msg(expected != NULL, "missing %s (CDL_TUI_REGEN=1 writes it)", exp_path);
	if (strcmp(expected, actual) != 0) {
		mkdir("tui-actual", 0755);
		snprintf(act_path, sizeof(act_path), "tui-actual/%s.actual", name);
		f = fopen(act_path, "w");
		if (f) {
			fputs(actual, f);
			fclose(f);
		}
		snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' >&2", exp_path, act_path);
		if (system(cmd) < 0)
			fprintf(stderr, "diff failed\n");
		free(expected);
		ck_abort_msg("screens of %s differ from %s (see %s)", name, exp_path, act_path);
	}
	free(expected);
}

static void check_script(const char *name, const char *keys, int cols, int lines)
{
	char *out = run_keys(strcmp(name, "many-deadlocks") == 0 ? cycles(10) : bank(), NULL,
			     keys, cols, lines, 0, NULL);

	expect_screens(name, out);
	free(out);
}

static void setup(void)
{
	fake_now = T0_MS + 3000;
	cdl_tui_set_clock(fake_clock);
	unsetenv("NO_COLOR");
}

/* ---- the tests ---- */

START_TEST(deadlock_view_80x24)
{
	check_script("deadlock-80x24", "<Dump>", 80, 24);
}
END_TEST

START_TEST(wide_120x40)
{
	check_script("wide-120x40", "<Dump>", 120, 40);
}
END_TEST

START_TEST(grouping)
{
	/* group, move, follow the owner from a group (and back), ungroup */
	check_script("grouping", "g<Dump><Down><Dump><Up>o<Dump>b<Dump>g<Dump>", 80, 24);
}
END_TEST

START_TEST(sorting)
{
	check_script("sorting", "S<Dump>S<Dump>S<Dump>I<Dump>S<Dump>", 80, 24);
}
END_TEST

START_TEST(filtering)
{
	/* by thread name, by function name, by lock name; Esc clears */
	check_script("filtering",
		     "/work<Dump><Enter><Dump><Esc><Dump>"
		     "/audit_books<Enter><Dump><Esc>"
		     "/lock_ledger<Enter><Dump>"
		     "/<Backspace><Backspace><Backspace><Backspace><Backspace><Backspace>"
		     "<Backspace><Backspace><Backspace><Backspace><Backspace><Dump><Esc>"
		     "/nomatch<Enter><Dump>",
		     80, 24);
}
END_TEST

START_TEST(jump_to_owner_and_back)
{
	/* select transfer (101, second row sorted by blocked), jump to its
	 * lock's owner (audit, 102), from there to 101 again, back twice;
	 * then the same from the detail pane with Enter */
	check_script("jump-owner",
		     "/transfer<Enter><Dump><Esc>o<Dump>o<Dump>b<Dump>b<Dump>b<Dump>"
		     "<Tab><Enter><Dump><Backspace><Dump>"
		     /* the owner is hidden by the filter: it is cleared */
		     "<Esc><Tab><Tab>/audit<Enter>o<Dump>",
		     80, 24);
}
END_TEST

START_TEST(deadlock_pane)
{
	/* Tab to the detail, again to the deadlock pane, pick the second line */
	check_script("deadlock-pane", "<Tab><Tab><Dump><Down><Enter><Dump>", 80, 24);
}
END_TEST

START_TEST(help)
{
	check_script("help", "?<Dump><Esc><Dump>?q<Dump>", 80, 24);
}
END_TEST

START_TEST(detail_wraps)
{
	/* at 50 columns the archiver's wait is longer than the line: wrapped;
	 * at 120 columns it fits */
	check_script("detail-wraps", "/archiver<Enter><Resize:50x24><Dump><Resize:120x30><Dump>o<Dump>"
		     "<Esc>/janitor<Enter><Dump>o<Dump>", 80, 24);
}
END_TEST

START_TEST(held_locks)
{
	/* the owner from a guard in the list and the detail; the detail
	 * lists what each thread holds */
	char *out = run_keys(guarded(), NULL, "<Dump>o<Dump>", 100, 30, 0, NULL);

	expect_screens("held-locks", out);
	free(out);
}
END_TEST

START_TEST(warnings)
{
	struct cdl_snapshot *s = bank();
	char *out;

	cdl_snapshot_warn(s, "thread 4250 vanished during the capture");
	cdl_snapshot_warn(s, "no debug info for /opt/bank/bin/bankd: names from .dynsym, "
			  "no source lines, unwinding from .eh_frame");
	out = run_keys(s, NULL, "w<Dump>w/bankd<Enter><Dump>", 80, 24, 0, NULL);
	expect_screens("warnings", out);
	free(out);
}
END_TEST

START_TEST(resize)
{
	check_script("resize", "<Resize:100x30><Dump><Resize:30x8><Dump><Resize:80x24><Dump>", 80, 24);
}
END_TEST

START_TEST(scrolling)
{
	check_script("scrolling", "<End><Dump><Home><PgDn><Dump><Tab><PgDn><Dump>", 80, 24);
}
END_TEST

START_TEST(refresh_and_stuck)
{
	struct fake_source fs = { 0, 3 };
	struct cdl_tui_source src = { fake_refresh, &fs, NULL, NULL };
	struct cdl_snapshot *s = bank();
	char *out;

	/* the workers wait 0.5 s on work_cv when first seen; after 6 s in the
	 * same wait (auto refresh every 2 s) they are stuck past --stuck 5;
	 * the third refresh fails: a message, the old snapshot stays */
	out = run_keys(s, &src, "<Wait:2><Dump><Wait:2><Wait:2><Dump>r<Dump>i<Wait:5><Dump>", 80, 24, 2, NULL);
	ck_assert_int_eq(fs.calls, 4);
	expect_screens("refresh-stuck", out);
	free(out);
}
END_TEST

START_TEST(interval_keys)
{
	struct fake_source fs = { 0, 0 };
	struct cdl_tui_source src = { fake_refresh, &fs, NULL, NULL };
	char *out;

	/* i: on at 2 s; +: 4 s; -: 2 s, -: 1 s, -: 0.5 s; i: off; i: on
	 * again at 0.5 s, and a <Wait:3> fires the (one) due refresh */
	out = run_keys(bank(), &src, "i+<Dump>---<Dump>i<Dump>i<Wait:3>", 80, 24, 0, NULL);
	ck_assert_ptr_nonnull(strstr(out, "refresh every 4s"));
	ck_assert_ptr_nonnull(strstr(out, "refresh every 0.5s"));
	ck_assert_ptr_nonnull(strstr(out, "auto refresh off"));
	ck_assert_int_eq(fs.calls, 1);
	free(out);
}
END_TEST

START_TEST(loaded_no_refresh)
{
	struct cdl_snapshot *s = bank();
	char *out;

	s->source = cdl_snapshot_intern(s, "saved.json");
	out = run_keys(s, NULL, "r<Dump>C<Dump>", 80, 24, 0, NULL);
	ck_assert_ptr_nonnull(strstr(out, "nothing to refresh: this snapshot was loaded from saved.json"));
	/* nor a core file to write */
	ck_assert_ptr_nonnull(strstr(out, "no core file: loaded from saved.json (no registers or memory)"));
	free(out);
}
END_TEST

START_TEST(save_json)
{
	char dir[] = "/tmp/cdl-tui-save.XXXXXX", cwd[4096], *out, *json;
	const char *name = "cdeadlock-4242-20261127-040000.json";

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chdir(dir), 0);
	out = run_keys(bank(), NULL, "s<Dump>s<Dump>", 80, 24, 0, NULL);
	ck_assert_ptr_nonnull(strstr(out, "saved ./cdeadlock-4242-20261127-040000.json"));
	ck_assert_ptr_nonnull(strstr(out, "saved ./cdeadlock-4242-20261127-040000-2.json"));
	json = slurp(name);
	ck_assert_ptr_nonnull(json);
	ck_assert_int_eq(json[0], '{');
	ck_assert_ptr_nonnull(strstr(json, "\"pid\""));
	ck_assert_ptr_nonnull(strstr(json, "lock_ledger"));
	free(json);
	unlink(name);
	unlink("cdeadlock-4242-20261127-040000-2.json");
	ck_assert_int_eq(chdir(cwd), 0);
	rmdir(dir);
	free(out);
}
END_TEST

/* A source that writes cores: what C asked of it */
struct fake_core {
	int calls;
	int fail;                  /* -errno to return */
	char path[256];
	const struct cdl_snapshot *snap;
};

static int fake_save_core(void *arg, const struct cdl_snapshot *s, const struct cdl_analysis *an,
			  const char *path, struct cdl_diag *d)
{
	struct fake_core *fc = arg;
	FILE *f;

	(void)an;
	fc->calls++;
	fc->snap = s;
	snprintf(fc->path, sizeof(fc->path), "%s", path);
	if (fc->fail)
		return cdl_diag_set(d, -fc->fail, "save core: write %s", path);
	f = fopen(path, "w");
	if (f) {
		fputs("core", f);
		fclose(f);
	}
	return 0;
}

/* C: the capture's core under the snapshot's name, created 0600 (it holds
 * the process's memory); a failure says why and leaves no file */
START_TEST(save_core_key)
{
	char dir[] = "/tmp/cdl-tui-core.XXXXXX", cwd[4096], *out;
	const char *name = "cdeadlock-4242-20261127-040000.core";
	struct fake_core fc = { 0 };
	struct cdl_tui_source src = { NULL, &fc, fake_save_core, NULL };
	struct stat st;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chdir(dir), 0);
	out = run_keys(bank(), &src, "C<Dump>", 80, 24, 0, NULL);
	ck_assert_ptr_nonnull(strstr(out, "saved ./cdeadlock-4242-20261127-040000.core"));
	ck_assert_int_eq(fc.calls, 1);
	ck_assert_str_eq(fc.path, name);
	ck_assert_int_eq(stat(name, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	free(out);
	unlink(name);

	fc.fail = ENOSPC;
	out = run_keys(bank(), &src, "C<Dump>", 80, 24, 0, NULL);
	ck_assert_int_eq(fc.calls, 2);
	ck_assert_ptr_nonnull(strstr(out, "core not saved: No space left on device "
				     "(cdeadlock-4242-20261127-040000.core)"));
	ck_assert_int_ne(stat(name, &st), 0);
	free(out);
	ck_assert_int_eq(chdir(cwd), 0);
	rmdir(dir);
}
END_TEST

/* --save-core FILE in the TUI: the first snapshot's core, written before
 * the screen; a failure ends the TUI with the error */
START_TEST(save_core_option)
{
	struct fake_core fc = { 0 };
	struct cdl_tui_source src = { NULL, &fc, fake_save_core, "/nonexistent/dir/x.core" };
	char *out;
	int rc;

	fc.fail = ENOENT;
	out = run_keys(bank(), &src, "q", 80, 24, 0, &rc);
	ck_assert_int_eq(rc, -ENOENT);
	ck_assert_int_eq(fc.calls, 1);
	ck_assert_str_eq(fc.path, "/nonexistent/dir/x.core");
	free(out);
}
END_TEST

/* Remove the lines that start with prefix from text (in place). */
static void drop_lines(char *text, const char *prefix)
{
	char *r = text, *w = text;
	size_t pl = strlen(prefix);

	while (*r) {
		char *nl = strchr(r, '\n');
		size_t len = nl ? (size_t)(nl - r) + 1 : strlen(r);

		if (strncmp(r, prefix, pl) != 0) {
			memmove(w, r, len);
			w += len;
		}
		r += len;
	}
	*w = '\0';
}

/* A snapshot saved with s and opened again (--load) shows the same
 * screen, but for the header line that says where it came from. */
START_TEST(save_then_load)
{
	char dir[] = "/tmp/cdl-tui-load.XXXXXX", cwd[4096], *live, *loaded;
	const char *name = "cdeadlock-4242-20261127-040000.json";
	struct cdl_snapshot *s = NULL;
	struct cdl_diag d = { 0 };

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chdir(dir), 0);
	live = run_keys(bank(), NULL, "<Dump><Tab><Dump>s", 80, 24, 0, NULL);
	ck_assert_msg(cdl_load_json_file(name, &s, &d) == 0, "load: %s", d.what);
	loaded = run_keys(s, NULL, "<Dump><Tab><Dump>", 80, 24, 0, NULL);
	/* the header's second line says "refresh off" for one and "loaded
	 * from ..." for the other: leave it out of the comparison */
	ck_assert_ptr_nonnull(strstr(loaded, "loaded from cdeadlock-4242-"));
	drop_lines(live, " snapshot ");
	drop_lines(loaded, " snapshot ");
	unlink(name);
	ck_assert_int_eq(chdir(cwd), 0);
	if (strcmp(live, loaded) != 0) {
		FILE *f;

		mkdir("tui-actual", 0755);
		if ((f = fopen("tui-actual/load-live.actual", "w"))) {
			fputs(live, f);
			fclose(f);
		}
		if ((f = fopen("tui-actual/load-loaded.actual", "w"))) {
			fputs(loaded, f);
			fclose(f);
		}
		if (system("diff -u tui-actual/load-live.actual tui-actual/load-loaded.actual >&2") < 0)
			fprintf(stderr, "diff failed\n");
		ck_abort_msg("the loaded snapshot's screens differ from the live ones");
	}
	rmdir(dir);
	free(live);
	free(loaded);
}
END_TEST

START_TEST(chain_kinds)
{
	char *out = run_keys(chains(), NULL, "<Dump>", 100, 24, 0, NULL);

	expect_screens("chain-kinds", out);
	free(out);
}
END_TEST

START_TEST(many_deadlocks)
{
	/* ten cycles do not fit: the pane says so; Tab to it and scroll */
	check_script("many-deadlocks", "<Dump><Tab><Tab><End><Dump><Up><Enter><Dump>", 80, 24);
}
END_TEST

START_TEST(thousand_threads)
{
	char *out;

	/* move around, group, filter, refresh-free: no crash, sane text */
	out = run_keys(many(1000), NULL, "<End><Dump><PgUp><PgUp><Tab><PgDn><End>g<Dump><End><Dump>"
		       "g/pool-3<Enter><Dump><Home>o<Dump>", 120, 40, 0, NULL);
	ck_assert_ptr_nonnull(strstr(out, "Threads: 1000  sort blocked"));
	ck_assert_ptr_nonnull(strstr(out, "Stacks: 10 groups of 1000 threads"));
	ck_assert_ptr_nonnull(strstr(out, "Threads: 143 of 1000"));
	ck_assert_ptr_nonnull(strstr(out, "100 threads with this stack"));
	ck_assert_ptr_nonnull(strstr(out, "1000 1010 1020 1030 1040 +95"));
	free(out);
}
END_TEST

START_TEST(bad_key_script)
{
	struct cdl_tui_opts o = { .stuck_s = 5, .keys = "jj<Bogus>", .cols = 80, .lines = 24,
				  .screen_out = stdout };
	struct cdl_diag d = { 0 };

	ck_assert_int_eq(cdl_tui_run(bank(), NULL, &o, &d), -EINVAL);
	ck_assert_ptr_nonnull(strstr(d.what, "offset 2"));
}
END_TEST

START_TEST(key_parser)
{
	struct keyev *ev;
	size_t n, bad;

	ck_assert_int_eq(cdl_tui_parse_keys("a<Down><C-l><lt><Resize:100x30><Wait:1.5><Dump>", &ev, &n, &bad), 0);
	ck_assert_uint_eq(n, 7);
	ck_assert_int_eq(ev[0].key, 'a');
	ck_assert_int_eq(ev[1].key, CDL_KEY_DOWN);
	ck_assert_int_eq(ev[2].key, 12);
	ck_assert_int_eq(ev[3].key, '<');
	ck_assert_int_eq(ev[4].type, KEYEV_RESIZE);
	ck_assert_int_eq(ev[4].cols, 100);
	ck_assert_int_eq(ev[4].lines, 30);
	ck_assert_int_eq(ev[5].type, KEYEV_WAIT);
	ck_assert_int_eq(ev[5].wait_ms, 1500);
	ck_assert_int_eq(ev[6].type, KEYEV_DUMP);
	free(ev);
	ck_assert_int_eq(cdl_tui_parse_keys("ab<Down", &ev, &n, &bad), -EINVAL);
	ck_assert_uint_eq(bad, 2);
	ck_assert_int_eq(cdl_tui_parse_keys("<Resize:5x5>", &ev, &n, &bad), -EINVAL);
	ck_assert_int_eq(cdl_tui_parse_keys("", &ev, &n, &bad), 0);
	ck_assert_uint_eq(n, 0);
	free(ev);
}
END_TEST

START_TEST(tracker)
{
	struct tui_tracker tr = { 0 };
	struct cdl_snapshot *a = bank(), *b = bank();
	struct cdl_thread *t;

	cdl_snapshot_sort(a);
	cdl_snapshot_sort(b);
	ck_assert_int_eq(cdl_tui_track(&tr, a, 1000), 0);
	t = cdl_snapshot_find_thread(b, 110);
	t->wait.address = 0x999;   /* 110 now waits on something else */
	t = cdl_snapshot_find_thread(b, 111);
	t->frames[2].pc = 0x401601; /* 111 has another stack */
	ck_assert_int_eq(cdl_tui_track(&tr, b, 4000), 0);
	/* first seen at 1000 having waited 500 ms already */
	ck_assert_int_eq(cdl_tui_seen_ms(&tr, cdl_snapshot_find_thread(b, 112), 4000), 3500);
	ck_assert_int_eq(cdl_tui_seen_ms(&tr, cdl_snapshot_find_thread(b, 110), 4000), 500);
	ck_assert_int_eq(cdl_tui_seen_ms(&tr, cdl_snapshot_find_thread(b, 111), 4000), 500);
	ck_assert_int_eq(cdl_tui_seen_ms(&tr, cdl_snapshot_find_thread(b, 120), 4000), -1);
	cdl_tui_tracker_free(&tr);
	cdl_snapshot_free(a);
	cdl_snapshot_free(b);
}
END_TEST

START_TEST(filter_match)
{
	struct cdl_snapshot *s = bank();

	cdl_snapshot_sort(s);
	ck_assert(cdl_tui_thread_matches(cdl_snapshot_find_thread(s, 101), "LEDGER"));
	ck_assert(cdl_tui_thread_matches(cdl_snapshot_find_thread(s, 101), "transfer_f"));
	ck_assert(cdl_tui_thread_matches(cdl_snapshot_find_thread(s, 101), "101"));
	ck_assert(!cdl_tui_thread_matches(cdl_snapshot_find_thread(s, 120), "ledger"));
	ck_assert(cdl_tui_thread_matches(cdl_snapshot_find_thread(s, 110), "work_mutex"));
	cdl_snapshot_free(s);
}
END_TEST

static Suite *tui_suite(void)
{
	Suite *s = suite_create("tui");
	TCase *c = tcase_create("screens");

	tcase_add_checked_fixture(c, setup, NULL);
	tcase_set_timeout(c, 30);
	tcase_add_test(c, deadlock_view_80x24);
	tcase_add_test(c, wide_120x40);
	tcase_add_test(c, grouping);
	tcase_add_test(c, sorting);
	tcase_add_test(c, filtering);
	tcase_add_test(c, jump_to_owner_and_back);
	tcase_add_test(c, deadlock_pane);
	tcase_add_test(c, help);
	tcase_add_test(c, resize);
	tcase_add_test(c, detail_wraps);
	tcase_add_test(c, warnings);
	tcase_add_test(c, held_locks);
	tcase_add_test(c, scrolling);
	tcase_add_test(c, refresh_and_stuck);
	tcase_add_test(c, loaded_no_refresh);
	tcase_add_test(c, interval_keys);
	tcase_add_test(c, save_json);
	tcase_add_test(c, save_core_key);
	tcase_add_test(c, save_core_option);
	tcase_add_test(c, save_then_load);
	tcase_add_test(c, bad_key_script);
	tcase_add_test(c, thousand_threads);
	tcase_add_test(c, many_deadlocks);
	tcase_add_test(c, chain_kinds);
	suite_add_tcase(s, c);

	c = tcase_create("model");
	tcase_add_checked_fixture(c, setup, NULL);
	tcase_add_test(c, key_parser);
	tcase_add_test(c, tracker);
	tcase_add_test(c, filter_match);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(tui_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
