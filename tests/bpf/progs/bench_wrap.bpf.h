/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Benchmark wrappers around gateway_xdp(), shared by the programs of each
 * connection-table design (bench_gw: the real one; bench_lru: the LRU
 * baseline). With BPF_PROG_TEST_RUN's live frames every repetition starts
 * from the original frame; the wrapper then rewrites the client address and
 * port so that every packet is another flow: a new one each time
 * (xdp_bench_new), or one of BENCH_EST_FLOWS established ones in turn
 * (xdp_bench_est4/6, at most BENCH_EST_FLOWS). Verdicts are counted (bench_verdicts: XDP_TX, other)
 * so the harness can check that every packet was steered. The gateway
 * checks no L3/L4 checksum, so none is fixed up. */
#ifndef __IG_BENCH_WRAP_BPF_H
#define __IG_BENCH_WRAP_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "tests/bpf/progs/bench_base.bpf.h"

static __always_inline int bench_count(int verdict)
{
	__u32 k = verdict == XDP_TX ? BENCH_V_TX : BENCH_V_OTHER;
	__u64 *n = bpf_map_lookup_elem(&bench_verdicts, &k);

	if (n)
		*n += 1;
	return verdict;
}

SEC("xdp")
int xdp_gateway(struct xdp_md *xdp)
{
	return gateway_xdp(xdp);
}

/* Untagged IPv4 without options: client 198.18.(seq >> 16 & 0x7f).cpu,
 * port seq & 0xffff: 2^23 distinct new flows per CPU. */
SEC("xdp")
int xdp_bench_new(struct xdp_md *xdp)
{
	void *data = (void *)(long)xdp->data, *data_end = (void *)(long)xdp->data_end;
	struct iphdr *iph = data + ETH_HLEN;
	struct tcphdr *th = (void *)(iph + 1);
	__u32 seq;

	if ((void *)(th + 1) > data_end)
		return XDP_ABORTED;
	seq = bench_next(BENCH_SEQ_NEW);
	th->source = bpf_htons(seq & 0xffff);
	iph->saddr = bpf_htonl(0xc6120000 | ((seq >> 16) & 0x7f) << 8 |
			       (bpf_get_smp_processor_id() & 0xff));
	return bench_count(gateway_xdp(xdp));
}

/* Established flow i of BENCH_EST_FLOWS: client 198.18.128.(i >> 8) or
 * 2001:db8:18::(i >> 8), port 1024 + (i & 0xff) (bench_wrap.h). */
SEC("xdp")
int xdp_bench_est4(struct xdp_md *xdp)
{
	void *data = (void *)(long)xdp->data, *data_end = (void *)(long)xdp->data_end;
	struct iphdr *iph = data + ETH_HLEN;
	struct tcphdr *th = (void *)(iph + 1);
	__u32 i;

	if ((void *)(th + 1) > data_end)
		return XDP_ABORTED;
	i = bench_next(BENCH_SEQ_EST4) % (bench_est_flows ?: 1);
	th->source = bpf_htons(BENCH_EST_PORT(i));
	iph->saddr = bpf_htonl(BENCH_EST_ADDR4(i));
	return bench_count(gateway_xdp(xdp));
}

SEC("xdp")
int xdp_bench_est6(struct xdp_md *xdp)
{
	void *data = (void *)(long)xdp->data, *data_end = (void *)(long)xdp->data_end;
	struct ipv6hdr *ip6 = data + ETH_HLEN;
	struct tcphdr *th = (void *)(ip6 + 1);
	__u32 i;

	if ((void *)(th + 1) > data_end)
		return XDP_ABORTED;
	i = bench_next(BENCH_SEQ_EST6) % (bench_est_flows ?: 1);
	th->source = bpf_htons(BENCH_EST_PORT(i));
	ip6->saddr.in6_u.u6_addr32[3] = bpf_htonl(i >> 8);
	return bench_count(gateway_xdp(xdp));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#endif /* __IG_BENCH_WRAP_BPF_H */
