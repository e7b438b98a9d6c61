/* SPDX-License-Identifier: GPL-2.0-or-later */
/* load.c - read a saved JSON snapshot (cdeadlock --json) back into the model
 *
 * Two steps: a strict RFC 8259 parser (jsontree.c) builds a compact tree
 * (nodes in one array, decoded strings in one buffer, each node with its
 * byte offset), then a walker (here) checks the contract's fields and types and fills
 * a snapshot.  Fields it does not know are ignored; the "deadlocks" and
 * "verdict" in the file are ignored too (the analysis recomputes them from
 * the waits).  Every error is one line: "line 3 column 7: expected ','".
 * Nothing here trusts the input: nesting is limited, numbers are range
 * checked, strings must be UTF-8.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "grow.h"
#include "jsontree.h"
#include "load.h"

#define MAX_FILE (1024ull * 1024 * 1024)
#define NONE JSON_NONE

/* ---- from the tree to the model ---- */

#define MAX_PATH 16

/* Where the walker is ("threads[3].wait.kind"), kept as segments and only
 * formatted for a message. */
struct walker {
	struct jparser *ps;
	struct cdl_snapshot *s;
	struct {
		const char *name;      /* member name, or NULL for an index */
		size_t idx;
	} seg[MAX_PATH];
	int nseg;
};

static void push_name(struct walker *w, const char *name)
{
	if (w->nseg < MAX_PATH)
		w->seg[w->nseg].name = name;
	w->nseg++;
}

static void push_index(struct walker *w, size_t idx)
{
	if (w->nseg < MAX_PATH) {
		w->seg[w->nseg].name = NULL;
		w->seg[w->nseg].idx = idx;
	}
	w->nseg++;
}

static void format_path(const struct walker *w, char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < w->nseg && i < MAX_PATH && o < n; i++) {
		int r;

		if (w->seg[i].name)
			r = snprintf(buf + o, n - o, "%s%s", o ? "." : "", w->seg[i].name);
		else
			r = snprintf(buf + o, n - o, "[%zu]", w->seg[i].idx);
		if (r < 0)
			break;
		o += (size_t)r;
	}
}

static void werr(struct walker *w, size_t node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void werr(struct walker *w, size_t node, const char *fmt, ...)
{
	char msg[160], path[160];
	va_list ap;
	const struct jnode *n = &w->ps->nodes[node];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	format_path(w, path, sizeof(path));
	cdl_json_error_at(w->ps, n->pos, "%s%s%s", path, path[0] ? ": " : "", msg);
}

static const struct jnode *N(const struct walker *w, size_t id)
{
	return &w->ps->nodes[id];
}

static const char *S(const struct walker *w, size_t off)
{
	return w->ps->strs + off;
}

/* Member name of an object, NONE if absent. */
static size_t member(const struct walker *w, size_t obj, const char *name)
{
	for (size_t c = N(w, obj)->first; c != NONE; c = N(w, c)->next)
		if (strcmp(S(w, N(w, c)->key), name) == 0)
			return c;
	return NONE;
}

static const char *type_name(enum jtype t)
{
	switch (t) {
	case J_NULL: return "null";
	case J_FALSE: case J_TRUE: return "a boolean";
	case J_INT: case J_REAL: return "a number";
	case J_STR: return "a string";
	case J_ARR: return "an array";
	default: return "an object";
	}
}

/* Find member name of obj and add it to the path; *save is what leave()
 * restores. */
static size_t enter(struct walker *w, size_t obj, const char *name, bool required, int *save)
{
	size_t m = member(w, obj, name);

	*save = w->nseg;
	if (m == NONE) {
		if (required)
			werr(w, obj, "missing member \"%s\"", name);
		return NONE;
	}
	push_name(w, name);
	return m;
}

static void leave(struct walker *w, int save)
{
	w->nseg = save;
}

enum { OPT = 0, REQ = 1 };
enum { NOTNULL = 0, NULLOK = 1 };

/* The start of every getter: member name of obj, entered (leave with
 * *save).  Returns it, or NONE with *rc 0 when it is absent or (nullok)
 * null, -1 on an error; then there is nothing to leave. */
static size_t get_member(struct walker *w, size_t obj, const char *name, int req, int nullok,
			 int *save, int *rc)
{
	size_t m = enter(w, obj, name, req, save);

	*rc = 0;
	if (m == NONE) {
		*rc = w->ps->failed ? -1 : 0;
		return NONE;
	}
	if (N(w, m)->type == J_NULL && nullok) {
		leave(w, *save);
		return NONE;
	}
	return m;
}

/* The end of a getter whose member m has the wrong type. */
static int wrong_type(struct walker *w, size_t m, const char *expected, int nullok, int save)
{
	werr(w, m, "expected %s%s, found %s", expected, nullok ? " or null" : "",
	     type_name(N(w, m)->type));
	leave(w, save);
	return -1;
}

/* Each getter: returns 1 when set, 0 when absent or null, -1 on error. */
static int get_int(struct walker *w, size_t obj, const char *name, int req, int nullok,
		   int64_t lo, int64_t hi, int64_t *out)
{
	int save, rc;
	size_t m = get_member(w, obj, name, req, nullok, &save, &rc);

	if (m == NONE)
		return rc;
	if (N(w, m)->type != J_INT)
		return wrong_type(w, m, "an integer", nullok, save);
	if (N(w, m)->i < lo || N(w, m)->i > hi) {
		werr(w, m, "%" PRId64 " is out of range", N(w, m)->i);
		rc = -1;
	} else {
		*out = N(w, m)->i;
		rc = 1;
	}
	leave(w, save);
	return rc;
}

static int get_str(struct walker *w, size_t obj, const char *name, int req, int nullok,
		   const char **out)
{
	int save, rc;
	size_t m = get_member(w, obj, name, req, nullok, &save, &rc);

	if (m == NONE)
		return rc;
	if (N(w, m)->type != J_STR)
		return wrong_type(w, m, "a string", nullok, save);
	*out = cdl_snapshot_intern(w->s, S(w, N(w, m)->str));
	if (!*out) {
		werr(w, m, "out of memory");
		rc = -1;
	} else {
		rc = 1;
	}
	leave(w, save);
	return rc;
}

static int get_bool(struct walker *w, size_t obj, const char *name, bool *out)
{
	int save, rc;
	size_t m = get_member(w, obj, name, OPT, NOTNULL, &save, &rc);

	if (m == NONE)
		return rc;
	if (N(w, m)->type != J_TRUE && N(w, m)->type != J_FALSE)
		return wrong_type(w, m, "a boolean", NOTNULL, save);
	*out = N(w, m)->type == J_TRUE;
	leave(w, save);
	return 1;
}

static bool parse_hex(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = 0;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	for (s += 2; *s; s++, n++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		if (v >> 60)
			return false;
		v = (v << 4) | (uint64_t)d;
	}
	if (n == 0)
		return false;
	*out = v;
	return true;
}

static int node_hex(struct walker *w, size_t m, uint64_t *out)
{
	if (N(w, m)->type != J_STR || !parse_hex(S(w, N(w, m)->str), out)) {
		werr(w, m, "expected a hex string (\"0x...\")%s",
		     N(w, m)->type == J_STR ? "" : ", found another type");
		return -1;
	}
	return 1;
}

static int get_hex(struct walker *w, size_t obj, const char *name, int req, int nullok,
		   uint64_t *out)
{
	int save, rc;
	size_t m = get_member(w, obj, name, req, nullok, &save, &rc);

	if (m == NONE)
		return rc;
	rc = node_hex(w, m, out);
	leave(w, save);
	return rc;
}

/* A member that must be an array or an object (or null when nullok). */
static size_t get_node(struct walker *w, size_t obj, const char *name, int req,
		       enum jtype t, bool nullok, int *save)
{
	int rc;
	size_t m = get_member(w, obj, name, req, nullok, save, &rc);

	if (m == NONE)
		return NONE;
	if (N(w, m)->type != t) {
		wrong_type(w, m, type_name(t), nullok, *save);
		return NONE;
	}
	return m;
}

/* owner_source "recorded" | "guard", and for a guard its frame and type */
static int load_owner_source(struct walker *w, size_t m, struct cdl_wait *wt)
{
	const char *src = NULL;
	int64_t v;

	if (get_str(w, m, "owner_source", OPT, NULLOK, &src) < 0 ||
	    get_str(w, m, "owner_guard", OPT, NULLOK, &wt->owner_guard) < 0)
		return -1;
	if (src && strcmp(src, "guard") == 0)
		wt->owner_source = CDL_OWNER_GUARD;
	else if (src && strcmp(src, "recorded") != 0) {
		int s2;
		size_t sm = enter(w, m, "owner_source", REQ, &s2);

		werr(w, sm, "unknown owner source \"%s\"", src);
		return -1;
	}
	wt->owner_frame = -1;
	switch (get_int(w, m, "owner_frame", OPT, NULLOK, 0, INT_MAX, &v)) {
	case -1: return -1;
	case 1: wt->owner_frame = (int)v; break;
	default: break;
	}
	return 0;
}

/* one entry of a thread's "held" */
static int load_held(struct walker *w, size_t m, struct cdl_held *h)
{
	int64_t v;

	if (N(w, m)->type != J_OBJ) {
		werr(w, m, "expected a held lock object, found %s", type_name(N(w, m)->type));
		return -1;
	}
	if (get_hex(w, m, "address", REQ, NOTNULL, &h->address) < 0 ||
	    get_str(w, m, "symbol", OPT, NULLOK, &h->symbol) < 0 ||
	    get_str(w, m, "guard", REQ, NOTNULL, &h->guard) < 0 ||
	    get_bool(w, m, "shared", &h->shared) < 0)
		return -1;
	switch (get_int(w, m, "size", OPT, NULLOK, 0, INT64_MAX, &v)) {
	case -1: return -1;
	case 1: h->size = (uint64_t)v; break;
	default: break;
	}
	switch (get_int(w, m, "frame", OPT, NULLOK, 0, INT_MAX, &v)) {
	case -1: return -1;
	case 1: h->frame = (int)v; break;
	default: break;
	}
	return 0;
}

/* A string member naming one of an enum's values (from_name gives the
 * value, or -1: "unknown WHAT \"...\"").  1 when set, 0 when absent, -1
 * on error. */
static int get_enum(struct walker *w, size_t obj, const char *name, int req, const char *what,
		    int (*from_name)(const char *), int *out)
{
	const char *str = NULL;
	int save;

	if (get_str(w, obj, name, req, NOTNULL, &str) < 0)
		return -1;
	if (!str)
		return 0;
	*out = from_name(str);
	if (*out >= 0)
		return 1;
	werr(w, enter(w, obj, name, REQ, &save), "unknown %s \"%s\"", what, str);
	return -1;
}

/* capture_mode and capture_window_us: absent in files written before the
 * per-thread capture, which were all global freezes. */
static int load_capture_mode(struct walker *w, size_t root, struct cdl_snapshot *s)
{
	int64_t v;
	int k;

	switch (get_enum(w, root, "capture_mode", OPT, "capture mode", cdl_capture_mode_from_name, &k)) {
	case -1: return -1;
	case 1: s->capture_mode = (enum cdl_capture_mode)k; break;
	default: break;
	}
	switch (get_int(w, root, "capture_window_us", OPT, NULLOK, 0, INT64_MAX, &v)) {
	case -1: return -1;
	case 1: s->window_us = (uint64_t)v; break;
	default: break;
	}
	return 0;
}

static int load_wait(struct walker *w, size_t m, struct cdl_wait *wt)
{
	int64_t v;
	int save;
	size_t fl;
	int k = CDL_WAIT_OTHER;

	if (get_enum(w, m, "kind", REQ, "wait kind", cdl_wait_kind_from_name, &k) < 0)
		return -1;
	wt->kind = (enum cdl_wait_kind)k;
	if (get_hex(w, m, "address", REQ, NOTNULL, &wt->address) < 0 ||
	    get_str(w, m, "symbol", REQ, NULLOK, &wt->symbol) < 0)
		return -1;
	switch (get_int(w, m, "owner_tid", REQ, NULLOK, 0, INT_MAX, &v)) {
	case -1: return -1;
	case 1: wt->owner_tid = (int)v; break;
	default: break;
	}
	switch (get_int(w, m, "owner_pid", OPT, NULLOK, -1, INT_MAX, &v)) {
	case -1: return -1;
	case 1: wt->owner_pid = (int)v; break;
	default: break;
	}
	switch (get_int(w, m, "owner_ns_tid", OPT, NULLOK, 1, INT_MAX, &v)) {
	case -1: return -1;
	case 1: wt->owner_ns_tid = (int)v; break;
	default: break;
	}
	switch (get_int(w, m, "readers", OPT, NULLOK, 0, INT_MAX, &v)) {
	case -1: return -1;
	case 1: wt->readers = (int)v; break;
	default: break;
	}
	if (get_hex(w, m, "futex", OPT, NULLOK, &wt->futex) < 0 ||
	    get_str(w, m, "location", OPT, NULLOK, &wt->location) < 0 ||
	    get_hex(w, m, "mutex", OPT, NULLOK, &wt->mutex) < 0 ||
	    get_str(w, m, "mutex_symbol", OPT, NULLOK, &wt->mutex_symbol) < 0 ||
	    get_str(w, m, "detail", OPT, NULLOK, &wt->detail) < 0 ||
	    load_owner_source(w, m, wt) < 0)
		return -1;
	fl = get_node(w, m, "flags", OPT, J_ARR, false, &save);
	if (w->ps->failed)
		return -1;
	if (fl != NONE) {
		for (size_t c = N(w, fl)->first; c != NONE; c = N(w, c)->next) {
			if (N(w, c)->type != J_STR) {
				werr(w, c, "expected flag names (strings)");
				return -1;
			}
			/* names this version does not know are ignored */
			for (unsigned i = 0; i < 32; i++) {
				const char *fn = cdl_wait_flag_name(1u << i);

				if (fn && strcmp(S(w, N(w, c)->str), fn) == 0)
					wt->flags |= 1u << i;
			}
		}
	}
	leave(w, save);
	return 0;
}

static int load_frame(struct walker *w, size_t m, struct cdl_frame *f)
{
	int64_t v;

	if (N(w, m)->type != J_OBJ) {
		werr(w, m, "expected a frame object, found %s", type_name(N(w, m)->type));
		return -1;
	}
	if (get_hex(w, m, "pc", REQ, NOTNULL, &f->pc) < 0 ||
	    get_str(w, m, "function", REQ, NULLOK, &f->function) < 0 ||
	    get_str(w, m, "module", REQ, NULLOK, &f->module) < 0 ||
	    get_str(w, m, "file", REQ, NULLOK, &f->file) < 0)
		return -1;
	switch (get_int(w, m, "line", REQ, NULLOK, 0, INT_MAX, &v)) {
	case -1: return -1;
	case 1: f->line = (int)v; break;
	default: break;
	}
	switch (get_int(w, m, "column", OPT, NULLOK, 0, INT_MAX, &v)) {
	case -1: return -1;
	case 1: f->column = (int)v; break;
	default: break;
	}
	switch (get_int(w, m, "offset", OPT, NULLOK, 0, INT64_MAX, &v)) {
	case -1: return -1;
	case 1: f->offset = (uint64_t)v; break;
	default: break;
	}
	if (get_bool(w, m, "inlined", &f->inlined) < 0 ||
	    get_bool(w, m, "signal_frame", &f->signal_frame) < 0 ||
	    get_bool(w, m, "python", &f->python) < 0)
		return -1;
	return 0;
}

static int load_syscall(struct walker *w, size_t m, struct cdl_thread *t)
{
	int64_t nr;
	int save;
	size_t args;
	int i = 0;

	if (get_int(w, m, "nr", REQ, NOTNULL, 0, INT_MAX, &nr) < 0)
		return -1;
	t->syscall_nr = (long)nr;
	t->in_syscall = true;
	args = get_node(w, m, "args", OPT, J_ARR, false, &save);
	if (w->ps->failed)
		return -1;
	if (args != NONE) {
		for (size_t c = N(w, args)->first; c != NONE && i < 6; c = N(w, c)->next, i++)
			if (node_hex(w, c, &t->syscall_args[i]) < 0)
				return -1;
	}
	leave(w, save);
	return 0;
}

static int load_thread(struct walker *w, size_t m)
{
	struct cdl_thread *t;
	int64_t tid, v;
	const char *state = NULL;
	int save;
	size_t sub;

	if (N(w, m)->type != J_OBJ) {
		werr(w, m, "expected a thread object, found %s", type_name(N(w, m)->type));
		return -1;
	}
	if (get_int(w, m, "tid", REQ, NOTNULL, 1, INT_MAX, &tid) < 0)
		return -1;
	t = cdl_snapshot_add_thread(w->s, (int)tid);
	if (!t) {
		werr(w, m, "out of memory");
		return -1;
	}
	switch (get_int(w, m, "ns_tid", OPT, NULLOK, 1, INT_MAX, &v)) {
	case -1: return -1;
	case 1: t->ns_tid = (int)v; break;
	default: break;
	}
	if (get_str(w, m, "name", REQ, NOTNULL, &t->name) < 0 ||
	    get_str(w, m, "state", REQ, NOTNULL, &state) < 0)
		return -1;
	t->state = state && state[0] ? state[0] : '?';
	switch (get_int(w, m, "blocked_for_ms", REQ, NULLOK, 0, INT64_MAX, &v)) {
	case -1: return -1;
	case 1: t->blocked_for_ms = v; break;
	default: break;
	}
	if (get_str(w, m, "wchan", OPT, NULLOK, &t->wchan) < 0 ||
	    get_str(w, m, "unwind_error", OPT, NULLOK, &t->unwind_error) < 0)
		return -1;
	bool stable = true;     /* absent: a global freeze, one instant */
	if (get_bool(w, m, "wait_stable", &stable) < 0)
		return -1;
	t->moved = !stable;

	sub = get_node(w, m, "wait", REQ, J_OBJ, true, &save);
	if (w->ps->failed)
		return -1;
	if (sub != NONE) {
		t->has_wait = true;
		if (load_wait(w, sub, &t->wait) < 0)
			return -1;
	}
	leave(w, save);

	sub = get_node(w, m, "syscall", OPT, J_OBJ, true, &save);
	if (w->ps->failed)
		return -1;
	if (sub != NONE && load_syscall(w, sub, t) < 0)
		return -1;
	leave(w, save);

	sub = get_node(w, m, "held", OPT, J_ARR, false, &save);
	if (w->ps->failed)
		return -1;
	if (sub != NONE) {
		size_t j = 0;

		for (size_t c = N(w, sub)->first; c != NONE; c = N(w, c)->next, j++) {
			struct cdl_held *h = cdl_thread_add_held(t);

			if (!h) {
				werr(w, c, "out of memory");
				return -1;
			}
			push_index(w, j);
			if (load_held(w, c, h) < 0)
				return -1;
			w->nseg--;
		}
		leave(w, save);
	}

	sub = get_node(w, m, "frames", REQ, J_ARR, false, &save);
	if (w->ps->failed)
		return -1;
	{
		size_t j = 0;

		for (size_t c = N(w, sub)->first; c != NONE; c = N(w, c)->next, j++) {
			struct cdl_frame *f = cdl_thread_add_frame(t);

			if (!f) {
				werr(w, c, "out of memory");
				return -1;
			}
			push_index(w, j);
			if (load_frame(w, c, f) < 0)
				return -1;
			w->nseg--;
		}
	}
	leave(w, save);
	return 0;
}

/* "2026-11-27T04:00:00.123Z" -> ms since the epoch; false if not RFC 3339 UTC. */
static bool parse_time(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	int frac = 0, digits = 0;
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (!p)
		return false;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		while (digits > 0 && digits < 3) {
			frac *= 10;
			digits++;
		}
	}
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
		return false;
	*ms = (int64_t)timegm(&tm) * 1000 + frac;
	return true;
}

static int walk(struct walker *w, size_t root)
{
	int64_t v;
	int save;
	size_t sub;
	struct cdl_snapshot *s = w->s;

	if (N(w, root)->type != J_OBJ) {
		werr(w, root, "expected a snapshot object, found %s", type_name(N(w, root)->type));
		return -1;
	}
	switch (get_int(w, root, "schema_version", REQ, NOTNULL, INT64_MIN, INT64_MAX, &v)) {
	case -1: return -1;
	default:
		if (v != 1) {
			werr(w, member(w, root, "schema_version"),
			     "schema_version %" PRId64 " is not supported (this cdeadlock reads 1)", v);
			return -1;
		}
	}
	sub = get_node(w, root, "tool", REQ, J_OBJ, false, &save);
	if (w->ps->failed)
		return -1;
	if (get_str(w, sub, "version", OPT, NULLOK, &s->tool_version) < 0)
		return -1;
	leave(w, save);
	if (get_int(w, root, "pid", REQ, NOTNULL, 1, INT_MAX, &v) < 0)
		return -1;
	s->pid = (int)v;
	if (get_str(w, root, "exe", REQ, NULLOK, &s->exe) < 0 ||
	    get_str(w, root, "captured_at", REQ, NOTNULL, &s->captured_at) < 0 ||
	    get_str(w, root, "libc", OPT, NULLOK, &s->libc) < 0 ||
	    get_str(w, root, "runtime", OPT, NULLOK, &s->runtime) < 0)
		return -1;
	if (get_int(w, root, "pause_us", REQ, NOTNULL, 0, INT64_MAX, &v) < 0)
		return -1;
	s->pause_us = (uint64_t)v;
	if (load_capture_mode(w, root, s) < 0)
		return -1;
	switch (get_int(w, root, "captured_at_ms", OPT, NULLOK, 0, INT64_MAX, &v)) {
	case -1: return -1;
	case 1: s->captured_at_ms = v; break;
	default:
		if (!parse_time(s->captured_at, &s->captured_at_ms))
			s->captured_at_ms = 0;
		break;
	}

	/* present and an array, contents recomputed by the analysis */
	get_node(w, root, "deadlocks", REQ, J_ARR, false, &save);
	if (w->ps->failed)
		return -1;
	leave(w, save);

	sub = get_node(w, root, "warnings", OPT, J_ARR, false, &save);
	if (w->ps->failed)
		return -1;
	if (sub != NONE) {
		for (size_t c = N(w, sub)->first; c != NONE; c = N(w, c)->next) {
			if (N(w, c)->type != J_STR) {
				werr(w, c, "expected a string, found %s", type_name(N(w, c)->type));
				return -1;
			}
			cdl_snapshot_warn(s, "%s", S(w, N(w, c)->str));
		}
	}
	leave(w, save);

	sub = get_node(w, root, "threads", REQ, J_ARR, false, &save);
	if (w->ps->failed)
		return -1;
	{
		size_t j = 0;

		for (size_t c = N(w, sub)->first; c != NONE; c = N(w, c)->next, j++) {
			push_index(w, j);
			if (load_thread(w, c) < 0)
				return -1;
			w->nseg--;
		}
	}
	leave(w, save);

	if (s->nthreads > 1)   /* qsort(NULL, 0) upsets UBSan */
		cdl_snapshot_sort(s);
	for (size_t i = 1; i < s->nthreads; i++)
		if (s->threads[i].tid == s->threads[i - 1].tid) {
			werr(w, sub, "tid %d appears twice", s->threads[i].tid);
			return -1;
		}
	return 0;
}

int cdl_load_json_buf(const char *buf, size_t len, const char *name,
		      struct cdl_snapshot **out, struct cdl_diag *d)
{
	struct jparser ps = { .buf = buf, .p = buf, .end = buf + len };
	struct walker w = { .ps = &ps };
	struct cdl_snapshot *s = NULL;
	size_t root;
	bool blank;
	int rc = 0;

	*out = NULL;
	if (!name)
		name = "snapshot";
	root = cdl_json_parse(&ps, &blank);
	if (blank) {
		cdl_diag_set(d, EINVAL, "load: %s", name);
		cdl_diag_why(d, len ? "no JSON document (only white space)" : "empty file");
		return -EINVAL;
	}
	if (!ps.failed) {
		s = cdl_snapshot_new();
		if (!s) {
			rc = cdl_diag_set(d, ENOMEM, "load: %s", name);
			goto out;
		}
		w.s = s;
		if (walk(&w, root) == 0) {
			s->source = cdl_snapshot_intern(s, name);
			*out = s;
			s = NULL;
		}
	}
	if (ps.failed) {
		rc = cdl_diag_set(d, strcmp(ps.err, "out of memory") == 0 ? ENOMEM : EINVAL,
				  "load: %s", name);
		unsigned line, col;

		cdl_json_where(buf, ps.err_pos, &line, &col);
		cdl_diag_why(d, "line %u column %u: %s", line, col, ps.err);
	}
out:
	cdl_snapshot_free(s);
	cdl_json_free(&ps);
	return rc;
}

int cdl_load_json_file(const char *path, struct cdl_snapshot **out, struct cdl_diag *d)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cdl_diag_set(d, errno, "load: %s", path);
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return cdl_diag_set(d, EISDIR, "load: %s", path);
	}
	for (;;) {
		ssize_t r;

		if (len + 65536 > cap) {
			size_t ncap = cap ? cap * 2 : 1 << 20;

			if (ncap > MAX_FILE + 65536) {
				free(buf);
				close(fd);
				rc = cdl_diag_set(d, EFBIG, "load: %s", path);
				cdl_diag_why(d, "larger than %llu MiB", MAX_FILE >> 20);
				return rc;
			}
			if (CDL_GROW(buf, cap, ncap, 1 << 20) < 0) {
				free(buf);
				close(fd);
				return cdl_diag_set(d, ENOMEM, "load: %s", path);
			}
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = cdl_diag_set(d, errno, "load: read %s", path);
			free(buf);
			close(fd);
			return rc;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	rc = cdl_load_json_buf(buf ? buf : "", len, path, out, d);
	free(buf);
	return rc;
}
