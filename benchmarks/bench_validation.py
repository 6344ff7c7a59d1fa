"""Benchmark: validating one new entry in context vs the whole repository, at real size and at
synthetic sizes, comparing plain pyshacl (baseline) with the project's engine, in one run.

    python benchmarks/bench_validation.py [--sizes 0,1000,10000] [--baseline-limit 1000] [--out benchmarks/results]

Size 0 is the real repository. Each timing is the median of --repeat runs (fewer for runs over 60 s).
The baseline (plain pyshacl over an rdflib graph) is run up to --baseline-limit synthetic entries;
beyond that it is not run (it grows linearly with the SPARQL constraints evaluated per focus node).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import synthetic_triples  # noqa: E402

from api.validation import ShaclValidator, _to_rdflib, load_context

NEW_ENTRY = Path(__file__).resolve().parent.parent / "tests" / "data" / "validation" / "valid" / "entry-citing-existing-source.ttl"


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for i in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        if times[-1] > 60 and i == 0:
            break
    return statistics.median(times), result


def run(sizes: list[int], baseline_limit: int, repeat: int) -> dict:
    start = time.perf_counter()
    validator = ShaclValidator()
    compile_s = time.perf_counter() - start
    rows = []
    for size in sizes:
        ctx = load_context([NEW_ENTRY])
        if size:
            ctx.store.add_triples(synthetic_triples(size))
        triples = len(ctx.store)
        entries = int(ctx.store.select("SELECT (COUNT(*) AS ?n) WHERE { ?e a mh:EvidenceEntry }")[0]["n"].value)
        row: dict = {"synthetic_entries": size, "entries": entries, "triples": triples}
        focus = ctx.new_focus
        row["one_entry_targeted_s"], rep = timed(lambda: validator.validate(ctx.store, focus_nodes=focus), repeat)
        assert rep.conforms
        row["one_entry_shapes_recompiled_s"], _ = timed(lambda: ShaclValidator().validate(ctx.store, focus_nodes=focus), repeat)
        row["full_fast_s"], full = timed(lambda: validator.validate(ctx.store), max(1, repeat // 2))
        row["full_fast_violations"] = full.count("Violation")
        if size <= baseline_limit:
            graph = _to_rdflib(ctx.store.triples())
            row["full_pyshacl_rdflib_s"], ref = timed(lambda: validator.validate_with_pyshacl(graph), 1)
            row["full_pyshacl_rdflib_violations"] = ref.count("Violation")
        if size == 0:
            row["full_pyshacl_oxigraph_datagraph_s"], _ = timed(lambda: validator.validate_on_oxigraph_datagraph(ctx.store), 1)
        base = row.get("full_pyshacl_rdflib_s")
        if base:
            row["speedup_full_fast_vs_pyshacl"] = round(base / row["full_fast_s"], 1)
            row["speedup_one_entry_vs_pyshacl_full"] = round(base / row["one_entry_targeted_s"], 1)
        row["speedup_one_entry_vs_full_fast"] = round(row["full_fast_s"] / row["one_entry_targeted_s"], 1)
        rows.append({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()})
        print(json.dumps(rows[-1]), flush=True)
    return {
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "shapes_compile_s": round(compile_s, 3),
        "rows": rows,
    }


def markdown(result: dict) -> str:
    lines = [
        "| repository | entries | triples | one entry, targeted | one entry, shapes recompiled | whole repo, this engine | whole repo, plain pyshacl (rdflib) | whole repo, pyshacl on OxigraphDataGraph |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        name = "real" if r["synthetic_entries"] == 0 else f"real + {r['synthetic_entries']:,} synthetic"
        base = f"{r['full_pyshacl_rdflib_s']:.2f} s" if "full_pyshacl_rdflib_s" in r else "not run"
        ox = f"{r['full_pyshacl_oxigraph_datagraph_s']:.1f} s" if "full_pyshacl_oxigraph_datagraph_s" in r else "not run"
        lines.append(
            f"| {name} | {r['entries']:,} | {r['triples']:,} | {r['one_entry_targeted_s'] * 1000:.0f} ms | "
            f"{r['one_entry_shapes_recompiled_s'] * 1000:.0f} ms | {r['full_fast_s']:.2f} s | {base} | {ox} |"
        )
    lines.append("")
    lines.append(
        "Ratios (same run): "
        + "; ".join(
            f"{'real' if r['synthetic_entries'] == 0 else r['synthetic_entries']}: one entry is {r['speedup_one_entry_vs_full_fast']}× faster than the whole repo"
            + (f", whole repo {r['speedup_full_fast_vs_pyshacl']}× faster than plain pyshacl" if "speedup_full_fast_vs_pyshacl" in r else "")
            for r in result["rows"]
        )
    )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="0,1000,10000")
    ap.add_argument("--baseline-limit", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    args = ap.parse_args()
    result = run([int(s) for s in args.sizes.split(",")], args.baseline_limit, args.repeat)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "validation.json").write_text(json.dumps(result, indent=2))
    (out / "validation.md").write_text(
        f"# Validation benchmark\n\nMachine: {result['machine']}; shapes compiled once in {result['shapes_compile_s']} s.\n\n" + markdown(result) + "\n"
    )
    print(markdown(result))


if __name__ == "__main__":
    main()
