"""The knowledge graph in an embedded pyoxigraph store, in memory or on disk."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox

from api.catalogue.internal import internal
from api.errors import QueryError
from api.vocab import PREDECLARED

from .protocol import Term, serialize


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

    def replace_subjects(self, subjects: Iterable[ox.NamedNode | ox.BlankNode], triples: Iterable[ox.Triple]) -> None:
        """Swap what the store says about some subjects: every triple of the default graph with one of ``subjects``
        (asserted and inferred) goes, ``triples`` come in. Writers wait on one another; a reader in the same instant
        may see the subjects without their triples, never a mix of old and new (an entry's file is replaced the same way)."""
        new = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
        with self._lock:
            old = [q for s in set(subjects) for q in self._store.quads_for_pattern(s, None, None, ox.DefaultGraph())]
            for quad in old:
                self._store.remove(quad)
            self._store.extend(new)
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
            self._store.update(sparql, prefixes=PREDECLARED, base_iri=base_iri)
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
        result = self._store.query(internal("triple-count"))
        assert isinstance(result, ox.QuerySolutions)
        return int(next(iter(result))["n"].value)

    def __len__(self) -> int:
        return len(self._store)

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None) -> ox.QuerySolutions | ox.QueryTriples | bool:
        """Evaluate a SPARQL query with the project's prefixes predeclared.

        Raises:
            QueryError: the query is malformed.
        """
        subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {ox.Variable(k): v for k, v in (bindings or {}).items()}
        try:
            result = self._store.query(sparql, prefixes=PREDECLARED, substitutions=subs or None)
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
            return bytes(result.serialize(format=ox.QueryResultsFormat.JSON) or b"")
        return serialize(result, ox.RdfFormat.N_TRIPLES)
