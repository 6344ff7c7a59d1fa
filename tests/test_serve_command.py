"""`mhkg serve` (the README's run command) starts the service and answers over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

from api.config import project_root


def test_serve_command_answers_pages_and_health(built) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MHKG_BUILD_DIR": str(built[2])}
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)], cwd=project_root(), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as resp:  # noqa: S310 - local server
                    assert resp.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.time() < deadline, "the service did not start"
                time.sleep(0.2)
        with urllib.request.urlopen(url + "/", timeout=10) as resp:  # noqa: S310
            page = resp.read().decode()
        assert '<html lang="sv">' in page and "Välj din organisation" in page
    finally:
        proc.terminate()
        proc.wait(timeout=20)
