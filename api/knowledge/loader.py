"""Finding and parsing the knowledge files, with precise positions for syntax errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - used only to locate well-formedness errors; expat does not fetch external entities
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from api.errors import KnowledgeSyntaxError
from api.settings import project_root

FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".owl": ox.RdfFormat.RDF_XML,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}


KNOWLEDGE_FOLDERS = ("ontology", "evidence")
"""The folders whose files make the knowledge graph."""


def knowledge_files(root: Path | None = None) -> list[Path]:
    """Every RDF file under ``ontology/`` and ``evidence/``, in a stable order."""
    root = root or project_root()
    files: list[Path] = []
    for folder in KNOWLEDGE_FOLDERS:
        base = root / folder
        if base.is_dir():
            files += [p for p in base.rglob("*") if p.is_file() and p.suffix in FORMATS]
    return sorted(files)


def _xml_position(path: Path) -> tuple[int | None, int | None, str | None]:
    try:
        ET.parse(path)  # noqa: S314 - local file, expat without external entity loading
    except ET.ParseError as exc:
        line, col = exc.position
        return line, col + 1, str(exc)
    return None, None, None


def parse_file(path: Path, *, base_iri: str | None = None) -> list[ox.Triple]:
    """Parse one file into triples.

    Raises:
        KnowledgeSyntaxError: the file is malformed; the error names line and column.
    """
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise KnowledgeSyntaxError(path, None, None, f"unknown RDF file type {path.suffix!r}")
    if fmt == ox.RdfFormat.RDF_XML:
        line, col, msg = _xml_position(path)
        if msg is not None:
            raise KnowledgeSyntaxError(path, line, col, msg)
    try:
        return [q.triple for q in ox.parse(path=str(path), format=fmt, base_iri=base_iri or path.resolve().as_uri())]
    except SyntaxError as exc:
        raise KnowledgeSyntaxError(path, exc.lineno, exc.offset, exc.msg) from exc
    except ValueError as exc:
        raise KnowledgeSyntaxError(path, None, None, str(exc)) from exc


def parse_text(text: str, fmt: ox.RdfFormat, *, name: str = "<input>") -> list[ox.Triple]:
    """Parse RDF given as text (e.g. a submitted entry).

    Raises:
        KnowledgeSyntaxError: the text is malformed.
    """
    try:
        return [q.triple for q in ox.parse(input=text.encode("utf-8"), format=fmt, base_iri="urn:mhkg:input/")]
    except SyntaxError as exc:
        raise KnowledgeSyntaxError(name, exc.lineno, exc.offset, exc.msg) from exc


def parse_files(paths: Iterable[Path]) -> Iterator[tuple[Path, list[ox.Triple]]]:
    """Parse files one by one, yielding each with its triples."""
    for path in paths:
        yield path, parse_file(path)
