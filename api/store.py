"""The embedded store: pyoxigraph, in memory or on disk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox

from .config import PREFIXES
from .errors import QueryError

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class EmbeddedStore:
    """A pyoxigraph store holding the knowledge graph in its default graph.

    Args:
        path: folder for an on-disk store (fast restart); None keeps it in memory.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._store = ox.Store(str(path)) if path else ox.Store()

    @property
    def native(self) -> ox.Store:
        """The underlying pyoxigraph store."""
        return self._store

    def add_triples(self, triples: Iterable[ox.Triple]) -> None:
        """Add triples to the default graph in one transaction."""
        self._store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)

    def load_file(self, path: Path, fmt: ox.RdfFormat | None = None) -> None:
        """Bulk-load an RDF file into the default graph."""
        self._store.bulk_load(path=str(path), format=fmt, to_graph=ox.DefaultGraph())

    def triples(self) -> list[ox.Triple]:
        """Every triple of the default graph."""
        return [q.triple for q in self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())]

    def __len__(self) -> int:
        return len(self._store)

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None) -> ox.QuerySolutions | ox.QueryTriples | bool:
        """Evaluate a SPARQL query with the project's prefixes predeclared.

        Args:
            sparql: the query text.
            bindings: values for variables, bound as RDF terms (never pasted into the text).

        Raises:
            QueryError: the query is malformed.
        """
        subs = {ox.Variable(k): v for k, v in (bindings or {}).items()}
        try:
            return self._store.query(sparql, prefixes=PREFIXES, substitutions=subs or None)
        except SyntaxError as exc:
            raise QueryError(str(exc)) from exc

    def select(self, sparql: str, *, bindings: Mapping[str, Term] | None = None) -> list[dict[str, Term]]:
        """Evaluate a SELECT query and return its rows as dicts (unbound variables left out)."""
        result = self.query(sparql, bindings=bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("not a SELECT query")
        names = [v.value for v in result.variables]
        rows = []
        for sol in result:
            row = {}
            for n in names:
                value = sol[n]
                if value is not None:
                    row[n] = value
            rows.append(row)
        return rows

    def update(self, sparql: str) -> None:
        """Apply a SPARQL Update (used by the build only; the public endpoint is read-only)."""
        self._store.update(sparql, prefixes=PREFIXES)

    def results_json(self, sparql: str) -> bytes:
        """Evaluate a query and serialise the result as SPARQL 1.1 JSON (SELECT/ASK) or N-Triples."""
        result = self.query(sparql)
        if isinstance(result, bool):
            return b'{"head":{},"boolean":true}' if result else b'{"head":{},"boolean":false}'
        if isinstance(result, ox.QuerySolutions):
            return result.serialize(format=ox.QueryResultsFormat.JSON)
        return ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
