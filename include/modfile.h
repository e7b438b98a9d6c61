/* SPDX-License-Identifier: GPL-2.0-or-later */
/* modfile.h - which file on this machine holds a module of a target.
 *
 * A target names its files as it saw them ("/usr/lib/x86_64-linux-gnu/
 * libc.so.6"); the file to open may live under another root (--sysroot
 * DIR: a copied tree of the machine or container the target ran on), and
 * may no longer be the one that was mapped.  cdl_modfile_find resolves the
 * name under the root (symbolic links are followed inside the root, never
 * out of it) and checks the file's build-id against the one the target
 * recorded: a file whose build-id differs is never used for names.
 *
 * Pure file reads: no ptrace and no /proc (libcdl_core.a).  Any source
 * may call it: the core-file source for every module, the live source
 * for a --sysroot.
 */
#ifndef CDL_MODFILE_H
#define CDL_MODFILE_H

#include <limits.h>
#include <stddef.h>

enum cdl_modfile_status {
	CDL_MODFILE_OK,          /* found; its build-id is the one wanted, or
	                            none was recorded (unverified) */
	CDL_MODFILE_MISSING,     /* no such file under the root */
	CDL_MODFILE_MISMATCH,    /* found, but its build-id differs from the
	                            recorded one, or it has none */
	CDL_MODFILE_UNREADABLE,  /* found, but not a readable regular ELF file */
};

struct cdl_modfile {
	enum cdl_modfile_status status;
	char path[PATH_MAX];     /* OK: the file to open; otherwise the file
	                            that was tried (for messages) */
	int err;                 /* UNREADABLE: the errno */
	unsigned char build_id[64];   /* MISMATCH: the file's own (len 0: none) */
	size_t build_id_len;
};

/* The file of a module the target mapped as `path` (a " (deleted)" suffix
 * is dropped), under root (NULL, "" or "/": this machine's).  want/wantlen:
 * the build-id the target recorded for it (NULL/0: not recorded).  When
 * the file at that path is missing or differs and a build-id is known,
 * the build-id links (ROOT/usr/lib/.build-id/xx/yyyy and
 * ROOT/usr/lib/debug/.build-id/xx/yyyy) are tried too.  Returns the status,
 * also in out->status. */
enum cdl_modfile_status cdl_modfile_find(const char *root, const char *path,
					 const unsigned char *want, size_t wantlen,
					 struct cdl_modfile *out);

/* path as seen under root, symbolic links resolved inside root, into buf
 * (n bytes): 0, or -ENOENT, -ELOOP, -ENAMETOOLONG, ... (buf then holds
 * root + path, for messages).  A NULL, "" or "/" root copies path. */
int cdl_sysroot_path(const char *root, const char *path, char *buf, size_t n);

/* libdw's debuginfo_path for a root: ":.debug:ROOT/usr/lib/debug:/usr/lib/debug"
 * (separate debug files are found under the root first, by build-id or
 * debuglink, and checked by libdw); malloc'd, NULL on ENOMEM. */
char *cdl_sysroot_debuginfo_path(const char *root);

/* "0123abcd..." of a build-id into buf (2 * len + 1 bytes, cut to n). */
char *cdl_build_id_hex(const unsigned char *id, size_t len, char *buf, size_t n);

#endif
