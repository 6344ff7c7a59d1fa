"""Curation over HTTP: validate an entry (stores nothing), submit one (a curator's token), and the reviewed workflow:
the review queue, an entry's workflow state with its ETag, revisions, and the reviewers' approve, publish and retract.

The logic is :mod:`api.curation`; this router reads the request, runs it and answers.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api import curation
from api.curation.people import CURATOR, REVIEWER
from api.errors import EntryNotConformingError
from api.web.deps import ServiceState, error, get_state
from api.web.steps import submit_as, take_step

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
    person = state.people.require(authorization, CURATOR)
    curation.writable(state.store)  # before the body is read
    triples = await _entry(request)
    try:
        done = await submit_as(state, triples, person)
    except EntryNotConformingError as exc:
        return JSONResponse(exc.report, status_code=422)  # the SHACL report is the body
    return JSONResponse(done.to_dict(), status_code=201, headers={"ETag": done.etag, "Location": f"/api/v1/evidence/{done.iri.rsplit('/', 1)[-1]}/review"})


STEP_ERRORS: dict[int | str, dict[str, Any]] = {
    400: error("The body is not JSON (or, for a new version, not well-formed RDF)"),
    401: error("No token"),
    403: error("Wrong token, the role is missing, or the reviewer submitted or revised this version themselves (four eyes)"),
    404: error("No such entry"),
    409: error("The entry's status does not allow the step (e.g. publishing a draft)"),
    412: error("If-Match names another version of the entry: read it again"),
    422: {"description": "The entry with its new status or content does not conform (the SHACL report is the body), or a retraction has no reason"},
    428: error("No If-Match: give the entry's ETag"),
}


async def _step(
    state: ServiceState,
    entry_id: str,
    action: str,
    *,
    authorization: str | None,
    if_match: str | None,
    note: str | None,
    triples: list[ox.Triple] | None = None,
) -> JSONResponse:
    person = state.people.require(authorization, CURATOR if action == "revise" else REVIEWER)
    try:
        done = await take_step(state, entry_id, action, person=person, if_match=if_match, note=note, triples=triples)
    except EntryNotConformingError as exc:
        return JSONResponse(exc.report, status_code=422)
    return JSONResponse(done.to_dict(), headers={"ETag": done.etag})


@router.get("/review-queue", summary="The entries waiting for review: drafts and reviewed entries not yet published, with their diffs")
def queue(state: ServiceState = Depends(get_state)) -> list[dict[str, Any]]:
    return curation.review_queue(state.root)


@router.get(
    "/evidence/{entry_id}/review",
    summary="An entry's workflow state: status, version, ETag (also as the header), who wrote this version, every step",
    responses={404: error("No such entry")},
)
def review_state(entry_id: str, state: ServiceState = Depends(get_state)) -> JSONResponse:
    found = curation.entry_state(entry_id, root=state.root)
    return JSONResponse(found, headers={"ETag": found["etag"]})


@router.put(
    "/evidence/{entry_id}",
    summary="Submit a new version of an entry (a curator's token, If-Match): it replaces the file, links to its predecessor and goes back to draft",
    responses={**STEP_ERRORS, 400: error("The body is not well-formed"), 415: error("Unsupported media type")},
    openapi_extra=BODY,
)
async def revise(
    entry_id: str,
    request: Request,
    state: ServiceState = Depends(get_state),
    authorization: str | None = Header(default=None),
    if_match: str | None = Header(default=None),
) -> JSONResponse:
    triples = await _entry(request)
    return await _step(state, entry_id, "revise", authorization=authorization, if_match=if_match, note=None, triples=triples)


STEP_BODY = Body(default=None, examples=[{"note": "Checked against the source's abstract."}])


STEP_SUMMARIES = {
    "approve": "Approve a draft (a reviewer's token, If-Match; never one's own version)",
    "publish": "Publish a reviewed entry (a reviewer's token, If-Match; never one's own version)",
    "retract": "Retract an entry from any state, with a reason in the note (a reviewer's token, If-Match)",
}


def _review_route(action: str) -> None:
    async def review(
        entry_id: str,
        state: ServiceState = Depends(get_state),
        body: dict[str, str] | None = STEP_BODY,
        authorization: str | None = Header(default=None),
        if_match: str | None = Header(default=None),
    ) -> JSONResponse:
        return await _step(state, entry_id, action, authorization=authorization, if_match=if_match, note=(body or {}).get("note"))

    router.add_api_route(f"/evidence/{{entry_id}}/{action}", review, methods=["POST"], summary=STEP_SUMMARIES[action], responses=STEP_ERRORS, name=action)


for _action in curation.workflow.REVIEW_ACTIONS:
    _review_route(_action)
