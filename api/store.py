"""One store interface, two implementations: the embedded pyoxigraph store (default) and a
remote SPARQL 1.1 endpoint (Oxigraph server, Fuseki, GraphDB, Virtuoso …).

Both answer the same SPARQL text; rows come back as pyoxigraph terms either way, so results
can be compared and serialised alike. rdflib is not on the query path.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from .config import ID, PREFIXES, VOCAB
from .errors import MhkgError, QueryError

Term = ox.NamedNode | ox.BlankNode | ox.Literal
VERSION_NODE = ox.NamedNode(ID + "dataset/mhkg")
VERSION_PRED = ox.NamedNode(VOCAB + "dataVersion")


class StoreError(MhkgError):
    """The store could not be read or written (e.g. a remote endpoint is unreachable)."""


class Store(Protocol):
    """What the rest of the package needs from a store."""

    def select(self, sparql: str) -> list[dict[str, Term]]: ...
    def ask(self, sparql: str) -> bool: ...
    def construct(self, sparql: str) -> list[ox.Triple]: ...
    def load_files(self, paths: Iterable[Path]) -> None: ...
    def add_triples(self, triples: Iterable[ox.Triple]) -> None: ...
    def count(self) -> int: ...
    def data_version(self) -> str: ...


class EmbeddedStore:
    """The knowledge graph in a pyoxigraph store (default graph), in memory or on disk.

    Args:
        path: folder for an on-disk store (fast restart); None keeps it in memory.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._store = ox.Store(str(path)) if path else ox.Store()
        self._lock = threading.Lock()
        self._writes = 0
        self._base = "empty"

    @property
    def native(self) -> ox.Store:
        """The underlying pyoxigraph store."""
        return self._store

    # ----------------------------------------------------------------- writes
    def add_triples(self, triples: Iterable[ox.Triple]) -> None:
        """Add triples to the default graph in one transaction (all or nothing)."""
        self.add_quads(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads (named graphs included) in one transaction (all or nothing)."""
        quads = list(quads)
        with self._lock:
            self._store.extend(quads)
            self._writes += 1

    def load_file(self, path: Path, fmt: ox.RdfFormat | None = None) -> None:
        """Bulk-load an RDF file into the default graph."""
        with self._lock:
            self._store.bulk_load(path=str(path), format=fmt, to_graph=ox.DefaultGraph())
            self._writes += 1

    def load_files(self, paths: Iterable[Path]) -> None:
        for path in paths:
            self.load_file(path)

    def set_base_version(self, version: str) -> None:
        """Name the content the store now holds (e.g. a hash of the release); later writes count from here."""
        self._base = version
        self._writes = 0

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL Update in one transaction (the build, and /update for holders of the write token).

        Raises:
            SyntaxError: the update is malformed (nothing is changed).
        """
        with self._lock:
            self._store.update(sparql, prefixes=PREFIXES, base_iri=base_iri)
            self._writes += 1

    # ----------------------------------------------------------------- reads
    def data_version(self) -> str:
        """Changes whenever the content changes; keys caches of derived results."""
        return f"{self._base}+{self._writes}"

    def triples(self) -> list[ox.Triple]:
        """Every triple of the default graph."""
        return [q.triple for q in self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())]

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad of the store: the default graph and the named graphs."""
        return iter(self._store)

    def count(self) -> int:
        """Triples in the default graph."""
        return int(next(iter(self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)

    def __len__(self) -> int:
        return len(self._store)

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None) -> ox.QuerySolutions | ox.QueryTriples | bool:
        """Evaluate a SPARQL query with the project's prefixes predeclared.

        Raises:
            QueryError: the query is malformed.
        """
        subs = {ox.Variable(k): v for k, v in (bindings or {}).items()}
        try:
            result = self._store.query(sparql, prefixes=PREFIXES, substitutions=subs or None)
        except SyntaxError as exc:
            raise QueryError(str(exc)) from exc
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        return result

    def select(self, sparql: str, *, bindings: Mapping[str, Term] | None = None) -> list[dict[str, Term]]:
        """Evaluate a SELECT query and return its rows as dicts (unbound variables left out)."""
        result = self.query(sparql, bindings=bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("not a SELECT query")
        names = [v.value for v in result.variables]
        rows = []
        for sol in result:
            rows.append({n: sol[n] for n in names if sol[n] is not None})
        return rows

    def ask(self, sparql: str) -> bool:
        result = self.query(sparql)
        if not isinstance(result, bool):
            raise QueryError("not an ASK query")
        return result

    def construct(self, sparql: str) -> list[ox.Triple]:
        result = self.query(sparql)
        if isinstance(result, (bool, ox.QuerySolutions)):
            raise QueryError("not a CONSTRUCT or DESCRIBE query")
        return list(result)

    def results_json(self, sparql: str) -> bytes:
        """Evaluate a query and serialise it: SPARQL 1.1 JSON for SELECT/ASK, N-Triples for graphs."""
        result = self.query(sparql)
        if isinstance(result, bool):
            return b'{"head":{},"boolean":true}' if result else b'{"head":{},"boolean":false}'
        if isinstance(result, ox.QuerySolutions):
            return result.serialize(format=ox.QueryResultsFormat.JSON)
        return ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)


class RemoteStore:
    """A SPARQL 1.1 endpoint: queries through SPARQLWrapper, loading through the Graph Store Protocol.

    Args:
        endpoint: the query endpoint, e.g. ``http://localhost:7878/query`` (Oxigraph) or
            ``http://localhost:3030/ds/query`` (Fuseki).
        update_endpoint: SPARQL Update endpoint (default: derived, ``…/update``).
        store_endpoint: Graph Store Protocol endpoint (default: derived, ``…/store`` for
            Oxigraph, ``…/data`` for Fuseki).
        timeout: seconds per request.
    """

    def __init__(self, endpoint: str, *, update_endpoint: str | None = None, store_endpoint: str | None = None, timeout: float = 60.0) -> None:
        self.endpoint = endpoint
        base = endpoint.rsplit("/", 1)[0] if endpoint.rstrip("/").endswith(("/query", "/sparql")) else endpoint.rstrip("/")
        fuseki = "/ds" in base or os.environ.get("MHKG_ENDPOINT_FLAVOUR") == "fuseki"
        self.update_endpoint = update_endpoint or os.environ.get("MHKG_UPDATE_ENDPOINT") or f"{base}/update"
        self.store_endpoint = store_endpoint or os.environ.get("MHKG_STORE_ENDPOINT") or f"{base}/{'data' if fuseki else 'store'}"
        self.timeout = timeout

    def _wrapper(self, sparql: str, fmt: str = "json") -> Any:
        from SPARQLWrapper import POST, SPARQLWrapper  # imported here: only remote use needs it

        sw = SPARQLWrapper(self.endpoint)
        sw.setMethod(POST)
        sw.setTimeout(int(self.timeout))
        sw.setReturnFormat(fmt)
        sw.setQuery(_with_prefixes(sparql))
        return sw

    def _run(self, sparql: str, fmt: str = "json") -> Any:
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        try:
            return self._wrapper(sparql, fmt).query()
        except QueryBadFormed as exc:
            raise QueryError(str(exc)) from exc
        except (SPARQLWrapperException, urllib.error.URLError, OSError) as exc:
            raise StoreError(f"{self.endpoint}: {exc}") from exc

    def select(self, sparql: str) -> list[dict[str, Term]]:
        data = self._run(sparql).convert()
        return [{k: _term(v) for k, v in row.items()} for row in data["results"]["bindings"]]

    def ask(self, sparql: str) -> bool:
        return bool(self._run(sparql).convert()["boolean"])

    def construct(self, sparql: str) -> list[ox.Triple]:
        from SPARQLWrapper import N3  # N-Triples via the N3 family: Oxigraph and Fuseki honour it

        body = self._run(sparql, N3).response.read()
        return [q.triple for q in ox.parse(input=body, format=ox.RdfFormat.N_TRIPLES)] if body.strip() else []

    def results_json(self, sparql: str) -> bytes:
        return json.dumps(self._run(sparql).convert()).encode()

    def count(self) -> int:
        return int(self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"].value)

    def data_version(self) -> str:
        rows = self.select(f"SELECT ?v WHERE {{ <{VERSION_NODE.value}> <{VERSION_PRED.value}> ?v }}")
        return rows[0]["v"].value if rows else "unversioned"

    def _gsp(self, method: str, data: bytes) -> None:
        url = self.store_endpoint + ("&" if "?" in self.store_endpoint else "?") + "default"
        req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/n-triples"})  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - URL is the configured store
                resp.read()
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"{url}: {exc}") from exc

    def add_triples(self, triples: Iterable[ox.Triple]) -> None:
        """POST the triples to the default graph in one request (one transaction on the server)."""
        self._gsp("POST", ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES))

    def replace_all(self, triples: list[ox.Triple], version: str) -> None:
        """PUT: replace the default graph with these triples and a data version, in one request."""
        stamped = [t for t in triples if not (t.subject == VERSION_NODE and t.predicate == VERSION_PRED)]
        stamped.append(ox.Triple(VERSION_NODE, VERSION_PRED, ox.Literal(version)))
        self._gsp("PUT", ox.serialize(stamped, format=ox.RdfFormat.N_TRIPLES))

    def load_files(self, paths: Iterable[Path]) -> None:
        for path in paths:
            self._gsp("POST", ox.serialize([q.triple for q in ox.parse(path=str(path))], format=ox.RdfFormat.N_TRIPLES))


def iri_ref(iri: str) -> str:
    """``<iri>`` for the text of a query, for a valid IRI only, so that no input can change the query.

    Raises:
        ValueError: ``iri`` is not a valid IRI (a space, ``>``, ``{`` … in it).

    >>> iri_ref("https://w3id.org/mhkg/id/setting/home")
    '<https://w3id.org/mhkg/id/setting/home>'
    >>> iri_ref("https://w3id.org/mhkg/id/x> ?p ?o } #")
    Traceback (most recent call last):
    ...
    ValueError: Invalid IRI code point '>'
    """
    return str(ox.NamedNode(iri))


def _with_prefixes(sparql: str) -> str:
    """Declare the project's prefixes the query does not declare itself."""
    declared = {line.split()[1].rstrip(":") for line in sparql.splitlines() if line.strip().upper().startswith("PREFIX")}
    missing = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p not in declared)
    return missing + sparql


def _term(binding: dict[str, str]) -> Term:
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(value)
    if "xml:lang" in binding:
        return ox.Literal(value, language=binding["xml:lang"])
    if "datatype" in binding:
        return ox.Literal(value, datatype=ox.NamedNode(binding["datatype"]))
    return ox.Literal(value)


def content_version(path: Path) -> str:
    """A short hash of a release file, naming the content a store was loaded with."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


def open_store(endpoint: str | None = None) -> Store:
    """The configured store: the remote endpoint given (or ``MHKG_ENDPOINT``), else the embedded one."""
    endpoint = endpoint or os.environ.get("MHKG_ENDPOINT")
    if endpoint:
        return RemoteStore(endpoint)
    from .build import current_store  # late import: build depends on this module

    return current_store()


def query_path(endpoint: str) -> str:
    """Normalise an endpoint given as a server root (``http://host:7878``) to its query URL."""
    parsed = urllib.parse.urlparse(endpoint)
    if parsed.path in ("", "/"):
        return endpoint.rstrip("/") + "/query"
    return endpoint
