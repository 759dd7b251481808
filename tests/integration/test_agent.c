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
#include <time.h>
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

static void metrics_set(int h, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/h%d.prom", dir, h);
	fx_write_atomic(path, text); /* the server never reads half a file */
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
	fx_write_file(conf, text);
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

	fx_write_file(conf, "services: [ broken\n");
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
 * services, which a host-only agent ignores. The child config_load() forks
 * to parse under a deadline exits with _exit() holding the parent's heap:
 * valgrind is told to keep quiet about it (the same parse runs again in the
 * parent, which valgrind does check). */
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
			  "--child-silent-after-fork=yes "
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

/* The Grafana dashboard and the alert rules in deploy/ query only metric
 * families this agent exports (a rename fails here), and the page passes
 * promtool's linter. */
Test(agent, dashboard_and_alerts_query_exported_metrics)
{
	char page[128];

	snprintf(page, sizeof(page), "%s/metrics.txt", dir);
	cr_assert_eq(netns_run(lab.gw, "curl -sf http://127.0.0.1:9469/metrics -o %s", page), 0);
	cr_expect_eq(netns_run(NULL, "promtool check metrics < %s", page), 0,
		     "promtool check metrics failed on the agent's page");
	cr_expect_eq(netns_run(NULL,
			       "tests/monitoring/check-names.py %s "
			       "deploy/grafana/infergate-dashboard.json "
			       "deploy/prometheus/infergate-alerts.yml",
			       page),
		     0, "the dashboard or the alert rules name a metric the agent does not export");
	/* Histograms that have seen scrapes and health checks, process_*, the
	 * score as a ratio and the inputs behind it (h1 serves IDLE). */
	for (int t = 0; t < 30 && metric("infergate_health_check_duration_seconds_count") <= 0; t++)
		usleep(100 * 1000); /* the page is rendered once a second */
	cr_expect_gt(metric("infergate_scrape_duration_seconds_count"), 0);
	cr_expect_gt(metric("infergate_health_check_duration_seconds_count"), 0);
	cr_expect_gt(metric("infergate_table_push_duration_seconds_count"), 0);
	cr_expect_gt(metric("process_open_fds"), 3);
	cr_expect_gt(metric("process_start_time_seconds"), 1.7e9);
	cr_expect_eq(metric("infergate_backend_requests_waiting{service=\"chat\",backend=\"h1\"}"),
		     0);
	cr_expect_eq(metric("infergate_backend_requests_running{service=\"chat\",backend=\"h1\"}"),
		     1);
	cr_expect_float_eq(
		metric("infergate_backend_kv_cache_usage_ratio{service=\"chat\",backend=\"h1\"}"),
		0.1, 1e-9);
	cr_expect_leq(metric("infergate_backend_score{service=\"chat\",backend=\"h1\"}"), 1);
}

/* A page with one waiting request and the TTFT histogram's sum and count. */
static void ttft_page(int h, double sum, int count)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "vllm:num_requests_waiting{model_name=\"m\"} 1\n"
		 "vllm:num_requests_running{model_name=\"m\"} 1\n"
		 "vllm:kv_cache_usage_perc{model_name=\"m\"} 0.1\n"
		 "vllm:time_to_first_token_seconds_sum{model_name=\"m\"} %g\n"
		 "vllm:time_to_first_token_seconds_count{model_name=\"m\"} %d\n",
		 sum, count);
	metrics_set(h, text);
}

/* Three servers with the same queue: h1's requests took 2 s to their first
 * token, the others' 0.1 s. The estimate (1 s per queue position after the
 * 2 positions they saw, times the 2 a new request would see) makes h1
 * saturated: 2 s / ttft_slo 2 s, weight 0; h2's queue term (1 / 5)
 * outweighs its 0.1 s estimate: weight 10 x 0.8. By the queue alone the
 * three were equal. */
Test(agent, steers_on_the_estimated_ttft)
{
	int c[NHOSTS + 1];

	for (int h = 1; h <= NHOSTS; h++)
		ttft_page(h, h == 1 ? 5 : 1, 10);
	usleep(2 * 300 * 1000 + 100 * 1000);
	spread(60, c);
	cr_expect_gt(c[1], 5, "equal queues, no estimate yet: h1 got %d of 60", c[1]);
	for (int h = 1; h <= NHOSTS; h++)
		ttft_page(h, h == 1 ? 25 : 2, 20);
	cr_expect_eq(metric_wait("infergate_backend_ttft_estimate_seconds{service=\"chat\","
				 "backend=\"h1\"}",
				 2),
		     2);
	cr_expect_eq(metric_wait("infergate_backend_ttft_estimate_seconds{service=\"chat\","
				 "backend=\"h2\"}",
				 0.1),
		     0.1);
	cr_expect_eq(metric_wait("infergate_backend_weight{service=\"chat\",backend=\"h1\"}", 0),
		     0);
	cr_expect_eq(metric_wait("infergate_backend_weight{service=\"chat\",backend=\"h2\"}", 8000),
		     8000);
	spread(60, c);
	cr_expect_eq(c[0], 0);
	cr_expect_eq(c[1], 0, "h1 still got %d new connections at 2 s estimated TTFT", c[1]);
}

/* health: {type: none}: no checks, so a backend whose server is gone stays
 * up (the operator said so), where the default TCP check takes it down. */
/* Without health checks a backend stays up while its server answers; once
 * the server's metrics port refuses a scrape it is out at once, and back
 * with the first good scrape. */
Test(agent, health_type_none_keeps_a_backend_up_until_its_server_refuses)
{
	char mfile[96];
	int c[NHOSTS + 1];

	cr_assert_eq(netns_run(NULL,
			       "sed -i 's/health: {type: tcp, [^}]*}/health: {type: none}/' %s",
			       conf),
		     0);
	cr_assert_eq(kill(agent_pid(), SIGHUP), 0);
	cr_expect_eq(metric_wait("infergate_config_reloads_total{result=\"ok\"}", 1), 1);
	usleep(1000 * 1000); /* five intervals of the check it no longer has */
	cr_expect_eq(metric("infergate_backend_up{service=\"chat\",backend=\"h2\"}"), 1);
	cr_assert_eq(netns_run(lab.h[1], "pkill -f 'httpd.py 0.0.0.0 80 h[2]'"), 0);
	cr_expect_eq(metric_wait("infergate_backend_up{service=\"chat\",backend=\"h2\"}", 0), 0);
	cr_expect_eq(metric("infergate_health_errors_total{service=\"chat\",backend=\"h2\"}"), 0);
	cr_expect_geq(metric("infergate_backend_refusals_total{service=\"chat\",backend=\"h2\"}"),
		      1);
	spread(30, c);
	cr_expect_eq(c[0], 0, "%d connections failed", c[0]);
	cr_expect_eq(c[2], 0);
	snprintf(mfile, sizeof(mfile), "%s/h2.prom", dir);
	cr_assert_eq(lab_host_httpd(&lab, 2, "0.0.0.0", 80, "h2", mfile), 0);
	cr_expect_eq(metric_wait("infergate_backend_up{service=\"chat\",backend=\"h2\"}", 1), 1);
}

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* A refused port is an answer: the backend leaves new-connection steering
 * at the first refused probe or scrape, although `fall` failed health checks
 * at this interval would take 3 x 5 s. */
Test(agent, a_refused_port_takes_a_backend_out_at_once)
{
	int c[NHOSTS + 1];
	double t0, t1;

	cr_assert_eq(netns_run(NULL,
			       "sed -i 's/interval: 200ms, timeout: 150ms, fall: 2/interval: 5s, "
			       "timeout: 1s, fall: 3/' %s",
			       conf),
		     0);
	cr_assert_eq(kill(agent_pid(), SIGHUP), 0);
	cr_expect_eq(metric_wait("infergate_config_reloads_total{result=\"ok\"}", 1), 1);
	usleep(700 * 1000); /* two scrapes after the reload */
	cr_expect_eq(metric("infergate_backend_up{service=\"chat\",backend=\"h2\"}"), 1);
	t0 = mono_s();
	cr_assert_eq(netns_run(lab.h[1], "pkill -f 'httpd.py 0.0.0.0 80 h[2]'"), 0);
	cr_expect_eq(metric_wait("infergate_backend_up{service=\"chat\",backend=\"h2\"}", 0), 0);
	t1 = mono_s();
	cr_expect_lt(t1 - t0, 5.0, "out after %.1f s: that is the fall count, not the refusal",
		     t1 - t0);
	cr_expect_geq(metric("infergate_backend_refusals_total{service=\"chat\",backend=\"h2\"}"),
		      1);
	spread(60, c);
	cr_expect_eq(c[0], 0, "%d connections failed", c[0]);
	cr_expect_eq(c[2], 0, "the dead h2 still got %d new connections", c[2]);
}

/* The configuration as a Kubernetes ConfigMap mounts it: the file is a
 * symlink through `..data`, which the kubelet swaps to a new directory.
 * The agent reloads on the swap, without SIGHUP. */
Test(agent, a_configmap_symlink_swap_reloads)
{
	char cm[128], cmconf[160];

	snprintf(cm, sizeof(cm), "%s/cm", dir);
	snprintf(cmconf, sizeof(cmconf), "%s/infergate.yaml", cm);
	cr_assert_eq(netns_run(NULL,
			       "mkdir -p %s/..v1 && cp %s %s/..v1/infergate.yaml && "
			       "ln -s ..v1 %s/..data && ln -s ..data/infergate.yaml %s",
			       cm, conf, cm, cm, cmconf),
		     0);
	cr_assert_eq(kill(agent_pid(), SIGTERM), 0);
	usleep(300 * 1000);
	cr_assert_eq(lab_agent_start(&lab, agent_bin, cmconf, root, dir), 0);
	cr_expect_eq(metric_wait("infergate_config_reloads_total{result=\"ok\"}", 0), 0);
	/* The kubelet's update: a new directory, then ..data renamed over. */
	cr_assert_eq(netns_run(NULL,
			       "mkdir %s/..v2 && sed 's/capacity: 10/capacity: 12/' "
			       "%s/..v1/infergate.yaml > %s/..v2/infergate.yaml && "
			       "ln -s ..v2 %s/..data_tmp && mv -T %s/..data_tmp %s/..data",
			       cm, cm, cm, cm, cm, cm),
		     0);
	cr_expect_eq(metric_wait("infergate_config_reloads_total{result=\"ok\"}", 1), 1,
		     "the swap was not applied");
	/* Another file of the directory changing is no reason to reload. */
	cr_assert_eq(netns_run(NULL, "touch %s/unrelated", cm), 0);
	usleep(600 * 1000);
	cr_expect_eq(metric("infergate_config_reloads_total{result=\"ok\"}"), 1);
}

/* infergatectl against this agent's pins, by name; its output in out. */
static char ctl_out[8192];
static int ctl_run(const char *args)
{
	char bin[300];

	snprintf(bin, sizeof(bin), "%s", agent_bin);
	*strrchr(bin, '/') = '\0';
	return netns_run_output(NULL, ctl_out, sizeof(ctl_out), "%s/infergatectl --pin-root %s %s",
				bin, root, args);
}

static bool h2_draining(void)
{
	return !ctl_run("--json backends") &&
	       strstr(ctl_out, "\"name\":\"h2\",\"service\":1,\"addr\":\"198.18.12.2\",\"state\":"
			       "\"draining\",\"operator\":{\"drain\":true,");
}

/* A drain asked with infergatectl is a standing request: the agent keeps it
 * over its intervals (it used to write `active` back within one) and over a
 * restart, until undrain lifts it. */
Test(agent, a_drain_lasts_across_intervals_and_restarts)
{
	int c[NHOSTS + 1];

	cr_assert_eq(ctl_run("drain h2"), 0, "%s", ctl_out);
	cr_expect(strstr(ctl_out, "the agent keeps it until `infergatectl undrain h2`"), "%s",
		  ctl_out);
	usleep(1200 * 1000); /* four telemetry intervals (300 ms) */
	cr_expect(h2_draining(), "h2 lost its drain: %s", ctl_out);
	cr_expect_eq(metric_wait("infergate_backend_drained{service=\"chat\",backend=\"h2\"}", 1),
		     1);
	spread(30, c);
	cr_expect_eq(c[0], 0);
	cr_expect_eq(c[2], 0, "a drained backend got %d new connections", c[2]);

	cr_assert_eq(kill(agent_pid(), SIGTERM), 0);
	usleep(300 * 1000);
	agent_launch();
	usleep(1000 * 1000);
	cr_expect(h2_draining(), "the restart lost the drain: %s", ctl_out);
	cr_expect_eq(metric_wait("infergate_backend_drained{service=\"chat\",backend=\"h2\"}", 1),
		     1);

	cr_assert_eq(ctl_run("undrain h2"), 0, "%s", ctl_out);
	cr_expect_eq(metric_wait("infergate_backend_drained{service=\"chat\",backend=\"h2\"}", 0),
		     0);
	spread(60, c);
	cr_expect_gt(c[2], 0, "h2 gets connections again once undrained");
}

/* A label value from the file with a quote, a backslash and a newline in
 * it (a governance.host_maps path) is escaped on the page: promtool, like
 * Prometheus, accepts the whole page (a raw quote made it drop the scrape). */
Test(agent, hostile_label_values_are_escaped_on_the_page)
{
	char page[128];

	cr_assert_eq(
		netns_run(NULL,
			  "printf 'governance:\\n  host_maps: [\"/tmp/ig \\\\\"x\\\\\\\\y\"]\\n' "
			  ">> %s",
			  conf),
		0);
	cr_assert_eq(kill(agent_pid(), SIGHUP), 0);
	cr_assert_eq(metric_wait("infergate_config_reloads_total{result=\"ok\"}", 1), 1,
		     "the reload with the hostile path was rejected");
	snprintf(page, sizeof(page), "%s/metrics.txt", dir);
	usleep(1200 * 1000); /* the next rendering */
	cr_assert_eq(netns_run(lab.gw, "curl -sf http://127.0.0.1:9469/metrics -o %s", page), 0);
	cr_expect_eq(netns_run(NULL,
			       "grep -qF 'infergate_host_maps_up{dir=\"/tmp/ig \\\"x\\\\y\"} 0' %s",
			       page),
		     0, "the escaped line is not on the page");
	cr_expect_eq(netns_run(NULL, "promtool check metrics < %s", page), 0,
		     "promtool rejects the page");
}
