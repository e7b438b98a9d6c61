/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carry.c - the collector object: what one capture leaves for the next.
 *
 * Off-CPU time across captures.  A capture wakes every thread for a
 * moment (the stop, then the restarted syscall), so the next capture would
 * see it off-CPU only since then.  When a thread is found sleeping in the
 * same call on the same address as at the previous capture of the same
 * process, and it last went off-CPU while that capture let its threads go
 * (from the first release to just after the last: one instant in a global
 * freeze, the whole capture in the per-thread mode), the sleep is the one
 * we interrupted: its off-CPU time keeps counting from
 * before.  The evidence is also kept in a file for the next run of
 * cdeadlock (carryfile.h).
 *
 * The offline stage's cache (the libdw session of the last capture) lives
 * here too, so a refresh of the same process does not read its debug
 * information again.
 */
#include "config.h"

#include <stdlib.h>

#include "carryfile.h"
#include "live-int.h"
#include "sorted.h"
#include "offline.h"

#define CARRY_WINDOW_NS 100000000     /* our wake-up is done within 100 ms */

struct cdl_collector {
	int pid;                 /* process of the last capture, 0 none */
	unsigned long long starttime; /* its start (/proc stat field 22) */
	int64_t thaw;            /* CLOCK_MONOTONIC ns of its thaw (the last
	                            thread let go) */
	int64_t first;           /* the first thread let go (= thaw in a
	                            global freeze) */
	struct cdl_carry *e;     /* its sleepers, sorted by tid */
	size_t n;
	struct cdl_offline_cache *offline;
	struct cdl_rawcap *raw;  /* the last capture's, for --save-core */
};

struct cdl_collector *cdl_collector_new(void)
{
	struct cdl_collector *k = calloc(1, sizeof(*k));

	if (k && !(k->offline = cdl_offline_cache_new())) {
		free(k);
		return NULL;
	}
	return k;
}

void cdl_collector_free(struct cdl_collector *k)
{
	if (!k)
		return;
	free(k->e);
	cdl_offline_cache_free(k->offline);
	cdl_rawcap_free(k->raw);
	free(k);
}

void cdl_live_keep_raw(struct cdl_collector *k, struct ctx *c)
{
	if (!k || !c->o->for_core)
		return;
	cdl_rawcap_free(k->raw);
	k->raw = c->rc;
	c->rc = NULL;
}

const struct cdl_rawcap *cdl_collector_raw(const struct cdl_collector *k)
{
	return k ? k->raw : NULL;
}

struct cdl_offline_cache *cdl_live_offline_cache(struct cdl_collector *k)
{
	return k ? k->offline : NULL;
}

static const struct cdl_carry *carry_find(const struct cdl_collector *k, int tid)
{
	size_t lo = cdl_lower_bound(k->e, k->n, sizeof(*k->e), &tid, cdl_live_tid_before);

	return lo < k->n && k->e[lo].tid == tid ? &k->e[lo] : NULL;
}

/* A process this collector has not captured: what an earlier run of
 * cdeadlock saw of it (carryfile.h). */
static void carry_load(struct cdl_collector *k, struct ctx *c)
{
	struct cdl_carry *e;
	int64_t th, fr;
	int n = cdl_carry_load(c->pid, c->starttime, &th, &fr, &e);

	free(k->e);
	k->e = n > 0 ? e : NULL;
	k->n = n > 0 ? (size_t)n : 0;
	k->pid = n > 0 ? c->pid : 0;
	k->starttime = c->starttime;
	k->thaw = n > 0 ? th : 0;
	k->first = n > 0 ? fr : 0;
	if (n <= 0)
		free(e);
}

/* Is t's sleep the one the previous capture saw (p) and let go?  A
 * per-thread capture counted the thread's voluntary switches before its
 * stop: when this one finds that count plus the two the stop cost (the
 * stop, the sleep it went back to), the thread has not switched since it
 * went back to sleep: exact, however late the machine let it.  Otherwise
 * it must have gone off-CPU while that capture let its threads go. */
static bool same_sleep(const struct cdl_collector *k, const struct cdl_carry *p,
		       const struct th *t)
{
	if (p->vol >= 0 && t->pf.vol_first >= 0)
		return p->vol == t->pf.vol_first;
	return t->off_since >= k->first - 1000000 && t->off_since <= k->thaw + CARRY_WINDOW_NS;
}

void cdl_live_carry(struct cdl_collector *k, struct ctx *c)
{
	struct cdl_collector local = { 0 };
	struct cdl_carry *nw;
	size_t nn = 0;
	int64_t thaw = (int64_t)c->pause_end.tv_sec * 1000000000 + c->pause_end.tv_nsec;
	int64_t first = c->perthread && c->first_release ? c->first_release : thaw;

	if (!k)
		k = &local;      /* a one-shot capture: the file alone */
	if (k->pid != c->pid || k->starttime != c->starttime)
		carry_load(k, c);
	nw = calloc(c->n ? c->n : 1, sizeof(*nw));
	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];

		if (!t->off_since || !t->regs_ok || !t->ct.in_syscall)
			continue;
		if (k->pid == c->pid) {
			const struct cdl_carry *p = carry_find(k, t->tid);

			/* an interrupted timed sleep resumes as restart_syscall
			 * with its registers unchanged */
			if (p && (p->nr == t->ct.syscall_nr || t->ct.syscall_nr == cdl_arch()->nr_restart_syscall) &&
			    p->arg0 == t->ct.syscall_args[0] && p->off_since < t->off_since &&
			    same_sleep(k, p, t)) {
				t->blocked_ms += (t->off_since - p->off_since) / 1000000;
				t->off_since = p->off_since;
			}
		}
		if (nw)
			nw[nn++] = (struct cdl_carry){ t->tid, t->ct.syscall_nr,
						       t->ct.syscall_args[0], t->off_since,
						       cdl_live_perthread_carry_vol(c, t) };
	}
	free(k->e);
	k->e = nw;
	k->n = nw ? nn : 0;
	k->pid = c->pid;
	k->starttime = c->starttime;
	k->thaw = thaw;
	k->first = first;
	if (nw)
		cdl_carry_save(c->pid, c->starttime, thaw, first, nw, nn);
	if (k == &local)
		free(local.e);
}
