"""A remote SPARQL 1.1 endpoint (Oxigraph server, Fuseki, GraphDB, Virtuoso …) as a store.

It answers the same SPARQL text as the embedded store; rows come back as pyoxigraph terms either way,
so results can be compared and serialised alike.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

from api.catalogue.internal import internal
from api.errors import QueryError, StoreError
from api.vocab import PREDECLARED

from .protocol import VERSION_NODE, VERSION_PRED, Term, serialize

FLAVOURS = ("fuseki", "virtuoso")
"""Servers whose URLs or dataset differ from Oxigraph's (the default layout: ``/query``, ``/update``, ``/store``)."""
FORM = "application/x-www-form-urlencoded"
RELEASE_GRAPH = "https://w3id.org/mhkg/id/graph/release"
"""The named graph the release goes into on a server whose Graph Store endpoint has no default graph (Virtuoso)."""


class RemoteStore:
    """A SPARQL 1.1 endpoint over HTTP (httpx): queries by the SPARQL 1.1 Protocol, loading by the Graph Store Protocol.

    Queries are POSTed form-encoded (Protocol §2.1.2), which every server tested takes (Virtuoso 7 never answers a
    direct ``application/sparql-query`` POST), and ask for ``application/sparql-results+json`` alone (Comunica answers
    a longer list in a JSON of its own).

    With ``graph``, the store is that one named graph: queries name it as their default graph (``default-graph-uri``)
    and loading replaces it (``?graph=``); without, both use the server's default graph (``?default``).

    Args:
        endpoint: the query endpoint, e.g. ``http://localhost:7878/query`` (Oxigraph),
            ``http://localhost:3030/ds/query`` (Fuseki) or ``http://localhost:8890/sparql`` (Virtuoso).
        update_endpoint: SPARQL Update endpoint (default: derived, ``…/update``).
        store_endpoint: Graph Store Protocol endpoint (default: derived, ``…/store`` for
            Oxigraph, ``…/data`` for Fuseki, ``…/sparql-graph-crud`` for Virtuoso).
        flavour: ``"fuseki"`` or ``"virtuoso"`` where the server is one (see :func:`detect_flavour`); None: Oxigraph's layout.
        graph: the named graph that holds the data (default: none, the default graph; :data:`RELEASE_GRAPH` for
            Virtuoso, whose default graph is the union of all its graphs, its own system graphs among them).
        timeout: seconds per request.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        update_endpoint: str | None = None,
        store_endpoint: str | None = None,
        flavour: str | None = None,
        graph: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        if flavour is not None and flavour not in FLAVOURS:
            raise ValueError(f"unknown endpoint flavour {flavour!r}: one of {', '.join(FLAVOURS)}")
        self.endpoint = endpoint
        base = endpoint.rsplit("/", 1)[0] if endpoint.rstrip("/").endswith(("/query", "/sparql")) else endpoint.rstrip("/")
        fuseki = "/ds" in base or flavour == "fuseki"
        store = "sparql-graph-crud" if flavour == "virtuoso" else "data" if fuseki else "store"
        self.update_endpoint = update_endpoint or f"{base}/update"
        self.store_endpoint = store_endpoint or f"{base}/{store}"
        self.flavour = flavour
        self.graph = graph or (RELEASE_GRAPH if flavour == "virtuoso" else None)
        self.timeout = timeout

    def _post(self, url: str, *, content: bytes, content_type: str, accept: str, method: str = "POST") -> httpx.Response:
        try:
            response = httpx.request(method, url, content=content, headers={"Content-Type": content_type, "Accept": accept}, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise StoreError(f"{url}: {exc}") from exc
        if response.status_code == 400:
            raise QueryError(f"{url}: {response.text.strip()[:2000]}")
        if response.is_error:
            raise StoreError(f"{url}: HTTP {response.status_code}: {response.text.strip()[:500]}")
        return response

    def _query(self, sparql: str, accept: str) -> httpx.Response:
        """POST the query form-encoded (SPARQL 1.1 Protocol §2.1.2), the project's prefixes declared, on the store's graph."""
        return self._post(self.endpoint, content=self._form(sparql), content_type=FORM, accept=accept)

    def _form(self, sparql: str, dataset: list[tuple[str, str]] | None = None) -> bytes:
        """The form a query is sent as: its text with the predeclared prefixes, and its dataset (default: the store's graph)."""
        default = [("default-graph-uri", self.graph)] if self.graph else []
        return urllib.parse.urlencode([("query", with_prefixes(sparql)), *(dataset or default)]).encode()

    def _json(self, sparql: str) -> dict[str, Any]:
        response = self._query(sparql, "application/sparql-results+json")
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise StoreError(f"{self.endpoint}: the answer is not SPARQL results JSON ({exc})") from exc

    def select(self, sparql: str) -> list[dict[str, Term]]:
        return result_rows(self._json(sparql))

    def ask(self, sparql: str) -> bool:
        return bool(self._json(sparql)["boolean"])

    def construct(self, sparql: str) -> list[ox.Triple]:
        body = self._query(sparql, "application/n-triples").content
        return [q.triple for q in ox.parse(input=body, format=ox.RdfFormat.N_TRIPLES)] if body.strip() else []

    def results_json(self, sparql: str) -> bytes:
        return json.dumps(self._json(sparql)).encode()

    def count(self) -> int:
        return int(self.select(internal("triple-count"))[0]["n"].value)

    def data_version(self) -> str:
        rows = self.select(internal("data-version", {"dataset": VERSION_NODE.value, "property": VERSION_PRED.value}))
        return rows[0]["v"].value if rows else "unversioned"

    def forward(self, query: str, *, dataset: list[tuple[str, str]], accept: str) -> httpx.Response:
        """Pass a checked public query on as it is (form-encoded, with its dataset), the answer untouched.

        Raises:
            StoreError: the endpoint did not answer.
        """
        headers = {"Accept": accept, "Content-Type": FORM}
        try:
            return httpx.post(self.endpoint, content=self._form(query, dataset), headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise StoreError(f"{self.endpoint}: {exc}") from exc

    def _gsp(self, method: str, data: bytes) -> None:
        target = urllib.parse.urlencode({"graph": self.graph}) if self.graph else "default"
        url = self.store_endpoint + ("&" if "?" in self.store_endpoint else "?") + target
        self._post(url, content=data, content_type="application/n-triples", accept="*/*", method=method)

    def add_triples(self, triples: Iterable[ox.Triple]) -> None:
        """POST the triples to the store's graph in one request (one transaction on the server)."""
        self._gsp("POST", serialize(list(triples), ox.RdfFormat.N_TRIPLES))

    def replace_all(self, triples: list[ox.Triple], version: str) -> None:
        """PUT: replace the store's graph with these triples and a data version, in one request."""
        stamped = [t for t in triples if not (t.subject == VERSION_NODE and t.predicate == VERSION_PRED)]
        stamped.append(ox.Triple(VERSION_NODE, VERSION_PRED, ox.Literal(version)))
        self._gsp("PUT", serialize(stamped, ox.RdfFormat.N_TRIPLES))

    def load_files(self, paths: Iterable[Path]) -> None:
        for path in paths:
            self._gsp("POST", serialize([q.triple for q in ox.parse(path=str(path))], ox.RdfFormat.N_TRIPLES))


def with_prefixes(sparql: str) -> str:
    """Declare the project's prefixes the query does not declare itself."""
    declared = {line.split()[1].rstrip(":") for line in sparql.splitlines() if line.strip().upper().startswith("PREFIX")}
    missing = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREDECLARED.items() if p not in declared)
    return missing + sparql


def result_rows(results: dict[str, Any]) -> list[dict[str, Term]]:
    """The rows of a SPARQL results JSON document (SPARQL 1.1 Query Results JSON Format §3.2) as pyoxigraph terms."""
    return [{k: _term(v) for k, v in row.items()} for row in results["results"]["bindings"]]


_BNODE_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_BNODE_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def _term(binding: dict[str, str]) -> Term:
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":  # Virtuoso labels its blank nodes "nodeID://b10001": not a valid label, though one per node all the same
        return ox.BlankNode(value if _BNODE_LABEL.fullmatch(value) else _BNODE_UNSAFE.sub("_", value))
    if "xml:lang" in binding:
        return ox.Literal(value, language=binding["xml:lang"])
    if "datatype" in binding:
        return ox.Literal(value, datatype=ox.NamedNode(binding["datatype"]))
    return ox.Literal(value)


def detect_flavour(endpoint: str, *, timeout: float = 5.0) -> str | None:
    """The flavour of the server at ``endpoint``, from its answer to ``queries/internal/server-probe.rq`` (``ASK {}``): "virtuoso" by its ``Server`` header.

    Fuseki's layout is told by its URLs (``/ds/``) instead. An endpoint that does not answer has no flavour (None):
    the error shows at the first real request.
    """
    try:
        response = httpx.get(endpoint, params={"query": internal("server-probe")}, headers={"Accept": "application/sparql-results+json"}, timeout=timeout)
    except httpx.HTTPError:
        return None
    return "virtuoso" if response.headers.get("server", "").lower().startswith("virtuoso") else None


def query_path(endpoint: str) -> str:
    """Normalise an endpoint given as a server root (``http://host:7878``) to its query URL."""
    parsed = urllib.parse.urlparse(endpoint)
    if parsed.path in ("", "/"):
        return endpoint.rstrip("/") + "/query"
    return endpoint
