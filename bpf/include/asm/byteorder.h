/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* -target bpf follows the host's byte order (bpfel on x86_64 and arm64). */
#ifndef __IG_BPF_ASM_BYTEORDER_H
#define __IG_BPF_ASM_BYTEORDER_H
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#include <linux/byteorder/little_endian.h>
#else
#include <linux/byteorder/big_endian.h>
#endif
#endif
