# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# kernel-compat/: feature probes and attach fallbacks. Built into
# libinfergate (user/lib/lib.mk); it depends on nothing but user/lib's log.
COMPAT_SRCS := $(wildcard kernel-compat/*.c)
