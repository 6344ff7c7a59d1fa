"""Benchmark: an organisation's measures from the recommendation index, against the catalogue query that is its reference.

    python benchmarks/bench_index.py [--sizes 0,10000,100000] [--out benchmarks/results]

For each size (synthetic interventions added to the bundled knowledge, with half as many entries and a tenth as many
sources, as in bench_queries.py and bench_workers.py; benchmarks/synthetic.py), one process loads the data into the
embedded store and measures, in the same run:

* the catalogue query ``committee-measures`` for Trafiknämnden, evaluated by pyoxigraph (the plain query, uncached);
* the same query answered by the Oxigraph server over HTTP (``oxigraph serve-read-only`` on the same data);
* the index (:class:`api.catalogue.measures.MeasuresIndex`): building it from the store, the organisation's first
  answer (its rows materialised), then its answer uncached by any result cache (p50 of 201), a filtered answer (adults,
  computed from the organisation's matches), the first answer after an entry is written (a new entry for one of the
  organisation's measures, through ``replace_subjects`` as a submission writes it; median of 20 writes), the measures
  API's answer after a write (the view behind GET /api/v1/organisations/{id}/measures; median of 5), and every
  organisation's answer materialised;
* the resident memory the index adds;
* cold start to the first answer, each in a fresh process on the on-disk store: with the index saved at the previous
  run, with the index read from the store, and with the plain query (medians of 3, 3 and 1).

Each answer of the index is checked against the query's in the same run (``same``). The figures are ratios within one
run. Results go to results/index.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_queries import ORG, asker, rss_mb  # noqa: E402 - after the path is set; the same organisation and memory reading


def timed_ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def median_ms(fn, repeat: int) -> float:
    return statistics.median(timed_ms(fn) for _ in range(repeat))


def server_ms(data: Path, work: Path, text: str) -> float:
    """The Oxigraph server's median over 3 answers to the query (after a first one that warms it)."""
    from harness import oxigraph_binary, oxigraph_serve, wait_until

    location = work / "server-db"
    subprocess.run([str(oxigraph_binary()), "load", "--location", str(location), "--file", str(data)], check=True, capture_output=True)
    with oxigraph_serve(location, read_only=True) as server:
        ask, answered = asker(server.url + "/query", text, timeout=900)
        if not wait_until(answered, timeout=900, every=0.2):
            raise RuntimeError("the Oxigraph server did not answer")
        return median_ms(ask, 3)


def measure(size: int, work: Path) -> dict:
    import pyoxigraph as ox
    from synthetic import synthetic_triples

    from api.catalogue import get_query
    from api.catalogue.measures import MeasuresIndex
    from api.knowledge.build import build_dir
    from api.store import EmbeddedStore
    from harness.catalogue import normalise

    release = build_dir() / "mhkg-inferred.nt"
    if not release.exists():
        subprocess.run([sys.executable, "-m", "api.cli", "build"], check=True, cwd=ROOT)
    data = work / "data.nt"
    data.write_bytes(release.read_bytes())
    if size:
        with data.open("ab") as fh:
            fh.write(ox.serialize(synthetic_triples(size // 2, interventions=size, sources=max(1, size // 10)), format=ox.RdfFormat.N_TRIPLES) or b"")
    store = EmbeddedStore()
    store.load_file(data, ox.RdfFormat.N_TRIPLES)
    store.set_base_version("bench")
    query = get_query("committee-measures")
    text, terms = query.bind({"org": ORG}), query.terms({"org": ORG})
    adults = query.terms({"org": ORG, "life_stage": "adults"})
    repeat = 3 if size < 100_000 else 1
    plain = median_ms(lambda: store.select(text), repeat)
    expected = normalise(store.select(text))
    expected_adults = normalise(store.select(query.bind({"org": ORG, "life_stage": "adults"})))

    before = rss_mb()
    index = MeasuresIndex(store)
    build = timed_ms(index.sync)
    first = timed_ms(lambda: index.rows(terms))
    rows = index.rows(terms)
    same = normalise(rows) == expected and normalise(index.rows(adults)) == expected_adults
    uncached = median_ms(lambda: index.rows(terms), 201)
    filtered = median_ms(lambda: index.rows(adults), 21)

    # entries written one by one, each a copy of an entry of one of the organisation's measures under a new IRI
    after_write = []
    models = [r["best_entry"] for r in rows[:20]]
    for n, model in enumerate(models):
        entry = ox.NamedNode(f"https://w3id.org/mhkg/id/evidence/bench-written-{n}")
        store.replace_subjects([entry], [ox.Triple(entry, q.predicate, q.object) for q in store.native.quads_for_pattern(model, None, None, ox.DefaultGraph())])
        after_write.append(timed_ms(lambda: index.rows(terms)))
    same = same and normalise(index.rows(terms)) == normalise(store.select(text))
    incremental = index.rebuilds == 1 and index.rederived == 1
    # the measures API's answer (its view of the rows, as GET /api/v1/organisations/{id}/measures gives it) after a write
    from api.web.state import ServiceState
    from api.web.views import measures

    state = ServiceState(store=store)
    measures(state, "trafiknamnden")
    api_after_write = []
    for n, model in enumerate(models[:5]):
        entry = ox.NamedNode(f"https://w3id.org/mhkg/id/evidence/bench-api-{n}")
        store.replace_subjects([entry], [ox.Triple(entry, q.predicate, q.object) for q in store.native.quads_for_pattern(model, None, None, ox.DefaultGraph())])
        api_after_write.append(timed_ms(lambda: measures(state, "trafiknamnden")))
    warm = timed_ms(index.warm)
    memory = rss_mb() - before
    server = server_ms(data, work, text)
    return {
        "interventions": size,
        "triples": len(store),
        "rows": len(rows),
        "plain_query_ms": round(plain, 1),
        "server_ms": round(server, 1),
        "index_build_ms": round(build, 1),
        "index_first_ms": round(first, 2),
        "index_ms": round(uncached, 4),
        "index_filtered_ms": round(filtered, 2),
        "first_after_write_ms": round(statistics.median(after_write), 3),
        "writes_incremental": incremental,
        "api_after_write_ms": round(statistics.median(api_after_write), 2),
        "warm_all_ms": round(warm, 1),
        "organisations_rows": sum(len(index.rows(query.terms({"org": o.value}))) for o in list(index._matches)),
        "index_memory_mb": round(memory, 1),
        "process_rss_mb": round(rss_mb(), 1),
        "same": same,
        "vs_plain": round(plain / uncached, 1),
        "vs_server": round(server / uncached, 1),
        "filtered_vs_plain": round(plain / filtered, 1),
    }


def cold(location: str, saved: str, mode: str) -> dict:
    """A fresh process: open the on-disk store and answer the organisation's measures ("saved": with the saved
    index, "read": the index read from the store, "query": the plain query)."""
    start = time.perf_counter()
    import pyoxigraph as ox

    from api.catalogue import get_query
    from api.catalogue.measures import MeasuresIndex
    from api.store import EmbeddedStore

    store = EmbeddedStore(Path(location))
    if mode.startswith("make="):  # not timed: load the data onto disk and save its index
        store.load_file(Path(mode.removeprefix("make=")), ox.RdfFormat.N_TRIPLES)
        store.native.flush()
        store.set_base_version("bench")
        start = time.perf_counter()
        MeasuresIndex(store).save(Path(saved))
        return {"save_ms": (time.perf_counter() - start) * 1000}
    store.set_base_version("bench")
    query = get_query("committee-measures")
    if mode == "query":
        rows = store.select(query.bind({"org": ORG}))
    else:
        index = MeasuresIndex(store)
        if mode == "saved" and not index.load(Path(saved)):
            raise RuntimeError("the saved index was not taken")
        rows = index.rows(query.terms({"org": ORG}))
    return {"ms": (time.perf_counter() - start) * 1000, "rows": len(rows), "rss_mb": rss_mb()}


def cold_start(data: Path, work: Path) -> dict:
    """Cold start to the first answer, each way in its own process, after the store is on disk and its index saved."""

    location, saved = work / "disk-store", work / "disk-store.measures-index"
    made = run_worker("--cold", str(location), str(saved), f"make={data}")
    out: dict = {"index_save_ms": round(made["save_ms"], 1), "index_file_mb": round(saved.stat().st_size / 2**20, 1)}
    for mode in ("saved", "read", "query"):
        runs = [run_worker("--cold", str(location), str(saved), mode) for _ in range(3 if mode != "query" else 1)]
        out[f"cold_{mode}_ms"] = round(statistics.median(r["ms"] for r in runs), 1)
        out[f"cold_{mode}_rss_mb"] = round(max(r["rss_mb"] for r in runs), 1)
    return out


def run_worker(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=7200, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{args} failed: {proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def worker(size: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="mhkg-bench-index-") as tmp:
        result = measure(int(size), Path(tmp))
        result.update(cold_start(Path(tmp) / "data.nt", Path(tmp)))
        return result


def markdown(result: dict) -> str:
    lines = [
        "| interventions | triples | rows | plain query | Oxigraph server | index (p50) | vs plain | vs server | filtered | first after a write | API after a write | "
        "index build | all organisations | index memory | same answer |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['interventions']:,} | {r['triples']:,} | {r['rows']:,} | {r['plain_query_ms']:,.1f} ms | {r['server_ms']:,.1f} ms | "
            f"{r['index_ms']:.3f} ms | {r['vs_plain']:,.0f}× | {r['vs_server']:,.0f}× | {r['index_filtered_ms']:.1f} ms | "
            f"{r['first_after_write_ms']:.2f} ms | {r['api_after_write_ms']:.1f} ms | {r['index_build_ms'] / 1000:.2f} s | {r['warm_all_ms'] / 1000:.2f} s ({r['organisations_rows']:,} rows) | "
            f"{r['index_memory_mb']:,.0f} MB | {'yes' if r['same'] else 'NO'} |"
        )
    lines += [
        "",
        "| interventions | cold start, saved index | cold start, index read from the store | cold start, plain query | saved index file | save |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['interventions']:,} | {r['cold_saved_ms'] / 1000:.2f} s ({r['cold_saved_rss_mb']:,.0f} MB) | {r['cold_read_ms'] / 1000:.2f} s "
            f"({r['cold_read_rss_mb']:,.0f} MB) | {r['cold_query_ms'] / 1000:.2f} s | {r['index_file_mb']:,.0f} MB | {r['index_save_ms'] / 1000:.2f} s |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker")
    ap.add_argument("--cold", nargs=3, metavar=("STORE", "SAVED", "MODE"))
    ap.add_argument("--sizes", default="0,10000,100000")
    ap.add_argument("--out", default=str(HERE / "results"))
    args = ap.parse_args()
    if args.cold:
        print(json.dumps(cold(*args.cold)))
        return
    if args.worker is not None:
        print(json.dumps(worker(args.worker)))
        return
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        rows.append(run_worker("--worker", str(size)))
        print(json.dumps(rows[-1]), flush=True)
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, CPython {platform.python_version()}", "organisation": ORG, "rows": rows}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "index.md").write_text(f"# The recommendation index against the catalogue query\n\nMachine: {result['machine']}; organisation: Trafiknämnden.\n\n{markdown(result)}\n")
    print(markdown(result))


if __name__ == "__main__":
    main()
