/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one packet parser, shared by XDP and tc. A cursor walks the packet; one
 * function per header bounds-checks, advances only on success, and returns 0
 * or a negative enum ig_drop_reason. Results land in one struct pkt. */
#ifndef __IG_PARSE_BPF_H
#define __IG_PARSE_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps/stats.h"

#define VLAN_MAX_DEPTH 2 /* 802.1Q, or QinQ (802.1ad outer + 802.1Q inner) */
#define IPV6_EXT_MAX 6 /* extension headers walked before giving up */
#define VXLAN_PORT 4789
#define VXLAN_HLEN 8
#define VXLAN_FLAG_VNI 0x08

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* The verifier learns packet bounds only from comparisons with data_end, so
 * end never moves; lengths inside the IP packet are checked against ip_end,
 * the offset where the IP payload stops (Ethernet padding may follow). len is
 * the whole packet: on tc an skb's payload may sit outside the linear area
 * that end bounds (GSO, paged data), so IP lengths are checked against len. */
struct cursor {
	void *pos;
	void *end;
	void *data;
	__u32 ip_end;
	__u32 len;
};

static __always_inline __u32 cursor_off(const struct cursor *c)
{
	return c->pos - c->data;
}

enum pkt_flags {
	PKT_F_FRAG = 1 << 0, /* a fragment (any) */
	PKT_F_FRAG_LATER = 1 << 1, /* not the first fragment: no L4 header */
	PKT_F_IP_OPTS = 1 << 2, /* IPv4 options present */
	PKT_F_IP6_EXT = 1 << 3, /* IPv6 extension headers walked */
	PKT_F_L4 = 1 << 4, /* sport/dport (or ICMP type/code) are valid */
	PKT_F_VXLAN = 1 << 5, /* UDP to VXLAN_PORT with a valid VXLAN header */
	/* Valid as far as parsed, but more VLAN tags or IPv6 extension headers
	 * follow than the parser walks: L4 (and, past the tags, the whole IP
	 * header) is out of reach. Not malformed: the caller decides. */
	PKT_F_DEEP = 1 << 6,
};

enum parse_opts {
	PARSE_VXLAN = 1 << 0, /* parse VXLAN after UDP to VXLAN_PORT (GPU hosts) */
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* ICMP and ICMPv6 share this layout (type, code, checksum, echo id and
 * sequence). <linux/icmp.h> would drag in libc's <sys/socket.h>. */
struct icmp_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 seq;
};

struct vxlanhdr {
	__u8 flags;
	__u8 rsvd0[3];
	__be32 vni_rsvd; /* VNI in the upper 24 bits */
};

/* Parsed view of a packet. Offsets are from the start of the packet. */
struct pkt {
	__u8 saddr[16]; /* IPv4-mapped for IPv4 */
	__u8 daddr[16];
	__u16 l3_off;
	__u16 l4_off;
	__u16 payload_off; /* first byte after the L4 header */
	__u16 l3_len; /* IP total length (IPv4) or 40 + payload length (IPv6) */
	__be16 sport; /* ICMP: type << 8 | code in sport, echo id in dport */
	__be16 dport;
	__be16 vlan_tci[VLAN_MAX_DEPTH];
	__u16 eth_proto; /* innermost ethertype, host order */
	__u8 vlan_depth;
	__u8 family; /* 4, 6, or 0 for not IP */
	__u8 proto; /* L4 protocol after extension headers */
	__u8 flags; /* enum pkt_flags */
	__u8 tcp_flags; /* byte 13 of the TCP header */
	__u8 ttl; /* TTL or hop limit */
	__u16 inner_off; /* VXLAN: offset of the inner Ethernet header */
	__u16 pad;
	__u32 vni; /* VXLAN: network identifier */
};

static __always_inline int parse_eth(struct cursor *c, struct pkt *p)
{
	struct ethhdr *eth = c->pos;

	if ((void *)(eth + 1) > c->end)
		return -IG_DROP_ETH_TRUNC;
	p->eth_proto = bpf_ntohs(eth->h_proto);
	c->pos = eth + 1;
	return 0;
}

static __always_inline int parse_vlan(struct cursor *c, struct pkt *p)
{
	struct vlan_hdr *vh;

#pragma unroll
	for (int i = 0; i < VLAN_MAX_DEPTH; i++) {
		if (p->eth_proto != ETH_P_8021Q && p->eth_proto != ETH_P_8021AD)
			return 0;
		vh = c->pos;
		if ((void *)(vh + 1) > c->end)
			return -IG_DROP_VLAN_TRUNC;
		p->vlan_tci[i] = vh->tci;
		p->vlan_depth = i + 1;
		p->eth_proto = bpf_ntohs(vh->encap_proto);
		c->pos = vh + 1;
	}
	if (p->eth_proto == ETH_P_8021Q || p->eth_proto == ETH_P_8021AD)
		p->flags |= PKT_F_DEEP;
	return 0;
}

static __always_inline void addr_set_v4(__u8 *dst, __be32 a)
{
	__u32 *d = (__u32 *)dst;

	d[0] = 0;
	d[1] = 0;
	d[2] = bpf_htonl(0x0000ffff);
	d[3] = a;
}

static __always_inline void addr_copy(__u8 *dst, const void *src)
{
	__builtin_memcpy(dst, src, 16);
}

static __always_inline int parse_ipv4(struct cursor *c, struct pkt *p)
{
	struct iphdr *iph = c->pos;
	__u32 ihl, tot;

	if ((void *)(iph + 1) > c->end)
		return -IG_DROP_IP4_TRUNC;
	if (iph->version != 4)
		return -IG_DROP_IP4_VERSION;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph))
		return -IG_DROP_IP4_IHL;
	if (c->pos + ihl > c->end)
		return -IG_DROP_IP4_OPT_TRUNC;
	tot = bpf_ntohs(iph->tot_len);
	/* Trailing Ethernet padding is fine; a length past the data is not. */
	if (tot < ihl || cursor_off(c) + tot > c->len)
		return -IG_DROP_IP4_LEN;

	p->family = 4;
	p->l3_off = cursor_off(c);
	p->l3_len = tot;
	p->proto = iph->protocol;
	p->ttl = iph->ttl;
	if (ihl > sizeof(*iph))
		p->flags |= PKT_F_IP_OPTS;
	if (iph->frag_off & bpf_htons(0x3fff)) { /* MF or a fragment offset */
		p->flags |= PKT_F_FRAG;
		if (iph->frag_off & bpf_htons(0x1fff))
			p->flags |= PKT_F_FRAG_LATER;
	}
	addr_set_v4(p->saddr, iph->saddr);
	addr_set_v4(p->daddr, iph->daddr);
	c->ip_end = p->l3_off + tot;
	c->pos += ihl;
	return 0;
}

struct ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 id;
};

static __always_inline int parse_ipv6_ext(struct cursor *c, struct pkt *p)
{
	struct ipv6_opt_hdr *oh;
	struct ipv6_frag_hdr *fh;

#pragma unroll
	for (int i = 0; i < IPV6_EXT_MAX; i++) {
		switch (p->proto) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			oh = c->pos;
			if ((void *)(oh + 1) > c->end || cursor_off(c) + sizeof(*oh) > c->ip_end)
				return -IG_DROP_IP6_EXT_TRUNC;
			if (c->pos + (oh->hdrlen + 1) * 8 > c->end ||
			    cursor_off(c) + (oh->hdrlen + 1) * 8 > c->ip_end)
				return -IG_DROP_IP6_EXT_TRUNC;
			p->proto = oh->nexthdr;
			c->pos += (oh->hdrlen + 1) * 8;
			break;
		case IPPROTO_AH:
			oh = c->pos;
			if ((void *)(oh + 1) > c->end || cursor_off(c) + sizeof(*oh) > c->ip_end)
				return -IG_DROP_IP6_EXT_TRUNC;
			if (c->pos + (oh->hdrlen + 2) * 4 > c->end ||
			    cursor_off(c) + (oh->hdrlen + 2) * 4 > c->ip_end)
				return -IG_DROP_IP6_EXT_TRUNC;
			p->proto = oh->nexthdr;
			c->pos += (oh->hdrlen + 2) * 4;
			break;
		case IPPROTO_FRAGMENT:
			fh = c->pos;
			if ((void *)(fh + 1) > c->end || cursor_off(c) + sizeof(*fh) > c->ip_end)
				return -IG_DROP_IP6_EXT_TRUNC;
			/* An atomic fragment (offset 0 without M, RFC 6946)
			 * counts as one too: telling it apart costs the
			 * verifier a quarter more work on every program, and
			 * RFC 8021 has senders stop making them. */
			p->flags |= PKT_F_FRAG;
			if (fh->frag_off & bpf_htons(0xfff8))
				p->flags |= PKT_F_FRAG_LATER;
			p->proto = fh->nexthdr;
			c->pos = fh + 1;
			break;
		default:
			return 0;
		}
		p->flags |= PKT_F_IP6_EXT;
	}
	switch (p->proto) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_FRAGMENT:
		p->flags |= PKT_F_DEEP;
	}
	return 0;
}

static __always_inline int parse_ipv6(struct cursor *c, struct pkt *p)
{
	struct ipv6hdr *ip6h = c->pos;
	__u32 plen;

	if ((void *)(ip6h + 1) > c->end)
		return -IG_DROP_IP6_TRUNC;
	if (ip6h->version != 6)
		return -IG_DROP_IP6_VERSION;
	plen = bpf_ntohs(ip6h->payload_len);
	if (cursor_off(c) + sizeof(*ip6h) + plen > c->len)
		return -IG_DROP_IP6_LEN;

	p->family = 6;
	p->l3_off = cursor_off(c);
	p->l3_len = sizeof(*ip6h) + plen;
	p->proto = ip6h->nexthdr;
	p->ttl = ip6h->hop_limit;
	addr_copy(p->saddr, &ip6h->saddr);
	addr_copy(p->daddr, &ip6h->daddr);
	c->ip_end = p->l3_off + p->l3_len;
	c->pos = ip6h + 1;
	return parse_ipv6_ext(c, p);
}

static __always_inline int parse_tcp(struct cursor *c, struct pkt *p)
{
	struct tcphdr *th = c->pos;
	__u32 doff;

	if ((void *)(th + 1) > c->end || cursor_off(c) + sizeof(*th) > c->ip_end)
		return -IG_DROP_TCP_TRUNC;
	doff = th->doff * 4;
	if (doff < sizeof(*th))
		return -IG_DROP_TCP_DOFF;
	if (c->pos + doff > c->end || cursor_off(c) + doff > c->ip_end)
		return -IG_DROP_TCP_OPT_TRUNC;
	p->sport = th->source;
	p->dport = th->dest;
	p->tcp_flags = ((__u8 *)th)[13];
	c->pos += doff;
	return 0;
}

static __always_inline int parse_udp(struct cursor *c, struct pkt *p)
{
	struct udphdr *uh = c->pos;
	__u32 len;

	if ((void *)(uh + 1) > c->end || cursor_off(c) + sizeof(*uh) > c->ip_end)
		return -IG_DROP_UDP_TRUNC;
	len = bpf_ntohs(uh->len);
	/* Zero is only legal for IPv6 jumbograms, which never reach us. */
	if (len < sizeof(*uh))
		return -IG_DROP_UDP_LEN;
	/* A first fragment carries the whole datagram's length: at least what
	 * this fragment holds, more with the fragments still to come. */
	if (p->flags & PKT_F_FRAG) {
		if (cursor_off(c) + len < c->ip_end)
			return -IG_DROP_UDP_LEN;
	} else if (cursor_off(c) + len > c->ip_end) {
		return -IG_DROP_UDP_LEN;
	}
	p->sport = uh->source;
	p->dport = uh->dest;
	c->pos = uh + 1;
	return 0;
}

static __always_inline int parse_icmp(struct cursor *c, struct pkt *p)
{
	struct icmp_hdr *ih = c->pos;

	if ((void *)(ih + 1) > c->end || cursor_off(c) + sizeof(*ih) > c->ip_end)
		return -IG_DROP_ICMP_TRUNC;
	p->sport = bpf_htons(ih->type << 8 | ih->code);
	p->dport = ih->id;
	c->pos = ih + 1;
	return 0;
}

static __always_inline int parse_l4(struct cursor *c, struct pkt *p)
{
	int err;

	if (p->flags & (PKT_F_FRAG_LATER | PKT_F_DEEP))
		return 0;
	p->l4_off = cursor_off(c);
	switch (p->proto) {
	case IPPROTO_TCP:
		err = parse_tcp(c, p);
		break;
	case IPPROTO_UDP:
		err = parse_udp(c, p);
		break;
	case IPPROTO_ICMP:
		if (p->family != 4)
			return 0;
		err = parse_icmp(c, p);
		break;
	case IPPROTO_ICMPV6:
		if (p->family != 6)
			return 0;
		err = parse_icmp(c, p);
		break;
	default:
		return 0;
	}
	if (err)
		return err;
	p->flags |= PKT_F_L4;
	p->payload_off = cursor_off(c);
	return 0;
}

/* VXLAN header after a UDP header to VXLAN_PORT (RFC 7348: the I flag must be
 * set). The cursor is at the UDP payload. Returns 0 and the VNI, or a
 * negative reason. */
static __always_inline int parse_vxlan(struct cursor *c, __u32 *vni)
{
	struct vxlanhdr *vh = c->pos;

	if ((void *)(vh + 1) > c->end || cursor_off(c) + sizeof(*vh) > c->ip_end)
		return -IG_DROP_VXLAN_TRUNC;
	if (!(vh->flags & VXLAN_FLAG_VNI))
		return -IG_DROP_VXLAN_FLAGS;
	*vni = bpf_ntohl(vh->vni_rsvd) >> 8;
	c->pos = vh + 1;
	return 0;
}

/* Parse Ethernet, VLANs, IPv4/IPv6, L4 and (with PARSE_VXLAN) VXLAN. len is
 * the whole packet from data on, linear or not (headers must be linear).
 * Returns 0 (p->family == 0 for a packet that is not IP, or whose IP header
 * lies past VLAN_MAX_DEPTH tags: PKT_F_DEEP) or a negative enum
 * ig_drop_reason. Malformed headers drop; valid ones past the bounds do not. */
static __always_inline int parse_packet_len(void *data, void *data_end, __u32 len, struct pkt *p,
					    __u32 opts)
{
	struct cursor c = { .pos = data, .end = data_end, .data = data, .len = len };
	int err;

	err = parse_eth(&c, p);
	if (err)
		return err;
	err = parse_vlan(&c, p);
	if (err || (p->flags & PKT_F_DEEP))
		return err;
	if (p->eth_proto == ETH_P_IP)
		err = parse_ipv4(&c, p);
	else if (p->eth_proto == ETH_P_IPV6)
		err = parse_ipv6(&c, p);
	else
		return 0;
	if (err)
		return err;
	err = parse_l4(&c, p);
	if (err)
		return err;
	if ((opts & PARSE_VXLAN) && (p->flags & PKT_F_L4) && p->proto == IPPROTO_UDP &&
	    p->dport == bpf_htons(VXLAN_PORT)) {
		err = parse_vxlan(&c, &p->vni);
		if (err)
			return err;
		p->flags |= PKT_F_VXLAN;
		p->inner_off = cursor_off(&c);
	}
	return 0;
}

/* A packet that is linear as a whole (XDP, test frames). */
static __always_inline int parse_packet(void *data, void *data_end, struct pkt *p, __u32 opts)
{
	return parse_packet_len(data, data_end, data_end - data, p, opts);
}

#endif /* __IG_PARSE_BPF_H */
