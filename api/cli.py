"""The ``mhkg`` command: a thin layer over the package's functions."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from api import __version__
from api.catalogue import QueryRunner, catalogue, get_query, projection
from api.errors import InconsistentOntologyError, KnowledgeSyntaxError, MhkgError, NotFoundError, ParameterError, QueryError, ReasonerError, StoreError
from api.knowledge.build import build, current_store, open_store
from api.knowledge.qc import run_qc
from api.knowledge.stats import format_text, statistics
from api.settings import HTTP_PROTOCOLS, Settings
from api.sparql.results import to_sparql_json
from api.store import RELEASE, EmbeddedStore, RemoteStore, content_version, query_path
from api.store.remote import FLAVOURS, detect_flavour
from api.validation import validate_repository
from api.vocab import compact


def _progress(message: str) -> None:
    print(f"[mhkg] {message}", file=sys.stderr, flush=True)


def cmd_build(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    report, _ = build(root=settings.home, out=Path(args.out) if args.out else settings.build_dir, progress=_progress)
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
    stats = statistics(current_store(args.settings, progress=_progress))
    print(json.dumps(stats, indent=2, ensure_ascii=False) if args.format == "json" else format_text(stats))
    return 0


def _store(args: argparse.Namespace) -> EmbeddedStore | RemoteStore:
    """The remote store named by --endpoint or MHKG_ENDPOINT, else the embedded one (built where stale)."""
    return open_store(args.settings, endpoint=getattr(args, "endpoint", None), progress=_progress)


def cmd_sparql(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.file in (None, "-") else Path(args.file).read_text(encoding="utf-8")
    store = _store(args)
    sys.stdout.buffer.write(store.results_json(text))
    sys.stdout.buffer.write(b"\n")
    return 0


def cmd_qc(args: argparse.Namespace) -> int:
    results = run_qc(current_store(args.settings, progress=_progress))
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


def cmd_queries(args: argparse.Namespace) -> int:
    queries = catalogue()
    if args.format == "json":
        print(json.dumps([q.to_dict() for q in queries.values()], indent=2, ensure_ascii=False))
        return 0
    for q in queries.values():
        params = " ".join(f"{p.name}{'' if p.required else '?'}" for p in q.parameters)
        print(f"{q.name:<38} {q.summary}")
        if params:
            print(f"{'':<38}   parameters: {params}")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    params = {}
    for item in args.param or []:
        if "=" not in item:
            raise ParameterError(f"--param wants name=value, got {item!r}")
        key, value = item.split("=", 1)
        params[key] = value
    query = get_query(args.name)
    rows = QueryRunner(_store(args)).run(args.name, params)
    variables = projection(query.text)
    if args.format == "json":
        print(json.dumps(to_sparql_json(variables, rows), indent=2, ensure_ascii=False))
    elif args.format == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(variables)
        for r in rows:
            writer.writerow([r[v].value if v in r else "" for v in variables])
    else:
        table = [[compact(r[v].value) if v in r else "" for v in variables] for r in rows]
        widths = [min(60, max([len(v)] + [len(row[i]) for row in table])) for i, v in enumerate(variables)]
        print("  ".join(v.ljust(w) for v, w in zip(variables, widths, strict=True)))
        for row in table:
            print("  ".join(c[:w].ljust(w) for c, w in zip(row, widths, strict=True)))
        print(f"({len(rows)} rows)", file=sys.stderr)
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    store = current_store(args.settings, progress=_progress)
    release = args.settings.build_dir / RELEASE
    version = content_version(release) if release.exists() else store.data_version()
    endpoint = query_path(args.endpoint)
    remote = RemoteStore(endpoint, flavour=args.flavour or args.settings.endpoint_flavour or detect_flavour(endpoint))
    triples = store.triples()
    graph = f"the graph <{remote.graph}>" if remote.graph else "the default graph"
    _progress(f"pushing {len(triples)} triples to {remote.store_endpoint} (replacing {graph})")
    remote.replace_all(triples, version)
    print(f"pushed {len(triples)} triples; the endpoint now holds {remote.count()} (data version {remote.data_version()})")
    return 0


def serve_log_config() -> dict:
    """uvicorn's logging, plus the service's own loggers (``mhkg.*``) on standard error at INFO.

    The access log is the service's JSON line per request (api/web/middleware.py, with its request id);
    uvicorn's own access line is turned off in cmd_serve, so each request is logged once.
    """
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["mhkg"] = {"format": "%(message)s"}
    config["handlers"]["mhkg"] = {"class": "logging.StreamHandler", "formatter": "mhkg", "stream": "ext://sys.stderr"}
    config["loggers"]["mhkg"] = {"handlers": ["mhkg"], "level": "INFO", "propagate": False}
    return config


def cmd_serve(args: argparse.Namespace) -> int:
    from api.web.app import create_app
    from api.web.server import serve

    # The limits: the option, else the settings (the environment, else their defaults).
    header_timeout = args.header_timeout if args.header_timeout is not None else args.settings.header_timeout
    max_connections = args.max_connections if args.max_connections is not None else args.settings.max_connections
    if not header_timeout > 0 or max_connections < 1:
        raise SystemExit(f"mhkg serve: the header timeout must be positive and max connections at least 1 (got {header_timeout}, {max_connections})")
    store = _store(args)
    app = create_app(store, settings=args.settings)
    _progress(f"serving on http://{args.host}:{args.port}/ (pages, /sparql, /api/v1, /docs)")
    # One process on purpose: the embedded store lives in this process's memory, and a submission must be
    # visible in every later answer; several uvicorn workers would each hold their own copy.
    serve(
        app,
        host=args.host,
        port=args.port,
        header_timeout=header_timeout,
        max_connections=max_connections,
        log_level="info",
        log_config=serve_log_config(),
        access_log=False,
        http=args.http,
    )
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from api.analysis import check_arguments
    from api.analysis.report import write_all

    check_arguments(args.kind, org=args.org, intervention=args.intervention)  # before the store is opened (or built)
    store = _store(args)
    written = write_all(args.kind, store, QueryRunner(store), Path(args.out), org=args.org, intervention=args.intervention, lang=args.lang, progress=_progress)
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_remits(args: argparse.Namespace) -> int:
    from api.analysis.remits import remit_table, write_remit_table

    store = _store(args)
    if args.out == "-":
        print(remit_table(store, QueryRunner(store), lang=args.lang), end="")
    else:
        write_remit_table(store, QueryRunner(store), Path(args.out), lang=args.lang)
        print(f"wrote {args.out}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    """The review workflow from the command line, through the service's JSON API (the same rules as its pages)."""
    import httpx

    url = (args.url or args.settings.service_url).rstrip("/")
    headers = {"Authorization": f"Bearer {args.settings.token}"} if args.settings.token else {}
    try:
        with httpx.Client(base_url=url, timeout=60, headers=headers) as client:
            if args.step == "list":
                waiting = client.get("/api/v1/review-queue")
                waiting.raise_for_status()
                for entry in waiting.json():
                    if args.status in (None, entry["status"]):
                        label = entry["label"].get("sv") or entry["label"].get("en") or ""
                        print(f"{entry['status']:9} v{entry['version']:<3} {entry['slug']}  {label}")
                return 0
            if not args.settings.token:
                print("mhkg: set MHKG_TOKEN to your reviewer token (it is never read from the command line)", file=sys.stderr)
                return 2
            state = client.get(f"/api/v1/evidence/{args.slug}/review")
            if state.status_code != 200:
                print(f"mhkg: {state.json().get('detail', state.text)}", file=sys.stderr)
                return 2
            note = args.reason if args.step == "retract" else args.note
            done = client.post(f"/api/v1/evidence/{args.slug}/{args.step}", json={"note": note} if note else None, headers={"If-Match": state.headers["etag"]})
    except httpx.HTTPError as exc:
        print(f"mhkg: the service at {url} cannot be reached: {exc}", file=sys.stderr)
        return 4
    if done.status_code != 200:
        body = done.json()
        print(f"mhkg: {done.status_code}: {body.get('detail') or 'the entry does not conform: ' + json.dumps(body.get('results', []))[:2000]}", file=sys.stderr)
        return 1
    print(f"{args.slug}: {done.json()['status']}")
    return 0


def cmd_curators(args: argparse.Namespace) -> int:
    """A new token for a person, and the table to add to the people's file (which keeps only its hash)."""
    from api.curation.people import NAME, new_token, person_table

    if not NAME.match(args.name):
        print("mhkg: a name is lowercase letters, digits and hyphens", file=sys.stderr)
        return 2
    token = new_token()
    print(f"# Give {args.name} this token, once, and keep it nowhere else: {token}")
    print("# Add this table to the file MHKG_CURATORS_FILE names (outside the repository):")
    print(person_table(args.name, token, label=args.label or args.name, roles=args.role or ["curator"]))
    return 0


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
    q.add_argument("--endpoint", help="a SPARQL 1.1 query endpoint to use instead of the embedded store (or MHKG_ENDPOINT)")
    q.set_defaults(func=cmd_sparql)
    ql = sub.add_parser("queries", help="list the query catalogue (queries/*.rq)")
    ql.add_argument("--format", choices=["text", "json"], default="text")
    ql.set_defaults(func=cmd_queries)
    qr = sub.add_parser("query", help="run a catalogue query by name")
    qr.add_argument("name")
    qr.add_argument("--param", action="append", metavar="NAME=VALUE", help="a parameter value (repeatable)")
    qr.add_argument("--format", choices=["table", "json", "csv"], default="table")
    qr.add_argument("--endpoint", help="a SPARQL 1.1 query endpoint to use instead of the embedded store (or MHKG_ENDPOINT)")
    qr.set_defaults(func=cmd_query)
    sv = sub.add_parser("serve", help="run the service: pages, SPARQL endpoint, REST API (embedded store, or --endpoint)")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--endpoint", help="serve a SPARQL 1.1 server's data instead of the embedded store (or MHKG_ENDPOINT)")
    sv.add_argument(
        "--header-timeout",
        type=float,
        metavar="SECONDS",
        help="close a connection whose request line and headers are not complete in this time (or MHKG_HEADER_TIMEOUT; default 10)",
    )
    sv.add_argument(
        "--max-connections",
        type=int,
        metavar="N",
        help="open connections served at once; a request beyond them gets 503 (or MHKG_MAX_CONNECTIONS; default 256)",
    )
    sv.add_argument(
        "--http",
        choices=HTTP_PROTOCOLS,
        default=HTTP_PROTOCOLS[0],
        help="the HTTP/1.1 implementation: httptools on uvloop (the default, faster) or h11 on asyncio (pure Python); both apply the same limits",
    )
    sv.set_defaults(func=cmd_serve)
    an = sub.add_parser("analyze", help="graph analysis: gap maps, collaboration network, leverage points, justifications, indicators")
    an.add_argument("kind", choices=["gaps", "network", "leverage", "explain", "indicators"])
    an.add_argument("--out", default="build/analysis", help="folder for CSV, JSON, PNG and SVG (default: build/analysis)")
    an.add_argument("--org", help="explain: the organisation IRI")
    an.add_argument("--intervention", help="explain: the intervention IRI")
    an.add_argument("--lang", choices=["sv", "en"], default="sv")
    an.add_argument("--endpoint", help="a SPARQL 1.1 query endpoint to use instead of the embedded store")
    an.set_defaults(func=cmd_analyze)
    rm = sub.add_parser("remits", help="the remit table: every organisation with its measures and the capacity that justifies each")
    rm.add_argument("--out", default="docs/remit-matching.md", help="the Markdown file to write, or - for standard output (default: docs/remit-matching.md)")
    rm.add_argument("--lang", choices=["sv", "en"], default="en")
    rm.add_argument("--endpoint", help="a SPARQL 1.1 query endpoint to use instead of the embedded store")
    rm.set_defaults(func=cmd_remits)
    pu = sub.add_parser("push", help="load the build into a remote store (replaces its default graph; on Virtuoso, the graph of the release)")
    pu.add_argument("--endpoint", required=True, help="the server's query endpoint or root, e.g. http://localhost:7878 or http://localhost:8890/sparql")
    pu.add_argument("--flavour", choices=FLAVOURS, help="the kind of server where its URLs differ from Oxigraph's (default: MHKG_ENDPOINT_FLAVOUR, or asked)")
    pu.set_defaults(func=cmd_push)
    v = sub.add_parser(
        "validate",
        help="validate the repository, or the given files in its context, against the SHACL shapes",
        description="Exit 0: conforms (warnings allowed unless --strict); 1: violations; 2: unreadable input.",
    )
    v.add_argument("paths", nargs="*", help="files to check in the context of the repository (default: the whole repository)")
    v.add_argument("--format", choices=["text", "json", "turtle"], default="text")
    v.add_argument("--strict", action="store_true", help="treat warnings as failures")
    v.set_defaults(func=cmd_validate)
    rv = sub.add_parser("review", help="the review workflow: list the queue, approve, publish or retract an entry (MHKG_TOKEN: your token)")
    rv.add_argument("--url", help="the service (default: MHKG_SERVICE_URL, else http://127.0.0.1:8000)")
    steps = rv.add_subparsers(dest="step", required=True)
    ls = steps.add_parser("list", help="the entries waiting for review or publication")
    ls.add_argument("--status", choices=["draft", "reviewed"])
    for step, text in (("approve", "approve a draft"), ("publish", "publish a reviewed entry"), ("retract", "retract an entry, with a reason")):
        sp = steps.add_parser(step, help=text)
        sp.add_argument("slug", help="the entry's name, e.g. housing-first--housing-stability--baxter-2019")
        if step == "retract":
            sp.add_argument("--reason", required=True, help="why the entry is retracted")
        else:
            sp.add_argument("--note", help="a note kept with the step")
    rv.set_defaults(func=cmd_review)
    cu = sub.add_parser("curators", help="people: make a token for a curator or reviewer")
    cusub = cu.add_subparsers(dest="what", required=True)
    tk = cusub.add_parser("token", help="a new token and the table for the people's file (only its hash is kept)")
    tk.add_argument("name")
    tk.add_argument("--label", help="the person's name as shown")
    tk.add_argument("--role", action="append", choices=["curator", "reviewer"], help="curator (default) and/or reviewer")
    cu.set_defaults(func=cmd_curators)
    c = sub.add_parser("qc", help="run the quality-control queries (queries/qc/*-violation.rq)")
    c.set_defaults(func=cmd_qc)
    return p


# Errors at the command boundary, by the hierarchy of api.errors: (exception, message prefix, exit code); the first
# class the error is an instance of decides, so a class stands before its ancestors. Every MhkgError ends in one line
# on standard error and an exit code, never a traceback: 2 for input the command cannot use (a file, a parameter, a
# query, a name that names nothing), 1 for an inconsistent ontology, 3 when the reasoner cannot run, 4 when the store
# cannot be reached.
EXIT_CODES: tuple[tuple[type[MhkgError], str, int], ...] = (
    (KnowledgeSyntaxError, "", 2),
    (ParameterError, "", 2),
    (NotFoundError, "", 2),
    (QueryError, "SPARQL error: ", 2),
    (InconsistentOntologyError, "inconsistent: ", 1),
    (ReasonerError, "", 3),
    (StoreError, "store error: ", 4),
    (MhkgError, "", 1),
)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"MHKG_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        print(f"mhkg: invalid settings: {problems}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except tuple(kind for kind, _, _ in EXIT_CODES) as exc:
        prefix, code = next((p, c) for kind, p, c in EXIT_CODES if isinstance(exc, kind))
        print(f"mhkg: {prefix}{exc}", file=sys.stderr)
        return code


if __name__ == "__main__":
    raise SystemExit(main())
