/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The ABI's 16-byte address (maps/common.h: IPv4 stored IPv4-mapped,
 * ::ffff:a.b.c.d) and MAC addresses, parsed from and printed as text. The one
 * place userspace converts them: the agent's config, infergatectl, the lab and
 * the tests all use it. */
#ifndef __IG_ADDR_H
#define __IG_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "maps/common.h"

/* Text form of IPv6, IPv4 or a MAC, with the terminating NUL. */
#define ADDR_STR_MAX 46

/* "a.b.c.d" (stored mapped) or an IPv6 address. -EINVAL otherwise; out is
 * zeroed first. */
int addr_parse(const char *s, __u8 out[IG_ADDR_LEN]);
/* IPv4-mapped addresses print as IPv4. Returns buf. */
const char *addr_str(const __u8 a[IG_ADDR_LEN], char *buf, size_t len);
/* ::ffff:0:0/96, the form IPv4 is stored in. */
bool addr_is_v4(const __u8 a[IG_ADDR_LEN]);
/* "aa:bb:cc:dd:ee:ff" (one or two hex digits a byte), white space after it
 * allowed. */
int mac_parse(const char *s, __u8 mac[6]);
const char *mac_str(const __u8 mac[6], char *buf, size_t len);

#endif /* __IG_ADDR_H */
