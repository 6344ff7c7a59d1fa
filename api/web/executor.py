"""Public SPARQL queries run in worker processes, so a runaway query can really be stopped.

pyoxigraph cannot interrupt a query in-process. Each worker holds its own copy of the store,
loaded from a snapshot of the service's store; a query that outlives the wall-clock timeout
gets its worker killed (and replaced), and the caller gets a clear error, never a truncated
answer. The service's own event loop and other workers keep answering meanwhile.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing as mp
import os
import queue
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..config import PREFIXES

DEFAULT_TIMEOUT = float(os.environ.get("MHKG_QUERY_TIMEOUT", "10"))
DEFAULT_MAX_ROWS = int(os.environ.get("MHKG_MAX_ROWS", "10000"))
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class QueryTimeoutError(Exception):
    """The query ran longer than the timeout and was stopped."""


class QueryBusyError(Exception):
    """No worker became free in time."""


class TooManyRowsError(Exception):
    """The answer has more rows (or triples) than the endpoint gives out in one response."""


def _term_json(term: Any) -> dict[str, Any]:
    """One RDF term in the SPARQL 1.1 JSON results format (RDF-star triples included).

    >>> _term_json(ox.Literal("hej", language="sv"))
    {'type': 'literal', 'value': 'hej', 'xml:lang': 'sv'}
    """
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {k: _term_json(getattr(term, k)) for k in ("subject", "predicate", "object")}}
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _capped_solutions(result: ox.QuerySolutions, max_rows: int, media: str) -> bytes:
    """Serialise at most ``max_rows`` solutions; evaluation stops at the first row beyond them.

    The rows are read lazily, so a huge answer is never materialised: one row past the cap
    raises :class:`TooManyRowsError`. The capped rows go through the lossless JSON format and,
    for the other formats, through pyoxigraph's own serialisers.
    """
    variables = [v.value for v in result.variables]
    rows = list(itertools.islice(result, max_rows + 1))
    if len(rows) > max_rows:
        raise TooManyRowsError(max_rows)
    bindings = [{v: _term_json(row[v]) for v in variables if row[v] is not None} for row in rows]
    data = json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False, separators=(",", ":")).encode()
    fmt = ox.QueryResultsFormat.from_media_type(media)
    if fmt == ox.QueryResultsFormat.JSON:
        return data
    return ox.parse_query_results(data, ox.QueryResultsFormat.JSON).serialize(format=fmt)


@dataclass
class Answer:
    kind: str  # "solutions" | "boolean" | "graph" | "error"
    body: bytes
    media: str


def _worker(conn: Connection) -> None:  # runs in a child process
    store: ox.Store | None = None
    version: str | None = None
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        snapshot, want_version, text, results_format, graph_format, max_rows = msg
        try:
            if want_version != version:
                store = ox.Store()
                store.bulk_load(path=snapshot, format=ox.RdfFormat.N_TRIPLES)
                version = want_version
            assert store is not None
            result = store.query(text, prefixes=PREFIXES)
            if isinstance(result, ox.QueryTriples):
                triples = list(itertools.islice(result, max_rows + 1))
                if len(triples) > max_rows:
                    raise TooManyRowsError(max_rows)
                prefixes = PREFIXES if graph_format == "text/turtle" else None
                conn.send(("graph", ox.serialize(triples, format=ox.RdfFormat.from_media_type(graph_format), prefixes=prefixes)))
            elif isinstance(result, ox.QueryBoolean):
                conn.send(("boolean", result.serialize(format=ox.QueryResultsFormat.from_media_type(results_format))))
            else:
                conn.send(("solutions", _capped_solutions(result, max_rows, results_format)))
        except TooManyRowsError as exc:
            conn.send(("too-many", str(exc.args[0]).encode()))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc).encode()))
        except Exception as exc:  # noqa: BLE001 - any evaluation error becomes a 400 for the client
            conn.send(("error", str(exc).encode()))


class _Worker:
    def __init__(self, ctx: Any) -> None:
        self.parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child,), daemon=True)
        self.proc.start()
        child.close()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(timeout=5)
        self.parent.close()


class QueryExecutor:
    """A small pool of query worker processes over snapshots of a store.

    Args:
        store: the embedded store whose content the workers serve.
        workers: how many queries may run at once.
        timeout: seconds a query may run before it is stopped.
        max_rows: the most solutions (or triples) one answer may hold.
    """

    def __init__(self, store: Any, *, workers: int = 2, timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self.store = store
        self.timeout = timeout
        self.max_rows = max_rows
        self._ctx = mp.get_context("spawn")
        self._dir = tempfile.TemporaryDirectory(prefix="mhkg-snapshots-")
        self._lock = threading.Lock()
        self._snapshot: tuple[str, str] | None = None
        self._free: queue.Queue[_Worker] = queue.Queue()
        for _ in range(workers):
            self._free.put(_Worker(self._ctx))

    def _current_snapshot(self) -> tuple[str, str]:
        version = self.store.data_version()
        with self._lock:
            if self._snapshot is None or self._snapshot[1] != version:
                path = Path(self._dir.name) / f"{version.replace('+', '-')}.nt"
                if not path.exists():
                    tmp = path.with_suffix(".tmp")
                    ox.serialize(self.store.triples(), output=str(tmp), format=ox.RdfFormat.N_TRIPLES)
                    os.replace(tmp, path)
                self._snapshot = (str(path), version)
            return self._snapshot

    def run(self, text: str, *, results_format: str, graph_format: str) -> Answer:
        """Evaluate a query in a worker.

        Raises:
            QueryTimeoutError: it ran longer than the timeout (the worker was killed and replaced).
            QueryBusyError: no worker became free within the timeout.
            TooManyRowsError: the answer has more than ``max_rows`` rows or triples.
        """
        snapshot, version = self._current_snapshot()
        deadline = time.monotonic() + self.timeout
        try:
            worker = self._free.get(timeout=self.timeout)
        except queue.Empty as exc:
            raise QueryBusyError("All query workers are busy; try again shortly.") from exc
        try:
            worker.parent.send((snapshot, version, text, results_format, graph_format, self.max_rows))
            if not worker.parent.poll(max(0.1, deadline - time.monotonic())):
                worker.kill()
                worker = _Worker(self._ctx)
                raise QueryTimeoutError(f"The query ran longer than {self.timeout:g} s and was stopped.")
            kind, body = worker.parent.recv()
        except (EOFError, OSError, BrokenPipeError):
            worker.kill()
            worker = _Worker(self._ctx)
            raise
        finally:
            self._free.put(worker)
        if kind == "too-many":
            raise TooManyRowsError(
                f"The answer has more than {self.max_rows} rows, the most this public endpoint returns at once: "
                "add LIMIT and OFFSET to page through it, or download the whole dataset as /dataset.nt, /dataset.ttl or /dataset.jsonld."
            )
        media = graph_format if kind == "graph" else results_format
        return Answer(kind, body, media)

    def close(self) -> None:
        while not self._free.empty():
            self._free.get_nowait().kill()
        self._dir.cleanup()
