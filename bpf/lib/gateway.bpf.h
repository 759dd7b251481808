/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The gateway's per-packet logic: parse, find the service of a VIP, follow
 * or make the flow's steering decision, and send it to the backend inside the
 * tenant's VNI. Everything that is not for a VIP passes untouched. Kept apart
 * from the program so the benchmark can wrap the same code. */
#ifndef __IG_GATEWAY_BPF_H
#define __IG_GATEWAY_BPF_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include "maps/maps.bpf.h"
#include "maps/flowhash.h"
#include "bpf/lib/parse.bpf.h"
#include "bpf/lib/ctx.bpf.h"
#include "bpf/lib/stats.bpf.h"
#include "bpf/lib/events.bpf.h"
#include "bpf/lib/steer.bpf.h"
#include "bpf/lib/conn.bpf.h"
#include "bpf/lib/vxlan.bpf.h"
#include "bpf/lib/govern.bpf.h"
#include "bpf/lib/pmtu.bpf.h"

struct gw_flow {
	const struct ig_config *cfg;
	const struct ig_service *svc;
	const struct pkt *p;
	__u32 len;
	__u32 ifindex;
};

static __always_inline int gw_drop(const struct gw_flow *f, enum ig_drop_reason reason,
				   __u32 backend)
{
	struct ev_info ei = { .service = f->svc->id,
			      .backend = backend,
			      .tenant = f->svc->tenant,
			      .ifindex = f->ifindex,
			      .type = IG_EV_DROP,
			      .reason = reason,
			      .policy = f->svc->policy };
	struct ig_traffic *t;
	__u32 id = f->svc->id;

	count_drop(reason, f->len);
	t = bpf_map_lookup_elem(&ig_svc_stats, &id);
	if (t)
		t->drops += 1;
	id = f->svc->tenant;
	t = bpf_map_lookup_elem(&ig_tn_stats, &id);
	if (t)
		t->drops += 1;
	event_emit(f->cfg, f->p, &ei);
	return XDP_DROP;
}

/* Whether addr is a VIP: its port-less marker entry in ig_services. */
static __always_inline int gw_is_vip(const __u8 *addr)
{
	struct ig_service_key key = {};

	__builtin_memcpy(key.addr, addr, 16);
	return bpf_map_lookup_elem(&ig_services, &key) != NULL;
}

/* A fragment to a VIP cannot be steered: later fragments carry no ports, so
 * they could not follow the first to its backend, which could then never
 * reassemble the datagram. Every fragment to a VIP, the first included, is
 * dropped with a reason. Other fragments are not ours and pass. */
static __always_inline int gw_fragment(const struct pkt *p, __u32 len)
{
	count(IG_CNT_FRAGMENT);
	if (gw_is_vip(p->daddr)) {
		count_drop(IG_DROP_FRAGMENT, len);
		return XDP_DROP;
	}
	count(IG_CNT_PASS);
	return XDP_PASS;
}

/* A valid IP frame whose L4 header lies past the parser's bounds (IPv6
 * extension headers) cannot be steered: to a VIP it is dropped with the
 * reason, as a backend would never see it otherwise; elsewhere it passes.
 * (Past VLAN_MAX_DEPTH tags even the address is out of reach: such a frame
 * is not provably ours and passes before this, as not IP.) */
static __always_inline int gw_deep(const struct pkt *p, __u32 len)
{
	count(IG_CNT_DEEP);
	if (gw_is_vip(p->daddr)) {
		count_drop(IG_DROP_IP6_EXT_DEPTH, len);
		return XDP_DROP;
	}
	count(IG_CNT_PASS);
	return XDP_PASS;
}

static __always_inline void gw_account(const struct gw_flow *f, __u32 backend, int new_conn)
{
	struct ev_info ei = { .service = f->svc->id,
			      .backend = backend,
			      .tenant = f->svc->tenant,
			      .ifindex = f->ifindex,
			      .type = IG_EV_DECISION,
			      .policy = f->svc->policy };

	count_traffic(&ig_svc_stats, f->svc->id, f->len, new_conn);
	count_traffic(&ig_be_stats, backend, f->len, new_conn);
	count_traffic(&ig_tn_stats, f->svc->tenant, f->len, new_conn);
	if (new_conn)
		event_emit(f->cfg, f->p, &ei);
}

static __always_inline int gw_xmit(struct xdp_md *xdp, const struct gw_flow *f,
				   const struct ig_backend *be, __u32 backend)
{
	__u32 ifindex = be->ifindex;

	if (!ifindex || ifindex == f->ifindex) {
		count(IG_CNT_TX);
		return XDP_TX;
	}
	if (!bpf_map_lookup_elem(&ig_tx_ports, &ifindex))
		return gw_drop(f, IG_DROP_NO_TX_PORT, backend);
	count(IG_CNT_REDIRECT);
	return bpf_redirect_map(&ig_tx_ports, ifindex, XDP_DROP);
}

/* Governance said no: counted for the tenant and the service; a SYN of a
 * tenant that asks for it is answered with a RST, anything else dropped. */
static __always_inline int gw_refuse(struct xdp_md *xdp, const struct gw_flow *f,
				     const struct ig_tenant *tn, enum ig_drop_reason reason)
{
	count_tn_drop(f->svc->tenant, reason, f->len);
	if (reason == IG_DROP_TN_BANDWIDTH) {
		count(IG_CNT_GOV_POLICED);
		return gw_drop(f, reason, 0);
	}
	count(IG_CNT_GOV_REFUSED);
	if ((tn->flags & IG_TENANT_F_RST) && tcp_is_syn(f->p) && !gov_rst(xdp, f->p)) {
		struct ig_traffic *t;
		__u32 id = f->svc->id;

		count_drop(reason, f->len); /* the SYN goes no further */
		t = bpf_map_lookup_elem(&ig_svc_stats, &id);
		if (t)
			t->drops += 1;
		count(IG_CNT_GOV_RST);
		count(IG_CNT_TX);
		return XDP_TX;
	}
	return gw_drop(f, reason, 0);
}

/* The backend that owns the flow an ICMP error quotes (key, flow): its
 * connection entry's (not refreshed: an error is not the flow's traffic),
 * else Maglev's with the flow's pick hash, as a flow without entry is steered. */
static __always_inline void gw_icmp_pick(const struct gw_flow *f, const struct pkt *flow,
					 const struct ig_conn_key *key, struct steer_result *r)
{
	struct ig_backend *be;

	r->hash = flow_hash(flow);
	/* The entry (ig_conn_slot; the benchmark's LRU baseline: ig_conn). */
	__auto_type ct = conn_peek(key, r->hash);
	if (ct && !(ct->flags & IG_CONN_F_CLOSING)) {
		be = backend_get(ct->backend);
		if (be && be->state != IG_BE_DOWN) {
			r->backend = ct->backend;
			return;
		}
	}
	r->backend = maglev_choose_flow(flow, f->svc, 0);
}

/* Steer the packet f->p of the connection flow: the packet's own, or for an
 * ICMP "fragmentation needed" / "packet too big" the flow it quotes, which
 * then goes to that flow's backend, in its VNI and with its VXLAN source
 * port, so PMTU discovery works behind direct server return. Errors pass
 * no governance (they open nothing). One path to the encapsulation keeps
 * the verifier's work small. */
static __always_inline int gw_steer(struct xdp_md *xdp, struct gw_flow *f, const struct pkt *flow)
{
	const struct pkt *p = f->p;
	struct steer_result r = {};
	struct ig_conn_key key = {};
	struct ig_tenant *tn;
	struct ig_backend *be;
	__u32 tenant = f->svc->tenant;
	__u64 now = bpf_ktime_get_coarse_ns();
	int reason, icmp = flow != p;

	tn = bpf_map_lookup_elem(&ig_tenants, &tenant);
	if (!tn || !(tn->flags & IG_TENANT_F_ACTIVE))
		return gw_drop(f, IG_DROP_NO_TENANT, 0);
	conn_key_make(&key, flow, tenant);
	if (icmp) {
		gw_icmp_pick(f, flow, &key, &r);
	} else {
		if (tn->bw_rate) {
			reason = gov_police(tn, tenant, f->len, now);
			if (reason)
				return gw_refuse(xdp, f, tn, reason);
		}
		conn_select(f->cfg, f->svc, tn, p, &key, now, &r);
		if (r.refuse)
			return gw_refuse(xdp, f, tn, r.refuse);
	}
	be = backend_get(r.backend);
	if (!be)
		return gw_drop(f, IG_DROP_NO_BACKEND, 0);
	if (icmp)
		count(IG_CNT_PMTU_STEERED);
	gw_account(f, r.backend, r.new_conn);
	if (vxlan_encap(xdp, f->cfg, be, tn->vni, r.hash, p))
		return gw_drop(f, IG_DROP_ENCAP_FAILED, r.backend);
	return gw_xmit(xdp, f, be, r.backend);
}

static __always_inline int gw_pass(void)
{
	count(IG_CNT_PASS);
	return XDP_PASS;
}

/* A PMTU error (p) to a VIP is steered by the flow it quotes: a malformed
 * quote drops with a reason; one that names no service's flow passes, like
 * any other port of the VIP. Its own call of gw_steer: sharing the one for
 * plain traffic costs the verifier more than this copy does. */
static __always_inline int gw_icmp_error(struct xdp_md *xdp, const struct ig_ctx *c,
					 const struct ig_config *cfg, const struct pkt *p)
{
	struct ig_service_key key = {};
	struct ig_service *svc;
	struct pkt q = {};
	struct gw_flow f;
	int err;

	if (!gw_is_vip(p->daddr))
		return gw_pass();
	err = pmtu_quote(c->data, c->data_end, p, &q);
	if (err < 0) {
		count_drop(IG_DROP_ICMP_QUOTE, c->len);
		return XDP_DROP;
	}
	if (err)
		return gw_pass();
	__builtin_memcpy(key.addr, q.daddr, 16);
	key.port = q.dport;
	key.proto = q.proto;
	svc = bpf_map_lookup_elem(&ig_services, &key);
	if (!svc || !svc->id)
		return gw_pass();
	f = (struct gw_flow){ .cfg = cfg, .svc = svc, .p = p, .len = c->len, .ifindex = c->ifindex };
	return gw_steer(xdp, &f, &q);
}

/* A packet that would not fit the underlay once encapsulated: the client
 * gets ICMP "fragmentation needed" (DF or not: XDP cannot fragment, and
 * fragments to a VIP are not steered) or ICMPv6 "packet too big" with the
 * MTU that fits, from the VIP, out where it came in. Never a silent drop:
 * a frame that cannot take the answer drops as too-big-for-underlay. */
static __always_inline int gw_too_big(struct xdp_md *xdp, const struct gw_flow *f, __u32 mtu)
{
	if (pmtu_reply(xdp, f->p, mtu))
		return gw_drop(f, IG_DROP_TOO_BIG, 0);
	count(IG_CNT_TOO_BIG_SENT);
	count(IG_CNT_TX);
	return XDP_TX;
}

static __always_inline int gateway_xdp(struct xdp_md *xdp)
{
	struct ig_service_key key = {};
	struct ig_service *svc;
	struct ig_config *cfg;
	struct pkt p = {};
	struct gw_flow f;
	struct ig_ctx c;
	__u32 zero = 0, mtu;
	int err;

	ctx_from_xdp(&c, xdp);
	count(IG_CNT_RX);
	cfg = bpf_map_lookup_elem(&ig_config, &zero);
	if (!cfg || !(cfg->flags & IG_CFG_ENABLED))
		goto pass;
	err = parse_packet(c.data, c.data_end, &p, 0);
	if (err) {
		/* Malformed IP is dropped here with a reason; the stack would
		 * drop it too, without saying why. */
		count_drop(-err, c.len);
		return XDP_DROP;
	}
	if (!p.family) {
		/* Past VLAN_MAX_DEPTH tags the address is out of reach: not
		 * provably ours. */
		count(p.flags & PKT_F_DEEP ? IG_CNT_DEEP : IG_CNT_NOT_IP);
		goto pass;
	}
	if (p.flags & PKT_F_FRAG)
		return gw_fragment(&p, c.len);
	if (p.flags & PKT_F_DEEP)
		return gw_deep(&p, c.len);
	if (pmtu_is_error(&p))
		return gw_icmp_error(xdp, &c, cfg, &p);
	if (!(p.flags & PKT_F_L4) || (p.proto != IPPROTO_TCP && p.proto != IPPROTO_UDP))
		goto pass;
	__builtin_memcpy(key.addr, p.daddr, 16);
	key.port = p.dport;
	key.proto = p.proto;
	svc = bpf_map_lookup_elem(&ig_services, &key);
	if (!svc || !svc->id)
		goto pass;
	f = (struct gw_flow){ .cfg = cfg, .svc = svc, .p = &p, .len = c.len, .ifindex = c.ifindex };
	mtu = pmtu_exceeded(cfg, &p);
	if (mtu)
		return gw_too_big(xdp, &f, mtu);
	return gw_steer(xdp, &f, &p);
pass:
	count(IG_CNT_PASS);
	return XDP_PASS;
}

#endif /* __IG_GATEWAY_BPF_H */
