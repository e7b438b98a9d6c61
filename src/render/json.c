/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json.c - the JSON contract (tests/expected/snapshot.schema.json)
 *
 * Layout: two-space indentation down to a thread; a wait, a frame, a
 * deadlock edge each on one line, so that a 1000-thread snapshot stays
 * readable with grep and diff.  Fields beyond the contract (allowed: the
 * consumers ignore what they do not know) keep everything the analysis and
 * the text dump need, so that `--load` reproduces the same verdict:
 *
 *   top level:  captured_at_ms, libc, runtime (only when set), stuck (tids, longest blocked first),
 *               undecided (tids, only when not empty), idle (tids of long
 *               idle waits, grouped; only when not empty)
 *   thread:     verdict, syscall {nr, name, args[]} | null, wchan,
 *               unwind_error
 * and, in the contract as optional fields: capture_mode,
 * capture_window_us (per-thread only), a thread's wait_stable (per-thread
 * only).
 *   wait:       futex, location, owner_pid, flags[], readers, mutex,
 *               mutex_symbol, detail, owner_source "guard" with
 *               owner_frame and owner_guard for an owner inferred from a
 *               guard (absent: the owner is recorded by the lock)
 *   thread:     held [] (locks held through guards: address, symbol,
 *               size, guard, frame, shared)
 *   frame:      offset, column, signal_frame, python (true: a CPython
 *               frame; absent otherwise)
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "render.h"
#include "render-int.h"
#include "utf8.h"

void cdl_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (!s) {
		fputs("null", out);
		return;
	}
	n = strlen(s);
	putc('"', out);
	while (n > 0) {
		unsigned c;
		size_t l, run = 0;

		/* plain ASCII goes out in one piece */
		while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' && p[run] != '\\')
			run++;
		if (run) {
			fwrite(p, 1, run, out);
			p += run;
			n -= run;
			continue;
		}
		c = *p;

		switch (c) {
		case '"': fputs("\\\"", out); p++; n--; continue;
		case '\\': fputs("\\\\", out); p++; n--; continue;
		case '\n': fputs("\\n", out); p++; n--; continue;
		case '\r': fputs("\\r", out); p++; n--; continue;
		case '\t': fputs("\\t", out); p++; n--; continue;
		case '\b': fputs("\\b", out); p++; n--; continue;
		case '\f': fputs("\\f", out); p++; n--; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			p++;
			n--;
			continue;
		}
		l = cdl_utf8_len(p, n, NULL);
		if (l == 0) {
			/* not UTF-8 (a thread name is just bytes): U+FFFD */
			fputs("\\ufffd", out);
			p++;
			n--;
			continue;
		}
		fwrite(p, 1, l, out);
		p += l;
		n -= l;
	}
	putc('"', out);
}

static void hex_or_null(FILE *out, uint64_t v)
{
	if (v)
		fprintf(out, "\"0x%" PRIx64 "\"", v);
	else
		fputs("null", out);
}

/* prefix (the comma and the member's name), then v, or null when it is
 * not known */
static void member_int(FILE *out, const char *prefix, bool known, int64_t v)
{
	fputs(prefix, out);
	if (known)
		fprintf(out, "%" PRId64, v);
	else
		fputs("null", out);
}

static void write_wait(FILE *out, const struct cdl_wait *w)
{
	bool first = true;

	fprintf(out, "{\"kind\": \"%s\", \"address\": \"0x%" PRIx64 "\", \"symbol\": ",
		cdl_wait_kind_name(w->kind), w->address);
	cdl_json_string(out, w->symbol);
	member_int(out, ", \"owner_tid\": ", w->owner_tid > 0, w->owner_tid);
	member_int(out, ", \"owner_pid\": ", w->owner_pid != 0, w->owner_pid);
	if (w->owner_ns_tid > 0)
		fprintf(out, ", \"owner_ns_tid\": %d", w->owner_ns_tid);
	fputs(", \"futex\": ", out);
	hex_or_null(out, w->futex);
	fputs(", \"location\": ", out);
	cdl_json_string(out, w->location);
	fputs(", \"flags\": [", out);
	for (unsigned i = 0; i < 32; i++) {
		const char *name = cdl_wait_flag_name(1u << i);

		if (!(w->flags & (1u << i)) || !name)
			continue;
		fprintf(out, "%s\"%s\"", first ? "" : ", ", name);
		first = false;
	}
	member_int(out, "], \"readers\": ", w->readers >= 0, w->readers);
	fputs(", \"mutex\": ", out);
	hex_or_null(out, w->mutex);
	fputs(", \"mutex_symbol\": ", out);
	cdl_json_string(out, w->mutex_symbol);
	fputs(", \"detail\": ", out);
	cdl_json_string(out, w->detail);
	if (w->owner_tid > 0 && w->owner_source == CDL_OWNER_GUARD) {
		fprintf(out, ", \"owner_source\": \"guard\", \"owner_frame\": %d, \"owner_guard\": ",
			w->owner_frame);
		cdl_json_string(out, w->owner_guard);
	}
	putc('}', out);
}

static void write_frame(FILE *out, const struct cdl_frame *f)
{
	fprintf(out, "{\"pc\": \"0x%" PRIx64 "\", \"function\": ", f->pc);
	cdl_json_string(out, f->function);
	fputs(", \"offset\": ", out);
	if (f->function)
		fprintf(out, "%" PRIu64, f->offset);
	else
		fputs("null", out);
	fputs(", \"module\": ", out);
	cdl_json_string(out, f->module);
	fputs(", \"file\": ", out);
	cdl_json_string(out, f->file);
	member_int(out, ", \"line\": ", f->line > 0, f->line);
	member_int(out, ", \"column\": ", f->column > 0, f->column);
	fprintf(out, ", \"inlined\": %s, \"signal_frame\": %s",
		f->inlined ? "true" : "false", f->signal_frame ? "true" : "false");
	if (f->python)
		fputs(", \"python\": true", out);
	putc('}', out);
}

static void write_thread(FILE *out, const struct cdl_thread *t, const char *verdict,
			 bool perthread)
{
	char state[2] = { t->state ? t->state : '?', '\0' };

	fprintf(out, "    {\n      \"tid\": %d,\n", t->tid);
	if (t->ns_tid > 0)
		fprintf(out, "      \"ns_tid\": %d,\n", t->ns_tid);
	fputs("      \"name\": ", out);
	cdl_json_string(out, t->name ? t->name : "");
	fputs(",\n      \"state\": ", out);
	cdl_json_string(out, state);
	fputs(",\n      \"wait\": ", out);
	if (t->has_wait)
		write_wait(out, &t->wait);
	else
		fputs("null", out);
	member_int(out, ",\n      \"blocked_for_ms\": ", t->blocked_for_ms >= 0, t->blocked_for_ms);
	fprintf(out, ",\n      \"verdict\": \"%s\"", verdict);
	if (perthread)
		fprintf(out, ",\n      \"wait_stable\": %s", t->moved ? "false" : "true");
	fputs(",\n      \"syscall\": ", out);
	if (t->syscall_nr >= 0) {
		const char *name = cdl_syscall_name(t->syscall_nr);

		fprintf(out, "{\"nr\": %ld, \"name\": ", t->syscall_nr);
		cdl_json_string(out, name);
		fputs(", \"args\": [", out);
		for (int i = 0; i < 6; i++)
			fprintf(out, "%s\"0x%" PRIx64 "\"", i ? ", " : "", t->syscall_args[i]);
		fputs("]}", out);
	} else {
		fputs("null", out);
	}
	fputs(",\n      \"wchan\": ", out);
	cdl_json_string(out, t->wchan);
	fputs(",\n      \"unwind_error\": ", out);
	cdl_json_string(out, t->unwind_error);
	if (t->nheld) {
		fputs(",\n      \"held\": [", out);
		for (size_t j = 0; j < t->nheld; j++) {
			const struct cdl_held *h = &t->held[j];

			fprintf(out, "%s{\"address\": \"0x%" PRIx64 "\", \"symbol\": ",
				j ? ", " : "", h->address);
			cdl_json_string(out, h->symbol);
			fprintf(out, ", \"size\": %" PRIu64 ", \"guard\": ", h->size);
			cdl_json_string(out, h->guard);
			fprintf(out, ", \"frame\": %d, \"shared\": %s}", h->frame,
				h->shared ? "true" : "false");
		}
		putc(']', out);
	}
	fputs(",\n      \"frames\": [", out);
	for (size_t j = 0; j < t->nframes; j++) {
		fputs(j ? ",\n        " : "\n        ", out);
		write_frame(out, &t->frames[j]);
	}
	fputs(t->nframes ? "\n      ]\n    }" : "]\n    }", out);
}

static void write_deadlock(FILE *out, const struct cdl_deadlock *d)
{
	fprintf(out, "    {\n      \"type\": \"%s\",\n      \"threads\": [",
		cdl_deadlock_type_name(d->type));
	for (size_t i = 0; i < d->ntids; i++)
		fprintf(out, "%s%d", i ? ", " : "", d->tids[i]);
	fputs("],\n      \"edges\": [", out);
	for (size_t i = 0; i < d->nedges; i++) {
		const struct cdl_edge *e = &d->edges[i];

		fprintf(out, "%s{\"waiter_tid\": %d, \"owner_tid\": %d, \"kind\": \"%s\", "
			"\"address\": \"0x%" PRIx64 "\", \"symbol\": ",
			i ? ",\n        " : "\n        ", e->waiter_tid, e->owner_tid,
			cdl_wait_kind_name(e->kind), e->address);
		cdl_json_string(out, e->symbol);
		putc('}', out);
	}
	fputs(d->nedges ? "\n      ]\n    }" : "]\n    }", out);
}

int cdl_render_json(FILE *out, const struct cdl_snapshot *s, const struct cdl_analysis *a)
{
	fputs("{\n  \"schema_version\": 1,\n  \"tool\": {\"name\": \"cdeadlock\", \"version\": ", out);
	cdl_json_string(out, PACKAGE_VERSION);
	fprintf(out, "},\n  \"pid\": %d,\n  \"exe\": ", s->pid);
	cdl_json_string(out, s->exe);
	fputs(",\n  \"captured_at\": ", out);
	cdl_json_string(out, s->captured_at ? s->captured_at : "1970-01-01T00:00:00Z");
	fprintf(out, ",\n  \"captured_at_ms\": %" PRId64, s->captured_at_ms);
	fprintf(out, ",\n  \"pause_us\": %" PRIu64, s->pause_us);
	fprintf(out, ",\n  \"capture_mode\": \"%s\"", cdl_capture_mode_name(s->capture_mode));
	if (s->capture_mode == CDL_CAPTURE_PERTHREAD)
		fprintf(out, ",\n  \"capture_window_us\": %" PRIu64, s->window_us);
	fputs(",\n  \"libc\": ", out);
	cdl_json_string(out, s->libc);
	if (s->runtime) {
		fputs(",\n  \"runtime\": ", out);
		cdl_json_string(out, s->runtime);
	}
	if (s->core_path) {
		fputs(",\n  \"core\": {\"path\": ", out);
		cdl_json_string(out, s->core_path);
		member_int(out, ", \"signal\": ", s->core_signal > 0, s->core_signal);
		fprintf(out, ", \"live_facts\": %s}", s->core_live_facts ? "true" : "false");
	}

	fputs(",\n  \"threads\": [", out);
	for (size_t i = 0; i < s->nthreads; i++) {
		enum cdl_verdict v = a && a->verdict ? a->verdict[i] : CDL_VERDICT_NONE;

		fputs(i ? ",\n" : "\n", out);
		write_thread(out, &s->threads[i], cdl_verdict_name(v),
			     s->capture_mode == CDL_CAPTURE_PERTHREAD);
	}
	fputs(s->nthreads ? "\n  ]" : "]", out);

	fputs(",\n  \"deadlocks\": [", out);
	for (size_t i = 0; a && i < a->ndeadlocks; i++) {
		fputs(i ? ",\n" : "\n", out);
		write_deadlock(out, &a->deadlocks[i]);
	}
	fputs(a && a->ndeadlocks ? "\n  ]" : "]", out);

	fputs(",\n  \"stuck\": [", out);
	for (size_t i = 0; a && i < a->nstuck; i++)
		if (a->stuck[i] < s->nthreads)
			fprintf(out, "%s%d", i ? ", " : "", s->threads[a->stuck[i]].tid);
	fputs("]", out);
	/* only when there are some: "no deadlock proven, none excluded" */
	if (a && a->nundecided) {
		fputs(",\n  \"undecided\": [", out);
		for (size_t i = 0; i < a->nundecided; i++)
			fprintf(out, "%s%d", i ? ", " : "", s->threads[a->undecided[i]].tid);
		fputs("]", out);
	}
	/* only when there are some: long idle waits, grouped */
	if (a && a->nidle) {
		fputs(",\n  \"idle\": [", out);
		for (size_t i = 0; i < a->nidle; i++)
			fprintf(out, "%s%d", i ? ", " : "", s->threads[a->idle[i]].tid);
		fputs("]", out);
	}

	fputs(",\n  \"warnings\": [", out);
	for (size_t i = 0; i < s->nwarnings; i++) {
		fputs(i ? ",\n    " : "\n    ", out);
		cdl_json_string(out, s->warnings[i]);
	}
	fputs(s->nwarnings ? "\n  ]\n}\n" : "]\n}\n", out);

	if (ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}
