// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Token governance in the lab, with infergated running the gateway (entered
 * with nsenter --net, its own --pin-root): tenant B floods new connections
 * far above its rate while tenant A connects at a normal rate (A keeps its
 * connections, B is held to burst + rate x time); with the backends'
 * telemetry saturated, new batch connections are refused before standard
 * ones and interactive ones never; a tenant whose responses (counted by
 * tc_host_egress on its GPU host) run over its token budget is throttled
 * within two agent intervals and released once back under budget.
 *
 * Connections come from a small opener in a child that setns()'s into the
 * client namespace (non-blocking connect, closed with a RST once up), and
 * the servers are children in the hosts' namespaces: a sink that accepts and
 * closes, and a streamer that sends a fixed rate for a while. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "tests/lib/fixture.h"
#include "tools/lab/lab.h"

#define NHOSTS 3
#define VIP_AI "198.19.0.10" /* tenant a, interactive */
#define VIP_AS "198.19.0.11" /* tenant a, standard */
#define VIP_AB "198.19.0.12" /* tenant a, batch */
#define VIP_B "198.19.0.20" /* tenant b: conn_rate 200/s, burst 100, rst */
#define VIP_C "198.19.0.30" /* tenant c: 25000 tokens per 1s window */
#define VIP_D "198.19.0.31" /* tenant d: 25000 tokens per flow per 1s window */
#define B_RATE 200
#define B_BURST 100
#define C_TOKENS 25000
#define INTERVAL_MS 200
#define IDLE                                              \
	"vllm:num_requests_waiting{model_name=\"m\"} 0\n" \
	"vllm:num_requests_running{model_name=\"m\"} 1\n" \
	"vllm:kv_cache_usage_perc{model_name=\"m\"} 0.1\n"
#define HALF /* load 0.6: between shed_batch_at 0.5 and shed_standard_at 0.9 */ \
	"vllm:num_requests_waiting{model_name=\"m\"} 3\n"                       \
	"vllm:num_requests_running{model_name=\"m\"} 8\n"                       \
	"vllm:kv_cache_usage_perc{model_name=\"m\"} 0.4\n"
#define FULL /* load 1 */                                  \
	"vllm:num_requests_waiting{model_name=\"m\"} 20\n" \
	"vllm:num_requests_running{model_name=\"m\"} 8\n"  \
	"vllm:kv_cache_usage_perc{model_name=\"m\"} 0.95\n"

static struct lab lab;
static struct dp_maps gw; /* the agent's pinned maps */
static struct dp_maps h3; /* h3's tc_host_egress maps (the lab owns them) */
static bool gw_open;
static char dir[64], root[128], base[96], hmaps[128], conf[128], agent_bin[256];
static pid_t servers[NHOSTS + 1];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The backends of tenant a's three services read this file (file:// source). */
static void metrics_set(const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/a.prom", dir);
	fx_write_atomic(path, text); /* the server never reads half a file */
}

/* ---- processes in the lab's namespaces ---- */

/* In a forked child: into ns for good, or out. */
static void enter_ns(const char *ns)
{
	if (netns_enter(ns) < 0)
		_exit(90);
}

static int tcp_socket(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (s < 0)
		_exit(91);
	return s;
}

static void close_rst(int s)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s);
}

struct stream_args {
	int kb_per_tick, ms;
};

static void serve_stream(int c, void *arg)
{
	const struct stream_args *a = arg;
	static char buf[65536];
	double end;

	/* Only a reader that asks gets the stream: health checks and the
	 * opener's connections send nothing. */
	fcntl(c, F_SETFL, 0);
	if (read(c, buf, 1) != 1) {
		close(c);
		return;
	}
	end = now_s() + a->ms / 1000.0;
	while (now_s() < end) {
		if (send(c, buf, a->kb_per_tick * 1024, MSG_NOSIGNAL) < 0)
			break;
		usleep(100 * 1000);
	}
	close(c);
}

/* A server on 0.0.0.0:80 in host h: with kb_per_tick 0 it accepts and
 * closes (a sink with a deep backlog); otherwise every connection gets
 * kb_per_tick KiB each 100 ms for ms milliseconds. */
static void server_start(int h, int kb_per_tick, int ms)
{
	struct stream_args a = { kb_per_tick, ms };

	servers[h] = netns_tcp_server(lab.h[h - 1], 80, kb_per_tick ? serve_stream : NULL, &a);
	cr_assert_gt(servers[h], 0, "server on h%d: %s", h, strerror(-servers[h]));
}

struct opened {
	int ok, fail, timeout;
	double span; /* seconds from the first connect() to the last */
};

struct pending {
	int fd;
	double deadline;
};

/* Start a connect; a connection up or refused at once is counted here. */
static void opener_start(const struct sockaddr_in *sa, int timeout_ms, struct pending *p, int *np,
			 struct opened *r)
{
	int s = tcp_socket();

	if (!connect(s, (const struct sockaddr *)sa, sizeof(*sa))) {
		r->ok++;
		close_rst(s);
	} else if (errno != EINPROGRESS) {
		r->fail++;
		close(s);
	} else {
		p[(*np)++] = (struct pending){ s, now_s() + timeout_ms / 1000.0 };
	}
}

/* Settle what completed or timed out; keeps the rest in p. */
static void opener_reap(struct pending *p, struct pollfd *pf, int *np, struct opened *r)
{
	double t = now_s();
	int j = 0;

	for (int i = 0; i < *np; i++) {
		pf[i] = (struct pollfd){ .fd = p[i].fd, .events = POLLOUT };
	}
	poll(pf, *np, 1);
	for (int i = 0; i < *np; i++) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (pf[i].revents) {
			getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
			err ? r->fail++ : r->ok++;
			close_rst(p[i].fd);
		} else if (t > p[i].deadline) {
			r->fail++;
			r->timeout++;
			close(p[i].fd);
		} else {
			p[j++] = p[i];
		}
	}
	*np = j;
}

/* In the client namespace: n connections to vip:80, rate per second (0: as
 * fast as they can be started), each given timeout_ms to come up. */
static void opener_run(const char *vip, int n, int rate, int timeout_ms, int out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct rlimit rl = { 65536, 65536 };
	struct pending *p = calloc(n, sizeof(*p));
	struct pollfd *pf = calloc(n, sizeof(*pf));
	struct opened r = {};
	double t0, last = 0, next;
	int np = 0, started = 0;

	enter_ns(lab.cl);
	setrlimit(RLIMIT_NOFILE, &rl);
	inet_pton(AF_INET, vip, &sa.sin_addr);
	t0 = next = now_s();
	while (started < n || np) {
		while (started < n && now_s() >= next && np < 4096) {
			last = now_s();
			opener_start(&sa, timeout_ms, p, &np, &r);
			started++;
			next = rate ? t0 + (double)started / rate : 0;
		}
		opener_reap(p, pf, &np, &r);
	}
	r.span = last - t0;
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(93);
	_exit(0);
}

struct opener {
	pid_t pid;
	int fd;
};

static struct opener opener_fork(const char *vip, int n, int rate, int timeout_ms)
{
	struct opener o;
	int fds[2];

	cr_assert_eq(pipe(fds), 0);
	o.pid = fork();
	cr_assert_geq(o.pid, 0);
	if (!o.pid) {
		close(fds[0]);
		opener_run(vip, n, rate, timeout_ms, fds[1]);
	}
	close(fds[1]);
	o.fd = fds[0];
	return o;
}

static struct opened opener_wait(struct opener o)
{
	struct opened r = {};
	int status;

	cr_assert_eq(read(o.fd, &r, sizeof(r)), sizeof(r), "the opener failed");
	close(o.fd);
	waitpid(o.pid, &status, 0);
	return r;
}

static struct opened open_conns(const char *vip, int n, int rate, int timeout_ms)
{
	return opener_wait(opener_fork(vip, n, rate, timeout_ms));
}

/* In the client namespace: read from vip:80 until the server closes. */
static pid_t reader_fork(const char *vip)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	static char buf[65536];
	pid_t pid = fork();
	int s;

	cr_assert_geq(pid, 0);
	if (pid)
		return pid;
	enter_ns(lab.cl);
	inet_pton(AF_INET, vip, &sa.sin_addr);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) || write(s, "G", 1) != 1)
		_exit(94);
	while (read(s, buf, sizeof(buf)) > 0)
		;
	_exit(0);
}

/* ---- the agent ---- */

static void write_config(int b_rate, const char *extra)
{
	static const struct {
		const char *name, *vip, *tenant, *prio, *metrics;
		int host, vni;
	} svc[] = {
		{ "a-inter", VIP_AI, "a", "interactive", "a.prom", 1, 100 },
		{ "a-std", VIP_AS, "a", "standard", "a.prom", 1, 100 },
		{ "a-batch", VIP_AB, "a", "batch", "a.prom", 1, 100 },
		{ "b-chat", VIP_B, "b", "standard", NULL, 2, 200 },
		{ "c-chat", VIP_C, "c", "standard", NULL, 3, 300 },
		{ "d-chat", VIP_D, "d", "standard", NULL, 3, 400 },
	};
	char text[8192];
	int n;

	n = snprintf(text, sizeof(text),
		     "interfaces:\n  - name: g0\n    role: gateway\n"
		     "gateway:\n  vtep: " LAB_GW_VTEP "\n"
		     "tenants:\n"
		     "  - {name: a, id: 1, vni: 100, limits: {refuse: rst}}\n"
		     "  - name: b\n    id: 2\n    vni: 200\n"
		     "    limits: {conn_rate: %d, conn_burst: %d, refuse: rst}\n"
		     "  - name: c\n    id: 3\n    vni: 300\n    limits: {refuse: rst}\n"
		     "    budget: {tokens: %d, window: 1s}\n"
		     "  - name: d\n    id: 4\n    vni: 400\n"
		     "    budget: {flow_tokens: %d, window: 1s}\n"
		     "services:\n",
		     b_rate, B_BURST, C_TOKENS, C_TOKENS);
	for (size_t i = 0; i < sizeof(svc) / sizeof(svc[0]); i++) {
		n += snprintf(text + n, sizeof(text) - n,
			      "  - name: %s\n    id: %zu\n    vip: %s\n    port: 80\n"
			      "    tenant: %s\n    priority: %s\n    backends:\n"
			      "      - name: %s-0\n        id: %zu\n        vtep: 198.18.%d.2\n"
			      "        capacity: 10\n        inner_mac: 02:00:00:%02x:%02x:%02x\n",
			      svc[i].name, i + 1, svc[i].vip, svc[i].tenant, svc[i].prio,
			      svc[i].name, i + 1, 10 + svc[i].host, svc[i].vni >> 8,
			      svc[i].vni & 0xff, svc[i].host);
		if (svc[i].metrics)
			n += snprintf(text + n, sizeof(text) - n,
				      "        metrics:\n          - url: file://%s/%s\n"
				      "            format: vllm\n",
				      dir, svc[i].metrics);
	}
	snprintf(text + n, sizeof(text) - n,
		 "telemetry:\n  interval: %dms\n  timeout: 150ms\n  stale_after: 3\n"
		 "governance:\n  shed_batch_at: 0.5\n  shed_standard_at: 0.9\n"
		 "  bytes_per_token: 4\n  host_maps: [%s, %s/gone]\n%s"
		 "metrics:\n  listen: 127.0.0.1:9469\n",
		 INTERVAL_MS, hmaps, base, extra);
	fx_write_file(conf, text);
}

static void agent_launch(void)
{
	char maps[160];

	cr_assert_eq(lab_agent_start(&lab, agent_bin, conf, root, dir), 0,
		     "the agent did not come up (see %s/agent.log)", dir);
	snprintf(maps, sizeof(maps), "%s/maps", root);
	cr_assert_eq(dp_open_pinned(&gw, maps), 0, "the agent's maps in %s", maps);
	gw_open = true;
}

static double metric(const char *line)
{
	return lab_metric(&lab, line);
}

static double metric_wait(const char *line, double want)
{
	return lab_metric_wait(&lab, line, want, 40);
}

static double metric_wait_min(const char *line, double min)
{
	double v = -1;

	for (int t = 0; t < 40 && v < min; t++) {
		v = metric(line);
		if (v < min)
			usleep(100 * 1000);
	}
	return v;
}

static __u64 refused(__u32 tenant, __u32 reason)
{
	__u64 n = 0;

	cr_assert_eq(dp_tenant_drops(&gw, tenant, reason, &n), 0);
	return n;
}

static __u64 tn_new_conns(__u32 tenant)
{
	__u64 n = 0;

	cr_assert_eq(dp_percpu_sum(gw.tn_stats, tenant, offsetof(struct ig_traffic, new_conns), &n),
		     0);
	return n;
}

static bool throttled(__u32 tenant)
{
	struct ig_tenant t;

	cr_assert_eq(dp_tenant_get(&gw, tenant, &t), 0);
	return t.flags & IG_TENANT_F_THROTTLED;
}

/* ---- the lab ---- */

static void setup(void)
{
	const char *build = getenv("IG_BUILD") ?: "build";

	fx_require_root();
	snprintf(dir, sizeof(dir), "/tmp/ig-govern-XXXXXX");
	cr_assert(mkdtemp(dir));
	snprintf(base, sizeof(base), "/sys/fs/bpf/ig-govern-%d", getpid());
	snprintf(root, sizeof(root), "%s/v%d", base, IG_ABI_VERSION);
	snprintf(hmaps, sizeof(hmaps), "%s/h3", base);
	snprintf(conf, sizeof(conf), "%s/infergate.yaml", dir);
	cr_assert(realpath(build, agent_bin));
	strcat(agent_bin, "/infergated");
	cr_assert_eq(netns_run(NULL, "mkdir -p %s", base), 0);
	metrics_set(IDLE);
	cr_assert_eq(lab_create(&lab, NHOSTS), 0);
	cr_assert_eq(lab_client_xdp_pass(&lab), 0, "refusals are RSTs: the client must get them");
	cr_assert_eq(lab_host_vni(&lab, 1, 100, VIP_AI), 0);
	cr_assert_eq(netns_run(lab.h[0], "ip addr add " VIP_AS "/32 dev vx100 && "
					 "ip addr add " VIP_AB "/32 dev vx100"),
		     0);
	cr_assert_eq(lab_host_vni(&lab, 2, 200, VIP_B), 0);
	cr_assert_eq(lab_host_vni(&lab, 3, 300, VIP_C), 0);
	cr_assert_eq(lab_host_vni(&lab, 3, 400, VIP_D), 0);
	cr_assert_eq(lab_host_egress(&lab, 3, hmaps, 3, VIP_C, &h3), 0,
		     "tc_host_egress on h3 (maps pinned in %s)", hmaps);
	cr_assert_eq(lab_host_egress(&lab, 3, hmaps, 4, VIP_D, NULL), 0);
	server_start(1, 0, 0);
	server_start(2, 0, 0);
	server_start(3, 64, 2000); /* 640 KiB/s: about 160000 tokens/s, 6x c's budget */
	write_config(B_RATE, "");
	agent_launch();
}

static void teardown(void)
{
	if (gw_open)
		dp_close(&gw);
	gw_open = false;
	netns_run(NULL, "kill $(cat %s/agent.pid) 2>/dev/null; sleep 0.3", dir);
	for (int h = 1; h <= NHOSTS; h++)
		if (servers[h] > 0)
			kill(servers[h], SIGKILL);
	lab_destroy(&lab);
	netns_run(NULL, "tail -n 40 %s/agent.log >&2; rm -rf %s %s", dir, dir, base);
}

TestSuite(govern_lab, .init = setup, .fini = teardown, .timeout = 60);

/* ---- the tests ---- */

Test(govern_lab, a_flood_is_held_to_its_rate_and_others_keep_connecting)
{
	const int secs = 2, flood_rate = 3000, a_rate = 100;
	__u64 b0 = tn_new_conns(2), r0 = refused(2, IG_DROP_TN_CONN_RATE), admitted, rate_refused;
	struct opener a, b;
	struct opened ra, rb;
	double want;

	b = opener_fork(VIP_B, secs * flood_rate, flood_rate, 1000);
	a = opener_fork(VIP_AI, secs * a_rate, a_rate, 1000);
	ra = opener_wait(a);
	rb = opener_wait(b);
	admitted = tn_new_conns(2) - b0;
	rate_refused = refused(2, IG_DROP_TN_CONN_RATE) - r0;
	want = B_BURST + B_RATE * rb.span;
	cr_log_info("a: %d of %d up; b: %d up, %d refused (%d timed out) in %.2fs: %llu admitted, "
		    "%llu refused (tenant-conn-rate), want %.0f admitted",
		    ra.ok, ra.ok + ra.fail, rb.ok, rb.fail, rb.timeout, rb.span,
		    (unsigned long long)admitted, (unsigned long long)rate_refused, want);

	cr_expect_geq(ra.ok * 100, 99 * (ra.ok + ra.fail), "a: only %d of %d connections up", ra.ok,
		      ra.ok + ra.fail);
	cr_expect_gt(rb.ok + rb.fail, (int)(secs * flood_rate * 0.9), "the flood was too slow");
	cr_expect(admitted >= want * 0.95 && admitted <= want * 1.05,
		  "b: %llu admitted, want %.0f +- 5%% (burst %d + %d/s x %.2fs)",
		  (unsigned long long)admitted, want, B_BURST, B_RATE, rb.span);
	cr_expect_eq(admitted + rate_refused, (__u64)(rb.ok + rb.fail),
		     "every SYN of b is admitted or refused for its rate");
	cr_expect(abs(rb.ok - (int)admitted) <= 2, "b: %d up at the client, %llu admitted", rb.ok,
		  (unsigned long long)admitted);
	cr_expect_eq(metric_wait("infergate_tenant_refusals_total{tenant=\"b\",reason=\"tenant-"
				 "conn-rate\"}",
				 (double)rate_refused),
		     (double)rate_refused);
	cr_expect_eq(rb.timeout, 0, "b's refusals are RSTs: none may time out");
	cr_expect_eq(refused(1, IG_DROP_TN_CONN_RATE), 0, "a was never refused");
}

static void expect_served(const char *what, const char *vip, bool served)
{
	struct opened r = open_conns(vip, 20, 0, 500);

	if (served)
		cr_expect_eq(r.ok, 20, "%s: %d of 20 connections up", what, r.ok);
	else
		cr_expect_eq(r.ok, 0, "%s: %d of 20 connections up while shed", what, r.ok);
}

Test(govern_lab, saturation_sheds_batch_then_standard_never_interactive)
{
	__u64 sb, ss;

	expect_served("interactive, idle", VIP_AI, true);
	expect_served("standard, idle", VIP_AS, true);
	expect_served("batch, idle", VIP_AB, true);

	metrics_set(HALF);
	cr_assert_eq(metric_wait("infergate_service_shed_level{service=\"a-batch\"}", 1), 1);
	cr_expect_eq(metric("infergate_service_shed_level{service=\"a-std\"}"), 1);
	sb = refused(1, IG_DROP_SHED_BATCH);
	expect_served("batch, saturation 0.6", VIP_AB, false);
	expect_served("standard, saturation 0.6", VIP_AS, true);
	expect_served("interactive, saturation 0.6", VIP_AI, true);
	cr_expect_eq(refused(1, IG_DROP_SHED_BATCH) - sb, 20);

	metrics_set(FULL);
	cr_assert_eq(metric_wait("infergate_service_shed_level{service=\"a-std\"}", 2), 2);
	ss = refused(1, IG_DROP_SHED_STANDARD);
	expect_served("batch, saturated", VIP_AB, false);
	expect_served("standard, saturated", VIP_AS, false);
	expect_served("interactive, saturated", VIP_AI, true);
	cr_expect_eq(refused(1, IG_DROP_SHED_STANDARD) - ss, 20);
	cr_expect_eq(metric("infergate_service_saturation{service=\"a-inter\"}"), 1);

	metrics_set(IDLE);
	cr_assert_eq(metric_wait("infergate_service_shed_level{service=\"a-batch\"}", 0), 0);
	expect_served("batch, idle again", VIP_AB, true);
	expect_served("standard, idle again", VIP_AS, true);
	cr_expect_eq(refused(2, IG_DROP_SHED_BATCH) + refused(2, IG_DROP_SHED_STANDARD), 0,
		     "b's service has no telemetry: never shed");
}

Test(govern_lab, a_runaway_tenant_is_throttled_and_released)
{
	double t0, t_on = -1, t_end, t_off = -1;
	__u64 thr0;
	pid_t rd;
	int status;

	expect_served("c before", VIP_C, true);
	cr_expect_not(throttled(3));
	t0 = now_s();
	rd = reader_fork(VIP_C); /* a 2 s stream at about 6x the budget */
	while (now_s() - t0 < 2.0 && t_on < 0) {
		if (throttled(3))
			t_on = now_s() - t0;
		usleep(5 * 1000);
	}
	cr_log_info("c throttled after %.0f ms (interval %d ms)", t_on * 1000, INTERVAL_MS);
	cr_assert_geq(t_on, 0, "c was never throttled");
	cr_expect_leq(t_on * 1000, 2 * INTERVAL_MS + 100, "throttled after %.0f ms", t_on * 1000);
	thr0 = refused(3, IG_DROP_TN_THROTTLED);
	expect_served("c while throttled", VIP_C, false);
	cr_expect_eq(refused(3, IG_DROP_TN_THROTTLED) - thr0, 20);
	cr_expect_eq(metric_wait("infergate_tenant_throttled{tenant=\"c\"}", 1), 1);
	expect_served("a while c is throttled", VIP_AI, true);

	waitpid(rd, &status, 0); /* the stream ends (established flows are not cut) */
	cr_expect(WIFEXITED(status) && !WEXITSTATUS(status), "the stream was cut");
	t_end = now_s();
	while (now_s() - t_end < 3.0 && t_off < 0) {
		if (!throttled(3))
			t_off = now_s() - t_end;
		usleep(10 * 1000);
	}
	cr_log_info("c released %.0f ms after its stream ended (window 1 s)", t_off * 1000);
	cr_assert_geq(t_off, 0, "c was not released");
	cr_expect_geq(t_off * 1000, 1000 - 2 * INTERVAL_MS,
		      "released before a window under budget");
	expect_served("c after", VIP_C, true);
	cr_expect_eq(metric_wait("infergate_runaway_actions_total{action=\"tenant_released\"}", 1),
		     1);
	cr_expect_eq(metric("infergate_runaway_actions_total{action=\"tenant_throttled\"}"), 1);
	cr_expect_gt(metric("infergate_tenant_response_bytes_total{tenant=\"c\"}"), 1000000);
}

/* Tenant d's response flow in h3's ig_flow_resp. */
static bool flow_of_d(struct ig_flow_usage *u)
{
	struct ig_conn_key k, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(h3.flow_resp, prev, &next)) {
		k = next;
		prev = &k;
		if (k.tenant == 4 && k.sport == htons(80) &&
		    !bpf_map_lookup_elem(h3.flow_resp, &k, u))
			return true;
	}
	return false;
}

Test(govern_lab, a_runaway_flow_is_cut_at_the_host_and_let_go)
{
	struct ig_flow_usage u;
	double t0, t_cut = -1, t_lift = -1;
	__u64 cut_drops = 0;
	char line[256];
	pid_t rd;

	t0 = now_s();
	rd = reader_fork(VIP_D); /* one flow at about 6x its budget */
	while (now_s() - t0 < 2.0 && t_cut < 0) {
		if (flow_of_d(&u) && (u.flags & IG_FLOW_F_CUT))
			t_cut = now_s() - t0;
		usleep(5 * 1000);
	}
	cr_log_info("d's flow cut after %.0f ms (interval %d ms)", t_cut * 1000, INTERVAL_MS);
	cr_assert_geq(t_cut, 0, "d's flow was never cut");
	cr_expect_leq(t_cut * 1000, 2 * INTERVAL_MS + 100, "cut after %.0f ms", t_cut * 1000);
	usleep(300 * 1000);
	cr_assert_eq(dp_tenant_drops(&h3, 4, IG_DROP_RUNAWAY_CUT, &cut_drops), 0);
	cr_expect_gt(cut_drops, 0, "the host dropped nothing of the cut flow");
	cr_expect_not(throttled(4), "a flow budget alone never throttles the tenant");
	cr_expect_geq(metric_wait_min("infergate_runaway_actions_total{action=\"flow_cut\"}", 1),
		      1);
	while (now_s() - t0 < 4.0 && t_lift < 0) {
		if (flow_of_d(&u) && !(u.flags & IG_FLOW_F_CUT))
			t_lift = now_s() - t0 - t_cut;
		usleep(10 * 1000);
	}
	cr_log_info("d's flow let go %.0f ms after its cut (window 1 s)", t_lift * 1000);
	cr_expect_geq(t_lift * 1000, 1000 - INTERVAL_MS, "let go before a window under budget");
	cr_expect_geq(
		metric_wait_min("infergate_runaway_actions_total{action=\"flow_released\"}", 1), 1);
	snprintf(line, sizeof(line), "infergate_host_maps_up{dir=\"%s/gone\"}", base);
	cr_expect_eq(metric(line), 0, "a dead host_maps directory shows as down");
	snprintf(line, sizeof(line), "infergate_host_maps_up{dir=\"%s\"}", hmaps);
	cr_expect_eq(metric(line), 1);
	kill(rd, SIGKILL);
	waitpid(rd, NULL, 0);
}

Test(govern_lab, limits_follow_a_reload_and_a_bad_file_changes_nothing)
{
	const char *rate = "infergate_tenant_connection_rate_limit{tenant=\"b\"}";
	struct ig_tenant t;
	char pid[32];

	cr_assert_eq(netns_run_output(NULL, pid, sizeof(pid), "cat %s/agent.pid", dir), 0);
	/* Throttles in force (as a previous agent leaves them): c's, with a
	 * budget, is adopted and lifted after a window under budget; b has
	 * no budget, so its throttle goes with the reload. */
	for (__u32 id = 2; id <= 3; id++) {
		cr_assert_eq(dp_tenant_get(&gw, id, &t), 0);
		t.flags |= IG_TENANT_F_THROTTLED;
		cr_assert_eq(dp_tenant_put(&gw, id, &t), 0);
	}
	write_config(2 * B_RATE, "");
	cr_assert_eq(kill(atoi(pid), SIGHUP), 0);
	cr_expect_eq(metric_wait(rate, 2 * B_RATE), 2 * B_RATE);
	cr_expect_not(throttled(2), "b has no budget: its throttle is lifted by the reload");
	cr_expect(throttled(3), "c's throttle is adopted");
	for (int i = 0; i < 300 && throttled(3); i++)
		usleep(10 * 1000);
	cr_expect_not(throttled(3), "c was not released after a window under budget");
	cr_assert_eq(dp_tenant_get(&gw, 2, &t), 0);
	cr_expect_eq(t.conn_rate, 2 * B_RATE);
	cr_expect_eq(t.conn_burst, B_BURST);
	cr_expect(t.flags & IG_TENANT_F_RST);
	cr_expect(t.flags & IG_TENANT_F_LIMITED);

	/* A governance section with a mistake: rejected, the limits stay. */
	write_config(3 * B_RATE, "  cut_runaway_flows: maybe\n");
	cr_assert_eq(kill(atoi(pid), SIGHUP), 0);
	cr_expect_eq(metric_wait("infergate_config_reloads_total{result=\"rejected\"}", 1), 1);
	cr_assert_eq(dp_tenant_get(&gw, 2, &t), 0);
	cr_expect_eq(t.conn_rate, 2 * B_RATE);
	cr_expect_eq(metric(rate), 2 * B_RATE);
}
