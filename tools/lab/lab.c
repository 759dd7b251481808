// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The netns lab shared by the integration tests, the demo and benchmarks:
 * real namespaces, veth links, the kernel's vxlan as the GPU hosts' peer,
 * and the gateway program attached through kernel-compat. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/tc_host_egress.skel.h"
#include "bpf/xdp_gateway.skel.h"
#include "tools/lab/lab.h"
#include "user/lib/addr.h"
#include "user/lib/log.h"
#include "user/lib/maglev.h"

static int lab_sh(const char *ns, const char *cmd)
{
	int err = netns_run(ns, "%s", cmd);

	if (err)
		log_err("lab: in %s: '%s' failed (%d)", ns ? ns : "root", cmd, err);
	return err ? (err < 0 ? err : -EIO) : 0;
}

static int lab_mac(const char *ns, const char *dev, __u8 mac[6])
{
	char buf[64];

	if (netns_run_output(ns, buf, sizeof(buf), "cat /sys/class/net/%s/address", dev))
		return -ENODEV;
	return mac_parse(buf, mac);
}

static int lab_host_create(struct lab *l, int i)
{
	char cmd[640], u[16];
	int err;

	snprintf(u, sizeof(u), "u%d", i + 1);
	err = netns_create("h", l->h[i]) ?: netns_veth(l->gw, u, l->h[i], "e0");
	if (err)
		return err;
	snprintf(
		cmd, sizeof(cmd),
		"ip link set %s mtu 1600 && ip addr add 198.18.%d.1/24 dev %s && ip link set %s up",
		u, 11 + i, u, u);
	err = lab_sh(l->gw, cmd);
	if (err)
		return err;
	/* The underlay carries 50 bytes more than the client's 1500. GRO on
	 * e0 gives the veth the NAPI context that receives XDP redirects.
	 * Replies leave by e0 while requests arrive on vx*: no rp_filter. */
	snprintf(cmd, sizeof(cmd),
		 "sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 && "
		 "ip link set e0 mtu 1600 && ip addr add 198.18.%d.2/24 dev e0 && "
		 "ip link set e0 up && ethtool -K e0 gro on >/dev/null && "
		 "ip route add 198.18.0.0/24 via 198.18.%d.1",
		 11 + i, 11 + i);
	return lab_sh(l->h[i], cmd);
}

/* What the gateway's XDP sends back out of g0 with XDP_TX (governance's
 * RSTs) reaches c0 only when c0 runs an XDP program too: veth hands such
 * frames to the peer's XDP receive path (with GRO alone, on 6.18, they
 * vanished without a counter). A two-instruction XDP_PASS does. */
int lab_client_xdp_pass(struct lab *l)
{
	const struct bpf_insn pass[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd, saved, err;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "lab_xdp_pass", "GPL", pass, 2, NULL);
	if (fd < 0)
		return -errno;
	saved = netns_enter(l->cl);
	err = saved < 0 ? saved :
			  bpf_xdp_attach(netns_ifindex(l->cl, "c0"), fd, XDP_FLAGS_DRV_MODE, NULL);
	if (saved >= 0)
		netns_leave(saved);
	close(fd); /* the attachment keeps it */
	if (err)
		log_errno(LOG_LVL_ERR, err, "lab: XDP_PASS on c0");
	return err;
}

int lab_create(struct lab *l, int nhosts)
{
	int err;

	memset(l, 0, sizeof(*l));
	if (nhosts < 1 || nhosts > LAB_HOSTS_MAX)
		return -EINVAL;
	l->nhosts = nhosts;
	err = netns_create("cl", l->cl)		?:
		      netns_create("gw", l->gw) ?:
						  netns_veth(l->cl, "c0", l->gw, "g0");
	if (err)
		return err;
	err = lab_sh(l->cl, "ip addr add " LAB_CLIENT "/24 dev c0 && ip link set c0 up && "
			    "ip route add 198.19.0.0/16 via 198.18.0.1");
	/* TCP through XDP on veth needs checksums filled in by the sender. */
	err = err ?: netns_tx_off(l->cl, "c0");
	err = err   ?:
		      lab_sh(l->gw,
			     "sysctl -qw net.ipv4.ip_forward=1 "
			     "net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 && "
			     "ip addr add 198.18.0.1/24 dev g0 && ip link set g0 up && "
			     "ip addr add " LAB_GW_VTEP "/32 dev lo");
	for (int i = 0; !err && i < nhosts; i++)
		err = lab_host_create(l, i);
	return err;
}

int lab_host_vni(struct lab *l, int h, __u32 vni, const char *vip)
{
	char cmd[512];

	if (h < 1 || h > l->nhosts || vni > 0xffffff)
		return -EINVAL;
	snprintf(cmd, sizeof(cmd),
		 "ip link add vx%u address 02:00:%02x:%02x:%02x:%02x type vxlan id %u "
		 "dstport 4789 local 198.18.%d.2 nolearning && ip link set vx%u up && "
		 "sysctl -qw net.ipv4.conf.vx%u.rp_filter=0 && ip addr add %s/32 dev vx%u",
		 vni, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, h, vni, 10 + h, vni, vni,
		 vip, vni);
	return lab_sh(l->h[h - 1], cmd);
}

int lab_host_httpd(struct lab *l, int h, const char *addr, int port, const char *name,
		   const char *metrics_file)
{
	char cmd[640];

	if (h < 1 || h > l->nhosts)
		return -EINVAL;
	snprintf(cmd, sizeof(cmd),
		 "nohup python3 tests/integration/httpd.py %s %d %s %s >/dev/null 2>&1 &", addr,
		 port, name, metrics_file ? metrics_file : "");
	return lab_sh(l->h[h - 1], cmd);
}

int lab_wait_http(struct lab *l, int h, const char *vip, int port)
{
	if (h < 1 || h > l->nhosts)
		return -EINVAL;
	return netns_run(l->h[h - 1],
			 "for t in $(seq 100); do curl -sf -o /dev/null http://%s:%d/ && exit 0; "
			 "sleep 0.1; done; exit 1",
			 vip, port) ?
		       -ETIMEDOUT :
		       0;
}

int lab_gateway_up(struct lab *l)
{
	struct ig_config cfg = { .flags = IG_CFG_ENABLED };
	int g0, err, saved;

	l->skel = xdp_gateway__open_and_load();
	if (!l->skel)
		return -errno;
	err = dp_from_object(&l->maps, l->skel->obj);
	addr_parse(LAB_GW_VTEP, cfg.vtep_addr);
	err = err ?: lab_mac(l->gw, "g0", cfg.vtep_mac);
	err = err ?: dp_config_set(&l->maps, &cfg);
	if (err)
		return err;
	/* Attach and ifindex lookups resolve in the caller's namespace. */
	saved = netns_enter(l->gw);
	if (saved < 0)
		return saved;
	g0 = netns_ifindex(l->gw, "g0");
	err = compat_xdp_attach(bpf_program__fd(l->skel->progs.xdp_gateway), g0, 0, &l->att);
	netns_leave(saved);
	l->attached = !err;
	return err;
}

int lab_backend(struct lab *l, __u32 id, int h, __u32 svc, __u32 vni)
{
	struct ig_backend be = { .service = svc, .weight = 1 };
	char u[16], addr[32], vx[16];
	int err, saved;

	if (h < 1 || h > l->nhosts)
		return -EINVAL;
	snprintf(u, sizeof(u), "u%d", h);
	snprintf(vx, sizeof(vx), "vx%u", vni);
	snprintf(addr, sizeof(addr), "198.18.%d.2", 10 + h);
	addr_parse(addr, be.addr);
	err = lab_mac(l->h[h - 1], "e0", be.mac) ?:
		      lab_mac(l->gw, u, be.smac) ?:
						   lab_mac(l->h[h - 1], vx, be.inner_mac);
	if (err)
		return err;
	saved = netns_enter(l->gw);
	if (saved < 0)
		return saved;
	be.ifindex = netns_ifindex(l->gw, u);
	err = dp_tx_port_add(&l->maps, be.ifindex); /* ifindex of this namespace */
	netns_leave(saved);
	err = err ?: dp_backend_set(&l->maps, id, &be);
	return err ?: dp_backend_set_load(&l->maps, id, 0, 100);
}

int lab_weights(struct lab *l, __u32 svc, const __u32 *ids, const __u32 *weights, int n)
{
	static __u32 table[IG_MAGLEV_DEFAULT];
	struct maglev_backend mb[IG_BACKEND_MAX];
	struct ig_backend be;
	int err;

	if (n < 1 || n > IG_BACKEND_MAX)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		err = dp_backend_get(&l->maps, ids[i], &be);
		if (err)
			return err;
		mb[i] = (struct maglev_backend){ .id = ids[i], .weight = weights[i] };
		memcpy(mb[i].addr, be.addr, sizeof(mb[i].addr));
	}
	err = maglev_build(mb, n, IG_MAGLEV_DEFAULT, table);
	return err ?: dp_maglev_swap(&l->maps, svc, table, IG_MAGLEV_DEFAULT);
}

int lab_curl_spread(struct lab *l, const char *vip, int n, int *counts, int nhosts)
{
	static char out[65536];
	char *line, *save;
	int err;

	memset(counts, 0, sizeof(int) * (nhosts + 1));
	err = netns_run_output(l->cl, out, sizeof(out),
			       "for i in $(seq %d); do curl -s --max-time 3 http://%s/ || "
			       "echo fail; done",
			       n, vip);
	if (err)
		return err < 0 ? err : -EIO;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int h = 0;

		if (sscanf(line, "h%d", &h) == 1 && h >= 1 && h <= nhosts)
			counts[h]++;
		else
			counts[0]++;
	}
	return 0;
}

static int lab_egress_load(struct lab *l, int h, const char *pin_dir)
{
	struct tc_host_egress *sk = tc_host_egress__open_and_load();
	int err, saved, ifindex;

	if (!sk)
		return -errno;
	l->egress[h - 1] = sk;
	err = bpf_object__pin_maps(sk->obj, pin_dir);
	if (err)
		return err;
	saved = netns_enter(l->h[h - 1]);
	if (saved < 0)
		return saved;
	ifindex = netns_ifindex(l->h[h - 1], "e0");
	err = ifindex < 0 ? ifindex :
			    compat_tc_attach(bpf_program__fd(sk->progs.tc_host_egress), ifindex,
					     COMPAT_TC_EGRESS, 0, &l->egress_att[h - 1]);
	netns_leave(saved);
	l->egress_on[h - 1] = !err;
	return err;
}

int lab_host_egress(struct lab *l, int h, const char *pin_dir, __u32 tenant, const char *vip,
		    struct dp_maps *maps)
{
	struct ig_endpoint ep = { .flags = IG_EP_F_VIP, .tenant = tenant };
	struct ig_config cfg = { .flags = IG_CFG_ENABLED };
	__u8 addr[IG_ADDR_LEN];
	struct dp_maps m;
	int err;

	if (h < 1 || h > l->nhosts || !tenant || addr_parse(vip, addr))
		return -EINVAL;
	if (!l->egress[h - 1]) {
		err = lab_egress_load(l, h, pin_dir);
		if (err)
			return err;
	}
	err = dp_from_object(&m, l->egress[h - 1]->obj) ?: dp_config_set(&m, &cfg);
	err = err ?: dp_endpoint_set(&m, addr, &ep) ?: dp_tenant_drops_init(&m, tenant);
	if (!err && maps)
		*maps = m;
	return err;
}

int lab_host_of(const struct lab *l, __u32 backend)
{
	struct ig_backend be;

	if (dp_backend_get(&l->maps, backend, &be))
		return 0;
	return be.addr[14] - 10; /* 198.18.(10+h).2 */
}

int lab_agent_start(const struct lab *l, const char *bin, const char *conf, const char *pin_root,
		    const char *dir)
{
	if (netns_run(NULL,
		      "nsenter --net=/run/netns/%s %s --config %s --pin-root %s "
		      ">>%s/agent.log 2>&1 & echo $! > %s/agent.pid",
		      l->gw, bin, conf, pin_root, dir, dir))
		return -EIO;
	if (netns_run(l->gw, "for t in $(seq 100); do curl -sf -o /dev/null "
			     "http://127.0.0.1:9469/metrics && exit 0; sleep 0.1; done; exit 1"))
		return -ETIMEDOUT;
	return 0;
}

double lab_ns_metric(const char *ns, const char *line)
{
	char out[256];

	/* HELP and TYPE lines name the family too: only samples count. */
	if (netns_run_output(ns, out, sizeof(out),
			     "curl -s --max-time 3 http://127.0.0.1:9469/metrics | grep -v '^#' | "
			     "grep -F '%s ' | head -1 | awk '{print $NF}'",
			     line) ||
	    !out[0])
		return -1;
	return atof(out);
}

double lab_metric(const struct lab *l, const char *line)
{
	return lab_ns_metric(l->gw, line);
}

double lab_metric_wait(const struct lab *l, const char *line, double want, int tries)
{
	double v = -1;

	for (int t = 0; t < tries && v != want; t++) {
		v = lab_metric(l, line);
		if (v != want)
			usleep(100 * 1000);
	}
	return v;
}

void lab_destroy(struct lab *l)
{
	int saved;

	if (l->attached) {
		saved = netns_enter(l->gw);
		compat_detach(&l->att);
		if (saved >= 0)
			netns_leave(saved);
		l->attached = false;
	}
	if (l->skel)
		xdp_gateway__destroy(l->skel);
	l->skel = NULL;
	for (int h = 0; h < LAB_HOSTS_MAX; h++) {
		if (l->egress_on[h]) {
			saved = netns_enter(l->h[h]);
			compat_detach(&l->egress_att[h]);
			if (saved >= 0)
				netns_leave(saved);
		}
		l->egress_on[h] = false;
		if (l->egress[h]) {
			bpf_object__unpin_maps(l->egress[h]->obj, NULL);
			tc_host_egress__destroy(l->egress[h]);
		}
		l->egress[h] = NULL;
	}
	netns_cleanup_all();
}
