#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Wrap a root filesystem tarball into an OCI image archive (the OCI image
layout, tarred: `podman load -i`, `skopeo copy oci-archive:`, `ctr images
import` all take it), with no container tool and no registry: one layer, its
config (entrypoint, the image's reference) and the manifest, content-addressed
by SHA-256.

  oci-archive.py ROOTFS.tar OUT.tar REF ENTRYPOINT [ARG...]

REF is the image reference the manifest is annotated with
(org.opencontainers.image.ref.name), e.g. infergate/infergated:latest."""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import time


def blob(tar, data, media):
    digest = 'sha256:' + hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo('blobs/sha256/' + digest[7:])
    info.size = len(data)
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))
    return {'mediaType': media, 'digest': digest, 'size': len(data)}


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    rootfs, out, ref, entry = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    with open(rootfs, 'rb') as f:
        layer = f.read()
    diff_id = 'sha256:' + hashlib.sha256(layer).hexdigest()
    gz = gzip.compress(layer, mtime=0)
    created = time.strftime('%Y-%m-%dT%H:%M:%SZ',
                            time.gmtime(int(os.environ.get('SOURCE_DATE_EPOCH', '0'))))
    config = {
        'created': created,
        'architecture': {'x86_64': 'amd64', 'aarch64': 'arm64'}.get(os.uname().machine,
                                                                    os.uname().machine),
        'os': 'linux',
        'config': {'Entrypoint': entry, 'Labels': {'org.opencontainers.image.title': ref}},
        'rootfs': {'type': 'layers', 'diff_ids': [diff_id]},
        'history': [{'created': created, 'created_by': 'deploy/image/build-image.sh'}],
    }
    with tarfile.open(out, 'w') as tar:
        info = tarfile.TarInfo('oci-layout')
        lay = json.dumps({'imageLayoutVersion': '1.0.0'}).encode()
        info.size = len(lay)
        tar.addfile(info, io.BytesIO(lay))
        cfg = blob(tar, json.dumps(config, sort_keys=True).encode(),
                   'application/vnd.oci.image.config.v1+json')
        lyr = blob(tar, gz, 'application/vnd.oci.image.layer.v1.tar+gzip')
        manifest = {'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                    'config': cfg, 'layers': [lyr]}
        man = blob(tar, json.dumps(manifest, sort_keys=True).encode(), manifest['mediaType'])
        man['annotations'] = {'org.opencontainers.image.ref.name': ref}
        index = json.dumps({'schemaVersion': 2, 'manifests': [man]}).encode()
        info = tarfile.TarInfo('index.json')
        info.size = len(index)
        tar.addfile(info, io.BytesIO(index))
    print(f'{out}: {ref}, {man["digest"]}, layer {lyr["size"]} bytes')
    return 0


if __name__ == '__main__':
    sys.exit(main())
