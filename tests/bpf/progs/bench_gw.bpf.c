// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Benchmark-only programs around the gateway's own code (lib/gateway.bpf.h)
 * with the real, set-associative connection table: an empty baseline and
 * the wrappers of bench_wrap.bpf.h (a new flow every packet, established
 * flows in turn). bench_lru.bpf.c wraps the same code on the LRU baseline. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf/lib/gateway.bpf.h"
#include "tests/bpf/progs/bench_wrap.bpf.h"

SEC("xdp")
int xdp_bench_empty(struct xdp_md *xdp)
{
	return XDP_TX;
}
