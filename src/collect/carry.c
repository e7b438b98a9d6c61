/* carry.c - the collector object: what one capture leaves for the next.
 *
 * Off-CPU time across captures.  A capture wakes every thread for a
 * moment (the stop, then the restarted syscall), so the next capture would
 * see it off-CPU only since then.  When a thread is found sleeping in the
 * same call on the same address as at the previous capture of the same
 * process, and it last went off-CPU just after that capture's thaw, the
 * sleep is the one we interrupted: its off-CPU time keeps counting from
 * before.
 *
 * The offline stage's cache (the libdw session of the last capture) lives
 * here too, so a refresh of the same process does not read its debug
 * information again.
 */
#include "config.h"

#include <stdlib.h>

#include "live-int.h"
#include "sorted.h"
#include "offline.h"

#define CARRY_WINDOW_NS 100000000     /* our wake-up is done within 100 ms */

struct carry {
	int tid;                 /* first: cdl_live_tid_before */
	long nr;
	uint64_t arg0;
	int64_t off_since;
};

struct cdl_collector {
	int pid;                 /* process of the last capture, 0 none */
	int64_t thaw;            /* CLOCK_MONOTONIC ns of its thaw */
	struct carry *e;         /* its sleepers, sorted by tid */
	size_t n;
	struct cdl_offline_cache *offline;
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
	free(k);
}

struct cdl_offline_cache *cdl_live_offline_cache(struct cdl_collector *k)
{
	return k ? k->offline : NULL;
}

static const struct carry *carry_find(const struct cdl_collector *k, int tid)
{
	size_t lo = cdl_lower_bound(k->e, k->n, sizeof(*k->e), &tid, cdl_live_tid_before);

	return lo < k->n && k->e[lo].tid == tid ? &k->e[lo] : NULL;
}

void cdl_live_carry(struct cdl_collector *k, struct ctx *c)
{
	struct carry *nw;
	size_t nn = 0;
	int64_t thaw = (int64_t)c->pause_end.tv_sec * 1000000000 + c->pause_end.tv_nsec;

	if (!k)
		return;
	nw = calloc(c->n ? c->n : 1, sizeof(*nw));
	for (size_t i = 0; i < c->n; i++) {
		struct th *t = &c->t[i];

		if (!t->off_since || !t->regs_ok || !t->ct.in_syscall)
			continue;
		if (k->pid == c->pid) {
			const struct carry *p = carry_find(k, t->tid);

			/* an interrupted timed sleep resumes as restart_syscall
			 * with its registers unchanged */
			if (p && (p->nr == t->ct.syscall_nr || t->ct.syscall_nr == cdl_arch()->nr_restart_syscall) &&
			    p->arg0 == t->ct.syscall_args[0] &&
			    t->off_since >= k->thaw - 1000000 &&
			    t->off_since <= k->thaw + CARRY_WINDOW_NS &&
			    p->off_since < t->off_since) {
				t->blocked_ms += (t->off_since - p->off_since) / 1000000;
				t->off_since = p->off_since;
			}
		}
		if (nw)
			nw[nn++] = (struct carry){ t->tid, t->ct.syscall_nr, t->ct.syscall_args[0],
						   t->off_since };
	}
	free(k->e);
	k->e = nw;
	k->n = nw ? nn : 0;
	k->pid = c->pid;
	k->thaw = thaw;
}
