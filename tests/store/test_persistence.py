"""Submissions survive concurrency and crashes: all land or are refused, none lost or corrupted.

The scenarios live in harness/persistence.py (benchmarks/bench_persistence.py writes their numbers to
benchmarks/results/persistence.md); here they run against the real service and their
properties are asserted.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from api.curation import remove_temporaries
from api.store import EmbeddedStore
from api.web.app import create_app
from harness import ROOT
from harness import persistence as scenario


def test_fifty_parallel_submissions_all_land_or_are_refused(built, tmp_path: Path) -> None:
    result = scenario.parallel(tmp_path, built[2], distinct=40, duplicates=5, invalid=5)
    assert result.requests == 50
    assert result.statuses == {"201": 40, "409": 5, "422": 5}  # each repeat loses the race cleanly: 409, never 500
    assert result.lost == 0 and result.corrupted == 0 and result.temporaries_left == 0
    assert result.in_store == 40


def test_sigkill_during_a_submission_loop_loses_nothing_acknowledged(built, tmp_path: Path) -> None:
    result = scenario.crash(tmp_path, built[2], kill_after=4)
    assert result.acknowledged > 0  # the loop really wrote entries before the kill
    assert result.partial_files == 0
    assert result.temporaries_after_restart == 0
    assert result.acknowledged_missing_after_restart == 0


WRITER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from api.files import write_atomically

folder = Path({folder!r})
payload = (b"x" * 1023 + b"\\n") * 4096  # 4 MiB, ends with a newline: complete files are recognisable
n = 0
print("ready", flush=True)
while True:
    target = folder / f"entry-{{n}}.ttl"
    if {naive}:
        with open(target, "wb") as fh:
            for i in range(0, len(payload), 65536):
                fh.write(payload[i : i + 65536])
                fh.flush()
                time.sleep(0.002)
    else:
        write_atomically(target, payload)
    n += 1
"""


def _kill_writer(folder: Path, *, naive: bool, after: float) -> list[Path]:
    """Run a writer of 4 MiB files, SIGKILL it after ``after`` seconds; return the .ttl files it left."""
    root = str(ROOT)
    code = textwrap.dedent(WRITER.format(root=root, folder=str(folder), naive=naive))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
    time.sleep(after)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    return sorted(folder.glob("*.ttl"))


def _partial(files: list[Path]) -> list[Path]:
    return [p for p in files if p.stat().st_size != 4096 * 1024]


@pytest.mark.parametrize("after", [0.3, 0.7, 1.1])
def test_a_killed_writer_leaves_no_partial_entry(tmp_path: Path, after: float) -> None:
    folder = tmp_path / "evidence" / "entries"
    folder.mkdir(parents=True)
    files = _kill_writer(folder, naive=False, after=after)
    assert files and _partial(files) == []
    remove_temporaries(tmp_path)
    assert list(folder.glob(".*")) == []


def test_control_a_naive_writer_does_leave_partial_files(tmp_path: Path) -> None:
    """The witness above can fail: writing in place, a kill leaves a truncated entry behind."""
    for attempt in range(5):
        folder = tmp_path / str(attempt)
        folder.mkdir()
        if _partial(_kill_writer(folder, naive=True, after=0.5)):
            return
    pytest.fail("a naive writer killed mid-write never left a partial file")


def test_the_service_removes_stale_temporaries_at_start(store: EmbeddedStore, tmp_path: Path) -> None:
    folder = tmp_path / "evidence" / "entries"
    folder.mkdir(parents=True)
    stale = folder / ".some-entry.ttl.abc123.tmp"
    stale.write_bytes(b"@prefix mh: <https://w3id.org/mhkg/ontology#> .\n<https://w3id.org/mhkg/id/evidence/some-entry> a mh:Evid")
    kept = folder / "kept.ttl"
    kept.write_text("# an entry\n")
    create_app(store, root=tmp_path)
    assert not stale.exists() and kept.exists()
