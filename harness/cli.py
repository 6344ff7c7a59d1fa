"""The ``mhkg`` command, run as a child process the way a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``mhkg`` with ``args`` (as ``python -m api.cli``, so no activated venv is needed) and wait for it.

    Args:
        *args: The command line after ``mhkg``.
        env: Variables laid over this process's environment.
        stdin: Text fed to the command's standard input.

    Returns:
        The finished process, its output captured as text (a failing exit status raises nothing).
    """
    from api.settings import project_root

    return subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        input=stdin,
        check=False,
        cwd=project_root(),
    )
