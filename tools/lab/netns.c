// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The netns helper behind every integration lab. Everything is made with
 * iproute2 (what an operator would type) and recorded, so netns_cleanup_all
 * (Criterion fini, and atexit) can undo it even after a failed assertion.
 * Names carry the creating pid, so a crashed run's leftovers are found. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "tools/lab/netns.h"

#define NETNS_PREFIX "ig-"
#define REG_MAX 64

static struct {
	char ns[REG_MAX][NETNS_NAME_MAX];
	char dev[REG_MAX][IF_NAMESIZE]; /* veths, bridges made outside test netns */
	pid_t owner;
	unsigned int counter;
	bool atexit_done;
} reg;

/* Child side of run_argv: stdout to out_fd (or /dev/null), then exec. */
static void exec_child(char *const argv[], int out_fd, bool quiet)
{
	int fd = out_fd;

	if (fd < 0 && quiet)
		fd = open("/dev/null", O_WRONLY);
	if (fd >= 0 && dup2(fd, STDOUT_FILENO) < 0)
		_exit(127);
	execvp(argv[0], argv);
	fprintf(stderr, "netns: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void read_all(int fd, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;
	char sink[256];

	while (1) {
		if (off + 1 < len)
			n = read(fd, buf + off, len - 1 - off);
		else
			n = read(fd, sink, sizeof(sink)); /* drain, so the child ends */
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (off + 1 < len)
			off += n;
	}
	if (len)
		buf[off] = '\0';
}

/* Run argv; 0, a negative errno, or the exit status when it failed. */
static int run_argv(char *const argv[], char *out, size_t len, bool quiet)
{
	int pfd[2] = { -1, -1 }, status, err;
	pid_t pid;

	if (out && pipe2(pfd, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out_pipe;
	}
	if (!pid)
		exec_child(argv, pfd[1], quiet);
	if (out) {
		close(pfd[1]);
		pfd[1] = -1;
		read_all(pfd[0], out, len);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err = -errno;
			goto out_pipe;
		}
	}
	err = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out_pipe:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	return err;
}

/* `ip [-n ns] args... NULL`, quiet on stdout; failures are on stderr. */
static __attribute__((sentinel)) int ip(const char *ns, ...)
{
	const char *argv[16] = { "ip" };
	const char *arg;
	va_list ap;
	int n = 1, err;

	if (ns) {
		argv[n++] = "-n";
		argv[n++] = ns;
	}
	va_start(ap, ns);
	while ((arg = va_arg(ap, const char *)) && n < 15)
		argv[n++] = arg;
	va_end(ap);
	err = run_argv((char *const *)argv, NULL, 0, true);
	return err > 0 ? -EIO : err;
}

/* Processes left inside (a server started in the background) would keep the
 * namespace, and so its devices, alive after `ip netns del`. */
static void kill_inside(const char *name)
{
	const char *argv[] = { "ip", "netns", "pids", name, NULL };
	char buf[4096], *p, *end;
	long pid;

	if (run_argv((char *const *)argv, buf, sizeof(buf), true))
		return;
	for (p = buf;; p = end) {
		pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0 && pid != getpid())
			kill(pid, SIGKILL);
	}
}

static int del_ns(const char *name)
{
	kill_inside(name);
	return ip(NULL, "netns", "del", name, NULL);
}

static bool pid_alive(pid_t pid)
{
	return !kill(pid, 0) || errno != ESRCH;
}

bool netns_proc_running(int pid)
{
	char path[32], buf[256], *s;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	s = strrchr(buf, ')');
	return s && s[1] == ' ' && s[2] != 'Z' && s[2] != 'X';
}

/* Delete "ig-<pid>-..." namespaces whose process is gone (a test that
 * crashed or was killed on a timeout), or that carry our own pid (a dead
 * process that had it before us): ours cannot exist yet on first use. */
static void sweep_stale(void)
{
	struct dirent *de;
	DIR *dir;
	long pid;

	dir = opendir("/run/netns");
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, NETNS_PREFIX, strlen(NETNS_PREFIX)))
			continue;
		pid = strtol(de->d_name + strlen(NETNS_PREFIX), NULL, 10);
		if (pid <= 0 || (pid != getpid() && pid_alive(pid)))
			continue;
		fprintf(stderr, "netns: deleting stale namespace %s\n", de->d_name);
		del_ns(de->d_name);
	}
	closedir(dir);
}

static void reg_first_use(void)
{
	bool atexit_done = reg.atexit_done;

	if (reg.owner == getpid())
		return;
	/* A forked child starts with its parent's registry: not its to clean. */
	memset(&reg, 0, sizeof(reg));
	reg.owner = getpid();
	sweep_stale();
	if (!atexit_done)
		atexit(netns_cleanup_all);
	reg.atexit_done = true;
}

static void reg_add(char *tab, size_t width, const char *name)
{
	for (int i = 0; i < REG_MAX; i++) {
		char *slot = tab + i * width;

		if (!slot[0]) {
			snprintf(slot, width, "%s", name);
			return;
		}
	}
	fprintf(stderr, "netns: registry full, %s will not be cleaned up\n", name);
}

static void reg_del(char *tab, size_t width, const char *name)
{
	for (int i = 0; i < REG_MAX; i++) {
		char *slot = tab + i * width;

		if (!strcmp(slot, name))
			slot[0] = '\0';
	}
}

int netns_create(const char *tag, char name[NETNS_NAME_MAX])
{
	int err;

	reg_first_use();
	snprintf(name, NETNS_NAME_MAX, NETNS_PREFIX "%d-%u-%s", (int)getpid(), reg.counter++, tag);
	err = ip(NULL, "netns", "add", name, NULL);
	if (err)
		return err;
	reg_add(reg.ns[0], NETNS_NAME_MAX, name);
	err = ip(name, "link", "set", "lo", "up", NULL);
	if (err)
		netns_delete(name);
	return err;
}

int netns_delete(const char *name)
{
	reg_del(reg.ns[0], NETNS_NAME_MAX, name);
	return del_ns(name);
}

int netns_veth(const char *ns_a, const char *dev_a, const char *ns_b, const char *dev_b)
{
	const char *argv[16] = { "ip", "link", "add", dev_a };
	int n = 4, err;

	reg_first_use();
	if (ns_a) {
		argv[n++] = "netns";
		argv[n++] = ns_a;
	}
	argv[n++] = "type";
	argv[n++] = "veth";
	argv[n++] = "peer";
	argv[n++] = "name";
	argv[n++] = dev_b;
	if (ns_b) {
		argv[n++] = "netns";
		argv[n++] = ns_b;
	}
	err = run_argv((char *const *)argv, NULL, 0, true);
	if (err)
		return err > 0 ? -EIO : err;
	/* Deleting one end deletes the pair: one record is enough. */
	if (!ns_a)
		reg_add(reg.dev[0], IF_NAMESIZE, dev_a);
	else if (!ns_b)
		reg_add(reg.dev[0], IF_NAMESIZE, dev_b);
	return 0;
}

int netns_addr(const char *ns, const char *dev, const char *cidr)
{
	/* DAD would hold an IPv6 address "tentative" for a second or more. */
	const char *nodad = strchr(cidr, ':') ? "nodad" : NULL;

	return ip(ns, "addr", "add", cidr, "dev", dev, nodad, NULL);
}

int netns_link_up(const char *ns, const char *dev)
{
	return ip(ns, "link", "set", "dev", dev, "up", NULL);
}

int netns_bridge(const char *ns, const char *br)
{
	int err;

	reg_first_use();
	err = ip(ns, "link", "add", br, "type", "bridge", "mcast_snooping", "0", NULL);
	if (err)
		return err;
	if (!ns)
		reg_add(reg.dev[0], IF_NAMESIZE, br);
	return netns_link_up(ns, br);
}

int netns_set_master(const char *ns, const char *dev, const char *master)
{
	return ip(ns, "link", "set", "dev", dev, "master", master, NULL);
}

int netns_tx_off(const char *ns, const char *dev)
{
	int err;

	err = netns_run(ns, "ethtool -K %s tx off >/dev/null", dev);
	return err > 0 ? -EIO : err;
}

int netns_tcp_server(const char *ns, int port, void (*serve)(int c, void *arg), void *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	pid_t pid = fork();
	int s, c, one = 1;

	if (pid)
		return pid < 0 ? -errno : pid;
	if (netns_enter(ns) < 0)
		_exit(90);
	signal(SIGCHLD, SIG_IGN);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 4096))
		_exit(92);
	for (;;) {
		c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		if (serve && !fork()) {
			close(s);
			serve(c, arg);
			_exit(0);
		}
		close(c);
	}
}

/* netns_keepalive_server()'s connection: each byte answered with the id. */
static void keepalive_serve(int c, void *arg)
{
	char id = *(const char *)arg, b;

	while (read(c, &b, 1) == 1 && write(c, &id, 1) == 1)
		;
}

int netns_keepalive_server(const char *ns, int port, char id)
{
	return netns_tcp_server(ns, port, keepalive_serve, &id);
}

char netns_keepalive_ask(int s)
{
	char b = 'x';

	if (write(s, &b, 1) != 1 || read(s, &b, 1) != 1)
		return 0;
	return b;
}

int netns_enter(const char *ns)
{
	char path[64 + NETNS_NAME_MAX];
	int saved, fd, err = 0;

	saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved < 0)
		return -errno;
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err) {
		close(saved);
		return err;
	}
	return saved;
}

int netns_leave(int saved)
{
	int err = 0;

	if (setns(saved, CLONE_NEWNET))
		err = -errno;
	close(saved);
	return err;
}

int netns_ifindex(const char *ns, const char *dev)
{
	int saved = -1, ifindex, err = 0;

	if (ns) {
		saved = netns_enter(ns);
		if (saved < 0)
			return saved;
	}
	ifindex = if_nametoindex(dev);
	if (!ifindex)
		err = -errno;
	if (ns)
		netns_leave(saved);
	return err ? err : ifindex;
}

static int run_fmt(const char *ns, char *buf, size_t len, const char *fmt, va_list ap)
{
	const char *argv[] = { "ip", "netns", "exec", ns, "sh", "-c", NULL, NULL };
	char *cmd;
	int err;

	if (vasprintf(&cmd, fmt, ap) < 0)
		return -ENOMEM;
	argv[6] = cmd;
	/* Without a namespace, "sh -c cmd" here. */
	err = run_argv((char *const *)(ns ? argv : argv + 4), buf, len, false);
	free(cmd);
	return err;
}

int netns_run(const char *ns, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = run_fmt(ns, NULL, 0, fmt, ap);
	va_end(ap);
	return err;
}

int netns_run_output(const char *ns, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = run_fmt(ns, buf, len, fmt, ap);
	va_end(ap);
	return err;
}

void netns_cleanup_all(void)
{
	if (reg.owner != getpid())
		return;
	for (int i = 0; i < REG_MAX; i++) {
		if (reg.dev[i][0])
			ip(NULL, "link", "del", "dev", reg.dev[i], NULL);
		reg.dev[i][0] = '\0';
	}
	for (int i = 0; i < REG_MAX; i++) {
		if (reg.ns[i][0])
			del_ns(reg.ns[i]);
		reg.ns[i][0] = '\0';
	}
}

int netns_udp_socket(const char *ns, int family, const char *bind_addr, int port, int timeout_s)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = timeout_s };
	int saved, fd, err;

	saved = netns_enter(ns);
	if (saved < 0)
		return saved;
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	err = fd < 0 ? -errno : 0;
	netns_leave(saved);
	if (err)
		return err;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!bind_addr)
		return fd;
	if (family == AF_INET ? inet_pton(AF_INET, bind_addr, &s4.sin_addr) != 1 :
				inet_pton(AF_INET6, bind_addr, &s6.sin6_addr) != 1)
		err = -EINVAL;
	else if (family == AF_INET ? bind(fd, (struct sockaddr *)&s4, sizeof(s4)) :
				     bind(fd, (struct sockaddr *)&s6, sizeof(s6)))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}
