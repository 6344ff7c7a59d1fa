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
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pyoxigraph as ox

import api.curation.workflow as workflow
from api.curation.people import Person
from api.errors import (
    EntryEncodingError,
    EntryExistsError,
    EntryFormatError,
    EntryRefusedError,
    InvalidParameterError,
    NotFoundError,
    SubmissionsUnavailableError,
)
from api.files import remove_durably, write_atomically
from api.files import remove_temporaries as remove_temporary_files
from api.knowledge.build import materialise
from api.knowledge.loader import knowledge_files, parse_file, parse_text
from api.store import EmbeddedStore, RemoteStore
from api.vocab import ID, VOCAB

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


class Validator(Protocol):
    """What validating an entry needs of :class:`api.validation.ShaclValidator`."""

    def validate(self, data: EmbeddedStore, *, focus_nodes: Iterable[str] | None = None) -> ValidationReport: ...


class RepositoryContext:
    """The repository's asserted triples, parsed once and kept per file, for validating entries in context.

    Args:
        root: the project folder (its ``ontology/`` and ``evidence/`` are read).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._files: dict[Path, list[ox.Triple]] = {path.resolve(): parse_file(path) for path in knowledge_files(root)}

    @property
    def triples(self) -> list[ox.Triple]:
        """Every asserted triple of the repository."""
        return [t for triples in self._files.values() for t in triples]

    def store_with(self, extra: list[ox.Triple], *, instead_of: Path | None = None) -> EmbeddedStore:
        """A new store holding the repository and ``extra``; without the file ``instead_of`` (the one ``extra`` replaces)."""
        skip = instead_of.resolve() if instead_of else None
        store = EmbeddedStore()
        store.add_triples([t for path, triples in self._files.items() if path != skip for t in triples] + extra)
        return store

    def put(self, path: Path, triples: list[ox.Triple]) -> None:
        """Count a written file as part of the repository (a new dict: readers keep a whole one)."""
        with self._lock:
            self._files = {**self._files, path.resolve(): list(triples)}


@dataclass(frozen=True)
class Submission:
    """An accepted entry: its IRI, its file (relative to the project folder) and its SHACL report."""

    iri: str
    file: str
    report: dict[str, Any]
    etag: str = ""
    status: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"iri": self.iri, "file": self.file, "status": self.status, "etag": self.etag, "report": self.report}


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


def validate_triples(
    triples: list[ox.Triple], *, validator: Validator, context: RepositoryContext, instead_of: Path | None = None
) -> ValidationReport:
    """Validate new triples against the shapes, in the context of the whole repository (stores nothing).

    Args:
        instead_of: the file the triples replace (left out of the context).

    Raises:
        EntryRefusedError: the triples declare no typed resource.
    """
    focus = typed_resources(triples)
    if not focus:
        raise EntryRefusedError("no_typed_resource")
    return validator.validate(context.store_with(triples, instead_of=instead_of), focus_nodes=focus)


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


def _entry_path(root: Path, slug: str) -> Path:
    return root / ENTRIES / f"{slug}.ttl"


def _commit(
    path: Path,
    record: workflow.EntryFile,
    *,
    new: bool,
    old: list[ox.Triple],
    old_bytes: bytes | None,
    store: EmbeddedStore,
    validator: Validator,
    context: RepositoryContext,
) -> tuple[bytes, dict[str, Any]]:
    """Validate the entry's new file in context, write it atomically, then swap its triples in the store.

    If the store update fails the old file is put back (a new file is removed), so the file and the store agree.
    """
    triples = record.triples()
    report = validate_triples(triples, validator=validator, context=context, instead_of=None if new else path)
    workflow.conforms(report)
    try:
        data = workflow.write(path, record, new=new)
    except FileExistsError:
        raise _exists(record.iri) from None
    try:
        workflow.replace_in_store(store, old, triples)
        materialise(store)
    except BaseException:  # roll back the file whatever stopped the store update, then re-raise
        if new or old_bytes is None:
            remove_durably(path)
        else:
            write_atomically(path, old_bytes, overwrite=True, mode=path.stat().st_mode & 0o777)
        raise
    context.put(path, triples)
    return data, report.to_dict()


def submit_entry(
    triples: list[ox.Triple],
    *,
    person: Person,
    store: EmbeddedStore | RemoteStore,
    root: Path,
    validator: Validator,
    context: RepositoryContext,
) -> Submission:
    """Check, validate, write and load one new entry: a draft in a new file under ``evidence/entries/``.

    The caller runs one write at a time (see :func:`submit`). The entry becomes a draft by ``person`` (version 1,
    with its submit step recorded); the file is written atomically and never overwrites another; if the store
    update fails, the file is removed again.

    Raises:
        SubmissionsUnavailableError: the store is remote.
        RoleError: the person is not a curator.
        EntryRefusedError: the triples are not one entry of the expected form, or set a status other than draft.
        EntryExistsError: the entry exists, as a file or in the store.
        EntryNotConformingError: the entry does not conform to the shapes (the report is attached).
    """
    target = writable(store)
    workflow.authorise(workflow.ACTIONS["submit"], person, None)
    iri, slug = entry_iri(triples)
    path = _entry_path(root, slug)
    subject = ox.NamedNode(iri)
    if path.exists() or next(iter(target.native.quads_for_pattern(subject, None, None, ox.DefaultGraph())), None) is not None:
        raise _exists(iri)
    record = workflow.first_version(iri, triples, person)
    data, report = _commit(path, record, new=True, old=[], old_bytes=None, store=target, validator=validator, context=context)
    return Submission(iri=iri, file=(ENTRIES / path.name).as_posix(), report=report, etag=workflow.etag_of(data), status="draft")


def _slug_iri(slug: str) -> str:
    if not SLUG.match(slug):
        raise NotFoundError("evidence", slug)
    return ID + "evidence/" + slug


def transition_entry(
    slug: str,
    action: str,
    *,
    person: Person,
    note: str | None,
    if_match: str | None,
    store: EmbeddedStore | RemoteStore,
    root: Path,
    validator: Validator,
    context: RepositoryContext,
    triples: list[ox.Triple] | None = None,
) -> Submission:
    """One step of the workflow on an existing entry: approve, publish, retract, or revise (with ``triples``, the new version).

    Raises:
        NotFoundError: no such entry file.
        PreconditionRequiredError, PreconditionFailedError: no ``If-Match``, or one naming another version.
        RoleError, TransitionError, FourEyesError, ReasonRequiredError: the step is not allowed (see :mod:`api.curation.workflow`).
        EntryRefusedError: a revision that is not one entry with this IRI.
        EntryNotConformingError: the entry with its new status or content does not conform.
    """
    target = writable(store)
    step = workflow.ACTIONS.get(action)
    if step is None or step.name == "submit":
        raise InvalidParameterError("one_of", name="action", choices=", ".join(["revise", *workflow.REVIEW_ACTIONS]))
    iri = _slug_iri(slug)
    path = _entry_path(root, slug)
    record, data = workflow.read(path, iri)
    workflow.check_if_match(if_match, workflow.etag_of(data), iri=iri, slug=slug)
    if step.name == "revise":
        if triples is None or entry_iri(triples)[0] != iri:
            raise EntryRefusedError("revision_same_iri", iri=iri)
        changed = workflow.revised(record, triples, person, note)
    else:
        changed = workflow.next_status(record, step, person, note)
    written, report = _commit(path, changed, new=False, old=record.triples(), old_bytes=data, store=target, validator=validator, context=context)
    return Submission(iri=iri, file=(ENTRIES / path.name).as_posix(), report=report, etag=workflow.etag_of(written), status=changed.status)


def _summary(slug: str, record: workflow.EntryFile, data: bytes) -> dict[str, Any]:
    """What the review page, the queue and the API say of an entry: status, version, ETag, authors, steps, diff."""
    return {
        "iri": record.iri,
        "slug": slug,
        "status": record.status,
        "version": record.version,
        "etag": workflow.etag_of(data),
        "authors": sorted(record.authors()),
        "history": record.activities(),
        "diff": workflow.diff(record),
    }


def entry_state(slug: str, *, root: Path) -> dict[str, Any]:
    """An entry's workflow state (see :func:`_summary`), with its text and the text of the version it replaced.

    Raises:
        NotFoundError: no such entry file.
    """
    record, data = workflow.read(_entry_path(root, slug), _slug_iri(slug))
    return _summary(slug, record, data) | {"previous_text": record.previous_text(), "text": workflow.canonical_turtle(record.entry)}


def review_queue(root: Path) -> list[dict[str, Any]]:
    """The entries waiting for a reviewer (drafts and reviewed ones not yet published), oldest change first."""
    out = []
    for path in sorted((root / ENTRIES).glob("*.ttl")):
        if path.name.startswith("."):
            continue
        try:
            record, data = workflow.read(path, ID + "evidence/" + path.stem)
        except Exception:  # noqa: BLE001, S112 - a file that does not parse is the validator's business, not the queue's
            continue
        if record.status in ("draft", "reviewed"):
            label = {t.object.language or "": t.object.value for t in record.entry if t.predicate == workflow.RDFS_LABEL and isinstance(t.object, ox.Literal)}
            summary = _summary(path.stem, record, data)
            out.append(summary | {"label": label, "changed": summary["history"][-1].get("time", "") if summary["history"] else ""})
    return sorted(out, key=lambda e: (e["changed"], e["slug"]))


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
    person: Person,
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
    return await serialised(lock, functools.partial(submit_entry, triples, person=person, store=store, root=root, validator=validator, context=context))


def remove_temporaries(root: Path) -> list[Path]:
    """Remove what an interrupted submission left in ``evidence/entries/`` (run at start-up, before anything is written)."""
    stale = remove_temporary_files(root / ENTRIES)
    for path in stale:
        log.warning("removed %s, left by an interrupted submission", path)
    return stale
