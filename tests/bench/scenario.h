/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The routing benchmark's scenario files (YAML, docs/benchmarks.md): the GPU
 * hosts with every llmsim constant, their background load, the workload
 * (arrivals, lengths, tenants with classes and SLOs, sessions, shared system
 * prompts), failure events, the policies to compare, seeds and the load sweep.
 * Checked with the agent's configuration engine, so every error names
 * file:line:col and the field. */
#ifndef __IG_BENCH_SCENARIO_H
#define __IG_BENCH_SCENARIO_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/cfgtree.h"

#define SC_HOSTS_MAX 8
#define SC_TENANTS_MAX 8
#define SC_EVENTS_MAX 16
#define SC_SEEDS_MAX 10
#define SC_SWEEP_MAX 5
#define SC_SPEC_MAX 300 /* a distribution or arrival spec, with its path */
#define SC_UNSET -1.0 /* an llmsim constant left to its profile */

enum sc_policy {
	SC_P_IPTABLES,
	SC_P_RR,
	SC_P_LC,
	SC_P_MAGLEV,
	SC_P_LL,
	SC_P_AFFINITY, /* Maglev with client affinity and a load bound */
	SC_P_ORACLE,
	SC_P__MAX
};
enum sc_action { SC_KILL, SC_RESTART, SC_DRAIN, SC_UNDRAIN, SC_ACTION__MAX };
enum sc_class { SC_INTERACTIVE, SC_STANDARD, SC_BATCH, SC_CLASS__MAX };

struct sc_host {
	unsigned int profile; /* 0 fast, 1 slow */
	unsigned int gpus;
	unsigned int kv_blocks;
	unsigned int block_size;
	/* llmsim's step-time constants, seconds; SC_UNSET: the profile's */
	double step_base, step_per_seq, step_per_ctx_token;
	double prefill_per_token, prefill_base, prefill_floor;
	unsigned int max_batched_tokens, max_seqs; /* 0: llmsim's */
	double prefix_cache_blocks; /* SC_UNSET: llmsim's (KV blocks / 4) */
	double capacity; /* the agent's capacity for it */
	double bg_rate; /* background requests/s that bypass the gateway */
	unsigned int bg_prompt, bg_output;
};

struct sc_tenant {
	char name[32];
	double share;
	unsigned int cls; /* enum sc_class */
	__u64 slo_ttft_ns, slo_tpot_ns; /* 0: the workload's */
};

/* A second tenant on a VIP and VNI of its own, open loop beside the
 * workload (a batch job saturating the cluster): the gateway sheds it by its
 * class while the workload's tenant is measured. */
struct sc_batch {
	char name[32];
	unsigned int cls; /* enum sc_class: its service's priority */
	double rate; /* requests/s; 0: no batch tenant */
	char arrival[SC_SPEC_MAX], prompt[SC_SPEC_MAX], output[SC_SPEC_MAX];
	bool new_connection;
};

struct sc_event {
	__u64 at_ns; /* after the workload starts */
	unsigned int host; /* 0-based */
	unsigned int action; /* enum sc_action */
};

struct scenario {
	char name[64];
	char title[160];
	char dir[CONFIG_PATH_MAX]; /* the file's directory: relative paths start here */
	double time_scale;
	__u64 duration_ns; /* of arrivals (open loop), or of sessions */
	__u64 settle_ns; /* fresh servers to traffic */
	__u64 drain_ns; /* how long to wait for requests still running */
	unsigned int n_hosts;
	struct sc_host *hosts;
	/* the workload */
	char arrival[SC_SPEC_MAX]; /* poisson, gamma:CV, trace:PATH (resolved) */
	double rate; /* requests/s, open loop */
	char prompt[SC_SPEC_MAX], output[SC_SPEC_MAX]; /* lengths (file: resolved) */
	unsigned int system_prompt;
	unsigned int max_context;
	bool new_connection; /* a connection per request or turn */
	__u64 slo_ttft_ns, slo_tpot_ns;
	unsigned int n_tenants;
	struct sc_tenant *tenants;
	unsigned int sessions; /* 0: open loop */
	char turns[SC_SPEC_MAX], think[64];
	__u64 stagger_ns;
	struct sc_batch batch;
	/* the comparison */
	unsigned int n_events;
	struct sc_event *events;
	unsigned int policies; /* 1u << enum sc_policy */
	unsigned int n_seeds;
	__u64 seeds[SC_SEEDS_MAX];
	unsigned int n_sweep;
	double sweep[SC_SWEEP_MAX]; /* multiples of rate; the first run is 1 */
};

/* Read and check the scenario at path; 0 or -errno with err filled. */
int scenario_load(const char *path, struct scenario *sc, struct config_error *err);
/* The same from memory (name stands for the file in errors; dir for
 * relative paths). */
int scenario_load_mem(const char *name, const char *dir, const char *buf, size_t len,
		      struct scenario *sc, struct config_error *err);

void scenario_free(struct scenario *sc);

const char *sc_policy_name(unsigned int p);
const char *sc_action_name(unsigned int a);
const char *sc_class_name(unsigned int c);

#endif /* __IG_BENCH_SCENARIO_H */
