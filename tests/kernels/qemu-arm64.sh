#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Run an arm64 binary from the cross build under qemu-user (make test-arm64),
# with the arm64 sysroot as its root for libraries. Criterion re-executes the
# test binary for every test, so the kernel itself must know to hand arm64
# executables to qemu: binfmt_misc. This registers qemu-aarch64-static in a
# binfmt_misc instance of a private user namespace (Linux 6.7+), which nothing
# else on the machine sees; on older kernels it needs the machine's own
# registration (qemu-user-static does it where systemd runs).
#
# usage: qemu-arm64.sh SYSROOT BINARY [ARG...]
set -euo pipefail

# The ELF header of an aarch64 executable, as qemu-user-static's binfmt.d has it.
MAGIC='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
MASK='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
QEMU=${QEMU:-qemu-aarch64-static}

if [ "${1:-}" = --inside ]; then
	shift
	mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
	# F: the interpreter is opened now, so it works from any mount namespace.
	echo ":ig-aarch64:M::$MAGIC:$MASK:$(command -v "$QEMU"):F" \
		>/proc/sys/fs/binfmt_misc/register
	export QEMU_LD_PREFIX=$1
	shift
	exec "$@"
fi

sysroot=$(realpath "$1")
shift
command -v "$QEMU" >/dev/null || {
	echo "qemu-arm64: $QEMU missing (make deps)" >&2
	exit 1
}
# A private binfmt_misc needs a user namespace that owns its mounts.
if unshare -Urm sh -c 'mount -t binfmt_misc none /proc/sys/fs/binfmt_misc' 2>/dev/null; then
	exec unshare -Urm "$0" --inside "$sysroot" "$@"
fi
if [ "$(head -n 1 /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null)" = enabled ]; then
	QEMU_LD_PREFIX=$sysroot exec "$@"
fi
echo "qemu-arm64: this kernel ($(uname -r)) has no private binfmt_misc (6.7+) and the" \
	"machine has no qemu-aarch64 binfmt registration: cannot run arm64 tests" >&2
exit 1
