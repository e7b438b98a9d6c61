/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cpython.c - CPython's frames and what they say of a wait (cpython.h).
 *
 * CPython 3.11 keeps, for each thread, a PyThreadState in a list of its
 * interpreter (_PyRuntime.interpreters.head->threads.head); the frame a
 * thread runs is tstate->cframe->current_frame, a _PyInterpreterFrame
 * linked to its caller by `previous`; each frame's f_code is a
 * PyCodeObject naming its function (co_qualname) and file (co_filename);
 * the line comes from prev_instr (the instruction running: the call)
 * and the location table (co_linetable).  The offsets below were read
 * from the DWARF of Debian 12's python3.11 3.11.2 (python3.11-dbg), see
 * doc/lock-internals.md §4.  Later releases moved these (3.12 dropped
 * _PyCFrame): a release without a row here is not walked.
 *
 * What the frames decide: every Python-level wait is a glibc semaphore
 * wait from PyThread_acquire_lock_timed.  The innermost Python frame
 * says Condition.wait (threading.py: also Event.wait, Semaphore.acquire,
 * Barrier.wait and queue.Queue.get, which wait on a Condition) and
 * Thread._wait_for_tstate_lock (Thread.join); otherwise the C function
 * that called PyThread_acquire_lock_timed (named only with the
 * interpreter's debug information) says threading.Lock
 * (lock_PyThread_acquire_lock), RLock (rlock_acquire) or
 * queue.SimpleQueue (_queue_SimpleQueue_get*).  A Lock records no
 * owner; an RLock records its owner, which is not read here.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpython.h"
#include "grow.h"
#include "rawcap.h"
#include "snapshot.h"

static const struct cdl_py_layout layouts[] = {
	{
		.major = 3, .minor = 11,
		.rt_interp_head = 0x28, .is_threads_head = 0x10,
		.ts_next = 8, .ts_interp = 16, .ts_cframe = 56, .ts_native_tid = 160,
		.ts_on_delete_data = 192, .ts_size = 200,
		.cf_current_frame = 8,
		.fr_code = 32, .fr_previous = 48, .fr_prev_instr = 56, .fr_is_entry = 68,
		.fr_size = 72,
		.co_firstlineno = 72, .co_filename = 112, .co_name = 120, .co_qualname = 128,
		.co_linetable = 136, .co_code_adaptive = 184, .co_size = 144,
		.ob_type = 8,
		.str_length = 16, .str_state = 32, .str_ascii_data = 48, .str_compact_data = 72,
		.bytes_size = 16, .bytes_data = 32,
		.wr_object = 16, .lock_lock = 16,
	},
};

const struct cdl_py_layout *cdl_py_layout_for(uint32_t v)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if ((v >> 24) == layouts[i].major && ((v >> 16) & 0xff) == layouts[i].minor)
			return &layouts[i];
	return NULL;
}

/* ---- reading ---- */

struct walk {
	const struct cdl_py_target *tg;
	const struct cdl_py_layout *L;
	cdl_py_read_fn rd;
	void *arg;
	struct code *codes;      /* code objects already read */
	size_t ncodes, codes_cap;
};

/* a code object, read once per walk */
struct code {
	uint64_t addr;
	char *qualname, *file;
	unsigned char *lines;    /* co_linetable's bytes */
	size_t nlines;
	int firstlineno;
	bool ok;
};

static uint64_t u64(const unsigned char *b, unsigned off)
{
	uint64_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static bool read_full(struct walk *w, uint64_t addr, void *buf, size_t len)
{
	return addr >= 4096 && w->rd(w->arg, addr, buf, len) == len;
}

static bool read_ptr(struct walk *w, uint64_t addr, uint64_t *v)
{
	return read_full(w, addr, v, sizeof(*v));
}

#define STR_MAX 512

/* A str object's text (ASCII, or Latin-1 with the rest shown as '?'),
 * NULL when addr is no str or it cannot be read. */
static char *read_str(struct walk *w, uint64_t addr)
{
	const struct cdl_py_layout *L = w->L;
	unsigned char b[72 + STR_MAX];
	size_t got, off, n;
	uint32_t state;
	int64_t len;
	char *s;

	if (addr < 4096 || (got = w->rd(w->arg, addr, b, sizeof(b))) < L->str_compact_data ||
	    u64(b, L->ob_type) != w->tg->unicode_type)
		return NULL;
	memcpy(&len, b + L->str_length, sizeof(len));
	memcpy(&state, b + L->str_state, sizeof(state));
	/* compact (bit 5) and ascii (bit 6), or compact 1-byte kind */
	if (!(state & 0x20) || len < 0)
		return NULL;
	if (state & 0x40)
		off = L->str_ascii_data;
	else if (((state >> 2) & 7) == 1)
		off = L->str_compact_data;
	else
		return NULL;
	n = (size_t)len;
	if (n > STR_MAX || off + n > got)
		n = got > off ? got - off : 0;
	if (!(s = malloc(n + 1)))
		return NULL;
	for (size_t i = 0; i < n; i++)
		s[i] = b[off + i] >= 0x20 && b[off + i] < 0x7f ? (char)b[off + i] : '?';
	s[n] = 0;
	return s;
}

#define LINES_MAX 8192

static struct code *read_code(struct walk *w, uint64_t addr)
{
	const struct cdl_py_layout *L = w->L;
	unsigned char b[256], hb[32];
	struct code *c;
	int64_t size;

	for (size_t i = 0; i < w->ncodes; i++)
		if (w->codes[i].addr == addr)
			return &w->codes[i];
	if (CDL_GROW(w->codes, w->codes_cap, w->ncodes + 1, 32) < 0)
		return NULL;
	c = &w->codes[w->ncodes++];
	memset(c, 0, sizeof(*c));
	c->addr = addr;
	if (!read_full(w, addr, b, L->co_size) || u64(b, L->ob_type) != w->tg->code_type)
		return c;
	memcpy(&c->firstlineno, b + L->co_firstlineno, sizeof(c->firstlineno));
	c->qualname = read_str(w, u64(b, L->co_qualname));
	if (!c->qualname)
		c->qualname = read_str(w, u64(b, L->co_name));
	c->file = read_str(w, u64(b, L->co_filename));
	c->ok = c->qualname != NULL;
	/* the location table: a bytes object */
	uint64_t lt = u64(b, L->co_linetable);
	if (read_full(w, lt, hb, L->bytes_data)) {
		memcpy(&size, hb + L->bytes_size, sizeof(size));
		if (size > 0 && size <= LINES_MAX && (c->lines = malloc((size_t)size))) {
			c->nlines = w->rd(w->arg, lt + L->bytes_data, c->lines, (size_t)size);
		}
	}
	return c;
}

/* ---- the 3.11 location table (Objects/locations.md of CPython) ---- */

static size_t varint(const unsigned char *t, size_t len, size_t *p)
{
	size_t v = 0;
	unsigned shift = 0;

	while (*p < len && shift < 42) {
		unsigned char b = t[(*p)++];

		v |= (size_t)(b & 63) << shift;
		shift += 6;
		if (!(b & 64))
			break;
	}
	return v;
}

static long svarint(const unsigned char *t, size_t len, size_t *p)
{
	size_t v = varint(t, len, p);

	return v & 1 ? -(long)(v >> 1) : (long)(v >> 1);
}

int cdl_py_line311(const unsigned char *t, size_t len, int firstlineno, size_t unit)
{
	size_t p = 0, addr = 0;
	long line = firstlineno;

	while (p < len) {
		unsigned char b = t[p++];
		unsigned code = (b >> 3) & 15, n = (b & 7) + 1;
		bool none = false;

		if (!(b & 0x80))
			return 0;       /* not an entry's first byte */
		if (code == 15)
			none = true;
		else if (code == 14) {
			line += svarint(t, len, &p);
			for (int k = 0; k < 3; k++)
				varint(t, len, &p);
		} else if (code == 13)
			line += svarint(t, len, &p);
		else if (code >= 10) {
			line += code - 10;
			p += 2;
		} else
			p += 1;
		if (unit < addr + n)
			return none || line <= 0 || line > 10000000 ? 0 : (int)line;
		addr += n;
	}
	return 0;
}

/* ---- the walk ---- */

static char *dup_or(const char *s, const char *dflt)
{
	return strdup(s ? s : dflt);
}

static int add_frame(struct cdl_rawcap_pythread *pt, const struct code *c, int line, bool entry)
{
	struct cdl_rawcap_pyframe *f;

	if (CDL_GROW(pt->frames, pt->frames_cap, pt->nframes + 1, 16) < 0)
		return -ENOMEM;
	f = &pt->frames[pt->nframes];
	f->function = dup_or(c->qualname, "?");
	f->file = dup_or(c->file, "?");
	if (!f->function || !f->file) {
		free(f->function);
		free(f->file);
		return -ENOMEM;
	}
	f->line = line;
	f->entry = entry;
	pt->nframes++;
	return 0;
}

/* the frames of one thread state */
static int walk_frames(struct walk *w, struct cdl_rawcap_pythread *pt, uint64_t frame)
{
	const struct cdl_py_layout *L = w->L;
	unsigned char b[128];

	for (int depth = 0; frame && depth < CDL_PY_MAX_DEPTH; depth++) {
		struct code *c;
		uint64_t pi;
		int line = 0;

		if (!read_full(w, frame, b, L->fr_size))
			return 0;
		c = read_code(w, u64(b, L->fr_code));
		if (!c)
			return -ENOMEM;
		if (!c->ok)
			return 0;       /* not a code object: stop there */
		pi = u64(b, L->fr_prev_instr);
		if (c->lines && pi >= c->addr + L->co_code_adaptive)
			line = cdl_py_line311(c->lines, c->nlines, c->firstlineno,
					      (size_t)(pi - c->addr - L->co_code_adaptive) / 2);
		if (add_frame(pt, c, line, b[L->fr_is_entry] != 0) < 0)
			return -ENOMEM;
		frame = u64(b, L->fr_previous);
	}
	return 0;
}

/* the semaphore of the thread's tstate lock (Thread.join waits on it):
 * on_delete_data is a weak reference to the lock object */
static uint64_t sentinel(struct walk *w, uint64_t wr)
{
	uint64_t lock, sem;

	if (!wr || !read_ptr(w, wr + w->L->wr_object, &lock) ||
	    !read_ptr(w, lock + w->L->lock_lock, &sem))
		return 0;
	return sem;
}

int cdl_py_walk(const struct cdl_py_target *tg, cdl_py_read_fn rd, void *arg,
		struct cdl_rawcap *rc)
{
	struct walk w = { .tg = tg, .L = tg->layout, .rd = rd, .arg = arg };
	const struct cdl_py_layout *L = tg->layout;
	uint64_t interp, ts;
	unsigned char b[256];
	int n = 0, ret = 0;

	if (!read_ptr(&w, tg->runtime + L->rt_interp_head, &interp) ||
	    !read_ptr(&w, interp + L->is_threads_head, &ts))
		return -EINVAL;
	while (ts && n < CDL_PY_MAX_THREADS && ret == 0) {
		struct cdl_rawcap_pythread *pt;
		uint64_t cframe, frame = 0;
		unsigned long tid;

		if (!read_full(&w, ts, b, L->ts_size) || u64(b, L->ts_interp) != interp) {
			ret = n ? 0 : -EINVAL;
			break;
		}
		memcpy(&tid, b + L->ts_native_tid, sizeof(tid));
		cframe = u64(b, L->ts_cframe);
		if (CDL_GROW(rc->pythreads, rc->pythreads_cap, rc->npythreads + 1, 16) < 0) {
			ret = -ENOMEM;
			break;
		}
		pt = &rc->pythreads[rc->npythreads++];
		memset(pt, 0, sizeof(*pt));
		pt->tid = (int)tid;
		pt->sentinel = sentinel(&w, u64(b, L->ts_on_delete_data));
		if (cframe && read_ptr(&w, cframe + L->cf_current_frame, &frame))
			ret = walk_frames(&w, pt, frame);
		ts = u64(b, L->ts_next);
		n++;
	}
	for (size_t i = 0; i < w.ncodes; i++) {
		free(w.codes[i].qualname);
		free(w.codes[i].file);
		free(w.codes[i].lines);
	}
	free(w.codes);
	return ret < 0 ? ret : n;
}
