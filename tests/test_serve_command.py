"""`mhkg serve` (the README's run command) starts the service and answers over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request

from conftest import wait_for

from api.settings import project_root


def test_serve_command_answers_pages_and_health(built) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MHKG_BUILD_DIR": str(built[2])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)], cwd=project_root(), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_for(url + "/health", timeout=60, proc=proc), proc.stdout.read().decode() if proc.poll() is not None and proc.stdout else ""
        with urllib.request.urlopen(url + "/", timeout=10) as resp:  # noqa: S310
            page = resp.read().decode()
        assert '<html lang="sv">' in page and "Välj din organisation" in page
    finally:
        proc.terminate()
        proc.wait(timeout=20)
