"""The knowledge graph in an embedded pyoxigraph store, in memory or on disk."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox

from api.catalogue.internal import internal
from api.errors import QueryError
from api.vocab import PREDECLARED

from .protocol import Term, serialize

Change = tuple[list[ox.Quad], list[ox.Quad]]
"""What one write did: the quads it removed, then the quads it added (applied in that order)."""


class EmbeddedStore:
    """The knowledge graph in a pyoxigraph store (default graph), in memory or on disk.

    The store remembers what its recent writes changed (:meth:`changes_since`), so that a copy of it (a query
    worker's) can catch up with a few quads instead of reloading everything. It keeps the last
    ``keep_changes`` writes, and at most ``keep_quads`` quads of them; a write whose change it cannot name
    (a SPARQL Update, a file load, a change with blank nodes) breaks the chain, and so does the base version.

    Args:
        path: folder for an on-disk store (fast restart); None keeps it in memory.
        keep_changes: how many recent writes' changes to keep.
        keep_quads: the most quads the kept changes may hold in all.
    """

    def __init__(self, path: Path | None = None, *, keep_changes: int = 256, keep_quads: int = 200_000) -> None:
        self._store = ox.Store(str(path)) if path else ox.Store()
        self._lock = threading.Lock()
        self._writes = 0
        self._base = "empty"
        self._keep_changes, self._keep_quads = keep_changes, keep_quads
        self._changes: deque[tuple[int, Change | None]] = deque()  # (write number, its change or None), oldest first
        self._change_quads = 0
        self.before_write: list[Callable[[], None]] = []
        """Called (lock held) before each write through this object, e.g. to drop what is saved of the content it changes."""

    def _writing(self) -> None:
        for hook in self.before_write:
            hook()

    def _record(self, change: Change | None) -> None:
        """Count a write and remember its change (lock held)."""
        self._writes += 1
        if change is not None and any(isinstance(t, ox.BlankNode) for q in change[0] + change[1] for t in (q.subject, q.object)):
            change = None  # a copy parsed from N-Quads would name its blank nodes apart: reload instead
        self._changes.append((self._writes, change))
        self._change_quads += 0 if change is None else len(change[0]) + len(change[1])
        while self._changes and (len(self._changes) > self._keep_changes or self._change_quads > self._keep_quads):
            _, dropped = self._changes.popleft()
            self._change_quads -= 0 if dropped is None else len(dropped[0]) + len(dropped[1])

    def changes_since(self, version: str) -> tuple[str, list[Change]] | None:
        """What changed from ``version`` to now, write by write, and the version that brings one to.

        Returns:
            ``(now, changes)`` (``changes`` empty when nothing changed), or None when the changes are not all known:
            ``version`` is of another base, too old, or a write in between recorded no change.
        """
        base, _, number = version.rpartition("+")
        with self._lock:
            now = f"{self._base}+{self._writes}"
            if base != self._base or not number.isdigit() or int(number) > self._writes:
                return None
            since = int(number)
            if since == self._writes:
                return now, []
            kept = [(n, change) for n, change in self._changes if n > since]
            if len(kept) != self._writes - since or any(change is None for _, change in kept):  # the kept numbers are consecutive
                return None
            return now, [change for _, change in kept if change is not None]

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
            self._writing()
            self._store.extend(quads)
            self._record(([], quads))

    def replace_subjects(self, subjects: Iterable[ox.NamedNode | ox.BlankNode], triples: Iterable[ox.Triple]) -> None:
        """Swap what the store says about some subjects: every triple of the default graph with one of ``subjects``
        (asserted and inferred) goes, ``triples`` come in. Writers wait on one another; a reader in the same instant
        may see the subjects without their triples, never a mix of old and new (an entry's file is replaced the same way)."""
        new = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
        with self._lock:
            self._writing()
            old = [q for s in set(subjects) for q in self._store.quads_for_pattern(s, None, None, ox.DefaultGraph())]
            for quad in old:
                self._store.remove(quad)
            self._store.extend(new)
            self._record((old, new))

    def load_file(self, path: Path, fmt: ox.RdfFormat | None = None) -> None:
        """Bulk-load an RDF file into the default graph."""
        with self._lock:
            self._writing()
            self._store.bulk_load(path=str(path), format=fmt, to_graph=ox.DefaultGraph())
            self._record(None)

    def load_files(self, paths: Iterable[Path]) -> None:
        for path in paths:
            self.load_file(path)

    def set_base_version(self, version: str) -> None:
        """Name the content the store now holds (e.g. a hash of the release); later writes count from here."""
        with self._lock:
            self._base = version
            self._writes = 0
            self._changes.clear()
            self._change_quads = 0

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL Update in one transaction (the build, and /update for holders of the write token).

        Raises:
            SyntaxError: the update is malformed (nothing is changed).
        """
        with self._lock:
            self._writing()
            self._store.update(sparql, prefixes=PREDECLARED, base_iri=base_iri)
            self._record(None)

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
