/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The GPU host's datapath, shared by tc_host_ingress (the underlay) and
 * tc_workload (each workload's host-side interface): VNI -> tenant, the VTEP
 * and endpoint checks, VXLAN decapsulation and east-west encapsulation with
 * bpf_skb_adjust_room (GSO packets stay GSO), delivery to a workload, answers
 * to a workload's ARP and neighbour solicitations, and per-tenant counters. */
#ifndef __IG_HOST_BPF_H
#define __IG_HOST_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "maps/maps.bpf.h"
#include "maps/flowhash.h"
#include "bpf/lib/csum.bpf.h"
#include "bpf/lib/ctx.bpf.h"
#include "bpf/lib/events.bpf.h"
#include "bpf/lib/parse.bpf.h"
#include "bpf/lib/stats.bpf.h"
#include "bpf/lib/vxlan.bpf.h"

/* bpf_skb_adjust_room flags that Debian 12's UAPI header lacks (6.3). */
#define HOST_ADJ_DECAP_L3_IPV4 (1ULL << 7)
#define HOST_ADJ_DECAP_L3_IPV6 (1ULL << 8)

#define HOST_ENCAP_FLAGS \
	(BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_ENCAP_L4_UDP | BPF_F_ADJ_ROOM_ENCAP_L2(ETH_HLEN))

#define HOST_ARP_HRD_ETHER 1
#define HOST_ARP_REQUEST 1
#define HOST_ARP_REPLY 2
#define ICMP6_NS 135
#define ICMP6_NA 136
#define ND_OPT_TLLA 2
#define ND_NA_SOLICITED_OVERRIDE 0x60000000 /* S and O flags */

struct host_ctx {
	struct __sk_buff *skb;
	const struct ig_config *cfg;
	const struct pkt *p; /* for drop events: the innermost header parsed */
	__u32 len; /* as received */
	__u32 ifindex;
	__u32 tenant; /* 0 until known */
};

/* ---- counters ---- */

/* Per-workload traffic (ig_wl_stats): only interfaces the agent registered
 * have an entry, so the underlay's ifindex counts nothing here. */
enum host_wl_dir { HOST_WL_RX, HOST_WL_TX, HOST_WL_RESP, HOST_WL_DROP };

static __always_inline void host_wl_count(__u32 ifindex, enum host_wl_dir dir, __u32 len)
{
	struct ig_wl_stats *s = bpf_map_lookup_elem(&ig_wl_stats, &ifindex);

	if (!s)
		return;
	switch (dir) {
	case HOST_WL_RX:
		s->rx_packets += 1;
		s->rx_bytes += len;
		break;
	case HOST_WL_RESP:
		s->resp_packets += 1;
		s->resp_bytes += len;
		/* fall through: a response is sent traffic too */
	case HOST_WL_TX:
		s->tx_packets += 1;
		s->tx_bytes += len;
		break;
	default:
		s->drops += 1;
	}
}

static __always_inline int host_drop(const struct host_ctx *h, enum ig_drop_reason reason)
{
	struct ev_info ei = {
		.tenant = h->tenant, .ifindex = h->ifindex, .type = IG_EV_DROP, .reason = reason
	};
	struct ig_traffic *t;
	__u32 id = h->tenant;

	count_drop(reason, h->len);
	count_tn_drop(id, reason, h->len);
	host_wl_count(h->ifindex, HOST_WL_DROP, h->len);
	t = bpf_map_lookup_elem(&ig_tn_stats, &id);
	if (id && t)
		t->drops += 1;
	event_emit(h->cfg, h->p, &ei);
	return TC_ACT_SHOT;
}

static __always_inline int host_redirect(const struct host_ctx *h, enum ig_counter what,
					 __u32 ifindex, int peer)
{
	count(what);
	count(IG_CNT_REDIRECT);
	count_traffic(&ig_tn_stats, h->tenant, h->len, 0);
	return peer ? bpf_redirect_peer(ifindex, 0) : bpf_redirect(ifindex, 0);
}

/* ---- lookups ---- */

/* The tenant that owns vni. ig_tenants stays the one source of a tenant's
 * VNI (the gateway reads it): the reverse entry counts only if it agrees. */
static __always_inline int host_vni_tenant(__u32 vni, __u32 *tenant)
{
	struct ig_tenant *tn;
	__u32 *id, t;

	id = bpf_map_lookup_elem(&ig_vni_tenants, &vni);
	if (!id)
		return -IG_DROP_VXLAN_VNI;
	t = *id;
	tn = bpf_map_lookup_elem(&ig_tenants, &t);
	if (!tn || !(tn->flags & IG_TENANT_F_ACTIVE) || tn->vni != vni)
		return -IG_DROP_VXLAN_VNI;
	*tenant = t;
	return 0;
}

static __always_inline int host_vtep_allowed(const __u8 *addr, __u32 vni)
{
	struct ig_vtep_key k = { .vni = vni };

	__builtin_memcpy(k.addr, addr, IG_ADDR_LEN);
	return bpf_map_lookup_elem(&ig_vteps, &k) != NULL;
}

/* The flags of the longest ig_host_addrs prefix holding addr (0: none). */
static __always_inline __u32 host_addr_flags(const __u8 *addr)
{
	struct ig_host_addr_key k = { .prefixlen = 128 };
	__u32 *f;

	__builtin_memcpy(k.addr, addr, IG_ADDR_LEN);
	f = bpf_map_lookup_elem(&ig_host_addrs, &k);
	return f ? *f : 0;
}

static __always_inline int host_addr_eq(const __u8 *a, const __u8 *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]));
}

/* An IPv6 packet from or to ::ffff:a.b.c.d would match the IPv4 entry of
 * a.b.c.d in every map (IPv4 is stored mapped): another family's identity.
 * No host sends such packets on the wire (RFC 4291 2.5.5.2). */
static __always_inline int host_v4mapped_v6(const struct pkt *p)
{
	return p->family == 6 && (addr_is_v4mapped(p->saddr) || addr_is_v4mapped(p->daddr));
}

/* The workload behind a local endpoint, copied out; it must be the tenant's. */
static __always_inline int host_workload_of(const struct ig_endpoint *ep, __u32 tenant,
					    struct ig_workload *wl)
{
	struct ig_workload *w;
	__u32 ifindex = ep->ifindex;

	w = bpf_map_lookup_elem(&ig_workloads, &ifindex);
	if (!w)
		return -IG_DROP_WL_UNKNOWN;
	if (w->tenant != tenant)
		return -IG_DROP_EP_TENANT;
	*wl = *w;
	return 0;
}

static __always_inline int host_set_eth(struct __sk_buff *skb, const __u8 *dst, const __u8 *src,
					__u16 proto)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, dst, ETH_ALEN);
	__builtin_memcpy(eth->h_source, src, ETH_ALEN);
	eth->h_proto = bpf_htons(proto);
	return 0;
}

static __always_inline __u16 host_ethertype(const struct pkt *p)
{
	return p->family == 4 ? ETH_P_IP : ETH_P_IPV6;
}

/* ---- underlay: VXLAN in ---- */

/* The inner frame must be untagged IP for a workload of the VNI's tenant on
 * this host, and its source no other tenant's address. Fills the workload
 * and its ifindex, or returns a negative reason. */
static __always_inline int host_rx_target(__u32 tenant, const struct pkt *in, __u32 *ifindex,
					  struct ig_workload *wl)
{
	struct ig_endpoint *ep, *src;

	if (!in->family || in->vlan_depth)
		return -IG_DROP_VXLAN_INNER;
	if (host_v4mapped_v6(in))
		return -IG_DROP_IP6_MAPPED;
	ep = bpf_map_lookup_elem(&ig_endpoints, in->daddr);
	if (!ep)
		return -IG_DROP_EP_UNKNOWN;
	if (ep->tenant != tenant)
		return -IG_DROP_EP_TENANT;
	if (!(ep->flags & IG_EP_F_LOCAL))
		return -IG_DROP_EP_NOT_LOCAL; /* a host never relays between VTEPs */
	src = bpf_map_lookup_elem(&ig_endpoints, in->saddr);
	if (src && src->tenant != tenant)
		return -IG_DROP_SPOOF;
	*ifindex = ep->ifindex;
	return host_workload_of(ep, tenant, wl);
}

/* Remove outer IP, UDP, VXLAN and the inner Ethernet header, keeping the
 * outer Ethernet header for the caller to rewrite. FIXED_GSO keeps gso_size
 * the inner MSS the sender chose. The DECAP_L3 flags (6.3) switch
 * skb->protocol when the families differ; older kernels refuse them, and the
 * caller sees the stale protocol and delivers through the interface's egress,
 * where the veth peer reads it again from the Ethernet header. The helper
 * keeps at least the outer family's fixed header: an IPv4 packet shorter than
 * 40 bytes inside an IPv6 underlay cannot be decapsulated. */
static __always_inline int host_decap(struct __sk_buff *skb, const struct pkt *outer,
				      const struct pkt *in)
{
	__s32 shrink = -(__s32)outer->inner_off;
	__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO;

	if (outer->family != in->family)
		flags |= in->family == 4 ? HOST_ADJ_DECAP_L3_IPV4 : HOST_ADJ_DECAP_L3_IPV6;
	if (!bpf_skb_adjust_room(skb, shrink, BPF_ADJ_ROOM_MAC, flags))
		return 0;
	if (flags == BPF_F_ADJ_ROOM_FIXED_GSO)
		return -1;
	return bpf_skb_adjust_room(skb, shrink, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_FIXED_GSO) ? -1 :
											      0;
}

/* tc runs before the stack has checked the IPv4 header's checksum: a
 * corrupted outer header must not be decapsulated and delivered. The
 * header's words, its checksum included, sum to 0xffff. */
static __always_inline int host_ipv4_csum_ok(struct __sk_buff *skb, const struct pkt *p)
{
	__u16 w[30] = {};
	__u32 hl = p->l4_off - p->l3_off, sum = 0;

	if (hl > 60)
		return 0;
	asm volatile("" : "+r"(hl));
	hl &= 0x3f;
	if (hl < 20 || bpf_skb_load_bytes(skb, p->l3_off, w, hl))
		return 0;
#pragma unroll
	for (int i = 0; i < 30; i++)
		if (i < (int)(hl / 2))
			sum += w[i];
	return csum_fold(sum) == 0;
}

/* The outer headers before anything of the VXLAN is believed: addressed to
 * one of this host's VTEPs (not broadcast, not another host's), an IPv4
 * header with a valid checksum, no IPv4-mapped IPv6 addresses (they would
 * pass for an IPv4 VTEP). Returns 0 or a negative reason. */
static __always_inline int host_outer_check(const struct host_ctx *h, const struct pkt *p)
{
	if (host_v4mapped_v6(p))
		return -IG_DROP_IP6_MAPPED;
	if (!host_addr_eq(p->daddr, h->cfg->vtep_addr) &&
	    !(host_addr_flags(p->daddr) & IG_HA_F_VTEP))
		return -IG_DROP_VXLAN_DST;
	if (p->family == 4 && !host_ipv4_csum_ok(h->skb, p))
		return -IG_DROP_IP4_CSUM;
	return 0;
}

/* Where the inner frame ends: the outer UDP length bounds it (the parser
 * checked that one against the outer IP length); bytes after it are the
 * Ethernet trailer, never part of the inner packet. */
static __always_inline int host_inner_len(struct __sk_buff *skb, const struct pkt *p, __u32 *len)
{
	__be16 ulen;
	__u32 end;

	if (bpf_skb_load_bytes(skb, p->l4_off + 4, &ulen, sizeof(ulen)))
		return -IG_DROP_UDP_TRUNC;
	end = p->l4_off + bpf_ntohs(ulen);
	if (end < (__u32)p->inner_off + ETH_HLEN)
		return -IG_DROP_ETH_TRUNC;
	*len = end - p->inner_off;
	return 0;
}

static __always_inline int host_vxlan_rx(struct host_ctx *h, const struct ig_ctx *c,
					 const struct pkt *p)
{
	struct __sk_buff *skb = h->skb;
	struct ig_workload wl;
	struct pkt in = {};
	__u32 tenant = 0, ifindex = 0, off, inner_len = 0;
	__u16 proto;
	int err;

	err = host_outer_check(h, p);
	if (err)
		return host_drop(h, -err);
	err = host_vni_tenant(p->vni, &tenant);
	if (err)
		return host_drop(h, -err);
	h->tenant = tenant;
	if (!host_vtep_allowed(p->saddr, p->vni))
		return host_drop(h, IG_DROP_VXLAN_VTEP);
	/* A fragment holds only part of the inner frame (VTEPs send whole
	 * packets: the underlay MTU is sized for it). Passing it would let the
	 * kernel reassemble the datagram and hand it to a vxlan device past
	 * the checks here; its later fragments carry no UDP header, pass, and
	 * expire in the reassembly queue without their first. */
	if (p->flags & PKT_F_FRAG) {
		count(IG_CNT_FRAGMENT);
		err = -IG_DROP_VXLAN_FRAG;
	} else if (p->vlan_depth) {
		/* An 802.1Q tag left in the frame (not taken by the driver)
		 * would sit where bpf_skb_adjust_room does not expect it. */
		err = -IG_DROP_DECAP_FAILED;
	} else {
		/* The inner frame ends where the outer UDP length says. */
		err = host_inner_len(skb, p, &inner_len);
	}
	if (err)
		return host_drop(h, -err);
	/* The verifier tracks a variable packet offset only while it and what
	 * is added to it stay below 64 KiB: bound it where it is used (the
	 * barrier keeps clang from dropping the mask after the check). The
	 * outer headers sit in the pulled area anyway. */
	off = p->inner_off;
	if (off > CTX_PULL_LEN)
		return host_drop(h, IG_DROP_DECAP_FAILED);
	asm volatile("" : "+r"(off));
	off &= 0x1ff;
	err = parse_packet_len(c->data + off, c->data_end, inner_len, &in, 0);
	h->p = &in;
	if (err)
		return host_drop(h, -err);
	err = host_rx_target(tenant, &in, &ifindex, &wl);
	if (err)
		return host_drop(h, -err);
	proto = host_ethertype(&in);
	if (host_decap(skb, p, &in))
		return host_drop(h, IG_DROP_DECAP_FAILED);
	/* A tag the driver took off the underlay means nothing to a workload. */
	if (skb->vlan_present)
		bpf_skb_vlan_pop(skb);
	if (host_set_eth(skb, wl.mac, wl.node_mac, proto))
		return host_drop(h, IG_DROP_DECAP_FAILED);
	host_wl_count(ifindex, HOST_WL_RX, skb->len);
	return host_redirect(h, IG_CNT_HOST_DECAP, ifindex,
			     (wl.flags & IG_WL_F_PEER) && skb->protocol == bpf_htons(proto));
}

/* Past the parser's bounds, to our VTEP address, a frame might be VXLAN
 * that the kernel's vxlan device would take past the VNI and VTEP checks:
 * -IG_DROP_IP6_EXT_DEPTH. Elsewhere (or with its address out of reach
 * behind VLAN tags, which the stack does not untag for the VTEP) it is the
 * host's own: 0. */
static __always_inline int host_deep(const struct ig_config *cfg, const struct pkt *p)
{
	count(IG_CNT_DEEP);
	if (p->family && host_addr_eq(p->daddr, cfg->vtep_addr))
		return -IG_DROP_IP6_EXT_DEPTH;
	return 0;
}

/* tc ingress on the underlay interface. */
static __always_inline int host_ingress(struct __sk_buff *skb)
{
	struct host_ctx h = { .skb = skb };
	struct ig_config *cfg;
	struct pkt p = {};
	struct ig_ctx c;
	__u32 zero = 0;
	int err;

	count(IG_CNT_RX);
	cfg = bpf_map_lookup_elem(&ig_config, &zero);
	if (!cfg || !(cfg->flags & IG_CFG_ENABLED))
		goto pass;
	ctx_from_skb(&c, skb);
	h.cfg = cfg;
	h.p = &p;
	h.len = c.len;
	h.ifindex = skb->ifindex;
	err = parse_packet_len(c.data, c.data_end, c.len, &p, PARSE_VXLAN);
	if (!err && (p.flags & PKT_F_DEEP))
		err = host_deep(cfg, &p);
	if (err)
		return host_drop(&h, -err);
	if (p.flags & PKT_F_VXLAN)
		return host_vxlan_rx(&h, &c, &p);
	/* The host's own traffic. */
	if (!p.family)
		count(IG_CNT_NOT_IP);
	else if (p.flags & PKT_F_FRAG)
		count(IG_CNT_FRAGMENT);
pass:
	count(IG_CNT_PASS);
	return TC_ACT_OK;
}

/* ---- workload side: east-west out ---- */

/* Open room for outer IP, UDP, VXLAN and an inner Ethernet header between
 * the Ethernet header and the IP packet. The ENCAP flags mark a GSO packet as
 * a UDP tunnel (the underlay device segments it, or a veth carries it whole)
 * and set the inner header offsets; ENCAP_L2_ETH (5.19) names the inner
 * Ethernet header, older kernels take the same room without it. */
static __always_inline int host_encap_room(struct __sk_buff *skb, int v6, __u32 room)
{
	__u64 flags = HOST_ENCAP_FLAGS |
		      (v6 ? BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 : BPF_F_ADJ_ROOM_ENCAP_L3_IPV4);

	if (!bpf_skb_adjust_room(skb, room, BPF_ADJ_ROOM_MAC, flags | BPF_F_ADJ_ROOM_ENCAP_L2_ETH))
		return 0;
	return bpf_skb_adjust_room(skb, room, BPF_ADJ_ROOM_MAC, flags);
}

/* Encapsulate for a remote endpoint in the tenant's VNI. The room opened
 * equals VXLAN_ENCAP4/6 (outer IP + UDP + VXLAN + inner Ethernet), so the
 * inner Ethernet header lands at that offset. Returns 0 or -1. */
static __always_inline int host_encap(const struct host_ctx *h, const struct pkt *p,
				      const struct ig_endpoint *dst, __u32 vni)
{
	const struct ig_config *cfg = h->cfg;
	struct __sk_buff *skb = h->skb;
	int v6 = !addr_is_v4mapped(dst->vtep);
	__u32 room = v6 ? VXLAN_ENCAP6 : VXLAN_ENCAP4, inner_len = h->len, hash;
	struct vxlan_outer o = { .dmac = dst->nh_mac,
				 .smac = cfg->vtep_mac,
				 .saddr = cfg->vtep_addr,
				 .daddr = dst->vtep,
				 .vni = vni };
	struct ethhdr inner, *eth;
	void *data, *data_end;

	if (v6 == addr_is_v4mapped(cfg->vtep_addr) || inner_len + room > 0xffff)
		return -1; /* underlay families differ; or too big for one IP packet */
	if (bpf_skb_load_bytes(skb, 0, &inner, sizeof(inner)))
		return -1;
	hash = ig_flow_hash((const __u32 *)p->saddr, (const __u32 *)p->daddr, p->sport, p->dport,
			    p->proto);
	if (host_encap_room(skb, v6, room))
		return -1;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	eth = data;
	if (data + VXLAN_ENCAP6 + ETH_HLEN > data_end)
		return -1;
	o.hash = hash;
	vxlan_outer_write(eth, v6, &o, inner_len);
	/* The inner Ethernet header, saved before the room opened. */
	if (v6)
		__builtin_memcpy(data + VXLAN_ENCAP6, &inner, sizeof(inner));
	else
		__builtin_memcpy(data + VXLAN_ENCAP4, &inner, sizeof(inner));
	return 0;
}

static __always_inline int host_to_remote(struct host_ctx *h, const struct pkt *p,
					  const struct ig_endpoint *dst)
{
	struct ig_tenant *tn;
	__u32 tenant = h->tenant, ifindex = h->cfg->underlay_ifindex;

	tn = bpf_map_lookup_elem(&ig_tenants, &tenant);
	if (!tn || !(tn->flags & IG_TENANT_F_ACTIVE))
		return host_drop(h, IG_DROP_NO_TENANT);
	/* Membership is checked both ways: a VNI goes only to its VTEPs. */
	if (!host_vtep_allowed(dst->vtep, tn->vni))
		return host_drop(h, IG_DROP_VXLAN_VTEP);
	if (!ifindex)
		return host_drop(h, IG_DROP_NO_TX_PORT);
	if (host_encap(h, p, dst, tn->vni))
		return host_drop(h, IG_DROP_ENCAP_FAILED);
	host_wl_count(h->ifindex, HOST_WL_TX, h->len);
	return host_redirect(h, IG_CNT_HOST_ENCAP, ifindex, 0);
}

/* Same host: straight into the other workload, as its host side would. */
static __always_inline int host_to_local(struct host_ctx *h, const struct pkt *p,
					 const struct ig_endpoint *dst)
{
	struct ig_workload wl;
	__u32 ifindex = dst->ifindex;
	int err;

	err = host_workload_of(dst, h->tenant, &wl);
	if (err)
		return host_drop(h, -err);
	if (host_set_eth(h->skb, wl.mac, wl.node_mac, host_ethertype(p)))
		return host_drop(h, IG_DROP_ETH_TRUNC);
	host_wl_count(h->ifindex, HOST_WL_TX, h->len);
	host_wl_count(ifindex, HOST_WL_RX, h->len);
	return host_redirect(h, IG_CNT_HOST_LOCAL, ifindex, wl.flags & IG_WL_F_PEER);
}

static __always_inline int host_is_unicast(const struct pkt *p)
{
	const __u8 *d = p->daddr;

	if (p->family == 6)
		return d[0] != 0xff;
	return (d[12] & 0xf0) != 0xe0 &&
	       !(d[12] == 0xff && d[13] == 0xff && d[14] == 0xff && d[15] == 0xff);
}

/* ---- response usage (runaway control) ---- */

/* Count a response packet of tenant for the agent's token estimate: per
 * tenant, and per TCP or UDP flow (key: the response direction). Returns -1
 * when the agent has cut the flow as a runaway. */
static __always_inline int host_resp_account(__u32 tenant, const struct pkt *p, __u32 len)
{
	struct ig_flow_usage *u, nu = {};
	struct ig_conn_key k = {};
	__u64 now;

	if (!(p->flags & PKT_F_L4) || (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP))
		goto count;
	__builtin_memcpy(k.saddr, p->saddr, 16);
	__builtin_memcpy(k.daddr, p->daddr, 16);
	k.sport = p->sport;
	k.dport = p->dport;
	k.proto = p->proto;
	k.tenant = tenant;
	now = bpf_ktime_get_coarse_ns();
	u = bpf_map_lookup_elem(&ig_flow_resp, &k);
	if (!u) {
		nu = (struct ig_flow_usage){
			.bytes = len, .packets = 1, .first_ns = now, .last_ns = now
		};
		bpf_map_update_elem(&ig_flow_resp, &k, &nu, BPF_NOEXIST);
		goto count;
	}
	if (u->flags & IG_FLOW_F_CUT)
		return -1; /* dropped: not usage */
	__sync_fetch_and_add(&u->bytes, len);
	__sync_fetch_and_add(&u->packets, 1);
	u->last_ns = now;
count:
	count_traffic(&ig_tn_resp, tenant, len, 0);
	count(IG_CNT_HOST_RESP);
	return 0;
}

/* tc egress on a GPU host's uplink: responses of inference servers that run
 * in the host's own namespace (the kernel's vxlan device delivers to them;
 * they answer the client directly). The source address names the tenant: a
 * VIP in ig_endpoints that no local workload holds. Everything else passes. */
static __always_inline int host_egress(struct __sk_buff *skb)
{
	struct host_ctx h = { .skb = skb };
	struct ig_endpoint *src;
	struct ig_config *cfg;
	struct pkt p = {};
	struct ig_ctx c;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&ig_config, &zero);
	if (!cfg || !(cfg->flags & IG_CFG_ENABLED))
		return TC_ACT_OK;
	ctx_from_skb(&c, skb);
	if (parse_packet_len(c.data, c.data_end, c.len, &p, 0) || !p.family ||
	    (p.flags & PKT_F_FRAG) || host_v4mapped_v6(&p))
		return TC_ACT_OK; /* not ours to judge: the stack sent it */
	src = bpf_map_lookup_elem(&ig_endpoints, p.saddr);
	/* A local endpoint is a workload behind tc_workload, which counted
	 * (and, cut, dropped) its response already. */
	if (!src || !(src->flags & IG_EP_F_VIP) || (src->flags & IG_EP_F_LOCAL) || !src->tenant)
		return TC_ACT_OK;
	h.cfg = cfg;
	h.p = &p;
	h.len = c.len;
	h.ifindex = skb->ifindex;
	h.tenant = src->tenant;
	if (host_resp_account(h.tenant, &p, h.len))
		return host_drop(&h, IG_DROP_RUNAWAY_CUT);
	return TC_ACT_OK;
}

/* An IP packet from a workload: its source must be one of its own addresses
 * (its address or a VIP it serves: direct server return); its destination an
 * endpoint of its tenant, or the client side (no tenant's address), which the
 * host's stack routes. */
static __always_inline int host_wl_ip(struct host_ctx *h, const struct pkt *p)
{
	struct ig_endpoint *src, *dst;

	if (host_v4mapped_v6(p))
		return host_drop(h, IG_DROP_IP6_MAPPED);
	src = bpf_map_lookup_elem(&ig_endpoints, p->saddr);
	if (!src || !(src->flags & IG_EP_F_LOCAL) || src->ifindex != h->ifindex ||
	    src->tenant != h->tenant)
		return host_drop(h, IG_DROP_SPOOF);
	if (!host_is_unicast(p))
		return host_drop(h, IG_DROP_WL_PROTO);
	dst = bpf_map_lookup_elem(&ig_endpoints, p->daddr);
	if (dst && dst->tenant != h->tenant)
		return host_drop(h, IG_DROP_EP_TENANT);
	if (dst && (dst->flags & IG_EP_F_LOCAL))
		return host_to_local(h, p, dst);
	if (dst && (dst->flags & IG_EP_F_REMOTE))
		return host_to_remote(h, p, dst);
	/* The client side, but never the host itself or its underlay (sshd
	 * on the VTEP, the next hop's management): the host's VTEP always,
	 * and what the agent lists in ig_host_addrs. */
	if (host_addr_eq(p->daddr, h->cfg->vtep_addr) ||
	    (host_addr_flags(p->daddr) & IG_HA_F_INFRA))
		return host_drop(h, IG_DROP_INFRA);
	if (host_resp_account(h->tenant, p, h->len))
		return host_drop(h, IG_DROP_RUNAWAY_CUT);
	host_wl_count(h->ifindex, HOST_WL_RESP, h->len);
	count(IG_CNT_HOST_CLIENT);
	count(IG_CNT_PASS);
	count_traffic(&ig_tn_stats, h->tenant, h->len, 0);
	return TC_ACT_OK;
}

/* ---- workload side: ARP and neighbour discovery ---- */

/* Every neighbour a workload resolves is the host side (the tenant network
 * is routed by these programs, as Calico and Cilium do), except another
 * tenant's endpoint, which is refused, and the workload's own address (a
 * probe or a gratuitous announcement), which needs no answer. sender is the
 * requester's address, or NULL for an IPv6 link-local one. */
static __always_inline int host_neigh_check(const struct host_ctx *h, const __u8 *sender,
					    const __u8 *target)
{
	struct ig_endpoint *ep;

	if (sender) {
		ep = bpf_map_lookup_elem(&ig_endpoints, sender);
		if (!ep || !(ep->flags & IG_EP_F_LOCAL) || ep->ifindex != h->ifindex ||
		    ep->tenant != h->tenant)
			return IG_DROP_SPOOF;
	}
	ep = bpf_map_lookup_elem(&ig_endpoints, target);
	if (ep && ep->tenant != h->tenant)
		return IG_DROP_EP_TENANT;
	if (ep && (ep->flags & IG_EP_F_LOCAL) && ep->ifindex == h->ifindex)
		return IG_DROP_NEIGH_IGNORED;
	return 0;
}

struct arp_eth4 {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 oper;
	__u8 sha[ETH_ALEN];
	__be32 spa;
	__u8 tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));

/* Answer an ARP request in place and send it back out of the interface. */
static __always_inline int host_arp(struct host_ctx *h, const struct ig_workload *wl)
{
	void *data = (void *)(long)h->skb->data, *data_end = (void *)(long)h->skb->data_end;
	struct ethhdr *eth = data;
	struct arp_eth4 *arp = (void *)(eth + 1);
	__u8 sender[16], target[16];
	__be32 spa, tpa;
	int reason;

	if ((void *)(arp + 1) > data_end || arp->htype != bpf_htons(HOST_ARP_HRD_ETHER) ||
	    arp->ptype != bpf_htons(ETH_P_IP) || arp->hlen != ETH_ALEN || arp->plen != 4 ||
	    arp->oper != bpf_htons(HOST_ARP_REQUEST))
		return host_drop(h, IG_DROP_NEIGH_IGNORED);
	spa = arp->spa;
	tpa = arp->tpa;
	if (!spa || spa == tpa)
		return host_drop(h, IG_DROP_NEIGH_IGNORED);
	addr_set_v4(sender, spa);
	addr_set_v4(target, tpa);
	reason = host_neigh_check(h, sender, target);
	if (reason)
		return host_drop(h, reason);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, wl->node_mac, ETH_ALEN);
	arp->oper = bpf_htons(HOST_ARP_REPLY);
	__builtin_memcpy(arp->tha, arp->sha, ETH_ALEN);
	__builtin_memcpy(arp->sha, wl->node_mac, ETH_ALEN);
	arp->spa = tpa;
	arp->tpa = spa;
	return host_redirect(h, IG_CNT_HOST_NEIGH, h->ifindex, 0);
}

/* A neighbour advertisement with the target link-layer address option. */
struct nd_na_frame {
	struct ethhdr eth;
	struct ipv6hdr ip6;
	__u8 type;
	__u8 code;
	__be16 csum;
	__be32 flags;
	__u8 target[16];
	__u8 opt_type;
	__u8 opt_len; /* in units of 8 bytes */
	__u8 lladdr[ETH_ALEN];
} __attribute__((packed));

#define ND_NA_LEN (sizeof(struct nd_na_frame) - ETH_HLEN - sizeof(struct ipv6hdr))

/* Sum of 16-bit big-endian words; n is a constant at each call. */
static __always_inline __u32 host_sum16(const __u8 *b, const int n, __u32 sum)
{
#pragma unroll
	for (int i = 0; i < n; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	return sum;
}

static __always_inline void host_na_build(struct nd_na_frame *f, const __u8 *dmac,
					  const __u8 *node_mac, const __u8 *dst, const __u8 *target)
{
	__u8 *ip6 = (__u8 *)f + ETH_HLEN;
	__u32 sum;

	__builtin_memset(f, 0, sizeof(*f));
	__builtin_memcpy(f->eth.h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(f->eth.h_source, node_mac, ETH_ALEN);
	f->eth.h_proto = bpf_htons(ETH_P_IPV6);
	ip6[0] = 0x60; /* version 6, traffic class and flow label 0 */
	ip6[5] = ND_NA_LEN; /* payload length, < 256 */
	ip6[6] = IPPROTO_ICMPV6;
	ip6[7] = 255; /* hop limit: RFC 4861 receivers drop ND with any other */
	__builtin_memcpy(ip6 + 8, target, 16);
	__builtin_memcpy(ip6 + 24, dst, 16);
	f->type = ICMP6_NA;
	f->flags = bpf_htonl(ND_NA_SOLICITED_OVERRIDE);
	__builtin_memcpy(f->target, target, 16);
	f->opt_type = ND_OPT_TLLA;
	f->opt_len = 1;
	__builtin_memcpy(f->lladdr, node_mac, ETH_ALEN);
	/* Pseudo-header (addresses, length, next header), then the message. */
	sum = host_sum16(ip6 + 8, 32, ND_NA_LEN + IPPROTO_ICMPV6);
	sum = host_sum16(&f->type, ND_NA_LEN, sum);
	f->csum = bpf_htons(csum_fold(sum));
}

static __always_inline int host_is_ndisc(const struct pkt *p)
{
	__u8 type = bpf_ntohs(p->sport) >> 8;

	if (p->family != 6 || p->proto != IPPROTO_ICMPV6 || !(p->flags & PKT_F_L4))
		return 0;
	/* MLD (130-132, 143) and router/neighbour discovery (133-137). */
	return (type >= 130 && type <= 137) || type == 143;
}

/* Answer a neighbour solicitation; every other ND or MLD message stays on
 * the link it was sent on. */
static __always_inline int host_ndisc(struct host_ctx *h, const struct ig_workload *wl,
				      const struct pkt *p)
{
	const __u8 *s = p->saddr;
	const __u32 *sw = (const __u32 *)p->saddr;
	struct nd_na_frame f;
	__u8 target[16], dmac[ETH_ALEN];
	int reason, ll = s[0] == 0xfe && (s[1] & 0xc0) == 0x80;

	if (bpf_ntohs(p->sport) != ICMP6_NS << 8 || p->ttl != 255 || (p->flags & PKT_F_IP6_EXT) ||
	    p->l3_len < sizeof(struct ipv6hdr) + 24 || !(sw[0] | sw[1] | sw[2] | sw[3]))
		return host_drop(h, IG_DROP_NEIGH_IGNORED); /* not an NS, or DAD */
	if (bpf_skb_load_bytes(h->skb, p->l4_off + 8, target, 16) ||
	    bpf_skb_load_bytes(h->skb, ETH_ALEN, dmac, ETH_ALEN) || target[0] == 0xff)
		return host_drop(h, IG_DROP_NEIGH_IGNORED);
	if (addr_is_v4mapped(target) || host_v4mapped_v6(p))
		return host_drop(h, IG_DROP_IP6_MAPPED);
	reason = host_neigh_check(h, ll ? NULL : s, target);
	if (reason)
		return host_drop(h, reason);
	host_na_build(&f, dmac, wl->node_mac, s, target);
	if (bpf_skb_change_tail(h->skb, sizeof(f), 0) ||
	    bpf_skb_store_bytes(h->skb, 0, &f, sizeof(f), BPF_F_RECOMPUTE_CSUM))
		return host_drop(h, IG_DROP_NEIGH_IGNORED);
	return host_redirect(h, IG_CNT_HOST_NEIGH, h->ifindex, 0);
}

/* tc ingress on a workload's host-side interface: what the workload sends. */
static __always_inline int host_workload(struct __sk_buff *skb)
{
	struct host_ctx h = { .skb = skb };
	struct ig_workload *w, wl;
	struct ig_config *cfg;
	struct pkt p = {};
	struct ig_ctx c;
	__u32 zero = 0, ifindex = skb->ifindex;
	int err;

	count(IG_CNT_RX);
	cfg = bpf_map_lookup_elem(&ig_config, &zero);
	if (!cfg || !(cfg->flags & IG_CFG_ENABLED)) {
		count(IG_CNT_PASS);
		return TC_ACT_OK;
	}
	ctx_from_skb(&c, skb);
	h.cfg = cfg;
	h.p = &p;
	h.len = c.len;
	h.ifindex = ifindex;
	/* Fail closed: an interface this program guards but nobody registered
	 * could otherwise reach anything. */
	w = bpf_map_lookup_elem(&ig_workloads, &ifindex);
	if (!w)
		return host_drop(&h, IG_DROP_WL_UNKNOWN);
	wl = *w;
	h.tenant = wl.tenant;
	err = parse_packet_len(c.data, c.data_end, c.len, &p, 0);
	if (err)
		return host_drop(&h, -err);
	/* A frame past the parser's bounds (PKT_F_DEEP) is checked by address
	 * alone, like a later fragment (tags are refused below anyway); not
	 * counted apart: that costs the verifier more than it tells. */
	if (p.vlan_depth)
		return host_drop(&h, IG_DROP_WL_PROTO);
	if (p.eth_proto == ETH_P_ARP)
		return host_arp(&h, &wl);
	if (!p.family)
		return host_drop(&h, IG_DROP_WL_PROTO);
	if (host_is_ndisc(&p))
		return host_ndisc(&h, &wl, &p);
	return host_wl_ip(&h, &p);
}

#endif /* __IG_HOST_BPF_H */
