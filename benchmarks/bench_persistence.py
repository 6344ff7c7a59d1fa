"""Persistence of submissions under concurrency and crashes: the numbers of the scenarios in harness/persistence.py.

Both scenarios run against the real service (``mhkg serve`` in its own process, on a fresh copy of the repository):
50 parallel submissions, then a submission loop killed with SIGKILL (three runs by default). The properties are
asserted by tests/store/test_persistence.py; this writes the numbers to benchmarks/results/persistence.{md,json}::

    python benchmarks/bench_persistence.py [--crash-runs 3] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from harness.persistence import crash, parallel  # noqa: E402 - after the path set-up


# ---------------------------------------------------------------------------- report
def main() -> None:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--crash-runs", type=int, default=3, help="SIGKILL runs (seeds 11, 12, …; default 3)")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()
    results = args.out
    with tempfile.TemporaryDirectory(prefix="mhkg-persistence-") as tmp:
        base = Path(tmp)
        build = base / "build"
        subprocess.run([sys.executable, "-m", "api.cli", "build", "--out", str(build)], cwd=ROOT, check=True, capture_output=True)
        (base / "p").mkdir()
        par = parallel(base / "p", build)
        print("parallel:", par)
        crashes = []
        for i, seed in enumerate(range(11, 11 + args.crash_runs)):
            (base / f"c{i}").mkdir()
            crashes.append(crash(base / f"c{i}", build, seed=seed))
            print("crash:", crashes[-1])
    data = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "parallel": asdict(par),
        "crash": [asdict(c) for c in crashes],
    }
    results.mkdir(parents=True, exist_ok=True)
    (results / "persistence.json").write_text(json.dumps(data, indent=2) + "\n")
    lines = [
        "# Persistence: parallel submissions and SIGKILL",
        "",
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}. Produced by `python benchmarks/bench_persistence.py`;",
        "the same scenarios (harness/persistence.py) run in `tests/store/test_persistence.py`, which asserts the properties below.",
        "",
        "## 50 parallel submissions",
        "",
        "40 distinct valid entries, 5 repeats of one of them and 5 invalid entries (no certainty), released together.",
        "",
        "| requests | statuses | accepted | 409 duplicate | 422 invalid | lost | corrupted | temporaries left | accepted in store | seconds | slowest request (s) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {par.requests} | {par.statuses} | {par.accepted} | {par.duplicates_refused} | {par.invalid_refused} | {par.lost} | {par.corrupted} "
        f"| {par.temporaries_left} | {par.in_store} | {par.seconds} | {par.max_request_seconds} |",
        "",
        "Submissions are written one at a time (validation in the context of the whole repository, then an atomic file",
        "write, then the store), so the slowest request waits for all the others: the time is the sum, not the maximum.",
        "",
        "## SIGKILL during a submission loop",
        "",
        "Two clients submit entries back to back; the server is killed with SIGKILL at a random moment (4–8 s) and started again.",
        "",
        "| run | acknowledged (201) | in flight when killed | entry files after the kill | partial files | temporaries after kill | "
        "temporaries after restart | acknowledged but missing after restart | present without acknowledgement | restart (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i, c in enumerate(crashes, 1):
        lines.append(
            f"| {i} | {c.acknowledged} | {c.in_flight_when_killed} | {c.files_after_kill} | {c.partial_files} | {c.temporaries_after_kill} "
            f"| {c.temporaries_after_restart} | {c.acknowledged_missing_after_restart} | {c.unacknowledged_but_present} | {c.restart_seconds} |"
        )
    lines += [
        "",
        "An entry whose file was complete on disk when the server died, but whose 201 never reached the client, is present after",
        "the restart (\"present without acknowledgement\"); a client that retries gets 409 for it, never a second copy.",
        "The restart rebuilds the release (HermiT included), because the new entry files are newer than the old release.",
        "",
    ]
    (results / "persistence.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
