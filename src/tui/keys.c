/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keys.c - the key script of the headless mode (see tui-int.h) */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grow.h"
#include "tui-int.h"

static const struct {
	const char *name;
	int key;
} names[] = {
	{ "Up", CDL_KEY_UP }, { "Down", CDL_KEY_DOWN },
	{ "Left", CDL_KEY_LEFT }, { "Right", CDL_KEY_RIGHT },
	{ "PgUp", CDL_KEY_PGUP }, { "PgDn", CDL_KEY_PGDN },
	{ "PageUp", CDL_KEY_PGUP }, { "PageDown", CDL_KEY_PGDN },
	{ "Home", CDL_KEY_HOME }, { "End", CDL_KEY_END },
	{ "Enter", '\n' }, { "Tab", '\t' }, { "BTab", CDL_KEY_BTAB },
	{ "Esc", 27 }, { "Backspace", CDL_KEY_BACKSPACE }, { "BS", CDL_KEY_BACKSPACE },
	{ "Space", ' ' }, { "lt", '<' },
};

static int push(struct keyev **v, size_t *n, size_t *cap, struct keyev e)
{
	if (CDL_GROW(*v, *cap, *n + 1, 32) < 0)
		return -ENOMEM;
	(*v)[(*n)++] = e;
	return 0;
}

/* One <...> token, without the brackets. */
static int parse_token(const char *tok, size_t len, struct keyev *e)
{
	char buf[64];
	char *end;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	memset(e, 0, sizeof(*e));
	e->type = KEYEV_KEY;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(buf, names[i].name) == 0) {
			e->key = names[i].key;
			return 0;
		}
	if (strcasecmp(buf, "Dump") == 0) {
		e->type = KEYEV_DUMP;
		return 0;
	}
	if ((buf[0] == 'C' || buf[0] == 'c') && buf[1] == '-' && buf[2] && !buf[3]) {
		char c = buf[2];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < '@' || c > '_')
			return -EINVAL;
		e->key = c - '@';
		return 0;
	}
	if (strncasecmp(buf, "Resize:", 7) == 0) {
		long c, l;

		c = strtol(buf + 7, &end, 10);
		if (*end != 'x')
			return -EINVAL;
		l = strtol(end + 1, &end, 10);
		if (*end || c < 10 || l < 3 || c > 1000 || l > 1000)
			return -EINVAL;
		e->type = KEYEV_RESIZE;
		e->cols = (int)c;
		e->lines = (int)l;
		return 0;
	}
	if (strncasecmp(buf, "Wait:", 5) == 0) {
		double s = strtod(buf + 5, &end);

		if (end == buf + 5 || *end || !(s >= 0) || s > 1e7)
			return -EINVAL;
		e->type = KEYEV_WAIT;
		e->wait_ms = (int64_t)(s * 1000.0 + 0.5);
		return 0;
	}
	return -EINVAL;
}

int cdl_tui_parse_keys(const char *script, struct keyev **out, size_t *n, size_t *bad)
{
	struct keyev *v = NULL;
	size_t nv = 0, cap = 0;
	const char *p = script;
	int rc;

	while (*p) {
		struct keyev e;

		if (*p == '<') {
			const char *close = strchr(p + 1, '>');

			if (!close || parse_token(p + 1, (size_t)(close - p - 1), &e) < 0) {
				free(v);
				*bad = (size_t)(p - script);
				return -EINVAL;
			}
			p = close + 1;
		} else {
			memset(&e, 0, sizeof(e));
			e.type = KEYEV_KEY;
			e.key = (unsigned char)*p++;
		}
		rc = push(&v, &nv, &cap, e);
		if (rc < 0) {
			free(v);
			return rc;
		}
	}
	*out = v;
	*n = nv;
	return 0;
}
