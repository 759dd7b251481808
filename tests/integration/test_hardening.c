// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* infergated under abuse (issue #15), as a real process in the lab's gateway
 * namespace with its own configuration and pin root: 1100 idle connections
 * to its metrics listener under a 1024-fd limit leave health checks, scrapes
 * and map updates alone and the log bounded; /healthz and /readyz answer;
 * pins removed under it come back; a restart drains the backends the
 * configuration dropped; table entries of a spoofed SYN flood do not count
 * as in-flight connections; a SIGHUP with the 2-byte file that hung libfyaml
 * is rejected at once; systemd's notify socket hears READY, WATCHDOG,
 * RELOADING and STOPPING. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "tests/lib/fixture.h"
#include "tools/lab/lab.h"
#include "user/lib/addr.h"
#include "user/lib/dp.h"

#define NHOSTS 3
#define VIP "198.19.0.10"
#define VNI 100
#define IDLE                                              \
	"vllm:num_requests_waiting{model_name=\"m\"} 0\n" \
	"vllm:num_requests_running{model_name=\"m\"} 1\n" \
	"vllm:kv_cache_usage_perc{model_name=\"m\"} 0.1\n"
#define URL "http://127.0.0.1:9469"

static struct lab lab;
static char dir[64], root[128], conf[128], agent_bin[256], ctl_bin[300];

static void hd_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert(f, "%s: %m", path);
	fputs(text, f);
	fclose(f);
}

/* The lab's service with backends h1..h<n>. */
static void hd_config(int n)
{
	char text[4096];
	int k;

	k = snprintf(text, sizeof(text),
		     "interfaces:\n  - name: g0\n    role: gateway\n"
		     "gateway:\n  vtep: " LAB_GW_VTEP "\n  tcp_idle: 600s\n"
		     "tenants:\n  - name: acme\n    id: 1\n    vni: %d\n"
		     "services:\n  - name: chat\n    id: 1\n    vip: " VIP "\n    port: 80\n"
		     "    tenant: acme\n    backends:\n",
		     VNI);
	for (int h = 1; h <= n; h++)
		k += snprintf(
			text + k, sizeof(text) - k,
			"      - name: h%d\n        id: %d\n        vtep: 198.18.%d.2\n"
			"        capacity: 10\n        inner_mac: 02:00:00:00:%02x:%02x\n"
			"        metrics:\n"
			"          - url: http://198.18.%d.2/metrics\n            format: vllm\n"
			"        health: {type: tcp, port: 80, interval: 200ms, timeout: 150ms, "
			"fall: 2, rise: 2}\n",
			h, h, 10 + h, VNI, h, 10 + h);
	snprintf(text + k, sizeof(text) - k,
		 "telemetry:\n  interval: 300ms\n  timeout: 250ms\n"
		 "metrics:\n  listen: 127.0.0.1:9469\n");
	hd_write(conf, text);
}

/* Like lab_agent_start(), under systemd's default fd limit (1024, here as
 * the hard limit too, so the agent cannot raise it) and with only the
 * capabilities deploy/infergated.service grants. */
static void hd_launch_env(const char *env)
{
	cr_assert_eq(
		netns_run(NULL,
			  "env %s prlimit --nofile=1024:1024 setpriv --bounding-set "
			  "-all,+bpf,+perfmon,+net_admin,+sys_admin nsenter --net=/run/netns/%s %s "
			  "--config %s "
			  "--pin-root %s >>%s/agent.log 2>&1 & echo $! > %s/agent.pid",
			  env, lab.gw, agent_bin, conf, root, dir, dir),
		0);
	cr_assert_eq(netns_run(lab.gw, "for t in $(seq 100); do curl -sf -o /dev/null " URL
				       "/metrics && exit 0; sleep 0.1; done; exit 1"),
		     0, "the agent did not come up (see %s/agent.log)", dir);
}

static void hd_launch(void)
{
	hd_launch_env("");
}

static void hd_stop(void)
{
	netns_run(NULL,
		  "pid=$(cat %s/agent.pid); kill $pid 2>/dev/null; for t in $(seq 50); do "
		  "kill -0 $pid 2>/dev/null || exit 0; sleep 0.1; done; kill -9 $pid",
		  dir); /* a wedged agent (a parser spinning) ignores SIGTERM */
}

static void setup(void)
{
	const char *build = getenv("IG_BUILD") ?: "build";
	char name[8], mfile[96], path[140];

	fx_require_root();
	snprintf(dir, sizeof(dir), "/tmp/ig-hard-XXXXXX");
	cr_assert(mkdtemp(dir));
	snprintf(root, sizeof(root), "/sys/fs/bpf/ig-hard-%d/v%d", getpid(), IG_ABI_VERSION);
	snprintf(conf, sizeof(conf), "%s/infergate.yaml", dir);
	cr_assert(realpath(build, agent_bin));
	snprintf(ctl_bin, sizeof(ctl_bin), "%s/infergatectl", agent_bin);
	strcat(agent_bin, "/infergated");
	cr_assert_eq(lab_create(&lab, NHOSTS), 0);
	for (int h = 1; h <= NHOSTS; h++) {
		snprintf(name, sizeof(name), "h%d", h);
		snprintf(mfile, sizeof(mfile), "%s/h%d.prom", dir, h);
		snprintf(path, sizeof(path), "%s/h%d.prom", dir, h);
		hd_write(path, IDLE);
		cr_assert_eq(lab_host_vni(&lab, h, VNI, VIP), 0);
		cr_assert_eq(lab_host_httpd(&lab, h, "0.0.0.0", 80, name, mfile), 0);
	}
	for (int h = 1; h <= NHOSTS; h++)
		cr_assert_eq(lab_wait_http(&lab, h, VIP, 80), 0);
	hd_config(NHOSTS);
	hd_launch();
}

static void teardown(void)
{
	char parent[160];

	hd_stop();
	lab_destroy(&lab);
	netns_run(NULL, "tail -40 %s/agent.log >&2; rm -rf %s", dir, dir);
	snprintf(parent, sizeof(parent), "/sys/fs/bpf/ig-hard-%d", getpid());
	netns_run(NULL, "rm -rf %s", parent);
}

TestSuite(hardening, .init = setup, .fini = teardown, .timeout = 120);

static double hd_metric(const char *line)
{
	return lab_metric(&lab, line);
}

static int hd_count(const char *fmt_cmd)
{
	char out[64];

	cr_assert_eq(netns_run_output(NULL, out, sizeof(out), fmt_cmd, dir), 0);
	return atoi(out);
}

static void hd_expect_all_up(const char *when)
{
	char key[128];

	for (int h = 1; h <= NHOSTS; h++) {
		snprintf(key, sizeof(key), "infergate_backend_up{service=\"chat\",backend=\"h%d\"}",
			 h);
		cr_expect_eq(lab_metric_wait(&lab, key, 1, 30), 1, "h%d down %s", h, when);
		snprintf(key, sizeof(key),
			 "infergate_health_errors_total{service=\"chat\",backend=\"h%d\"}", h);
		cr_expect_eq(hd_metric(key), 0, "h%d: health checks failed %s", h, when);
	}
}

/* 1100 idle connections from 127.0.0.2, held 8 s: more than the agent's
 * 1024 fds. libmicrohttpd with select() and no limit took them all, health
 * checks failed with EMFILE and its error log wrote 340k lines in 12 s. */
Test(hardening, fd_flood_on_the_metrics_listener)
{
	int lines0 = hd_count("wc -l < %s/agent.log"), fds, lines;
	char code[16];

	cr_assert_eq(
		netns_run(
			lab.gw,
			"python3 -c '\n"
			"import socket, time\n"
			"s = []\n"
			"for i in range(1100):\n"
			"    c = socket.socket(); c.setblocking(False); c.bind((\"127.0.0.2\", 0))\n"
			"    c.connect_ex((\"127.0.0.1\", 9469)); s.append(c)\n"
			"time.sleep(8)\n"
			"' > %s/flood.log 2>&1 & echo $! > %s/flood.pid",
			dir, dir),
		0);
	sleep(2);
	fds = hd_count("ls /proc/$(cat %s/agent.pid)/fd | wc -l");
	cr_expect_lt(fds, 256, "the agent holds %d fds during the flood", fds);
	netns_run_output(lab.gw, code, sizeof(code),
			 "curl -s -m 2 -o /dev/null -w '%%{http_code}' " URL "/healthz");
	cr_expect_str_eq(code, "200", "/healthz from another address during the flood");
	cr_assert_eq(netns_run(NULL,
			       "for t in $(seq 100); do kill -0 $(cat %s/flood.pid) 2>/dev/null || "
			       "exit 0; sleep 0.1; done; exit 1",
			       dir),
		     0);
	hd_expect_all_up("after 1100 idle connections to the metrics listener");
	lines = hd_count("wc -l < %s/agent.log") - lines0;
	cr_expect_lt(lines, 20, "the flood wrote %d log lines", lines);
}

Test(hardening, healthz_and_readyz)
{
	char out[64];

	cr_assert_eq(netns_run_output(lab.gw, out, sizeof(out),
				      "curl -s -m 2 -w ' %%{http_code}' " URL "/healthz"),
		     0);
	cr_expect_str_eq(out, "ok\n 200");
	cr_assert_eq(netns_run_output(lab.gw, out, sizeof(out),
				      "curl -s -m 2 -w ' %%{http_code}' " URL "/readyz"),
		     0);
	cr_expect_str_eq(out, "ready\n 200");
}

/* rm -rf of the pin root, then of the link pin alone: both come back within
 * a second, and the program stays on g0 after the agent stops. */
Test(hardening, removed_pins_are_restored)
{
	int c[NHOSTS + 1];

	cr_assert_eq(netns_run(NULL, "test -e %s/links/g0-xdp && rm -rf %s", root, root), 0);
	usleep(1500 * 1000);
	cr_expect_eq(netns_run(NULL, "test -e %s/maps/ig_conns && test -e %s/links/g0-xdp", root,
			       root),
		     0, "the pins were not restored");
	cr_expect_gt(hd_metric("infergate_pins_restored_total"), 10);
	cr_assert_eq(netns_run(NULL, "rm %s/links/g0-xdp", root), 0);
	usleep(1500 * 1000);
	cr_expect_eq(netns_run(NULL, "test -e %s/links/g0-xdp", root), 0);
	cr_expect_eq(hd_count("grep -c 'restored' %s/agent.log"), 2, "logged once per removal");
	hd_stop();
	cr_expect_eq(netns_run(lab.gw, "ip link show g0 | grep -q xdp"), 0,
		     "the program left g0 with the agent");
	cr_assert_eq(lab_curl_spread(&lab, VIP, 30, c, NHOSTS), 0);
	cr_expect_eq(c[0], 0, "%d connections failed without the agent", c[0]);
}

/* h3 leaves the configuration while the agent is down: the restarted agent
 * adopts ig_backends, where h3 was active. */
Test(hardening, restart_drains_backends_dropped_from_the_config)
{
	char out[4096];

	hd_stop();
	hd_config(NHOSTS - 1);
	hd_launch();
	cr_assert_eq(netns_run_output(NULL, out, sizeof(out),
				      "%s -p %s -j backends | python3 -c 'import json,sys; "
				      "print(\" \".join(b[\"state\"] for b in "
				      "json.load(sys.stdin)[\"backends\"] if b[\"id\"] == 3))'",
				      ctl_bin, root),
		     0);
	cr_expect_str_eq(out, "draining\n", "h3, gone from the configuration, is: %s", out);
}

static unsigned long long hd_coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#define H1_INFLIGHT "infergate_backend_inflight{service=\"chat\",backend=\"h1\"}"

/* What a spoofed SYN flood leaves: half-open entries for backend h1 whose
 * SYN came a minute ago, and ig_inflight at 131072. The sweep (every
 * second) removes them at their SYN timeout and recounts h1 from the
 * table: no connection is open. */
Test(hardening, spoofed_syns_are_not_in_flight)
{
	struct dp_maps m;
	char maps[160];
	__u64 then = hd_coarse_ns() - 60 * 1000000000ULL;

	snprintf(maps, sizeof(maps), "%s/maps", root);
	cr_assert_eq(dp_open_pinned(&m, maps), 0);
	for (int i = 0; i < 50; i++) {
		struct ig_conn_key k = { .sport = htons(0x1080 + i),
					 .dport = htons(80),
					 .proto = IPPROTO_TCP,
					 .tenant = 1 };
		struct ig_conn v = { .first_ns = then, .last_ns = then, .backend = 1, .service = 1 };

		addr_parse("198.51.100.1", k.saddr);
		k.saddr[15] = i;
		addr_parse("198.19.0.10", k.daddr);
		cr_assert_eq(dp_conn_put(&m, &k, &v), 0);
	}
	cr_assert_eq(dp_backend_inflight_set(&m, 1, 131072), 0);
	dp_close(&m);
	/* A sweep within a second, and the page after it. (Waiting for 0 would
	 * pass on the page from before the write.) */
	usleep(2500 * 1000);
	cr_expect_eq(hd_metric(H1_INFLIGHT), 0, "in-flight counts the spoofed entries");
	cr_expect_geq(hd_metric("infergate_conns_swept_total"), 50,
		      "the half-open entries past their SYN timeout were not removed");
}

/* The 2-byte file that spun libfyaml 0.7.12 forever, sent with SIGHUP: the
 * reload is rejected at once and the control loop goes on. (Octal: dash's
 * printf has no \x.) */
Test(hardening, sighup_with_a_2_byte_directive_file)
{
	char out[64];

	cr_assert_eq(netns_run(NULL, "printf '%%%%\\305' > %s && kill -HUP $(cat %s/agent.pid)",
			       conf, dir),
		     0);
	cr_expect_eq(lab_metric_wait(&lab, "infergate_config_reloads_total{result=\"rejected\"}", 1,
				     30),
		     1, "the reload was not rejected within 3 s");
	cr_assert_eq(netns_run_output(lab.gw, out, sizeof(out),
				      "curl -s -m 2 -w ' %%{http_code}' " URL "/healthz"),
		     0);
	cr_expect_str_eq(out, "ok\n 200", "the control loop after the reload");
	cr_expect_eq(netns_run(NULL, "grep -q 'reload rejected.*1:2: not valid UTF-8' %s/agent.log",
			       dir),
		     0);
	hd_expect_all_up("after a rejected reload");
}

/* systemd's side of sd_notify, played by a unix datagram socket: READY=1,
 * WATCHDOG=1 pings (WATCHDOG_USEC 400 ms: every 200 ms), RELOADING=1 and
 * READY=1 around SIGHUP, STOPPING=1. */
Test(hardening, sd_notify_states_and_watchdog)
{
	char env[160], out[512];
	int pings;

	hd_stop();
	cr_assert_eq(
		netns_run(
			NULL,
			"python3 -c '\n"
			"import socket, sys\n"
			"s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
			"s.bind(sys.argv[1]); s.settimeout(20)\n"
			"f = open(sys.argv[2], \"w\", buffering=1)\n"
			"while True:\n"
			"    d = s.recv(4096).decode()\n"
			"    f.write(d + \"\\n\")\n"
			"    if d == \"STOPPING=1\": break\n"
			"' %s/notify.sock %s/notify.log > %s/notify.err 2>&1 &"
			" for t in $(seq 50); do test -S %s/notify.sock && exit 0; sleep 0.1; done;"
			" exit 1",
			dir, dir, dir, dir),
		0);
	snprintf(env, sizeof(env), "NOTIFY_SOCKET=%s/notify.sock WATCHDOG_USEC=400000", dir);
	hd_launch_env(env);
	usleep(1000 * 1000);
	cr_assert_eq(netns_run(NULL, "kill -HUP $(cat %s/agent.pid)", dir), 0);
	usleep(1000 * 1000);
	hd_stop();
	cr_assert_eq(netns_run(NULL,
			       "for t in $(seq 30); do grep -q STOPPING %s/notify.log && "
			       "exit 0; sleep 0.1; done; exit 1",
			       dir),
		     0, "no STOPPING=1");
	cr_assert_eq(netns_run_output(NULL, out, sizeof(out),
				      "grep -v WATCHDOG %s/notify.log | tr '\\n' ' '", dir),
		     0);
	cr_expect_str_eq(out, "READY=1 RELOADING=1 READY=1 STOPPING=1 ");
	pings = hd_count("grep -c '^WATCHDOG=1$' %s/notify.log || true");
	cr_expect_geq(pings, 6, "%d watchdog pings in 2 s at a 400 ms watchdog", pings);
}
