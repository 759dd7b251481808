// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Connection-state sync between two gateways (docs/scale-out.md), each a
 * namespace with its own infergated, configuration and pin root:
 *
 *   cl c0 -- r0 rt r1 -- g0 gw1 u0 --+
 *                  r2 -- g0 gw2 u0 --+-- br0 (rt: the underlay) -- e0 h1, e0 h2
 *
 * The router sends the VIP's prefix to gateway 1; the hosts decapsulate with
 * the kernel's vxlan and answer the client directly (DSR, through rt). The
 * gateways sync over the underlay (UDP 7946). Sessions opened through
 * gateway 1 under least-loaded (a random choice between two backends, so a
 * gateway without the entry re-steers a mid-flow packet by Maglev to the
 * other host half the time, and that host resets it) must go on through
 * gateway 2, each on its first backend, after the router's route moves and
 * gateway 1's agent and links are gone. Closing is synced; a spoofed SYN
 * flood through gateway 1 (queue of 16) drops and counts, bounded. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <criterion/criterion.h>

#include "tests/lib/fixture.h"
#include "tests/lib/pktbuild.h"
#include "tools/lab/lab.h"
#include "tools/lab/netns.h"
#include "maps/ig_abi.h"

#define VIP "198.19.0.10"
#define NHOSTS 2
#define SESSIONS 20

static char cl[NETNS_NAME_MAX], rt[NETNS_NAME_MAX], gw[2][NETNS_NAME_MAX],
	hs[NHOSTS][NETNS_NAME_MAX];
static char dir[64], base[96], agent_bin[256], ctl_bin[288];
static pid_t servers[NHOSTS + 1];

static void sh(const char *ns, const char *cmd)
{
	cr_assert_eq(netns_run(ns, "%s", cmd), 0, "in %s: %s", ns ? ns : "root", cmd);
}

static void mac_of(const char *ns, const char *dev, char out[32])
{
	cr_assert_eq(netns_run_output(ns, out, 32, "cat /sys/class/net/%s/address", dev), 0);
	out[17] = '\0';
}

static void topology(void)
{
	char cmd[512];

	cr_assert_eq(netns_create("cl", cl) ?: netns_create("rt", rt), 0);
	cr_assert_eq(netns_create("g1", gw[0]) ?: netns_create("g2", gw[1]), 0);
	cr_assert_eq(netns_veth(cl, "c0", rt, "r0"), 0);
	sh(cl, "ip addr add 198.18.0.2/24 dev c0 && ip link set c0 up && "
	       "ip route add 198.19.0.0/16 via 198.18.0.1");
	cr_assert_eq(netns_tx_off(cl, "c0"), 0);
	sh(rt,
	   "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 "
	   "net.ipv4.conf.default.rp_filter=0 && ip addr add 198.18.0.1/24 dev r0 && "
	   "sysctl -qw net.ipv4.conf.r0.rp_filter=0 && ip link set r0 up && ip link add br0 type bridge && ip link set br0 mtu 1600 && "
	   "ip addr add 198.18.20.254/24 dev br0 && ip link set br0 up");
	for (int g = 0; g < 2; g++) {
		char r[8], b[8];

		snprintf(r, sizeof(r), "r%d", g + 1);
		snprintf(b, sizeof(b), "b%d", g + 1);
		cr_assert_eq(netns_veth(rt, r, gw[g], "g0") ?: netns_veth(rt, b, gw[g], "u0"), 0);
		/* b<g> receives the gateway's XDP redirects: GRO gives it NAPI. */
		snprintf(cmd, sizeof(cmd),
			 "ip addr add 198.18.%d.1/24 dev %s && ip link set %s up && "
			 "ip link set %s mtu 1600 master br0 up && ethtool -K %s gro on >/dev/null",
			 g + 1, r, r, b, b);
		sh(rt, cmd);
		cr_assert_eq(netns_tx_off(rt, r), 0);
		snprintf(cmd, sizeof(cmd),
			 "sysctl -qw net.ipv4.conf.all.rp_filter=0 && "
			 "ip addr add 198.18.%d.2/24 dev g0 && ip link set g0 up && "
			 "ip link set u0 mtu 1600 && ip addr add 198.18.20.%d/24 dev u0 && "
			 "ip link set u0 up",
			 g + 1, g + 1);
		sh(gw[g], cmd);
	}
	sh(rt, "ip route add 198.19.0.0/16 via 198.18.1.2");
	for (int h = 1; h <= NHOSTS; h++) {
		char bh[8];

		cr_assert_eq(netns_create("h", hs[h - 1]), 0);
		snprintf(bh, sizeof(bh), "bh%d", h);
		cr_assert_eq(netns_veth(rt, bh, hs[h - 1], "e0"), 0);
		snprintf(cmd, sizeof(cmd), "ip link set %s mtu 1600 master br0 up", bh);
		sh(rt, cmd);
		snprintf(
			cmd, sizeof(cmd),
			"sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 "
			"&& ip link set e0 mtu 1600 && ip addr add 198.18.20.%d/24 dev e0 && "
			"ip link set e0 up && ethtool -K e0 gro on >/dev/null && "
			"ip route add 198.18.0.0/24 via 198.18.20.254 && "
			"ip link add vx100 address 02:00:00:00:64:%02x type vxlan id 100 "
			"dstport 4789 local 198.18.20.%d nolearning && ip link set vx100 up && "
			"sysctl -qw net.ipv4.conf.vx100.rp_filter=0 && ip addr add " VIP
			"/32 dev vx100",
			10 + h, h, 10 + h);
		sh(hs[h - 1], cmd);
	}
	/* Next hops resolved before any traffic: an unresolved neighbour
	 * queues only 256 packets of a flood. */
	sh(rt, "ping -c1 -W1 198.18.1.2 >/dev/null && ping -c1 -W1 198.18.2.2 >/dev/null");
	/* The gateways' next hops to the hosts, resolved before the agents. */
	for (int g = 0; g < 2; g++)
		sh(gw[g], "ping -c1 -W1 198.18.20.11 >/dev/null && ping -c1 -W1 198.18.20.12 "
			  ">/dev/null");
}

static void write_config(int g)
{
	char path[128], text[2048];

	snprintf(path, sizeof(path), "%s/gw%d.yaml", dir, g + 1);
	snprintf(text, sizeof(text),
		 "interfaces:\n  - name: g0\n    role: gateway\n"
		 "gateway:\n  vtep: 198.18.20.%d\n%s"
		 "tenants:\n  - {name: a, id: 1, vni: 100}\n"
		 "services:\n  - name: chat\n    id: 1\n    vip: " VIP "\n    port: 80\n"
		 "    tenant: a\n    policy: least-loaded\n    backends:\n"
		 "      - {name: h1, id: 1, vtep: 198.18.20.11, capacity: 10, "
		 "inner_mac: '02:00:00:00:64:01', health: {type: none}}\n"
		 "      - {name: h2, id: 2, vtep: 198.18.20.12, capacity: 10, "
		 "inner_mac: '02:00:00:00:64:02', health: {type: none}}\n"
		 "metrics:\n  listen: 127.0.0.1:9469\n"
		 "sync:\n  listen: 198.18.20.%d:7946\n  peers: [198.18.20.%d:7946]\n%s",
		 g + 1, g ? "" : "  flood_rate: 2000\n", g + 1, 2 - g, g ? "" : "  queue: 16\n");
	fx_write_file(path, text);
}

static void agent_start(int g)
{
	cr_assert_eq(
		netns_run(NULL,
			  "nsenter --net=/run/netns/%s %s --config %s/gw%d.yaml "
			  "--pin-root %s/g%d/v%d >>%s/agent%d.log 2>&1 & echo $! > %s/agent%d.pid",
			  gw[g], agent_bin, dir, g + 1, base, g + 1, IG_ABI_VERSION, dir, g + 1,
			  dir, g + 1),
		0);
	cr_assert_eq(netns_run(gw[g], "for t in $(seq 100); do curl -sf -o /dev/null "
				      "http://127.0.0.1:9469/metrics && exit 0; sleep 0.1; done; "
				      "exit 1"),
		     0, "gateway %d's agent did not come up (see %s/agent%d.log)", g + 1, dir,
		     g + 1);
}

static double metric(int g, const char *line)
{
	return lab_ns_metric(gw[g], line);
}

/* The page is rendered once a second: until the line reaches at least want. */
static double metric_wait(int g, const char *line, double want)
{
	double v = -1;

	for (int t = 0; t < 40; t++) {
		v = metric(g, line);
		if (v >= want)
			break;
		usleep(100 * 1000);
	}
	return v;
}

static void enter_ns(const char *ns)
{
	if (netns_enter(ns) < 0)
		_exit(90);
}

/* A keep-alive server on 0.0.0.0:80 in host h: each byte a client sends is
 * answered with the host's number, until the client closes. */
static void server_start(int h)
{
	servers[h] = netns_keepalive_server(hs[h - 1], 80, (char)('0' + h));
	cr_assert_gt(servers[h], 0);
}

static int client_connect(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct timeval tv = { .tv_sec = 2 };
	int saved = netns_enter(cl), s;

	cr_assert_geq(saved, 0);
	s = socket(AF_INET, SOCK_STREAM, 0);
	netns_leave(saved);
	cr_assert_geq(s, 0);
	inet_pton(AF_INET, VIP, &sa.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		close(s);
		return -1;
	}
	return s;
}

/* One request on a session: the host that answered, 0 on a reset or silence. */
static int ask(int s)
{
	char id = netns_keepalive_ask(s);

	return id ? id - '0' : 0;
}

/* Gateway 1 dies: its agent killed, its links down; the router moves. */
static void gateway1_fails(void)
{
	netns_run(NULL, "kill -9 $(cat %s/agent1.pid)", dir);
	sh(gw[0], "ip link set g0 down && ip link set u0 down");
	sh(rt, "ip route replace 198.19.0.0/16 via 198.18.2.2");
}

/* n spoofed SYNs to VIP:80 from 198.18.128.1, ports from 1024, written to
 * c0 for rt (n <= 64000). */
static void flood(int n)
{
	static struct pb syn;
	char rt_mac[32], cl_mac[32];
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	pid_t pid;
	int status, s;

	mac_of(rt, "r0", rt_mac);
	mac_of(cl, "c0", cl_mac);
	pb_init(&syn);
	pb_eth(&syn, rt_mac, cl_mac, 0);
	pb_ipv4(&syn, &(struct pb_ip4){ .src = "198.18.128.1", .dst = VIP, .ttl = 64 });
	pb_tcp(&syn, &(struct pb_tcp){ .sport = 1024, .dport = 80, .seq = 7, .flags = PB_TCP_SYN });
	pb_finish(&syn);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		enter_ns(cl);
		s = socket(AF_PACKET, SOCK_RAW, 0);
		ll.sll_ifindex = netns_ifindex(cl, "c0");
		pb_mac(rt_mac, ll.sll_addr);
		if (s < 0 || ll.sll_ifindex <= 0)
			_exit(95);
		for (int i = 0; i < n; i++) {
			__u16 sport = htons(1024 + i);

			/* The router checks the IP header's checksum: only the
			 * port varies (the TCP checksum goes stale, unchecked
			 * on the way; the hosts drop the SYNs). */
			memcpy(pb_hdr(&syn, PB_TCP, 0), &sport, 2);
			while (sendto(s, syn.buf, syn.len, 0, (struct sockaddr *)&ll, sizeof(ll)) <
			       0)
				if (errno != ENOBUFS && errno != EAGAIN)
					_exit(96);
		}
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "the flooder failed");
}

/* ---- the lab ---- */

static void setup(void)
{
	const char *build = getenv("IG_BUILD") ?: "build";

	fx_require_root();
	snprintf(dir, sizeof(dir), "/tmp/ig-synclab-XXXXXX");
	cr_assert(mkdtemp(dir));
	snprintf(base, sizeof(base), "/sys/fs/bpf/ig-synclab-%d", getpid());
	cr_assert(realpath(build, agent_bin));
	snprintf(ctl_bin, sizeof(ctl_bin), "%s/infergatectl", agent_bin);
	strcat(agent_bin, "/infergated");
	topology();
	for (int h = 1; h <= NHOSTS; h++)
		server_start(h);
	for (int g = 0; g < 2; g++) {
		write_config(g);
		agent_start(g);
	}
}

static void teardown(void)
{
	for (int g = 0; g < 2; g++)
		netns_run(
			gw[g],
			"curl -s http://127.0.0.1:9469/metrics | grep -E '^infergate_(sync|conns|datapath)' | "
			"grep -v ' 0$' | sed 's/^/gw%d: /' >&2",
			g + 1);
	netns_run(NULL, "kill $(cat %s/agent1.pid) $(cat %s/agent2.pid) 2>/dev/null; sleep 0.3",
		  dir, dir);
	for (int h = 1; h <= NHOSTS; h++)
		if (servers[h] > 0)
			kill(servers[h], SIGKILL);
	netns_cleanup_all();
	netns_run(NULL, "tail -n 20 %s/agent1.log %s/agent2.log >&2; rm -rf %s %s", dir, dir, dir,
		  base);
}

TestSuite(gw_sync, .init = setup, .fini = teardown, .timeout = 120);

#define APPLIED "infergate_sync_entries_total{direction=\"applied\"}"

Test(gw_sync, sessions_survive_gateway_failover_on_their_backends)
{
	int s[SESSIONS], first[SESSIONS], on[NHOSTS + 1] = {}, reset = 0, moved = 0;
	char out[64];
	double applied;

	for (int i = 0; i < SESSIONS; i++) {
		s[i] = client_connect();
		cr_assert_geq(s[i], 0, "session %d did not connect through gateway 1", i);
		first[i] = ask(s[i]);
		cr_assert_gt(first[i], 0, "session %d got no answer", i);
		on[first[i]]++;
	}
	cr_expect(on[1] && on[2], "least-loaded put every session on one host (%d, %d)", on[1],
		  on[2]);
	/* Each session: its SYN, its ACK, its first data. */
	applied = metric_wait(1, APPLIED, 3 * SESSIONS);
	cr_assert_geq(applied, 3 * SESSIONS, "gateway 2 applied %.0f records", applied);
	cr_expect_eq(metric(1, "infergate_sync_lost_total{peer=\"198.18.20.1:7946\"}"), 0);
	/* infergatectl on gateway 2 shows them: open, from the peer. */
	cr_assert_eq(netns_run_output(NULL, out, sizeof(out),
				      "%s --pin-root %s/g2/v%d conns | grep -c ' open synced$'",
				      ctl_bin, base, IG_ABI_VERSION),
		     0);
	cr_expect_eq(atoi(out), SESSIONS, "infergatectl conns on gateway 2: %s", out);
	gateway1_fails();
	for (int i = 0; i < SESSIONS; i++) {
		int now = ask(s[i]);

		reset += now == 0;
		moved += now && now != first[i];
		now = ask(s[i]); /* and on */
		reset += now == 0;
		close(s[i]);
	}
	cr_expect_eq(reset, 0, "%d answers of %d sessions lost after the failover", reset,
		     SESSIONS);
	cr_expect_eq(moved, 0, "%d sessions moved to another backend", moved);
	cr_expect_gt(metric_wait(1, "infergate_datapath_events_total{event=\"conn-table-hits\"}",
				 1),
		     0, "gateway 2 carried nothing: the test tested nothing");
	/* New connections go on through gateway 2. */
	s[0] = client_connect();
	cr_assert_geq(s[0], 0);
	cr_expect_gt(ask(s[0]), 0);
	close(s[0]);
}

Test(gw_sync, closing_is_synced)
{
	double closing0 = metric_wait(1, "infergate_conns{state=\"closing\"}", 0);
	int s = client_connect();

	cr_assert_geq(s, 0);
	cr_assert_gt(ask(s), 0);
	cr_assert_geq(metric_wait(1, "infergate_conns{state=\"open\"}", 1), 1,
		      "gateway 2 shows no open synced entry");
	close(s); /* the client's FIN, through gateway 1 */
	cr_expect_geq(metric_wait(1, "infergate_conns{state=\"closing\"}", closing0 + 1),
		      closing0 + 1, "the close did not reach gateway 2");
	cr_expect_eq(metric_wait(1, "infergate_conns{state=\"open\"}", 0), 0);
}

Test(gw_sync, syn_flood_drops_are_bounded_and_counted)
{
	double drops, ring_full, sent, ring, depth;
	int s;

	flood(20000);
	usleep(1500 * 1000);
	drops = metric(0, "infergate_sync_queue_drops_total");
	ring_full = metric(0, "infergate_sync_ring_full_total");
	ring = metric(0, "infergate_sync_entries_total{direction=\"ring\"}");
	sent = metric(0, "infergate_sync_entries_total{direction=\"sent\"}");
	depth = metric(0, "infergate_sync_queue_depth");
	cr_expect_gt(drops + ring_full, 0, "a flood into a queue of 16 dropped nothing");
	cr_expect_leq(depth, 16);
	cr_expect_geq(ring, sent, "sent more than the ring gave");
	/* The flood guard (2000 new flows per second per CPU) bounded what the
	 * datapath made, and so what sync saw. */
	cr_expect_gt(metric(0, "infergate_datapath_events_total{event=\"flood-guard-stateless\"}"),
		     0);
	cr_expect_lt(ring + ring_full, 20000);
	/* The agent was not starved: a real session still syncs. */
	s = client_connect();
	cr_assert_geq(s, 0);
	cr_expect_gt(ask(s), 0);
	close(s);
}
