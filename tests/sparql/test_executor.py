"""The query workers: the network-less sandbox, the memory limit, dead workers, fair scheduling without
threads, and one snapshot per data version. Each protection is shown next to the unprotected path."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import random
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest
import uvloop

from api.sparql.executor import Answer, ClientLimitError, Job, QueryExecutor, QueryRefusedError, WorkerFailedError
from api.store import EmbeddedStore
from api.web.app import create_app
from api.web.errors import status_of  # statuses live in the web boundary's table, not on the exceptions
from harness import running, wait_for, wait_until

CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
GREEDY = "SELECT (STRLEN(GROUP_CONCAT(?c)) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # a string of 27 M values, over 300 triples


def run(executor: QueryExecutor, text: str, *, client: str = "-") -> Answer:
    return asyncio.run(executor.run(Job(text), client=client))


@pytest.fixture()
def small_store() -> EmbeddedStore:
    s = EmbeddedStore()
    n = ox.NamedNode
    s.add_triples([ox.Triple(n(f"http://example.org/s{i}"), n("http://example.org/p"), ox.Literal(f"value {i}")) for i in range(300)])
    return s


# ------------------------------------------------------------------------------------------- network
@pytest.mark.parametrize(("deny_network", "connects"), [pytest.param(True, False, id="sandboxed"), pytest.param(False, True, id="control-unsandboxed")])
def test_with_the_policy_off_only_the_sandbox_stops_service(
    small_store: EmbeddedStore, listener: tuple[int, list[bytes]], deny_network: bool, connects: bool
) -> None:
    """The parse policy is switched off: a SERVICE query reaches the engine. In a sandboxed worker it makes no
    connection at all; in a worker without the filter (the control) the same query does connect."""
    port, received = listener
    executor = QueryExecutor(small_store, workers=1, timeout=10, policy=False, deny_network=deny_network)
    try:
        with pytest.raises(Exception, match="(?i)error|fail|denied|permission"):
            run(executor, f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}")
    finally:
        executor.close()
    assert wait_until(lambda: bool(received), timeout=2) is connects
    if connects:
        assert received[0].startswith(b"POST /sparql")


def test_the_policy_refuses_before_the_engine_sees_it(small_store: EmbeddedStore, listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    executor = QueryExecutor(small_store, workers=1, deny_network=False)  # only the policy stands in the way here
    try:
        with pytest.raises(QueryRefusedError, match="SERVICE is not allowed"):
            run(executor, f"SELECT * WHERE {{ OPTIONAL {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }} }}")
    finally:
        executor.close()
    time.sleep(0.3)
    assert received == []


# ------------------------------------------------------------------------------------------- memory and crashes
def test_a_worker_over_its_memory_limit_is_a_503_and_is_replaced(small_store: EmbeddedStore) -> None:
    executor = QueryExecutor(small_store, workers=1, timeout=60, memory_mb=300)
    try:
        with pytest.raises(WorkerFailedError, match="more memory than a query may use") as caught:
            run(executor, GREEDY)
        assert status_of(caught.value) == 503
        rows = run(executor, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")  # the replacement answers
        assert b'"300"' in rows.body
    finally:
        executor.close()


def test_control_without_the_limit_the_same_query_grows_past_it(small_store: EmbeddedStore) -> None:
    """The control: with no limit the worker survives the query (so the 503 above is the limit's doing)."""
    executor = QueryExecutor(small_store, workers=1, timeout=120, memory_mb=None)
    try:
        answer = run(executor, GREEDY)
        length = int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])
        assert length > 200 * 1024 * 1024  # the string alone is most of the limit above, the evaluation needs more
    finally:
        executor.close()


def test_a_crashed_worker_is_a_503_never_a_500(small_store: EmbeddedStore) -> None:
    """With the policy off, 5,000 nested groups overflow the engine's parser stack (a segfault): 503, and a new worker."""
    deep = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    executor = QueryExecutor(small_store, workers=1, timeout=30, policy=False)
    try:
        with pytest.raises(WorkerFailedError, match="stopped its worker unexpectedly") as caught:
            run(executor, deep)
        assert status_of(caught.value) == 503
        assert run(executor, "ASK { ?s ?p ?o }").kind == "boolean"
    finally:
        executor.close()
    protected = QueryExecutor(small_store, workers=1, timeout=30)
    try:
        with pytest.raises(QueryRefusedError, match=r"nests deeper .* \(line 1, column \d+\)"):
            run(protected, deep)
    finally:
        protected.close()


# ------------------------------------------------------------------------------------------- event loops
def test_control_uvloop_leaves_a_watched_pipe_non_blocking() -> None:
    """The hazard the executor guards against: after add_reader and remove_reader on uvloop (the server's loop), the fd
    stays non-blocking, so a plain recv of a message still on its way fails with BlockingIOError. asyncio's own loop
    leaves the fd alone."""

    async def watched(fd: int) -> bool:
        loop = asyncio.get_running_loop()
        loop.add_reader(fd, lambda: None)
        loop.remove_reader(fd)
        return os.get_blocking(fd)

    for runner, blocking in ((asyncio.run, True), (uvloop.run, False)):
        left, right = socket.socketpair()
        with left, right:
            assert runner(watched(left.fileno())) is blocking
            if not blocking:
                with pytest.raises(BlockingIOError):
                    left.recv(1)


@pytest.mark.parametrize("runner", [pytest.param(asyncio.run, id="asyncio"), pytest.param(uvloop.run, id="uvloop")])
def test_large_answers_and_large_catch_ups_arrive_whole_on_either_loop(runner: Any) -> None:
    """Answers far larger than a pipe's buffer, and a catch-up of 20,000 new quads sent to the worker, go through whole
    on both event loops, ten times over: the answer is read only once it is all there, never taken for a dead worker."""
    n = ox.NamedNode
    store = EmbeddedStore()
    store.add_triples([ox.Triple(n(f"http://example.org/s{i}"), n("http://example.org/p"), ox.Literal(f"value {i} " + "x" * 200)) for i in range(3000)])
    executor = QueryExecutor(store, workers=1, timeout=60, max_rows=50_000)

    async def rows() -> list[int]:
        seen = []
        for _ in range(10):
            answer = await executor.run(Job("SELECT * WHERE { ?s ?p ?o }"))
            seen.append(len(json.loads(answer.body)["results"]["bindings"]))
        return seen

    try:
        assert runner(rows()) == [3000] * 10  # each answer is about 900 kB
        store.add_triples([ox.Triple(n(f"http://example.org/new{i}"), n("http://example.org/p"), ox.Literal("y" * 100)) for i in range(20_000)])
        assert runner(rows()) == [23_000] * 10
        assert executor.snapshots_written == 1  # the 20,000 quads went as a change, not a new snapshot
    finally:
        executor.close()


# ------------------------------------------------------------------------------------------- snapshots
def count(executor: QueryExecutor, *, client: str = "-") -> int:
    answer = run(executor, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", client=client)
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def test_workers_catch_up_by_the_changes_without_a_new_snapshot(small_store: EmbeddedStore) -> None:
    executor = QueryExecutor(small_store, workers=1, timeout=30)
    n = ox.NamedNode
    try:
        assert count(executor) == 300
        first = executor.snapshots()
        for i in range(4):
            small_store.add_triples([ox.Triple(n(f"http://example.org/new{i}"), n("http://example.org/p"), ox.Literal("x"))])
            assert count(executor) == 301 + i  # the worker sees the write
        assert executor.snapshots_written == 1 and executor.snapshots() == first  # the store was serialised once, at the start
    finally:
        executor.close()


def test_control_without_the_changes_a_snapshot_per_data_version_old_ones_removed(small_store: EmbeddedStore) -> None:
    executor = QueryExecutor(small_store, workers=1, timeout=30, changes=False)
    n = ox.NamedNode
    try:
        for i in range(4):
            small_store.add_triples([ox.Triple(n(f"http://example.org/new{i}"), n("http://example.org/p"), ox.Literal("x"))])
            assert count(executor) == 301 + i
            files = executor.snapshots()
            assert len(files) == 1 and small_store.data_version().replace("+", "-") in files[0].name
        assert executor.snapshots_written == 4
    finally:
        executor.close()


def test_a_write_whose_change_is_unknown_gets_a_new_snapshot(small_store: EmbeddedStore) -> None:
    executor = QueryExecutor(small_store, workers=1, timeout=30)
    try:
        assert count(executor) == 300
        small_store.update("INSERT DATA { <http://example.org/u> <http://example.org/p> 1 }")  # a SPARQL Update names no change
        assert count(executor) == 301
        assert executor.snapshots_written == 2 and len(executor.snapshots()) == 1
    finally:
        executor.close()


def test_a_new_worker_loads_the_snapshot_then_the_changes_since(small_store: EmbeddedStore) -> None:
    """Two workers: the first holds the start; after two writes, both answer at once, one by the changes, the new one
    by the first snapshot and the changes since (no second snapshot)."""
    executor = QueryExecutor(small_store, workers=2, timeout=30)
    n, p = ox.NamedNode, ox.NamedNode("http://example.org/p")
    try:
        assert count(executor) == 300
        small_store.replace_subjects([n("http://example.org/s0")], [ox.Triple(n("http://example.org/s0"), p, ox.Literal("changed"))])
        small_store.add_triples([ox.Triple(n("http://example.org/more"), p, ox.Literal("x"))])

        async def both() -> list[Any]:
            text = "SELECT ?o WHERE { <http://example.org/s0> ?p ?o }"
            return list(await asyncio.gather(*(executor.run(Job(text), client=c) for c in ("a", "b"))))

        for answer in asyncio.run(both()):
            assert [b["o"]["value"] for b in json.loads(answer.body)["results"]["bindings"]] == ["changed"]
        assert count(executor, client="a") == count(executor, client="b") == 301
        assert executor.snapshots_written == 1
    finally:
        executor.close()


def test_random_writes_are_seen_exactly_by_every_worker() -> None:
    """A seeded random sequence of writes of every kind, each followed by the whole graph read through two workers at
    once: each answer is exactly the store's content."""
    rng = random.Random(17)  # noqa: S311 - a reproducible test sequence, not a secret
    store = EmbeddedStore(keep_changes=6)
    n, p = ox.NamedNode, ox.NamedNode("http://example.org/p")
    executor = QueryExecutor(store, workers=2, timeout=30)
    everything = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    try:
        for step in range(40):
            subject = n(f"http://example.org/s{rng.randrange(12)}")
            kind = rng.choice(["add", "replace", "replace", "remove", "update"])
            if kind == "add":
                store.add_triples([ox.Triple(subject, p, ox.Literal(f"v{step}-{i}")) for i in range(rng.randrange(1, 4))])
            elif kind == "replace":
                store.replace_subjects([subject], [ox.Triple(subject, p, ox.Literal(f"r{step}"))])
            elif kind == "remove":
                store.replace_subjects([subject], [])
            else:
                store.update(f"INSERT DATA {{ {subject} {p} 'u{step}' }}")
            wanted = sorted((r["s"].value, r["o"].value) for r in store.select(everything))

            async def both() -> list[Any]:
                return list(await asyncio.gather(*(executor.run(Job(everything), client=c) for c in ("a", "b"))))

            for answer in asyncio.run(both()):
                got = sorted((b["s"]["value"], b["o"]["value"]) for b in json.loads(answer.body)["results"]["bindings"])
                assert got == wanted, f"step {step} ({kind})"
        assert executor.snapshots_written < 40 / 2  # most writes were caught up with by their changes
    finally:
        executor.close()


def test_named_graphs_reach_the_workers(small_store: EmbeddedStore) -> None:
    n = ox.NamedNode
    small_store.add_quads([ox.Quad(n("http://example.org/a"), n("http://example.org/p"), n("http://example.org/b"), n("http://example.org/g"))])
    executor = QueryExecutor(small_store, workers=1, timeout=30)
    try:
        named = asyncio.run(executor.run(Job("SELECT ?s WHERE { ?s ?p ?o }", default_graph=("http://example.org/g",), named_graphs=())))
        assert b"http://example.org/a" in named.body and b"example.org/s1" not in named.body
        absent = asyncio.run(executor.run(Job("SELECT ?s WHERE { ?s ?p ?o }", default_graph=("http://example.org/absent",), named_graphs=())))
        assert b'"bindings":[]' in absent.body
    finally:
        executor.close()


# ------------------------------------------------------------------------------------------- fairness
def test_one_client_cannot_hold_every_worker(small_store: EmbeddedStore) -> None:
    """Client A sends runaway queries: it runs one at a time (of two workers), waits for the rest, and past its
    in-flight cap is refused at once with 429 and Retry-After; client B still gets its answer at once."""
    executor = QueryExecutor(small_store, workers=2, timeout=4, per_client_queued=3)

    async def scenario() -> tuple[list[object], object, float]:
        await asyncio.gather(executor.run(Job("ASK {}"), client="warm-1"), executor.run(Job("ASK {}"), client="warm-2"))  # both workers up
        hogs = [asyncio.create_task(executor.run(Job(CARTESIAN), client="A")) for _ in range(3)]
        await asyncio.sleep(1.0)
        start = time.monotonic()
        other = await executor.run(Job("ASK { ?s ?p ?o }"), client="B")
        waited = time.monotonic() - start
        with pytest.raises(ClientLimitError) as refused:
            await executor.run(Job("ASK {}"), client="A")
        assert status_of(refused.value) == 429 and refused.value.retry_after
        return await asyncio.gather(*hogs, return_exceptions=True), other, waited

    try:
        hogs, other, waited = asyncio.run(scenario())
    finally:
        executor.close()
    assert other.kind == "boolean" and waited < 3  # not held for the runaways' whole timeout
    assert all(isinstance(h, Exception) and status_of(h) == 503 for h in hogs)


def test_control_without_the_per_client_limit_the_runaways_hold_every_worker(small_store: EmbeddedStore) -> None:
    executor = QueryExecutor(small_store, workers=2, timeout=3, per_client_running=2)

    async def scenario() -> float:
        await asyncio.gather(executor.run(Job("ASK {}"), client="warm-1"), executor.run(Job("ASK {}"), client="warm-2"))  # both workers up
        hogs = [asyncio.create_task(executor.run(Job(CARTESIAN), client="A")) for _ in range(2)]
        await asyncio.sleep(1.0)
        start = time.monotonic()
        try:
            await executor.run(Job("ASK { ?s ?p ?o }"), client="B")
        except Exception:  # noqa: BLE001, S110 - busy or not, what matters is how long B waited
            pass
        waited = time.monotonic() - start
        await asyncio.gather(*hogs, return_exceptions=True)
        return waited

    try:
        waited = asyncio.run(scenario())
    finally:
        executor.close()
    assert waited > 1.5  # B waited for a runaway to be stopped


# ------------------------------------------------------------------------------------------- waiting holds no thread
@pytest.fixture()
def served(small_store: EmbeddedStore) -> Iterator[str]:
    from api.web.server import build_server

    app = create_app(small_store)
    app.state.mhkg.query_timeout = 8.0
    ready = threading.Event()
    server = build_server(app, host="127.0.0.1", port=0, ready=ready, log_level="warning")
    with running(server, start_timeout=30) as live:
        assert ready.wait(30)
        url = live.url
        assert wait_for(url + "/health")
        yield url


def _request(url: str, path: str, source: str, timeout: float = 60) -> tuple[int, float]:
    """The answer's status, and when it arrived (``time.monotonic()``: for ordering answers, never as a bound)."""
    parsed = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic()
    finally:
        conn.close()


def test_health_answers_at_once_while_50_runaway_queries_wait(served: str) -> None:
    """Fifty visitors (fifty loopback addresses) each send a runaway query; every /health and /ready probe sent
    while they wait is answered before the first runaway is stopped (at the query timeout), and no query gets a 500."""
    path = "/sparql?query=" + urllib.parse.quote(CARTESIAN)
    results: list[tuple[int, float]] = []
    threads = [threading.Thread(target=lambda i=i: results.append(_request(served, path, f"127.0.0.{10 + i}"))) for i in range(50)]
    for t in threads:
        t.start()
    time.sleep(2.0)  # all fifty are in: two running, the rest waiting
    probes = [_request(served, p, "127.0.0.2", timeout=5) for p in ("/health", "/ready") * 10]
    for t in threads:
        t.join(timeout=120)
    assert all(status == 200 for status, _ in probes)
    assert len(results) == 50
    assert max(at for _, at in probes) < min(at for _, at in results), "a probe waited for a runaway query"
    assert len(results) == 50 and all(status in (503, 429) for status, _ in results), sorted({s for s, _ in results})
