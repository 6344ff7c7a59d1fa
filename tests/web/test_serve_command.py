"""`mhkg serve` (the README's run command) starts the service and answers over HTTP."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from harness import mhkg_serve, wait_for


def test_serve_command_answers_pages_and_health(built, tmp_path: Path) -> None:
    with mhkg_serve(build_dir=built[2], log=tmp_path / "serve.log") as server:
        url = server.url
        assert wait_for(url + "/health", timeout=60, proc=server.proc), server.output() if server.proc.poll() is not None else ""
        with urllib.request.urlopen(url + "/", timeout=10) as resp:  # noqa: S310
            page = resp.read().decode()
        assert '<html lang="sv">' in page and "Välj din organisation" in page
