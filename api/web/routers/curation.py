"""Curation over HTTP: validate an entry (stores nothing) and submit one (token; atomic file + store)."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.errors import ConflictError, SubmissionRefused, UnreadableBodyError, UnsupportedMediaTypeError
from api.knowledge.build import materialise
from api.knowledge.loader import knowledge_files, parse_file, parse_text
from api.store import EmbeddedStore
from api.validation import ValidationReport
from api.vocab import ID, PREFIXES, VOCAB
from api.web.deps import ServiceState, check_token, error, get_state

log = logging.getLogger("mhkg.curation")
router = APIRouter(prefix="/api/v1", tags=["Curation"])
FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD, "application/n-triples": ox.RdfFormat.N_TRIPLES}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(--[a-z0-9]+(-[a-z0-9]+)*)*$")


class RepositoryContext:
    """The repository's asserted triples, parsed once, for validating new entries in context."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.triples: list[ox.Triple] = []
        for path in knowledge_files(root):
            self.triples += parse_file(path)

    def store_with(self, extra: list[ox.Triple]) -> EmbeddedStore:
        store = EmbeddedStore()
        store.add_triples(self.triples + extra)
        return store


def context(state: ServiceState) -> RepositoryContext:
    ctx = getattr(state, "_repository_context", None)
    if ctx is None:
        ctx = RepositoryContext(state.root)
        state._repository_context = ctx  # type: ignore[attr-defined]
    return ctx


def parse_body(body: bytes, content_type: str | None) -> list[ox.Triple]:
    """The entry's triples.

    Raises:
        UnsupportedMediaTypeError: not Turtle, JSON-LD or N-Triples.
        UnreadableBodyError: not UTF-8.
        KnowledgeSyntaxError: not well-formed (with line and column).
    """
    media = (content_type or "text/turtle").split(";")[0].strip().lower()
    if media not in FORMATS:
        raise UnsupportedMediaTypeError("entry_format", formats=", ".join(FORMATS))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableBodyError("not_utf8") from exc
    return parse_text(text, FORMATS[media], name="entry")


def validate_triples(state: ServiceState, triples: list[ox.Triple]) -> ValidationReport:
    focus = {t.subject.value for t in triples if t.predicate.value == RDF_TYPE and isinstance(t.subject, ox.NamedNode)}
    if not focus:
        raise SubmissionRefused("no_typed_resource")
    store = context(state).store_with(triples)
    return state.validator.validate(store, focus_nodes=focus)


@router.post(
    "/validate",
    summary="Validate an entry (Turtle or JSON-LD) against the SHACL shapes; stores nothing",
    responses={
        400: error("The body is not well-formed (the detail gives line and column) or not UTF-8"),
        415: error("Unsupported media type"),
        422: error("The entry declares no typed resource"),
    },
    openapi_extra={"requestBody": {"content": {m: {"schema": {"type": "string"}} for m in FORMATS}, "required": True}},
)
async def validate(request: Request, state: ServiceState = Depends(get_state)) -> dict[str, Any]:
    triples = parse_body(await request.body(), request.headers.get("content-type"))
    report = await run_in_threadpool(validate_triples, state, triples)  # CPU work off the event loop
    return report.to_dict()


TEMPORARY = ".*.tmp"  # write_atomically's temporary files: never loaded, removed at start-up


def write_atomically(path: Path, data: bytes) -> None:
    """Write a new file completely or not at all: temporary file, fsync, link into place, fsync the folder.

    The link (not a rename) fails if the file exists, so an entry is never overwritten. A crash
    leaves at most a hidden ``.<name>.*.tmp`` file, which is not knowledge (loaders read ``.ttl``)
    and is removed by :func:`remove_temporaries` at the next start.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, path)  # atomic, and fails if the file exists: never overwrites an entry
    finally:
        Path(tmp).unlink(missing_ok=True)
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    dirfd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dirfd)
    finally:
        os.close(dirfd)


def remove_temporaries(root: Path) -> list[Path]:
    """Remove what an interrupted write left behind (run at start-up, before anything is written)."""
    folder = root / "evidence" / "entries"
    stale = sorted(folder.glob(TEMPORARY)) if folder.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
        log.warning("removed %s, left by an interrupted submission", path)
    return stale


@router.post(
    "/evidence",
    status_code=201,
    summary="Submit a new evidence entry (bearer token); written as a new file and added to the store",
    responses={
        400: error("The body is not well-formed (the detail gives line and column) or not UTF-8"),
        401: error("No token"),
        403: error("Wrong token, or submissions are off"),
        409: error("The entry exists"),
        415: error("Unsupported media type"),
        422: {"description": "The entry does not conform (the SHACL report is the body), or is not one entry (a message)"},
    },
    openapi_extra={"requestBody": {"content": {m: {"schema": {"type": "string"}} for m in FORMATS}, "required": True}},
)
async def submit(request: Request, state: ServiceState = Depends(get_state), authorization: str | None = Header(default=None)) -> JSONResponse:
    check_token(state, authorization)
    if not state.embedded:
        raise ConflictError("needs_embedded_store")
    triples = parse_body(await request.body(), request.headers.get("content-type"))
    # Submissions are written one at a time. Waiting requests poll the lock instead of blocking a
    # worker thread each, so a burst of submissions never starves the readers of threads.
    while not state.write_lock.acquire(blocking=False):
        await asyncio.sleep(0.005)
    try:
        return await run_in_threadpool(_submit_locked, state, triples)
    finally:
        state.write_lock.release()


def _submit_locked(state: ServiceState, triples: list[ox.Triple]) -> JSONResponse:
    """Check, validate, write and load one entry; the caller holds ``state.write_lock``."""
    entries = {t.subject.value for t in triples if t.predicate.value == RDF_TYPE and t.object.value == VOCAB + "EvidenceEntry"}
    if len(entries) != 1:
        raise SubmissionRefused("not_one_entry")
    iri = entries.pop()
    if {t.subject.value for t in triples} != {iri}:
        raise SubmissionRefused("entry_only")
    slug = iri.removeprefix(ID + "evidence/")
    if not SLUG.match(slug):
        raise SubmissionRefused("entry_slug", base=ID)
    path = state.root / "evidence" / "entries" / f"{slug}.ttl"
    if path.exists() or state.store.ask(f"ASK {{ <{iri}> ?p ?o }}"):
        raise ConflictError("entry_exists", iri=iri)
    report = validate_triples(state, triples)
    if not report.conforms:
        return JSONResponse(report.to_dict(), status_code=422)
    body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    write_atomically(path, b"# Submitted through the API; validated against shapes/ before it was written.\n" + body)
    try:
        state.store.add_triples(triples)
        materialise(state.store)
    except BaseException:  # roll back the file whatever stopped the store update, then re-raise
        path.unlink(missing_ok=True)
        _fsync_folder(path.parent)
        raise
    context(state).triples += triples
    return JSONResponse({"iri": iri, "file": f"evidence/entries/{slug}.ttl", "report": report.to_dict()}, status_code=201)
