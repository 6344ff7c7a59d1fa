"""Shared fixtures: one real build of the bundled knowledge per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.build import BuildReport, build
from api.config import project_root
from api.store import EmbeddedStore

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildReport, EmbeddedStore, Path]:
    """Build the real knowledge graph once, into a temporary build folder."""
    out = tmp_path_factory.mktemp("build")
    report, store = build(out=out)
    return report, store, out


@pytest.fixture(scope="session")
def store(built: tuple[BuildReport, EmbeddedStore, Path]) -> EmbeddedStore:
    return built[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return project_root()


@pytest.fixture()
def cli_env(built: tuple[BuildReport, EmbeddedStore, Path]) -> dict[str, str]:
    """Environment for running the ``mhkg`` command against the session's build."""
    return {**os.environ, "MHKG_BUILD_DIR": str(built[2])}


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``mhkg`` command (as ``python -m api.cli``, so no activated venv is needed)."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        input=stdin,
        check=False,
        cwd=project_root(),
    )
