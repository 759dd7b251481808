# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# infergate: one non-recursive Makefile. Output goes under $(O); V=1 shows the
# full commands. `make help` lists the targets.

O ?= build
V ?= 0
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
DESTDIR ?=
CFLAGS ?= -O2 -g

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# pkg-config is asked lazily (and once): `make check` installs the packages
# first, so nothing may be evaluated before `deps` has run.
PC_PKGS := libbpf libnl-3.0 libnl-route-3.0 libcurl libmicrohttpd libfyaml
PC_CFLAGS = $(eval PC_CFLAGS := $$(shell $(PKG_CONFIG) --cflags $(PC_PKGS)))$(PC_CFLAGS)
PC_LIBS = $(eval PC_LIBS := $$(shell $(PKG_CONFIG) --libs $(PC_PKGS)))$(PC_LIBS)
CRIT_CFLAGS = $(eval CRIT_CFLAGS := $$(shell $(PKG_CONFIG) --cflags criterion))$(CRIT_CFLAGS)
CRIT_LIBS = $(eval CRIT_LIBS := $$(shell $(PKG_CONFIG) --libs criterion))$(CRIT_LIBS)

# ---- how things are built ------------------------------------------------------
# Every include is a path from the repository root ("maps/conn.h",
# "user/lib/dp.h"); generated skeletons are found under $(O) the same way
# ("bpf/xdp_gateway.skel.h"). Each folder's fragment (*.mk) declares its
# sources and what it links; this file has the rules they share.
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -Wall -Werror -Ibpf/include -I.

$(O)/%.tmp.o: %.bpf.c
	$(call msg,CLANG,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -MT $@ -c $< -o $@

$(O)/%.bpf.o: $(O)/%.tmp.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(O)/%.skel.h: $(O)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*) > $@.tmp && mv $@.tmp $@

IG_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers -D_GNU_SOURCE \
	    -I. -I$(O) $(PC_CFLAGS)
ifndef IG_VERSION
IG_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
endif
IG_CFLAGS += -DIG_VERSION='"$(IG_VERSION)"'
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))
san = $(patsubst %.c,$(O)/san/%.o,$(1))

# Canned recipes the fragments use: a static library from its objects, a
# sanitized test binary, a plain program.
define ar_lib
$(call msg,AR,$@)
@mkdir -p $(@D)
$(Q)rm -f $@ && ar rcs $@ $^
endef
define link_san
$(call msg,LINK,$@)
@mkdir -p $(@D)
$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(CRIT_LIBS) $(PC_LIBS) -lm
endef
define link_prog
$(call msg,LINK,$@)
@mkdir -p $(@D)
$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PC_LIBS) -lm -lpthread
endef

# ---- the folders ----------------------------------------------------------------
include bpf/bpf.mk
include kernel-compat/compat.mk
include user/lib/lib.mk
include user/agent/agent.mk
include tools/infergatectl/infergatectl.mk
include tools/lab/lab.mk
include tests/tests.mk

# After the fragments: every object waits for every skeleton they declare.
$(O)/obj/%.o: %.c | $(BPF_SKELS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(IG_CFLAGS) $(CRIT_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(O)/san/%.o: %.c | $(BPF_SKELS)
	$(call msg,CC-SAN,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(IG_CFLAGS) $(CRIT_CFLAGS) $(CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

# ---- targets -----------------------------------------------------------------
.DEFAULT_GOAL := all
# Keep the unlinked BPF objects: their .d files name them.
.SECONDARY:
.PHONY: all deps check check-layers test-unit test-monitoring test-bpf test-integration demo bench bench-datapath bench-govern bench-sync \
	bench-routing results-snapshot image image-ref test-image format \
	check-format install clean help

all: $(BPF_OBJS) $(BPF_SKELS) $(LIB) $(AGENTLIB) $(AGENT_BIN) $(TEST_BINS) $(if $(BENCH_SRCS),$(BENCH_BIN)) \
	$(DEMO_BIN) $(BENCH_ROUTING_BIN) $(INFERGATECTL_BIN) $(LLMSIM_BIN) $(LOADGEN_BIN)

deps:
	$(Q)./tools/install-deps

# Criterion prints its "Synthesis" line per binary; any failure fails make.
CRIT_RUN = --jobs=$(shell nproc) --short-filename $(TESTFLAGS)

check: deps
	$(Q)$(MAKE) --no-print-directory check-layers
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory test-unit test-monitoring test-fuzz test-bpf test-integration

# The layering rules (docs/STYLE.md), and a self-test that plants a violation
# of each rule in a copy of the tree and expects the check to fail.
check-layers:
	$(call msg,CHECK,layers)
	$(Q)tests/layers/check-layers.py .
	$(Q)tests/layers/test-check-layers.sh

test-unit: $(UNIT_BIN)
	$(call msg,TEST,unit)
	$(Q)$(UNIT_BIN) $(CRIT_RUN)

# The alert rules' own tests (promtool test rules) and the dashboard's JSON;
# that both query real metric names is checked against a live agent in the
# integration suite (agent/dashboard_and_alerts_query_exported_metrics).
test-monitoring:
	$(call msg,TEST,monitoring)
	$(Q)promtool check rules deploy/prometheus/infergate-alerts.yml
	$(Q)promtool test rules tests/monitoring/alerts-test.yml
	$(Q)python3 -m json.tool deploy/grafana/infergate-dashboard.json >/dev/null

test-bpf: $(BPFT_BIN) $(BPF_OBJS)
	$(call msg,TEST,bpf)
	$(Q)IG_BUILD=$(O) $(BPFT_BIN) $(CRIT_RUN)

# Namespaces and attach points are unique per test, but the tests measure real
# traffic: run them one at a time.
test-integration: $(INTEG_BIN) $(BPF_OBJS)
	$(call msg,TEST,integration)
	$(Q)IG_BUILD=$(O) $(INTEG_BIN) --jobs=1 --short-filename $(TESTFLAGS)

# Benchmarks and the kernel matrix keep what they print in $(RESULTS)/*.md,
# with the date, kernel, CPU and command in a header (tests/bench/record.sh);
# results-snapshot copies them to docs/results/ for committing (and the
# routing benchmark's PNG plots to docs/results/bench-routing/).
RESULTS := $(O)/results
RECORD := tests/bench/record.sh

bench: $(BENCH_BIN) $(AGENT_BIN) $(LLMSIM_BIN) $(LOADGEN_BIN)
	$(Q)IG_BUILD=$(O) $(RECORD) $(RESULTS)/bench.md $(BENCH_BIN)

# Runaway control across machines alone (tests/bench/bench_govern.c).
bench-govern: $(BENCH_BIN) $(AGENT_BIN) $(LLMSIM_BIN) $(LOADGEN_BIN)
	$(Q)IG_BUILD=$(O) $(RECORD) $(RESULTS)/bench-govern.md $(BENCH_BIN) govern

# Connection-state sync between two gateways alone (tests/bench/bench_sync.c):
# decisions a peer applies per second, SYN at one gateway to entry at the other.
bench-sync: $(BENCH_BIN)
	$(Q)$(RECORD) $(RESULTS)/bench-sync.md $(BENCH_BIN) sync

# The datapath's benchmarks in one run: the gateway per packet, the GPU
# hosts' path, and forwarding rate through the gateway namespace (XDP
# against iptables DNAT).
bench-datapath: $(BENCH_BIN)
	$(Q)$(RECORD) $(RESULTS)/bench-datapath.md $(BENCH_BIN) datapath host forward

# Routing policies on the scenario files of tests/bench/scenarios/ (or
# BENCH_ROUTING_FLAGS="--scenario FILE ..."; tests/bench/bench_routing.c);
# results.md and the PNG plots land in $(O)/bench-routing.
bench-routing: $(BENCH_ROUTING_BIN) $(AGENT_BIN) $(INFERGATECTL_BIN) $(LLMSIM_BIN) $(LOADGEN_BIN)
	$(Q)IG_BUILD=$(O) $(RECORD) --append $(O)/bench-routing/results.md \
		$(RESULTS)/bench-routing.md $(BENCH_ROUTING_BIN) $(BENCH_ROUTING_FLAGS)

results-snapshot:
	$(Q)test -n "$$(ls $(RESULTS)/*.md 2>/dev/null)" || \
		{ echo "results-snapshot: nothing under $(RESULTS): run make bench* first" >&2; exit 1; }
	$(Q)mkdir -p docs/results && cp $(RESULTS)/*.md docs/results/ && ls docs/results
	$(Q)if ls $(O)/bench-routing/*.png >/dev/null 2>&1; then \
		rm -rf docs/results/bench-routing && mkdir -p docs/results/bench-routing && \
		cp $(O)/bench-routing/*.png docs/results/bench-routing/ && ls docs/results/bench-routing; fi

# The container image deploy/kubernetes/ runs: built offline from Debian's
# packages (mmdebstrap) into an OCI archive, $(O)/infergated-image.tar:
# `podman load -i`, `skopeo copy oci-archive:...`, `ctr images import`.
IMAGE_NAME ?= infergate/infergated
IMAGE_TAG ?= latest
IMAGE_REF = $(IMAGE_NAME):$(IMAGE_TAG)

image: $(AGENT_BIN) $(INFERGATECTL_BIN) $(BPF_OBJS)
	$(call msg,IMAGE,$(IMAGE_REF))
	$(Q)deploy/image/build-image.sh $(O) $(O)/infergated-image.tar $(IMAGE_REF)

image-ref:
	@echo $(IMAGE_REF)

# Not in make check: the image's packages come from Debian's mirror.
test-image: image
	$(call msg,TEST,image)
	$(Q)tests/image/test-image.sh $(O)/infergated-image.tar $(IMAGE_REF)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)IG_BUILD=$(O) $(DEMO_BIN)

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	$(Q)clang-format -i $(FORMAT_SRCS)

check-format:
	$(Q)clang-format --dry-run -Werror $(FORMAT_SRCS)

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/infergate/bpf \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)/etc/infergate $(DESTDIR)/lib/systemd/system
	install -m 0755 $(AGENT_BIN) $(INFERGATECTL_BIN) $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 $(filter $(O)/bpf/%,$(BPF_OBJS)) $(DESTDIR)$(PREFIX)/lib/infergate/bpf/
	install -m 0644 $(wildcard deploy/man/*.8) $(DESTDIR)$(PREFIX)/share/man/man8/
	$(if $(wildcard deploy/man/*.5),install -m 0644 $(wildcard deploy/man/*.5) \
		$(DESTDIR)$(PREFIX)/share/man/man5/)
	install -m 0644 deploy/infergated.service $(DESTDIR)/lib/systemd/system/
	install -m 0644 deploy/infergate.example.yaml deploy/infergate.host.example.yaml \
		$(DESTDIR)/etc/infergate/

clean:
	rm -rf $(O)

help:
	@echo 'infergate make targets (output under O=$(O), V=1 for full commands):'
	@echo '  all               BPF objects, skeletons, libraries and test binaries'
	@echo '  deps              install the Debian packages that are missing (root)'
	@echo '  check             deps, check-layers, then test-unit, test-monitoring, test-fuzz,'
	@echo '                    test-bpf and test-integration'
	@echo '  check-layers      the layering rules of docs/STYLE.md, with a planted-violation self-test'
	@echo '  test-unit         Criterion unit tests (no privileges), ASan+UBSan'
	@echo '  test-monitoring   promtool test rules on the alert rules, the dashboard JSON'
	@echo '  test-fuzz         each libFuzzer target for FUZZ_CHECK_SECONDS on its corpus'
	@echo '  fuzz              each libFuzzer target for FUZZ_SECONDS (default 60)'
	@echo '  test-bpf          BPF_PROG_TEST_RUN fixtures (root)'
	@echo '  test-integration  network-namespace labs with real traffic (root)'
	@echo '  bench             every benchmark: datapath, Maglev, agent, hosts, forwarding, governance (root)'
	@echo '  bench-datapath    gateway per packet, GPU-host path, forwarding pps XDP vs iptables (root)'
	@echo '  bench-govern      runaway start to throttle across machines, token-estimate error (root)'
	@echo '  bench-sync        connection-state sync: decisions applied per second, SYN to peer entry (root)'
	@echo '  bench-routing     routing policies (kube-proxy, RR, least-conn, Maglev, least-loaded,'
	@echo '                    oracle) on llmsim hosts: $(O)/bench-routing/results.md + PNGs (root)'
	@echo '  results-snapshot  copy $(O)/results/*.md (what bench* and test-kernels measured) to docs/results/'
	@echo '  image             the agent container image (OCI archive) from Debian packages'
	@echo '  test-image        image, then check it: skopeo reads it, the agent runs in it'
	@echo '  demo              deps, build, run the lab and show what it did (root)'
	@echo '  format            clang-format every C file in place'
	@echo '  check-format      fail if any C file is not formatted'
	@echo '  install           install objects and binaries under DESTDIR/PREFIX'
	@echo '  clean             remove $(O)'
	@echo '  test-kernels      BPF suites and verifier budget on 6.1, 6.12 (qemu) and the'
	@echo '                    running kernel, with clang-14 and clang-19 (root)'
	@echo '  cross-arm64       agent, tools and tests for aarch64 (Debian cross toolchain)'
	@echo '  test-arm64        cross-arm64, then the unit tests under qemu-user'
	@echo 'Variables: O CLANG BPFTOOL CC CFLAGS V TESTFLAGS FUZZ_SECONDS FUZZ_CHECK_SECONDS KERNELS KERNEL_CLANGS BENCH_ROUTING_FLAGS'


-include $(shell find $(O) -name '*.d' -type f 2>/dev/null)
