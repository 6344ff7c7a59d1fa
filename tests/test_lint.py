"""The code passes ruff (rules E, F, I, N, B, S, UP as configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_ruff_passes(root: Path) -> None:
    cmd = [sys.executable, "-m", "ruff", "check", "api", "harness", "tests", "benchmarks"]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
