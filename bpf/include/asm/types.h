/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Architecture-neutral <asm/*.h> for -target bpf: the BPF objects must not
 * depend on the build host's architecture headers (x86_64 or arm64 alike). */
#ifndef __IG_BPF_ASM_TYPES_H
#define __IG_BPF_ASM_TYPES_H
#include <asm-generic/types.h>
#endif
