/* text.c - the text dump: the verdict first (like jstack's "Found one
 * Java-level deadlock"), then stuck threads, then every thread with a
 * gdb/eu-stack-like backtrace (or one entry per distinct stack with
 * --group), then warnings.
 *
 * Every line goes through cdl_render_sanitize: thread names, symbols and
 * paths come from the target and may hold terminal escapes or bytes that
 * are not UTF-8.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "utf8.h"

#define WIDTH 100          /* wrap verdict lines longer than this */

void cdl_render_opts_init(struct cdl_render_opts *o)
{
	o->group = false;
	o->addresses = true;
}

/* ---- a small growable string ---- */

struct sb {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_vadd(struct sb *b, const char *fmt, va_list ap)
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

static void sb_add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vadd(b, fmt, ap);
	va_end(ap);
}

static const char *sb_str(const struct sb *b)
{
	return b->p && !b->oom ? b->p : "";
}

static void sb_reset(struct sb *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
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

/* Columns a sanitized string takes (UTF-8 sequences count as one). */
static size_t columns(const char *s)
{
	size_t c = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			c++;
	return c;
}

struct out {
	FILE *f;
	char *clean;
	size_t cap;
	bool oom;
};

/* Write one line (without its newline), sanitized. */
static void emit(struct out *o, const char *line)
{
	size_t need = strlen(line) * 4 + 1;

	if (need > o->cap) {
		char *c = realloc(o->clean, need);

		if (!c) {
			o->oom = true;
			return;
		}
		o->clean = c;
		o->cap = need;
	}
	cdl_render_sanitize(o->clean, o->cap, line);
	fputs(o->clean, o->f);
	putc('\n', o->f);
}

/* ---- words ---- */

static const char *state_name(char st)
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

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;

	return b && b[1] ? b + 1 : path;
}

static const char *noun(enum cdl_wait_kind k)
{
	switch (k) {
	case CDL_WAIT_MUTEX: return "mutex";
	case CDL_WAIT_RWLOCK_READ:
	case CDL_WAIT_RWLOCK_WRITE: return "rwlock";
	case CDL_WAIT_CONDVAR: return "condvar";
	case CDL_WAIT_SEMAPHORE: return "semaphore";
	case CDL_WAIT_JOIN: return "thread";
	case CDL_WAIT_FUTEX: return "futex";
	default: return cdl_wait_kind_name(k);
	}
}

static void add_thread_name(struct sb *b, const struct cdl_snapshot *s, int tid)
{
	const struct cdl_thread *t = s ? cdl_snapshot_find_thread(s, tid) : NULL;

	if (t && t->name && *t->name)
		sb_add(b, "thread \"%s\" (tid %d)", t->name, tid);
	else
		sb_add(b, "thread %d", tid);
}

static void add_condvar_mutex(struct sb *b, const struct cdl_wait *w)
{
	if (w->mutex_symbol)
		sb_add(b, "with mutex %s (0x%" PRIx64 ")", w->mutex_symbol, w->mutex);
	else
		sb_add(b, "with mutex 0x%" PRIx64, w->mutex);
}

static void add_object(struct sb *b, const struct cdl_wait *w, bool with_mutex)
{
	sb_add(b, "%s ", noun(w->kind));
	if (w->symbol)
		sb_add(b, "%s (0x%" PRIx64 ")", w->symbol, w->address);
	else if (w->location)
		sb_add(b, "0x%" PRIx64 " (%s)", w->address, w->location);
	else
		sb_add(b, "0x%" PRIx64, w->address);
	if (w->kind == CDL_WAIT_RWLOCK_READ)
		sb_add(b, " for reading");
	else if (w->kind == CDL_WAIT_RWLOCK_WRITE)
		sb_add(b, " for writing");
	if (with_mutex && w->kind == CDL_WAIT_CONDVAR && w->mutex) {
		sb_add(b, " ");
		add_condvar_mutex(b, w);
	}
}

char *cdl_render_wait_object(char *buf, size_t n, const struct cdl_wait *w)
{
	struct sb b = { 0 };

	add_object(&b, w, true);
	cdl_render_sanitize(buf, n, sb_str(&b));
	free(b.p);
	return buf;
}

/* The holder of w, after "held by"; nothing when no owner is recorded. */
static void add_owner(struct sb *b, const struct cdl_snapshot *s, const struct cdl_wait *w,
		      int self_tid)
{
	if (w->flags & CDL_WAITF_READERS) {
		if (w->readers > 1)
			sb_add(b, "%d readers", w->readers);
		else if (w->readers == 1)
			sb_add(b, "1 reader");
		else
			sb_add(b, "readers");
		return;
	}
	if (w->owner_tid > 0) {
		if (w->owner_tid == self_tid)
			sb_add(b, "itself");
		else if (s && cdl_snapshot_find_thread(s, w->owner_tid))
			add_thread_name(b, s, w->owner_tid);
		else if (w->owner_pid > 0)
			sb_add(b, "tid %d of process %d", w->owner_tid, w->owner_pid);
		else if (w->owner_pid < 0)
			sb_add(b, "tid %d, which has exited", w->owner_tid);
		else
			sb_add(b, "tid %d, not in this snapshot", w->owner_tid);
		if (w->flags & CDL_WAITF_LAYOUT_UNKNOWN)
			sb_add(b, " (unverified: unknown libc layout)");
		return;
	}
	if (w->flags & CDL_WAITF_OWNER_UNKNOWN)
		sb_add(b, "an owner the libc does not record%s",
		       (w->flags & CDL_WAITF_LAYOUT_UNKNOWN) ? " (unknown libc layout)" : "");
}

char *cdl_render_wait_owner(char *buf, size_t n, const struct cdl_snapshot *s,
			    const struct cdl_wait *w, int self_tid)
{
	struct sb b = { 0 };

	add_owner(&b, s, w, self_tid);
	cdl_render_sanitize(buf, n, sb_str(&b));
	free(b.p);
	return buf;
}

/* "waits for mutex x (0x..)" into what, "held by ..." into who. */
static void describe_wait(struct sb *what, struct sb *who, const struct cdl_snapshot *s,
			  const struct cdl_thread *t)
{
	const struct cdl_wait *w = &t->wait;
	struct sb o = { 0 };

	switch (w->kind) {
	case CDL_WAIT_JOIN:
		sb_add(what, "waits to join ");
		if (w->owner_tid > 0 && s && cdl_snapshot_find_thread(s, w->owner_tid))
			add_thread_name(what, s, w->owner_tid);
		else if (w->owner_tid > 0)
			sb_add(what, "tid %d (thread 0x%" PRIx64 ")", w->owner_tid, w->address);
		else
			sb_add(what, "thread 0x%" PRIx64, w->address);
		break;
	case CDL_WAIT_SLEEP:
		sb_add(what, "sleeps");
		break;
	case CDL_WAIT_IO:
		sb_add(what, "waits for I/O");
		break;
	case CDL_WAIT_OTHER:
		sb_add(what, "blocked");
		break;
	default:
		sb_add(what, "waits for ");
		add_object(what, w, false);
		add_owner(&o, s, w, t->tid);
		if (o.len)
			sb_add(who, "held by %s", sb_str(&o));
		/* the condvar's mutex goes with the owner part so that a long
		 * line breaks before it */
		if (w->kind == CDL_WAIT_CONDVAR && w->mutex) {
			if (who->len)
				sb_add(who, " ");
			add_condvar_mutex(who, w);
		}
		break;
	}
	if (w->detail)
		sb_add(who->len ? who : what, " (%s)", w->detail);
	if (w->flags & CDL_WAITF_TIMED)
		sb_add(who->len ? who : what, ", with a timeout");
	free(o.p);
}

char *cdl_render_wait(char *buf, size_t n, const struct cdl_snapshot *s,
		      const struct cdl_thread *t)
{
	struct sb what = { 0 }, who = { 0 };

	if (!t->has_wait) {
		cdl_render_sanitize(buf, n, "");
		return buf;
	}
	describe_wait(&what, &who, s, t);
	if (who.len)
		sb_add(&what, " %s", sb_str(&who));
	cdl_render_sanitize(buf, n, sb_str(&what));
	free(what.p);
	free(who.p);
	return buf;
}

/* ---- the sections ---- */

static void user_frame_line(struct out *o, const struct cdl_thread *t)
{
	const struct cdl_frame *f = cdl_thread_user_frame(t);
	struct sb b = { 0 };

	if (!f)
		return;
	/* the file's base name, as jstack does; the thread's stack below has
	 * the path */
	sb_add(&b, "      at %s", f->function ? f->function : "??");
	if (f->file && f->line > 0)
		sb_add(&b, " (%s:%d)", base_name(f->file), f->line);
	else if (f->file)
		sb_add(&b, " (%s)", base_name(f->file));
	else if (f->module)
		sb_add(&b, " from %s", base_name(f->module));
	emit(o, sb_str(&b));
	free(b.p);
}

/* "  thread "a" (tid 1) <wait> held by <owner>" (wrapped) and its user frame */
static void chain_line(struct out *o, const struct cdl_snapshot *s, const struct cdl_thread *t,
		       const char *after_name, const char *suffix)
{
	struct sb first = { 0 }, what = { 0 }, who = { 0 };

	add_thread_name(&first, s, t->tid);
	if (after_name)
		sb_add(&first, "%s", after_name);
	if (t->has_wait) {
		describe_wait(&what, &who, s, t);
		sb_add(&first, " %s", sb_str(&what));
	}
	if (suffix && *suffix)
		sb_add(who.len ? &who : &first, "%s", suffix);
	{
		struct sb line = { 0 };
		char *tmp;
		size_t cap;

		sb_add(&line, "  %s%s%s", sb_str(&first), who.len ? " " : "", sb_str(&who));
		cap = line.len * 4 + 1;
		tmp = malloc(cap);
		if (tmp) {
			cdl_render_sanitize(tmp, cap, sb_str(&line));
			if (columns(tmp) > WIDTH && who.len) {
				sb_reset(&line);
				sb_add(&line, "  %s", sb_str(&first));
				emit(o, sb_str(&line));
				sb_reset(&line);
				sb_add(&line, "      %s", sb_str(&who));
				emit(o, sb_str(&line));
			} else {
				emit(o, sb_str(&line));
			}
			free(tmp);
		}
		free(line.p);
	}
	user_frame_line(o, t);
	free(first.p);
	free(what.p);
	free(who.p);
}

static void verdict_section(struct out *o, const struct cdl_snapshot *s,
			    const struct cdl_analysis *a)
{
	struct sb b = { 0 };
	size_t nbehind = 0;

	if (!a)
		return;
	if (a->ndeadlocks == 0) {
		emit(o, "No deadlock found.");
	} else {
		if (a->ndeadlocks == 1)
			emit(o, "Found one deadlock:");
		else {
			sb_add(&b, "Found %zu deadlocks:", a->ndeadlocks);
			emit(o, sb_str(&b));
		}
	}
	for (size_t i = 0; i < a->ndeadlocks; i++) {
		const struct cdl_deadlock *d = &a->deadlocks[i];

		emit(o, "");
		sb_reset(&b);
		if (d->type == CDL_DEADLOCK_ORPHANED_LOCK)
			sb_add(&b, "Deadlock %zu: %zu thread%s wait%s on a lock whose owner has exited",
			       i + 1, d->ntids, d->ntids == 1 ? "" : "s", d->ntids == 1 ? "s" : "");
		else if (d->ntids == 1)
			sb_add(&b, "Deadlock %zu: a thread waits for a lock it holds itself", i + 1);
		else
			sb_add(&b, "Deadlock %zu: cycle of %zu threads", i + 1, d->ntids);
		emit(o, sb_str(&b));
		for (size_t j = 0; j < d->ntids; j++) {
			const struct cdl_thread *t = cdl_snapshot_find_thread(s, d->tids[j]);

			if (t) {
				chain_line(o, s, t, NULL, NULL);
			} else if (j < d->nedges) {
				sb_reset(&b);
				sb_add(&b, "  thread %d waits for %s 0x%" PRIx64 " held by thread %d",
				       d->tids[j], noun(d->edges[j].kind), d->edges[j].address,
				       d->edges[j].owner_tid);
				emit(o, sb_str(&b));
			}
		}
	}

	for (size_t i = 0; a->verdict && i < s->nthreads; i++)
		if (a->verdict[i] == CDL_VERDICT_BEHIND)
			nbehind++;
	if (nbehind) {
		emit(o, "");
		emit(o, "Blocked behind a deadlock:");
		for (size_t i = 0; i < s->nthreads; i++) {
			char tag[48] = "";

			if (a->verdict[i] != CDL_VERDICT_BEHIND)
				continue;
			if (a->deadlock_of && a->deadlock_of[i] < a->ndeadlocks && a->ndeadlocks > 1)
				snprintf(tag, sizeof(tag), " [deadlock %zu]", a->deadlock_of[i] + 1);
			chain_line(o, s, &s->threads[i], NULL, tag);
		}
	}

	if (a->nstuck) {
		emit(o, "");
		emit(o, "Stuck threads (long waits, no deadlock):");
		for (size_t i = 0; i < a->nstuck; i++) {
			const struct cdl_thread *t;
			char dur[32], mid[64];

			if (a->stuck[i] >= s->nthreads)
				continue;
			t = &s->threads[a->stuck[i]];
			snprintf(mid, sizeof(mid), " blocked %s,",
				 cdl_render_duration(dur, sizeof(dur), t->blocked_for_ms));
			chain_line(o, s, t, mid, NULL);
		}
	}
	free(b.p);
}

static void header(struct out *o, const struct cdl_snapshot *s)
{
	struct sb b = { 0 };

	sb_add(&b, "Process %d", s->pid);
	if (s->exe)
		sb_add(&b, " (%s)", s->exe);
	sb_add(&b, ": %zu thread%s, %s", s->nthreads, s->nthreads == 1 ? "" : "s",
	       s->libc ? s->libc : "libc unknown");
	emit(o, sb_str(&b));
	sb_reset(&b);
	sb_add(&b, "Captured %s", s->captured_at ? s->captured_at : "at an unknown time");
	if (s->pause_us < 1000)
		sb_add(&b, ", target paused %" PRIu64 " us", s->pause_us);
	else if (s->pause_us < 10000000)
		sb_add(&b, ", target paused %" PRIu64 ".%" PRIu64 " ms", s->pause_us / 1000,
		       s->pause_us % 1000 / 100);
	else
		sb_add(&b, ", target paused %" PRIu64 " s", s->pause_us / 1000000);
	if (s->nwarnings)
		sb_add(&b, "; %zu warning%s at the end", s->nwarnings, s->nwarnings == 1 ? "" : "s");
	emit(o, sb_str(&b));
	if (s->source && strcmp(s->source, "live") != 0) {
		sb_reset(&b);
		sb_add(&b, "Loaded from %s", s->source);
		emit(o, sb_str(&b));
	}
	free(b.p);
}

/* "0x... in fn (file:line) from module [inlined]" without the "#N". */
static void add_frame(struct sb *b, const struct cdl_frame *f, bool pcs, const char *lines)
{
	if (f->signal_frame && !f->function) {
		sb_add(b, "<signal handler called>");
		return;
	}
	if (pcs)
		sb_add(b, "0x%016" PRIx64 " in ", f->pc);
	sb_add(b, "%s", f->function ? f->function : "??");
	if (f->file && lines)
		sb_add(b, " (%s:%s)", f->file, lines);
	else if (f->file && f->line > 0)
		sb_add(b, " (%s:%d)", f->file, f->line);
	else if (f->file)
		sb_add(b, " (%s)", f->file);
	else if (f->function && f->offset)
		sb_add(b, "+0x%" PRIx64, f->offset);
	if (f->module)
		sb_add(b, " from %s", base_name(f->module));
	if (f->inlined)
		sb_add(b, " [inlined]");
	if (f->signal_frame)
		sb_add(b, " <signal handler called>");
}

char *cdl_render_frame(char *buf, size_t n, const struct cdl_frame *f, bool pcs)
{
	struct sb b = { 0 };

	add_frame(&b, f, pcs, NULL);
	cdl_render_sanitize(buf, n, sb_str(&b));
	free(b.p);
	return buf;
}

const char *cdl_render_state_name(char state)
{
	const char *n = state_name(state);

	return n ? n : "unknown";
}

static void frame_line(struct out *o, const struct cdl_frame *f, size_t n, bool pcs,
		       const char *lines)
{
	struct sb b = { 0 };

	sb_add(&b, "#%-3zu", n);
	add_frame(&b, f, pcs, lines);
	emit(o, sb_str(&b));
	free(b.p);
}

static const char *verdict_tag(const struct cdl_analysis *a, size_t i, char *buf, size_t n)
{
	if (!a || !a->verdict)
		return "";
	switch (a->verdict[i]) {
	case CDL_VERDICT_DEADLOCKED:
		return " [deadlocked]";
	case CDL_VERDICT_ORPHANED:
		return " [waits on an orphaned lock]";
	case CDL_VERDICT_BEHIND:
		if (a->deadlock_of && a->deadlock_of[i] < a->ndeadlocks) {
			snprintf(buf, n, " [behind deadlock %zu]", a->deadlock_of[i] + 1);
			return buf;
		}
		return " [behind a deadlock]";
	case CDL_VERDICT_STUCK:
		return " [stuck]";
	default:
		return "";
	}
}

static void thread_section(struct out *o, const struct cdl_snapshot *s,
			   const struct cdl_analysis *a, size_t i, bool pcs)
{
	const struct cdl_thread *t = &s->threads[i];
	struct sb b = { 0 }, what = { 0 }, who = { 0 };
	const char *st = state_name(t->state);
	char tag[48], dur[32];

	sb_add(&b, "Thread %d \"%s\" (%c%s%s", t->tid, t->name ? t->name : "",
	       t->state ? t->state : '?', st ? " " : "", st ? st : "");
	if (t->blocked_for_ms >= 0)
		sb_add(&b, ", blocked %s", cdl_render_duration(dur, sizeof(dur), t->blocked_for_ms));
	sb_add(&b, ")%s", verdict_tag(a, i, tag, sizeof(tag)));
	emit(o, sb_str(&b));
	if (t->syscall_nr >= 0) {
		char sc[256];

		sb_reset(&b);
		sb_add(&b, "  syscall: %s", cdl_render_syscall(sc, sizeof(sc), t->syscall_nr, t->syscall_args));
		if (t->wchan && columns(sb_str(&b)) + strlen(t->wchan) + 8 <= WIDTH) {
			sb_add(&b, ", wchan %s", t->wchan);
			emit(o, sb_str(&b));
		} else {
			emit(o, sb_str(&b));
			if (t->wchan) {
				sb_reset(&b);
				sb_add(&b, "  wchan: %s", t->wchan);
				emit(o, sb_str(&b));
			}
		}
	} else if (t->wchan) {
		sb_reset(&b);
		sb_add(&b, "  wchan: %s", t->wchan);
		emit(o, sb_str(&b));
	}
	if (t->has_wait) {
		describe_wait(&what, &who, s, t);
		sb_reset(&b);
		sb_add(&b, "  %s%s%s", sb_str(&what), who.len ? " " : "", sb_str(&who));
		emit(o, sb_str(&b));
	}
	for (size_t j = 0; j < t->nframes; j++)
		frame_line(o, &t->frames[j], j, pcs, NULL);
	if (t->unwind_error) {
		sb_reset(&b);
		sb_add(&b, "Backtrace stopped: %s", t->unwind_error);
		emit(o, sb_str(&b));
	} else if (t->nframes == 0) {
		emit(o, "(no stack)");
	}
	free(b.p);
	free(what.p);
	free(who.p);
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	return (a > b) - (a < b);
}

/* The lines of frame j across a group: "42" or "40, 41" (at most 4). */
static const char *group_lines(const struct cdl_snapshot *s, const struct cdl_stack_group *g,
			       size_t j, char *buf, size_t n)
{
	int v[4] = { 0 };
	size_t nv = 0;
	bool more = false;
	struct sb b = { 0 };

	for (size_t k = 0; k < g->nthreads; k++) {
		int line = s->threads[g->threads[k]].frames[j].line;
		size_t x;

		if (line <= 0)
			line = 0;
		for (x = 0; x < nv && v[x] != line; x++)
			;
		if (x < nv)
			continue;
		if (nv == 4) {
			more = true;
			break;
		}
		v[nv++] = line;
	}
	qsort(v, nv, sizeof(v[0]), cmp_int);
	for (size_t x = 0; x < nv; x++)
		sb_add(&b, x ? ", %d" : "%d", v[x]);
	if (more)
		sb_add(&b, ", ...");
	snprintf(buf, n, "%s", sb_str(&b));
	free(b.p);
	return buf;
}

static int group_section(struct out *o, const struct cdl_snapshot *s,
			 const struct cdl_analysis *a)
{
	struct cdl_stack_group *g;
	size_t ng;
	struct sb b = { 0 };
	int rc = cdl_stack_groups(s, &g, &ng);

	if (rc < 0)
		return rc;
	sb_add(&b, "Stacks: %zu distinct in %zu thread%s", ng, s->nthreads, s->nthreads == 1 ? "" : "s");
	emit(o, sb_str(&b));
	for (size_t i = 0; i < ng; i++) {
		const struct cdl_thread *rep = &s->threads[g[i].rep];
		bool same_name = true, same_wait = true, same_verdict = a && a->verdict;
		char tag[48];
		size_t col;

		for (size_t k = 1; k < g[i].nthreads; k++) {
			const struct cdl_thread *t = &s->threads[g[i].threads[k]];

			if (same_verdict && (a->verdict[g[i].threads[k]] != a->verdict[g[i].rep] ||
					     (a->deadlock_of && a->deadlock_of[g[i].threads[k]] !=
					      a->deadlock_of[g[i].rep])))
				same_verdict = false;
			if (!t->name || !rep->name || strcmp(t->name, rep->name))
				same_name = false;
			if (t->has_wait != rep->has_wait ||
			    (t->has_wait && (t->wait.kind != rep->wait.kind ||
					     t->wait.address != rep->wait.address ||
					     t->wait.owner_tid != rep->wait.owner_tid)))
				same_wait = false;
		}
		emit(o, "");
		sb_reset(&b);
		sb_add(&b, "%zu thread%s", g[i].nthreads, g[i].nthreads == 1 ? "" : "s");
		if (same_name && rep->name && *rep->name)
			sb_add(&b, " \"%s\"", rep->name);
		sb_add(&b, "%s:", same_verdict ? verdict_tag(a, g[i].rep, tag, sizeof(tag)) : "");
		col = columns(sb_str(&b));
		for (size_t k = 0; k < g[i].nthreads; k++) {
			char num[24];
			int len = snprintf(num, sizeof(num), "%d", s->threads[g[i].threads[k]].tid);

			if (col + (size_t)len + 2 > WIDTH) {
				emit(o, sb_str(&b));
				sb_reset(&b);
				sb_add(&b, "   ");
				col = 3;
			}
			sb_add(&b, " %s%s", num, k + 1 < g[i].nthreads ? "," : "");
			col += (size_t)len + 2;
		}
		emit(o, sb_str(&b));
		if (same_wait && rep->has_wait) {
			struct sb what = { 0 }, who = { 0 };

			describe_wait(&what, &who, s, rep);
			sb_reset(&b);
			sb_add(&b, "  %s%s%s", sb_str(&what), who.len ? " " : "", sb_str(&who));
			emit(o, sb_str(&b));
			free(what.p);
			free(who.p);
		}
		for (size_t j = 0; j < rep->nframes; j++) {
			char lines[64];

			frame_line(o, &rep->frames[j], j, false,
				   group_lines(s, &g[i], j, lines, sizeof(lines)));
		}
		if (rep->nframes == 0)
			emit(o, "(no stack)");
	}
	cdl_stack_groups_free(g, ng);
	free(b.p);
	return 0;
}

int cdl_render_text(FILE *out, const struct cdl_snapshot *s,
		    const struct cdl_analysis *a, const struct cdl_render_opts *opts)
{
	struct out o = { .f = out };
	struct cdl_render_opts def;
	int rc = 0;

	if (!opts) {
		cdl_render_opts_init(&def);
		opts = &def;
	}
	header(&o, s);
	emit(&o, "");
	verdict_section(&o, s, a);
	emit(&o, "");
	if (opts->group) {
		rc = group_section(&o, s, a);
	} else {
		char buf[64];

		snprintf(buf, sizeof(buf), "Threads (%zu):", s->nthreads);
		emit(&o, buf);
		for (size_t i = 0; i < s->nthreads; i++) {
			emit(&o, "");
			thread_section(&o, s, a, i, opts->addresses);
		}
	}
	if (s->nwarnings) {
		char buf[64];

		emit(&o, "");
		snprintf(buf, sizeof(buf), "Warnings (%zu):", s->nwarnings);
		emit(&o, buf);
		for (size_t i = 0; i < s->nwarnings; i++) {
			struct sb b = { 0 };

			sb_add(&b, "  %s", s->warnings[i]);
			emit(&o, sb_str(&b));
			free(b.p);
		}
	}
	free(o.clean);
	if (rc < 0)
		return rc;
	if (o.oom)
		return -ENOMEM;
	if (ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}
