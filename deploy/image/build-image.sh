#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The infergated container image, built offline from Debian's packages: a
# minimal bookworm root filesystem (mmdebstrap) with the agent's runtime
# libraries, infergated and infergatectl in /usr/local/sbin and the BPF
# objects in /usr/local/lib/infergate/bpf, wrapped into an OCI image archive
# (oci-archive.py) that podman, skopeo or containerd load. `make image` runs it.
#   build-image.sh BUILD_DIR OUT.tar REF
set -eu
build=$1
out=$2
ref=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Only what the agent links (ldd build/infergated), from Debian's packages.
pkgs=libbpf1,libelf1,zlib1g,libnl-3-200,libnl-route-3-200,libcurl4,libmicrohttpd12,libfyaml0
# The host's Debian mirror (the only registry reachable), or MIRROR=.
mirror=${MIRROR:-$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources \
	2>/dev/null || echo http://deb.debian.org/debian)}

mkdir -p "$work/add/usr/local/sbin" "$work/add/usr/local/lib/infergate/bpf"
install -m 0755 "$build/infergated" "$build/infergatectl" "$work/add/usr/local/sbin/"
install -m 0644 "$build"/bpf/*.bpf.o "$work/add/usr/local/lib/infergate/bpf/"

SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH
mmdebstrap --quiet --variant=essential --include="$pkgs" \
	--customize-hook="copy-in $work/add/usr /" \
	--customize-hook='rm -rf "$1"/usr/share/doc "$1"/usr/share/man "$1"/var/cache/apt/*' \
	bookworm "$work/rootfs.tar" "$mirror"
python3 "$here/oci-archive.py" "$work/rootfs.tar" "$out" "$ref" \
	/usr/local/sbin/infergated --config /etc/infergate/infergate.yaml
