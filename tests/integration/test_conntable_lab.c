// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The connection table under floods in the lab, with infergated running the
 * gateway (YAML, its own pin root; the flood guard off, so the table alone
 * is tested): 20 idle keep-alive sessions survive a flood of spoofed SYN
 * then ACK pairs larger than the table and a telemetry weight change that
 * moves every new flow away from h1 (none reset, each on its first backend);
 * a tenant capped at 50 connections is locked out by a spoofed SYN flood
 * only until the SYN timeout (1 s) and the agent's next sweep.
 *
 * Spoofed frames are written to the client's c0 with an AF_PACKET socket,
 * their sources in 198.19.128.0/17; their checksums are left stale (the
 * gateway checks none; the hosts drop them after decapsulation). */
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
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <criterion/criterion.h>

#include "tests/lib/fixture.h"
#include "tests/lib/pktbuild.h"
#include "tools/lab/lab.h"

#define NHOSTS 2
#define VIP_A "198.19.0.10" /* tenant a: the sessions */
#define VIP_B "198.19.0.20" /* tenant b: max_conns 50 */
#define SESSIONS 20
#define FLOOD_PAIRS 300000 /* more tuples than the table's 262144 ways */
#define INTERVAL_MS 200
#define IDLE                                              \
	"vllm:num_requests_waiting{model_name=\"m\"} 0\n" \
	"vllm:num_requests_running{model_name=\"m\"} 1\n" \
	"vllm:kv_cache_usage_perc{model_name=\"m\"} 0.1\n"
#define BUSY                                               \
	"vllm:num_requests_waiting{model_name=\"m\"} 40\n" \
	"vllm:num_requests_running{model_name=\"m\"} 8\n"  \
	"vllm:kv_cache_usage_perc{model_name=\"m\"} 0.95\n"

static struct lab lab;
static char dir[64], root[128], base[96], conf[128], agent_bin[256];
static pid_t servers[NHOSTS + 1];

static void metrics_set(int h, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/h%d.prom", dir, h);
	fx_write_atomic(path, text); /* the server never reads half a file */
}

static void write_config(void)
{
	char text[4096];
	int n;

	n = snprintf(text, sizeof(text),
		     "interfaces:\n  - name: g0\n    role: gateway\n"
		     "gateway:\n  vtep: " LAB_GW_VTEP "\n  flood_rate: 0\n  syn_timeout: 1s\n"
		     "tenants:\n  - {name: a, id: 1, vni: 100}\n"
		     "  - {name: b, id: 2, vni: 200, limits: {max_conns: 50}}\n"
		     "services:\n  - name: chat\n    id: 1\n    vip: " VIP_A "\n    port: 80\n"
		     "    tenant: a\n    backends:\n");
	for (int h = 1; h <= NHOSTS; h++)
		n += snprintf(text + n, sizeof(text) - n,
			      "      - name: h%d\n        id: %d\n        vtep: 198.18.%d.2\n"
			      "        capacity: 10\n        inner_mac: 02:00:00:00:64:%02x\n"
			      "        metrics:\n          - url: file://%s/h%d.prom\n"
			      "            format: vllm\n",
			      h, h, 10 + h, h, dir, h);
	snprintf(text + n, sizeof(text) - n,
		 "  - name: capped\n    id: 2\n    vip: " VIP_B "\n    port: 80\n"
		 "    tenant: b\n    backends:\n"
		 "      - {name: b1, id: 3, vtep: 198.18.11.2, capacity: 10, "
		 "inner_mac: '02:00:00:00:c8:01'}\n"
		 "telemetry:\n  interval: %dms\n  timeout: 150ms\n"
		 "scoring:\n  ewma_alpha: 1\n  hysteresis: 0.02\n"
		 "metrics:\n  listen: 127.0.0.1:9469\n",
		 INTERVAL_MS);
	fx_write_file(conf, text);
}

/* ---- processes in the lab's namespaces ---- */

static void enter_ns(const char *ns)
{
	if (netns_enter(ns) < 0)
		_exit(90);
}

/* A keep-alive server on 0.0.0.0:80 in host h: each byte a client sends is
 * answered with the host's number, until the client closes. */
static void server_start(int h)
{
	servers[h] = netns_keepalive_server(lab.h[h - 1], 80, (char)('0' + h));
	cr_assert_gt(servers[h], 0);
}

/* A TCP connection from the client namespace to vip:80, or -1 (after
 * timeout_ms). */
static int client_connect(const char *vip, int timeout_ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct timeval tv = { .tv_sec = 2 };
	int saved = netns_enter(lab.cl), s, err = 0;
	socklen_t len = sizeof(err);
	struct pollfd pf;

	cr_assert_geq(saved, 0);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	netns_leave(saved);
	cr_assert_geq(s, 0);
	inet_pton(AF_INET, vip, &sa.sin_addr);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS)
		goto fail;
	pf = (struct pollfd){ .fd = s, .events = POLLOUT };
	if (poll(&pf, 1, timeout_ms) != 1 || getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		goto fail;
	fcntl(s, F_SETFL, 0);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return s;
fail:
	close(s);
	return -1;
}

/* One request on a session: the host that answered, 0 on a reset or
 * silence. */
static int ask(int s)
{
	char id = netns_keepalive_ask(s);

	return id ? id - '0' : 0;
}

/* In the client namespace: for each of n spoofed tuples to vip:80, a SYN
 * and (with ack) an ACK, written to c0 addressed to g0. */
static void flood(const char *vip, int n, bool ack)
{
	static struct pb syn, seg;
	char gw_mac[32], cl_mac[32];
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	pid_t pid;
	int status, s;

	cr_assert_eq(netns_run_output(lab.gw, gw_mac, sizeof(gw_mac),
				      "cat /sys/class/net/g0/address"),
		     0);
	cr_assert_eq(netns_run_output(lab.cl, cl_mac, sizeof(cl_mac),
				      "cat /sys/class/net/c0/address"),
		     0);
	gw_mac[17] = cl_mac[17] = '\0';
	pb_init(&syn);
	pb_eth(&syn, gw_mac, cl_mac, 0);
	pb_ipv4(&syn, &(struct pb_ip4){ .src = "198.19.128.1", .dst = vip });
	pb_tcp(&syn, &(struct pb_tcp){ .sport = 1024, .dport = 80, .seq = 7, .flags = PB_TCP_SYN });
	pb_finish(&syn);
	seg = syn;
	pb_hdr(&seg, PB_TCP, 0)[13] = PB_TCP_ACK;
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		enter_ns(lab.cl);
		s = socket(AF_PACKET, SOCK_RAW, 0);
		ll.sll_ifindex = netns_ifindex(lab.cl, "c0");
		pb_mac(gw_mac, ll.sll_addr);
		if (s < 0 || ll.sll_ifindex <= 0)
			_exit(95);
		for (int i = 0; i < n; i++) {
			/* 198.19.(128 + i >> 16).(i >> 8), port 1024 + (i & 0xff) */
			__u32 src = htonl(0xc6138000U | (i >> 8));
			__u16 sport = htons(1024 + (i & 0xff));

			for (int k = 0; k < (ack ? 2 : 1); k++) {
				struct pb *f = k ? &seg : &syn;

				memcpy(pb_hdr(f, PB_IPV4, 0) + 12, &src, 4);
				memcpy(pb_hdr(f, PB_TCP, 0), &sport, 2);
				while (sendto(s, f->buf, f->len, 0, (struct sockaddr *)&ll,
					      sizeof(ll)) < 0)
					if (errno != ENOBUFS && errno != EAGAIN)
						_exit(96);
			}
		}
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "the flooder failed (%d)",
		  WEXITSTATUS(status));
}

static double metric(const char *line)
{
	return lab_metric(&lab, line);
}

/* ---- the lab ---- */

static void setup(void)
{
	const char *build = getenv("IG_BUILD") ?: "build";

	fx_require_root();
	snprintf(dir, sizeof(dir), "/tmp/ig-ctlab-XXXXXX");
	cr_assert(mkdtemp(dir));
	snprintf(base, sizeof(base), "/sys/fs/bpf/ig-ctlab-%d", getpid());
	snprintf(root, sizeof(root), "%s/v%d", base, IG_ABI_VERSION);
	snprintf(conf, sizeof(conf), "%s/infergate.yaml", dir);
	cr_assert(realpath(build, agent_bin));
	strcat(agent_bin, "/infergated");
	cr_assert_eq(netns_run(NULL, "mkdir -p %s", base), 0);
	cr_assert_eq(lab_create(&lab, NHOSTS), 0);
	for (int h = 1; h <= NHOSTS; h++) {
		metrics_set(h, IDLE);
		cr_assert_eq(lab_host_vni(&lab, h, 100, VIP_A), 0);
		server_start(h);
	}
	cr_assert_eq(lab_host_vni(&lab, 1, 200, VIP_B), 0);
	write_config();
	cr_assert_eq(lab_agent_start(&lab, agent_bin, conf, root, dir), 0,
		     "the agent did not come up (see %s/agent.log)", dir);
}

static void teardown(void)
{
	netns_run(NULL, "kill $(cat %s/agent.pid) 2>/dev/null; sleep 0.3", dir);
	for (int h = 1; h <= NHOSTS; h++)
		if (servers[h] > 0)
			kill(servers[h], SIGKILL);
	lab_destroy(&lab);
	netns_run(NULL, "tail -n 30 %s/agent.log >&2; rm -rf %s %s", dir, dir, base);
}

TestSuite(conntable_lab, .init = setup, .fini = teardown, .timeout = 120);

/* ---- the tests ---- */

Test(conntable_lab, idle_sessions_survive_a_syn_ack_flood_and_a_weight_change)
{
	int s[SESSIONS], first[SESSIONS], on[NHOSTS + 1] = {}, reset = 0, moved = 0;
	double full0 = metric("infergate_datapath_events_total{event=\"conn-bucket-full\"}");
	double rep0 = metric("infergate_datapath_events_total{event=\"conn-entry-replaced\"}");

	for (int i = 0; i < SESSIONS; i++) {
		s[i] = client_connect(VIP_A, 2000);
		cr_assert_geq(s[i], 0, "session %d did not connect", i);
		first[i] = ask(s[i]);
		cr_assert_gt(first[i], 0, "session %d got no answer", i);
		on[first[i]]++;
	}
	cr_assert_gt(on[1], 0, "no session on h1: the weight change would test nothing");
	/* Idle sessions, then more spoofed handshakes than the table has ways. */
	flood(VIP_A, FLOOD_PAIRS, true);
	cr_expect_gt(
		metric("infergate_datapath_events_total{event=\"conn-bucket-full\"}") +
			metric("infergate_datapath_events_total{event=\"conn-entry-replaced\"}"),
		full0 + rep0, "the flood never filled a bucket: the test tests nothing");
	metrics_set(1, BUSY); /* h1's weight goes to 0: new flows all go to h2 */
	cr_expect_eq(lab_metric_wait(&lab,
				     "infergate_backend_weight{service=\"chat\",backend=\"h1\"}", 0,
				     40),
		     0);
	for (int i = 0; i < SESSIONS; i++) {
		int now = ask(s[i]);

		reset += now == 0;
		moved += now && now != first[i];
		close(s[i]);
	}
	cr_expect_eq(reset, 0, "%d of %d idle sessions reset (%d on h1 before)", reset, SESSIONS,
		     on[1]);
	cr_expect_eq(moved, 0, "%d sessions moved", moved);
}

Test(conntable_lab, a_capped_tenant_admits_again_after_the_syn_timeout)
{
	struct timespec t0, t1;
	double waited;
	int c = -1;

	c = client_connect(VIP_B, 2000);
	cr_assert_geq(c, 0, "tenant b's service works before the flood");
	close(c);
	usleep(1500 * 1000); /* the closed connection leaves the count at the next sweep */
	flood(VIP_B, 2000, false); /* spoofed SYNs only: 50 half-open, the rest refused */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_expect_lt(client_connect(VIP_B, 300), 0, "the cap holds right after the flood");
	for (int t = 0; t < 40 && c < 0; t++)
		c = client_connect(VIP_B, 200);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_assert_geq(c, 0, "tenant b still locked out after %.1f s", waited);
	cr_expect_lt(waited, 1.0 + 1.0 + 1.0,
		     "admitted again after %.1f s: more than the SYN timeout and a sweep", waited);
	close(c);
}
