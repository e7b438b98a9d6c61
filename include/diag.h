/* SPDX-License-Identifier: GPL-2.0-or-later */
/* diag.h - small diagnostics carried up from below the CLI.
 *
 * Nothing below main.c prints or exits.  A failing function returns -errno
 * and fills a struct cdl_diag: "what" names the operation that failed
 * ("attach: ptrace(PTRACE_SEIZE, 1234)"), "hint" optionally explains what
 * to do about it.  main.c prints "cdeadlock: <what>: <strerror(err)>" and
 * the hint on a second line.
 */
#ifndef CDL_DIAG_H
#define CDL_DIAG_H

struct cdl_diag {
	int err;            /* positive errno value, 0 when unset */
	char what[256];     /* what failed, lowercase, no full stop */
	char why[256];      /* optional reason replacing strerror(err) */
	char hint[512];     /* optional advice, may be empty */
};

/* Set err/what (printf-style); clears why and hint.  Returns -err. */
int cdl_diag_set(struct cdl_diag *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set the reason text shown instead of strerror(err). */
void cdl_diag_why(struct cdl_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Why it failed, in words: the why text when set, else strerror(err), or
 * strerror(fallback) when err is unset.  The CLI's "cdeadlock: <what>:
 * <reason>" and the TUI's "refresh failed: <what>: <reason>" both use
 * it. */
const char *cdl_diag_reason(const struct cdl_diag *d, int fallback);
/* Set the hint. */
void cdl_diag_hint(struct cdl_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
