// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The benchmark programs with governance compiled out: what the steering
 * benchmark compares against to give governance's own cost per packet. */
#define IG_NO_GOVERN 1
#include "bench_gw.bpf.c"
