"""Type hints everywhere, checked: mypy (its settings in pyproject.toml) finds no error in api/ or harness/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_the_package_and_the_harness_type_check() -> None:
    result = mypy()
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Success" in result.stdout


def test_mypy_does_find_a_type_error(tmp_path: Path) -> None:
    """The check can fail: a module with a wrong return type is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f() -> int:\n    return 'one'\n", encoding="utf-8")
    result = mypy("--config-file", str(ROOT / "pyproject.toml"), str(bad))
    assert result.returncode == 1 and "Incompatible return value type" in result.stdout
