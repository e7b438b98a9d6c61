/* SPDX-License-Identifier: GPL-2.0-or-later */
/* jsontree.c - a strict RFC 8259 parser for the loader: a compact tree
 * (jsontree.h), nesting limited, numbers range checked, strings UTF-8. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "jsontree.h"
#include "utf8.h"

#define NONE JSON_NONE
#define MAX_DEPTH 64

void cdl_json_error_at(struct jparser *ps, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = true;
	ps->err_pos = pos;
	va_start(ap, fmt);
	vsnprintf(ps->err, sizeof(ps->err), fmt, ap);
	va_end(ap);
}

void cdl_json_where(const char *buf, size_t pos, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;

	for (size_t i = 0; i < pos; i++) {
		if (buf[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

#define perr(ps, ...) cdl_json_error_at((ps), (size_t)((ps)->p - (ps)->buf), __VA_ARGS__)

static size_t new_node(struct jparser *ps, enum jtype t, size_t pos)
{
	if (CDL_GROW(ps->nodes, ps->capnodes, ps->nnodes + 1, 256) < 0) {
		cdl_json_error_at(ps, pos, "out of memory");
		return NONE;
	}
	struct jnode *n = &ps->nodes[ps->nnodes];
	memset(n, 0, sizeof(*n));
	n->type = t;
	n->pos = pos;
	n->key = n->first = n->last = n->next = NONE;
	return ps->nnodes++;
}

static bool str_put(struct jparser *ps, const char *b, size_t len)
{
	if (ps->nstrs + len + 1 > ps->capstrs) {
		size_t cap = (ps->nstrs + len + 1) * 2;
		char *s = realloc(ps->strs, cap < 4096 ? 4096 : cap);

		if (!s) {
			perr(ps, "out of memory");
			return false;
		}
		ps->strs = s;
		ps->capstrs = cap < 4096 ? 4096 : cap;
	}
	memcpy(ps->strs + ps->nstrs, b, len);
	ps->nstrs += len;
	return true;
}

static void skip_ws(struct jparser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;

		if (c == '\n' || c == ' ' || c == '\t' || c == '\r') {
			ps->p++;
		} else {
			break;
		}
	}
}

static void unexpected(struct jparser *ps, const char *what)
{
	if (ps->p >= ps->end)
		perr(ps, "unexpected end of file (truncated?): expected %s", what);
	else if ((unsigned char)*ps->p >= 0x20 && (unsigned char)*ps->p < 0x7f)
		perr(ps, "expected %s, found '%c'", what, *ps->p);
	else
		perr(ps, "expected %s, found byte 0x%02x", what, (unsigned char)*ps->p);
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Parse a string at ps->p (on the opening quote); returns its offset in
 * strs or NONE. */
static size_t parse_string(struct jparser *ps)
{
	size_t off = ps->nstrs;

	ps->p++;  /* opening quote */
	for (;;) {
		const char *run = ps->p;

		while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' &&
		       (unsigned char)*ps->p >= 0x20 && (unsigned char)*ps->p < 0x80)
			ps->p++;
		if (ps->p > run && !str_put(ps, run, (size_t)(ps->p - run)))
			return NONE;
		if (ps->p >= ps->end) {
			perr(ps, "unexpected end of file (truncated?) in a string");
			return NONE;
		}
		unsigned char c = (unsigned char)*ps->p;

		if (c == '"') {
			ps->p++;
			break;
		}
		if (c < 0x20) {
			perr(ps, "control character 0x%02x in a string", c);
			return NONE;
		}
		if (c >= 0x80) {
			size_t l = cdl_utf8_len((const unsigned char *)ps->p,
						 (size_t)(ps->end - ps->p), NULL);

			if (!l) {
				perr(ps, "invalid UTF-8 in a string");
				return NONE;
			}
			if (!str_put(ps, ps->p, l))
				return NONE;
			ps->p += l;
			continue;
		}
		/* backslash */
		if (ps->end - ps->p < 2) {
			ps->p = ps->end;
			perr(ps, "unexpected end of file (truncated?) in a string");
			return NONE;
		}
		char e = ps->p[1], out[8];
		size_t n = 1;

		switch (e) {
		case '"': out[0] = '"'; break;
		case '\\': out[0] = '\\'; break;
		case '/': out[0] = '/'; break;
		case 'b': out[0] = '\b'; break;
		case 'f': out[0] = '\f'; break;
		case 'n': out[0] = '\n'; break;
		case 'r': out[0] = '\r'; break;
		case 't': out[0] = '\t'; break;
		case 'u': {
			int v, lo;
			uint32_t cp;

			if (ps->end - ps->p < 6 || (v = hex4(ps->p + 2)) < 0) {
				if (ps->end - ps->p < 6)
					ps->p = ps->end;
				perr(ps, ps->p >= ps->end ? "unexpected end of file (truncated?) in a string"
					 : "invalid \\u escape");
				return NONE;
			}
			cp = (uint32_t)v;
			if (cp >= 0xd800 && cp <= 0xdbff && ps->end - ps->p >= 12 &&
			    ps->p[6] == '\\' && ps->p[7] == 'u' &&
			    (lo = hex4(ps->p + 8)) >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
				ps->p += 6;
			} else if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0) {
				cp = 0xfffd;   /* lone surrogate, NUL: not representable */
			}
			n = put_utf8(out, cp);
			ps->p += 4;
			break;
		}
		default:
			ps->p++;
			perr(ps, "invalid escape '\\%c' in a string",
			     (unsigned char)e >= 0x20 && (unsigned char)e < 0x7f ? e : '?');
			return NONE;
		}
		ps->p += 2;
		if (!str_put(ps, out, n))
			return NONE;
	}
	if (!str_put(ps, "", 1))
		return NONE;
	return off;
}

static size_t parse_value(struct jparser *ps, unsigned depth);

static bool literal(struct jparser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n) {
		if (memcmp(ps->p, word, (size_t)(ps->end - ps->p)) == 0) {
			ps->p = ps->end;
			perr(ps, "unexpected end of file (truncated?): expected %s", word);
		} else {
			perr(ps, "invalid literal: expected a value");
		}
		return false;
	}
	if (memcmp(ps->p, word, n) != 0) {
		perr(ps, "invalid literal: expected a value");
		return false;
	}
	ps->p += n;
	return true;
}

static size_t parse_number(struct jparser *ps, size_t pos)
{
	const char *s = ps->p;
	bool neg = false, real = false;
	uint64_t v = 0;
	bool overflow = false;
	size_t id;

	if (ps->p < ps->end && *ps->p == '-') {
		neg = true;
		ps->p++;
	}
	if (ps->p >= ps->end) {
		perr(ps, "unexpected end of file (truncated?) in a number");
		return NONE;
	}
	if (*ps->p == '0') {
		ps->p++;
	} else if (*ps->p >= '1' && *ps->p <= '9') {
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
			unsigned d = (unsigned)(*ps->p - '0');

			if (v > (UINT64_MAX - d) / 10)
				overflow = true;
			else
				v = v * 10 + d;
			ps->p++;
		}
	} else {
		perr(ps, "invalid number");
		return NONE;
	}
	if (ps->p < ps->end && *ps->p == '.') {
		real = true;
		ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
			perr(ps, ps->p >= ps->end ? "unexpected end of file (truncated?) in a number"
				 : "invalid number: digit expected after '.'");
			return NONE;
		}
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		real = true;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
			perr(ps, ps->p >= ps->end ? "unexpected end of file (truncated?) in a number"
				 : "invalid number: digit expected in the exponent");
			return NONE;
		}
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	(void)s;
	if (!real && (overflow || v > (uint64_t)INT64_MAX + (neg ? 1 : 0)))
		real = true;   /* out of int64 range: kept as "some number" */
	id = new_node(ps, real ? J_REAL : J_INT, pos);
	if (id == NONE)
		return NONE;
	if (!real)
		ps->nodes[id].i = neg ? (int64_t)(0 - v) : (int64_t)v;
	return id;
}

static void append_child(struct jparser *ps, size_t parent, size_t child)
{
	struct jnode *p = &ps->nodes[parent];

	if (p->last == NONE)
		p->first = child;
	else
		ps->nodes[p->last].next = child;
	p->last = child;
	p->n++;
}

static size_t parse_container(struct jparser *ps, unsigned depth, bool obj, size_t pos)
{
	size_t id = new_node(ps, obj ? J_OBJ : J_ARR, pos);

	if (id == NONE)
		return NONE;
	if (depth >= MAX_DEPTH) {
		perr(ps, "nesting deeper than %d levels", MAX_DEPTH);
		return NONE;
	}
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
		ps->p++;
		return id;
	}
	for (;;) {
		size_t key = NONE, child;

		skip_ws(ps);
		if (obj) {
			if (ps->p >= ps->end || *ps->p != '"') {
				unexpected(ps, "a member name in quotes");
				return NONE;
			}
			key = parse_string(ps);
			if (key == NONE)
				return NONE;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				unexpected(ps, "':'");
				return NONE;
			}
			ps->p++;
			skip_ws(ps);
		}
		child = parse_value(ps, depth + 1);
		if (child == NONE)
			return NONE;
		ps->nodes[child].key = key;
		append_child(ps, id, child);
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
			ps->p++;
			return id;
		}
		unexpected(ps, obj ? "',' or '}'" : "',' or ']'");
		return NONE;
	}
}

static size_t parse_value(struct jparser *ps, unsigned depth)
{
	size_t id, off, pos;

	skip_ws(ps);
	pos = (size_t)(ps->p - ps->buf);
	if (ps->p >= ps->end) {
		unexpected(ps, "a value");
		return NONE;
	}
	switch (*ps->p) {
	case '{':
		return parse_container(ps, depth, true, pos);
	case '[':
		return parse_container(ps, depth, false, pos);
	case '"':
		off = parse_string(ps);
		if (off == NONE)
			return NONE;
		id = new_node(ps, J_STR, pos);
		if (id != NONE)
			ps->nodes[id].str = off;
		return id;
	case 't':
		return literal(ps, "true") ? new_node(ps, J_TRUE, pos) : NONE;
	case 'f':
		return literal(ps, "false") ? new_node(ps, J_FALSE, pos) : NONE;
	case 'n':
		return literal(ps, "null") ? new_node(ps, J_NULL, pos) : NONE;
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps, pos);
		unexpected(ps, "a value");
		return NONE;
	}
}

size_t cdl_json_parse(struct jparser *ps, bool *blank)
{
	size_t root;

	skip_ws(ps);
	*blank = ps->p >= ps->end;
	if (*blank)
		return NONE;
	if (ps->end - ps->buf >= 3 && memcmp(ps->buf, "\xef\xbb\xbf", 3) == 0)
		ps->p = ps->buf + 3;
	root = parse_value(ps, 0);
	if (root != NONE) {
		skip_ws(ps);
		if (ps->p < ps->end)
			perr(ps, "unexpected data after the JSON document");
	}
	return root;
}

void cdl_json_free(struct jparser *ps)
{
	free(ps->nodes);
	free(ps->strs);
	ps->nodes = NULL;
	ps->strs = NULL;
}

