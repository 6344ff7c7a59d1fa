"""A runaway public query is really stopped: 503 with a message, never a truncated 200, and the
service keeps answering meanwhile."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
import uvicorn
from conftest import wait_for

from api.store import EmbeddedStore
from api.web.main import create_app

CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"


@pytest.fixture(scope="module")
def limited_server(store: EmbeddedStore) -> Iterator[str]:
    app = create_app(store)
    app.state.mhkg.query_timeout = 2.0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    assert wait_for(url + "/health")
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def get(url: str, timeout: float = 60) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - local test server
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_runaway_query_is_stopped_and_health_keeps_answering(limited_server: str) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        start = time.monotonic()
        outcome["status"], outcome["body"] = get(limited_server + "/sparql?query=" + urllib.parse.quote(CARTESIAN))
        outcome["seconds"] = time.monotonic() - start

    t = threading.Thread(target=runaway)
    t.start()
    time.sleep(0.5)
    health_times = []
    while t.is_alive():
        start = time.monotonic()
        status, _ = get(limited_server + "/health", timeout=5)
        health_times.append(time.monotonic() - start)
        assert status == 200
        time.sleep(0.2)
    t.join()
    assert outcome["status"] == 503 and "was stopped" in str(outcome["body"])
    assert float(outcome["seconds"]) < 10  # stopped at the 2 s timeout, not run to the end
    assert health_times and max(health_times) < 1.0
    status, body = get(limited_server + "/sparql?query=" + urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?m a mh:Municipality }"))
    assert status == 200 and '"26"' in body  # a fresh worker answers the next query


def test_query_page_is_limited_too(limited_server: str) -> None:
    data = urllib.parse.urlencode({"query": CARTESIAN}).encode()
    req = urllib.request.Request(limited_server + "/query", data=data)  # noqa: S310 - local test server
    start = time.monotonic()
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
        page = resp.read().decode()
    assert time.monotonic() - start < 10 and "was stopped" in page
