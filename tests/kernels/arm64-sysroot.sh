#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# An arm64 sysroot for the DPU build (make cross-arm64): Debian 12's arm64
# multiarch packages, resolved and fetched by apt with the machine's own
# sources but a private architecture, package lists, status and cache, then
# unpacked with dpkg-deb. Nothing on the machine changes: no
# `dpkg --add-architecture`, no arm64 packages in its dpkg database, its apt
# lists untouched. Kept until the package list changes. Prints the sysroot.
#
# usage: arm64-sysroot.sh DIR PACKAGE...
set -euo pipefail

dir=$(realpath -m "$1")
shift
root=$dir/sysroot
want="$*"

if [ -e "$root/.packages" ] && [ "$(cat "$root/.packages")" = "$want" ]; then
	echo "$root"
	exit 0
fi

mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial"
: >"$dir/status"
# apt drops privileges to _apt for downloads; let it write its cache.
chmod 1777 "$dir/cache/archives/partial" "$dir/state/lists/partial"
apt_arm64() {
	# An empty status: apt resolves the whole closure of what is asked for,
	# libc6 included, as if installing into an empty arm64 system.
	apt-get -q -o APT::Architecture=arm64 -o APT::Architectures::=arm64 \
		-o Dir::State="$dir/state" -o Dir::State::status="$dir/status" \
		-o Dir::Cache="$dir/cache" -o Debug::NoLocking=1 "$@"
}
apt_arm64 update >&2
rm -f "$dir"/cache/archives/*.deb
# shellcheck disable=SC2086 # one argument per package
apt_arm64 install -y --download-only --no-install-recommends $want >&2

rm -rf "$root"
mkdir -p "$root"
for deb in "$dir"/cache/archives/*.deb; do
	dpkg-deb -x "$deb" "$root"
done
# The Makefile includes every *.d under the build directory as a dependency
# file; directories such as etc/ld.so.conf.d would stop make. Nothing built
# or run against the sysroot reads them.
find "$root" -depth -type d -name '*.d' -exec rm -rf {} +
echo "$want" >"$root/.packages"
echo "$root"
