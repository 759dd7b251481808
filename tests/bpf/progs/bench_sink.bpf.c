// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The forwarding benchmark's receiver (tests/bench/bench_forward.c): counts
 * and drops every IPv4 frame at XDP on a GPU host's underlay port, so what
 * the hosts do with the frames costs the same whichever path delivered them.
 * ARP passes: the gateway's stack must resolve the hosts for the DNAT path. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

__u64 sink_packets = 0;

SEC("xdp")
int xdp_bench_sink(struct xdp_md *xdp)
{
	void *data = (void *)(long)xdp->data, *end = (void *)(long)xdp->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	__sync_fetch_and_add(&sink_packets, 1);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
