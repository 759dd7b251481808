// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* GPU hosts run by infergated: two hosts and a gateway (tools/lab), each a
 * "machine" (namespace) with its own agent, YAML file and pin root; the test
 * writes no map. Two tenants (A, B) have workloads (namespaces behind veth)
 * on both hosts. Same-tenant traffic works east-west and north-south; every
 * cross-tenant probe fails and the host agent's /metrics counts it; a reload
 * that adds a workload, a workload interface created after the agent
 * started, and kill -9 of a host agent disturb no running stream. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "maps/common.h"
#include "tests/lib/fixture.h"
#include "tools/lab/lab.h"

#define NHOSTS 2
#define VIP_A "198.19.64.10"
#define VIP_B "198.19.65.10"
#define ROGUE_VTEP "198.18.19.2"

struct wl {
	const char *name;
	int h;
	char t; /* 'a' or 'b' */
	int idx;
	char ns[NETNS_NAME_MAX];
	char a4[32], a6[48];
};

enum { A1, B1, A3, A2, B2, B3, A4, NWL };

static struct wl wls[NWL] = {
	[A1] = { "a1", 1, 'a', 1 }, [B1] = { "b1", 1, 'b', 1 }, [A3] = { "a3", 1, 'a', 3 },
	[A2] = { "a2", 2, 'a', 2 }, [B2] = { "b2", 2, 'b', 2 }, [B3] = { "b3", 1, 'b', 3 },
	[A4] = { "a4", 2, 'a', 4 },
};

static struct lab lab;
static char dir[64], bin[256], rogue[NETNS_NAME_MAX];

static const char *hns(int h)
{
	return h ? lab.h[h - 1] : lab.gw;
}

static void run_ok(const char *ns, const char *cmd)
{
	int err = netns_run(ns, "%s", cmd);

	cr_assert_eq(err, 0, "in %s: '%s' failed (%d)", ns ? ns : "root", cmd, err);
}

/* ---- configuration files ---- */

static const char *tenants_yaml = "tenants:\n"
				  "  - {name: ta, id: 1, vni: 6400}\n"
				  "  - {name: tb, id: 2, vni: 6500}\n";

static void wl_addrs(struct wl *w)
{
	int p = w->t == 'a' ? 64 : 65;

	snprintf(w->a4, sizeof(w->a4), "198.18.%d.%d", p, w->idx);
	snprintf(w->a6, sizeof(w->a6), "2001:db8:%d::%d", p, w->idx);
}

/* Host h's file: its workloads (b3 only once with_b3), the other host's as
 * endpoints, the VIPs served on host 2. */
static void write_host_conf(int h, bool with_b3)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/h%d.yaml", dir, h);
	f = fopen(path, "w");
	cr_assert(f);
	fprintf(f, "interfaces:\n  - {name: e0, role: host}\n%s", tenants_yaml);
	fprintf(f, "host:\n  vtep: 198.18.%d.2\n  tenants:\n", 10 + h);
	fprintf(f, "    - {name: ta, vteps: [198.18.255.1, 198.18.%d.2]}\n", 13 - h);
	fprintf(f, "    - {name: tb, vteps: [198.18.255.1, 198.18.%d.2]}\n", 13 - h);
	fprintf(f, "  workloads:\n");
	for (int i = 0; i < NWL; i++) {
		const struct wl *w = &wls[i];

		if (w->h != h || (i == B3 && !with_b3))
			continue;
		fprintf(f, "    - {name: %s, interface: w%s, tenant: t%c, addresses: [%s, %s]%s}\n",
			w->name, w->name, w->t, w->a4, w->a6,
			w->idx == 2 ?
				(w->t == 'a' ? ", vips: [" VIP_A "]" : ", vips: [" VIP_B "]") :
				"");
	}
	fprintf(f, "  endpoints:\n");
	for (int i = 0; i < NWL; i++) {
		const struct wl *w = &wls[i];

		if (w->h == h || i == B3)
			continue;
		fprintf(f, "    - {tenant: t%c, vtep: 198.18.%d.2, addresses: [%s, %s]}\n", w->t,
			10 + w->h, w->a4, w->a6);
	}
	if (h == 1)
		fprintf(f,
			"    - {tenant: ta, vtep: 198.18.12.2, vip: true, addresses: [" VIP_A "]}\n"
			"    - {tenant: tb, vtep: 198.18.12.2, vip: true, addresses: [" VIP_B
			"]}\n");
	fclose(f);
}

static void write_gw_conf(void)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/gw.yaml", dir);
	f = fopen(path, "w");
	cr_assert(f);
	fprintf(f,
		"interfaces:\n  - {name: g0, role: gateway}\ngateway:\n  vtep: " LAB_GW_VTEP "\n");
	fprintf(f, "%sservices:\n", tenants_yaml);
	fprintf(f,
		"  - {name: a-tcp, id: 1, vip: " VIP_A ", port: 80, tenant: ta, backends: "
		"[{name: h2a, id: 1, vtep: 198.18.12.2, capacity: 10, health: {port: 8080}}]}\n"
		"  - {name: a-udp, id: 2, vip: " VIP_A ", port: 5001, proto: udp, tenant: ta, "
		"backends: [{name: h2u, id: 2, vtep: 198.18.12.2, capacity: 10, health: {port: "
		"8080}}]}\n"
		"  - {name: b-tcp, id: 3, vip: " VIP_B ", port: 80, tenant: tb, backends: "
		"[{name: h2b, id: 3, vtep: 198.18.12.2, capacity: 10, health: {port: 8080}}]}\n");
	fclose(f);
}

/* ---- agents: one per machine, its own file and pin root ---- */

static void agent_launch(int h)
{
	const char *name = h ? (h == 1 ? "h1" : "h2") : "gw";

	cr_assert_eq(netns_run(NULL,
			       "nsenter --net=/run/netns/%s %s --config %s/%s.yaml --pin-root "
			       "/sys/fs/bpf/%s/%s >>%s/%s.log 2>&1 & echo $! > %s/%s.pid",
			       hns(h), bin, dir, name, strrchr(dir, '/') + 1, name, dir, name, dir,
			       name),
		     0);
}

static void agent_wait(int h)
{
	cr_assert_eq(netns_run(hns(h), "for t in $(seq 150); do curl -sf -o /dev/null "
				       "http://127.0.0.1:9469/metrics && exit 0; sleep 0.1; done; "
				       "exit 1"),
		     0, "the agent of %s did not start", hns(h));
}

static int agent_pid(int h)
{
	char buf[32];

	cr_assert_eq(netns_run_output(NULL, buf, sizeof(buf), "cat %s/%s.pid", dir,
				      h ? (h == 1 ? "h1" : "h2") : "gw"),
		     0);
	return atoi(buf);
}

/* The value of the first /metrics line of host h's agent starting with
 * line, or -1. */
static double metric(int h, const char *line)
{
	char out[256];

	if (netns_run_output(hns(h), out, sizeof(out),
			     "curl -s http://127.0.0.1:9469/metrics | grep -F '%s ' | head -1 | "
			     "awk '{print $NF}'",
			     line) ||
	    !out[0])
		return -1;
	return atof(out);
}

/* The page is rendered once a second: poll up to 2 s for want. */
static double metric_wait(int h, const char *line, double want)
{
	double v = metric(h, line);

	for (int i = 0; i < 20 && v != want; i++) {
		usleep(100 * 1000);
		v = metric(h, line);
	}
	return v;
}

static double since_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static struct timespec t_start;

static void step(const char *what)
{
	cr_log_info("%.1f s: %s", since_ms(&t_start) / 1e3, what);
}

/* ---- workloads ---- */

static void wl_up(struct wl *w)
{
	char cmd[512], dev[16];
	int p = w->t == 'a' ? 64 : 65;

	snprintf(dev, sizeof(dev), "w%s", w->name);
	cr_assert_eq(netns_create(w->name, w->ns), 0);
	cr_assert_eq(netns_veth(hns(w->h), dev, w->ns, "eth0"), 0);
	cr_assert_eq(netns_link_up(hns(w->h), dev), 0);
	snprintf(cmd, sizeof(cmd),
		 "ip addr add %s/24 dev eth0 && ip -6 addr add %s/64 dev eth0 nodad && "
		 "ip link set eth0 up && ip route add default via 198.18.%d.254 && "
		 "ip -6 route add default via 2001:db8:%d::fffe%s",
		 w->a4, w->a6, p, p,
		 w->idx == 2 ? (w->t == 'a' ? " && ip addr add " VIP_A "/32 dev lo" :
					      " && ip addr add " VIP_B "/32 dev lo") :
			       "");
	run_ok(w->ns, cmd);
	/* UDP echo on 5001 (per address, so a reply to the VIP leaves from
	 * it), HTTP on 80, and TCP on 5201. */
	snprintf(cmd, sizeof(cmd),
		 "nohup python3 tests/integration/httpd.py 0.0.0.0 80 %s >/dev/null 2>&1 & "
		 "iperf3 -s -D >/dev/null 2>&1; "
		 "nohup python3 -c 'import socket,select,sys\n"
		 "ss=[]\n"
		 "for a in sys.argv[1:]:\n"
		 "  s=socket.socket(socket.AF_INET6 if \":\" in a else socket.AF_INET,"
		 "socket.SOCK_DGRAM)\n"
		 "  s.bind((a,5001)); ss.append(s)\n"
		 "while 1:\n"
		 "  for s in select.select(ss,[],[])[0]:\n"
		 "    d,p=s.recvfrom(2048); s.sendto(d,p)' %s %s %s >/dev/null 2>&1 &",
		 w->name, w->a4, w->a6, w->idx == 2 ? (w->t == 'a' ? VIP_A : VIP_B) : "");
	run_ok(w->ns, cmd);
}

static void wl_wait(const struct wl *w)
{
	cr_assert_eq(netns_run(w->ns,
			       "for t in $(seq 100); do curl -sf -o /dev/null http://%s/ && "
			       "exit 0; sleep 0.1; done; exit 1",
			       w->a4),
		     0, "httpd in %s did not start", w->name);
}

/* probe.sh TAG DST reach|block: ping, a TCP handshake (iperf3's port) and a
 * UDP echo (port 5001, two tries) to DST at once, in bash alone (a Python
 * start costs half a second on a loaded machine); prints TAG:probe for each
 * that did not do as wanted. */
static const char probe_sh[] =
	"tag=$1 dst=$2 want=$3\n"
	"check() { if [ $want = reach ] && [ $2 -ne 0 ] || [ $want = block ] && [ $2 -eq 0 ];"
	" then echo \"$tag:$1\"; fi; }\n"
	"udp() { exec 3<>/dev/udp/$dst/5001 || return 1; for i in 1 2; do printf ig >&3;"
	" read -t 0.3 -N 2 r <&3 && [ \"$r\" = ig ] && return 0; done; return 1; }\n"
	"(ping -c 1 -W 0.5 $dst >/dev/null 2>&1; check ping $?) &\n"
	"(timeout 0.5 bash -c \": >/dev/tcp/$dst/5201\" 2>/dev/null; check tcp $?) &\n"
	"(udp 2>/dev/null; check udp $?) &\n"
	"wait\n";

static void write_file(const char *name, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fx_write_file(path, text);
}

/* ---- the lab ---- */

static void lab_up(void)
{
	const char *build = getenv("IG_BUILD") ?: "build";

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	fx_require_root();
	snprintf(dir, sizeof(dir), "/tmp/igh-agents-XXXXXX");
	cr_assert(mkdtemp(dir));
	cr_assert(realpath(build, bin));
	strcat(bin, "/infergated");
	for (int i = 0; i < NWL; i++)
		wl_addrs(&wls[i]);
	cr_assert_eq(lab_create(&lab, NHOSTS), 0);
	/* The hosts route the underlay through the gateway and forward their
	 * workloads' replies to the client side; host 2 runs the gateway's
	 * health-check target. A rogue VTEP sits on the underlay. */
	run_ok(hns(1), "ip route add 198.18.12.0/24 via 198.18.11.1 && "
		       "ip route add 198.18.19.0/24 via 198.18.11.1 && "
		       "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1");
	run_ok(hns(2), "ip route add 198.18.11.0/24 via 198.18.12.1 && "
		       "ip route add 198.18.19.0/24 via 198.18.12.1 && "
		       "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1");
	cr_assert_eq(lab_host_httpd(&lab, 2, "198.18.12.2", 8080, "h2", NULL), 0);
	cr_assert_eq(netns_create("rg", rogue), 0);
	cr_assert_eq(netns_veth(lab.gw, "u9", rogue, "e0"), 0);
	run_ok(lab.gw, "ip addr add 198.18.19.1/24 dev u9 && ip link set u9 up");
	run_ok(rogue, "ip addr add " ROGUE_VTEP "/24 dev e0 && ip link set e0 up && "
		      "ip route add 198.18.0.0/15 via 198.18.19.1");
	/* The agents load while the workloads are made: those attach on the
	 * link events of their interfaces. */
	write_host_conf(1, false);
	write_host_conf(2, false);
	write_gw_conf();
	write_file("probe.sh", probe_sh);
	for (int h = 0; h <= NHOSTS; h++)
		agent_launch(h);
	for (int i = 0; i < NWL; i++)
		if (i != B3 && i != A4) /* b3 comes with a reload, a4 late */
			wl_up(&wls[i]);
	for (int h = 0; h <= NHOSTS; h++)
		agent_wait(h);
	for (int i = 0; i < NWL; i++)
		if (i != B3 && i != A4)
			wl_wait(&wls[i]);
	step("lab and agents up");
}

static void lab_down(void)
{
	for (int h = 0; h <= NHOSTS; h++)
		netns_run(NULL, "kill $(cat %s/%s.pid) 2>/dev/null", dir,
			  h ? (h == 1 ? "h1" : "h2") : "gw");
	usleep(300 * 1000);
	lab_destroy(&lab);
	netns_run(NULL, "tail -n 30 %s/*.log >&2; rm -rf /sys/fs/bpf/%s %s", dir,
		  strrchr(dir, '/') + 1, dir);
}

TestSuite(host_lab, .init = lab_up, .fini = lab_down, .timeout = 120);

/* ---- probes ---- */

struct probe {
	const struct wl *from;
	const char *dst;
};

/* Every probe of the list at once, each from its own namespace; out gets
 * those that did not do as wanted. */
static void probes_run(const struct probe *p, int n, const char *want, char *out, size_t olen)
{
	char cmd[4096] = "", tag[64];
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		snprintf(tag, sizeof(tag), "%s_to_%s", p[i].from->name, p[i].dst);
		len += snprintf(cmd + len, sizeof(cmd) - len,
				"ip netns exec %s bash %s/probe.sh '%s' '%s' %s & ", p[i].from->ns,
				dir, tag, p[i].dst, want);
	}
	cr_assert_lt(len, sizeof(cmd));
	out[0] = '\0';
	netns_run_output(NULL, out, olen, "%swait", cmd);
}

/* All must reach, or all be blocked. */
static void probes(const struct probe *p, int n, const char *want)
{
	char out[512];

	probes_run(p, n, want, out, sizeof(out));
	cr_expect_str_eq(out, "", "probes that did not %s: %s", want, out);
}

static void reaches(const struct wl *from, const char *dst)
{
	struct probe p = { from, dst };

	probes(&p, 1, "reach");
}

static void blocked(const struct wl *from, const char *dst)
{
	struct probe p = { from, dst };

	probes(&p, 1, "block");
}

static int udp_echo(const char *ns, const char *dst)
{
	return netns_run(ns,
			 "bash -c 'exec 3<>/dev/udp/%s/5001; for i in 1 2; do printf ig >&3; "
			 "read -t 0.3 -N 2 r <&3 && [ \"$r\" = ig ] && exit 0; done; exit 1'",
			 dst);
}

static void http_get(const char *ns, const char *dst, const char *want)
{
	char out[64] = "";

	cr_expect_eq(netns_run_output(ns, out, sizeof(out), "curl -s --max-time 3 http://%s/", dst),
		     0, "curl to %s failed", dst);
	cr_expect(!strncmp(out, want, strlen(want)), "http://%s/ answered '%s', want %s", dst, out,
		  want);
}

static double drops(int h, char t, const char *reason)
{
	char line[128];

	snprintf(line, sizeof(line), "infergate_host_drops_total{tenant=\"t%c\",reason=\"%s\"}", t,
		 reason);
	return metric(h, line);
}

/* Host h's agent counts at least want drops of tenant t for reason; the
 * page is rendered once a second. */
static void drops_reach(int h, char t, const char *reason, double want)
{
	double got = drops(h, t, reason);

	for (int i = 0; i < 20 && got < want; i++) {
		usleep(100 * 1000);
		got = drops(h, t, reason);
	}
	cr_expect_geq(got, want, "h%d: %g drops of t%c (%s), want >= %g", h, got, t, reason, want);
}

#define OTHER "endpoint-other-tenant"

/* iperf3 with TSO and GSO on (the veth defaults): 64 KiB packets are
 * encapsulated and decapsulated whole. */
static void large_transfers(void)
{
	char out[256];

	for (int v6 = 0; v6 <= 1; v6++) {
		cr_expect_eq(
			netns_run_output(wls[A1].ns, out, sizeof(out),
					 "iperf3 -c %s -t 1 -J | python3 -c 'import json,sys;"
					 "print(json.load(sys.stdin)[\"end\"][\"sum_received\"]"
					 "[\"bits_per_second\"]/1e9)'",
					 v6 ? wls[A2].a6 : wls[A2].a4),
			0, "iperf3 a1 -> a2 failed");
		cr_log_info("a1 -> a2 over IPv%d: %.2f Gbit/s", v6 ? 6 : 4, atof(out));
		cr_expect_gt(atof(out), 0.2, "a1 -> a2 over IPv%d: %s Gbit/s", v6 ? 6 : 4, out);
	}
}

/* On-link routes make b1 resolve A's addresses itself: the host side
 * refuses to answer for another tenant, and b1 learns no MAC. */
static void neighbours_of_another_tenant(void)
{
	double before = drops(1, 'b', OTHER);

	run_ok(wls[B1].ns, "ip route add 198.18.64.3/32 dev eth0 && "
			   "ip -6 route add 2001:db8:64::3/128 dev eth0");
	cr_expect_neq(netns_run(wls[B1].ns, "ping -c 1 -W 0.5 %s >/dev/null 2>&1", wls[A3].a4), 0);
	cr_expect_neq(netns_run(wls[B1].ns, "ping -c 1 -W 0.5 %s >/dev/null 2>&1", wls[A3].a6), 0);
	cr_expect_neq(netns_run(wls[B1].ns, "ip neigh show 198.18.64.3 | grep -q lladdr"), 0,
		      "b1 learned a MAC for a3");
	run_ok(wls[B1].ns, "ip route del 198.18.64.3/32 dev eth0 && "
			   "ip -6 route del 2001:db8:64::3/128 dev eth0");
	drops_reach(1, 'b', OTHER, before + 2);
}

static void isolation(void)
{
	double b1 = drops(1, 'b', OTHER), a1 = drops(1, 'a', OTHER), b2 = drops(2, 'b', OTHER);
	char out[512];

	const struct probe ok[] = {
		{ &wls[A1], wls[A2].a4 }, /* across hosts */
		{ &wls[A1], wls[A2].a6 }, { &wls[A1], wls[A3].a4 }, /* same host */
		{ &wls[A3], wls[A1].a6 }, { &wls[A3], VIP_A }, /* a VIP served on the other host */
		{ &wls[B2], wls[B1].a6 },
	};
	const struct probe no[] = {
		{ &wls[B1], wls[A1].a4 }, /* same host */
		{ &wls[B1], wls[A3].a6 }, { &wls[B1], wls[A2].a4 }, /* across hosts */
		{ &wls[B1], wls[A2].a6 }, { &wls[A1], wls[B2].a6 }, { &wls[B2], VIP_A },
	};

	probes(ok, sizeof(ok) / sizeof(ok[0]), "reach");
	http_get(lab.cl, VIP_A, "a2"); /* north-south, through the gateway */
	http_get(lab.cl, VIP_B, "b2");
	cr_expect_eq(udp_echo(lab.cl, VIP_A), 0, "no UDP echo from A's VIP");

	probes(no, sizeof(no) / sizeof(no[0]), "block");
	/* The probes can tell: a blocked one that reaches is reported. */
	probes_run(ok, 1, "block", out, sizeof(out));
	cr_expect(strstr(out, "a1_to_198.18.64.2:ping") && strstr(out, "a1_to_198.18.64.2:tcp") &&
			  strstr(out, "a1_to_198.18.64.2:udp"),
		  "probe self-check: '%s'", out);
	drops_reach(1, 'b', OTHER, b1 + 12);
	drops_reach(1, 'a', OTHER, a1 + 3);
	drops_reach(2, 'b', OTHER, b2 + 3);
}

/* /metrics per workload: a2 served the client (north-south) and a1 (east-
 * west); b1 tried other tenants. */
static void workload_metrics(void)
{
	cr_expect_gt(metric(2, "infergate_host_workload_rx_packets_total{workload=\"a2\","
			       "tenant=\"ta\"}"),
		     0);
	cr_expect_gt(metric(2, "infergate_host_workload_response_bytes_total{workload=\"a2\","
			       "tenant=\"ta\"}"),
		     0);
	cr_expect_gt(metric(1, "infergate_host_workload_tx_bytes_total{workload=\"a1\","
			       "tenant=\"ta\"}"),
		     0);
	cr_expect_gt(metric(1, "infergate_host_workload_drops_total{workload=\"b1\","
			       "tenant=\"tb\"}"),
		     0);
}

/* A workload reaches neither its host (its VTEP: TCP/22 there is the
 * host's sshd) nor the underlay subnet (the gateway's address on it). */
static void infrastructure(void)
{
	const struct probe no[] = { { &wls[A1], "198.18.11.2" }, { &wls[B1], "198.18.11.1" } };
	double a = drops(1, 'a', "infrastructure-address"),
	       b = drops(1, 'b', "infrastructure-address");

	probes(no, 2, "block");
	cr_expect_neq(netns_run(wls[A1].ns, "timeout 0.5 bash -c ': >/dev/tcp/198.18.11.2/22' "
					    "2>/dev/null"),
		      0, "a1 reached TCP/22 on its host");
	drops_reach(1, 'a', "infrastructure-address", a + 4);
	drops_reach(1, 'b', "infrastructure-address", b + 3);
}

/* infergatectl on host 1, from its pins: what the agent wrote, and the
 * drops just counted. */
static void ctl_views(void)
{
	char ctl[1536], out[4096];

	/* bin is .../infergated: infergatectl is beside it. nsenter keeps
	 * the bpffs that `ip netns exec` would hide. */
	snprintf(
		ctl, sizeof(ctl),
		"nsenter --net=/run/netns/%s %.*s/infergatectl --json --pin-root /sys/fs/bpf/%s/h1",
		hns(1), (int)(strrchr(bin, '/') - bin), bin, strrchr(dir, '/') + 1);
	cr_expect_eq(netns_run_output(NULL, out, sizeof(out), "%s workloads", ctl), 0);
	cr_expect(strstr(out, "\"interface\":\"wa1\"") && strstr(out, "\"198.18.64.1\"") &&
			  strstr(out, "\"2001:db8:64::1\"") && strstr(out, "\"peer\":true"),
		  "workloads: %s", out);
	cr_expect(strstr(out, "\"rx_packets\":") && !strstr(out, "\"rx_packets\":0,"),
		  "workloads without delivered packets: %s", out);
	cr_expect_eq(netns_run_output(NULL, out, sizeof(out), "%s endpoints", ctl), 0);
	cr_expect(strstr(out, "{\"address\":\"198.19.64.10\",\"tenant\":1,\"kind\":\"remote\","
			      "\"vip\":true,\"ifindex\":0,\"vtep\":\"198.18.12.2\""),
		  "endpoints: %s", out);
	cr_expect_eq(netns_run_output(NULL, out, sizeof(out), "%s vnis", ctl), 0);
	cr_expect(strstr(out, "{\"vni\":6400,\"tenant\":1,\"vteps\":[\"198.18.12.2\","
			      "\"198.18.255.1\"],\"learned\":[]}"),
		  "vnis: %s", out);
	cr_expect_eq(netns_run_output(NULL, out, sizeof(out), "%s host-drops", ctl), 0);
	cr_expect(strstr(out, "{\"tenant\":2,\"reason\":\"endpoint-other-tenant\""),
		  "host-drops: %s", out);
}

/* North-south from outside a tenant: VXLAN onto host 2's underlay from a
 * VTEP no tenant allows, and from host 1 (allowed for B) in B's VNI to A's
 * workload. */
static void vxlan_from_outside(void)
{
	double vtep = drops(2, 'a', "vxlan-vtep-not-allowed"), cross = drops(2, 'b', OTHER);

	run_ok(rogue, "ip link add vxa type vxlan id 6400 local " ROGUE_VTEP " remote 198.18.12.2 "
		      "dstport 4789 nolearning && ip link set vxa up && "
		      "ip addr add 198.18.64.66/24 dev vxa");
	run_ok(hns(1), "ip link add vxb type vxlan id 6500 local 198.18.11.2 remote 198.18.12.2 "
		       "dstport 4789 nolearning && ip link set vxb up && "
		       "ip addr add 198.18.65.99/32 dev vxb && ip route add 198.18.64.2/32 dev vxb "
		       "&& ip neigh add 198.18.64.2 lladdr 02:00:00:00:00:99 dev vxb");
	cr_expect_neq(netns_run(rogue, "ping -c 2 -i 0.2 -W 1 %s >/dev/null", wls[A2].a4), 0);
	cr_expect_neq(netns_run(hns(1), "ping -c 2 -i 0.2 -W 1 198.18.64.2 >/dev/null"), 0);
	run_ok(hns(1), "ip link del vxb");
	drops_reach(2, 'a', "vxlan-vtep-not-allowed", vtep + 1);
	drops_reach(2, 'b', OTHER, cross + 2);
}

/* ---- changes while traffic flows ---- */

/* A UDP stream of n numbered datagrams, one every 10 ms, from a1 to a2
 * (across hosts, both host agents' programs on its path); the receiver
 * writes how many distinct ones arrived to dir/tag.count. */
static void stream_start(const char *tag, int n)
{
	cr_assert_eq(netns_run(wls[A2].ns,
			       "nohup python3 -c 'import socket,sys\n"
			       "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
			       "s.bind((sys.argv[1],5002)); s.settimeout(1.5); got=set()\n"
			       "open(sys.argv[2]+\".ready\",\"w\").close()\n"
			       "try:\n"
			       "  while 1: got.add(s.recv(64))\n"
			       "except socket.timeout: pass\n"
			       "open(sys.argv[2],\"w\").write(str(len(got)))' %s %s/%s.count "
			       ">/dev/null 2>&1 &",
			       wls[A2].a4, dir, tag),
		     0);
	cr_assert_eq(netns_run(NULL,
			       "for t in $(seq 100); do test -e %s/%s.count.ready && exit 0; "
			       "sleep 0.05; done; exit 1",
			       dir, tag),
		     0, "the stream's receiver did not start");
	cr_assert_eq(netns_run(wls[A1].ns,
			       "nohup python3 -c 'import socket,sys,time\n"
			       "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
			       "for i in range(int(sys.argv[2])):\n"
			       "  s.sendto(str(i).encode(),(sys.argv[1],5002)); time.sleep(0.01)' "
			       "%s %d >/dev/null 2>&1 &",
			       wls[A2].a4, n),
		     0);
}

static int stream_count(const char *tag)
{
	char out[32] = "";

	cr_assert_eq(netns_run(NULL,
			       "for t in $(seq 150); do test -s %s/%s.count && exit 0; sleep 0.1; "
			       "done; exit 1",
			       dir, tag),
		     0, "the stream's receiver did not finish");
	cr_assert_eq(netns_run_output(NULL, out, sizeof(out), "cat %s/%s.count", dir, tag), 0);
	return atoi(out);
}

/* Wait up to 3 s for ns to ping dst; returns the ms it took, or -1. */
static double ping_within(const char *ns, const char *dst, const struct timespec *t0)
{
	for (int t = 0; t < 30; t++) {
		if (!netns_run(ns, "ping -c 1 -W 0.1 %s >/dev/null 2>&1", dst))
			return since_ms(t0);
	}
	return -1;
}

#define WB3_ATTACHED                                                                             \
	"infergate_host_attached{interface=\"wb3\",hook=\"tc-ingress\",program=\"tc_workload\"," \
	"mode=\"tcx\"}"

/* Under one tenant-A stream: SIGHUP adds b3 (reachable within 1 s, kept
 * from tenant A), then SIGHUP removes it again (detached, unreachable). */
static void reload_adds_and_removes_a_workload(void)
{
	double a1 = drops(1, 'a', OTHER), ms = -1;
	struct timespec t0;
	int got;

	wl_up(&wls[B3]); /* the container exists; the file names it next */
	stream_start("reload", 300);
	usleep(500 * 1000);
	write_host_conf(1, true);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(kill(agent_pid(1), SIGHUP), 0);
	ms = ping_within(wls[B1].ns, wls[B3].a4, &t0);
	cr_expect(ms >= 0 && ms < 1000, "b3 reachable from b1 after %.0f ms (want < 1000)", ms);
	cr_log_info("b3 reachable %.0f ms after SIGHUP", ms);
	blocked(&wls[A1], wls[B3].a4);
	drops_reach(1, 'a', OTHER, a1 + 3);

	write_host_conf(1, false);
	cr_assert_eq(kill(agent_pid(1), SIGHUP), 0);
	cr_expect_eq(metric_wait(1, WB3_ATTACHED, -1), -1, "wb3 still attached after its removal");
	cr_expect_neq(netns_run(wls[B1].ns, "ping -c 1 -W 0.3 %s >/dev/null 2>&1", wls[B3].a4), 0,
		      "b3 still reachable after its removal");
	got = stream_count("reload");
	cr_expect_eq(got, 300, "the tenant-A stream lost datagrams across the reloads: %d of 300",
		     got);
	cr_expect_geq(metric(1, "infergate_config_reloads_total{result=\"ok\"}"), 2);
}

static void late_interface(void)
{
	double b2 = drops(2, 'b', OTHER), a2 = drops(2, 'a', OTHER);
	struct timespec t0;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	wl_up(&wls[A4]); /* in host 2's file from the start; the container starts now */
	ms = ping_within(wls[A2].ns, wls[A4].a4, &t0);
	cr_expect(ms >= 0 && ms < 2000, "a4 reachable from a2 after %.0f ms", ms);
	cr_expect_eq(metric_wait(2,
				 "infergate_host_attached{interface=\"wa4\",hook=\"tc-ingress\","
				 "program=\"tc_workload\",mode=\"tcx\"}",
				 1),
		     1);
	cr_expect_eq(metric(2, "infergate_config_reloads_total{result=\"ok\"}"), 0, "no reload");
	blocked(&wls[B2], wls[A4].a4);
	blocked(&wls[A4], wls[B2].a6);
	drops_reach(2, 'b', OTHER, b2 + 3);
	drops_reach(2, 'a', OTHER, a2 + 3);
	cr_expect_neq(netns_run(wls[A4].ns, "ping -c 1 -W 0.5 -I 198.18.64.1 %s >/dev/null 2>&1",
				wls[A2].a4),
		      0, "a4 sent from a1's address");
}

static void kill_9(void)
{
	int got;

	stream_start("kill", 400);
	usleep(500 * 1000);
	cr_assert_eq(kill(agent_pid(1), SIGKILL), 0);
	usleep(300 * 1000);
	agent_launch(1);
	agent_wait(1);
	got = stream_count("kill");
	cr_expect_eq(got, 400, "the stream lost datagrams across kill -9: %d of 400", got);
	cr_expect_eq(netns_run(NULL,
			       "grep -q 'program .* replaced the old one behind pinned tc-ingress "
			       "link .*/links/wa1-tc-ingress' %s/h1.log && grep -q 'behind pinned "
			       "tc-ingress link .*/links/e0-tc-ingress' %s/h1.log",
			       dir, dir),
		     0, "the restarted agent did not adopt the pinned links");
	reaches(&wls[A1], wls[A2].a6);
	blocked(&wls[B1], wls[A1].a4);
}

/* One lab for every step: three agents start in about 6 s on two CPUs, so
 * the steps share it (each leaves the lab as the next expects). */
Test(host_lab, two_hosts_two_tenants_one_gateway)
{
	step("isolation");
	isolation();
	step("infrastructure");
	infrastructure();
	step("per-workload metrics");
	workload_metrics();
	step("infergatectl views");
	ctl_views();
	step("large transfers");
	large_transfers();
	step("neighbours of another tenant");
	neighbours_of_another_tenant();
	step("VXLAN from outside the tenant");
	vxlan_from_outside();
	step("a workload interface created after the agent");
	late_interface();
	step("SIGHUP adds, then removes, a workload under a running stream");
	reload_adds_and_removes_a_workload();
	step("kill -9 of a host agent under a running stream");
	kill_9();
	step("done");
}
