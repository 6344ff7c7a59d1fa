"""Shared fixtures: one real build of the bundled knowledge per test session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.knowledge.build import BuildReport, build
from api.settings import project_root
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


@pytest.fixture(scope="session")
def live_server(store: EmbeddedStore) -> Iterator[str]:
    """The service on the bundled knowledge, served by uvicorn on a free loopback port (read-only use)."""
    import socket
    import threading

    import uvicorn

    from api.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    assert wait_for(url + "/health"), "the service did not start"
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def wait_for(url: str, *, timeout: float = 30, proc: subprocess.Popen[bytes] | None = None) -> bool:
    """Poll ``url`` until it answers (True), the process ``proc`` dies or ``timeout`` passes (False)."""
    import time
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - local test servers only
                return True
        except OSError:
            if proc is not None and proc.poll() is not None:
                return False
            time.sleep(0.1)
    return False


def wait_until(condition: Callable[[], bool], timeout: float = 5, *, every: float = 0.02) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` passes (its last value)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


@pytest.fixture()
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on loopback that records every connection it gets (the protected paths must send it none)."""
    received: list[bytes] = []
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    received.append(conn.recv(4096))
                except OSError:
                    received.append(b"")

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1], received
    stop.set()
    t.join(timeout=2)
    srv.close()
