"""Benchmark: what the endpoint's protections cost, as ratios against baselines in the same run.

    python benchmarks/bench_endpoint.py [--repeat 20] [--out benchmarks/results]

1. The parse policy: for every catalogue query, the time rdflib's parser takes to check it (first time, and
   again from the verdict cache) against the time pyoxigraph takes to evaluate it on the bundled knowledge.
2. A small public query end to end through the executor (policy and evaluation in a sandboxed worker, the
   answer back over the pipe) against the same query evaluated directly in this process.
3. ``/health`` latency with 50 runaway queries queued (fifty visitors, one loopback address each) against
   ``/health`` on the idle service, over real HTTP (``mhkg serve``'s server in a thread).

Results go to results/endpoint.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import platform
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from api.catalogue import catalogue  # noqa: E402 - after the path set-up
from api.vocab import PREFIXES  # noqa: E402
from harness import running  # noqa: E402

CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
SMALL = 'SELECT ?org ?label WHERE { ?org a mh:Committee ; rdfs:label ?label . FILTER(LANG(?label) = "sv") } ORDER BY ?label'


def _timed(fn: Any, repeat: int) -> float:
    """Median seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def policy_rows(store: Any, repeat: int) -> list[dict[str, Any]]:
    from api.sparql import policy

    rows = []
    for name, q in sorted(catalogue().items()):
        text = q.text
        policy._accepted.cache_clear()
        start = time.perf_counter()
        policy.check_query(text)
        first = time.perf_counter() - start
        cached = _timed(lambda t=text: policy.check_query(t), repeat)
        evaluate = _timed(lambda t=text: list(store.native.query(t, prefixes=PREFIXES)), max(3, repeat // 4))
        rows.append({"query": name, "chars": len(text), "parse_ms": first * 1e3, "cached_ms": cached * 1e3, "evaluate_ms": evaluate * 1e3})
    return rows


def end_to_end(store: Any, repeat: int) -> dict[str, float]:
    from api.sparql.executor import Job, QueryExecutor

    direct = _timed(lambda: store.native.query(SMALL, prefixes=PREFIXES).serialize(format=__import__("pyoxigraph").QueryResultsFormat.JSON), repeat)
    executor = QueryExecutor(store, workers=2, timeout=30)
    try:
        asyncio.run(executor.run(Job(SMALL)))  # start the workers and load the snapshot

        async def many() -> list[float]:
            out = []
            for _ in range(repeat):
                start = time.perf_counter()
                await executor.run(Job(SMALL))
                out.append(time.perf_counter() - start)
            return out

        through = statistics.median(asyncio.run(many()))
    finally:
        executor.close()
    return {"direct_ms": direct * 1e3, "executor_ms": through * 1e3, "ratio": through / direct}


def _get(port: int, path: str, source: str, timeout: float = 60) -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    start = time.perf_counter()
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        return r.status, time.perf_counter() - start
    finally:
        conn.close()


def health_under_load(store: Any, probes: int) -> dict[str, Any]:
    from api.web.app import create_app
    from api.web.server import build_server

    app = create_app(store)
    ready = threading.Event()
    server = build_server(app, host="127.0.0.1", port=0, ready=ready, log_level="warning")
    try:
        with running(server, start_timeout=30, stop_timeout=30) as live:
            port = live.port
            _get(port, "/sparql?query=" + urllib.parse.quote(SMALL), "127.0.0.2")  # workers up
            idle = [_get(port, "/health", "127.0.0.2")[1] for _ in range(probes)]
            statuses: list[int] = []
            path = "/sparql?query=" + urllib.parse.quote(CARTESIAN)
            hogs = [threading.Thread(target=lambda i=i: statuses.append(_get(port, path, f"127.0.0.{10 + i}")[0])) for i in range(50)]
            for t in hogs:
                t.start()
            time.sleep(2)
            loaded = [_get(port, "/health", "127.0.0.2")[1] for _ in range(probes)]
            for t in hogs:
                t.join(timeout=300)
    finally:
        app.state.mhkg.close()
    return {
        "idle_median_ms": statistics.median(idle) * 1e3,
        "queued_median_ms": statistics.median(loaded) * 1e3,
        "queued_max_ms": max(loaded) * 1e3,
        "ratio": statistics.median(loaded) / statistics.median(idle),
        "runaway_statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
    }


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        "# Endpoint benchmark: what the protections cost",
        "",
        f"Machine: {m['arch']}, {m['nproc']} cores, {m['python']}. Store: the bundled knowledge, {result['triples']} triples. "
        f"Medians of {result['repeat']} runs. Reproduce: `python benchmarks/bench_endpoint.py`.",
        "",
        "## The parse policy against evaluation (per catalogue query)",
        "",
        "| query | chars | policy, first (ms) | policy, cached (µs) | evaluation (ms) | first / evaluation |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in result["policy"]:
        lines.append(
            f"| {r['query']} | {r['chars']} | {r['parse_ms']:.1f} | {r['cached_ms'] * 1e3:.2f} | {r['evaluate_ms']:.1f} | {r['parse_ms'] / r['evaluate_ms']:.1f}× |"
        )
    e, h = result["end_to_end"], result["health"]
    lines += [
        "",
        f"In all: the first check of the {len(result['policy'])} queries took {sum(r['parse_ms'] for r in result['policy']):.0f} ms, their evaluation "
        f"{sum(r['evaluate_ms'] for r in result['policy']):.0f} ms. The policy runs in the worker, under the query's timeout and memory limit; "
        "a text seen before is not parsed again (the verdict cache, per worker).",
        "",
        "## A small query end to end",
        "",
        f"Direct evaluation in this process: {e['direct_ms']:.2f} ms; through the executor (cached policy verdict, sandboxed worker, "
        f"pipe): {e['executor_ms']:.2f} ms; ratio {e['ratio']:.1f}×.",
        "",
        "## /health with 50 runaway queries queued",
        "",
        f"Idle: median {h['idle_median_ms']:.2f} ms. With 50 runaway queries queued: median {h['queued_median_ms']:.2f} ms, "
        f"max {h['queued_max_ms']:.2f} ms; ratio {h['ratio']:.1f}×. The runaways' answers: {h['runaway_statuses']} (none is a 500).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()
    import os

    from api.knowledge.build import current_store

    store = current_store()
    result = {
        "machine": {"arch": platform.machine(), "nproc": os.cpu_count(), "python": f"{platform.python_implementation()} {platform.python_version()}"},
        "triples": store.count(),
        "repeat": args.repeat,
        "policy": policy_rows(store, args.repeat),
        "end_to_end": end_to_end(store, args.repeat),
        "health": health_under_load(store, args.repeat),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "endpoint.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "endpoint.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
