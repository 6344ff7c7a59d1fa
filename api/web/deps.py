"""Shared state and dependencies of the service (tests override the store here)."""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from pydantic import BaseModel

from api.catalogue import QueryRunner
from api.errors import AccessError, TokenRequiredError
from api.settings import Settings
from api.store import EmbeddedStore, RemoteStore


class ErrorDetail(BaseModel):
    """The body of an error: a message, or (request validation, syntax errors) structured details."""

    detail: str | dict[str, Any] | list[Any]


def error(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for an error answered with :class:`ErrorDetail`."""
    return {"model": ErrorDetail, "description": description}


@dataclass
class ServiceState:
    """What every request handler may need."""

    store: EmbeddedStore | RemoteStore
    settings: Settings = field(default_factory=Settings)
    root: Path = field(default=None)  # type: ignore[assignment]  # default: the settings' home
    token: str | None = None  # default: the settings' write token
    runner: QueryRunner = field(init=False)
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    _validator: Any = None
    _executor: Any = None
    query_timeout: float = field(init=False)
    query_workers: int = field(init=False)
    max_rows: int = field(init=False)
    worker_memory_mb: int = field(init=False)

    def __post_init__(self) -> None:
        self.root = self.root or self.settings.home
        self.token = self.settings.write_token if self.token is None else (self.token or None)
        self.query_timeout = self.settings.query_timeout
        self.query_workers = self.settings.query_workers
        self.max_rows = self.settings.max_rows
        self.worker_memory_mb = self.settings.worker_memory_mb
        self.runner = QueryRunner(self.store, root=self.root)

    @property
    def validator(self) -> Any:
        if self._validator is None:
            from api.validation import ShaclValidator

            self._validator = ShaclValidator(self.root)
        return self._validator

    @property
    def executor(self) -> Any:
        """Worker processes for public queries (started on first use)."""
        if self._executor is None:
            from api.sparql.executor import QueryExecutor

            self._executor = QueryExecutor(
                self.store if self.embedded else None,  # a remote store: the workers only check queries against the policy
                workers=self.query_workers,
                timeout=self.query_timeout,
                max_rows=self.max_rows,
                memory_mb=self.worker_memory_mb,
            )
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
            self._executor = None

    @property
    def embedded(self) -> bool:
        return isinstance(self.store, EmbeddedStore)


def get_state(request: Request) -> ServiceState:
    return request.app.state.mhkg


def check_token(state: ServiceState, authorization: str | None) -> None:
    """Let a write through with the right bearer token.

    Raises:
        AccessError: writes are off (no token is configured), or the token is wrong.
        TokenRequiredError: no bearer token was given.
    """
    if not state.token:
        raise AccessError("writes_off")
    if not authorization or not authorization.lower().startswith("bearer "):
        raise TokenRequiredError("token_required")
    given = authorization[7:].strip().encode()
    if not hmac.compare_digest(given, state.token.encode()):
        raise AccessError("token_invalid")
