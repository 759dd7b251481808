/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef __IG_BPF_ASM_SWAB_H
#define __IG_BPF_ASM_SWAB_H
#include <asm-generic/swab.h>
#endif
