# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# tools/lab/: the lab, never installed. llmsim (a simulated GPU inference
# server), loadgen (a streaming load generator), the netns lab library that
# tests, benchmarks and the demo build machines with, and the demo.
LABLIB_SRCS := tools/lab/lab.c tools/lab/netns.c tools/lab/frr.c tools/lab/govlab.c
LABLIB := $(O)/libiglab.a
LABLIB_SAN := $(O)/libiglab-san.a
# llmsim's and loadgen's pure parts, unit-tested.
SIMTOOL_SRCS := tools/lab/llmsim/engine.c tools/lab/llmsim/metrics.c tools/lab/llmsim/req.c \
	tools/lab/loadgen/reqstats.c tools/lab/loadgen/dist.c tools/lab/loadgen/oracle.c

LLMSIM_BIN := $(O)/tools/llmsim
LOADGEN_BIN := $(O)/tools/loadgen
DEMO_BIN := $(O)/tools/ig-demo

$(LABLIB): $(call obj,$(LABLIB_SRCS))
	$(ar_lib)
$(LABLIB_SAN): $(call san,$(LABLIB_SRCS))
	$(ar_lib)
$(LLMSIM_BIN): $(call obj,$(wildcard tools/lab/llmsim/*.c))
	$(link_prog)
$(LOADGEN_BIN): $(call obj,$(wildcard tools/lab/loadgen/*.c))
	$(link_prog)
$(DEMO_BIN): $(call obj,tools/lab/demo.c) $(LABLIB) $(LIB)
	$(link_prog)
