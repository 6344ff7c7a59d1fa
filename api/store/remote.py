"""A remote SPARQL 1.1 endpoint (Oxigraph server, Fuseki, GraphDB, Virtuoso …) as a store.

It answers the same SPARQL text as the embedded store; rows come back as pyoxigraph terms either way,
so results can be compared and serialised alike.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from api.catalogue.internal import internal
from api.errors import QueryError, StoreError
from api.vocab import PREFIXES

from .protocol import VERSION_NODE, VERSION_PRED, Term


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

    def __init__(
        self, endpoint: str, *, update_endpoint: str | None = None, store_endpoint: str | None = None, flavour: str | None = None, timeout: float = 60.0
    ) -> None:
        self.endpoint = endpoint
        base = endpoint.rsplit("/", 1)[0] if endpoint.rstrip("/").endswith(("/query", "/sparql")) else endpoint.rstrip("/")
        fuseki = "/ds" in base or flavour == "fuseki"
        self.update_endpoint = update_endpoint or f"{base}/update"
        self.store_endpoint = store_endpoint or f"{base}/{'data' if fuseki else 'store'}"
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
        return int(self.select(internal("triple-count"))[0]["n"].value)

    def data_version(self) -> str:
        rows = self.select(internal("data-version", {"dataset": VERSION_NODE.value, "property": VERSION_PRED.value}))
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


def query_path(endpoint: str) -> str:
    """Normalise an endpoint given as a server root (``http://host:7878``) to its query URL."""
    parsed = urllib.parse.urlparse(endpoint)
    if parsed.path in ("", "/"):
        return endpoint.rstrip("/") + "/query"
    return endpoint
