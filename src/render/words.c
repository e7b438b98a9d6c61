/* SPDX-License-Identifier: GPL-2.0-or-later */
/* words.c - the wording: every phrase the text dump and the TUI show about
 * a wait, a lock, a holder, a chain of waits, a frame or a pause is built
 * here, once.  The dump's long forms and the TUI's compact forms are two
 * modes of the same functions.
 *
 * The long forms that are handed out (cdl_render_*) go through
 * cdl_render_sanitize; the compact forms are left raw, since the TUI shows
 * every byte outside printable ASCII as '?' itself.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "arch.h"
#include "render-int.h"
#include "utf8.h"

/* ---- a small growable string ---- */

void cdl_sb_vadd(struct sb *b, const char *fmt, va_list ap)
{
	va_list aq;
	int r;

	if (b->oom)
		return;
	va_copy(aq, ap);
	r = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, aq);
	va_end(aq);
	if (r < 0)
		return;
	if (!b->p || b->len + (size_t)r + 1 > b->cap) {
		size_t cap = (b->len + (size_t)r + 1) * 2;
		char *p = realloc(b->p, cap < 256 ? 256 : cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap < 256 ? 256 : cap;
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)r;
}

void cdl_sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cdl_sb_vadd(b, fmt, ap);
	va_end(ap);
}

const char *cdl_sb_str(const struct sb *b)
{
	return b->p && !b->oom ? b->p : "";
}

void cdl_sb_reset(struct sb *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

/* Hand b out through buf (sanitized unless raw) and free it. */
static char *sb_give(struct sb *b, char *buf, size_t n, bool raw)
{
	if (raw)
		snprintf(buf, n, "%s", cdl_sb_str(b));
	else
		cdl_render_sanitize(buf, n, cdl_sb_str(b));
	free(b->p);
	return buf;
}

/* ---- sanitizing ---- */

/* Length of a printable UTF-8 sequence at p (NUL-terminated), 0 for a
 * malformed one or a C0/C1 control character. */
static size_t utf8_seq(const unsigned char *p)
{
	uint32_t cp;
	size_t l = cdl_utf8_len(p, strnlen((const char *)p, 4), &cp);

	if (l == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 0;
	return l;
}

char *cdl_render_sanitize(char *dst, size_t n, const char *src)
{
	const unsigned char *p = (const unsigned char *)(src ? src : "");
	size_t o = 0;

	if (n == 0)
		return dst;
	while (*p) {
		size_t l = *p >= 0x20 && *p < 0x7f ? 1 : utf8_seq(p);

		if (l == 0) {
			if (o + 4 >= n)
				break;
			snprintf(dst + o, 5, "\\x%02x", *p);
			o += 4;
			p++;
			continue;
		}
		if (o + l >= n)
			break;
		memcpy(dst + o, p, l);
		o += l;
		p += l;
	}
	dst[o] = '\0';
	return dst;
}

/* ---- small words ---- */

const char *cdl_words_state(char st)
{
	switch (st) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "disk sleep";
	case 'T': return "stopped";
	case 't': return "tracing stop";
	case 'Z': return "zombie";
	case 'X': return "dead";
	case 'I': return "idle";
	case 'P': return "parked";
	case 'W': return "waking";
	case 'K': return "wakekill";
	default: return NULL;
	}
}

const char *cdl_render_state_name(char state)
{
	const char *n = cdl_words_state(state);

	return n ? n : "unknown";
}

const char *cdl_words_base(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;

	return b && b[1] ? b + 1 : path;
}

static const char *nz(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

/* Long: "thread \"audit\" (tid 813)" or "thread 813"; compact: "audit (813)"
 * or "? (813)" (the thread is in the snapshot or not).  A thread with a
 * namespace tid: "thread \"audit\", tid 7 (host 813)", "thread 7 (host
 * 813)", "audit (7, host 813)". */
void cdl_words_thread(struct sb *b, const struct cdl_snapshot *s, int tid, bool compact)
{
	const struct cdl_thread *t = s ? cdl_snapshot_find_thread(s, tid) : NULL;

	if (t && t->ns_tid > 0) {
		if (compact)
			cdl_sb_add(b, "%s (%d, host %d)", nz(t->name, "?"), t->ns_tid, tid);
		else if (t->name && *t->name)
			cdl_sb_add(b, "thread \"%s\", tid %d (host %d)", t->name, t->ns_tid, tid);
		else
			cdl_sb_add(b, "thread %d (host %d)", t->ns_tid, tid);
	} else if (compact)
		cdl_sb_add(b, "%s (%d)", t ? nz(t->name, "?") : "?", tid);
	else if (t && t->name && *t->name)
		cdl_sb_add(b, "thread \"%s\" (tid %d)", t->name, tid);
	else
		cdl_sb_add(b, "thread %d", tid);
}

char *cdl_render_tid(char *buf, size_t n, const struct cdl_thread *t)
{
	if (t->ns_tid > 0)
		snprintf(buf, n, "%d (host %d)", t->ns_tid, t->tid);
	else
		snprintf(buf, n, "%d", t->tid);
	return buf;
}

char *cdl_render_core_source(char *buf, size_t n, const struct cdl_snapshot *s, bool compact)
{
	const char *sig = s->core_signal > 0 ? sigabbrev_np(s->core_signal) : NULL;
	const char *path = s->core_path ? s->core_path : "?";

	if (compact)
		snprintf(buf, n, "core %s%s%s%s", cdl_words_base(path), sig ? " (SIG" : "",
			 sig ? sig : "", sig ? ")" : "");
	else if (s->core_signal > 0)
		snprintf(buf, n, "Read from core %s of process %d, made by signal %d (%s%s)", path,
			 s->pid, s->core_signal, sig ? "SIG" : "", sig ? sig : "unknown");
	else if (s->core_live_facts)   /* only cdeadlock's own note gives those */
		snprintf(buf, n, "Read from core %s of process %d, written by cdeadlock --save-core",
			 path, s->pid);
	else
		snprintf(buf, n, "Read from core %s of process %d, made without a signal (gcore)",
			 path, s->pid);
	return buf;
}

char *cdl_render_pause(char *buf, size_t n, uint64_t us, bool compact)
{
	if (us < 1000)
		snprintf(buf, n, "%" PRIu64 " us", us);
	else if (us < (compact ? 100000u : 10000000u))
		snprintf(buf, n, "%" PRIu64 ".%" PRIu64 " ms", us / 1000, us % 1000 / 100);
	else if (compact)
		cdl_render_duration(buf, n, (int64_t)(us / 1000));
	else
		snprintf(buf, n, "%" PRIu64 " s", us / 1000000);
	return buf;
}

/* ---- the awaited object ---- */

static void add_condvar_mutex(struct sb *b, const struct cdl_wait *w)
{
	if (w->mutex_symbol)
		cdl_sb_add(b, "with mutex %s (0x%" PRIx64 ")", w->mutex_symbol, w->mutex);
	else
		cdl_sb_add(b, "with mutex 0x%" PRIx64, w->mutex);
}

/* The object's name.  Long: "lock_ledger (0x4040a0)", "0x55d0... (heap)",
 * "0x55d0...".  Compact: "lock_ledger", "thread 813" for a join, the
 * detail when there is no address. */
static void add_object_name(struct sb *b, const struct cdl_wait *w, bool compact)
{
	if (compact && w->kind == CDL_WAIT_JOIN && w->owner_tid > 0)
		cdl_sb_add(b, "thread %d", w->owner_tid);
	else if (w->symbol && compact)
		cdl_sb_add(b, "%s", w->symbol);
	else if (w->symbol)
		cdl_sb_add(b, "%s (0x%" PRIx64 ")", w->symbol, w->address);
	else if (compact && !w->address)
		cdl_sb_add(b, "%s", nz(w->detail, ""));
	else if (!w->address)
		cdl_sb_add(b, "(address not recorded)");
	else if (w->location)
		cdl_sb_add(b, "0x%" PRIx64 " (%s)", w->address, w->location);
	else
		cdl_sb_add(b, "0x%" PRIx64, w->address);
}

/* Long: "rwlock x (0x...) for reading [with mutex m (0x...)]";
 * compact: "rwlock x (read)". */
void cdl_words_object(struct sb *b, const struct cdl_wait *w, bool with_mutex, bool compact)
{
	const struct cdl_wait_kind_info *k = cdl_wait_kind_info(w->kind);

	cdl_sb_add(b, "%s ", k->noun);
	add_object_name(b, w, compact);
	if (k->access && compact)
		cdl_sb_add(b, " (%s)", k->access);
	else if (k->access_long && !compact)
		cdl_sb_add(b, " for %s", k->access_long);
	if (with_mutex && w->kind == CDL_WAIT_CONDVAR && w->mutex) {
		cdl_sb_add(b, " ");
		add_condvar_mutex(b, w);
	}
}

char *cdl_render_wait_object(char *buf, size_t n, const struct cdl_wait *w)
{
	struct sb b = { 0 };

	cdl_words_object(&b, w, true, false);
	return sb_give(&b, buf, n, false);
}

char *cdl_render_lock_label(char *buf, size_t n, const struct cdl_wait *w)
{
	struct sb b = { 0 };

	add_object_name(&b, w, true);
	return sb_give(&b, buf, n, true);
}

/* ---- the holder ---- */

/* " (from its MutexGuard in frame #5)": where a guard proves a holder */
void cdl_words_guard(struct sb *b, const char *guard, int frame)
{
	cdl_sb_add(b, " (from its %s", guard ? guard : "guard");
	if (frame >= 0)
		cdl_sb_add(b, " in frame #%d", frame);
	cdl_sb_add(b, ")");
}

/* "holds mutex LOCK_A (0x..), from its MutexGuard in frame #5" */
void cdl_words_held(struct sb *b, const struct cdl_held *h)
{
	cdl_sb_add(b, "holds %s", h->shared ? "for reading " : "");
	if (h->symbol)
		cdl_sb_add(b, "%s (0x%" PRIx64 ")", h->symbol, h->address);
	else
		cdl_sb_add(b, "the lock at 0x%" PRIx64, h->address);
	cdl_words_guard(b, h->guard, h->frame);
}

/* Compact: "itself", "audit (813)", "815 (exited)", "4242 (other
 * process)", "no recorded owner". */
static void add_owner_compact(struct sb *b, const struct cdl_snapshot *s,
			      const struct cdl_wait *w, int self_tid)
{
	if (w->owner_tid == self_tid)
		cdl_sb_add(b, "itself");
	else if (w->owner_tid > 0 && s && cdl_snapshot_find_thread(s, w->owner_tid)) {
		cdl_words_thread(b, s, w->owner_tid, true);
		if (w->owner_source == CDL_OWNER_GUARD)
			cdl_sb_add(b, " from its guard");
	} else if (w->owner_tid > 0)
		cdl_sb_add(b, "%d (%s)", w->owner_tid, w->owner_pid > 0 ? "other process" : "exited");
	else if (w->owner_ns_tid > 0)
		cdl_sb_add(b, "%d (not in process)", w->owner_ns_tid);
	else
		cdl_sb_add(b, "no recorded owner");
}

/* The holder of w, after "held by"; long: nothing when no owner is
 * recorded. */
static void add_owner(struct sb *b, const struct cdl_snapshot *s, const struct cdl_wait *w,
		      int self_tid, bool compact)
{
	if (compact) {
		add_owner_compact(b, s, w, self_tid);
		return;
	}
	if (w->flags & CDL_WAITF_READERS) {
		if (w->readers > 1)
			cdl_sb_add(b, "%d readers", w->readers);
		else if (w->readers == 1)
			cdl_sb_add(b, "1 reader");
		else
			cdl_sb_add(b, "readers");
		if (w->owner_tid <= 0 || w->owner_source != CDL_OWNER_GUARD)
			return;
		cdl_sb_add(b, ": ");
	}
	if (w->owner_tid > 0) {
		if (w->owner_tid == self_tid)
			cdl_sb_add(b, "itself");
		else if (s && cdl_snapshot_find_thread(s, w->owner_tid))
			cdl_words_thread(b, s, w->owner_tid, false);
		else if (w->owner_pid > 0)
			cdl_sb_add(b, "tid %d of process %d", w->owner_tid, w->owner_pid);
		else if (w->owner_pid < 0)
			cdl_sb_add(b, "tid %d, which has exited", w->owner_tid);
		else
			cdl_sb_add(b, "tid %d, not in this snapshot", w->owner_tid);
		if (w->flags & CDL_WAITF_LAYOUT_UNKNOWN)
			cdl_sb_add(b, " (unverified: unknown libc layout)");
		if (w->owner_source == CDL_OWNER_GUARD)
			cdl_words_guard(b, w->owner_guard, w->owner_frame);
		return;
	}
	if (w->owner_ns_tid > 0) {
		cdl_sb_add(b, "tid %d of its PID namespace, not a thread of this process",
			   w->owner_ns_tid);
		return;
	}
	if (w->flags & CDL_WAITF_OWNER_UNKNOWN)
		cdl_sb_add(b, "an owner the %s does not record%s",
			   w->detail ? "lock" : "libc",
			   (w->flags & CDL_WAITF_LAYOUT_UNKNOWN) ? " (unknown libc layout)" : "");
}

/* ---- the wait and the chain ---- */

/* Long: "waits for mutex x (0x..)" into what, "held by ..." into who. */
static void long_wait(struct sb *what, struct sb *who, const struct cdl_snapshot *s,
		      int tid, const struct cdl_wait *w)
{
	struct sb o = { 0 };

	switch (w->kind) {
	case CDL_WAIT_JOIN:
		cdl_sb_add(what, "waits to join ");
		if (w->owner_tid > 0 && s && cdl_snapshot_find_thread(s, w->owner_tid))
			cdl_words_thread(what, s, w->owner_tid, false);
		else if (w->owner_tid > 0)
			cdl_sb_add(what, "tid %d (thread 0x%" PRIx64 ")", w->owner_tid, w->address);
		else
			cdl_sb_add(what, "thread 0x%" PRIx64, w->address);
		break;
	case CDL_WAIT_SLEEP:
		cdl_sb_add(what, "sleeps");
		break;
	case CDL_WAIT_IO:
		cdl_sb_add(what, "waits for I/O");
		break;
	case CDL_WAIT_OTHER:
		cdl_sb_add(what, "blocked");
		break;
	default:
		cdl_sb_add(what, "waits for ");
		cdl_words_object(what, w, false, false);
		add_owner(&o, s, w, tid, false);
		if (o.len)
			cdl_sb_add(who, "held by %s", cdl_sb_str(&o));
		/* the condvar's mutex goes with the owner part so that a long
		 * line breaks before it */
		if (w->kind == CDL_WAIT_CONDVAR && w->mutex) {
			if (who->len)
				cdl_sb_add(who, " ");
			add_condvar_mutex(who, w);
		}
		break;
	}
	if (w->detail)
		cdl_sb_add(who->len ? who : what, " (%s)", w->detail);
	if (w->flags & CDL_WAITF_TIMED)
		cdl_sb_add(who->len ? who : what, ", with a timeout");
	free(o.p);
}

/* Compact: "-> joins audit (813)", "-> mutex x -> held by audit (813)",
 * all into what. */
static void compact_wait(struct sb *what, const struct cdl_snapshot *s, int tid,
			 const struct cdl_wait *w)
{
	if (w->kind == CDL_WAIT_JOIN) {
		cdl_sb_add(what, "-> joins ");
	} else {
		cdl_sb_add(what, "-> ");
		cdl_words_object(what, w, false, true);
		cdl_sb_add(what, " -> held by ");
	}
	add_owner(what, s, w, tid, true);
}

void cdl_words_wait(struct sb *what, struct sb *who, const struct cdl_snapshot *s, int tid,
		    const struct cdl_wait *w, bool compact)
{
	if (compact)
		compact_wait(what, s, tid, w);
	else
		long_wait(what, who, s, tid, w);
}

char *cdl_render_wait(char *buf, size_t n, const struct cdl_snapshot *s,
		      const struct cdl_thread *t)
{
	struct sb what = { 0 }, who = { 0 };

	if (t->has_wait)
		cdl_words_wait(&what, &who, s, t->tid, &t->wait, false);
	if (who.len)
		cdl_sb_add(&what, " %s", cdl_sb_str(&who));
	free(who.p);
	return sb_give(&what, buf, n, false);
}

char *cdl_render_held(char *buf, size_t n, const struct cdl_held *h)
{
	struct sb b = { 0 };

	cdl_words_held(&b, h);
	return sb_give(&b, buf, n, false);
}

char *cdl_render_chain(char *buf, size_t n, const struct cdl_snapshot *s, int tid,
		       const struct cdl_wait *w)
{
	struct sb b = { 0 };

	cdl_words_thread(&b, s, tid, true);
	cdl_sb_add(&b, " ");
	cdl_words_wait(&b, NULL, s, tid, w, true);
	return sb_give(&b, buf, n, true);
}

/* ---- frames ---- */

/* Compact: "[inline] fn at file.c:42 in module". */
static void compact_frame(struct sb *b, const struct cdl_frame *f)
{
	const char *file = cdl_words_base(f->file), *mod = cdl_words_base(f->module);

	cdl_sb_add(b, "%s%s", f->inlined ? "[inline] " : "",
		   f->signal_frame ? "<signal handler called>" : nz(f->function, "??"));
	if (file && f->line > 0)
		cdl_sb_add(b, " at %s:%d", file, f->line);
	else if (file)
		cdl_sb_add(b, " at %s", file);
	if (mod)
		cdl_sb_add(b, " in %s", mod);
	if (f->python)
		cdl_sb_add(b, " [python]");
}

void cdl_words_frame(struct sb *b, const struct cdl_frame *f, enum cdl_frame_style style,
		     const char *lines)
{
	if (style == CDL_FRAME_COMPACT) {
		compact_frame(b, f);
		return;
	}
	if (f->signal_frame && !f->function) {
		cdl_sb_add(b, "<signal handler called>");
		return;
	}
	if (style == CDL_FRAME_PC && !f->python)
		cdl_sb_add(b, "0x%016" PRIx64 " in ", f->pc);
	else if (style == CDL_FRAME_PC)
		cdl_sb_add(b, "%-18s in ", "(python)");
	cdl_sb_add(b, "%s", f->function ? f->function : "??");
	if (f->file && lines)
		cdl_sb_add(b, " (%s:%s)", f->file, lines);
	else if (f->file && f->line > 0)
		cdl_sb_add(b, " (%s:%d)", f->file, f->line);
	else if (f->file)
		cdl_sb_add(b, " (%s)", f->file);
	else if (f->function && f->offset)
		cdl_sb_add(b, "+0x%" PRIx64, f->offset);
	if (f->module)
		cdl_sb_add(b, " from %s", cdl_words_base(f->module));
	if (f->inlined)
		cdl_sb_add(b, " [inlined]");
	if (f->python)
		cdl_sb_add(b, " [python]");
	if (f->signal_frame)
		cdl_sb_add(b, " <signal handler called>");
}

char *cdl_render_frame(char *buf, size_t n, const struct cdl_frame *f, enum cdl_frame_style style)
{
	struct sb b = { 0 };

	cdl_words_frame(&b, f, style, NULL);
	return sb_give(&b, buf, n, style == CDL_FRAME_COMPACT);
}

/* ---- the undecided verdict ---- */

/* Why the holder of w is not known, in a few words. */
static const char *no_owner_why(const struct cdl_wait *w)
{
	if (w->detail && (w->kind == CDL_WAIT_FUTEX || (w->flags & CDL_WAITF_OWNER_UNKNOWN)))
		return w->detail;                  /* "GLib GMutex", "musl normal mutex" */
	if (w->kind == CDL_WAIT_FUTEX)
		return "futexes no known lock implementation explains";
	if (w->flags & CDL_WAITF_LAYOUT_UNKNOWN)
		return "unknown libc layout";
	if (w->flags & CDL_WAITF_LIBC_INTERNAL)
		return "libc internal lock";
	return cdl_wait_kind_info(w->kind)->noun;
}

void cdl_words_runtime(struct sb *b, const struct cdl_snapshot *s)
{
	if (!s->runtime)
		return;
	if (strcmp(s->runtime, "HotSpot JVM") == 0)
		cdl_sb_add(b, "This process runs a Java VM (HotSpot): its Java-level locks (synchronized, "
			   "java.util.concurrent) are not analysed here; `jstack %d` reports Java deadlocks.",
			   s->pid);
	else
		cdl_sb_add(b, "This process runs %s: its own locks are not analysed here.", s->runtime);
}

void cdl_words_idle_group(struct sb *b, const struct cdl_thread *t)
{
	const struct cdl_wait *w = &t->wait;
	const char *sc = t->syscall_nr >= 0 ? cdl_arch_syscall_name(t->syscall_nr) : NULL;

	if (w->kind == CDL_WAIT_CONDVAR || w->kind == CDL_WAIT_SEMAPHORE) {
		cdl_sb_add(b, "on ");
		cdl_words_object(b, w, true, false);
	} else if (sc) {
		cdl_sb_add(b, "in %s", sc);
	} else {
		cdl_sb_add(b, "%s", w->kind == CDL_WAIT_SLEEP ? "sleeping" : "waiting for I/O");
	}
}

void cdl_words_undecided(struct sb *b, const struct cdl_snapshot *s,
			 const struct cdl_analysis *a)
{
	const char *why[8];
	size_t nwhy = 0, nrecheck = 0;
	char dur[32];

	cdl_sb_add(b, "No deadlock proven, but %zu thread%s (", a->nundecided,
		   a->nundecided == 1 ? "" : "s");
	for (size_t i = 0; i < a->nundecided; i++) {
		const struct cdl_thread *t = &s->threads[a->undecided[i]];
		const char *w = no_owner_why(&t->wait);
		size_t k = 0;

		cdl_sb_add(b, "%s%d", i ? ", " : "", t->tid);
		if (t->wait.flags & CDL_WAITF_RECHECKS)
			nrecheck++;
		while (k < nwhy && strcmp(why[k], w) != 0)
			k++;
		if (k == nwhy && nwhy < sizeof(why) / sizeof(why[0]))
			why[nwhy++] = w;
	}
	if (nrecheck == a->nundecided)
		cdl_sb_add(b, ") %s waited for a time nobody measured", a->nundecided == 1 ? "has" : "have");
	else
		cdl_sb_add(b, ") %s waited at least %s%s", a->nundecided == 1 ? "has" : "have",
			   cdl_render_duration(dur, sizeof(dur), a->stuck_ms),
			   nrecheck ? " or for a time nobody measured" : "");
	cdl_sb_add(b, " on locks whose owner is not known (");
	for (size_t k = 0; k < nwhy; k++)
		cdl_sb_add(b, "%s%s", k ? ", " : "", why[k]);
	cdl_sb_add(b, "): a deadlock can be neither proven nor excluded.");
}

/* ---- the capture mode ---- */

void cdl_words_capture(struct sb *b, const struct cdl_snapshot *s)
{
	char pause[32], win[32];

	if (s->capture_mode != CDL_CAPTURE_PERTHREAD) {
		cdl_sb_add(b, "target paused %s", cdl_render_pause(pause, sizeof(pause), s->pause_us, false));
		return;
	}
	cdl_sb_add(b, "threads stopped one at a time (longest %s, capture %s)",
		   cdl_render_pause(pause, sizeof(pause), s->pause_us, false),
		   cdl_render_pause(win, sizeof(win), s->window_us, false));
}

const char *cdl_words_moved(void)
{
	return "moved during the capture";
}

void cdl_words_moved_note(struct sb *b, size_t n)
{
	cdl_sb_add(b, "%zu thread%s left %s wait during the capture (threads are copied one at "
		   "a time): %s in no verdict; --global-freeze copies all at one instant.",
		   n, n == 1 ? "" : "s", n == 1 ? "its" : "their", n == 1 ? "it takes part" :
		   "they take part");
}
