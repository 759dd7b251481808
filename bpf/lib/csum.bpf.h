/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Checksum helpers for headers the datapath writes. */
#ifndef __IG_CSUM_BPF_H
#define __IG_CSUM_BPF_H

#include <linux/types.h>

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* Checksum of a 20-byte IPv4 header whose checksum field is zero. Summing
 * the 16-bit words as loaded gives the checksum in network order. */
static __always_inline __u16 ipv4_hdr_csum(const void *iph)
{
	const __u16 *w = iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	return csum_fold(sum);
}

#endif /* __IG_CSUM_BPF_H */
