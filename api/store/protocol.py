"""What the rest of the package needs from a store, and what every store shares."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from api.vocab import ID, VOCAB

Term = ox.NamedNode | ox.BlankNode | ox.Literal
VERSION_NODE = ox.NamedNode(ID + "dataset/mhkg")
VERSION_PRED = ox.NamedNode(VOCAB + "dataVersion")


class Store(Protocol):
    """What the rest of the package needs from a store."""

    def select(self, sparql: str) -> list[dict[str, Term]]: ...
    def ask(self, sparql: str) -> bool: ...
    def construct(self, sparql: str) -> list[ox.Triple]: ...
    def load_files(self, paths: Iterable[Path]) -> None: ...
    def add_triples(self, triples: Iterable[ox.Triple]) -> None: ...
    def results_json(self, sparql: str) -> bytes: ...
    def count(self) -> int: ...
    def data_version(self) -> str: ...


def serialize(data: Iterable[ox.Triple] | Iterable[ox.Quad], fmt: ox.RdfFormat, *, prefixes: dict[str, str] | None = None) -> bytes:
    """Triples or quads in an RDF format, as bytes (pyoxigraph's ``serialize`` without an output file)."""
    out = ox.serialize(data, format=fmt, prefixes=prefixes)
    assert out is not None  # no output file given: pyoxigraph returns the bytes
    return out


def content_version(path: Path) -> str:
    """A short hash of a release file, naming the content a store was loaded with."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]
