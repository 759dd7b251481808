// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* NVML through dlopen: only the handful of entry points the agent needs are
 * resolved, by their versioned names, and declared here with NVML's ABI
 * (nvml.h is not in Debian's main archive). XID errors come from an event
 * set polled without blocking. */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/agent/nvml.h"
#include "user/lib/log.h"

typedef void *nvml_device_t;
typedef void *nvml_eventset_t;
struct nvml_util {
	unsigned int gpu, memory;
};
struct nvml_memory {
	unsigned long long total, free, used;
};
struct nvml_event {
	nvml_device_t device;
	unsigned long long type, data;
	unsigned int gi, ci;
};

#define NVML_SUCCESS 0
#define NVML_TEMPERATURE_GPU 0
#define NVML_EVENT_XID 0x8ULL

struct nvml {
	void *lib;
	int (*init)(void);
	int (*shutdown)(void);
	int (*count)(unsigned int *);
	int (*handle)(unsigned int, nvml_device_t *);
	int (*uuid)(nvml_device_t, char *, unsigned int);
	int (*name)(nvml_device_t, char *, unsigned int);
	int (*util)(nvml_device_t, struct nvml_util *);
	int (*mem)(nvml_device_t, struct nvml_memory *);
	int (*power)(nvml_device_t, unsigned int *);
	int (*temp)(nvml_device_t, int, unsigned int *);
	int (*es_create)(nvml_eventset_t *);
	int (*es_register)(nvml_device_t, unsigned long long, nvml_eventset_t);
	int (*es_wait)(nvml_eventset_t, struct nvml_event *, unsigned int);
	nvml_eventset_t events;
	__u64 xid[NVML_GPUS_MAX];
};

static const struct {
	const char *sym;
	size_t off;
	bool required;
} nvml_syms[] = {
	{ "nvmlInit_v2", offsetof(struct nvml, init), true },
	{ "nvmlShutdown", offsetof(struct nvml, shutdown), true },
	{ "nvmlDeviceGetCount_v2", offsetof(struct nvml, count), true },
	{ "nvmlDeviceGetHandleByIndex_v2", offsetof(struct nvml, handle), true },
	{ "nvmlDeviceGetUUID", offsetof(struct nvml, uuid), true },
	{ "nvmlDeviceGetName", offsetof(struct nvml, name), false },
	{ "nvmlDeviceGetUtilizationRates", offsetof(struct nvml, util), false },
	{ "nvmlDeviceGetMemoryInfo", offsetof(struct nvml, mem), false },
	{ "nvmlDeviceGetPowerUsage", offsetof(struct nvml, power), false },
	{ "nvmlDeviceGetTemperature", offsetof(struct nvml, temp), false },
	{ "nvmlEventSetCreate", offsetof(struct nvml, es_create), false },
	{ "nvmlDeviceRegisterEvents", offsetof(struct nvml, es_register), false },
	{ "nvmlEventSetWait_v2", offsetof(struct nvml, es_wait), false },
};

/* Resolve the entry points; the optional ones may be missing on old drivers. */
static int nvml_resolve(struct nvml *n)
{
	for (size_t i = 0; i < sizeof(nvml_syms) / sizeof(nvml_syms[0]); i++) {
		void *f = dlsym(n->lib, nvml_syms[i].sym);

		if (!f && nvml_syms[i].required) {
			log_warn("NVML: %s missing from libnvidia-ml.so.1", nvml_syms[i].sym);
			return -ENOSYS;
		}
		memcpy((char *)n + nvml_syms[i].off, &f, sizeof(f));
	}
	return 0;
}

static int nvml_events(struct nvml *n)
{
	unsigned int count = 0;
	nvml_device_t dev;

	if (!n->es_create || !n->es_register || !n->es_wait || n->es_create(&n->events))
		return -EOPNOTSUPP;
	n->count(&count);
	for (unsigned int i = 0; i < count && i < NVML_GPUS_MAX; i++)
		if (!n->handle(i, &dev))
			n->es_register(dev, NVML_EVENT_XID, n->events);
	return 0;
}

int nvml_open(struct nvml **out)
{
	struct nvml *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!n->lib) {
		free(n);
		return -ENOENT;
	}
	if (nvml_resolve(n))
		goto err_close;
	if (n->init() != NVML_SUCCESS) {
		log_warn("NVML: nvmlInit failed (driver not loaded?)");
		goto err_close;
	}
	if (nvml_events(n))
		log_info("NVML: XID events not available on this driver");
	*out = n;
	return 0;

err_close:
	dlclose(n->lib);
	free(n);
	return -EIO;
}

/* Drain pending XID events without blocking. */
static void nvml_poll_xid(struct nvml *n)
{
	struct nvml_event ev;
	nvml_device_t dev;
	unsigned int count = 0;

	if (!n->events)
		return;
	n->count(&count);
	while (n->es_wait(n->events, &ev, 0) == NVML_SUCCESS) {
		for (unsigned int i = 0; i < count && i < NVML_GPUS_MAX; i++)
			if (!n->handle(i, &dev) && dev == ev.device)
				n->xid[i] = ev.data;
	}
}

static void nvml_read_one(struct nvml *n, nvml_device_t dev, struct nvml_gpu *g)
{
	struct nvml_util u;
	struct nvml_memory m;
	unsigned int v;

	if (n->name)
		n->name(dev, g->name, sizeof(g->name));
	if (n->util && !n->util(dev, &u)) {
		g->util = u.gpu;
		g->have_util = true;
	}
	if (n->mem && !n->mem(dev, &m)) {
		g->fb_used_mib = m.used / 1048576.0;
		g->fb_free_mib = m.free / 1048576.0;
		g->have_mem = true;
	}
	if (n->power && !n->power(dev, &v)) {
		g->power_w = v / 1000.0; /* NVML reports milliwatts */
		g->have_power = true;
	}
	if (n->temp && !n->temp(dev, NVML_TEMPERATURE_GPU, &v)) {
		g->temp_c = v;
		g->have_temp = true;
	}
}

int nvml_read(struct nvml *n, struct nvml_gpu *gpus, int max)
{
	unsigned int count = 0;
	nvml_device_t dev;
	int k = 0;

	if (n->count(&count))
		return -EIO;
	nvml_poll_xid(n);
	for (unsigned int i = 0; i < count && k < max && i < NVML_GPUS_MAX; i++) {
		struct nvml_gpu *g = &gpus[k];

		memset(g, 0, sizeof(*g));
		if (n->handle(i, &dev) || n->uuid(dev, g->uuid, sizeof(g->uuid)))
			continue;
		g->index = i;
		g->xid_last = n->xid[i];
		nvml_read_one(n, dev, g);
		k++;
	}
	return k;
}

void nvml_close(struct nvml *n)
{
	if (!n)
		return;
	n->shutdown();
	dlclose(n->lib);
	free(n);
}

static void nvml_family(struct mbuf *m, const char *name, const char *help,
			const struct nvml_gpu *gpus, int n, const char *host, size_t off,
			size_t have_off)
{
	mbuf_family(m, name, "gauge", help);
	for (int i = 0; i < n; i++) {
		const struct nvml_gpu *g = &gpus[i];

		if (have_off && !*(const bool *)((const char *)g + have_off))
			continue;
		mbuf_printf(m,
			    "%s{gpu=\"%u\",UUID=\"%s\",modelName=\"%s\",Hostname=\"%s\"} %.15g\n",
			    name, g->index, g->uuid, g->name, host,
			    *(const double *)((const char *)g + off));
	}
}

void nvml_render(struct mbuf *m, const struct nvml_gpu *gpus, int n, const char *host)
{
	nvml_family(m, "DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", gpus, n, host,
		    offsetof(struct nvml_gpu, util), offsetof(struct nvml_gpu, have_util));
	nvml_family(m, "DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", gpus, n, host,
		    offsetof(struct nvml_gpu, fb_used_mib), offsetof(struct nvml_gpu, have_mem));
	nvml_family(m, "DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", gpus, n, host,
		    offsetof(struct nvml_gpu, fb_free_mib), offsetof(struct nvml_gpu, have_mem));
	nvml_family(m, "DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", gpus, n, host,
		    offsetof(struct nvml_gpu, power_w), offsetof(struct nvml_gpu, have_power));
	nvml_family(m, "DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", gpus, n, host,
		    offsetof(struct nvml_gpu, temp_c), offsetof(struct nvml_gpu, have_temp));
	mbuf_family(m, "DCGM_FI_DEV_XID_ERRORS", "gauge",
		    "Value of the last XID error encountered.");
	for (int i = 0; i < n; i++)
		mbuf_printf(m,
			    "DCGM_FI_DEV_XID_ERRORS{gpu=\"%u\",UUID=\"%s\",modelName=\"%s\","
			    "Hostname=\"%s\"} %llu\n",
			    gpus[i].index, gpus[i].uuid, gpus[i].name, host,
			    (unsigned long long)gpus[i].xid_last);
}
