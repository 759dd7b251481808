/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* BPF is a 64-bit target whatever the build host is. */
#ifndef __IG_BPF_ASM_BITSPERLONG_H
#define __IG_BPF_ASM_BITSPERLONG_H
#define __BITS_PER_LONG 64
#include <asm-generic/bitsperlong.h>
#endif
