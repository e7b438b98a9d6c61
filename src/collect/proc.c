/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proc.c - reading /proc: memory maps, per-thread stat/status/sched, task
 * lists.  No ptrace in here. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collect-int.h"
#include "grow.h"
#include "proc.h"

ssize_t cdl_proc_read_at(int dirfd, const char *name, char *buf, size_t size)
{
	size_t len = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return (ssize_t)len;
}

ssize_t cdl_proc_read_one(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	buf[n] = '\0';
	close(fd);
	return n;
}

int cdl_proc_parse_stat(const char *buf, struct cdl_proc_stat *out)
{
	/* "pid (comm) S ppid pgrp session tty tpgid flags ..."; comm may hold
	 * spaces and parentheses, so it ends at the last ')' */
	const char *open = strchr(buf, '(');
	const char *close = strrchr(buf, ')');
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!open || !close || close < open || close[1] != ' ' || !close[2])
		return -EINVAL;
	n = (size_t)(close - open - 1);
	if (n >= sizeof(out->comm))
		n = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, n);
	out->comm[n] = '\0';
	out->state = close[2];
	if (sscanf(close + 3, "%d %*d %*d %*d %*d %lu", &out->ppid, &out->flags) != 2)
		return -EINVAL;
	/* field 22 (starttime) and 39 (processor), counted after the state */
	out->cpu = -1;
	const char *p = close + 4;       /* field 4 */
	for (int f = 4; f < 39 && p; f++) {
		if (f == 22)
			out->starttime = strtoull(p, NULL, 10);
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p && *p >= '0' && *p <= '9')
		out->cpu = atoi(p);
	return 0;
}

int cdl_proc_status_long(const char *buf, const char *field, long *out)
{
	size_t fl = strlen(field);

	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, field, fl) == 0 && p[fl] == ':') {
			char *end;
			long v;

			errno = 0;
			v = strtol(p + fl + 1, &end, 10);
			if (errno || end == p + fl + 1)
				return -ENOENT;
			*out = v;
			return 0;
		}
	}
	return -ENOENT;
}

int cdl_proc_sched_long(const char *buf, const char *field, long *out)
{
	/* "nr_voluntary_switches   :   123", a line of /proc/TID/sched */
	size_t fl = strlen(field);

	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, field, fl) == 0 && (p[fl] == ' ' || p[fl] == ':')) {
			const char *q = p + fl + strspn(p + fl, " \t");
			char *end;
			long v;

			if (*q != ':')
				return -ENOENT;
			errno = 0;
			v = strtol(q + 1, &end, 10);
			if (errno || end == q + 1)
				return -ENOENT;
			*out = v;
			return 0;
		}
	}
	return -ENOENT;
}

int cdl_proc_parse_nspid(const char *buf, int *tid)
{
	const char *p = strstr(buf, "\nNSpid:");
	long v = 0;
	bool any = false;

	if (!p)
		return -ENOENT;
	for (p += 7; *p && *p != '\n'; ) {
		char *end;
		long x = strtol(p, &end, 10);

		if (end == p)
			break;
		v = x;
		any = true;
		p = end;
	}
	if (!any || v <= 0 || v > INT_MAX)
		return -ENOENT;
	*tid = (int)v;
	return 0;
}

int cdl_proc_parse_exec_start(const char *buf, int64_t *ns)
{
	/* "se.exec_start      :     516025.270378" (ms with ns decimals) */
	const char *p = strstr(buf, "se.exec_start");
	int64_t ms = 0, frac = 0;
	int digits = 0;

	if (!p)
		return -ENOENT;
	p = strchr(p, ':');
	if (!p)
		return -ENOENT;
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return -ENOENT;
	for (; *p >= '0' && *p <= '9'; p++)
		ms = ms * 10 + (*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
			frac = frac * 10 + (*p - '0');
	for (; digits < 6; digits++)
		frac *= 10;
	*ns = ms * 1000000 + frac;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The directory is read 4 KiB at a time (about 170 entries): the
 * kernel lists a task directory without a preemption point, and one
 * 32 KiB getdents64 of a 10,000-thread process took 2 ms of a CPU no
 * other thread could have (bench traces, HACKING "Our priority"). */
int cdl_proc_tasks(int pid, int **tids)
{
	char path[64];
	char buf[4096] __attribute__((aligned(8)));
	int *v = NULL, n = 0, fd;
	size_t cap = 0;
	long got;

	*tids = NULL;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			const struct dirent64 *de = (const struct dirent64 *)(buf + off);
			char *end;
			long t;

			off += de->d_reclen;
			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			t = strtol(de->d_name, &end, 10);
			if (*end || t <= 0)
				continue;
			if (CDL_GROW(v, cap, (size_t)n + 1, 64) < 0) {
				free(v);
				close(fd);
				return -ENOMEM;
			}
			v[n++] = (int)t;
		}
	}
	int err = got < 0 ? errno : ESRCH;

	close(fd);
	if (n == 0) {
		free(v);
		return -err;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_int);
	*tids = v;
	return n;
}

/* ---- /proc/PID/maps ---- */

int cdl_proc_maps(int pid, struct cdl_maps *out)
{
	char path[64];
	FILE *f;
	char *line = NULL;
	size_t lcap = 0, cap = 0, ocap = 0, scap = 0, slen = 0;
	ssize_t len;
	size_t *pathoff = NULL;
	int rc = 0;

	out->m = NULL;
	out->n = 0;
	out->strbuf = NULL;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while ((len = getline(&line, &lcap, f)) > 0) {
		uint64_t start, end, off, ino;
		unsigned dmaj, dmin;
		char perms[8];
		int pos = 0;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &start, &end, perms, &off, &dmaj, &dmin, &ino, &pos) < 7 || pos == 0)
			continue;
		const char *p = line + pos;
		while (*p == ' ')
			p++;
		size_t plen = strlen(p) + 1;

		if (CDL_GROW(out->m, cap, out->n + 1, 128) < 0 ||
		    CDL_GROW(pathoff, ocap, out->n + 1, 128) < 0 ||
		    CDL_GROW(out->strbuf, scap, slen + plen, 4096) < 0) {
			rc = -ENOMEM;
			break;
		}
		memcpy(out->strbuf + slen, p, plen);
		pathoff[out->n] = slen;
		slen += plen;
		struct cdl_map *m = &out->m[out->n++];
		m->start = start;
		m->end = end;
		m->offset = off;
		m->ino = ino;
		m->dev_major = dmaj;
		m->dev_minor = dmin;
		memcpy(m->perms, perms, 4);
		m->perms[4] = '\0';
	}
	if (ferror(f) && rc == 0)
		rc = -EIO;
	fclose(f);
	free(line);
	if (rc == 0 && out->n == 0)
		rc = -ESRCH;        /* a process without mappings has exited */
	if (rc < 0) {
		free(pathoff);
		cdl_maps_free(out);
		return rc;
	}
	/* the string buffer may have moved while growing: resolve paths last */
	for (size_t i = 0; i < out->n; i++)
		out->m[i].path = out->strbuf + pathoff[i];
	free(pathoff);
	return 0;
}
