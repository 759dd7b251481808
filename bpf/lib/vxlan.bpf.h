/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* VXLAN encapsulation: the outer headers' one builder (outer Ethernet to the
 * next hop, outer IPv4 or IPv6 from the local VTEP, UDP to 4789 with the
 * source port from the inner flow hash, the tenant's VNI), used by the
 * gateway's XDP encapsulation below and by the GPU hosts' east-west path. */
#ifndef __IG_VXLAN_BPF_H
#define __IG_VXLAN_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include "maps/maps.bpf.h"
#include "maps/flowhash.h"
#include "bpf/lib/csum.bpf.h"
#include "bpf/lib/parse.bpf.h"

#define VXLAN_ENCAP4 (ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr) + VXLAN_HLEN)
#define VXLAN_ENCAP6 (ETH_HLEN + sizeof(struct ipv6hdr) + sizeof(struct udphdr) + VXLAN_HLEN)
#define VXLAN_TTL 64

static __always_inline int addr_is_v4mapped(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return !w[0] && !w[1] && w[2] == bpf_htonl(0x0000ffff);
}

static __always_inline int mac_is_zero(const __u8 *m)
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

/* Tags of the client's segment mean nothing inside a tenant's VNI: drop them
 * from the inner frame (the MACs move up, the innermost ethertype stays).
 * shift is a constant at each call, so the verifier sees fixed offsets. */
static __always_inline int vlan_strip_n(struct xdp_md *xdp, __u16 eth_proto, const int shift)
{
	void *data = (void *)(long)xdp->data, *data_end = (void *)(long)xdp->data_end;
	struct ethhdr *eth = data + shift;
	__u8 macs[12];

	if ((void *)(eth + 1) > data_end)
		return -1;
	__builtin_memcpy(macs, data, 12); /* the ranges overlap: copy out first */
	__builtin_memcpy(eth, macs, 12);
	eth->h_proto = bpf_htons(eth_proto);
	return bpf_xdp_adjust_head(xdp, shift);
}

static __always_inline int vlan_strip(struct xdp_md *xdp, const struct pkt *p)
{
	if (p->vlan_depth == 1)
		return vlan_strip_n(xdp, p->eth_proto, 4);
	if (p->vlan_depth == 2)
		return vlan_strip_n(xdp, p->eth_proto, 8);
	return 0;
}

/* ---- the outer headers, one builder for the gateway and the GPU hosts ---- */

static __always_inline void outer_ipv4(struct iphdr *ip, const __u8 *saddr, const __u8 *daddr,
				       __u32 inner_len)
{
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0;
	ip->tot_len = bpf_htons(sizeof(*ip) + sizeof(struct udphdr) + VXLAN_HLEN + inner_len);
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = VXLAN_TTL;
	ip->protocol = IPPROTO_UDP;
	ip->check = 0;
	__builtin_memcpy(&ip->saddr, saddr + 12, 4);
	__builtin_memcpy(&ip->daddr, daddr + 12, 4);
	ip->check = ipv4_hdr_csum(ip);
}

/* IPv6 underlay: the UDP checksum stays zero (RFC 6935/6936 allow it for
 * tunnels); the receiving vxlan device needs udp6zerocsumrx. */
static __always_inline void outer_ipv6(struct ipv6hdr *ip6, const __u8 *saddr, const __u8 *daddr,
				       __u32 inner_len)
{
	*(__be32 *)ip6 = bpf_htonl(0x60000000);
	ip6->payload_len = bpf_htons(sizeof(struct udphdr) + VXLAN_HLEN + inner_len);
	ip6->nexthdr = IPPROTO_UDP;
	ip6->hop_limit = VXLAN_TTL;
	__builtin_memcpy(&ip6->saddr, saddr, 16);
	__builtin_memcpy(&ip6->daddr, daddr, 16);
}

static __always_inline void outer_udp_vxlan(struct udphdr *uh, __u32 hash, __u32 vni,
					    __u32 inner_len)
{
	struct vxlanhdr *vh = (void *)(uh + 1);

	uh->source = bpf_htons(ig_vxlan_sport(hash));
	uh->dest = bpf_htons(VXLAN_PORT);
	uh->len = bpf_htons(sizeof(*uh) + VXLAN_HLEN + inner_len);
	uh->check = 0;
	*(__u32 *)vh = 0;
	vh->flags = VXLAN_FLAG_VNI;
	vh->vni_rsvd = bpf_htonl(vni << 8);
}

/* Where the outer headers go and what they say: Ethernet from smac to dmac,
 * IP from the VTEP saddr to the VTEP daddr (ABI addresses; v6 selects the
 * family, both must be of it), UDP to 4789 with the source port from the
 * inner flow's hash, and the VNI. */
struct vxlan_outer {
	const __u8 *dmac, *smac;
	const __u8 *saddr, *daddr;
	__u32 hash, vni;
};

/* Write the outer headers at eth (VXLAN_ENCAP4 or VXLAN_ENCAP6 bytes less
 * the inner Ethernet header, which the caller has bounds-checked), for an
 * inner frame of inner_len bytes. The gateway (vxlan_encap) and a GPU host
 * sending east-west (host_encap) both build them here. */
static __always_inline void vxlan_outer_write(struct ethhdr *eth, int v6,
					      const struct vxlan_outer *o, __u32 inner_len)
{
	void *l3 = eth + 1;

	__builtin_memcpy(eth->h_dest, o->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, o->smac, ETH_ALEN);
	if (v6) {
		eth->h_proto = bpf_htons(ETH_P_IPV6);
		outer_ipv6(l3, o->saddr, o->daddr, inner_len);
		outer_udp_vxlan(l3 + sizeof(struct ipv6hdr), o->hash, o->vni, inner_len);
	} else {
		eth->h_proto = bpf_htons(ETH_P_IP);
		outer_ipv4(l3, o->saddr, o->daddr, inner_len);
		outer_udp_vxlan(l3 + sizeof(struct iphdr), o->hash, o->vni, inner_len);
	}
}

/* Prepend the outer headers. Returns 0, or -1 when the packet cannot take
 * them (the caller drops with IG_DROP_ENCAP_FAILED). */
static __always_inline int vxlan_encap(struct xdp_md *xdp, const struct ig_config *cfg,
				       const struct ig_backend *be, __u32 vni, __u32 hash,
				       const struct pkt *p)
{
	int v6 = !addr_is_v4mapped(be->addr);
	int olen = v6 ? VXLAN_ENCAP6 : VXLAN_ENCAP4;
	struct vxlan_outer o = {
		.saddr = cfg->vtep_addr, .daddr = be->addr, .hash = hash, .vni = vni
	};
	void *data, *data_end;
	struct ethhdr *eth, *inner;
	__u32 inner_len;

	if (v6 == addr_is_v4mapped(cfg->vtep_addr))
		return -1; /* underlay families of gateway and backend differ */
	if (vlan_strip(xdp, p) || bpf_xdp_adjust_head(xdp, -olen))
		return -1;
	data = (void *)(long)xdp->data;
	data_end = (void *)(long)xdp->data_end;
	eth = data;
	inner = data + olen;
	if ((void *)(inner + 1) > data_end)
		return -1;
	inner_len = data_end - (void *)inner;
	o.dmac = be->mac;
	o.smac = mac_is_zero(be->smac) ? cfg->vtep_mac : be->smac;
	if (!mac_is_zero(be->inner_mac))
		__builtin_memcpy(inner->h_dest, be->inner_mac, 6);
	vxlan_outer_write(eth, v6, &o, inner_len);
	return 0;
}

#endif /* __IG_VXLAN_BPF_H */
