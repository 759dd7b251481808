# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# tests/fuzz/: libFuzzer targets for every parser of untrusted input: the
# Prometheus text parser, the telemetry mapping (a backend's /metrics body is
# network input), a GPU host's token page (hostpage), the YAML configuration
# loader, the sync wire format (a peer gateway's datagrams) and the
# neighbour/FDB message parser of the EVPN mirror (what BGP peers announce, as
# zebra installs it). Built by clang with
# -fsanitize=fuzzer,address,undefined (clang-14's compiler-rt has libFuzzer),
# from the parsers' own sources, so the coverage is theirs.
#   make fuzz        each target for FUZZ_SECONDS (default 60), new inputs
#                    kept under $(O)/fuzz-corpus/<target>
#   make test-fuzz   each target for FUZZ_CHECK_SECONDS (default 4) on its
#                    corpus: every seed and regression input runs first, so a
#                    regression fails `make check`
# tests/fuzz/run.sh runs them. Seeds: tests/data/metrics (real scrapes, see SOURCES.md), tests/data/config,
# and tests/fuzz/corpus/<target> (regression inputs of fixed findings).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 4
FUZZ_TARGETS := prom telemetry config sync hostpage neigh
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_SRCS_prom := user/agent/prom.c
FUZZ_SRCS_telemetry := user/agent/prom.c user/agent/telemetry.c
FUZZ_SRCS_sync := user/agent/syncwire.c
FUZZ_SRCS_hostpage := user/agent/prom.c user/agent/hostpage.c
FUZZ_SRCS_config := user/agent/conf.c user/agent/conf_host.c user/agent/conf_evpn.c \
	user/agent/cfgtree.c \
	user/agent/score.c user/agent/telemetry.c \
	user/agent/prom.c \
	user/lib/addr.c user/lib/maglev.c user/lib/names.c user/lib/log.c

FUZZ_SRCS_neigh := user/agent/netlink.c user/lib/log.c

fuzzobj = $(patsubst %.c,$(O)/fuzz/%.o,$(1))
FUZZ_BINS := $(patsubst %,$(O)/tests/fuzz/fuzz_%,$(FUZZ_TARGETS))

$(O)/fuzz/%.o: %.c
	$(call msg,CC-FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(IG_CFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

define fuzz_target
$(O)/tests/fuzz/fuzz_$(1): $(call fuzzobj,tests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)))
	$$(call msg,LINK,$$@)
	@mkdir -p $$(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $$@ $$^ $$(PC_LIBS) -lm
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target,$(t))))

.PHONY: fuzz test-fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)
fuzz: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh $(O) $(FUZZ_SECONDS) $(FUZZ_TARGETS)
test-fuzz: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh $(O) $(FUZZ_CHECK_SECONDS) $(FUZZ_TARGETS)
