// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The gateway with real traffic: client -> gateway (xdp_gateway, attached
 * through kernel-compat) -> three GPU-host namespaces where the kernel's own
 * vxlan device decapsulates and an HTTP server answers by direct server
 * return (the VIP is on the host, replies go straight back to the client).
 * Real curl connections spread by the weights; after a reweight new
 * connections follow the new table while a streaming connection opened
 * before it keeps flowing to its backend without a reset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "compat.h"
#include "dp.h"
#include "fixture.h"
#include "maglev.h"
#include "netns.h"
#include "pktbuild.h"
#include "xdp_gateway.skel.h"

#define NHOSTS 3
#define VIP "198.19.0.10"
#define VNI 100
#define GW_VTEP "198.18.255.1"

struct lab {
	char cl[NETNS_NAME_MAX], gw[NETNS_NAME_MAX], h[NHOSTS][NETNS_NAME_MAX];
	struct xdp_gateway *skel;
	struct dp_maps maps;
	struct compat_attachment att;
	bool attached;
};

static struct lab lab;

static void run_ok(const char *ns, const char *cmd)
{
	int err = netns_run(ns, "%s", cmd);

	cr_assert_eq(err, 0, "in %s: '%s' failed (%d)", ns ? ns : "root", cmd, err);
}

static void mac_of(const char *ns, const char *dev, uint8_t mac[6])
{
	char buf[64];

	cr_assert_eq(netns_run_output(ns, buf, sizeof(buf), "cat /sys/class/net/%s/address", dev),
		     0);
	cr_assert_eq(pb_mac(buf, mac), 0, "bad MAC '%s' of %s", buf, dev);
}

static void host_up(int i)
{
	const char *h = lab.h[i];
	char cmd[512], u[8];

	snprintf(u, sizeof(u), "u%d", i + 1);
	cr_assert_eq(netns_create("h", lab.h[i]), 0);
	cr_assert_eq(netns_veth(lab.gw, u, h, "e0"), 0);
	snprintf(cmd, sizeof(cmd),
		 "ip link set %s mtu 1600 && ip addr add 198.18.%d.1/24 dev %s && ip link set %s up",
		 u, 11 + i, u, u);
	run_ok(lab.gw, cmd);
	/* The underlay carries 50 bytes more than the client's 1500. GRO on
	 * e0 gives the veth the NAPI context that receives XDP redirects. */
	snprintf(cmd, sizeof(cmd),
		 "sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 && "
		 "ip link set e0 mtu 1600 && ip addr add 198.18.%d.2/24 dev e0 && "
		 "ip link set e0 up && ethtool -K e0 gro on >/dev/null && "
		 "ip route add 198.18.0.0/24 via 198.18.%d.1 && "
		 "ip link add vx0 address 02:00:00:00:1b:0%d type vxlan id %d dstport 4789 "
		 "local 198.18.%d.2 nolearning && ip link set vx0 up && "
		 "ip addr add %s/32 dev vx0",
		 11 + i, 11 + i, i + 1, VNI, 11 + i, VIP);
	run_ok(h, cmd);
	snprintf(cmd, sizeof(cmd),
		 "nohup python3 tests/integration/httpd.py %s 80 h%d >/dev/null 2>&1 &", VIP,
		 i + 1);
	run_ok(h, cmd);
}

static void backend_up(int i)
{
	struct ig_backend be = { .service = 1, .weight = 1 };
	char u[8], addr[32];

	snprintf(u, sizeof(u), "u%d", i + 1);
	snprintf(addr, sizeof(addr), "198.18.%d.2", 11 + i);
	pb_addr16(addr, be.addr);
	mac_of(lab.h[i], "e0", be.mac);
	mac_of(lab.gw, u, be.smac);
	mac_of(lab.h[i], "vx0", be.inner_mac);
	be.ifindex = netns_ifindex(lab.gw, u);
	cr_assert_gt(be.ifindex, 0);
	cr_assert_eq(dp_backend_set(&lab.maps, i + 1, &be), 0);
	cr_assert_eq(dp_backend_set_load(&lab.maps, i + 1, 0, 100), 0);
}

/* Push a Maglev table built from weights w[0..NHOSTS-1]. */
static void reweight(const __u32 *w)
{
	static __u32 table[IG_MAGLEV_DEFAULT];
	struct maglev_backend mb[NHOSTS];
	char addr[32];

	for (int i = 0; i < NHOSTS; i++) {
		mb[i] = (struct maglev_backend){ .id = i + 1, .weight = w[i] };
		snprintf(addr, sizeof(addr), "198.18.%d.2", 11 + i);
		pb_addr16(addr, mb[i].addr);
	}
	cr_assert_eq(maglev_build(mb, NHOSTS, IG_MAGLEV_DEFAULT, table), 0);
	cr_assert_eq(dp_maglev_swap(&lab.maps, 1, table, IG_MAGLEV_DEFAULT), 0);
}

static void gateway_up(void)
{
	struct ig_config cfg = { .flags = IG_CFG_ENABLED };
	struct ig_service svc = { .id = 1, .tenant = 1, .policy = IG_POLICY_MAGLEV };
	struct ig_service_key key;
	int g0, err, saved;

	lab.skel = xdp_gateway__open_and_load();
	cr_assert(lab.skel, "loading xdp_gateway.bpf.o failed");
	cr_assert_eq(dp_from_object(&lab.maps, lab.skel->obj), 0);
	pb_addr16(GW_VTEP, cfg.vtep_addr);
	mac_of(lab.gw, "g0", cfg.vtep_mac);
	cr_assert_eq(dp_config_set(&lab.maps, &cfg), 0);
	cr_assert_eq(dp_tenant_set(&lab.maps, 1, VNI, IG_PRIO_STANDARD), 0);
	cr_assert_eq(dp_service_key(&key, VIP, 80, IPPROTO_TCP), 0);
	cr_assert_eq(dp_service_set(&lab.maps, &key, &svc), 0);
	for (int i = 0; i < NHOSTS; i++)
		backend_up(i);
	/* ifindexes in ig_tx_ports and the attach resolve in the caller's
	 * namespace: do both from inside the gateway's. */
	saved = netns_enter(lab.gw);
	cr_assert_geq(saved, 0);
	for (int i = 0; i < NHOSTS; i++) {
		struct ig_backend be;

		cr_assert_eq(dp_backend_get(&lab.maps, i + 1, &be), 0);
		cr_assert_eq(dp_tx_port_add(&lab.maps, be.ifindex), 0);
	}
	g0 = netns_ifindex(lab.gw, "g0");
	err = compat_xdp_attach(bpf_program__fd(lab.skel->progs.xdp_gateway), g0, 0, &lab.att);
	netns_leave(saved);
	cr_assert_eq(err, 0, "attaching xdp_gateway to g0 failed: %d", err);
	lab.attached = true;
}

static void wait_servers(void)
{
	for (int i = 0; i < NHOSTS; i++)
		cr_assert_eq(netns_run(lab.h[i],
				       "for t in $(seq 100); do curl -sf -o /dev/null "
				       "http://%s/ && exit 0; sleep 0.1; done; exit 1",
				       VIP),
			     0, "httpd in %s did not start", lab.h[i]);
}

static void lab_up(void)
{
	fx_require_root();
	memset(&lab, 0, sizeof(lab));
	cr_assert_eq(netns_create("cl", lab.cl), 0);
	cr_assert_eq(netns_create("gw", lab.gw), 0);
	cr_assert_eq(netns_veth(lab.cl, "c0", lab.gw, "g0"), 0);
	run_ok(lab.cl, "ip addr add 198.18.0.2/24 dev c0 && ip link set c0 up && "
		       "ip route add 198.19.0.0/24 via 198.18.0.1");
	cr_assert_eq(netns_tx_off(lab.cl, "c0"), 0); /* TCP through XDP on veth */
	run_ok(lab.gw, "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 "
		       "net.ipv4.conf.default.rp_filter=0 && "
		       "ip addr add 198.18.0.1/24 dev g0 && ip link set g0 up && "
		       "ip addr add " GW_VTEP "/32 dev lo");
	for (int i = 0; i < NHOSTS; i++)
		host_up(i);
	gateway_up();
	wait_servers();
}

static void lab_down(void)
{
	int saved;


	if (lab.attached) {
		saved = netns_enter(lab.gw);
		compat_detach(&lab.att);
		if (saved >= 0)
			netns_leave(saved);
	}
	xdp_gateway__destroy(lab.skel);
	netns_cleanup_all();
}

TestSuite(gateway_lab, .init = lab_up, .fini = lab_down, .timeout = 120);

/* n sequential curl connections from the client; counts per host name. */
static void curl_spread(int n, int counts[NHOSTS + 1])
{
	static char out[65536];
	char *line, *save;

	memset(counts, 0, sizeof(int) * (NHOSTS + 1));
	cr_assert_eq(netns_run_output(lab.cl, out, sizeof(out),
				      "for i in $(seq %d); do curl -s --max-time 3 http://%s/ || "
				      "echo fail; done",
				      n, VIP),
		     0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int h = 0;

		if (sscanf(line, "h%d", &h) == 1 && h >= 1 && h <= NHOSTS)
			counts[h]++;
		else
			counts[0]++;
	}
}

Test(gateway_lab, connections_spread_by_weight)
{
	const __u32 w[NHOSTS] = { 1, 2, 3 };
	int c[NHOSTS + 1];
	const int n = 300;

	reweight(w);
	curl_spread(n, c);
	cr_expect_eq(c[0], 0, "%d connections failed", c[0]);
	/* Expected 50/100/150; each bound is about four standard deviations. */
	for (int i = 0; i < NHOSTS; i++) {
		int want = n * w[i] / 6;

		cr_expect(abs(c[i + 1] - want) <= 28, "h%d got %d connections, want %d +- 28",
			  i + 1, c[i + 1], want);
	}
	cr_expect_eq(fx_counter(lab.skel->obj, "ig_counters", IG_CNT_NEW_CONN, 0), n);
	cr_expect_eq(netns_run(lab.cl, "ping -c 2 -i 0.2 -W 1 198.18.0.1 >/dev/null"), 0,
		     "the gateway's own traffic must keep working");
}

Test(gateway_lab, stream_survives_reweight)
{
	const __u32 even[NHOSTS] = { 1, 1, 1 };
	__u32 w[NHOSTS] = { 1, 1, 1 };
	char first[128], out[4096], dir[] = "/tmp/ig-stream-XXXXXX", path[64];
	int c[NHOSTS + 1], h = 0, chunks = 0;
	FILE *f;

	cr_assert(mkdtemp(dir));
	reweight(even);
	/* A 6-second stream, opened before the reweight. */
	cr_assert_eq(netns_run(lab.cl,
			       "(curl -sN --max-time 20 'http://" VIP "/stream?secs=6&hz=10' "
			       "> %s/out; echo $? > %s/rc) >/dev/null 2>&1 &",
			       dir, dir),
		     0);
	snprintf(path, sizeof(path), "%s/out", dir);
	for (int t = 0; t < 50 && !h; t++) {
		usleep(100 * 1000);
		f = fopen(path, "r");
		if (f && fgets(first, sizeof(first), f))
			sscanf(first, "h%d", &h);
		if (f)
			fclose(f);
	}
	cr_assert(h >= 1 && h <= NHOSTS, "the stream did not start");

	w[h - 1] = 0; /* its backend leaves the table */
	reweight(w);
	curl_spread(60, c);
	cr_expect_eq(c[0], 0);
	cr_expect_eq(c[h], 0, "new connections still reached h%d", h);

	cr_assert_eq(netns_run(NULL,
			       "for t in $(seq 150); do test -s %s/rc && exit 0; sleep 0.1; done; "
			       "exit 1",
			       dir),
		     0, "the stream did not finish");
	cr_assert_eq(netns_run_output(NULL, out, sizeof(out), "cat %s/rc", dir), 0);
	cr_expect_eq(atoi(out), 0, "curl of the stream exited %s", out);
	f = fopen(path, "r");
	cr_assert(f);
	while (fgets(first, sizeof(first), f)) {
		int hh = 0, k, n;

		cr_expect_eq(sscanf(first, "h%d %d/%d", &hh, &k, &n), 3, "bad line '%s'", first);
		cr_expect_eq(hh, h, "chunk from h%d, stream began on h%d", hh, h);
		chunks++;
	}
	fclose(f);
	cr_expect_eq(chunks, 60, "got %d of 60 chunks", chunks);
	netns_run(NULL, "rm -rf %s", dir);
}
