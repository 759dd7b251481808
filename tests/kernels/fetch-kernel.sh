#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Fetch one of Debian 12's cloud kernel images with `apt-get download` and
# unpack it with dpkg-deb under the build directory: it is never installed on
# this machine. The .deb is kept, so later runs need no network and test the
# same kernel until its .deb is removed. Prints the unpacked root, where
# boot/vmlinuz-* and lib/modules/* are.
#
# usage: fetch-kernel.sh DIR SERIES     (SERIES: 6.1, 6.12)
set -euo pipefail

dir=$1
series=$2

case $series in
# bookworm's own kernel, the one Debian 12 GPU hosts run.
6.1) meta=linux-image-cloud-amd64 ;;
# bookworm also carries 6.12 (from bookworm-security, no backports needed).
*) meta=linux-image-$series-cloud-amd64 ;;
esac

mkdir -p "$dir/debs"
deb_for() {
	find "$dir/debs" -maxdepth 1 -name "linux-image-${series}[.-]*-cloud-amd64_*.deb" | sort -V |
		tail -n 1
}

deb=$(deb_for)
if [ -z "$deb" ]; then
	# The metapackage names the current ABI; a fresh machine has no lists.
	resolve() {
		apt-cache depends --no-recommends --no-suggests "$meta" 2>/dev/null |
			awk '/Depends: linux-image-/ { print $2; exit }'
	}
	pkg=$(resolve)
	if [ -z "$pkg" ]; then
		apt-get update -q >&2
		pkg=$(resolve)
	fi
	if [[ $pkg != linux-image-${series}[.-]*-cloud-amd64 ]]; then
		echo "fetch-kernel: $meta does not name a $series cloud kernel (got '$pkg')" >&2
		exit 1
	fi
	# apt drops privileges to _apt for downloads; let it write here.
	(cd "$dir/debs" && chmod 1777 . && apt-get download -q "$pkg" >&2)
	deb=$(deb_for)
	[ -n "$deb" ] || { echo "fetch-kernel: apt-get download $pkg left no .deb" >&2; exit 1; }
fi

root=$dir/$(basename "$deb" .deb)
if [ ! -e "$root/.unpacked" ]; then
	rm -rf "$root"
	dpkg-deb -x "$deb" "$root"
	touch "$root/.unpacked"
fi
echo "$root"
