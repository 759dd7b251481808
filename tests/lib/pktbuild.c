// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Packet builder for the BPF fixtures and the property tests: headers are
 * appended in wire order and pb_finish() fixes up lengths, next-protocol
 * fields and checksums from the innermost header out. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/lib/pktbuild.h"
#include "user/lib/addr.h"

void pb_init(struct pb *b)
{
	memset(b, 0, sizeof(*b));
}

static uint8_t *pb_push(struct pb *b, enum pb_hdr_type type, size_t len)
{
	uint8_t *p;

	if (b->err)
		return NULL;
	if (b->len + len > PB_MAX || b->nhdrs == PB_HDRS_MAX) {
		b->err = -ENOSPC;
		return NULL;
	}
	p = b->buf + b->len;
	memset(p, 0, len);
	b->hdrs[b->nhdrs++] = (struct pb_hdr){ .type = type, .off = b->len, .len = len };
	b->len += len;
	return p;
}

static struct pb_hdr *pb_last(struct pb *b)
{
	return &b->hdrs[b->nhdrs - 1];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

int pb_mac(const char *s, uint8_t mac[6])
{
	return mac_parse(s, mac);
}

int pb_addr16(const char *s, uint8_t out[16])
{
	return addr_parse(s, out);
}

void pb_eth(struct pb *b, const char *dst, const char *src, uint16_t ethertype)
{
	uint8_t *p = pb_push(b, PB_ETH, 14);

	if (!p)
		return;
	if (pb_mac(dst, p) || pb_mac(src, p + 6))
		b->err = -EINVAL;
	put16(p + 12, ethertype);
	pb_last(b)->fixed = ethertype != 0;
}

void pb_vlan(struct pb *b, uint16_t tpid, uint16_t tci)
{
	uint8_t *p = pb_push(b, PB_VLAN, 4);

	if (!p)
		return;
	put16(p, tci);
	pb_last(b)->aux = tpid;
}

void pb_ipv4(struct pb *b, const struct pb_ip4 *o)
{
	uint8_t *p = pb_push(b, PB_IPV4, 20 + o->opt_len);

	if (!p)
		return;
	if (o->opt_len % 4 || o->opt_len > 40) {
		b->err = -EINVAL;
		return;
	}
	p[0] = 0x40 | (20 + o->opt_len) / 4;
	p[1] = o->tos;
	put16(p + 4, o->id);
	put16(p + 6, o->frag);
	p[8] = o->ttl ? o->ttl : 64;
	p[9] = o->proto;
	pb_last(b)->fixed = o->proto != 0;
	if (inet_pton(AF_INET, o->src, p + 12) != 1 || inet_pton(AF_INET, o->dst, p + 16) != 1)
		b->err = -EINVAL;
	if (o->opt_len) {
		memset(p + 20, 1, o->opt_len - 1); /* NOP ... */
		p[20 + o->opt_len - 1] = 0; /* ... EOL */
	}
}

void pb_ipv6(struct pb *b, const struct pb_ip6 *o)
{
	uint8_t *p = pb_push(b, PB_IPV6, 40);

	if (!p)
		return;
	put32(p, 6u << 28 | (o->flow_label & 0xfffff));
	p[6] = o->nexthdr;
	p[7] = o->hop_limit ? o->hop_limit : 64;
	pb_last(b)->fixed = o->nexthdr != 0;
	if (inet_pton(AF_INET6, o->src, p + 8) != 1 || inet_pton(AF_INET6, o->dst, p + 24) != 1)
		b->err = -EINVAL;
}

void pb_ipv6_ext(struct pb *b, uint8_t type, size_t len, uint16_t frag)
{
	uint8_t *p;

	if (type == 44)
		len = 8;
	p = pb_push(b, PB_IPV6_EXT, len);
	if (!p)
		return;
	pb_last(b)->ext_type = type;
	if (type == 44) {
		put16(p + 2, frag);
		put32(p + 4, 0x1234);
	} else if (type == 51) {
		if (len < 12 || len % 4)
			b->err = -EINVAL;
		p[1] = len / 4 - 2;
	} else {
		if (len < 8 || len % 8)
			b->err = -EINVAL;
		p[1] = len / 8 - 1;
	}
}

void pb_tcp(struct pb *b, const struct pb_tcp *o)
{
	uint8_t *p = pb_push(b, PB_TCP, 20 + o->opt_len);

	if (!p)
		return;
	if (o->opt_len % 4 || o->opt_len > 40) {
		b->err = -EINVAL;
		return;
	}
	put16(p, o->sport);
	put16(p + 2, o->dport);
	put32(p + 4, o->seq);
	put32(p + 8, o->ack);
	p[12] = ((20 + o->opt_len) / 4) << 4;
	p[13] = o->flags;
	put16(p + 14, o->window ? o->window : 65535);
	memset(p + 20, 1, o->opt_len); /* NOPs */
}

void pb_udp(struct pb *b, const struct pb_udp *o)
{
	uint8_t *p = pb_push(b, PB_UDP, 8);

	if (!p)
		return;
	put16(p, o->sport);
	put16(p + 2, o->dport);
	pb_last(b)->aux = !!o->zero_csum;
	pb_last(b)->l4_len = o->len;
}

void pb_icmp(struct pb *b, uint8_t type, uint8_t code, uint16_t id, uint16_t seq)
{
	uint8_t *p = pb_push(b, PB_ICMP, 8);

	if (!p)
		return;
	p[0] = type;
	p[1] = code;
	put16(p + 4, id);
	put16(p + 6, seq);
}

void pb_vxlan(struct pb *b, uint32_t vni)
{
	uint8_t *p = pb_push(b, PB_VXLAN, 8);

	if (!p)
		return;
	p[0] = 0x08;
	put32(p + 4, vni << 8);
}

void pb_payload(struct pb *b, const void *data, size_t len)
{
	uint8_t *p = pb_push(b, PB_PAYLOAD, len);

	if (p)
		memcpy(p, data, len);
}

void pb_payload_pattern(struct pb *b, size_t len, uint8_t seed)
{
	uint8_t *p = pb_push(b, PB_PAYLOAD, len);

	for (size_t i = 0; p && i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

uint32_t pb_csum_add(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t pb_csum(const void *data, size_t len, uint32_t sum)
{
	sum = pb_csum_add(data, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* The protocol number a header announces to the one before it. */
static int pb_proto_of(const struct pb_hdr *h)
{
	switch (h->type) {
	case PB_IPV6_EXT:
		return h->ext_type;
	case PB_TCP:
		return 6;
	case PB_UDP:
		return 17;
	default:
		return -1;
	}
}

static void pb_link_next(struct pb *b, int i)
{
	struct pb_hdr *h = &b->hdrs[i], *n = &b->hdrs[i + 1];
	uint8_t *p = b->buf + h->off;
	int proto = pb_proto_of(n);

	if (h->fixed)
		return;
	switch (h->type) {
	case PB_ETH:
	case PB_VLAN:
		if (n->type == PB_VLAN)
			put16(p + (h->type == PB_ETH ? 12 : 2), n->aux);
		else if (n->type == PB_IPV4 || n->type == PB_IPV6)
			put16(p + (h->type == PB_ETH ? 12 : 2),
			      n->type == PB_IPV4 ? 0x0800 : 0x86dd);
		break;
	case PB_IPV4:
		p[9] = n->type == PB_ICMP ? 1 : proto >= 0 ? proto : p[9];
		break;
	case PB_IPV6:
	case PB_IPV6_EXT:
		p[h->type == PB_IPV6 ? 6 : 0] = n->type == PB_ICMP ? 58 : proto >= 0 ? proto : 59;
		break;
	default:
		break;
	}
}

/* The IP header an L4 header at index i belongs to. */
static const struct pb_hdr *pb_enclosing_ip(const struct pb *b, int i)
{
	while (--i >= 0)
		if (b->hdrs[i].type == PB_IPV4 || b->hdrs[i].type == PB_IPV6)
			return &b->hdrs[i];
	return NULL;
}

static uint32_t pb_pseudo(const struct pb *b, const struct pb_hdr *ip, uint8_t proto, size_t len)
{
	const uint8_t *p = b->buf + ip->off;
	uint8_t tail[4] = { 0, 0, 0, proto };
	uint8_t l[4];
	uint32_t sum;

	if (ip->type == PB_IPV4) {
		sum = pb_csum_add(p + 12, 8, 0);
		return sum + proto + len;
	}
	sum = pb_csum_add(p + 8, 32, 0);
	put32(l, len);
	sum = pb_csum_add(l, 4, sum);
	return pb_csum_add(tail, 4, sum);
}

static void pb_fix_l4(struct pb *b, int i)
{
	struct pb_hdr *h = &b->hdrs[i];
	const struct pb_hdr *ip = pb_enclosing_ip(b, i);
	uint8_t *p = b->buf + h->off;
	size_t len = b->len - h->off;
	int csum_off = h->type == PB_TCP ? 16 : h->type == PB_UDP ? 6 : 2;
	uint8_t proto = h->type == PB_TCP ? 6 : h->type == PB_UDP ? 17 : 58;
	uint16_t c;

	if (h->type == PB_UDP)
		put16(p + 4, h->l4_len ? h->l4_len : len);
	put16(p + csum_off, 0);
	if (!ip || (h->type == PB_UDP && h->aux && ip->type == PB_IPV4))
		return;
	if (h->type == PB_ICMP && ip->type == PB_IPV4)
		c = pb_csum(p, len, 0);
	else
		c = pb_csum(p, len, pb_pseudo(b, ip, proto, len));
	if (h->type == PB_UDP && c == 0)
		c = 0xffff; /* RFC 768: a computed zero is sent as all ones */
	put16(p + csum_off, c);
}

int pb_finish(struct pb *b)
{
	if (b->err)
		return b->err;
	for (int i = 0; i + 1 < b->nhdrs; i++)
		pb_link_next(b, i);
	for (int i = b->nhdrs - 1; i >= 0; i--) {
		struct pb_hdr *h = &b->hdrs[i];
		uint8_t *p = b->buf + h->off;

		switch (h->type) {
		case PB_IPV4:
			put16(p + 2, b->len - h->off);
			put16(p + 10, 0);
			put16(p + 10, pb_csum(p, h->len, 0));
			break;
		case PB_IPV6:
			put16(p + 4, b->len - h->off - 40);
			break;
		case PB_TCP:
		case PB_UDP:
		case PB_ICMP:
			pb_fix_l4(b, i);
			break;
		default:
			break;
		}
	}
	return 0;
}

int pb_hdr_off(const struct pb *b, enum pb_hdr_type type, int n)
{
	for (int i = 0; i < b->nhdrs; i++)
		if (b->hdrs[i].type == type && n-- == 0)
			return b->hdrs[i].off;
	return -1;
}

uint8_t *pb_hdr(struct pb *b, enum pb_hdr_type type, int n)
{
	int off = pb_hdr_off(b, type, n);

	return off < 0 ? NULL : b->buf + off;
}

void pb_truncate(struct pb *b, size_t len)
{
	if (len < b->len)
		b->len = len;
}

void pb_pad(struct pb *b, size_t n)
{
	if (b->len + n > PB_MAX) {
		b->err = -ENOSPC;
		return;
	}
	memset(b->buf + b->len, 0, n);
	b->len += n;
}

void pb_hexdiff(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len, char *out,
		size_t out_sz)
{
	size_t n = got_len > want_len ? got_len : want_len, used;
	int diffs = 0;

	used = snprintf(out, out_sz, "got %zu bytes, want %zu;", got_len, want_len);
	for (size_t i = 0; i < n && used < out_sz && diffs < 16; i++) {
		int g = i < got_len ? got[i] : -1, w = i < want_len ? want[i] : -1;

		if (g == w)
			continue;
		diffs++;
		used += snprintf(out + used, out_sz - used, " [%zu] got %02x want %02x;", i,
				 g & 0xff, w & 0xff);
	}
}
