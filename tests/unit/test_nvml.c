// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The NVML source: without libnvidia-ml.so.1 it reports -ENOENT (the agent
 * logs one line and runs on); with it, it opens. What it exports round-trips
 * through the agent's own DCGM parser with the units the scorer expects. */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <criterion/criterion.h>

#include "user/agent/nvml.h"
#include "user/agent/telemetry.h"

Test(nvml, open_matches_the_library_presence)
{
	void *lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	struct nvml *n = NULL;
	int err = nvml_open(&n);

	if (!lib) {
		cr_expect_eq(err, -ENOENT);
		cr_expect_null(n);
		return;
	}
	dlclose(lib);
	/* A GPU host: the library loads; init may fail without a driver. */
	cr_expect(err == 0 || err == -EIO, "nvml_open: %d", err);
	if (!err) {
		struct nvml_gpu g[NVML_GPUS_MAX];

		cr_expect_geq(nvml_read(n, g, NVML_GPUS_MAX), 0);
		nvml_close(n);
	}
}

Test(nvml, exported_metrics_parse_as_dcgm)
{
	struct nvml_gpu g[2] = {
		{ .index = 0,
		  .uuid = "GPU-aaaa",
		  .name = "H200",
		  .util = 75,
		  .fb_used_mib = 1000,
		  .fb_free_mib = 3000,
		  .power_w = 412.5,
		  .temp_c = 61,
		  .have_util = true,
		  .have_mem = true,
		  .have_power = true,
		  .have_temp = true },
		{ .index = 1,
		  .uuid = "GPU-bbbb",
		  .name = "H200",
		  .util = 5,
		  .have_util = true,
		  .xid_last = 79 },
	};
	struct telemetry_set set;
	struct prom_error perr;
	struct mbuf m = {};
	const struct telemetry_sample *s;

	nvml_render(&m, g, 2, "gpu-host-1");
	cr_assert_eq(m.err, 0);
	cr_assert_eq(telemetry_parse_metrics(m.buf, m.len, &set, &perr), 0, "line %d: %s",
		     perr.line, perr.msg);
	cr_assert_eq(set.n, 2);
	s = telemetry_find(&set, "", "GPU-aaaa");
	cr_assert(s);
	cr_expect_float_eq(s->gpu_util, 0.75, 1e-9);
	cr_expect_float_eq(s->fb_used_mib, 1000, 1e-9);
	cr_expect_float_eq(s->power_w, 412.5, 1e-9);
	s = telemetry_find(&set, "", "GPU-bbbb");
	cr_assert(s);
	cr_expect_float_eq(s->gpu_util, 0.05, 1e-9);
	cr_expect_float_eq(s->xid_last, 79, 1e-9);
	cr_expect_eq(s->have & TELEM_HAVE(TELEM_FB_USED), 0, "no memory reading, none exported");
	mbuf_free(&m);
}
