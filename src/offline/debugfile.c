/* SPDX-License-Identifier: GPL-2.0-or-later */
/* debugfile.c - separate debug files, looked up as the target sees them,
 * and the warning for a module left without debug info.
 *
 * A process in a container finds its debug files under its own root: the
 * build-id link (/usr/lib/debug/.build-id/xx/rest.debug) and the
 * .gnu_debuglink name next to the file, in .debug/ beside it, or under
 * /usr/lib/debug.  Those are tried first, under the root the raw capture
 * names (rawcap.h root), or beside the path the process knows when the
 * file itself was opened through /proc/PID/map_files.  Then libdw's
 * standard lookup on the host (and debuginfod), which takes a file only
 * when its build-id is the module's, or for a module without one when its
 * CRC is the debuglink's; for a process with its own root, a host file is
 * taken only by build-id.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>

#include "unwind-int.h"

/* ---- is a candidate the module's debug file ---- */

/* CRC-32 (IEEE 802.3, reflected), as .gnu_debuglink records it. */
static bool file_crc32(int fd, uint32_t *out)
{
	static uint32_t table[256];
	unsigned char buf[65536];
	uint32_t crc = 0xffffffffu;
	ssize_t n;

	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
	*out = crc ^ 0xffffffffu;
	return n == 0;
}

/* Open path if it is mod's debug file: the same build-id when mod has
 * one, else (by_crc) the debuglink's CRC.  The fd, or -1. */
static int open_matching(Dwfl_Module *mod, const char *path, bool by_crc, GElf_Word crc)
{
	const unsigned char *want;
	GElf_Addr vaddr;
	int wlen = dwfl_module_build_id(mod, &want, &vaddr);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	bool ok = false;

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && wlen > 0) {
		Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		const void *id;
		ssize_t len = elf ? dwelf_elf_gnu_build_id(elf, &id) : -1;

		ok = len == wlen && memcmp(id, want, (size_t)len) == 0;
		elf_end(elf);
	} else if (S_ISREG(sb.st_mode) && by_crc) {
		uint32_t got;

		ok = file_crc32(fd, &got) && got == crc;
	}
	if (!ok || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int found(int fd, const char *path, char **name)
{
	if (fd >= 0 && !(*name = strdup(path))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The debug file under root (may be ""): by build-id, then by debuglink
 * beside dir, in dir/.debug, under /usr/lib/debug. */
static int in_root(Dwfl_Module *mod, const char *root, const char *dir, const char *link,
		   GElf_Word crc, char **name)
{
	const unsigned char *id;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &id, &vaddr), fd;
	char path[PATH_MAX];
	size_t k;

	if (len > 1) {
		k = (size_t)snprintf(path, sizeof(path), "%s/usr/lib/debug/.build-id/%02x/", root,
				     id[0]);
		for (int i = 1; i < len && k + 3 < sizeof(path); i++, k += 2)
			snprintf(path + k, sizeof(path) - k, "%02x", id[i]);
		snprintf(path + k, sizeof(path) - k, ".debug");
		if ((fd = found(open_matching(mod, path, false, 0), path, name)) >= 0)
			return fd;
	}
	if (!link || !*link || strchr(link, '/'))
		return -1;
	for (int i = 0; i < 3; i++) {
		int n;

		if (i == 0)
			n = snprintf(path, sizeof(path), "%s%s/%s", root, dir, link);
		else if (i == 1)
			n = snprintf(path, sizeof(path), "%s%s/.debug/%s", root, dir, link);
		else
			n = snprintf(path, sizeof(path), "%s/usr/lib/debug%s/%s", root, dir, link);
		if (n > 0 && (size_t)n < sizeof(path) &&
		    (fd = found(open_matching(mod, path, true, crc), path, name)) >= 0)
			return fd;
	}
	return -1;
}

int cdl_debug_find(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		   const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
		   char **debuginfo_file_name)
{
	const struct cdl_modrec *r = *userdata;
	const unsigned char *id;
	GElf_Addr vaddr;

	if (r && modname && modname[0] == '/' &&
	    (r->root || (r->open_path && strcmp(r->open_path, modname) != 0))) {
		/* the directory of the path the process knows */
		char dir[PATH_MAX];
		char *slash, *del;
		int fd;

		snprintf(dir, sizeof(dir), "%s", modname);
		if ((del = strstr(dir, " (deleted)")) && del[10] == '\0')
			*del = '\0';
		slash = strrchr(dir, '/');
		*slash = '\0';
		fd = in_root(mod, r->root ? r->root : "", dir, debuglink_file, debuglink_crc,
			     debuginfo_file_name);
		if (fd >= 0)
			return fd;
		/* the host's files: only one that is provably this build */
		if (r->root && dwfl_module_build_id(mod, &id, &vaddr) <= 0)
			return -1;
	}
	return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
					    debuglink_file, debuglink_crc, debuginfo_file_name);
}

/* ---- no debug info: say why and what would help ---- */

/* The package whose file list (under root's /var/lib/dpkg/info) holds
 * path, or its merged-/usr twin, into pkg; false if none. */
static bool dpkg_owner(const char *root, const char *path, char *pkg, size_t n)
{
	char dir[PATH_MAX], file[PATH_MAX + 256], want[PATH_MAX], alt[PATH_MAX];
	struct dirent *e;
	DIR *d;
	bool hit = false;

	snprintf(dir, sizeof(dir), "%s/var/lib/dpkg/info", root);
	snprintf(want, sizeof(want), "\n%s\n", path);
	snprintf(alt, sizeof(alt), "\n%s\n", strncmp(path, "/usr/", 5) == 0 ? path + 4 : path);
	if (!(d = opendir(dir)))
		return false;
	while (!hit && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char *text = NULL;
		size_t tlen = 0;
		FILE *f;

		if (len < 6 || strcmp(e->d_name + len - 5, ".list") != 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s", dir, e->d_name);
		if (!(f = fopen(file, "re")))
			continue;
		/* one line before the first so that every line is "\npath\n" */
		if (getdelim(&text, &tlen, '\0', f) > 0) {
			char *body = malloc(strlen(text) + 2);

			if (body) {
				body[0] = '\n';
				strcpy(body + 1, text);
				hit = strstr(body, want) || strstr(body, alt);
				free(body);
			}
		}
		free(text);
		fclose(f);
		if (hit) {
			/* "libglib2.0-0:amd64.list": the name has dots of its own */
			e->d_name[len - 5] = '\0';
			e->d_name[strcspn(e->d_name, ":")] = '\0';
			snprintf(pkg, n, "%s", e->d_name);
		}
	}
	closedir(d);
	return hit;
}

/* " (run as 'NAME')" when the process calls itself by another name than
 * the file it runs (a symlink: redis-server -> redis-check-rdb). */
static void run_as(const struct cdl_unwinder *u, const char *path, char *buf, size_t n)
{
	const char *base = strrchr(path, '/');
	const struct cdl_thread *t = cdl_snapshot_find_thread(u->s, u->s->pid);

	buf[0] = '\0';
	base = base ? base + 1 : path;
	if (u->exe && strcmp(u->exe, path) == 0 && t && t->name && t->name[0] &&
	    strncmp(base, t->name, strlen(t->name)) != 0)
		snprintf(buf, n, " (run as '%s')", t->name);
}

void cdl_debug_warn_missing(struct cdl_unwinder *u, Dwfl_Module *mod)
{
	void **slot = NULL;
	const char *path = NULL;
	const struct cdl_modrec *r;
	const struct cdl_libc_ops *lo;
	const unsigned char *id;
	GElf_Addr vaddr;
	Dwarf_Addr bias;
	char as[96], pkg[128], idhex[130] = "none";
	int len;

	path = dwfl_module_info(mod, &slot, NULL, NULL, NULL, NULL, NULL, NULL);
	r = slot ? *slot : NULL;
	if (!path || path[0] == '[')
		return;
	if (r && !cdl_modid_names_ok(r->identity))
		return;        /* the live source said why */
	run_as(u, path, as, sizeof(as));
	if (!dwfl_module_getelf(mod, &bias)) {
		cdl_snapshot_warn(u->s, "no symbols for %s%s: its file could not be read (%s)", path,
				  as, r && r->open_path ? r->open_path : "no file to open");
		return;
	}
	lo = cdl_libc_ops_for_module(path);
	if (lo && u->libc_warned)
		return;
	u->libc_warned |= lo != NULL;
	if (dpkg_owner(r && r->root ? r->root : "", path, pkg, sizeof(pkg))) {
		cdl_snapshot_warn(u->s, "no debug info for %s%s: install %s%s (the debug symbols of "
				  "Debian package %s)%s, or set DEBUGINFOD_URLS", path, as,
				  strcmp(pkg, "libc6") == 0 ? "libc6-dbg" : pkg,
				  strcmp(pkg, "libc6") == 0 ? "" : "-dbgsym", pkg,
				  r && r->root ? " in the process's root" : "");
		return;
	}
	if (lo) {
		lo->warn_no_debuginfo(u->s, path);   /* the C library's own advice */
		return;
	}
	len = dwfl_module_build_id(mod, &id, &vaddr);
	for (int i = 0; i < len && 2 * i + 3 <= (int)sizeof(idhex); i++)
		snprintf(idhex + 2 * i, sizeof(idhex) - 2 * (size_t)i, "%02x", id[i]);
	cdl_snapshot_warn(u->s, "no debug info for %s%s: the file has none, and no separate debug "
			  "file with its build-id (%s) was found%s; build it with -g, install its "
			  "debug file, or set DEBUGINFOD_URLS", path, as, idhex,
			  r && r->root ? " under the process's root nor on the host" : "");
}
