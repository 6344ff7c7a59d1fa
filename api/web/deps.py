"""Shared state and dependencies of the service (tests override the store here)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from pydantic import BaseModel

from ..catalogue import QueryRunner
from ..config import project_root
from ..store import EmbeddedStore, RemoteStore
from .executor import DEFAULT_MEMORY_MB


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
    root: Path = field(default_factory=project_root)
    token: str | None = field(default_factory=lambda: os.environ.get("MHKG_WRITE_TOKEN") or None)
    runner: QueryRunner = field(init=False)
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    _validator: Any = None
    _executor: Any = None
    query_timeout: float = field(default_factory=lambda: float(os.environ.get("MHKG_QUERY_TIMEOUT", "10")))
    query_workers: int = field(default_factory=lambda: int(os.environ.get("MHKG_QUERY_WORKERS", "2")))
    max_rows: int = field(default_factory=lambda: int(os.environ.get("MHKG_MAX_ROWS", "10000")))
    worker_memory_mb: int = field(default_factory=lambda: int(os.environ.get("MHKG_WORKER_MEMORY_MB") or DEFAULT_MEMORY_MB))

    def __post_init__(self) -> None:
        self.runner = QueryRunner(self.store, root=self.root)

    @property
    def validator(self) -> Any:
        if self._validator is None:
            from ..validation import ShaclValidator

            self._validator = ShaclValidator(self.root)
        return self._validator

    @property
    def executor(self) -> Any:
        """Worker processes for public queries (started on first use)."""
        if self._executor is None:
            from .executor import QueryExecutor

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
