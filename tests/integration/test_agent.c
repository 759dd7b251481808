// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* infergated as a real process in the lab's gateway namespace (entered with
 * nsenter --net, so its pins live on the machine's bpffs), steering real curl
 * connections: telemetry moves new connections away from a backend whose
 * queue grows; a dead backend is taken down by health checks; kill -9 leaves
 * the datapath and every connection running and a restarted agent adopts the
 * pins; SIGHUP with a broken file keeps the old configuration. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/lib/fixture.h"
#include "tools/lab/lab.h"

#define NHOSTS 3
#define VIP "198.19.0.10"
#define VNI 100
#define IDLE                                              \
	"vllm:num_requests_waiting{model_name=\"m\"} 0\n" \
	"vllm:num_requests_running{model_name=\"m\"} 1\n" \
	"vllm:kv_cache_usage_perc{model_name=\"m\"} 0.1\n"
#define BUSY                                               \
	"vllm:num_requests_waiting{model_name=\"m\"} 40\n" \
	"vllm:num_requests_running{model_name=\"m\"} 8\n"  \
	"vllm:kv_cache_usage_perc{model_name=\"m\"} 0.95\n"

static struct lab lab;
static char dir[64], root[128], conf[128], agent_bin[256];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert(f, "%s: %m", path);
	fputs(text, f);
	fclose(f);
}

static void metrics_set(int h, const char *text)
{
	char path[128], tmp[140];

	snprintf(path, sizeof(path), "%s/h%d.prom", dir, h);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	write_file(tmp, text);
	cr_assert_eq(rename(tmp, path), 0); /* the server never reads half a file */
}

static void write_config(const char *gw_extra)
{
	char text[4096];
	int n;

	n = snprintf(text, sizeof(text),
		     "interfaces:\n  - name: g0\n    role: gateway\n"
		     "gateway:\n  vtep: " LAB_GW_VTEP "\n%s"
		     "tenants:\n  - name: acme\n    id: 1\n    vni: %d\n"
		     "services:\n  - name: chat\n    id: 1\n    vip: " VIP "\n    port: 80\n"
		     "    tenant: acme\n    backends:\n",
		     gw_extra, VNI);
	for (int h = 1; h <= NHOSTS; h++)
		n += snprintf(
			text + n, sizeof(text) - n,
			"      - name: h%d\n        id: %d\n        vtep: 198.18.%d.2\n"
			"        capacity: 10\n        inner_mac: 02:00:00:00:%02x:%02x\n"
			"        metrics:\n"
			"          - url: http://198.18.%d.2/metrics\n            format: vllm\n"
			"        health: {type: tcp, port: 80, interval: 200ms, timeout: 150ms, "
			"fall: 2, rise: 2}\n",
			h, h, 10 + h, VNI, h, 10 + h);
	snprintf(text + n, sizeof(text) - n,
		 "telemetry:\n  interval: 300ms\n  timeout: 250ms\n"
		 "scoring:\n  ewma_alpha: 1\n  hysteresis: 0.02\n"
		 "metrics:\n  listen: 127.0.0.1:9469\n");
	write_file(conf, text);
}

static void agent_launch(void)
{
	cr_assert_eq(lab_agent_start(&lab, agent_bin, conf, root, dir), 0,
		     "the agent did not come up (see %s/agent.log)", dir);
}

static int agent_pid(void)
{
	char buf[32];

	cr_assert_eq(netns_run_output(NULL, buf, sizeof(buf), "cat %s/agent.pid", dir), 0);
	return atoi(buf);
}

static void setup(void)
{
	const char *build = getenv("IG_BUILD") ?: "build";
	char name[8], mfile[96];

	fx_require_root();
	snprintf(dir, sizeof(dir), "/tmp/ig-agent-XXXXXX");
	cr_assert(mkdtemp(dir));
	snprintf(root, sizeof(root), "/sys/fs/bpf/ig-agent-%d/v%d", getpid(), IG_ABI_VERSION);
	snprintf(conf, sizeof(conf), "%s/infergate.yaml", dir);
	cr_assert(realpath(build, agent_bin));
	strcat(agent_bin, "/infergated");
	cr_assert_eq(lab_create(&lab, NHOSTS), 0);
	for (int h = 1; h <= NHOSTS; h++) {
		snprintf(name, sizeof(name), "h%d", h);
		snprintf(mfile, sizeof(mfile), "%s/h%d.prom", dir, h);
		metrics_set(h, IDLE);
		cr_assert_eq(lab_host_vni(&lab, h, VNI, VIP), 0);
		cr_assert_eq(lab_host_httpd(&lab, h, "0.0.0.0", 80, name, mfile), 0);
	}
	for (int h = 1; h <= NHOSTS; h++)
		cr_assert_eq(lab_wait_http(&lab, h, VIP, 80), 0);
	write_config("  tcp_idle: 1s\n");
	agent_launch();
}

static void teardown(void)
{
	char parent[160];

	netns_run(NULL, "kill $(cat %s/agent.pid) 2>/dev/null; sleep 0.3", dir);
	lab_destroy(&lab);
	netns_run(NULL, "cat %s/agent.log >&2; rm -rf %s", dir, dir);
	snprintf(parent, sizeof(parent), "/sys/fs/bpf/ig-agent-%d", getpid());
	netns_run(NULL, "rm -rf %s", parent);
}

TestSuite(agent, .init = setup, .fini = teardown, .timeout = 120);

/* n curl connections; counts per host (counts[0]: failures). */
static void spread(int n, int counts[NHOSTS + 1])
{
	cr_assert_eq(lab_curl_spread(&lab, VIP, n, counts, NHOSTS), 0);
}

static double metric(const char *line)
{
	return lab_metric(&lab, line);
}

static double metric_wait(const char *line, double want)
{
	return lab_metric_wait(&lab, line, want, 30);
}

Test(agent, steers_by_telemetry)
{
	int c[NHOSTS + 1];

	spread(90, c);
	cr_expect_eq(c[0], 0, "%d connections failed", c[0]);
	for (int h = 1; h <= NHOSTS; h++)
		cr_expect_gt(c[h], 15, "h%d got %d of 90 with equal telemetry", h, c[h]);

	metrics_set(1, BUSY); /* h1's queue grows: load 8 -> weight 0 */
	usleep(2 * 300 * 1000 + 100 * 1000); /* two scrape intervals */
	spread(60, c);
	cr_expect_eq(c[0], 0);
	cr_expect_eq(c[1], 0, "h1 still got %d new connections after its queue grew", c[1]);
	cr_expect_eq(metric_wait("infergate_backend_weight{service=\"chat\",backend=\"h1\"}", 0),
		     0);

	metrics_set(1, IDLE);
	usleep(2 * 300 * 1000 + 100 * 1000);
	spread(60, c);
	cr_expect_gt(c[1], 5, "h1 got %d connections after it drained its queue", c[1]);
}

Test(agent, health_checks_take_a_dead_backend_down)
{
	int c[NHOSTS + 1];

	cr_assert_eq(netns_run(lab.h[1], "pkill -f 'httpd.py 0.0.0.0 80 h[2]'"), 0);
	usleep(800 * 1000); /* fall 2 at 200 ms */
	cr_expect_eq(metric_wait("infergate_backend_up{service=\"chat\",backend=\"h2\"}", 0), 0);
	spread(60, c);
	cr_expect_eq(c[0], 0, "%d connections failed", c[0]);
	cr_expect_eq(c[2], 0);
}

Test(agent, kill_9_keeps_connections_and_restart_adopts)
{
	char out[4096], sdir[96];
	int c[NHOSTS + 1], chunks = 0;

	snprintf(sdir, sizeof(sdir), "%s/stream", dir);
	cr_assert_eq(netns_run(lab.cl,
			       "mkdir -p %s; (curl -sN --max-time 20 'http://" VIP
			       "/stream?secs=4&hz=10' > %s/out; echo $? > %s/rc) >/dev/null 2>&1 &",
			       sdir, sdir, sdir),
		     0);
	usleep(500 * 1000);
	cr_assert_eq(kill(agent_pid(), SIGKILL), 0);
	spread(30, c);
	cr_expect_eq(c[0], 0, "new connections without an agent: %d failed", c[0]);
	cr_assert_eq(netns_run(NULL,
			       "for t in $(seq 100); do test -s %s/rc && exit 0; sleep 0.1; "
			       "done; exit 1",
			       sdir),
		     0);
	cr_assert_eq(netns_run_output(NULL, out, sizeof(out), "cat %s/rc; wc -l < %s/out", sdir,
				      sdir),
		     0);
	cr_expect_eq(sscanf(out, "0\n%d", &chunks), 1, "curl exit and lines: %s", out);
	cr_expect_eq(chunks, 40, "the stream lost chunks across kill -9: %d of 40", chunks);

	agent_launch();
	cr_expect_eq(netns_run(NULL,
			       "grep -q 'maps adopted' %s/agent.log && "
			       "grep -q 'replaced the old one behind pinned link' %s/agent.log",
			       dir, dir),
		     0, "the restarted agent did not adopt the pins");
	spread(30, c);
	cr_expect_eq(c[0], 0);
}

Test(agent, sighup_with_a_broken_file_keeps_the_old_config)
{
	int c[NHOSTS + 1];

	write_file(conf, "services: [ broken\n");
	cr_assert_eq(kill(agent_pid(), SIGHUP), 0);
	usleep(400 * 1000);
	cr_expect_eq(metric_wait("infergate_config_reloads_total{result=\"rejected\"}", 1), 1);
	spread(30, c);
	cr_expect_eq(c[0], 0, "connections failed after a rejected reload");
	write_config("  tcp_idle: 1s\n");
	cr_assert_eq(kill(agent_pid(), SIGHUP), 0);
	usleep(400 * 1000);
	cr_expect_eq(metric_wait("infergate_config_reloads_total{result=\"ok\"}", 1), 1);
	spread(30, c);
	cr_expect_eq(c[0], 0);
}

static __u64 inflight_total(void)
{
	double v = 0;

	for (int h = 1; h <= NHOSTS; h++) {
		char key[96];

		snprintf(key, sizeof(key),
			 "infergate_backend_inflight{service=\"chat\",backend=\"h%d\"}", h);
		v += metric(key);
	}
	return (__u64)v;
}

Test(agent, idle_connections_are_swept)
{
	/* Two connections that say nothing after the handshake: the gateway
	 * sees no FIN, so only the agent's sweep (tcp_idle 1s) ends them. */
	cr_assert_eq(netns_run(lab.cl, "for i in 1 2; do (bash -c 'exec 3<>/dev/tcp/" VIP
				       "/80; sleep 12') >/dev/null 2>&1 & done"),
		     0);
	usleep(500 * 1000);
	cr_expect_eq(metric_wait("infergate_datapath_events_total{event=\"new-connections\"}", 2),
		     2);
	cr_expect_eq(inflight_total(), 2, "two open connections");
	for (int t = 0; t < 100 && metric("infergate_conns_swept_total") < 2; t++)
		usleep(100 * 1000);
	cr_expect_eq(metric("infergate_conns_swept_total"), 2, "both idle entries swept");
	usleep(1100 * 1000); /* the page after the sweep's in-flight fix */
	cr_expect_eq(inflight_total(), 0, "and their in-flight counts released");
}

/* A second agent under valgrind next to the first: the GPU-host role on g0
 * (a host: section, no workload yet), its own pins and port; it loads and
 * attaches the host programs, reconciles the host maps and serves /metrics
 * for a few seconds, then stops on SIGTERM. Its file keeps the gateway's
 * services, which a host-only agent ignores. */
Test(agent, valgrind_clean)
{
	char vconf[160], out[256];

	snprintf(vconf, sizeof(vconf), "%s/valgrind.yaml", dir);
	cr_assert_eq(netns_run(NULL,
			       "sed -e 's/role: gateway/role: host/' -e 's/9469/9470/' %s > %s && "
			       "printf 'host:\\n  vtep: " LAB_GW_VTEP "\\n  tenants:\\n"
			       "    - {name: acme, vteps: [198.18.11.2]}\\n' >> %s",
			       conf, vconf, vconf),
		     0);
	cr_assert_eq(
		netns_run(NULL,
			  "timeout -s TERM 8 nsenter --net=/run/netns/%s valgrind -q "
			  "--leak-check=full --errors-for-leak-kinds=definite,indirect "
			  "--error-exitcode=9 --suppressions=tests/valgrind.supp %s --config %s "
			  "--pin-root %s-vg > %s/valgrind.log 2>&1; test $? = 0 -o $? = 124",
			  lab.gw, agent_bin, vconf, root, dir),
		0);
	cr_assert_eq(netns_run_output(NULL, out, sizeof(out),
				      "grep -c '^==[0-9]*== ' %s/valgrind.log || true", dir),
		     0);
	cr_expect_eq(atoi(out), 0, "valgrind reported (see %s/valgrind.log)", dir);
	cr_expect_eq(netns_run(NULL, "grep -q 'infergated stopped' %s/valgrind.log", dir), 0,
		     "the agent did not stop cleanly under valgrind");
}
