/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* NVML for the GPUs on the agent's own host, loaded at run time with
 * dlopen("libnvidia-ml.so.1") so the agent builds and runs without a GPU.
 * Readings are exported on the agent's /metrics page under the DCGM
 * exporter's names, so the gateway scrapes a GPU host's agent like any
 * DCGM exporter (format: dcgm). */
#ifndef __IG_NVML_H
#define __IG_NVML_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/metrics.h"

#define NVML_GPUS_MAX 16

struct nvml_gpu {
	unsigned int index;
	char uuid[96];
	char name[96];
	double util; /* percent, 0..100 */
	double fb_used_mib, fb_free_mib;
	double power_w;
	double temp_c;
	__u64 xid_last; /* last XID error seen; 0 = none */
	bool have_util, have_mem, have_power, have_temp;
};

struct nvml;

/* -ENOENT when libnvidia-ml.so.1 cannot be loaded, -EIO when nvmlInit
 * fails; the caller logs one line and runs on without it. */
int nvml_open(struct nvml **out);
/* Read every GPU (at most max); returns the count or a negative errno. */
int nvml_read(struct nvml *n, struct nvml_gpu *gpus, int max);
void nvml_close(struct nvml *n);
/* The readings as DCGM exporter families (DCGM_FI_DEV_GPU_UTIL, ...). */
void nvml_render(struct mbuf *m, const struct nvml_gpu *gpus, int n, const char *hostname);

#endif /* __IG_NVML_H */
