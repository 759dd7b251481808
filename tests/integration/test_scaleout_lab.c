// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Scale-out (issue #21, docs/scale-out.md) with real FRR: a client behind a
 * router (FRR bgpd + zebra, ECMP with the L4 hash) in front of two gateways,
 * each a machine of its own (XDP datapath, its own infergated with its own
 * file and pin root, its own FRR announcing what the agent puts in table
 * 100), and three GPU hosts (kernel vxlan, streaming HTTP servers, direct
 * server return through the router).
 *
 *   cl 198.18.0.2 -- r0 [rt] r1 -- g0 [gw1]  u0 198.18.10.11 --+
 *                            r2 -- g0 [gw2]  u0 198.18.10.12 --+- br0 [rt] 198.18.10.1
 *                                     hosts e0 198.18.10.2{1,2,3} --+
 *
 * gw<g>'s client side is 198.18.<g>.2 with the router at 198.18.<g>.1; BGP
 * runs there (gateways AS 65001, router AS 65000, keepalive 1 s, hold 3 s).
 * The router reaches the hosts on its bridge, which is how their replies
 * (from the VIP, to the client) go back. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "maps/ig_abi.h"
#include "tests/lib/fixture.h"
#include "tools/lab/frr.h"
#include "tools/lab/lab.h"
#include "tools/lab/netns.h"

#define NGW 2
#define NHOSTS 3
#define VIP "198.19.0.10"
#define VNI 100
#define TABLE 100
#define SYNC_PORT 7946
#define STREAMS 200
#define IDLE                                              \
	"vllm:num_requests_waiting{model_name=\"m\"} 0\n" \
	"vllm:num_requests_running{model_name=\"m\"} 1\n" \
	"vllm:kv_cache_usage_perc{model_name=\"m\"} 0.1\n"
#define BUSY                                               \
	"vllm:num_requests_waiting{model_name=\"m\"} 40\n" \
	"vllm:num_requests_running{model_name=\"m\"} 8\n"  \
	"vllm:kv_cache_usage_perc{model_name=\"m\"} 0.95\n"

struct so_gw {
	char ns[NETNS_NAME_MAX];
	struct frr frr;
	char conf[128], pin[128];
	bool agent;
};

static struct {
	char cl[NETNS_NAME_MAX], rt[NETNS_NAME_MAX], h[NHOSTS][NETNS_NAME_MAX];
	struct so_gw gw[NGW];
	struct frr rfrr;
	char dir[64], agent_bin[256];
} so;

static void sh(const char *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sh(const char *ns, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_eq(netns_run(ns, "%s", cmd), 0, "in %s: %s", ns ? ns : "root", cmd);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the machines ---- */

static void so_router(void)
{
	cr_assert_eq(netns_create("cl", so.cl), 0);
	cr_assert_eq(netns_create("rt", so.rt), 0);
	cr_assert_eq(netns_veth(so.cl, "c0", so.rt, "r0"), 0);
	/* TCP through XDP on veth needs checksums filled in by the sender. */
	cr_assert_eq(netns_tx_off(so.cl, "c0"), 0);
	sh(so.cl, "ip addr add 198.18.0.2/24 dev c0 && ip link set c0 up && "
		  "ip route add default via 198.18.0.1");
	/* The L4 hash spreads flows between one client and one VIP; replies
	 * from the hosts come in on br0 while the VIP routes to r1/r2. */
	sh(so.rt, "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1 "
		  "net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 && "
		  "ip addr add 198.18.0.1/24 dev r0 && ip link set r0 up");
	cr_assert_eq(netns_bridge(so.rt, "br0"), 0);
	sh(so.rt, "ip link set br0 mtu 1600 && ip addr add 198.18.10.1/24 dev br0");
}

static void so_metrics_set(int h, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/h%d.prom", so.dir, h);
	fx_write_atomic(path, text);
}

static void so_httpd(int h)
{
	sh(so.h[h - 1],
	   "nohup python3 tests/integration/httpd.py 0.0.0.0 80 h%d %s/h%d.prom "
	   ">/dev/null 2>&1 &",
	   h, so.dir, h);
}

static void so_wait_http(int h)
{
	cr_assert_eq(netns_run(so.h[h - 1],
			       "for t in $(seq 100); do curl -sf -o /dev/null http://%s/ && "
			       "exit 0; sleep 0.1; done; exit 1",
			       VIP),
		     0, "h%d's server does not answer", h);
}

/* A GPU host on the underlay bridge: vxlan decap for VNI 100 with the VIP on
 * it, a streaming server, replies to the client through the router. */
static void so_host(int h)
{
	char *ns = so.h[h - 1], rport[16];

	cr_assert_eq(netns_create("h", ns), 0);
	snprintf(rport, sizeof(rport), "rh%d", h);
	cr_assert_eq(netns_veth(so.rt, rport, ns, "e0"), 0);
	cr_assert_eq(netns_set_master(so.rt, rport, "br0"), 0);
	sh(so.rt, "ip link set %s mtu 1600 up", rport);
	sh(ns,
	   "sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 && "
	   "ip link set e0 mtu 1600 && ip addr add 198.18.10.%d/24 dev e0 && ip link set e0 up && "
	   "ethtool -K e0 gro on >/dev/null && ip route add default via 198.18.10.1 && "
	   "ip link add vx%d address 02:00:00:00:%02x:%02x type vxlan id %d dstport 4789 "
	   "local 198.18.10.%d nolearning && ip link set vx%d up && "
	   "sysctl -qw net.ipv4.conf.vx%d.rp_filter=0 && ip addr add %s/32 dev vx%d",
	   20 + h, VNI, VNI, h, VNI, 20 + h, VNI, VNI, VIP, VNI);
	so_metrics_set(h, IDLE);
	so_httpd(h);
}

/* A gateway machine's links: g0 toward the router (XDP), u0 on the underlay. */
static void so_gateway_links(int g)
{
	struct so_gw *gw = &so.gw[g - 1];
	char r[8], rg[8];

	cr_assert_eq(netns_create("gw", gw->ns), 0);
	snprintf(r, sizeof(r), "r%d", g);
	snprintf(rg, sizeof(rg), "rg%d", g);
	cr_assert_eq(netns_veth(so.rt, r, gw->ns, "g0"), 0);
	cr_assert_eq(netns_veth(so.rt, rg, gw->ns, "u0"), 0);
	cr_assert_eq(netns_tx_off(so.rt, r), 0);
	cr_assert_eq(netns_tx_off(gw->ns, "g0"), 0);
	sh(so.rt, "ip addr add 198.18.%d.1/24 dev %s && ip link set %s up", g, r, r);
	/* GRO gives the veth the NAPI context that receives XDP redirects. */
	sh(so.rt, "ip link set %s mtu 1600 master br0 up && ethtool -K %s gro on >/dev/null", rg,
	   rg);
	sh(gw->ns,
	   "sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 && "
	   "ip addr add 198.18.%d.2/24 dev g0 && ip link set g0 up && "
	   "ip link set u0 mtu 1600 && ip addr add 198.18.10.%d/24 dev u0 && ip link set u0 up && "
	   "ip route add default via 198.18.%d.1",
	   g, 10 + g, g);
}

static void so_frr_router(void)
{
	char conf[2048];
	int n;

	n = snprintf(conf, sizeof(conf),
		     "frr defaults datacenter\nhostname rt\n"
		     "router bgp 65000\n bgp router-id 198.18.0.1\n no bgp ebgp-requires-policy\n"
		     " bgp bestpath as-path multipath-relax\n");
	for (int g = 1; g <= NGW; g++)
		n += snprintf(conf + n, sizeof(conf) - n,
			      " neighbor 198.18.%d.2 remote-as 65001\n"
			      " neighbor 198.18.%d.2 timers 1 3\n"
			      " neighbor 198.18.%d.2 timers connect 1\n",
			      g, g, g);
	snprintf(conf + n, sizeof(conf) - n,
		 " address-family ipv4 unicast\n  maximum-paths 8\n exit-address-family\n");
	cr_assert_eq(frr_start(&so.rfrr, so.rt, FRR_BGPD, conf), 0);
}

/* The gateway's FRR: zebra imports table 100, where the agent puts the VIPs
 * it can serve; bgpd announces them to the router. */
static void so_frr_gateway(int g)
{
	char conf[1024];

	snprintf(conf, sizeof(conf),
		 "frr defaults datacenter\nhostname gw%d\nip import-table %d\n"
		 "router bgp 65001\n bgp router-id 198.18.%d.2\n no bgp ebgp-requires-policy\n"
		 " neighbor 198.18.%d.1 remote-as 65000\n neighbor 198.18.%d.1 timers 1 3\n"
		 " neighbor 198.18.%d.1 timers connect 1\n"
		 " address-family ipv4 unicast\n  redistribute table %d\n exit-address-family\n",
		 g, TABLE, g, g, g, g, TABLE);
	cr_assert_eq(frr_start(&so.gw[g - 1].frr, so.gw[g - 1].ns, FRR_BGPD, conf), 0);
}

/* The agent's file: policy, optional extra root sections (sync:) and
 * announce: lines (announce_more). */
static void so_write_config(int g, const char *policy, const char *extra, const char *announce_more)
{
	char text[4096];
	int n;

	n = snprintf(text, sizeof(text),
		     "interfaces:\n  - name: g0\n    role: gateway\n"
		     "gateway:\n  vtep: 198.18.10.%d\n"
		     "tenants:\n  - name: acme\n    id: 1\n    vni: %d\n"
		     "services:\n  - name: chat\n    id: 1\n    vip: " VIP "\n    port: 80\n"
		     "    tenant: acme\n    policy: %s\n    backends:\n",
		     10 + g, VNI, policy);
	for (int h = 1; h <= NHOSTS; h++)
		n += snprintf(text + n, sizeof(text) - n,
			      "      - name: h%d\n        id: %d\n        vtep: 198.18.10.%d\n"
			      "        capacity: 100\n        inner_mac: 02:00:00:00:%02x:%02x\n"
			      "        metrics:\n"
			      "          - url: http://198.18.10.%d/metrics\n"
			      "            format: vllm\n"
			      "        health: {type: tcp, port: 80, interval: 200ms, "
			      "timeout: 150ms, fall: 2, rise: 2}\n",
			      h, h, 20 + h, VNI, h, 20 + h);
	snprintf(text + n, sizeof(text) - n,
		 "telemetry:\n  interval: 300ms\n  timeout: 250ms\n"
		 "scoring:\n  ewma_alpha: 1\n  hysteresis: 0.02\n"
		 "metrics:\n  listen: 127.0.0.1:9469\n%s"
		 "announce:\n  table: %d\n  withdraw_grace: 1s\n%s",
		 extra ? extra : "", TABLE, announce_more ? announce_more : "");
	fx_write_file(so.gw[g - 1].conf, text);
}

/* The documented sync: section (docs/scale-out.md): each gateway listens on
 * its underlay address and sends to the other. */
static const char *so_sync_config(int g, char *buf, size_t len)
{
	snprintf(buf, len, "sync:\n  listen: 198.18.10.%d:%d\n  peers: [198.18.10.%d:%d]\n", 10 + g,
		 SYNC_PORT, 10 + (3 - g), SYNC_PORT);
	return buf;
}

static void so_agent_start(int g, const char *args)
{
	struct so_gw *gw = &so.gw[g - 1];

	sh(NULL,
	   "nsenter --net=/run/netns/%s %s --config %s --pin-root %s %s "
	   ">>%s/agent-gw%d.log 2>&1 & echo $! > %s/agent-gw%d.pid",
	   gw->ns, so.agent_bin, gw->conf, gw->pin, args ? args : "", so.dir, g, so.dir, g);
	gw->agent = true;
	cr_assert_eq(netns_run(gw->ns, "for t in $(seq 100); do curl -sf -o /dev/null "
				       "http://127.0.0.1:9469/metrics && exit 0; sleep 0.1; "
				       "done; exit 1"),
		     0, "gw%d's agent did not come up (see %s/agent-gw%d.log)", g, so.dir, g);
}

static int so_agent_pid(int g)
{
	char buf[32] = "";

	netns_run_output(NULL, buf, sizeof(buf), "cat %s/agent-gw%d.pid", so.dir, g);
	return atoi(buf);
}

static void so_agent_signal(int g, int sig)
{
	int pid = so_agent_pid(g);

	if (pid > 0)
		kill(pid, sig);
}

static double so_metric(int g, const char *line)
{
	return lab_ns_metric(so.gw[g - 1].ns, line);
}

/* The page is rendered once a second. */
static double so_metric_wait(int g, const char *line, double want)
{
	double v = -1;

	for (int t = 0; t < 30 && v != want; t++) {
		v = so_metric(g, line);
		if (v != want)
			usleep(100 * 1000);
	}
	return v;
}

/* Which gateways the router's route to the VIP goes through: bit g-1 for
 * gw<g>; 0: no route. */
static unsigned int so_route_gws(void)
{
	char out[1024], via[32];
	unsigned int mask = 0;

	if (netns_run_output(so.rt, out, sizeof(out), "ip route show %s/32 proto bgp", VIP))
		return 0;
	for (int g = 1; g <= NGW; g++) {
		snprintf(via, sizeof(via), "via 198.18.%d.2 ", g);
		if (strstr(out, via))
			mask |= 1u << (g - 1);
	}
	return mask;
}

/* Wait until the router routes the VIP through exactly the gateways of
 * mask; returns the seconds it took, or -1 (with the route logged). */
static double so_route_wait(unsigned int mask, double timeout_s)
{
	double t0 = now_s();
	char out[1024] = "";

	while (now_s() - t0 < timeout_s) {
		if (so_route_gws() == mask)
			return now_s() - t0;
		usleep(20 * 1000);
	}
	netns_run_output(so.rt, out, sizeof(out), "ip route show %s/32", VIP);
	cr_log_error("router's route to %s after %.1f s: %s (wanted gateways 0x%x)", VIP, timeout_s,
		     out[0] ? out : "none", mask);
	return -1;
}

/* ---- suite ---- */

static void so_setup(void)
{
	const char *build = getenv("IG_BUILD") ?: "build";

	fx_require_root();
	memset(&so, 0, sizeof(so));
	snprintf(so.dir, sizeof(so.dir), "/tmp/ig-scaleout-XXXXXX");
	cr_assert(mkdtemp(so.dir));
	cr_assert(realpath(build, so.agent_bin));
	strcat(so.agent_bin, "/infergated");
	so_router();
	for (int h = 1; h <= NHOSTS; h++)
		so_host(h);
	for (int g = 1; g <= NGW; g++) {
		so_gateway_links(g);
		snprintf(so.gw[g - 1].conf, sizeof(so.gw[g - 1].conf), "%s/gw%d.yaml", so.dir, g);
		snprintf(so.gw[g - 1].pin, sizeof(so.gw[g - 1].pin),
			 "/sys/fs/bpf/ig-so-%d-gw%d/v%d", getpid(), g, IG_ABI_VERSION);
	}
	for (int h = 1; h <= NHOSTS; h++)
		so_wait_http(h);
	so_frr_router();
}

static void so_teardown(void)
{
	for (int g = 1; g <= NGW; g++)
		if (so.gw[g - 1].agent)
			so_agent_signal(g, SIGKILL);
	for (int g = 1; g <= NGW; g++) {
		netns_run(NULL, "echo '--- gw%d agent log:' >&2; tail -n 30 %s/agent-gw%d.log >&2",
			  g, so.dir, g);
		frr_stop(&so.gw[g - 1].frr);
	}
	frr_stop(&so.rfrr);
	netns_cleanup_all();
	netns_run(NULL, "rm -rf %s /sys/fs/bpf/ig-so-%d-gw1 /sys/fs/bpf/ig-so-%d-gw2", so.dir,
		  getpid(), getpid());
}

TestSuite(scaleout, .init = so_setup, .fini = so_teardown, .timeout = 120);

/* Both gateways up (FRR, then the agent) under policy, with extra config. */
static void so_gateways_up(const char *policy, bool sync)
{
	char extra[256];

	for (int g = 1; g <= NGW; g++) {
		so_write_config(g, policy, sync ? so_sync_config(g, extra, sizeof(extra)) : NULL,
				NULL);
		so_frr_gateway(g);
		so_agent_start(g, NULL);
	}
	cr_assert_geq(so_route_wait(0x3, 15), 0, "the router did not learn the VIP from both");
}

/* n sequential curl connections from the client; how many answered. */
static int so_curl(int n)
{
	char out[8192], *line, *save;
	int ok = 0;

	cr_assert_eq(netns_run_output(so.cl, out, sizeof(out),
				      "for i in $(seq %d); do curl -s --max-time 3 http://%s/ || "
				      "echo fail; done",
				      n, VIP),
		     0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		ok += line[0] == 'h';
	return ok;
}

#define NEWCONNS "infergate_service_new_connections_total{service=\"chat\"}"
#define ANNOUNCED "infergate_vip_announced{vip=\"" VIP "\"}"
#define CHANGES "infergate_vip_announce_changes_total{vip=\"" VIP "\"}"

/* (a) The router learns the VIP from both gateways and installs one route
 * with both as next hops; the L4 hash sends connections through both. */
Test(scaleout, router_learns_vip_from_both_gateways_ecmp)
{
	char out[64];
	double c1, c2;

	so_gateways_up("maglev", false);
	cr_assert_eq(netns_run_output(so.rt, out, sizeof(out),
				      "sysctl -n net.ipv4.fib_multipath_hash_policy"),
		     0);
	cr_expect_eq(atoi(out), 1);
	for (int g = 1; g <= NGW; g++) {
		cr_expect_eq(so_metric_wait(g, ANNOUNCED, 1), 1, "gw%d announces the VIP", g);
		cr_expect_eq(so_metric(g, CHANGES), 1, "gw%d: one change, the announcement", g);
		cr_expect_eq(so_metric(g, "infergate_vip_announce_errors_total"), 0);
	}
	cr_expect_eq(netns_run(so.gw[0].ns, "curl -s http://127.0.0.1:9469/metrics | "
					    "promtool check metrics >&2"),
		     0, "the page with the announcement families passes promtool");
	cr_assert_eq(so_curl(60), 60, "every connection answered");
	usleep(1100 * 1000); /* the page is rendered once a second */
	c1 = so_metric(1, NEWCONNS);
	c2 = so_metric(2, NEWCONNS);
	cr_log_info("new connections: gw1 %.0f, gw2 %.0f", c1, c2);
	cr_expect_eq(c1 + c2, 60, "each connection went through one gateway");
	cr_expect_gt(c1, 5, "the L4 hash sends some through gw1");
	cr_expect_gt(c2, 5, "and some through gw2");
	/* The service opts out on gw2 (SIGHUP): gw2 stops announcing; back in:
	 * announced again. */
	sh(NULL, "sed -i 's/^    policy: maglev$/    policy: maglev\\n    announce: false/' %s",
	   so.gw[1].conf);
	so_agent_signal(2, SIGHUP);
	cr_expect_geq(so_route_wait(0x1, 5), 0, "announce: false withdraws it on reload");
	sh(NULL, "sed -i '/^    announce: false$/d' %s", so.gw[1].conf);
	so_agent_signal(2, SIGHUP);
	cr_expect_geq(so_route_wait(0x3, 5), 0, "and announce: true brings it back");
	/* Its counter started again with the VIP's return to the set. */
	cr_expect_eq(so_metric_wait(2, ANNOUNCED, 1), 1);
	cr_expect_eq(so_metric(2, CHANGES), 1);
}

/* (b) Every backend down: both gateways withdraw the VIP and the router has
 * no route within the health checks' detection time plus a BGP update; the
 * backends back: announced again. */
Test(scaleout, vip_withdrawn_without_healthy_backend)
{
	double down, up;

	so_gateways_up("maglev", false);
	for (int h = 1; h <= NHOSTS; h++)
		sh(NULL, "kill $(ip netns pids %s) 2>/dev/null; true", so.h[h - 1]);
	/* fall 2 x interval 200 ms = 400 ms to mark them down, then the
	 * withdrawal crosses zebra, bgpd and the router's zebra. */
	down = so_route_wait(0, 5);
	cr_assert_geq(down, 0, "the VIP stays routed with no backend up");
	cr_log_info("withdrawn from the router %.2f s after the servers stopped", down);
	cr_expect_lt(down, 2.0, "within fall x interval + a BGP update (allowing a slow VM)");
	for (int g = 1; g <= NGW; g++) {
		cr_expect_eq(so_metric_wait(g, ANNOUNCED, 0), 0, "gw%d withdrew", g);
		cr_expect_eq(so_metric(g, CHANGES), 2, "gw%d: announced, withdrawn", g);
	}
	for (int h = 1; h <= NHOSTS; h++)
		so_httpd(h);
	up = so_route_wait(0x3, 10);
	cr_assert_geq(up, 0, "the VIP is not announced again");
	cr_log_info("announced again %.2f s after the servers restarted", up);
	for (int g = 1; g <= NGW; g++)
		cr_expect_eq(so_metric_wait(g, CHANGES, 3), 3, "gw%d: announced again", g);
	cr_expect_eq(so_curl(10), 10);
}

/* (c) SIGTERM with --detach: the VIP leaves the router while gw1's agent
 * still runs and its XDP program is still attached (flows in flight are
 * still served); only after withdraw_grace is it detached. */
Test(scaleout, graceful_stop_withdraws_before_detaching)
{
	char out[512];
	bool xdp_on, alive;
	double t;

	so_write_config(1, "maglev", NULL, NULL);
	so_write_config(2, "maglev", NULL, NULL);
	so_frr_gateway(1);
	so_frr_gateway(2);
	so_agent_start(1, "--detach");
	so_agent_start(2, NULL);
	cr_assert_geq(so_route_wait(0x3, 15), 0);
	so_agent_signal(1, SIGTERM);
	t = so_route_wait(0x2, 5);
	cr_assert_geq(t, 0, "gw1's VIP is not withdrawn on SIGTERM");
	alive = netns_proc_running(so_agent_pid(1));
	netns_run_output(so.gw[0].ns, out, sizeof(out), "ip link show g0");
	xdp_on = strstr(out, "xdp") != NULL;
	cr_log_info("withdrawn %.2f s after SIGTERM; agent %s, XDP %s", t,
		    alive ? "running" : "gone", xdp_on ? "attached" : "detached");
	cr_expect(alive, "the agent withdraws before it stops");
	cr_expect(xdp_on, "the VIP is withdrawn before the datapath is detached");
	cr_assert_eq(netns_run(NULL,
			       "for t in $(seq 50); do kill -0 %d 2>/dev/null || exit 0; "
			       "sleep 0.1; done; exit 1",
			       so_agent_pid(1)),
		     0, "the agent did not stop");
	so.gw[0].agent = false;
	netns_run_output(so.gw[0].ns, out, sizeof(out), "ip link show g0");
	cr_expect_null(strstr(out, "xdp"), "--detach detached it afterwards");
	cr_expect_eq(so_curl(10), 10, "gw2 serves everything");
}

/* ---- with connection-state sync (the other half of #21) ---- */

/* 200 streams of secs seconds, 10 small chunks a second; the client's file
 * appears once each has its first chunk. */
#define STREAM_HZ 10

static void so_streams_start(int secs)
{
	sh(so.cl,
	   "nohup python3 tests/integration/streams.py %s 80 %d %d %d %s/started "
	   ">%s/streams.out 2>%s/streams.err &",
	   VIP, STREAMS, secs, STREAM_HZ, so.dir, so.dir, so.dir);
	cr_assert_eq(netns_run(NULL,
			       "for t in $(seq 200); do test -e %s/started && exit 0; sleep 0.1; "
			       "done; exit 1",
			       so.dir),
		     0, "the streams did not all start (see %s/streams.err)", so.dir);
}

/* Wait for the client's summary; returns how many streams were reset and
 * sets *ok to how many completed whole on one backend. */
static int so_streams_result(int *ok)
{
	char out[256] = "";
	int reset = -1, incomplete = -1, mixed = -1, refused = -1;

	*ok = -1;
	cr_assert_eq(netns_run(NULL,
			       "for t in $(seq 400); do grep -q ^summary %s/streams.out && "
			       "exit 0; sleep 0.1; done; exit 1",
			       so.dir),
		     0, "the client did not finish");
	netns_run_output(NULL, out, sizeof(out), "grep ^summary %s/streams.out", so.dir);
	sscanf(out, "summary ok=%d reset=%d incomplete=%d mixed=%d refused=%d", ok, &reset,
	       &incomplete, &mixed, &refused);
	cr_log_info("streams: %s", out);
	return reset;
}

/* Every stream must be "ok": no reset, every chunk, one backend. */
static void so_streams_check(void)
{
	int ok, reset = so_streams_result(&ok);

	if (ok != STREAMS)
		netns_run(NULL, "grep -v ' ok$' %s/streams.out | head -20 >&2", so.dir);
	cr_expect_eq(reset, 0, "no stream is reset");
	cr_expect_eq(ok, STREAMS, "every stream, every chunk, one backend");
}

/* Telemetry moves the weights under the streams: the hosts take turns being
 * busy, on both gateways' scrapes (each on its own clock). Returns the pid
 * of the shell doing it. */
static int so_weights_churn(void)
{
	char buf[32] = "", path[128];

	snprintf(path, sizeof(path), "%s/idle", so.dir);
	fx_write_file(path, IDLE);
	snprintf(path, sizeof(path), "%s/busy", so.dir);
	fx_write_file(path, BUSY);
	sh(NULL,
	   "(cd %s && while :; do for b in 1 2 3; do for h in 1 2 3; do "
	   "if [ $h = $b ]; then cp busy .h$h; else cp idle .h$h; fi; mv .h$h h$h.prom; done; "
	   "sleep 0.7; done; done) >/dev/null 2>&1 & echo $! > %s/churn.pid",
	   so.dir, so.dir);
	netns_run_output(NULL, buf, sizeof(buf), "cat %s/churn.pid", so.dir);
	return atoi(buf);
}

/* Gateway g fails: its agent and FRR die, its link goes down. */
static void so_gateway_fail(int g)
{
	so_agent_signal(g, SIGKILL);
	so.gw[g - 1].agent = false;
	frr_kill(&so.gw[g - 1].frr);
	sh(so.rt, "ip link set r%d down", g);
}

/* 200 streams through both gateways while telemetry moves the weights;
 * gw1 fails a second in. */
static void so_failover(const char *policy, bool sync)
{
	double before, t;
	int churn;

	so_gateways_up(policy, sync);
	churn = so_weights_churn();
	so_streams_start(6);
	usleep(1100 * 1000); /* the page is rendered once a second */
	before = so_metric(1, NEWCONNS);
	cr_log_info("%s: gw1 took %.0f of the %d streams", policy, before, STREAMS);
	cr_expect_gt(before, 0, "some streams go through gw1: the failover moves them");
	so_gateway_fail(1);
	t = so_route_wait(0x2, 5);
	kill(churn, SIGKILL);
	cr_expect_geq(t, 0, "the router converges to gw2");
	cr_log_info("%s: router on gw2 alone %.2f s after gw1 failed", policy, t);
}

/* (e) THE failover test, under least-loaded (two gateways would choose
 * differently: only sync keeps a moved flow on its backend). */
Test(scaleout, failover_least_loaded_no_stream_reset, .timeout = 150)
{
	so_failover("least-loaded", true);
	so_streams_check();
}

/* (e) The same under maglev (the gateways' tables differ while telemetry
 * moves the weights on each one's own clock). */
Test(scaleout, failover_maglev_no_stream_reset, .timeout = 150)
{
	so_failover("maglev", true);
	so_streams_check();
}

/* The control: without sync the same failover does reset streams (gw2
 * re-steers the moved flows' mid-flow packets by its own table), so the
 * tests above can fail. */
Test(scaleout, failover_without_sync_resets_streams, .timeout = 150)
{
	int ok, reset;

	so_failover("least-loaded", false);
	reset = so_streams_result(&ok);
	cr_expect_gt(reset, 0, "without sync, moved streams are reset");
	cr_expect_lt(ok, STREAMS);
}

/* (d) A gateway joining: gw2 comes up while the streams run through gw1
 * alone, its FRR first, as on a real machine where FRR runs from boot. Its
 * agent holds the announcement for announce.hold (7 s) while it learns the
 * established flows from gw1's sync refreshes (refresh: 1s, sent at gw1's
 * sweeps, every 5 s); then the router moves a share of the flows to gw2,
 * and they keep their backends. */
Test(scaleout, gateway_joining_keeps_flows, .timeout = 150)
{
	char extra[256];
	double t0, t, moved, applied;

	for (int g = 1; g <= NGW; g++) {
		so_sync_config(g, extra, sizeof(extra));
		strcat(extra, "  refresh: 1s\n");
		so_write_config(g, "least-loaded", extra, g == 2 ? "  hold: 7s\n" : NULL);
	}
	so_frr_gateway(1);
	so_agent_start(1, NULL);
	cr_assert_geq(so_route_wait(0x1, 15), 0);
	so_frr_gateway(2);
	so_streams_start(16);
	t0 = now_s();
	so_agent_start(2, NULL);
	t = so_route_wait(0x3, 15);
	cr_expect_geq(t, 0, "the router spreads over both again");
	t = now_s() - t0;
	applied = so_metric(2, "infergate_sync_entries_total{direction=\"applied\"}");
	cr_log_info("gw2 announced %.1f s after its agent started, with %.0f synced entries", t,
		    applied);
	cr_expect_geq(t, 6.5, "not before announce.hold");
	cr_expect_geq(applied, STREAMS, "the joining gateway knew the running flows");
	usleep(1500 * 1000);
	moved = so_metric(2, "infergate_service_packets_total{service=\"chat\"}");
	cr_log_info("gw2 carried %.0f packets of the running streams", moved);
	cr_expect_gt(moved, 0, "the router moved flows to the joining gateway");
	so_streams_check();
}
