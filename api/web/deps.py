"""Dependencies of the request handlers: the service's state, who is asking, and the OpenAPI error entry.

The state itself is :class:`api.web.state.ServiceState` (re-exported here, where tests override the store).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel

from api.errors import (
    CurationError,
    EntryEncodingError,
    EntryExistsError,
    EntryFormatError,
    EntryNotConformingError,
    EntryRefusedError,
    SubmissionsUnavailableError,
    TokenMissingError,
    TokenRefusedError,
)
from api.web.state import ServiceState

__all__ = ["CURATION_STATUS", "ErrorDetail", "ServiceState", "client_of", "curation_status", "error", "get_state"]


class ErrorDetail(BaseModel):
    """The body of an error: a message, or (request validation, syntax errors) structured details."""

    detail: str | dict[str, Any] | list[Any]


def error(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for an error answered with :class:`ErrorDetail`."""
    return {"model": ErrorDetail, "description": description}


def get_state(request: Request) -> ServiceState:
    """The service's state (one per app)."""
    return request.app.state.mhkg  # type: ignore[no-any-return]


def client_of(request: Request) -> str:
    """Who is asking, for the per-client limits (the peer address; uvicorn applies trusted proxy headers)."""
    return request.client.host if request.client else "-"


# Interim, until the web error table maps the domain errors: the status of each curation refusal.
CURATION_STATUS: dict[type[CurationError], int] = {
    EntryFormatError: 415,
    EntryEncodingError: 400,
    EntryRefusedError: 422,
    EntryNotConformingError: 422,
    EntryExistsError: 409,
    SubmissionsUnavailableError: 409,
    TokenMissingError: 401,
    TokenRefusedError: 403,
}


def curation_status(exc: CurationError) -> tuple[int, dict[str, str] | None]:
    """The HTTP status of a curation refusal, and its headers (a missing token asks for a bearer token)."""
    status = next((code for cls, code in CURATION_STATUS.items() if isinstance(exc, cls)), 400)
    return status, ({"WWW-Authenticate": "Bearer"} if isinstance(exc, TokenMissingError) else None)
