/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Packet builder for tests: stack headers (Eth, VLAN, IPv4, IPv6 with
 * extension headers, TCP, UDP, ICMP/ICMPv6, VXLAN, payload) and pb_finish()
 * fills lengths, next-protocol fields and checksums. Corruptions are done after
 * finishing, on the bytes (pb_hdr() finds a header), so they stay deliberate. */
#ifndef __IG_PKTBUILD_H
#define __IG_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>

#define PB_MAX 4096
#define PB_HDRS_MAX 16

enum pb_hdr_type {
	PB_ETH,
	PB_VLAN,
	PB_IPV4,
	PB_IPV6,
	PB_IPV6_EXT,
	PB_TCP,
	PB_UDP,
	PB_ICMP,
	PB_VXLAN,
	PB_PAYLOAD,
};

struct pb_hdr {
	enum pb_hdr_type type;
	uint16_t off;
	uint16_t len;
	uint8_t ext_type; /* PB_IPV6_EXT: the extension header's protocol number */
	uint8_t fixed; /* a next-protocol value the caller gave explicitly */
	uint16_t aux; /* VLAN: TPID; UDP: 1 = leave the checksum 0 */
	uint16_t l4_len; /* UDP: the length field if not 0 (see struct pb_udp) */
};

struct pb {
	uint8_t buf[PB_MAX];
	size_t len;
	int err; /* sticky: -ENOSPC, -EINVAL */
	int nhdrs;
	struct pb_hdr hdrs[PB_HDRS_MAX];
};

struct pb_ip4 {
	const char *src;
	const char *dst;
	uint8_t ttl; /* 0 = 64 */
	uint8_t tos;
	uint16_t id;
	uint16_t frag; /* host order: flags (0x2000 MF, 0x4000 DF) | offset in 8-byte units */
	uint8_t proto; /* 0 = from the next header */
	uint8_t opt_len; /* bytes of options (multiple of 4, NOP-filled, EOL last) */
};

struct pb_ip6 {
	const char *src;
	const char *dst;
	uint8_t hop_limit; /* 0 = 64 */
	uint8_t nexthdr; /* 0 = from the next header */
	uint32_t flow_label;
};

struct pb_tcp {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags; /* TH_SYN etc. (byte 13) */
	uint16_t window; /* 0 = 65535 */
	uint8_t opt_len; /* bytes of options (multiple of 4, NOP-filled) */
};

struct pb_udp {
	uint16_t sport;
	uint16_t dport;
	int zero_csum; /* leave the checksum 0 (IPv4 only; as VXLAN senders do) */
	/* The length field; 0 = to the end of the packet. A first fragment
	 * carries the whole datagram's length, as on the wire (the checksum is
	 * then over what is present: it cannot cover bytes not built). */
	uint16_t len;
};

#define PB_TCP_FIN 0x01
#define PB_TCP_SYN 0x02
#define PB_TCP_RST 0x04
#define PB_TCP_PSH 0x08
#define PB_TCP_ACK 0x10

void pb_init(struct pb *b);
/* ethertype 0 = from the next header. */
void pb_eth(struct pb *b, const char *dst, const char *src, uint16_t ethertype);
/* tpid: 0x8100 (802.1Q) or 0x88a8 (802.1ad); the inner ethertype follows. */
void pb_vlan(struct pb *b, uint16_t tpid, uint16_t tci);
void pb_ipv4(struct pb *b, const struct pb_ip4 *o);
void pb_ipv6(struct pb *b, const struct pb_ip6 *o);
/* An IPv6 extension header: type 0 (hop-by-hop), 43 (routing), 60 (dest),
 * 44 (fragment: len ignored, frag = offset<<3 | M) or 51 (AH). len in bytes. */
void pb_ipv6_ext(struct pb *b, uint8_t type, size_t len, uint16_t frag);
void pb_tcp(struct pb *b, const struct pb_tcp *o);
void pb_udp(struct pb *b, const struct pb_udp *o);
/* ICMP after IPv4, ICMPv6 after IPv6. */
void pb_icmp(struct pb *b, uint8_t type, uint8_t code, uint16_t id, uint16_t seq);
void pb_vxlan(struct pb *b, uint32_t vni);
void pb_payload(struct pb *b, const void *data, size_t len);
/* len bytes of a deterministic pattern (i * 7 + seed). */
void pb_payload_pattern(struct pb *b, size_t len, uint8_t seed);
/* Fill lengths, next-protocol fields and checksums, innermost first. */
int pb_finish(struct pb *b);

/* After pb_finish: the n-th (0-based) header of a type, or NULL. */
uint8_t *pb_hdr(struct pb *b, enum pb_hdr_type type, int n);
int pb_hdr_off(const struct pb *b, enum pb_hdr_type type, int n);
void pb_truncate(struct pb *b, size_t len);
/* Append n zero bytes after the finished packet (Ethernet padding). */
void pb_pad(struct pb *b, size_t n);

/* Internet checksum helpers, also used to verify datapath output. */
uint16_t pb_csum(const void *data, size_t len, uint32_t sum);
uint32_t pb_csum_add(const void *data, size_t len, uint32_t sum);
int pb_mac(const char *s, uint8_t mac[6]);
/* "198.18.0.1" or "2001:db8::1" to 16 bytes (IPv4-mapped for IPv4). */
int pb_addr16(const char *s, uint8_t out[16]);

/* Format a hex diff of two buffers into out (for assertion messages). */
void pb_hexdiff(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len, char *out,
		size_t out_sz);

#endif /* __IG_PKTBUILD_H */
