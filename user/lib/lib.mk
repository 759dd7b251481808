# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# user/lib/: libinfergate, datapath control on libbpf alone: the map I/O
# (dp), loading and pinning (loader), Maglev tables, names, addresses, the log,
# and kernel-compat. The agent, infergatectl, the lab and the tests link it;
# it includes nothing from them.
LIB_SRCS := $(wildcard user/lib/*.c) $(COMPAT_SRCS)
LIB := $(O)/libinfergate.a
LIB_SAN := $(O)/libinfergate-san.a

$(LIB): $(call obj,$(LIB_SRCS))
	$(ar_lib)
$(LIB_SAN): $(call san,$(LIB_SRCS))
	$(ar_lib)
