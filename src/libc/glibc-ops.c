/* SPDX-License-Identifier: GPL-2.0-or-later */
/* glibc-ops.c - the glibc backend's table (libc.h): the layouts of its
 * objects per release, which modules and frames are its runtime, and
 * what its own _thread_db_* descriptors say about struct pthread.
 * The classifier proper is glibc.c. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "libc-int.h"

/* ---- per-version layout (x86-64) ---- */

/* struct pthread: tcbhead_t is 704 bytes in every release, list_t follows,
 * then tid at 720.  cpuclock_offset (hp_timing_t, under HP_TIMING_AVAIL,
 * later HP_TIMING_INLINE, both 1 on x86) sat before joinid until 2.35.
 * The tail after joinid: __res_state up to 2.31; + sigset_t sigmask and
 * tls_state in 2.32-2.35; internal_sigset_t (8 bytes) and rseq in 2.36+;
 * rounded up to TCB_ALIGNMENT 64. */
static const struct {
	int lo, hi;               /* minor versions, inclusive */
	unsigned size, tid, cleanup, joinid;
} pthread_layouts[] = {
	{ 17, 31, 2304, 720, 760, 1576 },
	{ 32, 35, 2496, 720, 760, 1576 },
	{ 36, 42, 2368, 720, 760, 1568 },   /* 2.36: checked with DWARF */
};

static bool layout_for(struct cdl_libc_layout *l, int major, int minor, int patch)
{
	(void)patch;
	return cdl_libc_layout_for(l, major, minor);
}

bool cdl_libc_layout_for(struct cdl_libc_layout *l, int major, int minor)
{
	size_t n = sizeof(pthread_layouts) / sizeof(pthread_layouts[0]);
	size_t pick = n - 1;
	bool known = major == 2 && minor >= pthread_layouts[0].lo &&
		     minor <= pthread_layouts[n - 1].hi;

	for (size_t i = 0; i < n; i++)
		if (major == 2 && minor >= pthread_layouts[i].lo && minor <= pthread_layouts[i].hi)
			pick = i;
	if (major == 2 && minor < pthread_layouts[0].lo)
		pick = 0;
	*l = (struct cdl_libc_layout){
		.libc = "glibc", .major = major, .minor = minor, .known = known,
		.pthread_size = pthread_layouts[pick].size,
		.pthread_tid = pthread_layouts[pick].tid,
		.pthread_cleanup = pthread_layouts[pick].cleanup,
		.pthread_joinid = pthread_layouts[pick].joinid,
		/* the reader-writer lock and condvar rewrites landed in 2.25;
		 * the condvar lost __g_refs in 2.41 (and in some 2.38-2.40
		 * branch updates, which the classifier detects by offset) */
		.rwlock_new = !(major == 2 && minor <= 24),
		.cond_gen = (major == 2 && minor <= 24) ? 0 :
			    (major == 2 && minor <= 40) ? 1 : 2,
	};
	return known;
}

/* The largest struct pthread of the known releases: copied at the freeze,
 * before the libc is identified. */
static unsigned max_thread_desc_size(void)
{
	unsigned m = 0;

	for (size_t i = 0; i < sizeof(pthread_layouts) / sizeof(pthread_layouts[0]); i++)
		if (pthread_layouts[i].size > m)
			m = pthread_layouts[i].size;
	return m;
}

/* The _thread_db_* descriptors glibc 2.34+ exports confirm the built-in
 * table, or override it (with a warning) where they disagree. */
static void confirm_layout(struct cdl_libc_layout *l, long tid_off, long size,
			   struct cdl_snapshot *s)
{
	if (tid_off >= 0 && (unsigned long)tid_off != l->pthread_tid) {
		cdl_snapshot_warn(s, "glibc %d.%d publishes the tid of struct pthread at offset "
				  "%ld, not %u: using %ld", l->major, l->minor, tid_off,
				  l->pthread_tid, tid_off);
		l->pthread_tid = (unsigned)tid_off;
	}
	if (size > 0 && (unsigned long)size != l->pthread_size) {
		cdl_snapshot_warn(s, "glibc %d.%d publishes sizeof(struct pthread) %ld, not %u: "
				  "using %ld", l->major, l->minor, size, l->pthread_size, size);
		l->pthread_size = (unsigned)size;
	}
}

/* ---- runtime frames ---- */

/* Runtime objects whose frames are not "user code". */
static bool runtime_module(const char *mod)
{
	const char *base;

	if (!mod)
		return false;
	base = cdl_libc_base_name(mod);
	return strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0 ||
	       strncmp(base, "libpthread", 10) == 0 || strncmp(base, "ld-linux", 8) == 0 ||
	       strncmp(base, "libstdc++", 9) == 0 || strncmp(base, "libgcc_s", 8) == 0 ||
	       strncmp(base, "ld-musl", 7) == 0 || strcmp(base, "[vdso]") == 0;
}

/* In a static binary libc lives in the executable; recognise its entry points
 * by name. */
static bool runtime_function(const char *fn)
{
	static const char *const prefixes[] = {
		"__lll_", "__futex", "futex_", "__pthread", "pthread_", "___pthread",
		"__GI_", "__libc_", "__nptl", "__sem_", "sem_", "__new_sem", "__old_sem",
		"__condvar", "__clock_", "__nanosleep", "__sleep", "__internal_",
		"__syscall", "__gthread", "__gnu_cxx::", "std::", "__do_cancel",
		"__clone", "__thrd_", "thrd_", "__mtx_", "mtx_", "__cnd_", "cnd_",
		NULL
	};
	static const char *const exact[] = {
		"clock_nanosleep", "nanosleep", "sleep", "usleep", "clone", "clone3",
		"syscall", "_start", "start_thread", "__start_context", "raise",
		"abort", "poll", "ppoll", "select", "pselect", "epoll_wait", "read",
		"write", "recv", "recvfrom", "recvmsg", "accept", "accept4", "pause",
		"sigsuspend", "sigwait", "sigwaitinfo", "waitpid", "wait4",
		NULL
	};

	return cdl_libc_name_in(fn, prefixes, exact);
}

static bool is_runtime_frame(const struct cdl_frame *f)
{
	return runtime_module(f->module) || runtime_function(f->function);
}

static void warn_no_debuginfo(struct cdl_snapshot *s, const char *path)
{
	(void)path;
	cdl_snapshot_warn(s, "no debug info for libc: install libc6-dbg "
			  "for file:line in libc frames");
}

/* The libc proper (its debug info is worth a hint of its own). */
static bool is_libc_module(const char *path)
{
	const char *base = cdl_libc_base_name(path);

	return strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0 ||
	       strncmp(base, "ld-linux", 8) == 0 || strncmp(base, "libpthread", 10) == 0 ||
	       strncmp(base, "libm.so", 7) == 0;
}

/* ---- which glibc ---- */

static bool is_main_module(const char *path)
{
	const char *b = cdl_libc_base_name(path);

	return strncmp(b, "libc.so", 7) == 0 || strncmp(b, "libc-2.", 7) == 0;
}

static bool parse_version(const char *v, int *major, int *minor)
{
	return sscanf(v, "%d.%d", major, minor) == 2 && *major > 0;
}

/* A stripped static binary keeps glibc's version string (__nptl_version,
 * "2.36") without its symbol: accept the one "\0<2.N>\0" string in
 * .rodata when the file is a glibc one at all. */
static bool scan_rodata_version(const struct cdl_libc_module *m, int *major, int *minor)
{
	size_t len = 0;
	const char *p = m->section(m, ".rodata", &len), *end = p + len;
	int found = 0;

	if (!p || !memmem(p, len, "glibc", 5))
		return false;
	for (const char *q = p + 1; q + 5 < end; q++) {
		int ma, mi, n = 0;

		if (q[-1] != '\0' || q[0] != '2' || q[1] != '.')
			continue;
		if (sscanf(q, "%d.%d%n", &ma, &mi, &n) == 2 && q + n < end &&
		    q[n] == '\0' && n >= 3 && n <= 6) {
			if (found && (ma != *major || mi != *minor))
				return false;     /* ambiguous */
			*major = ma;
			*minor = mi;
			found = 1;
		}
	}
	return found;
}

/* A _thread_db_* descriptor: {bits, nelem, offset} (triple) or a size. */
static long descriptor(const struct cdl_libc_module *m, const char *name, bool triple)
{
	uint64_t addr, size;
	const unsigned char *p;
	uint32_t v[3];

	if (!m->symbol(m, name, &addr, &size))
		return -1;
	if (triple) {
		if (size < 12 || !(p = m->bytes(m, addr, 12)))
			return -1;
		memcpy(v, p, 12);
		return v[2];
	}
	if (size < 4 || !(p = m->bytes(m, addr, 4)))
		return -1;
	memcpy(v, p, 4);
	return v[0];
}

static int identify(const struct cdl_libc_module *m, struct cdl_libc_id *id)
{
	uint64_t addr, size;

	memset(id, 0, sizeof(*id));
	id->pthread_tid = id->sizeof_pthread = -1;
	if (m->symbol(m, "__nptl_version", &addr, &size) && size >= 2 && size < 16) {
		const unsigned char *p = m->bytes(m, addr, size);
		char v[16];

		if (p) {
			memcpy(v, p, size);
			v[size] = '\0';
			parse_version(v, &id->major, &id->minor);
		}
	}
	if (id->major == 0 && !scan_rodata_version(m, &id->major, &id->minor) && m->is_exe)
		return -ENOENT;     /* a static binary with no trace of glibc */
	if (id->major > 0)
		snprintf(id->name, sizeof(id->name), "glibc %d.%d", id->major, id->minor);
	id->pthread_tid = descriptor(m, "_thread_db_pthread_tid", true);
	id->sizeof_pthread = descriptor(m, "_thread_db_sizeof_pthread", false);
	return 0;
}

static const struct cdl_libc_ops glibc_ops = {
	.name = "glibc",
	.is_main_module = is_main_module,
	.identify = identify,
	.layout_for = layout_for,
	.confirm_layout = confirm_layout,
	.classify = cdl_libc_classify,
	.is_runtime_frame = is_runtime_frame,
	.is_libc_module = is_libc_module,
	.max_thread_desc_size = max_thread_desc_size,
	.warn_no_debuginfo = warn_no_debuginfo,
};

const struct cdl_libc_ops *cdl_libc_ops_default(void)
{
	return &glibc_ops;
}

/* musl first: Debian's musl is a "libc.so" too, which glibc's names match */
const struct cdl_libc_ops *const *cdl_libc_backends(void)
{
	static const struct cdl_libc_ops *const all[] = { &cdl_musl_ops, &glibc_ops, NULL };

	return all;
}

const struct cdl_libc_ops *cdl_libc_ops_for_module(const char *path)
{
	const struct cdl_libc_ops *const *all = cdl_libc_backends();

	for (size_t i = 0; path && all[i]; i++)
		if (all[i]->is_libc_module(path))
			return all[i];
	return NULL;
}

/* A frame is the runtime's when any backend says so: the snapshot of a
 * static program does not say which libc it holds. */
static bool any_runtime_frame(const struct cdl_frame *f)
{
	const struct cdl_libc_ops *const *all = cdl_libc_backends();

	for (size_t i = 0; all[i]; i++)
		if (all[i]->is_runtime_frame(f))
			return true;
	return false;
}

const struct cdl_frame *cdl_thread_user_frame(const struct cdl_thread *t)
{
	/* a CPython thread: its innermost Python frame is the program's */
	for (size_t i = 0; i < t->nframes; i++)
		if (t->frames[i].python)
			return &t->frames[i];
	for (size_t i = 0; i < t->nframes; i++) {
		const struct cdl_frame *f = &t->frames[i];

		if (any_runtime_frame(f))
			continue;
		if (!f->function && !f->file)
			continue;
		return f;
	}
	return NULL;
}
