"""Load: short bounded runs of the load generator (harness/loadgen.py) against the running service.

These tests assert correctness under 50 concurrent clients — no errors, every answer 200 with the right
body — and never a timing: the speed is in benchmarks/results/load.md (benchmarks/bench_load.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.store import EmbeddedStore
from harness import loadgen, mhkg_serve, serve_app

CLIENTS = 50
CORPUS = Path(__file__).parents[1] / "data" / "validation"
TOKEN = "load-test-token-7c2e"  # noqa: S105 - a test token


@pytest.fixture(scope="module")
def service(built) -> Iterator[tuple[str, int]]:
    """`mhkg serve` (the real command, one uvicorn process) on the session's build."""
    with mhkg_serve(build_dir=built[2]) as server:
        server.wait_ready(timeout=120)
        yield server.host, server.port


def _prepared(name: str, host: str, port: int) -> loadgen.Target:
    target = loadgen.targets()[name]
    asyncio.run(loadgen.prepare(target, host, port))  # the reference answer is checked for its content here
    return target


@pytest.mark.parametrize("name", ["organisation page", "measures API", "SPARQL endpoint"])
def test_fifty_clients_get_only_right_answers(service: tuple[str, int], name: str) -> None:
    host, port = service
    target = _prepared(name, host, port)
    result = asyncio.run(loadgen.closed_loop(target, host, port, clients=CLIENTS, duration=2))
    assert result.requests > 0
    assert result.errors == 0, result.error_kinds


def test_paced_measures_answer_every_request_right(service: tuple[str, int]) -> None:
    host, port = service
    target = _prepared("measures API", host, port)
    result = asyncio.run(loadgen.open_loop(target, host, port, clients=CLIENTS, rate=200, duration=2))
    assert result.requests == 400  # every scheduled request was sent and answered
    assert result.errors == 0, result.error_kinds


def test_wrong_answers_are_counted_as_errors(service: tuple[str, int]) -> None:
    """The checks are not vacuous: a wrong body, a wrong status and a wrong reference are all caught."""
    host, port = service
    target = _prepared("measures API", host, port)
    other_body = dataclasses.replace(target, path=target.path + "?limit=1")  # 200, JSON, but not the reference answer
    missing = dataclasses.replace(target, path="/api/v1/organisations/nobody/measures")  # 404
    for broken in (other_body, missing):
        result = asyncio.run(loadgen.closed_loop(broken, host, port, clients=5, duration=0.5))
        assert result.requests > 0 and result.errors == result.requests, result.summary()
    assert set(result.error_kinds) == {"status 404"}
    wrong_facts = loadgen.targets(loadgen.Expectation(measures=("no-such-measure",)))["organisation page"]
    with pytest.raises(AssertionError, match="does not list no-such-measure"):
        asyncio.run(loadgen.prepare(wrong_facts, host, port))


def test_a_write_under_load_shows_in_every_answer_asked_after_it(built, root: Path, tmp_path: Path) -> None:
    """The kept answers (per data version) never outlive a write: a submission made while 50 clients read the
    measures is in every answer to a request sent after the submission was accepted."""
    from api.web.app import create_app

    for folder in ("ontology", "evidence", "shapes", "queries"):
        shutil.copytree(root / folder, tmp_path / folder)
    store = EmbeddedStore()
    store.add_triples(built[1].triples())
    with serve_app(create_app(store, root=tmp_path, token=TOKEN)) as live:
        url, port = live.url, live.port
        answers: list[tuple[float, float, bytes]] = []  # (sent, answered, body)
        # the culture committee's measures, drafts counted (a submitted entry is a draft): the new entry makes digital
        # skills training for older people, delivered by public libraries, a measure in its local community
        target = dataclasses.replace(
            loadgen.targets()["measures API"],
            path="/api/v1/organisations/kulturnamnden/measures?min_status=draft",
            observe=lambda start, status, body: answers.append((start, time.perf_counter(), body)),
        )
        text = (
            (CORPUS / "valid" / "entry-citing-existing-source.ttl")
            .read_text()
            .replace("iv:school-sel", "iv:digital-skills-training-older-people")
            .replace("setting:compulsory-school", "setting:local-community")
            .replace("stage:children", "stage:older-people")
        )
        sent: list[float] = []
        accepted: list[float] = []

        check = urllib.request.Request(url + "/api/v1/validate", data=text.encode(), headers={"Content-Type": "text/turtle"})  # noqa: S310 - loopback
        with urllib.request.urlopen(check, timeout=60) as resp:  # noqa: S310 - compiles the shapes before the load starts
            assert json.loads(resp.read())["conforms"] is True

        def submit() -> None:
            deadline = time.time() + 60
            while len(answers) < 100 and time.time() < deadline:  # write only once the load is answering
                time.sleep(0.01)
            req = urllib.request.Request(  # noqa: S310 - loopback
                url + "/api/v1/evidence", data=text.encode(), headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"}
            )
            sent.append(time.perf_counter())
            with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - loopback
                assert resp.status == 201
            accepted.append(time.perf_counter())

        writer = threading.Thread(target=submit)
        writer.start()
        results = []
        while writer.is_alive() and len(results) < 60:  # load until the submission is accepted (at most ~60 s) …
            results.append(asyncio.run(loadgen.closed_loop(target, "127.0.0.1", port, clients=CLIENTS, duration=1)))
        writer.join()
        results.append(asyncio.run(loadgen.closed_loop(target, "127.0.0.1", port, clients=CLIENTS, duration=1)))  # … and a second after
    assert sum(r.errors for r in results) == 0, [r.error_kinds for r in results]
    assert accepted, "the submission was not accepted"

    def has_new(body: bytes) -> bool:
        return "digital-skills-training-older-people" in {m["id"] for m in json.loads(body)["items"]}

    before = [body for _, answered, body in answers if answered < sent[0]]
    after = [body for start, _, body in answers if start > accepted[0]]
    assert before and after
    assert not any(has_new(b) for b in before)
    assert all(has_new(b) for b in after), f"{sum(not has_new(b) for b in after)} of {len(after)} answers after the write were stale"
