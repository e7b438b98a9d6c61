/* SPDX-License-Identifier: GPL-2.0-or-later */
/* offline.c - a raw capture in, a snapshot out (offline.h).
 *
 * Everything here works on copies: the registers, memory and module map
 * of the raw capture, and the ELF files the module map says how to open.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpython.h"
#include "libc.h"
#include "offline.h"
#include "unwind-int.h"

#define MAX_FRAMES 256

struct cdl_offline_cache *cdl_offline_cache_new(void)
{
	return calloc(1, sizeof(struct cdl_offline_cache));
}

void cdl_offline_cache_free(struct cdl_offline_cache *c)
{
	if (!c)
		return;
	cdl_unwinder_destroy(c->parked);
	free(c);
}

static void rfc3339(int64_t sec, long nsec, char *buf, size_t size)
{
	struct tm tm;
	time_t t = (time_t)sec;

	gmtime_r(&t, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nsec / 1000000);
}

static const char *no_regs_why(enum cdl_rawcap_regs_status st)
{
	switch (st) {
	case CDL_RAWREGS_UNREADABLE: return "registers could not be read";
	case CDL_RAWREGS_ZOMBIE: return "thread has exited (zombie)";
	case CDL_RAWREGS_NOT_STOPPED: return "thread did not stop";
	case CDL_RAWREGS_OK: break;
	}
	return NULL;
}

/* The snapshot's header, the source's warnings and its threads. */
static int build(struct cdl_rawcap *rc, struct cdl_snapshot *s)
{
	char buf[64];

	for (size_t i = 0; i < rc->nwarnings; i++)
		cdl_snapshot_warn(s, "%s", rc->warnings[i]);
	s->pid = rc->pid;
	s->source = cdl_snapshot_intern(s, rc->source ? rc->source : "live");
	s->pause_us = rc->pause_us;
	s->capture_mode = rc->capture_mode;
	s->window_us = rc->window_us;
	rfc3339(rc->captured_sec, rc->captured_nsec, buf, sizeof(buf));
	s->captured_at = cdl_snapshot_intern(s, buf);
	s->captured_at_ms = rc->captured_sec * 1000 + rc->captured_nsec / 1000000;
	s->exe = rc->exe ? cdl_snapshot_intern(s, rc->exe) : NULL;
	if (rc->core_path) {
		s->core_path = cdl_snapshot_intern(s, rc->core_path);
		s->core_signal = rc->core_signal;
		s->core_live_facts = rc->core_live_facts;
	}
	s->mem = rc->mem;
	rc->mem = NULL;
	for (size_t i = 0; i < rc->nthreads; i++) {
		const struct cdl_rawcap_thread *t = &rc->threads[i];
		struct cdl_thread *st = cdl_snapshot_add_thread(s, t->tid);

		if (!st)
			return -ENOMEM;
		if (t->regs_status == CDL_RAWREGS_OK) {
			memcpy(st->regs, t->r.regs, sizeof(st->regs));
			st->nregs = t->r.nregs;
			st->pc = t->r.pc;
			st->sp = t->r.sp;
			st->thread_pointer = t->r.thread_pointer;
			st->in_syscall = t->r.in_syscall;
			st->syscall_nr = t->r.syscall_nr;
			memcpy(st->syscall_args, t->r.syscall_args, sizeof(st->syscall_args));
		} else {
			st->unwind_error = cdl_snapshot_intern(s, no_regs_why(t->regs_status));
		}
		st->ns_tid = t->ns_tid;
		st->name = cdl_snapshot_intern(s, t->comm[0] ? t->comm : "?");
		st->state = t->state ? t->state : '?';
		st->wchan = t->wchan[0] ? cdl_snapshot_intern(s, t->wchan) : NULL;
		st->blocked_for_ms = t->blocked_ms;
		st->moved = t->moved;
	}
	return 0;
}

/* Which libc, which layout: a warning when owners cannot be trusted.
 * Returns the backend that classifies the waits. */
static const struct cdl_libc_ops *identify_libc(struct cdl_unwinder *u, struct cdl_snapshot *s,
						struct cdl_libc_layout *lay)
{
	const struct cdl_libc_ops *ops = cdl_libc_ops_default();
	struct cdl_libc_id id;
	const char *path = NULL;

	if (u && cdl_unwinder_libc_id(u, s, &ops, &id, &path) == 0 && id.name[0]) {
		s->libc = cdl_snapshot_intern(s, id.name);
		cdl_unwinder_set_libc(u, ops, path);
		if (!ops->layout_for(lay, id.major, id.minor, id.patch))
			cdl_snapshot_warn(s, "unknown libc %s: lock owners are not trusted", s->libc);
		else
			ops->confirm_layout(lay, id.pthread_tid, id.sizeof_pthread, s);
		return ops;
	}
	/* no module says which (a stripped static program): the threads'
	 * descriptors may prove it */
	for (const struct cdl_libc_ops *const *all = cdl_libc_backends(); !path && *all; all++) {
		if (!(*all)->identify_memory || (*all)->identify_memory(s, &id) < 0)
			continue;
		s->libc = cdl_snapshot_intern(s, id.name);
		if (u && u->exe)
			cdl_unwinder_set_libc(u, *all, u->exe);
		(*all)->layout_for(lay, 0, 0, 0);
		return *all;
	}
	cdl_snapshot_warn(s, "unknown libc (version not found%s%s): lock owners are not trusted",
			  path ? " in " : "", path ? path : "");
	ops->layout_for(lay, 0, 0, 0);
	lay->known = false;
	return ops;
}

static void analyse(const struct cdl_rawcap *rc, const struct cdl_offline_opts *o,
		    struct cdl_offline_cache *cache, struct cdl_snapshot *s)
{
	struct cdl_unwinder *u = NULL;
	struct cdl_diag ud = { 0 };
	struct cdl_libc_layout lay;
	const struct cdl_libc_ops *ops;
	int rc_;

	rc_ = cdl_unwinder_new(rc, cache, &u, &ud);
	if (rc_ < 0) {
		u = NULL;
		cdl_snapshot_warn(s, "no stack unwinding or symbols: %s: %s",
				  ud.what[0] ? ud.what : "unwinder",
				  ud.why[0] ? ud.why : strerror(ud.err ? ud.err : -rc_));
	}
	/* the libc first: the unwinder asks it about its frames without CFI */
	ops = identify_libc(u, s, &lay);
	if (u && !o->no_unwind &&
	    cdl_unwind_all(u, s, o->max_frames ? o->max_frames : MAX_FRAMES) < 0)
		cdl_snapshot_warn(s, "stack unwinding ran out of memory");
	ops->classify(s, &lay);
	cdl_runtime_classify(s);
	cdl_jvm_classify(s);
	cdl_cpython_classify(s, rc);

	cdl_snapshot_sort(s);
	for (size_t i = 0; u && i < s->nthreads; i++) {
		struct cdl_thread *t = &s->threads[i];

		for (size_t k = 0; k < t->nheld; k++)
			t->held[k].symbol = cdl_unwinder_name_data(u, s, t->held[k].address, NULL);
		if (!t->has_wait)
			continue;
		if (t->wait.address && !t->wait.symbol) {
			const char *loc = NULL;

			t->wait.symbol = cdl_unwinder_name_data(u, s, t->wait.address, &loc);
			if (!t->wait.location)
				t->wait.location = loc;
		}
		if (t->wait.mutex && !t->wait.mutex_symbol)
			t->wait.mutex_symbol = cdl_unwinder_name_data(u, s, t->wait.mutex, NULL);
	}
	cdl_held_resolve(s);
	cdl_unwinder_free(u, cache);
}

int cdl_offline_run(struct cdl_rawcap *rc, const struct cdl_offline_opts *o,
		    struct cdl_offline_cache *cache, struct cdl_snapshot **out,
		    struct cdl_diag *d)
{
	struct cdl_snapshot *s = cdl_snapshot_new();

	*out = NULL;
	if (!s || build(rc, s) < 0) {
		cdl_snapshot_free(s);
		return cdl_diag_set(d, ENOMEM, "capture");
	}
	analyse(rc, o, cache, s);
	*out = s;
	return 0;
}
