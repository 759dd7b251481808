# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The kernel matrix (make test-kernels), included by the top-level Makefile:
# every BPF object built by every compiler in KERNEL_CLANGS, verified and
# tested on every kernel in KERNELS (Debian's under qemu, and the running one).
# tests/kernels/test-kernels.sh does the booting and the report.

KERNELS ?= 6.1 6.12 running
KERNEL_CLANGS ?= clang-14 clang-19
# What the guest suites need that Debian's cloud kernels build as modules.
KERNEL_MODULES ?= veth sch_ingress cls_bpf
KERNEL_TIMEOUT ?= 3000
KERNEL_SMP ?= 1
KERNEL_JOBS ?= 2

KCOMPAT_BIN := $(O)/tests/kcompat-tests
VB_BIN := $(O)/tests/kernels/verifier_budget

$(KCOMPAT_BIN): $(call san,tests/kernels/test_kcompat.c) $(TESTLIB_SAN) $(LABLIB_SAN) $(LIB_SAN)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(CRIT_LIBS) $(PC_LIBS) -lm

# No sanitizers: it only loads objects, and it runs under TCG.
$(VB_BIN): $(call obj,tests/kernels/verifier_budget.c) $(LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PC_LIBS)

.PHONY: test-kernels kernels-payload test-kcompat

# What one compiler's build carries into a guest.
kernels-payload: $(BPF_OBJS) $(BPFT_BIN) $(KCOMPAT_BIN)

# Each compiler builds into its own directory: the test binaries embed the
# objects (skeletons), so a build is exactly one compiler's objects.
test-kernels: $(VB_BIN)
	$(Q)for cc in $(KERNEL_CLANGS); do \
		$(MAKE) --no-print-directory O=$(O)/kernels/cc/$$cc CLANG=$$cc kernels-payload || exit; \
	done
	$(call msg,TEST,kernels $(KERNELS))
	$(Q)O=$(O) KERNELS='$(KERNELS)' KERNEL_CLANGS='$(KERNEL_CLANGS)' $(RECORD) $(RESULTS)/kernels.md \
		env \
		KERNEL_MODULES='$(KERNEL_MODULES)' KERNEL_TIMEOUT=$(KERNEL_TIMEOUT) \
		KERNEL_SMP=$(KERNEL_SMP) KERNEL_JOBS=$(KERNEL_JOBS) VERIFIER_BUDGET=$(VB_BIN) tests/kernels/test-kernels.sh

# The kernel-compat suite alone, on the running kernel.
test-kcompat: $(KCOMPAT_BIN) $(BPF_OBJS)
	$(call msg,TEST,kcompat)
	$(Q)$(KCOMPAT_BIN) --jobs=1 --short-filename $(TESTFLAGS)

# ---- arm64: the DPU build ------------------------------------------------------
# The agent, the tools and the tests for aarch64, with Debian's cross compiler
# and Debian's arm64 libraries unpacked into a sysroot under $(O) (see
# tests/kernels/arm64-sysroot.sh: the machine's dpkg is left alone).
ARM64_O := $(O)/arm64
ARM64_CC ?= aarch64-linux-gnu-gcc
# The arm64 builds of what PC_PKGS and criterion name, and the sanitizer
# runtimes; a new library dependency goes here too.
ARM64_PKGS ?= libbpf-dev libelf-dev zlib1g-dev libnl-3-dev libnl-route-3-dev libcriterion-dev \
	libcurl4-openssl-dev libmicrohttpd-dev libfyaml-dev libasan8 libubsan1
# ASan's shadow memory does not map under qemu-user (it crashes at start), so
# the arm64 test binaries keep UBSan only and run there; on a real DPU, pass
# ARM64_SAN_FLAGS='$(SAN_FLAGS)'.
ARM64_SAN_FLAGS ?= -fsanitize=undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ARM64_SYSROOT = $(abspath $(ARM64_O))/apt/sysroot
ARM64_PC = env PKG_CONFIG_SYSROOT_DIR=$(ARM64_SYSROOT) \
	PKG_CONFIG_LIBDIR=$(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu/pkgconfig:$(ARM64_SYSROOT)/usr/share/pkgconfig \
	$(PKG_CONFIG)

.PHONY: cross-arm64 test-arm64 arm64-sysroot

arm64-sysroot:
	$(call msg,SYSROOT,$(ARM64_SYSROOT))
	$(Q)tests/kernels/arm64-sysroot.sh $(ARM64_O)/apt $(ARM64_PKGS) >/dev/null

# BPF objects too, from the arm64 sysroot's headers: they must come out byte
# for byte as the host's, or something in them depends on the build host.
cross-arm64: arm64-sysroot $(BPF_OBJS)
	$(Q)$(MAKE) --no-print-directory O=$(ARM64_O) CC='$(ARM64_CC) --sysroot=$(ARM64_SYSROOT)' \
		CLANG='$(CLANG) --sysroot=$(ARM64_SYSROOT)' SAN_FLAGS='$(ARM64_SAN_FLAGS)' \
		PKG_CONFIG='$(ARM64_PC)' all
	$(call msg,CMP,BPF objects: arm64 sysroot headers vs the host's)
	$(Q)for o in $(BPF_OBJS); do \
		cmp -s $$o $(ARM64_O)/$${o#$(O)/} || { echo "cross-arm64: $$o differs when built" \
			"against arm64 headers: it depends on the build host" >&2; exit 1; }; \
	done

test-arm64: cross-arm64
	$(call msg,TEST,unit on arm64 (qemu-user))
	$(Q)tests/kernels/qemu-arm64.sh $(ARM64_SYSROOT) $(ARM64_O)/tests/unit-tests $(CRIT_RUN)
