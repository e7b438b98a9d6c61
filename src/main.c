/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c - the command line: options, modes, errors, exit status */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "analyze.h"
#include "collect.h"
#include "core.h"
#include "coresource.h"
#include "corewrite.h"
#include "diag.h"
#include "load.h"
#include "offline.h"
#include "render.h"
#include "snapshot.h"
#include "tui.h"

enum mode { MODE_AUTO, MODE_DUMP, MODE_JSON, MODE_TUI };

enum {
	OPT_LOAD = 0x100,
	OPT_MAX_STACK,
	OPT_STUCK,
	OPT_TUI,
	OPT_KEYS,
	OPT_SIZE,
	OPT_NO_UNWIND,
	OPT_SYSROOT,
	OPT_GLOBAL_FREEZE,
	OPT_SAVE_CORE,
};

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "dump", no_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "tui", no_argument, NULL, OPT_TUI },
	{ "load", required_argument, NULL, OPT_LOAD },
	{ "core", required_argument, NULL, 'c' },
	{ "sysroot", required_argument, NULL, OPT_SYSROOT },
	{ "output", required_argument, NULL, 'o' },
	{ "group", no_argument, NULL, 'g' },
	{ "interval", required_argument, NULL, 'i' },
	{ "stuck", required_argument, NULL, OPT_STUCK },
	{ "max-stack", required_argument, NULL, OPT_MAX_STACK },
	{ "no-unwind", no_argument, NULL, OPT_NO_UNWIND },
	{ "global-freeze", no_argument, NULL, OPT_GLOBAL_FREEZE },
	{ "save-core", required_argument, NULL, OPT_SAVE_CORE },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage: cdeadlock -p PID [--dump | --json | --tui] [OPTION]...\n"
"       cdeadlock --load FILE.json [--dump | --json | --tui] [OPTION]...\n"
"       cdeadlock --core CORE [EXE] [--dump | --json | --tui] [OPTION]...\n"
"Show the stacks, lock waits and deadlocks of a running multi-threaded\n"
"process (or of a core file).  Each thread of a live process is stopped\n"
"only while its own registers and stack are copied.\n"
"\n"
"Source:\n"
"  -p, --pid PID          attach to process PID (all its threads)\n"
"      --load FILE        read a snapshot saved with --json (or 's' in the TUI)\n"
"  -c, --core CORE [EXE]  read an ELF core file (kernel, gcore, systemd-coredump,\n"
"                         also zstd/xz/lz4-compressed); EXE: the executable,\n"
"                         when the one the core names is not at that path\n"
"      --sysroot DIR      open the target's files under DIR (a copy of the\n"
"                         machine or container it ran on); with -p or --core\n"
"\n"
"Mode (default: the TUI on a terminal, the text dump otherwise):\n"
"  -d, --dump             print the verdict and every thread's stack as text\n"
"  -j, --json             print the snapshot as JSON (see cdeadlock(1))\n"
"      --tui              interactive view (needs a terminal)\n"
"\n"
"Options:\n"
"  -o, --output FILE      write the dump or JSON to FILE instead of stdout\n"
"  -g, --group            text dump: one entry per distinct stack\n"
"  -i, --interval SECS    TUI: take a new snapshot every SECS seconds\n"
"      --stuck SECS       report lock waits this long as stuck (default 5)\n"
"      --max-stack BYTES  copy at most BYTES of each thread's stack\n"
"                         (suffix k/m allowed; default 1m)\n"
"      --no-unwind        skip stack unwinding (waits and verdict only)\n"
"      --global-freeze    stop every thread at once: every stack from one\n"
"                         instant, but the whole process waits for the copy\n"
"                         (longer with more threads); by default threads\n"
"                         are stopped one at a time and only threads proven\n"
"                         to stay blocked across the capture take part in a\n"
"                         verdict\n"
"      --save-core FILE   with -p: also write the capture as a small core file\n"
"                         for gdb, eu-stack and --core (the snapshot is in it);\n"
"                         implies --global-freeze (one instant)\n"
"      --keys SCRIPT      TUI without a terminal: play SCRIPT (keys, <Down>,\n"
"                         <Enter>, <Dump>, ...) and print the screens (tests)\n"
"      --size COLSxLINES  screen size for --keys (default 80x24)\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"In the TUI, press ? for the keys.\n"
"\n"
"Exit status: 0 no deadlock found, 2 deadlock found, 3 no deadlock proven\n"
"but threads have waited --stuck seconds on locks whose owner is not known\n"
"(a deadlock can be neither proven nor excluded), 1 error.\n"
"\n"
"Attaching needs ptrace permission: the same user with\n"
"kernel.yama.ptrace_scope=0, or CAP_SYS_PTRACE (root).\n");
}

/* The one way the CLI reports an error: "cdeadlock: <what>: <why>" (or
 * "cdeadlock: <what>" without a why) and, when there is one,
 * "cdeadlock: hint: <hint>".  Returns the exit status 1. */
static int fail(const char *what, const char *why, const char *hint)
{
	if (why)
		fprintf(stderr, "cdeadlock: %s: %s\n", what, why);
	else
		fprintf(stderr, "cdeadlock: %s\n", what);
	if (hint && *hint)
		fprintf(stderr, "cdeadlock: hint: %s\n", hint);
	return 1;
}

static int err_line(const char *what, const char *why)
{
	return fail(what, why, NULL);
}

/* A usage error: the message and the hint to --help. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return fail(what, NULL, "see 'cdeadlock --help'");
}

static int diag_fail(const struct cdl_diag *d)
{
	return fail(d->what[0] ? d->what : "error", cdl_diag_reason(d, EIO), d->hint);
}

/* Strict positive integer (a pid). */
static int parse_pid(const char *s, int *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > INT_MAX)
		return -ERANGE;
	*out = (int)v;
	return 0;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 1e7)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end || v < 4096 || v > (1ull << 32))
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

/* ---- signals: leave the target running whatever happens to us ---- */

static void on_fatal(int sig)
{
	cdl_collect_emergency_detach();
	cdl_tui_emergency_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV,
				    SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGPIPE };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

struct live_source {
	struct cdl_collect_opts copts;
	struct cdl_collector *k;   /* what one capture leaves for the next */
	const struct cdl_snapshot *last;   /* the snapshot of k's raw capture */
};

static int live_refresh(void *arg, struct cdl_snapshot **out, struct cdl_diag *d)
{
	struct live_source *ls = arg;
	int rc = cdl_collect(ls->k, &ls->copts, out, d);

	if (rc == 0)
		ls->last = *out;
	return rc;
}

/* The JSON of (s, an), exactly as --json prints it, in *buf (free it).
 * 0 or -errno. */
static int json_bytes(const struct cdl_snapshot *s, const struct cdl_analysis *an, char **buf,
		      size_t *len)
{
	FILE *f = open_memstream(buf, len);
	int rc;

	if (!f)
		return -errno;
	rc = cdl_render_json(f, s, an);
	if (fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc < 0) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

/* --save-core and the TUI's core key: the core of the capture behind s
 * (the live source's last one), its JSON inside.  0 or -errno with d. */
static int save_core(void *arg, const struct cdl_snapshot *s, const struct cdl_analysis *an,
		     const char *path, struct cdl_diag *d)
{
	struct live_source *ls = arg;
	const struct cdl_rawcap *raw = cdl_collector_raw(ls->k);
	char *json = NULL;
	size_t len = 0;
	int rc;

	if (!raw || s != ls->last || !s->mem) {
		cdl_diag_set(d, ENODATA, "save core: %s", path);
		if (!ls->copts.for_core)
			cdl_diag_why(d, "start cdeadlock with --save-core to keep what a core needs");
		else
			cdl_diag_why(d, "no live capture behind this snapshot");
		return -ENODATA;
	}
	if ((rc = json_bytes(s, an, &json, &len)) < 0)
		return cdl_diag_set(d, -rc, "save core: %s", path);
	rc = cdl_core_write(path, raw, s->mem, json, len, NULL, d);
	free(json);
	return rc;
}

/* What the command line asked for. */
struct cli {
	enum mode mode;
	struct cdl_collect_opts copts;
	struct cdl_analyze_opts aopts;
	struct cdl_render_opts ropts;
	const char *load, *output, *keys, *save_core;
	const char *core, *core_exe;   /* --core CORE [EXE] */
	double interval, stuck;
	int cols, lines;
	bool have_pid;
};

/* One option; returns -1 to go on, or the exit status. */
static int parse_opt(struct cli *o, int c, char **argv)
{
	switch (c) {
	case 'p':
		if (parse_pid(optarg, &o->copts.pid) < 0) {
			char what[300];

			snprintf(what, sizeof(what), "invalid pid '%.256s'", optarg);
			return err_line(what, "not a positive process id");
		}
		o->have_pid = true;
		break;
	case 'd': o->mode = MODE_DUMP; break;
	case 'j': o->mode = MODE_JSON; break;
	case OPT_TUI: o->mode = MODE_TUI; break;
	case OPT_LOAD: o->load = optarg; break;
	case 'c': o->core = optarg; break;
	case OPT_SYSROOT: o->copts.sysroot = optarg; break;
	case 'o': o->output = optarg; break;
	case 'g': o->ropts.group = true; break;
	case 'i':
		if (parse_seconds(optarg, &o->interval) < 0)
			return err_line("invalid --interval", "expected a number of seconds");
		break;
	case OPT_STUCK:
		if (parse_seconds(optarg, &o->stuck) < 0)
			return err_line("invalid --stuck", "expected a number of seconds");
		break;
	case OPT_MAX_STACK:
		if (parse_size(optarg, &o->copts.max_stack) < 0)
			return err_line("invalid --max-stack", "expected a size from 4k to 4g");
		break;
	case OPT_NO_UNWIND: o->copts.no_unwind = true; break;
	case OPT_GLOBAL_FREEZE: o->copts.global_freeze = true; break;
	case OPT_SAVE_CORE:
		/* a core is one instant of every stack: the global freeze */
		o->save_core = optarg;
		o->copts.for_core = true;
		o->copts.global_freeze = true;
		break;
	case OPT_KEYS: o->keys = optarg; o->mode = MODE_TUI; break;
	case OPT_SIZE:
		if (sscanf(optarg, "%dx%d", &o->cols, &o->lines) != 2 || o->cols < 20 || o->lines < 5 ||
		    o->cols > 1000 || o->lines > 1000)
			return err_line("invalid --size", "expected COLSxLINES");
		break;
	case 'h': usage(stdout); return 0;
	case 'V': printf("cdeadlock %s\n", PACKAGE_VERSION); return 0;
	case ':':
		return usage_error("option '%s' needs an argument", argv[optind - 1]);
	default:
		if (optopt) {
			char opt[3] = { '-', (char)optopt, '\0' };

			return usage_error("unknown option '%s'", opt);
		}
		return usage_error("unknown option '%s'", argv[optind - 1]);
	}
	return -1;
}

/* The whole command line; returns -1 to go on, or the exit status. */
static int parse_args(struct cli *o, int argc, char **argv)
{
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:c:djo:gi:hV", long_opts, NULL)) != -1)
		if ((rc = parse_opt(o, c, argv)) >= 0)
			return rc;
	if (o->core && optind < argc)
		o->core_exe = argv[optind++];   /* --core CORE EXE */
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->have_pid + !!o->load + !!o->core > 1)
		return err_line("conflicting options",
				o->core ? (o->have_pid ? "--pid and --core name two sources"
						       : "--load and --core name two sources")
					: "--pid and --load name two sources");
	if (!o->have_pid && !o->load && !o->core)
		return usage_error("%s", "no process given: use -p PID, --core FILE or --load FILE");
	if (o->load && o->copts.sysroot)
		return err_line("conflicting options", "--sysroot applies to -p and --core, not to --load");
	if (o->copts.sysroot && !o->copts.sysroot[0])
		return err_line("invalid --sysroot", "empty directory name");
	if (o->save_core && !o->have_pid)
		return err_line("--save-core", o->core
				? "needs a live capture (-p PID): a core of a core is not a capture"
				: "needs a live capture (-p PID): a loaded snapshot holds no registers or memory");
	if (o->have_pid && o->copts.pid == getpid())
		return err_line("cannot attach to ourselves", "the pid is cdeadlock's own");
	o->aopts.stuck_ms = (int64_t)(o->stuck * 1000.0);

	if (o->mode == MODE_AUTO)
		o->mode = (isatty(STDOUT_FILENO) && isatty(STDIN_FILENO) && !o->output) ? MODE_TUI
										     : MODE_DUMP;
	if (o->mode == MODE_TUI && !o->keys && (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)))
		return err_line("--tui", "standard input and output must be a terminal");
	return -1;
}

/* --core: the core source (core file -> raw capture), then the offline
 * stage as for a live capture; 0 and *out, or -errno with d filled. */
static int core_snapshot(const struct cli *o, struct cdl_snapshot **out, struct cdl_diag *d)
{
	/* a compressed core is decompressed into a file there, not into memory */
	const char *tmp = getenv("TMPDIR");
	struct cdl_core_opts co = { .tmpdir = tmp && *tmp ? tmp : "/var/tmp" };
	struct cdl_core_source_opts so = { .exe = o->core_exe, .sysroot = o->copts.sysroot };
	struct cdl_offline_opts oo = { .no_unwind = o->copts.no_unwind };
	struct cdl_core *c;
	struct cdl_rawcap *rc;
	int err;

	*out = NULL;
	if ((err = cdl_core_open(o->core, &co, &c, d)) < 0)
		return err;
	if ((err = cdl_core_to_rawcap(c, &so, &rc, d)) < 0)
		return err;
	err = cdl_offline_run(rc, &oo, NULL, out, d);
	cdl_rawcap_free(rc);
	return err;
}

/* --dump and --json: analyze, write, and the exit status (takes snap);
 * with --save-core, the core is written after the output, and failing to
 * write it is an error (exit 1) though the output was printed. */
static int report(const struct cli *o, struct cdl_snapshot *snap, struct live_source *ls)
{
	struct cdl_analysis *an = NULL;
	FILE *out = stdout;
	int rc;

	cdl_snapshot_sort(snap);
	if (cdl_analyze(snap, &o->aopts, &an) < 0) {
		cdl_snapshot_free(snap);
		return err_line("analysis", strerror(ENOMEM));
	}
	if (o->output) {
		out = fopen(o->output, "w");
		if (!out) {
			int e = errno;
			char what[PATH_MAX + 8];

			snprintf(what, sizeof(what), "open %s", o->output);
			cdl_analysis_free(an);
			cdl_snapshot_free(snap);
			return err_line(what, strerror(e));
		}
	}
	if (o->mode == MODE_JSON)
		rc = cdl_render_json(out, snap, an);
	else
		rc = cdl_render_text(out, snap, an, &o->ropts);
	if (fflush(out) != 0 && rc == 0)
		rc = -errno;
	if (out != stdout && fclose(out) != 0 && rc == 0)
		rc = -errno;
	int status = (int)cdl_analysis_answer(an);
	struct cdl_diag cd = { 0 };
	if (rc == 0 && o->save_core && save_core(ls, snap, an, o->save_core, &cd) < 0)
		status = diag_fail(&cd);
	cdl_analysis_free(an);
	cdl_snapshot_free(snap);
	if (rc < 0) {
		char what[PATH_MAX + 8];

		snprintf(what, sizeof(what), "write %s", o->output ? o->output : "stdout");
		return err_line(what, strerror(-rc));
	}
	return status;
}

int main(int argc, char **argv)
{
	struct cli cli = { .mode = MODE_AUTO, .stuck = 5, .cols = 80, .lines = 24 };
	struct cdl_collect_opts copts;
	struct cdl_diag diag = { 0 };
	const char *load;
	enum mode mode;
	int rc;

	cdl_collect_opts_init(&cli.copts);
	cdl_analyze_opts_init(&cli.aopts);
	cdl_render_opts_init(&cli.ropts);
	if ((rc = parse_args(&cli, argc, argv)) >= 0)
		return rc;
	/* the names the capture code below has always used */
	copts = cli.copts;
	load = cli.load;
	mode = cli.mode;

	install_signals();

	struct cdl_snapshot *snap = NULL;
	bool live = !load && !cli.core;
	struct live_source ls = { copts, live ? cdl_collector_new() : NULL, NULL };
	if (load)
		rc = cdl_load_json_file(load, &snap, &diag);
	else if (cli.core)
		rc = core_snapshot(&cli, &snap, &diag);
	else
		rc = live_refresh(&ls, &snap, &diag);
	if (rc < 0) {
		cdl_collector_free(ls.k);
		return diag_fail(&diag);
	}

	if (mode == MODE_TUI) {
		/* a file (--load, --core) is shown as it is: no refresh, no core */
		struct cdl_tui_source src = { live ? live_refresh : NULL, &ls,
					      live ? save_core : NULL, cli.save_core };
		struct cdl_tui_opts topts = {
			.interval_s = cli.interval, .stuck_s = cli.stuck, .keys = cli.keys,
			.screen_out = stdout, .cols = cli.cols, .lines = cli.lines,
		};
		rc = cdl_tui_run(snap, &src, &topts, &diag);
		cdl_collector_free(ls.k);
		if (rc < 0)
			return diag_fail(&diag);
		return 0;
	}
	/* the target runs again: the analysis and the output (a large
	 * target's JSON is megabytes) run at the lowest priority, as the
	 * offline stage did, so that it keeps the CPUs */
	if (live)
		cdl_live_lowest_priority();
	rc = report(&cli, snap, &ls);
	cdl_collector_free(ls.k);
	return rc;
}
