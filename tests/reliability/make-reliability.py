#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes docs/RELIABILITY.md from what the tests saw.

Every fault and hostile-input test writes one row per scenario it proved (what was made to go
wrong, how many times, and the result) to the file named by MEND_RELIABILITY_LOG; a test that
fails writes nothing for what it could not prove. This script runs the suite with that variable
set, optionally the libFuzzer targets and the soak, adds the rows of each fault together and
renders the table with the command that reproduces each row. It refuses to write the table when
any test failed, so the document never claims what the last run did not show.

    tests/reliability/make-reliability.py [--build build] [--fuzz-seconds N]
        [--soak-devices N --soak-seconds S] [--rows FILE] [--out docs/RELIABILITY.md]

--rows renders rows collected elsewhere instead of running anything, for example those of
`MEND_RELIABILITY_LOG=$PWD/rows.jsonl bash .ci/run`, which runs the suite, the suite again
under the sanitizers, and every fuzz target; --note says how they were made.
"""

import argparse
import collections
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Suites in the order the table shows them, with the heading each gets.
SECTIONS = [
    ("data", "On the device: the store"),
    ("photo", "On the device: photos"),
    ("gps", "On the device: GPS"),
    ("ui", "On the device: the touch interface"),
    ("e2e", "On the device: mendctl"),
    ("sync", "Between the device and HQ"),
    ("hq", "At HQ"),
    ("soak", "Soak: many devices, HQ and PostgreSQL restarted"),
    ("fuzz", "Hostile input: fuzzing"),
]
OUTCOMES = ("nothing lost", "refused with a message")
SANITIZER_ONLY = ("hq-http-fuzz",)


def meson_tests(build):
    """Maps each test program's file name to (meson test name, first suite)."""
    out = subprocess.run(["meson", "introspect", "--tests", build], check=True,
                         capture_output=True, text=True).stdout
    programs = {}
    for test in json.loads(out):
        suite = test["suite"][0].split(":")[-1] if test["suite"] else ""
        for part in test["cmd"]:
            name = os.path.basename(part)
            # A shell test's program is bash; the script it runs names it.
            if name in ("bash", "python3", "sh"):
                continue
            programs.setdefault(name, (test["name"], suite))
            break
    return programs


def run_suite(build, log, skip_suites):
    env = dict(os.environ, MEND_RELIABILITY_LOG=log)
    command = ["meson", "test", "-C", build, "--no-rebuild", "--print-errorlogs",
               "--num-processes", "2"]
    for suite in skip_suites:
        command += ["--no-suite", suite]
    # The touch interface's tests need a display and a session bus, as in CI.
    if not os.environ.get("DISPLAY") and shutil.which("xvfb-run"):
        command = ["dbus-run-session", "--", "xvfb-run", "-a", "-s",
                   "-screen 0 720x1440x24"] + command
        env.setdefault("GSK_RENDERER", "cairo")
    print("running:", " ".join(command), file=sys.stderr)
    return subprocess.run(command, env=env, cwd=ROOT).returncode


def read_rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{number}: not a JSON row: {e}")
            if row.get("outcome") not in OUTCOMES or not isinstance(row.get("tries"), int):
                sys.exit(f"{path}:{number}: a row needs tries and one of {OUTCOMES}")
            row["test"] = os.path.basename(row.get("test", ""))
            rows.append(row)
    return rows


def reproduce(row, programs, build):
    if row.get("command"):
        return row["command"]
    test = row.get("test", "")
    if test in programs:
        return f"meson test -C {build} {programs[test][0]}"
    # Built only with a sanitizer (tests/fuzz/meson.build): named after their program.
    if test in SANITIZER_ONLY:
        return f"meson test -C BUILD {test}  (BUILD configured with -Db_sanitize=address,undefined)"
    return test


def section_of(row, programs):
    if row.get("section"):
        return row["section"]
    test = row.get("test", "")
    if test in programs:
        return programs[test][1]
    if test.startswith("run-fuzzers") or test.startswith("fuzz-") or test in SANITIZER_ONLY:
        return "fuzz"
    if "soak" in test:
        return "soak"
    return "other"


def render(rows, programs, build, notes):
    grouped = collections.OrderedDict()
    for row in rows:
        key = (section_of(row, programs), row["fault"], row["outcome"])
        entry = grouped.setdefault(key, {"tries": 0, "runs": 0, "commands": []})
        entry["tries"] += row["tries"]
        entry["runs"] += 1
        command = reproduce(row, programs, build)
        if command not in entry["commands"]:
            entry["commands"].append(command)

    lines = [
        "# Reliability",
        "",
        "Each row is a fault or a hostile input the tests made happen, how many times in the",
        "run that produced this page, and what came of it: **nothing lost** (everything the",
        "supervisor recorded is still there and reaches HQ exactly once) or **refused with a",
        "message** (the input did not get through, nothing crashed, and whoever sent it was told",
        "why). A test writes its row only after its assertions held, so a row is what a passing",
        "test checked, not what was hoped.",
        "",
        "Produced by `tests/reliability/make-reliability.py`; do not edit by hand. Run it again",
        "after changing a fault test, and commit what it writes.",
        "",
    ]
    lines += notes + [""]
    known = [s for s, _ in SECTIONS]
    order = SECTIONS + [(s, s) for s in sorted({k[0] for k in grouped} - set(known))]
    total = 0
    for section, heading in order:
        keys = [k for k in grouped if k[0] == section]
        if not keys:
            continue
        lines += [f"## {heading}", "", "| Fault or hostile input | Tries | Result | Reproduce |",
                  "| --- | ---: | --- | --- |"]
        for key in sorted(keys, key=lambda k: k[1].lower()):
            entry = grouped[key]
            total += entry["tries"]
            commands = "<br>".join(f"`{c}`" for c in entry["commands"])
            lines.append(f"| {key[1]} | {entry['tries']:,} | {key[2]} | {commands} |")
        lines.append("")
    lines.append(f"{len(grouped)} rows, {total:,} tries in all.")
    lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build")
    parser.add_argument("--rows", help="render these rows instead of running the tests")
    parser.add_argument("--note", action="append", default=[],
                        help="a sentence for the page, e.g. how the saved rows were made")
    parser.add_argument("--fuzz-seconds", type=int, default=0)
    parser.add_argument("--soak-devices", type=int, default=0)
    parser.add_argument("--soak-seconds", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "RELIABILITY.md"))
    args = parser.parse_args()
    build = args.build

    programs = meson_tests(os.path.join(ROOT, build))
    notes = []
    if args.rows:
        rows = read_rows(args.rows)
        notes.append(f"Rows read from a saved run ({os.path.basename(args.rows)}).")
    else:
        with tempfile.TemporaryDirectory(prefix="mend-reliability-") as folder:
            log = os.path.join(folder, "rows.jsonl")
            open(log, "w").close()
            failed = run_suite(build, log, ["packaging", "style"])
            if failed:
                sys.exit("the suite failed: RELIABILITY.md is left as it was")
            env = dict(os.environ, MEND_RELIABILITY_LOG=log)
            if args.fuzz_seconds:
                script = os.path.join(ROOT, "tests", "fuzz", "run-fuzzers.sh")
                if subprocess.run(["bash", script, str(args.fuzz_seconds)], env=env,
                                  cwd=ROOT).returncode:
                    sys.exit("a fuzz target failed: RELIABILITY.md is left as it was")
                notes.append(f"Each libFuzzer target ran for {args.fuzz_seconds} s.")
            if args.soak_devices:
                script = os.path.join(ROOT, "tests", "soak", "run-soak.sh")
                command = ["bash", script, "--devices", str(args.soak_devices)]
                if args.soak_seconds:
                    command += ["--seconds", str(args.soak_seconds)]
                if subprocess.run(command, env=env, cwd=ROOT).returncode:
                    sys.exit("the soak failed: RELIABILITY.md is left as it was")
                notes.append(f"The soak ran {args.soak_devices} devices"
                             + (f" for {args.soak_seconds} s." if args.soak_seconds else "."))
            rows = read_rows(log)

    notes += args.note
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    today = datetime.date.today().isoformat()
    notes.insert(0, f"Last produced on {today} from commit `{commit or 'unknown'}` on "
                    f"{os.cpu_count()} CPU cores, Linux {platform.release().split('-')[0]}.")
    text = render(rows, programs, build, notes)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {args.out}: {len(rows)} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
