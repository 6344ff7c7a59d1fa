"""Checking and submitting evidence entries: parsing, validation in the repository's context, and the atomic write.

Nothing here knows HTTP: refusals are the :class:`~api.errors.SubmissionRefused`, :class:`~api.errors.ConflictError`
and :class:`~api.errors.AccessError` families (Swedish and English), syntax errors are
:class:`~api.errors.KnowledgeSyntaxError`, and the web layer maps them to answers.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import pyoxigraph as ox

from api.errors import (
    EntryEncodingError,
    EntryExistsError,
    EntryFormatError,
    EntryNotConformingError,
    EntryRefusedError,
    SubmissionsUnavailableError,
)
from api.files import remove_durably, write_atomically
from api.files import remove_temporaries as remove_temporary_files
from api.knowledge.build import materialise
from api.knowledge.loader import knowledge_files, parse_file, parse_text
from api.store import EmbeddedStore, RemoteStore
from api.vocab import ID, PREFIXES, VOCAB

if TYPE_CHECKING:
    from api.validation import ValidationReport

log = logging.getLogger("mhkg.curation")

FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD, "application/n-triples": ox.RdfFormat.N_TRIPLES}
"""The media types an entry may be sent in."""
ENTRIES = Path("evidence") / "entries"
"""Where submitted entries are written, under the project folder."""
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(--[a-z0-9]+(-[a-z0-9]+)*)*$")
T = TypeVar("T")
HEADER = b"# Submitted through the API; validated against shapes/ before it was written.\n"


class Validator(Protocol):
    """What validating an entry needs of :class:`api.validation.ShaclValidator`."""

    def validate(self, data: EmbeddedStore, *, focus_nodes: Iterable[str] | None = None) -> ValidationReport: ...


class RepositoryContext:
    """The repository's asserted triples, parsed once, for validating new entries in context.

    Args:
        root: the project folder (its ``ontology/`` and ``evidence/`` are read).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        triples: list[ox.Triple] = []
        for path in knowledge_files(root):
            triples += parse_file(path)
        self.triples: list[ox.Triple] = triples

    def store_with(self, extra: list[ox.Triple]) -> EmbeddedStore:
        """A new store holding the repository and ``extra``."""
        store = EmbeddedStore()
        store.add_triples(self.triples + extra)
        return store

    def add(self, triples: list[ox.Triple]) -> None:
        """Count an accepted entry as part of the repository (a new list: readers keep a whole one)."""
        with self._lock:
            self.triples = self.triples + triples


@dataclass(frozen=True)
class Submission:
    """An accepted entry: its IRI, its file (relative to the project folder) and its SHACL report."""

    iri: str
    file: str
    report: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"iri": self.iri, "file": self.file, "report": self.report}


def media_of(content_type: str | None) -> str:
    """The media type of a ``Content-Type`` header, lowercase and without parameters (Turtle when there is none).

    >>> media_of("Text/Turtle; charset=utf-8"), media_of(None)
    ('text/turtle', 'text/turtle')
    """
    return (content_type or "text/turtle").split(";")[0].strip().lower()


def parse_entry(body: bytes, content_type: str | None) -> list[ox.Triple]:
    """The triples of a submitted body, read by its media type.

    Raises:
        EntryFormatError: the media type is not one of :data:`FORMATS`.
        EntryEncodingError: the body is not UTF-8.
        KnowledgeSyntaxError: the body is malformed (the error gives line and column).

    >>> [t.predicate.value for t in parse_entry(b"<urn:a> a <urn:B> .", "text/turtle")]
    ['http://www.w3.org/1999/02/22-rdf-syntax-ns#type']
    >>> parse_entry(b"", "text/html")
    Traceback (most recent call last):
    api.errors.EntryFormatError: Send the entry as text/turtle, application/ld+json, application/n-triples
    """
    media = media_of(content_type)
    if media not in FORMATS:
        raise EntryFormatError("entry_format", formats=", ".join(FORMATS))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EntryEncodingError("not_utf8") from exc
    return parse_text(text, FORMATS[media], name="entry")


def typed_resources(triples: Iterable[ox.Triple]) -> set[str]:
    """The IRIs the triples give an ``rdf:type``: the focus nodes of their validation."""
    return {t.subject.value for t in triples if t.predicate.value == RDF_TYPE and isinstance(t.subject, ox.NamedNode)}


def validate_triples(triples: list[ox.Triple], *, validator: Validator, context: RepositoryContext) -> ValidationReport:
    """Validate new triples against the shapes, in the context of the whole repository (stores nothing).

    Raises:
        EntryRefusedError: the triples declare no typed resource.
    """
    focus = typed_resources(triples)
    if not focus:
        raise EntryRefusedError("no_typed_resource")
    return validator.validate(context.store_with(triples), focus_nodes=focus)


def writable(store: EmbeddedStore | RemoteStore) -> EmbeddedStore:
    """The store entries are added to.

    Raises:
        SubmissionsUnavailableError: the service reads a remote endpoint.
    """
    if not isinstance(store, EmbeddedStore):
        raise SubmissionsUnavailableError("needs_embedded_store")
    return store


def entry_iri(triples: list[ox.Triple]) -> tuple[str, str]:
    """The IRI and slug of the one evidence entry the triples describe.

    Raises:
        EntryRefusedError: not exactly one ``mh:EvidenceEntry``, other subjects besides it, or an IRI that is not
            ``…/id/evidence/<lowercase slug>``.
    """
    kind = ox.NamedNode(VOCAB + "EvidenceEntry")
    entries = {t.subject for t in triples if t.predicate.value == RDF_TYPE and t.object == kind}
    if len(entries) != 1:
        raise EntryRefusedError("not_one_entry")
    subject = entries.pop()
    if {t.subject for t in triples} != {subject}:
        raise EntryRefusedError("entry_only")
    iri = subject.value if isinstance(subject, ox.NamedNode) else ""  # a blank node has no IRI: the slug check refuses it
    slug = iri.removeprefix(ID + "evidence/")
    if not SLUG.match(slug):
        raise EntryRefusedError("entry_slug", base=ID)
    return iri, slug


def _exists(iri: str) -> EntryExistsError:
    return EntryExistsError("entry_exists", iri=iri)


def submit_entry(triples: list[ox.Triple], *, store: EmbeddedStore | RemoteStore, root: Path, validator: Validator, context: RepositoryContext) -> Submission:
    """Check, validate, write and load one entry: a new file under ``evidence/entries/`` and the store's triples.

    The caller runs one submission at a time (see :func:`submit`). The file is written atomically and
    never overwrites another; if the store update fails, the file is removed again.

    Raises:
        SubmissionsUnavailableError: the store is remote.
        EntryRefusedError: the triples are not one entry of the expected form.
        EntryExistsError: the entry exists, as a file or in the store.
        EntryNotConformingError: the entry does not conform to the shapes (the report is attached).
    """
    target = writable(store)
    iri, slug = entry_iri(triples)
    relative = ENTRIES / f"{slug}.ttl"
    path = root / relative
    subject = ox.NamedNode(iri)
    if path.exists() or next(iter(target.native.quads_for_pattern(subject, None, None, ox.DefaultGraph())), None) is not None:
        raise _exists(iri)
    report = validate_triples(triples, validator=validator, context=context)
    if not report.conforms:
        raise EntryNotConformingError("entry_not_conforming", report=report.to_dict())
    body = cast(bytes, ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES))  # bytes when no output is given
    try:
        write_atomically(path, HEADER + body)
    except FileExistsError:
        raise _exists(iri) from None
    try:
        target.add_triples(triples)
        materialise(target)
    except BaseException:  # roll back the file whatever stopped the store update, then re-raise
        remove_durably(path)
        raise
    context.add(triples)
    return Submission(iri=iri, file=relative.as_posix(), report=report.to_dict())


async def serialised(lock: asyncio.Lock, work: Callable[[], T]) -> T:
    """``work()`` in a worker thread while holding ``lock``: writes one at a time, and waiters hold no thread.

    The lock is held until ``work`` has finished, even if the caller is cancelled meanwhile: a thread cannot
    be stopped, so the cancellation is passed on only once the write is done, and two writes never overlap.

    Raises:
        Whatever ``work`` raises; CancelledError when the caller was cancelled (after the work finished).
    """
    async with lock:
        running = asyncio.ensure_future(asyncio.to_thread(work))
        cancelled: asyncio.CancelledError | None = None
        while True:
            try:
                result = await asyncio.shield(running)
            except asyncio.CancelledError as exc:  # the caller, not the work (it is shielded): wait on
                cancelled = exc
                continue
            break
        if cancelled is not None:
            raise cancelled
        return result


async def submit(
    triples: list[ox.Triple],
    *,
    lock: asyncio.Lock,
    store: EmbeddedStore | RemoteStore,
    root: Path,
    validator: Validator,
    context: RepositoryContext,
) -> Submission:
    """:func:`submit_entry` in a worker thread, one submission at a time (see :func:`serialised`).

    Raises:
        The errors of :func:`submit_entry`.
    """
    return await serialised(lock, functools.partial(submit_entry, triples, store=store, root=root, validator=validator, context=context))


def remove_temporaries(root: Path) -> list[Path]:
    """Remove what an interrupted submission left in ``evidence/entries/`` (run at start-up, before anything is written)."""
    stale = remove_temporary_files(root / ENTRIES)
    for path in stale:
        log.warning("removed %s, left by an interrupted submission", path)
    return stale
