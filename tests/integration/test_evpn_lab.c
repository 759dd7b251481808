// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* EVPN with FRR (docs/evpn.md): a gateway, GPU hosts and a route reflector,
 * each a namespace with its own FRR (real zebra and bgpd, configuration
 * generated here as a user would write it); the gateway and every host run
 * their own infergated with their own YAML file and pin root. Two tenants;
 * no YAML file names a VTEP or a remote endpoint: each host learns them
 * from what zebra installs. The test writes no map. It checks that
 * same-tenant traffic works (east-west, north-south through the gateway)
 * and every cross-tenant probe fails and is counted; that a hostile VTEP
 * announcing B's VNI (and one of A's addresses in it) cannot deliver into
 * A; that a fourth host joining with A's VNI is allowed for A (not B)
 * within 5 s and removed within the hold time once its FRR dies; that a
 * workload moving from host 3 to host 1 is reached there with no other
 * host's file edited; that configured entries win over learned ones; and
 * that the kernel vxlan, bridge and port devices made for FRR carried no
 * packet at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "tests/lib/fixture.h"
#include "tools/lab/frr.h"
#include "tools/lab/lab.h"

#define NHOSTS 4 /* host 4 joins later */
#define VIP_A "198.19.64.10"
#define VIP_B "198.19.65.10"
#define RR "198.18.20.2"
#define ROGUE "198.18.19.2"
#define HOLD_S 3

struct wl {
	const char *name;
	int h;
	char t;
	int idx;
	char ns[NETNS_NAME_MAX];
	char a4[32], a6[48];
};

enum { A1, B1, A2, B2, A3, B3, A4, NWL };

static struct wl wls[NWL] = {
	[A1] = { "a1", 1, 'a', 1 }, [B1] = { "b1", 1, 'b', 1 }, [A2] = { "a2", 2, 'a', 2 },
	[B2] = { "b2", 2, 'b', 2 }, [A3] = { "a3", 3, 'a', 3 }, [B3] = { "b3", 3, 'b', 3 },
	[A4] = { "a4", 4, 'a', 4 },
};

static struct lab lab;
static struct frr frr_rr, frr_gw, frr_h[NHOSTS + 1], frr_rg;
static char dir[64], bin[256], rr[NETNS_NAME_MAX], rg[NETNS_NAME_MAX];
static struct timespec t0;

static const char *hns(int h)
{
	return h ? lab.h[h - 1] : lab.gw;
}

static void run_ok(const char *ns, const char *cmd)
{
	int err = netns_run(ns, "%s", cmd);

	cr_assert_eq(err, 0, "in %s: '%s' failed (%d)", ns ? ns : "root", cmd, err);
}

static double since_ms(const struct timespec *t)
{
	struct timespec n;

	clock_gettime(CLOCK_MONOTONIC, &n);
	return (n.tv_sec - t->tv_sec) * 1e3 + (n.tv_nsec - t->tv_nsec) / 1e6;
}

static void step(const char *what)
{
	cr_log_info("%.1f s: %s", since_ms(&t0) / 1e3, what);
}

/* ---- FRR: the configuration a user would write ---- */

static void frr_up(struct frr *f, const char *ns, const char *id)
{
	char conf[1024];

	snprintf(conf, sizeof(conf),
		 "frr defaults datacenter\n"
		 "hostname %s\n"
		 "router bgp 65000\n"
		 " bgp router-id %s\n"
		 " no bgp default ipv4-unicast\n"
		 " neighbor " RR " remote-as 65000\n"
		 " neighbor " RR " update-source %s\n"
		 " neighbor " RR " timers 1 %d\n"
		 " neighbor " RR " timers connect 1\n"
		 " address-family l2vpn evpn\n"
		 "  neighbor " RR " activate\n"
		 "  advertise-all-vni\n"
		 " exit-address-family\n",
		 id, id, id, HOLD_S);
	cr_assert_eq(frr_start(f, ns, FRR_BGPD, conf), 0, "FRR in %s", ns);
}

static void frr_rr_up(void)
{
	cr_assert_eq(frr_start(&frr_rr, rr, FRR_BGPD,
			       "frr defaults datacenter\n"
			       "hostname rr\n"
			       "router bgp 65000\n"
			       " bgp router-id " RR "\n"
			       " no bgp default ipv4-unicast\n"
			       " neighbor fabric peer-group\n"
			       " neighbor fabric remote-as 65000\n"
			       " neighbor fabric timers 1 3\n"
			       " bgp listen range 198.18.0.0/15 peer-group fabric\n"
			       " address-family l2vpn evpn\n"
			       "  neighbor fabric activate\n"
			       "  neighbor fabric route-reflector-client\n"
			       " exit-address-family\n"),
		     0);
}

/* ---- configuration files: no VTEP, no remote endpoint ---- */

static const char *tenants_yaml = "tenants:\n"
				  "  - {name: ta, id: 1, vni: 6400}\n"
				  "  - {name: tb, id: 2, vni: 6500}\n";

/* Host h's file: its workloads (present[]), an optional extra tail. */
static void write_host_conf(int h, const bool *present, const char *extra)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/h%d.yaml", dir, h);
	f = fopen(path, "w");
	cr_assert(f);
	fprintf(f, "interfaces:\n  - {name: e0, role: host}\n%sevpn: {}\n", tenants_yaml);
	fprintf(f, "host:\n  vtep: 198.18.%d.2\n  tenants:\n", 10 + h);
	fprintf(f, "    - {name: ta%s}\n",
		extra && strstr(extra, "vteps") ? ", vteps: [198.18.255.1]" : "");
	if (h != 4)
		fprintf(f, "    - {name: tb}\n");
	fprintf(f, "  workloads:\n");
	for (int i = 0; i < NWL; i++) {
		const struct wl *w = &wls[i];

		if (!present[i])
			continue;
		fprintf(f, "    - {name: %s, interface: w%s, tenant: t%c, addresses: [%s, %s]%s}\n",
			w->name, w->name, w->t, w->a4, w->a6,
			i == A2 ? ", vips: [" VIP_A "]" :
			i == B2 ? ", vips: [" VIP_B "]" :
				  "");
	}
	if (extra && strstr(extra, "endpoints"))
		fprintf(f, "  endpoints:\n    - {tenant: ta, vtep: 198.18.11.2, addresses: [%s]}\n",
			wls[A1].a6);
	fclose(f);
}

static bool on_host(int i, int h)
{
	return wls[i].h == h;
}

static void write_host_default(int h)
{
	bool present[NWL];

	for (int i = 0; i < NWL; i++)
		present[i] = on_host(i, h);
	write_host_conf(h, present, NULL);
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
	fprintf(f, "%sevpn: {}\nservices:\n", tenants_yaml);
	fprintf(f,
		"  - {name: a-tcp, id: 1, vip: " VIP_A ", port: 80, tenant: ta, backends: "
		"[{name: h2a, id: 1, vtep: 198.18.12.2, capacity: 10, health: {type: none}}]}\n"
		"  - {name: b-tcp, id: 2, vip: " VIP_B ", port: 80, tenant: tb, backends: "
		"[{name: h2b, id: 2, vtep: 198.18.12.2, capacity: 10, health: {type: none}}]}\n");
	fclose(f);
}

/* ---- agents ---- */

static void agent_name(int h, char out[16])
{
	snprintf(out, 16, h ? "h%d" : "gw", h);
}

static void agent_launch(int h)
{
	char name[16];

	agent_name(h, name);
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

static void agent_hup(int h)
{
	char name[16];

	agent_name(h, name);
	cr_assert_eq(netns_run(NULL, "kill -HUP $(cat %s/%s.pid)", dir, name), 0);
}

static double metric(int h, const char *line)
{
	return lab_ns_metric(hns(h), line);
}

/* The value once the page has caught up with what came before: the page is
 * rendered once a second, so a baseline read right after traffic may miss
 * its last packets. Reads until two reads 1.2 s apart agree (at most 6 s). */
static double metric_settled(int h, const char *line)
{
	double v = metric(h, line), w;

	for (int i = 0; i < 5; i++) {
		usleep(1200 * 1000);
		w = metric(h, line);
		if (w == v)
			break;
		v = w;
	}
	return v;
}

/* The page is rendered once a second: poll up to ms for at least want. */
static double metric_reach(int h, const char *line, double want, int ms)
{
	double v = metric(h, line);

	for (int t = 0; t < ms && v < want; t += 200) {
		usleep(200 * 1000);
		v = metric(h, line);
	}
	return v;
}

/* Poll up to ms for exactly want. */
static double metric_eq(int h, const char *line, double want, int ms)
{
	double v = metric(h, line);

	for (int t = 0; t < ms && v != want; t += 200) {
		usleep(200 * 1000);
		v = metric(h, line);
	}
	return v;
}

static double drops(int h, char t, const char *reason)
{
	char line[160];

	snprintf(line, sizeof(line), "infergate_host_drops_total{tenant=\"t%c\",reason=\"%s\"}", t,
		 reason);
	return metric(h, line);
}

/* Packets delivered to workload w on host h; settled: once the page has
 * caught up (a baseline). */
static double wl_rx_read(int h, const struct wl *w, bool settled)
{
	char line[160];

	snprintf(line, sizeof(line),
		 "infergate_host_workload_rx_packets_total{workload=\"%s\",tenant=\"t%c\"}",
		 w->name, w->t);
	return settled ? metric_settled(h, line) : metric(h, line);
}

static double wl_rx(int h, const struct wl *w)
{
	return wl_rx_read(h, w, false);
}

static double wl_rx_settled(int h, const struct wl *w)
{
	return wl_rx_read(h, w, true);
}

/* infergatectl --json on host h, from its pins. */
static void ctl(int h, const char *cmd, char *out, size_t len)
{
	char name[16];

	agent_name(h, name);
	cr_assert_eq(netns_run_output(NULL, out, len,
				      "nsenter --net=/run/netns/%s %.*s/infergatectl --json "
				      "--pin-root /sys/fs/bpf/%s/%s %s",
				      hns(h), (int)(strrchr(bin, '/') - bin), bin,
				      strrchr(dir, '/') + 1, name, cmd),
		     0);
}

/* Host h's ig_vteps allows vtep for vni, learned from EVPN. */
static bool learned_vtep(int h, int vni, const char *vtep)
{
	char out[4096], want[96], *p;

	ctl(h, "vnis", out, sizeof(out));
	snprintf(want, sizeof(want), "{\"vni\":%d,", vni);
	p = strstr(out, want);
	if (!p)
		return false;
	p = strstr(p, "\"learned\":[");
	snprintf(want, sizeof(want), "\"%s\"", vtep);
	return p && strstr(p, want) && strstr(p, want) < strchr(p, ']');
}

static double wait_vtep(int h, int vni, const char *vtep, bool want, int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	while (learned_vtep(h, vni, vtep) != want && since_ms(&t) < ms)
		usleep(50 * 1000);
	return since_ms(&t);
}

/* ---- workloads ---- */

static void wl_addrs(struct wl *w)
{
	int p = w->t == 'a' ? 64 : 65;

	snprintf(w->a4, sizeof(w->a4), "198.18.%d.%d", p, w->idx);
	snprintf(w->a6, sizeof(w->a6), "2001:db8:%d::%d", p, w->idx);
}

static void wl_up(struct wl *w, int h)
{
	char cmd[512], dev[16];
	int p = w->t == 'a' ? 64 : 65;

	w->h = h;
	snprintf(dev, sizeof(dev), "w%s", w->name);
	cr_assert_eq(netns_create(w->name, w->ns), 0);
	cr_assert_eq(netns_veth(hns(h), dev, w->ns, "eth0"), 0);
	cr_assert_eq(netns_link_up(hns(h), dev), 0);
	snprintf(cmd, sizeof(cmd),
		 "ip addr add %s/24 dev eth0 && ip -6 addr add %s/64 dev eth0 nodad && "
		 "ip link set eth0 up && ip link set lo up && "
		 "ip route add default via 198.18.%d.254 && "
		 "ip -6 route add default via 2001:db8:%d::fffe%s",
		 w->a4, w->a6, p, p,
		 w == &wls[A2] ? " && ip addr add " VIP_A "/32 dev lo" :
		 w == &wls[B2] ? " && ip addr add " VIP_B "/32 dev lo" :
				 "");
	run_ok(w->ns, cmd);
	if (w == &wls[A2] || w == &wls[B2]) {
		snprintf(cmd, sizeof(cmd),
			 "nohup python3 tests/integration/httpd.py 0.0.0.0 80 %s >/dev/null 2>&1 &",
			 w->name);
		run_ok(w->ns, cmd);
	}
}

static void wl_down(struct wl *w)
{
	netns_delete(w->ns);
	w->ns[0] = '\0';
}

/* Pings (IPv4 and IPv6) from each pair's source to its destination's
 * addresses, all at once; returns how many did not do as wanted, listed
 * in out. */
static int pings(const int (*pairs)[2], int n, bool reach, char *out, size_t len)
{
	char cmd[4096];
	size_t k = 0;

	k += snprintf(cmd + k, sizeof(cmd) - k, "r=''; ");
	for (int i = 0; i < n; i++) {
		const struct wl *s = &wls[pairs[i][0]], *d = &wls[pairs[i][1]];

		k += snprintf(
			cmd + k, sizeof(cmd) - k,
			"(ip netns exec %s ping -c 1 -W 1 %s >/dev/null 2>&1; [ $? -eq 0 ] "
			"%s echo -n '%s>%s ') & "
			"(ip netns exec %s ping -6 -c 1 -W 1 %s >/dev/null 2>&1; [ $? -eq 0 ] "
			"%s echo -n '%s>%s ') & ",
			s->ns, d->a4, reach ? "||" : "&&", s->name, d->a4, s->ns, d->a6,
			reach ? "||" : "&&", s->name, d->a6);
	}
	snprintf(cmd + k, sizeof(cmd) - k, "wait");
	out[0] = '\0';
	netns_run_output(NULL, out, len, "%s", cmd);
	return (int)strlen(out);
}

static void expect_reach(const int (*pairs)[2], int n)
{
	char out[1024];

	/* A first ping may wait on the neighbour of a next hop: one retry. */
	if (pings(pairs, n, true, out, sizeof(out)))
		pings(pairs, n, true, out, sizeof(out));
	cr_expect_str_empty(out, "not reached: %s", out);
}

static void expect_block(const int (*pairs)[2], int n)
{
	char out[1024];

	pings(pairs, n, false, out, sizeof(out));
	cr_expect_str_empty(out, "reached across tenants: %s", out);
}

/* Crafted VXLAN (3 datagrams) from src (bound) to dst's UDP 4789: VNI vni,
 * an inner IPv4/UDP packet from isrc to idst. */
static void vxlan_send(const char *ns, const char *src, const char *dst, int vni, const char *isrc,
		       const char *idst)
{
	cr_assert_eq(
		netns_run(ns,
			  "python3 -c 'import socket,struct,sys\n"
			  "src,dst,vni,isrc,idst=sys.argv[1:6]\n"
			  "def cs(b):\n"
			  "  s=sum(struct.unpack(\"!10H\",b)); s=(s>>16)+(s&0xffff); s+=s>>16\n"
			  "  return ~s&0xffff\n"
			  "udp=struct.pack(\"!HHHH\",5001,5001,10,0)+b\"ig\"\n"
			  "ip=struct.pack(\"!BBHHHBBH4s4s\",0x45,0,30,1,0,64,17,0,"
			  "socket.inet_aton(isrc),socket.inet_aton(idst))\n"
			  "ip=ip[:10]+struct.pack(\"!H\",cs(ip))+ip[12:]\n"
			  "eth=bytes.fromhex(\"020000000001020000000002\")+b\"\\x08\\x00\"\n"
			  "vx=struct.pack(\"!II\",0x08000000,int(vni)<<8)\n"
			  "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind((src,0))\n"
			  "for i in range(3): s.sendto(vx+eth+ip+udp,(dst,4789))' "
			  "%s %s %d %s %s",
			  src, dst, vni, isrc, idst),
		0);
}

/* Packets counted on the kernel devices made for FRR (ig[bvpq]<vni>) in
 * ns: *vx_rx gets what the vxlan devices received (their UDP socket's
 * decapsulations); the rest (every device's transmissions and drops, what
 * the bridges and ports received) is returned; *ndev gets how many such
 * devices there are. */
static long long evpn_dev_packets(const char *ns, int *ndev, long long *vx_rx)
{
	char out[64];
	long long rest;

	cr_assert_eq(netns_run_output(ns, out, sizeof(out),
				      "n=0; s=0; v=0; cd /sys/class/net; for d in $(ls | grep -E "
				      "'^ig[bvpq][0-9]+$'); do n=$((n+1)); for c in rx_packets "
				      "tx_packets rx_dropped tx_dropped; do x=$(cat "
				      "$d/statistics/$c); case $d$c in igv*rx_packets) "
				      "v=$((v+x));; *) s=$((s+x));; esac; done; done; "
				      "echo $n $s $v"),
		     0);
	if (sscanf(out, "%d %lld %lld", ndev, &rest, vx_rx) != 3)
		return -1;
	return rest;
}

/* ---- the lab ---- */

static void lab_up(void)
{
	const char *build = getenv("IG_BUILD") ?: "build";

	clock_gettime(CLOCK_MONOTONIC, &t0);
	fx_require_root();
	snprintf(dir, sizeof(dir), "/tmp/igevpn-XXXXXX");
	cr_assert(mkdtemp(dir));
	cr_assert(realpath(build, bin));
	strcat(bin, "/infergated");
	for (int i = 0; i < NWL; i++)
		wl_addrs(&wls[i]);
	cr_assert_eq(lab_create(&lab, NHOSTS), 0);
	for (int h = 1; h <= NHOSTS; h++) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd),
			 "ip route add 198.18.0.0/15 via 198.18.%d.1 && "
			 "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1",
			 10 + h);
		run_ok(hns(h), cmd);
	}
	/* The route reflector and a hostile VTEP hang off the gateway. */
	cr_assert_eq(netns_create("rr", rr), 0);
	cr_assert_eq(netns_veth(lab.gw, "u8", rr, "e0"), 0);
	run_ok(lab.gw, "ip addr add 198.18.20.1/24 dev u8 && ip link set u8 up");
	run_ok(rr, "ip addr add " RR "/24 dev e0 && ip link set e0 up && ip link set lo up && "
		   "ip route add 198.18.0.0/15 via 198.18.20.1");
	cr_assert_eq(netns_create("rg", rg), 0);
	cr_assert_eq(netns_veth(lab.gw, "u9", rg, "e0"), 0);
	run_ok(lab.gw, "ip addr add 198.18.19.1/24 dev u9 && ip link set u9 up");
	run_ok(rg, "ip addr add " ROGUE "/24 dev e0 && ip link set e0 up && ip link set lo up && "
		   "ip route add 198.18.0.0/15 via 198.18.19.1");
	frr_rr_up();
	write_gw_conf();
	for (int h = 1; h < NHOSTS; h++)
		write_host_default(h);
	for (int h = 0; h < NHOSTS; h++)
		agent_launch(h);
	for (int i = 0; i < NWL; i++)
		if (wls[i].h < NHOSTS)
			wl_up(&wls[i], wls[i].h);
	for (int h = 0; h < NHOSTS; h++)
		agent_wait(h);
	/* FRR after the agents: zebra finds the VNIs' objects made. (Either
	 * order works; this one is the common boot order.) */
	frr_up(&frr_gw, lab.gw, LAB_GW_VTEP);
	for (int h = 1; h < NHOSTS; h++) {
		char id[32];

		snprintf(id, sizeof(id), "198.18.%d.2", 10 + h);
		frr_up(&frr_h[h], hns(h), id);
	}
	cr_assert_eq(frr_bgp_wait_established(&frr_gw, RR, 15000), 0);
	for (int h = 1; h < NHOSTS; h++)
		cr_assert_eq(frr_bgp_wait_established(&frr_h[h], RR, 15000), 0);
	step("lab, FRR and agents up");
}

static void lab_down(void)
{
	for (int h = 0; h <= NHOSTS; h++) {
		char name[16];

		agent_name(h, name);
		netns_run(NULL, "kill $(cat %s/%s.pid 2>/dev/null) 2>/dev/null", dir, name);
	}
	frr_cleanup_all();
	usleep(300 * 1000);
	for (int i = 0; i < NWL; i++)
		if (wls[i].ns[0])
			wl_down(&wls[i]);
	netns_delete(rr);
	netns_delete(rg);
	lab_destroy(&lab);
	netns_run(NULL, "tail -n 20 %s/*.log >&2; rm -rf /sys/fs/bpf/%s %s", dir,
		  strrchr(dir, '/') + 1, dir);
}

TestSuite(evpn_lab, .init = lab_up, .fini = lab_down, .timeout = 150);

/* ---- the steps ---- */

/* Every host learns the other hosts and the gateway for both VNIs, and
 * every remote workload address, from EVPN alone. */
static void learned(void)
{
	static const char *const vteps[] = { LAB_GW_VTEP, "198.18.11.2", "198.18.12.2",
					     "198.18.13.2" };

	for (int h = 1; h < NHOSTS; h++)
		for (int v = 0; v < 4; v++) {
			if (v == h)
				continue;
			cr_expect_lt(wait_vtep(h, 6400, vteps[v], true, 10000), 10000,
				     "host %d did not learn %s for A", h, vteps[v]);
			cr_expect_lt(wait_vtep(h, 6500, vteps[v], true, 10000), 10000,
				     "host %d did not learn %s for B", h, vteps[v]);
		}
	/* 2 other hosts x (IPv4 + IPv6) per tenant. */
	for (int h = 1; h < NHOSTS; h++) {
		cr_expect_eq(metric_reach(h,
					  "infergate_host_endpoints{tenant=\"ta\",source=\"evpn\"}",
					  4, 10000),
			     4, "host %d: tenant A's learned endpoints", h);
		cr_expect_eq(metric_reach(h,
					  "infergate_host_endpoints{tenant=\"tb\",source=\"evpn\"}",
					  4, 10000),
			     4, "host %d: tenant B's learned endpoints", h);
	}
	step("every VTEP and remote endpoint learned");
}

static void same_tenant_and_cross(void)
{
	static const int same[][2] = { { A1, A2 }, { A2, A3 }, { A3, A1 },
				       { B1, B2 }, { B2, B3 }, { B3, B1 } };
	static const int cross[][2] = { { A1, B2 }, { A1, B3 }, { B1, A2 },
					{ B2, A3 }, { A3, B1 }, { B3, A2 } };
	double before[4];
	int want[4] = { 0 };
	char out[64] = "";

	for (int i = 0; i < 6; i++)
		want[wls[cross[i][0]].h] += 2; /* IPv4 and IPv6, counted at the source */
	expect_reach(same, 6);
	for (int h = 1; h < NHOSTS; h++)
		before[h] = drops(h, 'a', "endpoint-other-tenant") +
			    drops(h, 'b', "endpoint-other-tenant");
	expect_block(cross, 6);
	for (int h = 1; h < NHOSTS; h++) {
		double now = 0;

		for (int t = 0; t < 20; t++) {
			now = drops(h, 'a', "endpoint-other-tenant") +
			      drops(h, 'b', "endpoint-other-tenant");
			if (now >= before[h] + want[h])
				break;
			usleep(200 * 1000);
		}
		cr_expect_geq(now, before[h] + want[h], "host %d counted %.0f cross-tenant drops",
			      h, now - before[h]);
	}
	/* North-south: the gateway's VIPs, served on host 2. */
	cr_expect_eq(netns_run_output(lab.cl, out, sizeof(out),
				      "curl -s --max-time 3 http://" VIP_A "/"),
		     0);
	cr_expect(!strncmp(out, "a2", 2), "VIP A answered '%s'", out);
	cr_expect_eq(netns_run_output(lab.cl, out, sizeof(out),
				      "curl -s --max-time 3 http://" VIP_B "/"),
		     0);
	cr_expect(!strncmp(out, "b2", 2), "VIP B answered '%s'", out);
	step("same tenant reached, cross-tenant blocked and counted, north-south");
}

/* A hostile VTEP with FRR announces B's VNI, with a1's address in it. It
 * is allowed for B only: what it sends in A's VNI drops (VTEP not
 * allowed), what it sends in B's VNI to A's workload drops (another
 * tenant's), to B's workload arrives; a1's address stays A's. */
static void hostile_vtep(void)
{
	double vtep = drops(2, 'a', "vxlan-vtep-not-allowed"),
	       other = drops(2, 'b', "endpoint-other-tenant"), rx_a2 = wl_rx_settled(2, &wls[A2]),
	       rx_b2 = wl_rx(2, &wls[B2]);
	char out[8192];

	run_ok(rg, "ip link add igb6500 type bridge && "
		   "ip link add igv6500 type vxlan id 6500 local " ROGUE " dstport 4789 "
		   "nolearning && ip link set igv6500 master igb6500 && "
		   "ip link add igp6500 type veth peer name igq6500 && "
		   "ip link set igp6500 master igb6500 && "
		   "for d in igb6500 igv6500 igp6500 igq6500; do ip link set $d up; done && "
		   "bridge fdb add 02:66:00:00:00:01 dev igp6500 master static && "
		   "ip neigh replace 198.18.64.1 lladdr 02:66:00:00:00:01 dev igb6500 nud "
		   "permanent");
	frr_up(&frr_rg, rg, ROGUE);
	cr_assert_lt(wait_vtep(2, 6500, ROGUE, true, 10000), 10000,
		     "host 2 did not learn the rogue VTEP for B");
	cr_expect(!learned_vtep(2, 6400, ROGUE), "the rogue VTEP is allowed for A");
	if (metric_reach(2, "infergate_evpn_conflicts", 1, 5000) < 1) {
		cr_expect_fail("a1's address claimed in B's VNI is no conflict");
		netns_run(
			NULL,
			"vtysh --vty_socket %s -c 'show evpn mac vni all' -c 'show bgp summary' >&2; "
			"vtysh --vty_socket %s -c 'show evpn mac vni all' -c 'show bgp l2vpn evpn' >&2; "
			"bridge -n %s fdb show dev igv6500 >&2",
			frr_rg.dir, frr_h[2].dir, hns(2));
	}
	ctl(2, "endpoints", out, sizeof(out));
	cr_expect(strstr(out, "{\"address\":\"198.18.64.1\",\"tenant\":1,\"kind\":\"remote\","
			      "\"vip\":false,\"ifindex\":0,\"vtep\":\"198.18.11.2\""),
		  "a1's address is no longer A's at host 1: %s", out);
	vxlan_send(rg, ROGUE, "198.18.12.2", 6400, "198.18.0.77", wls[A2].a4);
	vxlan_send(rg, ROGUE, "198.18.12.2", 6500, "198.18.0.77", wls[A2].a4);
	vxlan_send(rg, ROGUE, "198.18.12.2", 6500, "198.18.0.77", wls[B2].a4);
	cr_expect_geq(
		metric_reach(
			2,
			"infergate_host_drops_total{tenant=\"ta\",reason=\"vxlan-vtep-not-allowed\"}",
			vtep + 3, 3000),
		vtep + 3);
	cr_expect_geq(
		metric_reach(
			2,
			"infergate_host_drops_total{tenant=\"tb\",reason=\"endpoint-other-tenant\"}",
			other + 3, 3000),
		other + 3);
	cr_expect_geq(
		metric_reach(
			2,
			"infergate_host_workload_rx_packets_total{workload=\"b2\",tenant=\"tb\"}",
			rx_b2 + 3, 3000),
		rx_b2 + 3, "the allowed VTEP's B traffic did not arrive (control)");
	cr_expect_eq(wl_rx(2, &wls[A2]), rx_a2, "the rogue delivered into A");
	/* a2 still reaches a1 at host 1. */
	expect_reach((const int[][2]){ { A2, A1 } }, 1);
	frr_stop(&frr_rg);
	step("a hostile VTEP announcing B's VNI cannot deliver into A");
}

/* Host 4 joins with A's VNI only: allowed for A (not B) within 5 s; its
 * workload reaches A's; its FRR dies: gone within the hold time. */
static void host_joins_and_dies(void)
{
	double ms, vtep;

	write_host_default(4);
	/* Left by a previous run: B's VNI (host 4 serves A only), which the
	 * agent removes at start; a device of another kind with one of its
	 * names, which it leaves; and a vxlan device holding A's VNI and
	 * port, so that A's objects fail until it goes. */
	run_ok(hns(4), "ip link add igb6500 type bridge && "
		       "ip link add igv6500 type vxlan id 6500 local 198.18.14.2 dstport 4789 "
		       "nolearning && ip link set igv6500 master igb6500 && "
		       "ip link add igp6500 type veth peer name igq6500 && "
		       "ip link set igp6500 master igb6500 && "
		       "for d in igb6500 igv6500 igp6500 igq6500; do ip link set $d up; done && "
		       "ip link add igv6501 type bridge && "
		       "ip link add cf6400 type vxlan id 6400 local 198.18.14.2 dstport 4789 "
		       "nolearning");
	agent_launch(4);
	wl_up(&wls[A4], 4);
	agent_wait(4);
	cr_expect_eq(netns_run(hns(4), "for d in igb6500 igv6500 igp6500 igq6500; do "
				       "! ip link show $d >/dev/null 2>&1 || exit 1; done"),
		     0, "host 4 kept a previous run's devices for VNI 6500");
	cr_expect_eq(netns_run(hns(4), "ip link show igv6501 >/dev/null"), 0,
		     "host 4 removed a device that is not the agent's");
	cr_expect_eq(metric_eq(4, "infergate_evpn_vni_up{vni=\"6400\"}", 0, 2000), 0,
		     "A's objects came up next to a vxlan device with its VNI");
	run_ok(hns(4), "ip link del igv6501 && ip link del cf6400");
	cr_expect_eq(metric_eq(4, "infergate_evpn_vni_up{vni=\"6400\"}", 1, 5000), 1,
		     "A's objects were not made again once the other device left");
	frr_up(&frr_h[4], hns(4), "198.18.14.2");
	{
		struct timespec t;

		clock_gettime(CLOCK_MONOTONIC, &t);
		while (!learned_vtep(1, 6400, "198.18.14.2") && since_ms(&t) < 10000)
			usleep(50 * 1000);
		ms = since_ms(&t);
	}
	cr_log_info("host 4 allowed for A on host 1 %.0f ms after its FRR started", ms);
	cr_expect_lt(ms, 5000, "host 4 allowed for A after %.0f ms", ms);
	cr_expect(!learned_vtep(1, 6500, "198.18.14.2"), "host 4 allowed for B");
	expect_reach((const int[][2]){ { A4, A1 }, { A2, A4 } }, 2);
	vtep = drops(1, 'b', "vxlan-vtep-not-allowed");
	vxlan_send(hns(4), "198.18.14.2", "198.18.11.2", 6500, "198.18.0.77", wls[B1].a4);
	cr_expect_geq(
		metric_reach(
			1,
			"infergate_host_drops_total{tenant=\"tb\",reason=\"vxlan-vtep-not-allowed\"}",
			vtep + 3, 3000),
		vtep + 3, "host 4 sent B's VNI to host 1");
	frr_kill(&frr_h[4]);
	ms = wait_vtep(1, 6400, "198.18.14.2", false, 10000);
	cr_log_info("host 4 removed on host 1 %.0f ms after its FRR was killed", ms);
	cr_expect_lt(ms, (HOLD_S + 2) * 1000, "host 4 still allowed after %.0f ms", ms);
	cr_expect_eq(metric_eq(1, "infergate_host_endpoints{tenant=\"ta\",source=\"evpn\"}", 4,
			       3000),
		     4, "host 4's workload is still an endpoint");
	step("host 4 joined (A only) and left");
}

/* a3 moves from host 3 to host 1: only those two hosts' files change; a2
 * (host 2) reaches it at host 1. */
static void workload_moves(void)
{
	bool present[NWL];
	char out[8192];
	struct timespec t;

	for (int i = 0; i < NWL; i++)
		present[i] = on_host(i, 3) && i != A3;
	write_host_conf(3, present, NULL);
	agent_hup(3);
	wl_down(&wls[A3]);
	clock_gettime(CLOCK_MONOTONIC, &t);
	wl_up(&wls[A3], 1);
	for (int i = 0; i < NWL; i++)
		present[i] = on_host(i, 1);
	write_host_conf(1, present, NULL);
	agent_hup(1);
	for (int k = 0; k < 100; k++) {
		ctl(2, "endpoints", out, sizeof(out));
		if (strstr(out, "{\"address\":\"198.18.64.3\",\"tenant\":1,\"kind\":\"remote\","
				"\"vip\":false,\"ifindex\":0,\"vtep\":\"198.18.11.2\""))
			break;
		usleep(100 * 1000);
	}
	cr_log_info("a3 at host 1 on host 2 %.0f ms after the move", since_ms(&t));
	cr_expect(strstr(out, "{\"address\":\"198.18.64.3\",\"tenant\":1,\"kind\":\"remote\","
			      "\"vip\":false,\"ifindex\":0,\"vtep\":\"198.18.11.2\""),
		  "host 2 does not see a3 at host 1: %s", out);
	expect_reach((const int[][2]){ { A2, A3 }, { A1, A3 } }, 2);
	expect_block((const int[][2]){ { B2, A3 } }, 1);
	step("a3 moved to host 1, reached there");
}

/* Configured entries win: host 2 configures the gateway for A and a1's
 * IPv6 address; both become static, the rest stays learned. */
static void static_wins(void)
{
	bool present[NWL];
	char out[8192];

	for (int i = 0; i < NWL; i++)
		present[i] = on_host(i, 2);
	write_host_conf(2, present, "vteps endpoints");
	agent_hup(2);
	for (int k = 0; k < 50; k++) {
		if (!learned_vtep(2, 6400, LAB_GW_VTEP))
			break;
		usleep(100 * 1000);
	}
	cr_expect(!learned_vtep(2, 6400, LAB_GW_VTEP), "the gateway is still learned for A");
	cr_expect(learned_vtep(2, 6500, LAB_GW_VTEP), "the gateway is no longer learned for B");
	ctl(2, "endpoints", out, sizeof(out));
	cr_expect(strstr(out, "\"address\":\"2001:db8:64::1\",\"tenant\":1,\"kind\":\"remote\","
			      "\"vip\":false,\"ifindex\":0,\"vtep\":\"198.18.11.2\"") &&
			  strstr(strstr(out, "\"address\":\"2001:db8:64::1\""),
				 "\"source\":\"static\""),
		  "a1's IPv6 address is not the configuration's: %s", out);
	cr_expect(
		strstr(out, "\"address\":\"198.18.64.1\"") &&
			!strncmp(strstr(strstr(out, "\"address\":\"198.18.64.1\""), "\"source\":") +
					 9,
				 "\"evpn\"", 6),
		"a1's IPv4 address is not learned: %s", out);
	cr_expect_eq(metric(2, "infergate_host_vtep_allowed{tenant=\"ta\",vni=\"6400\","
			       "vtep=\"198.18.255.1\",source=\"static\"}"),
		     1);
	expect_reach((const int[][2]){ { A2, A1 } }, 1);
	step("configured entries win over learned ones");
}

/* B's vxlan device on host 1 deleted under the agent: the agent makes it
 * anew, follows the new device, and learns again what zebra installs on
 * it; b1 reaches b2 again. */
static void device_replaced(void)
{
	double vt = metric_settled(1, "infergate_evpn_remote_vteps{vni=\"6500\"}");

	cr_expect_eq(vt, 3, "host 1: remote VTEPs for B before");
	run_ok(hns(1), "ip link del igv6500");
	usleep(1500 * 1000); /* past the page of before */
	cr_expect_eq(metric_eq(1, "infergate_evpn_remote_vteps{vni=\"6500\"}", vt, 10000), vt,
		     "host 1 did not learn again on its new vxlan device for B");
	cr_expect_lt(wait_vtep(1, 6500, "198.18.12.2", true, 5000), 5000,
		     "host 2 is no longer allowed for B on host 1");
	expect_reach((const int[][2]){ { B1, B2 } }, 1);
	step("a vxlan device replaced under the agent is followed anew");
}

/* Lost netlink events: host 2's agent is stopped while a flood of
 * neighbour events overruns its socket, then zebra's table gains a flood
 * entry (a VTEP for B) whose event is lost with the others. Once it runs
 * again it dumps the tables and learns the entry. */
static void events_lost(void)
{
	char cmd[512];
	double rs = metric_settled(2, "infergate_evpn_resyncs_total");

	snprintf(cmd, sizeof(cmd), "kill -STOP $(cat %s/h2.pid)", dir);
	run_ok(NULL, cmd);
	run_ok(hns(2), "ip link add ovf0 type veth peer name ovf1 && ip link set ovf0 up && "
		       "for i in $(seq 1 3000); do echo \"neigh add 2001:db8:ff::$i lladdr "
		       "02:00:00:00:00:01 dev ovf0 nud permanent\"; done | ip -batch - && "
		       "bridge fdb append 00:00:00:00:00:00 dev igv6500 dst 198.18.99.2 self "
		       "permanent");
	snprintf(cmd, sizeof(cmd), "kill -CONT $(cat %s/h2.pid)", dir);
	run_ok(NULL, cmd);
	cr_expect_gt(metric_reach(2, "infergate_evpn_resyncs_total", rs + 1, 5000), rs,
		     "host 2 did not dump the tables again");
	/* The mirror is what the kernel holds (zebra may have removed the
	 * entry it did not install: then both say so). */
	{
		char out[32] = "";
		double want = -1, got = -1;

		for (int k = 0; k < 25 && got != want; k++) {
			cr_assert_eq(netns_run_output(hns(2), out, sizeof(out),
						      "bridge fdb show dev igv6500 | grep -c "
						      "'^00:00:00:00:00:00 dst'"),
				     0);
			want = atof(out);
			got = metric(2, "infergate_evpn_remote_vteps{vni=\"6500\"}");
			if (got != want)
				usleep(200 * 1000);
		}
		cr_expect_eq(got, want, "host 2's mirror has %.0f VTEPs for B, the kernel %.0f",
			     got, want);
		cr_log_info("the flood entry whose event was lost: %s",
			    learned_vtep(2, 6500, "198.18.99.2") ? "learned" :
								   "gone (zebra removed it)");
	}
	run_ok(hns(2), "bridge fdb del 00:00:00:00:00:00 dev igv6500 dst 198.18.99.2 self "
		       "2>/dev/null; ip link del ovf0");
	cr_expect_lt(wait_vtep(2, 6500, "198.18.99.2", false, 5000), 5000,
		     "host 2 still allows the removed entry");
	step("lost netlink events: the tables dumped again");
}

/* The vxlan, bridge and port devices made for zebra never carried a
 * packet: on the hosts the tc programs took every VXLAN packet first, and
 * no device sent anything of its own. The gateway has no VXLAN datapath of
 * its own (it only sends): its vxlan devices' socket may receive what a
 * peer floods to its VTEP (the hostile VTEP's bridge does), but the
 * disabled bridge port let nothing through. */
static void kernel_objects_idle(void)
{
	for (int h = 0; h <= NHOSTS; h++) {
		long long vx = 0, p;
		int n = 0;

		p = evpn_dev_packets(hns(h), &n, &vx);
		cr_expect_eq(n, h == 4 ? 4 : 8, "%s has %d EVPN devices", hns(h), n);
		cr_expect_eq(p, 0, "%s: %lld packets sent by or through the EVPN devices", hns(h),
			     p);
		if (h)
			cr_expect_eq(vx, 0,
				     "%s: %lld packets decapsulated by a kernel vxlan device",
				     hns(h), vx);
		else
			cr_log_info("gateway: %lld VXLAN packets from peers died at the disabled "
				    "bridge port",
				    vx);
	}
	step("the kernel objects for FRR carried nothing");
}

Test(evpn_lab, fabric)
{
	learned();
	same_tenant_and_cross();
	hostile_vtep();
	host_joins_and_dies();
	workload_moves();
	static_wins();
	device_replaced();
	events_lost();
	kernel_objects_idle();
}
