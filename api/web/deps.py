"""Dependencies of the request handlers: the service's state, who is asking, and the OpenAPI error entry.

The state itself is :class:`api.web.state.ServiceState` (re-exported here, where tests override the store).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel

from api.web.state import ServiceState

__all__ = ["ErrorDetail", "ServiceState", "client_of", "error", "get_state"]


class ErrorDetail(BaseModel):
    """The body of an error: a message, or (request validation, syntax errors) structured details."""

    detail: str | dict[str, Any] | list[Any]


def error(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for an error answered with :class:`ErrorDetail`."""
    return {"model": ErrorDetail, "description": description}


def get_state(request: Request) -> ServiceState:
    """The service's state (one per app)."""
    return request.app.state.mhkg


def client_of(request: Request) -> str:
    """Who is asking, for the per-client limits (the peer address; uvicorn applies trusted proxy headers)."""
    return request.client.host if request.client else "-"
