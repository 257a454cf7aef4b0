#!/usr/bin/python3
"""Count test cases from meson's meson-logs/testlog.json and print 'N passed, N failed'.

    test-summary.py [--failed-steps N] BUILDDIR[:LOGBASE]=RC ...

RC is the exit code of `meson test` in BUILDDIR, whose log is meson-logs/LOGBASE.json
(LOGBASE: meson test's --logbase, testlog by default). A TAP test (GLib --tap, node's TAP reporter)
counts each leaf `ok`/`not ok` line as a case; any other test is one case. A test that meson
judged bad (crash, timeout, non-zero exit, leak report) with no failing case of its own
counts one more failure, and so does a `meson test` that failed with nothing to show for it.
Prints the last line and exits 1 when anything failed.
"""
import json
import os
import re
import subprocess
import sys

RESULT = re.compile(r'^(\s*)(not ok|ok)\b(.*)$')
GOOD = {'OK', 'EXPECTEDFAIL'}


def tap_cases(stdout):
    """(passed, failed, skipped, failed names) from TAP text, counting leaves only:
    node's reporter prints a parent's line after its indented subtests."""
    passed = failed = skipped = 0
    names = []
    last_indent = None
    yaml_end = None
    for line in stdout.splitlines():
        if yaml_end is not None:
            if line.rstrip() == yaml_end:
                yaml_end = None
            continue
        m = RESULT.match(line)
        if not m:
            if last_indent is not None and line.strip() == '---':
                yaml_end = line.rstrip()[:-3] + '...'
            continue
        indent, verdict, rest = len(m.group(1)), m.group(2), m.group(3)
        parent = last_indent is not None and last_indent > indent
        last_indent = indent
        if parent:
            continue
        directive = rest.partition('#')[2].strip().upper()
        if directive.startswith('SKIP') or directive.startswith('TODO'):
            skipped += 1
        elif verdict == 'ok':
            passed += 1
        else:
            failed += 1
            names.append(rest.strip(' -'))
    return passed, failed, skipped, names


def protocols(builddir):
    try:
        out = subprocess.run(['meson', 'introspect', '--tests', builddir], check=True,
                             capture_output=True, text=True).stdout
        return {tuple(t['cmd']): t['protocol'] for t in json.loads(out)}
    except (OSError, subprocess.CalledProcessError, ValueError):
        return {}


def main(argv):
    extra = 0
    if argv[:1] == ['--failed-steps']:
        extra, argv = int(argv[1]), argv[2:]
    total = [0, 0, 0]
    for arg in argv:
        spec, _, rc = arg.rpartition('=')
        builddir, _, logbase = spec.partition(':')
        log = os.path.join(builddir, 'meson-logs', (logbase or 'testlog') + '.json')
        proto = protocols(builddir)
        dir_failed = 0
        entries = []
        if os.path.exists(log):
            with open(log, encoding='utf-8') as f:
                entries = [json.loads(line) for line in f if line.strip()]
        for e in entries:
            stdout = e.get('stdout') or ''
            is_tap = proto.get(tuple(e.get('command') or ())) == 'tap' or (
                tuple(e.get('command') or ()) not in proto and 'TAP version' in stdout)
            if is_tap:
                p, fl, s, names = tap_cases(stdout)
            else:
                p, fl, s, names = int(e['result'] in GOOD), 0, int(e['result'] == 'SKIP'), []
            if e['result'] not in GOOD | {'SKIP'} and fl == 0:
                fl, names = 1, [f"test exited {e['result']} (code {e.get('returncode')})"]
            counts = (p, fl, s)
            total = [a + b for a, b in zip(total, counts)]
            dir_failed += fl
            mark = 'FAIL' if fl else 'ok'
            print(f"{mark:4} {builddir}: {e['name']}: {p} passed, {fl} failed, {s} skipped")
            for n in names:
                print(f'       not ok: {n}')
        if rc not in ('', '0') and dir_failed == 0:
            print(f'FAIL {builddir}: meson test exited {rc}')
            total[1] += 1
        if not entries:
            print(f'     {builddir}: no tests ran')
    total[1] += extra
    passed, failed, skipped = total
    print(f'{passed} passed, {failed} failed' + (f', {skipped} skipped' if skipped else ''))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
