/* SPDX-License-Identifier: GPL-2.0-or-later */
/* jsontree.h - the strict JSON parser of the loader (jsontree.c): text
 * in, a compact tree out (nodes in one array, decoded strings in one
 * buffer, each node with its byte offset).  Only src/model uses it. */
#ifndef CDL_JSONTREE_H
#define CDL_JSONTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_NONE SIZE_MAX     /* no node */

enum jtype { J_NULL, J_FALSE, J_TRUE, J_INT, J_REAL, J_STR, J_ARR, J_OBJ };

struct jnode {
	enum jtype type;
	size_t pos;         /* byte offset of the value in the input */
	int64_t i;          /* J_INT */
	size_t key;         /* member name: offset in strs, NONE in arrays */
	size_t str;         /* J_STR: offset in strs */
	size_t first, last; /* children (J_ARR/J_OBJ) */
	size_t next;        /* next sibling */
	size_t n;           /* number of children */
};

struct jparser {
	const char *buf, *p, *end;
	struct jnode *nodes;
	size_t nnodes, capnodes;
	char *strs;
	size_t nstrs, capstrs;
	char err[200];
	size_t err_pos;
	bool failed;
};

/* Parse the document in ps (buf, p = buf, end set; the rest zeroed):
 * an optional UTF-8 BOM, one value, white space.  Returns the root node;
 * JSON_NONE with ps->failed set on an error, or with *blank set when
 * there is nothing but white space.  Free with cdl_json_free. */
size_t cdl_json_parse(struct jparser *ps, bool *blank);
void cdl_json_free(struct jparser *ps);

/* Record the first error (later ones are dropped) at byte offset pos. */
void cdl_json_error_at(struct jparser *ps, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Line and column (in characters, from 1) of a byte offset. */
void cdl_json_where(const char *buf, size_t pos, unsigned *line, unsigned *col);

#endif
