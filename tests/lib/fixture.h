/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Table-driven BPF_PROG_TEST_RUN fixtures: a description, an input packet
 * from the packet builder, the expected verdict, the expected output bytes
 * and the expected deltas of named counters. Also the helpers every
 * privileged test shares (root check, bpffs mount, per-CPU map sums). */
#ifndef __IG_FIXTURE_H
#define __IG_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>

#include "tests/lib/pktbuild.h"

#define FX_COUNTERS_MAX 8

/* A u64 at byte offset field_off in the value at key of a (per-CPU) map,
 * summed over CPUs, must change by delta. */
struct fx_counter {
	const char *map;
	uint32_t key;
	uint32_t field_off;
	uint64_t delta;
};

/* Counter rows for fixture tables: an ig_counters entry moving by d, one more
 * drop of a reason. */
#define FX_CNT(c, d)                            \
	{                                       \
		"ig_counters", IG_CNT_##c, 0, d \
	}
#define FX_DROP(r)                            \
	{                                     \
		"ig_drops", IG_DROP_##r, 0, 1 \
	}

struct fixture {
	const char *desc;
	void (*build)(struct pb *in, struct pb *want); /* want unused: output == input */
	int want_out; /* 1: compare output with *want; 0: output must equal input */
	int verdict;
	struct fx_counter counters[FX_COUNTERS_MAX];
	/* Every ig_drops reason not listed in counters must stay unchanged. */
	int check_other_drops;
};

struct fx_result {
	int verdict;
	uint8_t out[PB_MAX];
	uint32_t out_len;
};

/* Run one packet through prog (XDP or tc) once. */
int fx_run(struct bpf_program *prog, const void *pkt, size_t len, struct fx_result *res);
/* Run a fixture table against prog in obj; every mismatch is a Criterion
 * assertion naming the fixture. */
void fx_run_table(struct bpf_object *obj, struct bpf_program *prog, const struct fixture *fx,
		  size_t n);

/* A u64 field of a map value, summed over CPUs for per-CPU maps. */
uint64_t fx_counter(struct bpf_object *obj, const char *map, uint32_t key, uint32_t field_off);

/* Fails the current test unless running as root (in CI a privileged test
 * that cannot run is a failure, never a skip); mounts bpffs if missing. */
void fx_require_root(void);
/* Write text to path (the test fails when it cannot); the atomic variant
 * writes path.tmp and renames it over path, so a server that reads the file
 * (a lab host's /metrics page) never sees half of it. */
void fx_write_file(const char *path, const char *text);
void fx_write_atomic(const char *path, const char *text);
int fx_mount_bpffs(void);

#endif /* __IG_FIXTURE_H */
