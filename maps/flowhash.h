/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The flow hash every gateway computes for a connection: it picks the Maglev
 * slot and the VXLAN source port. It is part of the contract (two gateways
 * behind ECMP must agree, and userspace predicts choices in tests and tools),
 * so both sides compile this one definition. Jenkins' lookup3 final mix over
 * the 5-tuple words, as the kernel's jhash2. */
#ifndef __IG_MAPS_FLOWHASH_H
#define __IG_MAPS_FLOWHASH_H

#include <linux/types.h>

#define IG_FLOWHASH_SEED 0x1e7a6a7eU

static inline __u32 ig_rol32(__u32 w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

#define IG_JHASH_MIX(a, b, c)         \
	do {                          \
		a -= c;               \
		a ^= ig_rol32(c, 4);  \
		c += b;               \
		b -= a;               \
		b ^= ig_rol32(a, 6);  \
		a += c;               \
		c -= b;               \
		c ^= ig_rol32(b, 8);  \
		b += a;               \
		a -= c;               \
		a ^= ig_rol32(c, 16); \
		c += b;               \
		b -= a;               \
		b ^= ig_rol32(a, 19); \
		a += c;               \
		c -= b;               \
		c ^= ig_rol32(b, 4);  \
		b += a;               \
	} while (0)

#define IG_JHASH_FINAL(a, b, c)       \
	do {                          \
		c ^= b;               \
		c -= ig_rol32(b, 14); \
		a ^= c;               \
		a -= ig_rol32(c, 11); \
		b ^= a;               \
		b -= ig_rol32(a, 25); \
		c ^= b;               \
		c -= ig_rol32(b, 16); \
		a ^= c;               \
		a -= ig_rol32(c, 4);  \
		b ^= a;               \
		b -= ig_rol32(a, 14); \
		c ^= b;               \
		c -= ig_rol32(b, 24); \
	} while (0)

/* Words of the 16-byte addresses as the CPU loads them (every supported
 * target is little-endian), ports in packet order, then the protocol. */
/* The hash in two steps: the addresses and the protocol (ig_flow_pre),
 * then the ports (ig_flow_final), so a choice made elsewhere can finish it
 * with other ports (client affinity) from three words. */
struct ig_flow_pre {
	__u32 a, b, c;
};

static inline void ig_flow_pre(struct ig_flow_pre *h, const __u32 *saddr, const __u32 *daddr,
			       __u8 proto)
{
	__u32 a, b, c;

	a = b = c = 0xdeadbeef + (9 << 2) + IG_FLOWHASH_SEED + proto;
	a += saddr[0];
	b += saddr[1];
	c += saddr[2];
	IG_JHASH_MIX(a, b, c);
	a += saddr[3];
	b += daddr[0];
	c += daddr[1];
	IG_JHASH_MIX(a, b, c);
	a += daddr[2];
	b += daddr[3];
	h->a = a;
	h->b = b;
	h->c = c;
}

static inline __u32 ig_flow_final(const struct ig_flow_pre *h, __be16 sport, __be16 dport)
{
	__u32 a = h->a, b = h->b, c = h->c;

	c += (__u32)sport << 16 | dport;
	IG_JHASH_FINAL(a, b, c);
	return c;
}

static inline __u32 ig_flow_hash(const __u32 *saddr, const __u32 *daddr, __be16 sport, __be16 dport,
				 __u8 proto)
{
	struct ig_flow_pre h;

	ig_flow_pre(&h, saddr, daddr, proto);
	return ig_flow_final(&h, sport, dport);
}

/* VXLAN source port: 49152-65535 (RFC 7348 recommends the dynamic range). */
static inline __u16 ig_vxlan_sport(__u32 hash)
{
	return 49152 + (hash & 0x3fff);
}

/* The source port that stands for sport's group under client affinity
 * (IG_SVC_F_AFFINITY): 0 for the address alone, else 1 + the port's block
 * of port_block ports (a CGNAT subscriber's block, say). */
static inline __be16 ig_affinity_port(__be16 sport, __u16 port_block)
{
	__u16 group = 0;

	if (port_block)
		group = (__u16)(__builtin_bswap16(sport) / port_block + 1);
	return __builtin_bswap16(group);
}

/* The hash that picks a new connection's Maglev slot under client affinity:
 * the flow hash with the source port replaced by its group. */
static inline __u32 ig_affinity_hash(const __u32 *saddr, const __u32 *daddr, __be16 sport,
				     __be16 dport, __u8 proto, __u16 port_block)
{
	return ig_flow_hash(saddr, daddr, ig_affinity_port(sport, port_block), dport, proto);
}

#endif /* __IG_MAPS_FLOWHASH_H */
