"""Shared fixtures: one real build of the bundled knowledge per test session, a live service, a loopback listener.

The helpers themselves (free ports, live servers, waiting loops, the listener, ``run_cli``) live in ``harness/``,
shared with the benchmarks: import them from there (``from harness import run_cli``), not from this file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.knowledge.build import BuildReport, build
from api.settings import project_root
from api.store import EmbeddedStore
from harness import Listener, serve_app, wait_for

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


@pytest.fixture(scope="session")
def live_server(store: EmbeddedStore) -> Iterator[str]:
    """The service on the bundled knowledge, served by uvicorn on a free loopback port (read-only use)."""
    from api.web.app import create_app

    with serve_app(create_app(store)) as live:
        assert wait_for(live.url + "/health"), "the service did not start"
        yield live.url


@pytest.fixture()
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on loopback that records every connection it gets (the protected paths must send it none)."""
    with Listener() as listening:
        yield listening.port, listening.received
