"""Benchmark: how soon the public SPARQL workers see a write, by the store's changes against a snapshot per version.

    python benchmarks/bench_workers.py [--sizes 0,10000,100000] [--rounds 3] [--out benchmarks/results]

For each size (synthetic interventions added to the bundled knowledge, with half as many entries, as in
bench_queries.py; benchmarks/synthetic.py),
in one process and one run:

* a ``QueryExecutor`` with two sandboxed workers (the service's) over the embedded store, once with
  ``changes=False`` (the baseline: every new data version is serialised to an N-Quads snapshot, which each worker
  reloads whole) and once with ``changes=True`` (each worker applies the quads the write removed and added);
* the workers are warmed up (each loads the first snapshot: the cold load, also reported);
* then, ``--rounds`` times: one entry is rewritten (``replace_subjects``, as a published submission is), and the
  clock runs until both workers, asked at once, answer a query with the entry's new label.

The figure that counts is the ratio of the two medians within the run. Results go to results/workers.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import pyoxigraph as ox  # noqa: E402
from synthetic import synthetic_triples  # noqa: E402

from api.knowledge.build import build  # noqa: E402
from api.sparql.executor import Job, QueryExecutor  # noqa: E402

LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
ENTRY = ox.NamedNode("https://w3id.org/mhkg/id/evidence/housing-first--housing-stability--baxter-2019")
QUERY = f"SELECT ?label WHERE {{ <{ENTRY.value}> <{LABEL.value}> ?label FILTER(LANG(?label) = 'en') }}"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def both_see(executor: QueryExecutor, label: str) -> None:
    answers = await asyncio.gather(*(executor.run(Job(QUERY), client=c) for c in ("a", "b")))
    for answer in answers:
        got = [b["label"]["value"] for b in json.loads(answer.body)["results"]["bindings"]]
        assert got == [label], f"a worker answered {got}, not {label!r}"


def one(store: Any, *, changes: bool, rounds: int, tag: str) -> dict[str, Any]:
    executor = QueryExecutor(store, workers=2, timeout=120, changes=changes)
    try:
        current = [t for t in store.triples() if t.subject == ENTRY]
        start = time.perf_counter()
        label = next(t.object.value for t in current if t.predicate == LABEL and t.object.language == "en")
        asyncio.run(both_see(executor, label))
        cold = time.perf_counter() - start
        seen = []
        for r in range(rounds):
            label = f"Housing First, rewritten {tag} {r}"
            new = [t for t in current if not (t.predicate == LABEL and t.object.language == "en")] + [
                ox.Triple(ENTRY, LABEL, ox.Literal(label, language="en"))
            ]
            start = time.perf_counter()
            store.replace_subjects([ENTRY], new)
            asyncio.run(both_see(executor, label))
            seen.append(time.perf_counter() - start)
        return {
            "changes": changes,
            "cold_load_s": round(cold, 3),
            "seen_after_write_ms": [round(s * 1000, 1) for s in seen],
            "median_ms": round(statistics.median(seen) * 1000, 1),
            "snapshots_written": executor.snapshots_written,
        }
    finally:
        executor.close()


def run(sizes: list[int], rounds: int) -> dict[str, Any]:
    results = []
    for size in sizes:
        _, store = build(out=ROOT / "build", write=False)
        if size:
            store.add_triples(synthetic_triples(size // 2, interventions=size, sources=max(1, size // 10)))  # as bench_queries.py: 2.49 M triples at 100,000
        store.set_base_version(f"bench-{size}")
        triples = len(store)
        baseline = one(store, changes=False, rounds=rounds, tag=f"{size}-snapshot")
        by_changes = one(store, changes=True, rounds=rounds, tag=f"{size}-changes")
        row = {
            "interventions_added": size,
            "quads": triples,
            "service_rss_mb": rss_mb(),
            "snapshot_per_version": baseline,
            "by_changes": by_changes,
            "speed_up": round(baseline["median_ms"] / by_changes["median_ms"], 1),
        }
        print(json.dumps(row), flush=True)
        results.append(row)
        del store
    return {"rounds": rounds, "cpus": os.cpu_count(), "rows": results}


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Public SPARQL workers: a write seen by its changes, against a snapshot per version",
        "",
        f"Reproduce: `python benchmarks/bench_workers.py` (this run: {result['rounds']} writes per size and mode, "
        f"{result['cpus']} cores). Each write rewrites one entry's English label; the time runs until both sandboxed "
        "workers, asked at once, answer with the new label. Baseline: the store serialised to N-Quads for every data "
        "version and reloaded whole by each worker (before this change); now: each worker applies the quads the write "
        "removed and added. Both in the same run, on the same store.",
        "",
        "| interventions added | quads | baseline: seen after (median) | by changes: seen after (median) | speed-up | cold load of both workers (baseline / by changes) | snapshots written (baseline / by changes) | service RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        b, c = r["snapshot_per_version"], r["by_changes"]
        lines.append(
            f"| {r['interventions_added']:,} | {r['quads']:,} | {b['median_ms']:,.1f} ms | {c['median_ms']:,.1f} ms | **{r['speed_up']:,}×** | "
            f"{b['cold_load_s']:.2f} s / {c['cold_load_s']:.2f} s | {b['snapshots_written']} / {c['snapshots_written']} | {r['service_rss_mb']:,.0f} MB |"
        )
    lines += ["", "The speed-up is the ratio of the two medians in this run; the absolute times are this machine's.", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="0,10000,100000")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()
    result = run([int(x) for x in args.sizes.split(",")], args.rounds)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "workers.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (args.out / "workers.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
