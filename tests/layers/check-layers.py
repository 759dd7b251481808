#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The layering rules of the tree (docs/STYLE.md, "The folders are the
architecture"), checked on the C sources git knows of (tracked, or untracked
and not ignored). Prints one line per violation, file:line: rule: detail, and
exits 1 when there is any. Run by `make check-layers` (part of `make check`).

Rules:
  map-io     userspace's raw map syscalls (bpf_map_update_elem, _delete_elem,
             _lookup_elem, _lookup_batch, _get_next_key, ...) only in user/lib/
             (the map I/O owner) and tests/ (fixtures plant kernel state on
             purpose); bpf/ is the kernel side
  test-hdr   only tests/ includes a tests/ header
  lib-deps   user/lib/ and kernel-compat/ include only user/lib/,
             kernel-compat/, maps/ and build-generated bpf/ skeletons
  ctl-deps   tools/infergatectl/ and tools/lab/ never include user/agent/
  abi-deps   maps/ includes only maps/
  bpf-deps   bpf/ includes only bpf/ and maps/
  dotdot     no "../" in an #include
  rooted     every quoted #include is a path from the repository root that
             exists (or a generated skeleton, *.skel.h)
  hdr-name   no header name is shared by two folders
  cycle      no include cycle between files
"""
import os
import re
import subprocess
import sys

MAP_IO = re.compile(r'\bbpf_map_(update_elem|delete_elem|lookup_elem|lookup_and_delete_elem|'
                    r'lookup_batch|lookup_and_delete_batch|update_batch|delete_batch|'
                    r'get_next_key)\s*\(|\bbpf_map__(update_elem|delete_elem|lookup_elem|'
                    r'lookup_and_delete_elem|get_next_key)\s*\(')
INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]')
COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)


def sources(root):
    out = subprocess.check_output(
        ['git', '-C', root, 'ls-files', '--cached', '--others', '--exclude-standard',
         '*.c', '*.h'], text=True)
    return sorted(f for f in out.split() if os.path.exists(os.path.join(root, f)))


def top(path):
    parts = path.split('/')
    return '/'.join(parts[:2]) if parts[0] in ('user', 'tools') else parts[0]


def check(root):
    errs = []
    files = sources(root)
    graph = {}

    def err(f, line, rule, msg):
        errs.append(f'{f}:{line}: {rule}: {msg}')

    for f in files:
        with open(os.path.join(root, f), errors='replace') as fh:
            text = fh.read()
        code = COMMENT.sub(lambda m: '\n' * m.group(0).count('\n'), text)
        graph[f] = []
        for n, line in enumerate(code.split('\n'), 1):
            m = INCLUDE.match(line)
            if m:
                quoted, inc = m.group(1) == '"', m.group(2)
                if '../' in inc:
                    err(f, n, 'dotdot', f'#include "{inc}"')
                if not quoted:
                    continue
                if not inc.endswith('.skel.h') and not os.path.exists(os.path.join(root, inc)):
                    err(f, n, 'rooted', f'"{inc}" is not a path from the repository root')
                    continue
                graph[f].append((inc, n))
                layer = top(inc)
                if inc.startswith('tests/') and not f.startswith('tests/'):
                    err(f, n, 'test-hdr', f'includes the test header "{inc}"')
                if top(f) in ('user/lib', 'kernel-compat') and layer not in (
                        'user/lib', 'kernel-compat', 'maps') and not (
                        inc.startswith('bpf/') and inc.endswith('.skel.h')):
                    err(f, n, 'lib-deps', f'libinfergate includes "{inc}"')
                if top(f) in ('tools/infergatectl', 'tools/lab') and inc.startswith('user/agent/'):
                    err(f, n, 'ctl-deps', f'{top(f)} includes the agent\'s "{inc}"')
                if f.startswith('maps/') and not inc.startswith('maps/'):
                    err(f, n, 'abi-deps', f'the ABI includes "{inc}"')
                if f.startswith('bpf/') and layer not in ('bpf', 'maps'):
                    err(f, n, 'bpf-deps', f'a BPF program includes "{inc}"')
            elif MAP_IO.search(line) and not f.startswith(('user/lib/', 'tests/', 'bpf/')):
                err(f, n, 'map-io', 'raw map syscall outside user/lib (use a dp_* function): '
                    + line.strip())

    names = {}
    for f in files:
        if f.endswith('.h'):
            names.setdefault(os.path.basename(f), set()).add(os.path.dirname(f))
    for name, dirs in sorted(names.items()):
        if len(dirs) > 1:
            err(sorted(dirs)[0] + '/' + name, 1, 'hdr-name',
                f'"{name}" is also in ' + ', '.join(sorted(dirs)[1:]))

    # Cycles: depth-first search over quoted includes of existing files.
    state = {}
    stack = []

    def visit(f):
        state[f] = 1
        stack.append(f)
        for inc, n in graph.get(f, []):
            if inc not in graph:
                continue
            if state.get(inc) == 1:
                cyc = stack[stack.index(inc):] + [inc]
                err(f, n, 'cycle', ' -> '.join(cyc))
            elif not state.get(inc):
                visit(inc)
        stack.pop()
        state[f] = 2

    for f in files:
        if not state.get(f):
            visit(f)
    return errs


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else '.'
    errs = check(root)
    for e in errs:
        print(e)
    if errs:
        print(f'check-layers: {len(errs)} violation(s); the rules are in docs/STYLE.md',
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
