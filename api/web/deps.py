"""Shared state and dependencies of the service (tests override the store here)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request

from ..catalogue import QueryRunner
from ..config import project_root
from ..store import EmbeddedStore, RemoteStore


@dataclass
class ServiceState:
    """What every request handler may need."""

    store: EmbeddedStore | RemoteStore
    root: Path = field(default_factory=project_root)
    token: str | None = field(default_factory=lambda: os.environ.get("MHKG_WRITE_TOKEN") or None)
    runner: QueryRunner = field(init=False)
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    _validator: Any = None

    def __post_init__(self) -> None:
        self.runner = QueryRunner(self.store, root=self.root)

    @property
    def validator(self) -> Any:
        if self._validator is None:
            from ..validation import ShaclValidator

            self._validator = ShaclValidator(self.root)
        return self._validator

    @property
    def embedded(self) -> bool:
        return isinstance(self.store, EmbeddedStore)


def get_state(request: Request) -> ServiceState:
    return request.app.state.mhkg
