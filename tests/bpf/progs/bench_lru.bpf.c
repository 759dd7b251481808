// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The benchmark's baseline: the same gateway code and wrappers as
 * bench_gw.bpf.c on the previous connection table, a Katran-like LRU hash
 * that every SYN inserts into (conn_lru.bpf.h), for a side-by-side run. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "tests/bpf/progs/conn_lru.bpf.h"
#include "bpf/lib/gateway.bpf.h"
#include "tests/bpf/progs/bench_wrap.bpf.h"
