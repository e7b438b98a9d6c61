/* SPDX-License-Identifier: GPL-2.0-or-later */
/* musl-ops.c - the musl backend's table (libc.h): how to recognize musl
 * (its one loader-and-libc object, or a static program that holds it),
 * its release, the layout of its struct pthread per release, its runtime
 * frames and the advice for its debug info.  The classifier is musl.c.
 *
 * struct pthread on x86-64 (src/internal/pthread_impl.h): self, dtv,
 * prev, next, sysinfo, canary, then tid.  1.2.2 dropped canary2 from
 * before tid (56 -> 48); 1.2.2 to 1.2.5 have the same layout, checked
 * against the sources of each tag and against a live process of
 * Debian's musl 1.2.3 (doc/lock-internals.md). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libc-int.h"

/* ---- which modules ---- */

/* ld-musl-x86_64.so.1 (Alpine: loader and libc in one), libc.musl-*.so.1
 * (Alpine's name for it), or Debian's /usr/lib/x86_64-linux-musl/libc.so
 * (what the loader symlink points to, and what the maps show) */
static bool is_musl_module(const char *path)
{
	const char *b = cdl_libc_base_name(path);

	if (strncmp(b, "ld-musl", 7) == 0 || strncmp(b, "libc.musl", 9) == 0)
		return true;
	return strcmp(b, "libc.so") == 0 && strstr(path, "-linux-musl/") != NULL;
}

/* musl's own entry points and internals, for a static program where they
 * sit in the executable (the shared ones are is_musl_module's) */
static bool runtime_function(const char *fn)
{
	static const char *const prefixes[] = {
		"__timedwait", "__syscall_cp", "__wait", "__futexwait", "__lockfile",
		"__unlockfile", "__lock", "__cp_", "__pthread_", "__sem_", "__cond",
		"__clone", NULL
	};
	static const char *const exact[] = {
		"sccp", "libc_start_main_stage2", "start_c11", "__restore_rt",
		"__set_thread_area", "__unmapself", NULL
	};

	return cdl_libc_name_in(fn, prefixes, exact);
}

static bool is_runtime_frame(const struct cdl_frame *f)
{
	return (f->module && is_musl_module(f->module)) || runtime_function(f->function);
}

static void warn_no_debuginfo(struct cdl_snapshot *s, const char *path)
{
	cdl_snapshot_warn(s, "no debug info for musl's libc (%s): its internal functions show "
			  "as ?? and its assembly has no unwind tables, so stacks through it are "
			  "read from the code; install its debug symbols (Debian: musl-dbgsym, "
			  "Alpine: musl-dbg) or use DEBUGINFOD_URLS", path);
}

/* ---- which release ---- */

/* The one "\0N.N.N\0" string of .rodata (musl's version, next to no
 * symbol: __libc_version is hidden); false when none or several. */
static bool rodata_version(const char *p, size_t len, int v[3])
{
	int found = 0;

	for (size_t i = 1; i + 6 < len; i++) {
		int a, b, c, n = 0;

		if (p[i - 1] != '\0' || p[i] < '0' || p[i] > '9')
			continue;
		if (sscanf(p + i, "%d.%d.%d%n", &a, &b, &c, &n) == 3 && i + (size_t)n < len &&
		    p[i + n] == '\0' && n >= 5 && n <= 10 && strspn(p + i, "0123456789.") == (size_t)n) {
			if (found && (a != v[0] || b != v[1] || c != v[2]))
				return false;
			v[0] = a;
			v[1] = b;
			v[2] = c;
			found = 1;
		}
	}
	return found;
}

/* A static program holds musl when its symbols include musl's own
 * internals (glibc has none of these names). */
static bool static_musl(const struct cdl_libc_module *m)
{
	uint64_t a, sz;

	return m->symbol(m, "__init_tp", &a, &sz) &&
	       (m->symbol(m, "__timedwait_cp", &a, &sz) || m->symbol(m, "__syscall_cp", &a, &sz) ||
		m->symbol(m, "__init_libc", &a, &sz));
}

static int identify(const struct cdl_libc_module *m, struct cdl_libc_id *id)
{
	size_t len = 0;
	const char *ro;
	int v[3] = { 0, 0, 0 };

	memset(id, 0, sizeof(*id));
	id->pthread_tid = id->sizeof_pthread = -1;
	if (m->is_exe) {
		if (!static_musl(m))
			return -ENOENT;
		/* the version string comes with the dynamic linker only */
		snprintf(id->name, sizeof(id->name), "musl (static, release not recorded)");
		return 0;
	}
	ro = m->section(m, ".rodata", &len);
	if (!ro || !memmem(ro, len, "musl libc", 9))
		return -ENOENT;     /* a libc.so of another libc */
	if (rodata_version(ro, len, v)) {
		id->major = v[0];
		id->minor = v[1];
		id->patch = v[2];
		snprintf(id->name, sizeof(id->name), "musl %d.%d.%d", v[0], v[1], v[2]);
	} else {
		snprintf(id->name, sizeof(id->name), "musl (release not found)");
	}
	return 0;
}

/* A stripped static program keeps no trace of musl in its symbols or
 * strings, but every thread's descriptor does: self at 0, its own tid at
 * 48 (glibc keeps its pointer guard at pd+48). */
static int identify_memory(const struct cdl_snapshot *s, struct cdl_libc_id *id)
{
	size_t with_pd = 0;

	memset(id, 0, sizeof(*id));
	id->pthread_tid = id->sizeof_pthread = -1;
	for (size_t i = 0; s->mem && i < s->nthreads; i++) {
		const struct cdl_thread *t = &s->threads[i];
		uint64_t self;
		uint32_t tid;

		if (!t->thread_pointer)
			continue;
		if (cdl_memimg_u64(s->mem, t->thread_pointer, &self) < 0 ||
		    self != t->thread_pointer ||
		    cdl_memimg_u32(s->mem, t->thread_pointer + 48, &tid) < 0 ||
		    (int)tid != (t->ns_tid ? t->ns_tid : t->tid))
			return -ENOENT;
		with_pd++;
	}
	if (!with_pd)
		return -ENOENT;
	snprintf(id->name, sizeof(id->name), "musl (stripped static)");
	return 0;
}

/* ---- layouts ---- */

static const struct {
	int lo, hi;                /* releases, as major*10000+minor*100+patch */
	unsigned size, tid, detach, canceldisable, robust_head;
} musl_layouts[] = {
	{ 10202, 10205, 200, 48, 56, 64, 136 },
};

static bool layout_for(struct cdl_libc_layout *l, int major, int minor, int patch)
{
	int v = major * 10000 + minor * 100 + patch;
	bool known = false;

	/* the newest layout when the release is not known (a static
	 * program): musl.c trusts it only if every thread's descriptor
	 * proves it */
	*l = (struct cdl_libc_layout){
		.libc = "musl", .major = major, .minor = minor, .patch = patch,
		.pthread_size = musl_layouts[0].size,
		.pthread_tid = musl_layouts[0].tid,
		.pthread_joinid = musl_layouts[0].detach,
		.pthread_canceldisable = musl_layouts[0].canceldisable,
		.pthread_robust_head = musl_layouts[0].robust_head,
	};
	for (size_t i = 0; i < sizeof(musl_layouts) / sizeof(musl_layouts[0]); i++)
		if (v >= musl_layouts[i].lo && v <= musl_layouts[i].hi)
			known = true;
	l->known = known || v == 0;
	return l->known;
}

/* musl publishes no offsets of its own */
static void confirm_layout(struct cdl_libc_layout *l, long pthread_tid,
			   long sizeof_pthread, struct cdl_snapshot *s)
{
	(void)l; (void)pthread_tid; (void)sizeof_pthread; (void)s;
}

static unsigned max_thread_desc_size(void)
{
	unsigned m = cdl_libc_ops_default()->max_thread_desc_size();

	for (size_t i = 0; i < sizeof(musl_layouts) / sizeof(musl_layouts[0]); i++)
		if (musl_layouts[i].size > m)
			m = musl_layouts[i].size;
	return m;
}

const struct cdl_libc_ops cdl_musl_ops = {
	.name = "musl",
	.is_main_module = is_musl_module,
	.identify = identify,
	.layout_for = layout_for,
	.confirm_layout = confirm_layout,
	.classify = cdl_musl_classify,
	.is_runtime_frame = is_runtime_frame,
	.is_libc_module = is_musl_module,
	.max_thread_desc_size = max_thread_desc_size,
	.warn_no_debuginfo = warn_no_debuginfo,
	.identify_memory = identify_memory,
	.nocfi_frame = cdl_musl_nocfi_frame,
};
