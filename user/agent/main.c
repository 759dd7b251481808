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
#include <sys/resource.h>
#include <sys/signalfd.h>

#include "user/agent/agent.h"
#include "user/agent/cfgwatch.h"
#include "user/agent/conf.h"
#include "user/agent/sdnotify.h"
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
		"      --no-watch-config    reload only on SIGHUP, not when the file changes\n"
		"      --metrics-listen ADDR:PORT  serve /metrics, /healthz, /readyz there\n"
		"                           instead of the file's metrics.listen\n"
		"  -l, --log-level LEVEL    err, warn, info (default) or debug\n"
		"      --log-timestamps     prefix log lines with their RFC 3339 time (UTC;\n"
		"                           journald stamps its lines itself)\n"
		"  -V, --version            print the version and exit\n"
		"  -h, --help               this text\n\n"
		"The configuration is reloaded when it changes (inotify; a ConfigMap's\n"
		"symlink swap included) and on SIGHUP (a bad one keeps the old);\n"
		"SIGTERM and SIGINT stop it. See infergated(8) and infergate.yaml(5).\n");
}

/* File descriptors kept for the control loop (health checks, scrapes, map
 * and table updates, netlink) beyond what the metrics listener may hold. */
#define FD_RESERVE 512

/* The soft RLIMIT_NOFILE up to the hard one (LimitNOFILE= in the unit): the
 * listener's sockets are capped far below it, so the rest is the loop's. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < METRICS_CONN_MAX + FD_RESERVE)
		log_warn("RLIMIT_NOFILE is %llu: below the %u the agent plans for (%u metrics "
			 "connections, %u for the control loop); raise LimitNOFILE=",
			 (unsigned long long)rl.rlim_cur, METRICS_CONN_MAX + FD_RESERVE,
			 METRICS_CONN_MAX, FD_RESERVE);
}

static void notify(const char *state)
{
	int err = sdnotify_send(state);

	if (err && err != -ENOENT)
		log_errno(LOG_LVL_WARN, err, "sd_notify %s", state);
}

struct opts {
	struct agent_opts agent;
	const char *check;
	bool detach;
	bool no_watch;
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
		{ "no-watch-config", no_argument, NULL, 'W' },
		{ "metrics-listen", required_argument, NULL, 'M' },
		{ "log-timestamps", no_argument, NULL, 'S' },
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
		case 'W':
			o->no_watch = true;
			break;
		case 'S':
			log_set_timestamps(true);
			break;
		case 'M': {
			struct config_listen l;

			if (config_listen_parse(optarg, &l)) {
				fprintf(stderr,
					"infergated: --metrics-listen '%s' is not ADDRESS:PORT\n",
					optarg);
				return 2;
			}
			o->agent.metrics_listen = optarg;
			break;
		}
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

static void reload(struct agent *a, struct cfgwatch *w, const char *why)
{
	log_info("reloading %s (%s)", a->opts.config_path, why);
	notify("RELOADING=1");
	agent_reload(a);
	agent_publish(a);
	cfgwatch_rebase(w);
	notify("READY=1");
}

/* Returns true while the agent should keep running. */
static bool handle_signal(int sfd, struct agent *a, struct cfgwatch *w)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGHUP) {
			log_info("signal %u: stopping", si.ssi_signo);
			return false;
		}
		reload(a, w, "SIGHUP");
	}
	return true;
}

/* Ready once every service's table is in the datapath. */
static bool tables_pushed(const struct agent *a)
{
	for (unsigned int s = 0; s < a->n_svc; s++)
		if (!a->svc[s].table)
			return false;
	return true;
}

static int run(struct agent *a, int sfd, struct cfgwatch *w)
{
	struct curl_waitfd wfd[4];
	__u64 next_publish = 0, now, wd_ns = sdnotify_watchdog_ns(), next_wd = 0;
	unsigned int nfd;
	bool running = true;
	int wait_ms;

	if (wd_ns)
		log_info("systemd watchdog: pinging every %llu ms",
			 (unsigned long long)wd_ns / 2 / 1000000);
	while (running) {
		now = agent_now_ns();
		wait_ms = agent_tick(a, now);
		if (now >= next_publish) {
			agent_check_pins(a);
			agent_publish(a);
			next_publish = now + 1000000000ULL;
		}
		if (wait_ms > (int)(METRICS_TICK_MAX_NS / 1000000))
			wait_ms = (int)(METRICS_TICK_MAX_NS / 1000000);
		if (w->due_ns && wait_ms > 50)
			wait_ms = 50; /* the settle delay ends soon */
		/* Signals, the configuration's directory, a host's link events. */
		nfd = 0;
		wfd[nfd++] = (struct curl_waitfd){ .fd = sfd, .events = CURL_WAIT_POLLIN };
		if (w->fd >= 0)
			wfd[nfd++] =
				(struct curl_waitfd){ .fd = w->fd, .events = CURL_WAIT_POLLIN };
		if (agent_sync_fd(a) >= 0)
			wfd[nfd++] = (struct curl_waitfd){ .fd = agent_sync_fd(a),
							   .events = CURL_WAIT_POLLIN };
		if (agent_event_fd(a) >= 0)
			wfd[nfd++] = (struct curl_waitfd){ .fd = agent_event_fd(a),
							   .events = CURL_WAIT_POLLIN };
		scraper_wait(&a->sc, wfd, nfd, wait_ms);
		agent_perform(a);
		cfgwatch_events(w, agent_now_ns());
		if (cfgwatch_due(w, agent_now_ns()))
			reload(a, w, "the file changed");
		running = handle_signal(sfd, a, w);
		/* An iteration completed: what /healthz and the watchdog vouch for. */
		now = agent_now_ns();
		metrics_beat(a->ms, now);
		metrics_set_ready(a->ms, tables_pushed(a));
		if (wd_ns && now >= next_wd) {
			notify("WATCHDOG=1");
			next_wd = now + wd_ns / 2;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {};
	struct cfgwatch w = { .fd = -1 };
	struct agent a;
	int sfd, rc, err;

	rc = parse_opts(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.check)
		return config_check_file(o.check, stdout);
	log_setup_libbpf();
	raise_nofile();
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
	if (!o.no_watch)
		cfgwatch_open(&w, o.agent.config_path);
	metrics_beat(a.ms, agent_now_ns());
	metrics_set_ready(a.ms, tables_pushed(&a));
	notify("READY=1");
	run(&a, sfd, &w);
	cfgwatch_close(&w);
	notify("STOPPING=1");
	agent_stop(&a, o.detach);
	log_info("infergated stopped%s",
		 o.detach ? "; programs detached" : "; the datapath keeps running");
	return 0;
}
