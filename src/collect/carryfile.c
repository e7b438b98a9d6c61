/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carryfile.c - off-CPU evidence kept across runs (carryfile.h) */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "carryfile.h"
#include "grow.h"

#define CARRY_MAGIC    "cdeadlock-carry 1"
#define CARRY_MAX      (1u << 20)       /* entries: more is a corrupt file */
#define PRUNE_AGE_S    (24 * 3600)

/* The state directory, created if missing; -errno if it is not a safe
 * one (not ours, writable by others, a link). */
static int state_dir(char *buf, size_t size)
{
	const char *env = getenv("CDEADLOCK_STATE_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (env && *env)
		snprintf(buf, size, "%s", env);
	else if (xdg && *xdg)
		snprintf(buf, size, "%s/cdeadlock", xdg);
	else if (geteuid() == 0)
		snprintf(buf, size, "/run/cdeadlock");
	else
		snprintf(buf, size, "/tmp/cdeadlock-%u", (unsigned)geteuid());
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(buf, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return -EPERM;
	return 0;
}

static void file_name(char *buf, size_t size, const char *dir, int pid,
		      unsigned long long starttime)
{
	snprintf(buf, size, "%s/%d-%llu.carry", dir, pid, starttime);
}

int cdl_carry_load(int pid, unsigned long long starttime, int64_t *thaw, int64_t *first,
		   struct cdl_carry **e)
{
	char dir[512], path[640], line[256];
	struct cdl_carry *a = NULL;
	size_t n = 0, cap = 0;
	long long th, fr;
	FILE *f;
	int fd;

	*e = NULL;
	if (state_dir(dir, sizeof(dir)) < 0)
		return 0;
	file_name(path, sizeof(path), dir, pid, starttime);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	if (!fgets(line, sizeof(line), f) ||
	    strncmp(line, CARRY_MAGIC " ", sizeof(CARRY_MAGIC)) != 0 ||
	    sscanf(line + sizeof(CARRY_MAGIC), "%lld", &th) != 1)
		goto corrupt;
	/* the first release: written since the per-thread capture */
	if (sscanf(line + sizeof(CARRY_MAGIC), "%*d %lld", &fr) != 1 || fr > th)
		fr = th;
	while (fgets(line, sizeof(line), f)) {
		struct cdl_carry c;
		long long off;
		int got = sscanf(line, "%d %ld %" SCNx64 " %lld %ld", &c.tid, &c.nr, &c.arg0, &off,
				 &c.vol);

		if (got < 4 || c.tid <= 0 || n >= CARRY_MAX || (n > 0 && a[n - 1].tid >= c.tid))
			goto corrupt;
		if (got < 5 || c.vol < 0)
			c.vol = -1;     /* a file from before the per-thread capture */
		c.off_since = off;
		if (CDL_GROW(a, cap, n + 1, 64) < 0) {
			fclose(f);
			free(a);
			return -ENOMEM;
		}
		a[n++] = c;
	}
	fclose(f);
	*thaw = th;
	*first = fr;
	*e = a;
	return (int)n;
corrupt:
	fclose(f);
	free(a);
	return -EINVAL;
}

/* Remove the files of processes captured more than a day ago. */
static void prune(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	time_t now = time(NULL);

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 6, ".carry") != 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now - st.st_mtime > PRUNE_AGE_S)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

void cdl_carry_save(int pid, unsigned long long starttime, int64_t thaw, int64_t first,
		    const struct cdl_carry *e, size_t n)
{
	char dir[512], path[640], tmp[700];
	FILE *f;
	int fd;

	if (state_dir(dir, sizeof(dir)) < 0)
		return;
	prune(dir);
	file_name(path, sizeof(path), dir, pid, starttime);
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return;
	}
	fprintf(f, CARRY_MAGIC " %lld %lld\n", (long long)thaw, (long long)first);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%d %ld %" PRIx64 " %lld %ld\n", e[i].tid, e[i].nr, e[i].arg0,
			(long long)e[i].off_since, e[i].vol);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		unlink(tmp);
}
