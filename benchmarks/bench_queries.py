"""Benchmark: the committee-measures query at 1k / 10k / 100k synthetic interventions.

    python benchmarks/bench_queries.py [--sizes 1000,10000,100000] [--rdflib-limit 10000] [--out benchmarks/results]

For each size (number of synthetic interventions), a deterministic synthetic repository
(benchmarks/synthetic.py: one evidence entry per two interventions, one source per ten interventions) is added to the real inferred release and written as N-Triples. Each
configuration then runs in its own process (so load time, cold start and peak memory are its own):

* embedded, in memory: bulk load; committee-measures uncached (the catalogue query), cached
  (QueryRunner, keyed on the data version, without the index; then one write and the first query after it);
* embedded, on disk: cold start = open the existing store and answer the first query;
* Oxigraph server (`oxigraph load` + `oxigraph serve`): the same query over HTTP;
* rdflib Graph: parse and the same query with rdflib's SPARQL engine (up to --rdflib-limit, or with a time cap).

Latencies are medians of repeated runs. Results go to results/queries.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

ORG = "https://w3id.org/mhkg/id/organisation/trafiknamnden"


def rss_mb() -> float:
    """Current resident memory of this process, in MB (Linux /proc; peak RSS elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 3)


# ------------------------------------------------------------------ workers (run in subprocesses)
def worker_embedded(data: str) -> dict:
    import gc

    import pyoxigraph as ox

    from api.catalogue import QueryRunner, get_query
    from api.store import EmbeddedStore

    gc.collect()
    base = rss_mb()
    start = time.perf_counter()
    store = EmbeddedStore()
    store.load_file(Path(data), ox.RdfFormat.N_TRIPLES)
    load_s = time.perf_counter() - start
    memory_after_load = rss_mb() - base
    text = get_query("committee-measures").bind({"org": ORG})
    rows = len(store.select(text))
    uncached = median_ms(lambda: store.select(text), 7)
    runner = QueryRunner(store)
    runner.run("committee-measures", {"org": ORG})
    cached = median_ms(lambda: runner.run("committee-measures", {"org": ORG}), 1000)
    store.add_triples(
        [
            ox.Triple(
                ox.NamedNode("https://w3id.org/mhkg/id/evidence/bench-write"),
                ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                ox.Literal("a write"),
            )
        ]
    )
    start = time.perf_counter()
    runner.run("committee-measures", {"org": ORG})
    after_write = (time.perf_counter() - start) * 1000
    memory = memory_after_load
    return {
        "triples": len(store),
        "rows": rows,
        "load_s": round(load_s, 2),
        "memory_mb": round(memory, 1),
        "uncached_ms": uncached,
        "cached_ms": cached,
        "first_after_write_ms": round(after_write, 2),
    }


def worker_disk_load(data: str, location: str) -> dict:
    import pyoxigraph as ox

    start = time.perf_counter()
    store = ox.Store(location)
    store.bulk_load(path=data, format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    return {"disk_load_s": round(time.perf_counter() - start, 2)}


def worker_disk_cold(location: str) -> dict:
    import pyoxigraph as ox

    from api.catalogue import get_query

    start = time.perf_counter()
    store = ox.Store(location)
    text = get_query("committee-measures").bind({"org": ORG})
    list(store.query(text))
    return {"cold_start_ms": round((time.perf_counter() - start) * 1000, 1), "cold_memory_mb": round(rss_mb(), 1)}


def worker_rdflib(data: str) -> dict:
    import rdflib

    from api.catalogue import get_query

    base = rss_mb()
    start = time.perf_counter()
    g = rdflib.Graph()
    g.parse(data, format="nt")
    load_s = time.perf_counter() - start
    text = get_query("committee-measures").bind({"org": ORG})
    ms = median_ms(lambda: list(g.query(text)), 1)
    return {"rdflib_load_s": round(load_s, 1), "rdflib_ms": ms, "rdflib_memory_mb": round(rss_mb() - base, 1)}


def run_worker(name: str, *args: str, timeout: float) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--worker", name, *args], capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ server
def asker(url: str, text: str, *, timeout: float):
    """Two functions for a SPARQL server at ``url``: one that asks it ``text`` (the JSON answer), one that tells whether it answers yet."""
    body = urllib.parse.urlencode({"query": text}).encode()

    def ask() -> bytes:
        req = urllib.request.Request(url, data=body, headers={"Accept": "application/sparql-results+json"})  # noqa: S310
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - a local server
            return resp.read()

    def answered() -> bool:
        try:
            ask()
        except OSError:
            return False
        return True

    return ask, answered


def server_run(data: str, workdir: Path) -> dict:
    from api.catalogue import get_query
    from harness import oxigraph_binary, oxigraph_serve, wait_until

    location = workdir / "server-db"
    start = time.perf_counter()
    subprocess.run([str(oxigraph_binary()), "load", "--location", str(location), "--file", data], check=True, capture_output=True)
    load_s = time.perf_counter() - start
    server = oxigraph_serve(location, read_only=True)
    url = server.url + "/query"
    text = get_query("committee-measures").bind({"org": ORG})
    ask, answered = asker(url, text, timeout=600)

    with server:
        start = time.perf_counter()
        if not wait_until(answered, timeout=120, every=0.1):
            raise RuntimeError("the Oxigraph server did not answer within 120 s")
        cold_ms = (time.perf_counter() - start) * 1000
        ms = median_ms(ask, 7)
    return {"server_load_s": round(load_s, 2), "server_first_query_ms": round(cold_ms, 1), "server_ms": ms}


def run(sizes: list[int], rdflib_limit: int, rdflib_cap: float) -> dict:
    import pyoxigraph as ox
    from synthetic import synthetic_triples

    from api.knowledge.build import build_dir

    release = build_dir() / "mhkg-inferred.nt"
    if not release.exists():
        subprocess.run([sys.executable, "-m", "api.cli", "build"], check=True, cwd=ROOT)
    rows = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="mhkg-bench-") as tmp:
            work = Path(tmp)
            data = work / "data.nt"
            shutil.copy(release, data)
            with data.open("ab") as fh:
                fh.write(ox.serialize(synthetic_triples(size // 2, interventions=size, sources=max(1, size // 10)), format=ox.RdfFormat.N_TRIPLES))
            row: dict = {"interventions": size}
            row.update(run_worker("embedded", str(data), timeout=3600))
            row.update(run_worker("disk_load", str(data), str(work / "disk"), timeout=3600))
            row.update(run_worker("disk_cold", str(work / "disk"), timeout=600))
            row.update(server_run(str(data), work))
            if size <= rdflib_limit:
                try:
                    row.update(run_worker("rdflib", str(data), timeout=rdflib_cap))
                except subprocess.TimeoutExpired:
                    row["rdflib_ms"] = None
                    row["rdflib_note"] = f"stopped after {rdflib_cap:.0f} s"
            if row.get("rdflib_ms"):
                row["uncached_vs_rdflib"] = round(row["rdflib_ms"] / row["uncached_ms"], 1)
            row["cached_vs_uncached"] = round(row["uncached_ms"] / max(row["cached_ms"], 0.001), 1)
            rows.append(row)
            print(json.dumps(row), flush=True)
    return {"machine": f"{platform.machine()}, {os.cpu_count()} cores, CPython {platform.python_version()}", "organisation": ORG, "rows": rows}


def markdown(result: dict) -> str:
    lines = [
        "| interventions | triples | rows | load (memory) | cold start (disk) | uncached | cached | first after a write | Oxigraph server | rdflib |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        rdf = f"{r['rdflib_ms']:.0f} ms" if r.get("rdflib_ms") else r.get("rdflib_note", "not run")
        lines.append(
            f"| {r['interventions']:,} | {r['triples']:,} | {r['rows']} | {r['load_s']} s ({r['memory_mb']:.0f} MB) | {r['cold_start_ms']:.0f} ms | "
            f"{r['uncached_ms']:.1f} ms | {r['cached_ms']:.3f} ms | {r['first_after_write_ms']:.1f} ms | {r['server_ms']:.1f} ms | {rdf} |"
        )
    lines.append("")
    for r in result["rows"]:
        extra = f", {r['uncached_vs_rdflib']}× faster than rdflib" if r.get("uncached_vs_rdflib") else ""
        lines.append(f"* {r['interventions']:,}: cached {r['cached_vs_uncached']}× faster than uncached{extra}.")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker")
    ap.add_argument("args", nargs="*")
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--rdflib-limit", type=int, default=100000)
    ap.add_argument("--rdflib-cap", type=float, default=120)
    ap.add_argument("--out", default=str(HERE / "results"))
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(globals()[f"worker_{args.worker}"](*args.args)))
        return
    result = run([int(s) for s in args.sizes.split(",")], args.rdflib_limit, args.rdflib_cap)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "queries.json").write_text(json.dumps(result, indent=2))
    (out / "queries.md").write_text(
        f"# Query benchmark: committee-measures\n\nMachine: {result['machine']}; organisation: Trafiknämnden.\n\n{markdown(result)}\n"
    )
    print(markdown(result))


if __name__ == "__main__":
    main()
