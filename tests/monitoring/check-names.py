#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Every metric the Grafana dashboard and the alert rules query must be a
family that infergated really exports: a renamed metric fails here, not on an
operator's empty panel. Reads a /metrics page captured from a live agent.

  check-names.py PAGE DASHBOARD.json RULES.yml

Prints each query's metric names that are missing from PAGE and exits 1 if
any is; also checks the dashboard's structure (every panel has a title and
at least one target with an expression)."""
import json
import re
import sys

NAME = re.compile(r'\b(infergate_[a-z0-9_]+)\b')


def exported(page):
    fams = set()
    for line in open(page):
        m = re.match(r'# TYPE (\S+) (\w+)', line)
        if m:
            fams.add(m.group(1))
            if m.group(2) == 'histogram':
                fams |= {m.group(1) + s for s in ('_bucket', '_sum', '_count')}
    return fams


def dashboard_exprs(path):
    d = json.load(open(path))
    errs, exprs = [], []

    def walk(panels):
        for p in panels:
            if p.get('type') == 'row':
                walk(p.get('panels', []))
                continue
            if not p.get('title'):
                errs.append(f'{path}: panel {p.get("id")} has no title')
            targets = [t.get('expr', '') for t in p.get('targets', [])]
            if not any(targets):
                errs.append(f'{path}: panel "{p.get("title")}" has no query')
            exprs.extend((f'{path}: panel "{p.get("title")}"', e) for e in targets)

    walk(d.get('panels', []))
    for v in d.get('templating', {}).get('list', []):
        q = v.get('query')
        if isinstance(q, dict):
            q = q.get('query', '')
        if isinstance(q, str) and 'infergate_' in q:
            exprs.append((f'{path}: variable ${v.get("name")}', q))
    return errs, exprs


def rule_exprs(path):
    # The rules are YAML; their expressions are single-line `expr:` values.
    out = []
    alert = None
    for line in open(path):
        m = re.match(r'\s*-\s*alert:\s*(\S+)', line)
        if m:
            alert = m.group(1)
        m = re.match(r'\s*expr:\s*(.+)$', line)
        if m:
            out.append((f'{path}: alert {alert}', m.group(1)))
    return out


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    page, dash, rules = sys.argv[1:]
    fams = exported(page)
    if not fams:
        print(f'{page}: no metric families (not a /metrics page?)')
        return 1
    errs, exprs = dashboard_exprs(dash)
    exprs += rule_exprs(rules)
    checked = 0
    for where, e in exprs:
        for name in NAME.findall(e):
            checked += 1
            if name not in fams:
                errs.append(f'{where}: {name} is not exported (expr: {e})')
    for e in errs:
        print(e)
    print(f'check-names: {checked} metric references in {len(exprs)} queries, '
          f'{len(errs)} problem(s)')
    return 1 if errs else 0


if __name__ == '__main__':
    sys.exit(main())
