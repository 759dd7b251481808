// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Real FRR routers in the netns lab (tools/lab/frr.h). Each instance runs the
 * Debian daemons with explicit paths, as FRR's topotests do (-i pid file,
 * -z zserv socket, --vty_socket, -f config, --log file:), all inside
 * FRR_RUN_DIR/<namespace>, so instances never share a socket or a pid file
 * with each other or with a system FRR. The daemons run as user frr, whose
 * group may open the vty sockets. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/lab/frr.h"

#define FRR_BIN_DIR "/usr/lib/frr"
#define FRR_REG_MAX 16
#define FRR_WAIT_MS 10000

static const char *const frr_names[] = { "zebra", "bgpd", "staticd", "bfdd" };
#define FRR_N_DAEMONS (sizeof(frr_names) / sizeof(frr_names[0]))

static struct {
	struct frr *inst[FRR_REG_MAX];
	pid_t owner;
	bool atexit_done;
} reg;

static int frr_pid(const char *dir, const char *daemon)
{
	char path[FRR_DIR_MAX + 32];
	int pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.pid", dir, daemon);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

/* pid is a daemon of the instance in dir (not a recycled pid). */
static bool frr_owns(int pid, const char *dir)
{
	char path[32], cmd[1024];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(cmd, 1, sizeof(cmd) - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (!cmd[i])
			cmd[i] = ' ';
	cmd[n] = '\0';
	return strstr(cmd, dir) != NULL;
}

/* Signal every daemon of the instance in dir; wait up to ms for them to go
 * (0: don't wait). Returns how many still run. */
static int frr_signal_dir(const char *dir, int sig, int ms)
{
	int pids[FRR_N_DAEMONS], left;

	for (size_t d = 0; d < FRR_N_DAEMONS; d++) {
		pids[d] = frr_pid(dir, frr_names[d]);
		if (pids[d] > 0 && frr_owns(pids[d], dir))
			kill(pids[d], sig);
		else
			pids[d] = 0;
	}
	for (int t = 0;; t += 50) {
		left = 0;
		for (size_t d = 0; d < FRR_N_DAEMONS; d++)
			left += pids[d] > 0 && netns_proc_running(pids[d]);
		if (!left || t >= ms)
			return left;
		usleep(50 * 1000);
	}
}

static void frr_remove_dir(const char *dir)
{
	netns_run(NULL, "rm -rf '%s'", dir);
}

/* Directories of instances whose test process is gone (named after their
 * namespace, "ig-<pid>-..."): their daemons are killed, the files removed.
 * A directory with our own pid is a dead process's that had it before us. */
static void frr_sweep_stale(void)
{
	char dir[FRR_DIR_MAX];
	struct dirent *de;
	DIR *d;
	long pid;

	d = opendir(FRR_RUN_DIR);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "ig-", 3))
			continue;
		pid = strtol(de->d_name + 3, NULL, 10);
		if (pid <= 0 || (pid != getpid() && (!kill(pid, 0) || errno != ESRCH)))
			continue;
		if (strlen(de->d_name) >= NETNS_NAME_MAX)
			continue; /* not a lab namespace's */
		snprintf(dir, sizeof(dir), "%s/%.*s", FRR_RUN_DIR, NETNS_NAME_MAX - 1, de->d_name);
		fprintf(stderr, "frr: removing stale instance %s\n", dir);
		if (frr_signal_dir(dir, SIGKILL, 1000))
			fprintf(stderr, "frr: a daemon of %s does not die\n", dir);
		frr_remove_dir(dir);
	}
	closedir(d);
}

static void frr_first_use(void)
{
	bool atexit_done = reg.atexit_done;

	if (reg.owner == getpid())
		return;
	memset(&reg, 0, sizeof(reg)); /* a forked child's copy is not its own */
	reg.owner = getpid();
	mkdir(FRR_RUN_DIR, 0755);
	frr_sweep_stale();
	if (!atexit_done)
		atexit(frr_cleanup_all);
	reg.atexit_done = true;
}

static void frr_reg(struct frr *f, bool add)
{
	for (int i = 0; i < FRR_REG_MAX; i++) {
		if (add && !reg.inst[i]) {
			reg.inst[i] = f;
			return;
		}
		if (!add && reg.inst[i] == f)
			reg.inst[i] = NULL;
	}
	if (add)
		fprintf(stderr, "frr: registry full, %s is stopped only with its namespace\n",
			f->dir);
}

static int frr_write_conf(const struct frr *f, const char *conf)
{
	char path[FRR_DIR_MAX + 16];
	struct passwd *pw = getpwnam("frr");
	size_t len = strlen(conf);
	int fd, err = 0;

	if (!pw)
		return -ENOENT; /* Debian's frr package makes the user */
	if (mkdir(f->dir, 0750) && errno != EEXIST)
		return -errno;
	if (chown(f->dir, pw->pw_uid, pw->pw_gid))
		return -errno;
	snprintf(path, sizeof(path), "%s/frr.conf", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, conf, len) != (ssize_t)len)
		err = -EIO;
	close(fd);
	return err;
}

/* Until the daemon's vty socket exists and it answers on it. */
static int frr_wait_daemon(const struct frr *f, const char *daemon)
{
	char path[FRR_DIR_MAX + 16];

	snprintf(path, sizeof(path), "%s/%s.vty", f->dir, daemon);
	for (int t = 0; t < FRR_WAIT_MS; t += 50) {
		if (!access(path, F_OK) &&
		    !netns_run(NULL,
			       "vtysh --vty_socket %s -d %s -c 'show version' >/dev/null 2>&1",
			       f->dir, daemon))
			return 0;
		usleep(50 * 1000);
	}
	fprintf(stderr, "frr: %s in %s did not come up\n", daemon, f->ns);
	return -ETIMEDOUT;
}

static int frr_start_daemon(const struct frr *f, const char *daemon)
{
	/* -d: it daemonizes, so it outlives this shell in the namespace. */
	if (netns_run(f->ns,
		      FRR_BIN_DIR "/%s -d -u frr -g frr -i %s/%s.pid -z %s/zserv.api "
				  "--vty_socket %s -f %s/frr.conf --log file:%s/%s.log "
				  "--log-level info 2>>%s/%s.start.log",
		      daemon, f->dir, daemon, f->dir, f->dir, f->dir, f->dir, daemon, f->dir,
		      daemon))
		return -EIO;
	return frr_wait_daemon(f, daemon);
}

int frr_start(struct frr *f, const char *ns, unsigned int daemons, const char *conf)
{
	int err;

	frr_first_use();
	memset(f, 0, sizeof(*f));
	snprintf(f->ns, sizeof(f->ns), "%s", ns);
	snprintf(f->dir, sizeof(f->dir), "%s/%s", FRR_RUN_DIR, ns);
	f->daemons = daemons | FRR_ZEBRA;
	err = frr_write_conf(f, conf);
	if (err)
		return err;
	f->running = true;
	frr_reg(f, true);
	/* zebra first: the others connect to its zserv socket. */
	for (size_t d = 0; !err && d < FRR_N_DAEMONS; d++)
		if (f->daemons & (1u << d))
			err = frr_start_daemon(f, frr_names[d]);
	if (err) {
		frr_dump_logs(f);
		frr_stop(f);
	}
	return err;
}

int frr_vtysh(const struct frr *f, char *out, size_t len, const char *fmt, ...)
{
	char *cmds, *line, *save, *shell;
	size_t cap, n;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vasprintf(&cmds, fmt, ap);
	va_end(ap);
	if (err < 0)
		return -ENOMEM;
	cap = strlen(cmds) * 2 + FRR_DIR_MAX + 64;
	shell = malloc(cap);
	if (!shell) {
		free(cmds);
		return -ENOMEM;
	}
	n = snprintf(shell, cap, "vtysh --vty_socket %s", f->dir);
	for (line = strtok_r(cmds, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		n += snprintf(shell + n, cap - n, " -c '%s'", line);
	err = out ? netns_run_output(NULL, out, len, "%s", shell) : netns_run(NULL, "%s", shell);
	free(shell);
	free(cmds);
	return err;
}

int frr_bgp_wait_established(const struct frr *f, const char *peer, int timeout_ms)
{
	char out[4096];

	for (int t = 0; t < timeout_ms; t += 100) {
		if (!frr_vtysh(f, out, sizeof(out), "show bgp neighbors %s", peer) &&
		    strstr(out, "BGP state = Established"))
			return 0;
		usleep(100 * 1000);
	}
	return -ETIMEDOUT;
}

void frr_stop(struct frr *f)
{
	if (!f->running)
		return;
	/* SIGTERM: zebra takes the routes it installed out of the kernel. */
	if (frr_signal_dir(f->dir, SIGTERM, 2000))
		frr_signal_dir(f->dir, SIGKILL, 1000);
	frr_remove_dir(f->dir);
	f->running = false;
	frr_reg(f, false);
}

void frr_kill(struct frr *f)
{
	if (!f->running)
		return;
	frr_signal_dir(f->dir, SIGKILL, 1000);
	frr_remove_dir(f->dir);
	f->running = false;
	frr_reg(f, false);
}

void frr_dump_logs(const struct frr *f)
{
	for (size_t d = 0; d < FRR_N_DAEMONS; d++)
		if (f->daemons & (1u << d))
			netns_run(NULL,
				  "echo '--- %s %s:' >&2; cat %s/%s.start.log >&2; "
				  "tail -n 40 %s/%s.log >&2",
				  f->ns, frr_names[d], f->dir, frr_names[d], f->dir, frr_names[d]);
}

void frr_cleanup_all(void)
{
	if (reg.owner != getpid())
		return;
	for (int i = 0; i < FRR_REG_MAX; i++)
		if (reg.inst[i])
			frr_stop(reg.inst[i]);
}
