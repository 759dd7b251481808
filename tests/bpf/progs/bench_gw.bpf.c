// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Benchmark-only programs around the gateway's own code (lib/gateway.bpf.h):
 * an empty baseline, and a wrapper that gives every run a new source port so
 * BPF_PROG_TEST_RUN's live frames measure distinct new flows. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include "bpf/lib/gateway.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_seq SEC(".maps");

SEC("xdp")
int xdp_bench_empty(struct xdp_md *xdp)
{
	return XDP_TX;
}

SEC("xdp")
int xdp_gateway(struct xdp_md *xdp)
{
	return gateway_xdp(xdp);
}

/* Untagged IPv4 without options: the client address and TCP source port are
 * at fixed offsets. 2^24 distinct flows per CPU (the CPU is in the address).
 * The gateway checks no L3/L4 checksum, so none is fixed up. */
SEC("xdp")
int xdp_bench_new(struct xdp_md *xdp)
{
	void *data = (void *)(long)xdp->data, *data_end = (void *)(long)xdp->data_end;
	struct iphdr *iph = data + ETH_HLEN;
	struct tcphdr *th = (void *)(iph + 1);
	__u32 zero = 0, *seq;

	if ((void *)(th + 1) > data_end)
		return XDP_ABORTED;
	seq = bpf_map_lookup_elem(&bench_seq, &zero);
	if (!seq)
		return XDP_ABORTED;
	*seq += 1;
	th->source = bpf_htons(*seq & 0xffff);
	iph->saddr = bpf_htonl(0xc6120000 | ((*seq >> 16) & 0xff) << 8 |
			       (bpf_get_smp_processor_id() & 0xff));
	return gateway_xdp(xdp);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
