"""Curation over HTTP: validate an entry (stores nothing) and submit one (token; atomic file + store).

The logic is :mod:`api.curation`; this router reads the request, runs it and answers.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api import curation
from api.errors import EntryNotConformingError
from api.web.deps import ServiceState, error, get_state

router = APIRouter(prefix="/api/v1", tags=["Curation"])
BODY = {"requestBody": {"content": {m: {"schema": {"type": "string"}} for m in curation.FORMATS}, "required": True}}


async def _entry(request: Request) -> list[ox.Triple]:
    """The request's entry as triples; a 400, 415 for what cannot be read."""
    return curation.parse_entry(await request.body(), request.headers.get("content-type"))  # KnowledgeSyntaxError, SubmissionRefused: the boundary answers


@router.post(
    "/validate",
    summary="Validate an entry (Turtle or JSON-LD) against the SHACL shapes; stores nothing",
    responses={
        400: error("The body is not well-formed (the detail gives line and column) or not UTF-8"),
        415: error("Unsupported media type"),
        422: error("The entry declares no typed resource"),
    },
    openapi_extra=BODY,
)
async def validate(request: Request, state: ServiceState = Depends(get_state)) -> dict[str, Any]:
    triples = await _entry(request)

    def check() -> dict[str, Any]:  # CPU work (and the validator's first compilation) off the event loop
        return curation.validate_triples(triples, validator=state.validator, context=state.repository).to_dict()

    return await run_in_threadpool(check)


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
    openapi_extra=BODY,
)
async def submit(request: Request, state: ServiceState = Depends(get_state), authorization: str | None = Header(default=None)) -> JSONResponse:
    curation.check_token(state.token, authorization)
    curation.writable(state.store)
    triples = await _entry(request)
    validator, context = await run_in_threadpool(lambda: (state.validator, state.repository))  # made on first use: off the event loop
    try:
        done = await curation.submit(triples, lock=state.write_lock, store=state.store, root=state.root, validator=validator, context=context)
    except EntryNotConformingError as exc:
        return JSONResponse(exc.report, status_code=422)  # the SHACL report is the body
    return JSONResponse(done.to_dict(), status_code=201)
