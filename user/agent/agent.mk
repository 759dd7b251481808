# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# user/agent/: infergated. Everything but main.c goes into a library the
# tests link too; it links libinfergate.
AGENT_SRCS := $(filter-out user/agent/main.c,$(wildcard user/agent/*.c))
AGENTLIB := $(O)/libinfergated.a
AGENTLIB_SAN := $(O)/libinfergated-san.a
AGENT_BIN := $(O)/infergated

$(AGENTLIB): $(call obj,$(AGENT_SRCS))
	$(ar_lib)
$(AGENTLIB_SAN): $(call san,$(AGENT_SRCS))
	$(ar_lib)
$(AGENT_BIN): $(call obj,user/agent/main.c) $(AGENTLIB) $(LIB)
	$(link_prog)
