/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What every datapath-benchmark object carries for the harness
 * (tests/bench/bench_datapath.c): the per-family flow sequence, the verdict
 * counts it checks, and how many established flows the est programs cycle
 * through. The wrappers around the gateway (bench_wrap.bpf.h) and the
 * memory-floor objects (bench_floor, bench_compact) include it. */
#ifndef __IG_BENCH_BASE_BPF_H
#define __IG_BENCH_BASE_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "tests/bpf/progs/bench_wrap.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BENCH_SEQ__MAX);
	__type(key, __u32);
	__type(value, __u32);
} bench_seq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BENCH_V__MAX);
	__type(key, __u32);
	__type(value, __u64);
} bench_verdicts SEC(".maps");

/* Established flows the est programs cycle through (the harness may set
 * fewer before load: IG_BENCH_EST_FLOWS). */
const volatile __u32 bench_est_flows = BENCH_EST_FLOWS;

/* The next packet's number in family which's sequence. */
static __always_inline __u32 bench_next(__u32 which)
{
	__u32 *seq = bpf_map_lookup_elem(&bench_seq, &which);

	if (!seq)
		return 0;
	return (*seq)++;
}

/* Flow i of a family as a random 32-bit hash (murmur3's finalizer): where
 * the floor objects touch their tables. */
static __always_inline __u32 bench_hash(__u32 i, __u32 which)
{
	i = (i + which * 0x9e3779b9U) * 2654435761U;
	i ^= i >> 15;
	i *= 0x85ebca6bU;
	i ^= i >> 13;
	return i;
}

/* A floor object's verdict: XDP_TX, counted; t, the value its table read
 * gave, is used so that the compiler keeps the read. */
static __always_inline int bench_floor_tx(__u32 t)
{
	__u32 k = BENCH_V_TX;
	__u64 *n = bpf_map_lookup_elem(&bench_verdicts, &k);

	if (n)
		*n += 1 + (t == 0xdeadbeef);
	return XDP_TX;
}

#endif /* __IG_BENCH_BASE_BPF_H */
