/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ABI version, pin layout and limits shared by the BPF programs and userspace.
 * Any change to a map-visible struct bumps IG_ABI_VERSION (it is part of the pin
 * path, so an agent never reads maps of another layout) and maps/README.md. */
#ifndef __IG_MAPS_COMMON_H
#define __IG_MAPS_COMMON_H

#include <linux/types.h>

#define IG_ABI_VERSION 3

#define IG_STR_(x) #x
#define IG_STR(x) IG_STR_(x)
#define IG_PIN_BASE "/sys/fs/bpf/infergate"
#define IG_PIN_ROOT IG_PIN_BASE "/v" IG_STR(IG_ABI_VERSION)
#define IG_PIN_MAPS IG_PIN_ROOT "/maps"
#define IG_PIN_LINKS IG_PIN_ROOT "/links"

#define IG_SERVICE_MAX 1024
#define IG_BACKEND_MAX 4096 /* backend id 0 means "none" */
#define IG_TENANT_MAX 1024
#define IG_CONN_MAX 262144
#define IG_MAGLEV_DEFAULT 16381
#define IG_MAGLEV_MAX 65521
#define IG_EVENTS_BYTES (256 * 1024)

/* Addresses are 16 bytes everywhere; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d). */
#define IG_ADDR_LEN 16

#define IG_ASSERT_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), "ABI: sizeof(" #type ") changed")

#endif /* __IG_MAPS_COMMON_H */
