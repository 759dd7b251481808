# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# tests/: unit (no privileges), bpf (BPF_PROG_TEST_RUN fixtures), integration
# (netns labs), bench (every benchmark, bench-routing's driver included), and
# lib (the packet builder and the fixture runner). Test binaries build with
# ASan and UBSan; benchmarks without.
BPF_TEST_SRCS := $(wildcard tests/bpf/progs/*.bpf.c)
BPF_OBJS += $(patsubst %.bpf.c,$(O)/%.bpf.o,$(BPF_TEST_SRCS))

TESTLIB_SRCS := $(wildcard tests/lib/*.c)
TESTLIB := $(O)/libigtest.a
TESTLIB_SAN := $(O)/libigtest-san.a
UNIT_SRCS := $(wildcard tests/unit/*.c)
BPFT_SRCS := $(wildcard tests/bpf/*.c)
INTEG_SRCS := $(wildcard tests/integration/*.c)
# bench-routing's driver and its scenario files' schema (also unit-tested).
BENCH_ROUTING_SRCS := tests/bench/bench_routing.c tests/bench/scenario.c
BENCH_SRCS := $(filter-out $(BENCH_ROUTING_SRCS),$(wildcard tests/bench/*.c))

UNIT_BIN := $(O)/tests/unit-tests
BPFT_BIN := $(O)/tests/bpf-tests
INTEG_BIN := $(O)/tests/integration-tests
BENCH_BIN := $(O)/tests/bench-datapath
BENCH_ROUTING_BIN := $(O)/tools/ig-bench-routing
TEST_BINS := $(UNIT_BIN) $(BPFT_BIN) $(INTEG_BIN)

$(TESTLIB): $(call obj,$(TESTLIB_SRCS))
	$(ar_lib)
$(TESTLIB_SAN): $(call san,$(TESTLIB_SRCS))
	$(ar_lib)

$(UNIT_BIN): $(call san,$(UNIT_SRCS) $(SIMTOOL_SRCS) tests/bench/scenario.c) $(TESTLIB_SAN) \
		$(AGENTLIB_SAN) $(LIB_SAN)
	$(link_san)
$(BPFT_BIN): $(call san,$(BPFT_SRCS)) $(TESTLIB_SAN) $(AGENTLIB_SAN) $(LIB_SAN)
	$(link_san)
$(INTEG_BIN): $(call san,$(INTEG_SRCS)) $(TESTLIB_SAN) $(LABLIB_SAN) $(LIB_SAN)
	$(link_san)
$(BENCH_BIN): $(call obj,$(BENCH_SRCS)) $(TESTLIB) $(LABLIB) $(AGENTLIB) $(LIB)
	$(link_prog)
$(BENCH_ROUTING_BIN): $(call obj,$(BENCH_ROUTING_SRCS) user/agent/cfgtree.c \
		tools/lab/loadgen/dist.c) $(LABLIB) $(LIB)
	$(link_prog)

# libFuzzer targets: fuzz and test-fuzz.
include tests/fuzz/fuzz.mk

# The kernel matrix: test-kernels and its tools.
include tests/kernels/kernels.mk
