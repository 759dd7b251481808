# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# bpf/: the datapath programs, one file per attach point, and what they share
# in bpf/lib (never included from userspace). tests/tests.mk adds the test-only
# programs to BPF_OBJS; each object gets a skeleton beside it under $(O).
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst %.bpf.c,$(O)/%.bpf.o,$(BPF_SRCS))
BPF_SKELS = $(BPF_OBJS:.bpf.o=.skel.h)
