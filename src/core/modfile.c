/* SPDX-License-Identifier: GPL-2.0-or-later */
/* modfile.c - the file of a module under a root, checked by build-id
 * (modfile.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core-int.h"
#include "modfile.h"

#define MAX_LINKS 40    /* symbolic links followed in one path, as the kernel */

static bool no_root(const char *root)
{
	return !root || !root[0] || strcmp(root, "/") == 0;
}

/* Resolve path inside root: every component looked up with lstat under
 * root, a symbolic link's target read and walked again from the root
 * (absolute) or from its directory (relative); ".." stops at the root. */
int cdl_sysroot_path(const char *root, const char *path, char *buf, size_t n)
{
	char rest[PATH_MAX], res[PATH_MAX], full[PATH_MAX], link[PATH_MAX];
	size_t rlen, reslen = 0;
	int links = 0;

	if (no_root(root)) {
		if (strlen(path) >= n)
			return -ENAMETOOLONG;
		strcpy(buf, path);
		return 0;
	}
	rlen = strlen(root);
	while (rlen > 1 && root[rlen - 1] == '/')
		rlen--;
	if ((size_t)snprintf(buf, n, "%.*s/%s", (int)rlen, root, path[0] == '/' ? path + 1 : path) >= n ||
	    strlen(path) >= sizeof(rest))
		return -ENAMETOOLONG;
	strcpy(rest, path);
	res[0] = '\0';
	for (char *p = rest; *p;) {
		char *comp = p, *slash;
		size_t clen;
		struct stat sb;
		ssize_t ll;

		while (*comp == '/')
			comp++;
		slash = strchr(comp, '/');
		clen = slash ? (size_t)(slash - comp) : strlen(comp);
		p = slash ? slash : comp + clen;
		if (clen == 0 || (clen == 1 && comp[0] == '.'))
			continue;
		if (clen == 2 && comp[0] == '.' && comp[1] == '.') {
			while (reslen > 0 && res[reslen - 1] != '/')
				reslen--;
			if (reslen > 0)
				reslen--;
			res[reslen] = '\0';
			continue;
		}
		if (reslen + 1 + clen >= sizeof(res))
			return -ENAMETOOLONG;
		res[reslen] = '/';
		memcpy(res + reslen + 1, comp, clen);
		res[reslen + 1 + clen] = '\0';
		if ((size_t)snprintf(full, sizeof(full), "%.*s%s", (int)rlen, root, res) >= sizeof(full))
			return -ENAMETOOLONG;
		if (lstat(full, &sb) < 0) {
			int e = errno;

			snprintf(buf, n, "%s%s", full, p);
			return -e;
		}
		if (!S_ISLNK(sb.st_mode)) {
			reslen += 1 + clen;
			continue;
		}
		if (++links > MAX_LINKS)
			return -ELOOP;
		ll = readlink(full, link, sizeof(link) - 1);
		if (ll < 0)
			return -errno;
		link[ll] = '\0';
		/* the link's target, then what was left after the link */
		if ((size_t)ll + strlen(p) + 2 > sizeof(rest))
			return -ENAMETOOLONG;
		memmove(rest + ll + 1, p, strlen(p) + 1);
		memcpy(rest, link, (size_t)ll);
		rest[ll] = '/';
		p = rest;
		if (link[0] == '/')
			reslen = 0;       /* absolute: from the root again */
		res[reslen] = '\0';
	}
	if ((size_t)snprintf(buf, n, "%.*s%s", (int)rlen, root, reslen ? res : "/") >= n)
		return -ENAMETOOLONG;
	return 0;
}

char *cdl_sysroot_debuginfo_path(const char *root)
{
	char *p;

	if (asprintf(&p, ":.debug:%s/usr/lib/debug:/usr/lib/debug", root) < 0)
		return NULL;
	return p;
}

char *cdl_build_id_hex(const unsigned char *id, size_t len, char *buf, size_t n)
{
	size_t k = 0;

	if (n == 0)
		return buf;
	for (size_t i = 0; i < len && k + 2 < n; i++, k += 2)
		snprintf(buf + k, 3, "%02x", id[i]);
	buf[k] = '\0';
	return buf;
}

/* One candidate file: its status against want. */
static enum cdl_modfile_status try_file(const char *file, const unsigned char *want,
					size_t wantlen, struct cdl_modfile *out)
{
	struct stat sb;
	int fd, rc;

	snprintf(out->path, sizeof(out->path), "%s", file);
	out->build_id_len = 0;
	out->err = 0;
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		out->err = errno;
		return out->err == ENOENT || out->err == ENOTDIR ? CDL_MODFILE_MISSING
								: CDL_MODFILE_UNREADABLE;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		out->err = EINVAL;
		close(fd);
		return CDL_MODFILE_UNREADABLE;
	}
	rc = cdl_core_file_build_id(fd, (uint64_t)sb.st_size, out->build_id,
				    sizeof(out->build_id), &out->build_id_len);
	close(fd);
	if (rc == -EINVAL) {
		out->err = EINVAL;
		return CDL_MODFILE_UNREADABLE;
	}
	if (!want || wantlen == 0)
		return CDL_MODFILE_OK;
	if (rc < 0 || out->build_id_len != wantlen || memcmp(out->build_id, want, wantlen) != 0)
		return CDL_MODFILE_MISMATCH;
	return CDL_MODFILE_OK;
}

enum cdl_modfile_status cdl_modfile_find(const char *root, const char *path,
					 const unsigned char *want, size_t wantlen,
					 struct cdl_modfile *out)
{
	static const char *const links[] = { "/usr/lib/.build-id/", "/usr/lib/debug/.build-id/" };
	char name[PATH_MAX], file[PATH_MAX], hex[2 * 64 + 1];
	size_t len = strlen(path);
	struct cdl_modfile alt;

	memset(out, 0, sizeof(*out));
	/* the kernel marks a file removed (or replaced) since it was mapped */
	if (len > 10 && strcmp(path + len - 10, " (deleted)") == 0)
		len -= 10;
	snprintf(name, sizeof(name), "%.*s", (int)len, path);
	if (cdl_sysroot_path(root, name, file, sizeof(file)) < 0 && no_root(root))
		snprintf(file, sizeof(file), "%s", name);
	out->status = try_file(file, want, wantlen, out);
	if (out->status == CDL_MODFILE_OK || !want || wantlen < 2)
		return out->status;
	/* the distributions' build-id links to the main files */
	cdl_build_id_hex(want, wantlen, hex, sizeof(hex));
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(name, sizeof(name), "%s%.2s/%s", links[i], hex, hex + 2);
		if (cdl_sysroot_path(root, name, file, sizeof(file)) < 0)
			continue;
		if (try_file(file, want, wantlen, &alt) == CDL_MODFILE_OK) {
			*out = alt;
			return out->status = CDL_MODFILE_OK;
		}
	}
	return out->status;
}
