// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* infergated: wires the agent's modules to one event loop (signals, timers,
 * probes). Exit codes live here only. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "user/agent/agent.h"
#include "user/agent/conf.h"
#include "user/lib/log.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: infergated [OPTIONS]\n"
		"The infergate agent: loads and attaches the datapath, turns GPU and\n"
		"inference-server telemetry into backend weights and writes the BPF maps.\n\n"
		"  -c, --config FILE        configuration (default /etc/infergate/infergate.yaml)\n"
		"      --check-config FILE  validate FILE and exit (0: valid, 1: not)\n"
		"      --pin-root DIR       bpffs pin root (default " IG_PIN_ROOT ")\n"
		"      --xdp-generic        attach XDP in generic mode\n"
		"      --tc-clsact          attach tc programs with clsact, not tcx\n"
		"      --detach             on exit, remove the programs (default: leave them)\n"
		"  -l, --log-level LEVEL    err, warn, info (default) or debug\n"
		"  -V, --version            print the version and exit\n"
		"  -h, --help               this text\n\n"
		"Signals: SIGHUP reloads the configuration (a bad one keeps the old);\n"
		"SIGTERM and SIGINT stop it. See infergated(8) and infergate.yaml(5).\n");
}

/* systemd's readiness protocol (sd_notify(3)) without libsystemd. */
static void notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	close(fd);
}

struct opts {
	struct agent_opts agent;
	const char *check;
	bool detach;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "pin-root", required_argument, NULL, 'P' },
		{ "xdp-generic", no_argument, NULL, 'G' },
		{ "tc-clsact", no_argument, NULL, 'T' },
		{ "detach", no_argument, NULL, 'D' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	enum log_level lvl;
	int c;

	o->agent.config_path = "/etc/infergate/infergate.yaml";
	while ((c = getopt_long(argc, argv, "c:l:Vh", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->agent.config_path = optarg;
			break;
		case 'C':
			o->check = optarg;
			break;
		case 'P':
			o->agent.pin_root = optarg;
			break;
		case 'G':
			o->agent.compat_flags |= COMPAT_F_FORCE_GENERIC;
			break;
		case 'T':
			o->agent.compat_flags |= COMPAT_F_FORCE_CLSACT;
			break;
		case 'D':
			o->detach = true;
			break;
		case 'l':
			if (log_parse_level(optarg, &lvl)) {
				fprintf(stderr, "infergated: unknown log level '%s'\n", optarg);
				return 2;
			}
			log_set_level(lvl);
			break;
		case 'V':
			printf("infergated %s (ABI %d)\n", IG_VERSION, IG_ABI_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	return -1;
}

static int signals_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Returns true while the agent should keep running. */
static bool handle_signal(int sfd, struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGHUP) {
			log_info("signal %u: stopping", si.ssi_signo);
			return false;
		}
		notify("RELOADING=1");
		agent_reload(a);
		agent_publish(a);
		notify("READY=1");
	}
	return true;
}

static int run(struct agent *a, int sfd)
{
	struct curl_waitfd wfd[2] = { { .fd = sfd, .events = CURL_WAIT_POLLIN },
				      { .fd = agent_event_fd(a), .events = CURL_WAIT_POLLIN } };
	__u64 next_publish = 0, now;
	bool running = true;
	int wait_ms;

	while (running) {
		now = agent_now_ns();
		wait_ms = agent_tick(a, now);
		if (now >= next_publish) {
			agent_publish(a);
			next_publish = now + 1000000000ULL;
		}
		if (wait_ms > 1000)
			wait_ms = 1000;
		scraper_wait(&a->sc, wfd, wfd[1].fd >= 0 ? 2 : 1, wait_ms);
		agent_perform(a);
		running = handle_signal(sfd, a);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {};
	struct agent a;
	int sfd, rc, err;

	rc = parse_opts(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.check)
		return config_check_file(o.check, stdout);
	log_setup_libbpf();
	sfd = signals_fd();
	if (sfd < 0) {
		log_errno(LOG_LVL_ERR, sfd, "signalfd");
		return 1;
	}
	err = agent_start(&a, &o.agent);
	if (err) {
		log_errno(LOG_LVL_ERR, err, "infergated could not start");
		agent_stop(&a, false);
		return 1;
	}
	notify("READY=1");
	run(&a, sfd);
	notify("STOPPING=1");
	agent_stop(&a, o.detach);
	log_info("infergated stopped%s",
		 o.detach ? "; programs detached" : "; the datapath keeps running");
	return 0;
}
