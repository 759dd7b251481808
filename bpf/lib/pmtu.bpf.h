/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Path MTU discovery across the gateway. The quoted flow of an ICMP
 * "fragmentation needed" / ICMPv6 "packet too big" sent to a VIP (a router
 * on the client's side answering a backend's direct-server-return reply), so
 * the gateway can steer the error to that backend, as Katran does; and the
 * ICMP error the gateway sends itself, built in place for XDP_TX, when a
 * packet will not fit the underlay once encapsulated. */
#ifndef __IG_PMTU_BPF_H
#define __IG_PMTU_BPF_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "maps/config.h"
#include "bpf/lib/csum.bpf.h"
#include "bpf/lib/parse.bpf.h"
#include "bpf/lib/vxlan.bpf.h"

#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED 4
#define ICMPV6_PKT_TOOBIG 2
#define PMTU_TTL 64
/* Bytes of the offending packet an error quotes: any IPv4 header with 8
 * bytes of L4 (RFC 792), an IPv6 header with up to 80 bytes after it. A
 * constant, so the checksum is one bpf_csum_diff over a known range. */
#define PMTU_QUOTE 128
#define PMTU_MAX_L3_OFF 22 /* Ethernet and two VLAN tags */
#define PMTU_MAX_QUOTE_OFF 255 /* where an error's quote may start */

/* An ICMP "fragmentation needed" or ICMPv6 "packet too big". */
static __always_inline int pmtu_is_error(const struct pkt *p)
{
	if (!(p->flags & PKT_F_L4))
		return 0;
	if (p->family == 4)
		return p->proto == IPPROTO_ICMP &&
		       p->sport == bpf_htons(ICMP_DEST_UNREACH << 8 | ICMP_FRAG_NEEDED);
	return p->proto == IPPROTO_ICMPV6 && p->sport == bpf_htons(ICMPV6_PKT_TOOBIG << 8);
}

/* The quoted packet's L4 ports, in the direction of the original flow:
 * the VIP sent the quoted packet, the client's flow runs the other way. */
static __always_inline int pmtu_quote_ports(struct pkt *q, const __be16 *l4)
{
	if (q->proto != IPPROTO_TCP && q->proto != IPPROTO_UDP)
		return 1;
	q->sport = l4[1];
	q->dport = l4[0];
	q->flags = PKT_F_L4;
	return 0;
}

static __always_inline int pmtu_quote4(void *q, void *data_end, __u32 end, __u32 off, struct pkt *f)
{
	struct iphdr *iph = q;
	__u32 ihl;
	void *l4;

	if ((void *)(iph + 1) > data_end || off + sizeof(*iph) > end)
		return -1;
	ihl = iph->ihl * 4;
	if (iph->version != 4 || ihl < sizeof(*iph))
		return -1;
	l4 = q + (ihl & 0x3c);
	if (l4 + 8 > data_end || off + ihl + 8 > end)
		return -1;
	addr_set_v4(f->daddr, iph->saddr);
	addr_set_v4(f->saddr, iph->daddr);
	f->proto = iph->protocol;
	if (iph->frag_off & bpf_htons(0x1fff))
		return 1; /* a later fragment: no ports */
	return pmtu_quote_ports(f, l4);
}

static __always_inline int pmtu_quote6(void *q, void *data_end, __u32 end, __u32 off, struct pkt *f)
{
	struct ipv6hdr *ip6 = q;

	if ((void *)(ip6 + 1) + 8 > data_end || off + sizeof(*ip6) + 8 > end)
		return -1;
	if (ip6->version != 6)
		return -1;
	addr_copy(f->daddr, &ip6->saddr);
	addr_copy(f->saddr, &ip6->daddr);
	f->proto = ip6->nexthdr; /* extension headers: not steered */
	return pmtu_quote_ports(f, (void *)(ip6 + 1));
}

/* Parse the packet an ICMP error (p, to a VIP) quotes into f, as the
 * client's flow: source the client, destination the VIP, its ports.
 * Returns 0, 1 when the quote names no flow we could steer (not TCP or UDP,
 * a later fragment, IPv6 extension headers), or -1 when it is malformed:
 * truncated, or not a packet the VIP sent. */
static __always_inline int pmtu_quote(void *data, void *data_end, const struct pkt *p,
				      struct pkt *f)
{
	__u32 off = p->payload_off, end = p->l3_off + p->l3_len;
	const __u32 *a, *b;
	int err;

	if (off > PMTU_MAX_QUOTE_OFF)
		return 1;
	asm volatile("%[o] &= 0xff" : [o] "+r"(off));
	f->family = p->family;
	if (p->family == 4)
		err = pmtu_quote4(data + off, data_end, end, off, f);
	else
		err = pmtu_quote6(data + off, data_end, end, off, f);
	if (err < 0)
		return err;
	a = (const __u32 *)f->daddr;
	b = (const __u32 *)p->daddr;
	if ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]))
		return -1;
	return err;
}

/* ---- the gateway's own "fragmentation needed" / "packet too big" ---- */

/* Underlay bytes the encapsulation adds to the inner IP packet: outer IP,
 * UDP, VXLAN and the inner Ethernet header. The underlay's family is the
 * gateway VTEP's (vxlan_encap refuses a backend of the other). */
static __always_inline __u32 pmtu_overhead(const struct ig_config *cfg)
{
	return addr_is_v4mapped(cfg->vtep_addr) ? VXLAN_ENCAP4 : VXLAN_ENCAP6;
}

/* The MTU a client must use so that p fits the underlay once encapsulated,
 * or 0 when p fits (or there is no check). */
static __always_inline __u32 pmtu_exceeded(const struct ig_config *cfg, const struct pkt *p)
{
	__u32 mtu = cfg->underlay_mtu, over = pmtu_overhead(cfg);

	if (!mtu || p->l3_len + over <= mtu)
		return 0;
	return mtu > over ? mtu - over : 1;
}

/* Sum of the 32-bit words of an address as loaded (the one's complement
 * sum does not depend on byte order, RFC 1071). */
static __always_inline __u64 pmtu_sum_addr(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return (__u64)w[0] + w[1] + w[2] + w[3];
}

static __always_inline __u16 pmtu_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return csum_fold((__u32)sum);
}

/* The error's IP header and ICMP header at l3, the quote behind them. */
static __always_inline int pmtu_fill4(void *l3, void *data_end, const struct pkt *p, __u32 mtu)
{
	struct iphdr *ip = l3;
	struct icmp_hdr *ih = l3 + sizeof(*ip);
	__s64 sum;

	if ((void *)(ih + 1) + PMTU_QUOTE > data_end)
		return -1;
	*ip = (struct iphdr){ .version = 4,
			      .ihl = 5,
			      .tot_len = bpf_htons(sizeof(*ip) + sizeof(*ih) + PMTU_QUOTE),
			      .ttl = PMTU_TTL,
			      .protocol = IPPROTO_ICMP };
	__builtin_memcpy(&ip->saddr, p->daddr + 12, 4);
	__builtin_memcpy(&ip->daddr, p->saddr + 12, 4);
	ip->check = ipv4_hdr_csum(ip);
	*ih = (struct icmp_hdr){ .type = ICMP_DEST_UNREACH,
				 .code = ICMP_FRAG_NEEDED,
				 .seq = bpf_htons(mtu) };
	sum = bpf_csum_diff(NULL, 0, (void *)ih, sizeof(*ih) + PMTU_QUOTE, 0);
	if (sum < 0)
		return -1;
	ih->checksum = pmtu_fold(sum);
	return 0;
}

static __always_inline int pmtu_fill6(void *l3, void *data_end, const struct pkt *p, __u32 mtu)
{
	struct ipv6hdr *ip6 = l3;
	struct icmp_hdr *ih = l3 + sizeof(*ip6);
	__u32 len = sizeof(*ih) + PMTU_QUOTE;
	__s64 sum;

	if ((void *)(ih + 1) + PMTU_QUOTE > data_end)
		return -1;
	*ip6 = (struct ipv6hdr){ .version = 6,
				 .payload_len = bpf_htons(len),
				 .nexthdr = IPPROTO_ICMPV6,
				 .hop_limit = PMTU_TTL };
	__builtin_memcpy(&ip6->saddr, p->daddr, 16);
	__builtin_memcpy(&ip6->daddr, p->saddr, 16);
	*ih = (struct icmp_hdr){ .type = ICMPV6_PKT_TOOBIG,
				 .id = bpf_htons(mtu >> 16),
				 .seq = bpf_htons(mtu & 0xffff) };
	sum = bpf_csum_diff(NULL, 0, (void *)ih, len, 0);
	if (sum < 0)
		return -1;
	/* The pseudo-header: addresses, length and next header (RFC 8200). */
	ih->checksum =
		pmtu_fold((__u64)(__u32)sum + pmtu_sum_addr(p->saddr) + pmtu_sum_addr(p->daddr) +
			  bpf_htonl(len) + bpf_htonl(IPPROTO_ICMPV6));
	return 0;
}

/* Turn the frame into the ICMP error that answers it, in place: MACs
 * swapped (VLAN tags kept), a new IP and ICMP header from the VIP to the
 * client with the MTU to use, then the first PMTU_QUOTE bytes of the
 * offending IP packet (already where they belong once the head grows). 0,
 * or -1 when the frame cannot take it. */
static __always_inline int pmtu_reply(struct xdp_md *xdp, const struct pkt *p, __u32 mtu)
{
	void *data = (void *)(long)xdp->data, *data_end = (void *)(long)xdp->data_end;
	int hlen = p->family == 6 ? sizeof(struct ipv6hdr) + 8 : sizeof(struct iphdr) + 8;
	__u8 l2[PMTU_MAX_L3_OFF];
	__u64 l3_off = p->l3_off;

	if (l3_off > PMTU_MAX_L3_OFF || p->l3_len < PMTU_QUOTE || data + PMTU_MAX_L3_OFF > data_end)
		return -1;
	__builtin_memcpy(l2, data, PMTU_MAX_L3_OFF);
	if (bpf_xdp_adjust_tail(xdp, (int)(l3_off + PMTU_QUOTE) - (int)(data_end - data)) ||
	    bpf_xdp_adjust_head(xdp, -hlen))
		return -1;
	data = (void *)(long)xdp->data;
	data_end = (void *)(long)xdp->data_end;
	if (data + PMTU_MAX_L3_OFF > data_end)
		return -1;
	__builtin_memcpy(data, l2 + ETH_ALEN, ETH_ALEN);
	__builtin_memcpy(data + ETH_ALEN, l2, ETH_ALEN);
	__builtin_memcpy(data + 2 * ETH_ALEN, l2 + 2 * ETH_ALEN, PMTU_MAX_L3_OFF - 2 * ETH_ALEN);
	/* A mask the compiler cannot drop keeps the 6.1 verifier's bound on
	 * the register it uses (see gov_rst). */
	asm volatile("%[o] &= 0x1f" : [o] "+r"(l3_off));
	if (p->family == 6)
		return pmtu_fill6(data + l3_off, data_end, p, mtu);
	return pmtu_fill4(data + l3_off, data_end, p, mtu);
}

#endif /* __IG_PMTU_BPF_H */
