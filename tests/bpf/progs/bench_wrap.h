/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the benchmark wrappers (bench_wrap.bpf.h) and the harness
 * (tests/bench/bench_datapath.c) agree on. */
#ifndef __IG_BENCH_WRAP_H
#define __IG_BENCH_WRAP_H

enum { BENCH_SEQ_NEW, BENCH_SEQ_EST4, BENCH_SEQ_EST6, BENCH_SEQ__MAX };
enum { BENCH_V_TX, BENCH_V_OTHER, BENCH_V__MAX };

/* Established flows the est wrappers cycle through: a quarter of the
 * table, so lookups miss the CPU caches as a busy gateway's do. */
#define BENCH_EST_FLOWS 65536
#define BENCH_EST_PORT(i) (1024 + ((i)&0xff))
#define BENCH_EST_ADDR4(i) (0xc6128000U | ((i) >> 8)) /* 198.18.128.(i >> 8) */

#endif /* __IG_BENCH_WRAP_H */
