# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# tools/infergatectl/: inspect and debug the datapath from its pins. Links
# libinfergate only: it works with or without the agent.
INFERGATECTL_BIN := $(O)/infergatectl

$(INFERGATECTL_BIN): $(call obj,$(wildcard tools/infergatectl/*.c)) $(LIB)
	$(link_prog)
