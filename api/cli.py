"""The ``mhkg`` command: a thin layer over the package's functions."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .build import build, current_store
from .errors import KnowledgeSyntaxError, QueryError, ReasonerError
from .qc import run_qc
from .stats import format_text, statistics
from .validation import validate_repository


def _progress(message: str) -> None:
    print(f"[mhkg] {message}", file=sys.stderr, flush=True)


def cmd_build(args: argparse.Namespace) -> int:
    report, _ = build(out=Path(args.out) if args.out else None, progress=_progress)
    if args.format == "json":
        print(report.to_json())
    else:
        verdict = "consistent" if report.consistent else "INCONSISTENT"
        print(f"HermiT: the ontology with its data is {verdict}.")
        counts = f"{report.asserted_triples} asserted + {report.inferred_triples} inferred = {report.total_triples} triples"
        print(f"{report.files} files, {counts}, {report.seconds} s")
        for path in report.outputs:
            print(f"  wrote {path}")
        if report.explanation:
            print(report.explanation)
    return 0 if report.consistent else 1


def cmd_stats(args: argparse.Namespace) -> int:
    stats = statistics(current_store(progress=_progress))
    print(json.dumps(stats, indent=2, ensure_ascii=False) if args.format == "json" else format_text(stats))
    return 0


def cmd_sparql(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.file in (None, "-") else Path(args.file).read_text(encoding="utf-8")
    store = current_store(progress=_progress)
    sys.stdout.buffer.write(store.results_json(text))
    sys.stdout.buffer.write(b"\n")
    return 0


def cmd_qc(args: argparse.Namespace) -> int:
    results = run_qc(current_store(progress=_progress))
    failed = 0
    for name, violations in results.items():
        print(f"{'PASS' if not violations else 'FAIL'} {name} ({len(violations)})")
        for v in violations[:20]:
            print(f"    {v.entity} {v.property} {v.value}")
        failed += bool(violations)
    return 1 if failed else 0


def cmd_validate(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"mhkg: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    report = validate_repository(paths)
    if args.format == "json":
        print(report.to_json())
    elif args.format == "turtle":
        print(report.to_turtle())
    else:
        print(report.to_text())
    ok = report.conforms_strictly() if args.strict else report.conforms
    return 0 if ok else 1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mhkg", description="Mental Health Knowledge Graph: build, check and query.")
    p.add_argument("--version", action="version", version=f"mhkg {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="parse, load, reason with HermiT and write the releases to build/")
    b.add_argument("--out", help="build folder (default: build/)")
    b.add_argument("--format", choices=["text", "json"], default="text")
    b.set_defaults(func=cmd_build)
    s = sub.add_parser("stats", help="counts per class and per concept scheme")
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.set_defaults(func=cmd_stats)
    q = sub.add_parser("sparql", help="run a SPARQL query against the built graph (SPARQL 1.1 JSON results)")
    q.add_argument("file", nargs="?", help="query file, or - for standard input (default)")
    q.set_defaults(func=cmd_sparql)
    v = sub.add_parser(
        "validate",
        help="validate the repository, or the given files in its context, against the SHACL shapes",
        description="Exit 0: conforms (warnings allowed unless --strict); 1: violations; 2: unreadable input.",
    )
    v.add_argument("paths", nargs="*", help="files to check in the context of the repository (default: the whole repository)")
    v.add_argument("--format", choices=["text", "json", "turtle"], default="text")
    v.add_argument("--strict", action="store_true", help="treat warnings as failures")
    v.set_defaults(func=cmd_validate)
    c = sub.add_parser("qc", help="run the quality-control queries (queries/qc/*-violation.rq)")
    c.set_defaults(func=cmd_qc)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KnowledgeSyntaxError as exc:
        print(f"mhkg: {exc}", file=sys.stderr)
        return 2
    except QueryError as exc:
        print(f"mhkg: SPARQL error: {exc}", file=sys.stderr)
        return 2
    except ReasonerError as exc:
        print(f"mhkg: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    raise SystemExit(main())
