/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef __IG_BPF_ASM_POSIX_TYPES_H
#define __IG_BPF_ASM_POSIX_TYPES_H
#include <asm-generic/posix_types.h>
#endif
