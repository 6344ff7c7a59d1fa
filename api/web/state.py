"""The service's state: what every request handler may need, with every cache it keeps declared here.

Derived views of the graph are kept in ONE cache, :class:`VersionedCache`, keyed by the store's data
version; the other lazily made parts (the SHACL validator, the query workers, the repository's parsed
triples for validating entries) are fields too. The state has slots: nothing can add an attribute to it
from outside.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from api.catalogue import QueryRunner
from api.catalogue.measures import MeasuresIndex
from api.curation.people import People, with_write_token
from api.settings import Settings
from api.store import EmbeddedStore, RemoteStore

if TYPE_CHECKING:
    from api.curation import RepositoryContext
    from api.sparql.executor import QueryExecutor
    from api.validation import ShaclValidator

VIEW_CACHE_SIZE = 2048
V = TypeVar("V")
PARTS = ("validator", "executor", "repository")  # made on first use, each under its own lock


class VersionedCache:
    """Derived views of the graph (plain dicts, rendered JSON and HTML, the network picture), kept for one data version.

    Every write to the store changes its data version, and the first look-up after it empties
    the cache, so a view is never served for content it was not computed from. A view computed
    while a write happened is not kept. Bounded (LRU), since keys may come from the URL.
    Cached values are shared between requests: callers must not change them.

    >>> cache = VersionedCache(size=2)
    >>> cache.get("v1", "a", lambda: 1), cache.get("v1", "a", lambda: 2), cache.get("v2", "a", lambda: 3)
    (1, 1, 3)
    """

    def __init__(self, size: int = VIEW_CACHE_SIZE) -> None:
        self.size = size
        self.version: str | None = None
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def lookup(self, version: str, key: Hashable, *, count: bool = True) -> tuple[bool, Any]:
        """Whether ``key`` is kept for ``version``, and its value (an older version empties the cache)."""
        with self.lock:
            if self.version != version:
                self.version, self.items = version, OrderedDict()
            if key in self.items:
                self.items.move_to_end(key)
                self.hits += 1
                return True, self.items[key]
            self.misses += count
            return False, None

    def keep(self, version: str, key: Hashable, value: Any) -> None:
        """Keep ``value`` for ``key``, unless the data changed since ``version`` (then it may be stale)."""
        with self.lock:
            if self.version != version:
                return
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def get(self, version: str, key: Hashable, compute: Callable[[], V]) -> V:
        """``compute()``, once per version and key."""
        found, value = self.lookup(version, key)
        if found:
            return value
        value = compute()
        self.keep(version, key, value)
        return value


@dataclass(slots=True, eq=False)
class ServiceState:
    """What every request handler may need.

    Args:
        store: the store to serve.
        settings: the service's settings (timeouts, limits, the write token, the project folder).
        root: the project folder (default: the settings' home); entries are written under it.
        token: the write token (default: the settings' write token; ``""`` switches writes off).
    """

    store: EmbeddedStore | RemoteStore
    settings: Settings = field(default_factory=Settings)
    root: Path = field(default=None)  # type: ignore[assignment]  # default: the settings' home
    token: str | None = None
    runner: QueryRunner = field(init=False)
    index: MeasuresIndex | None = field(init=False)
    """The organisations' measures, materialised (an embedded store); None: ``committee-measures`` is evaluated."""
    row_views: dict[int, tuple[dict, dict]] = field(default_factory=dict, init=False, repr=False)
    """An index row's id → (the row, its measure as the API gives it); see :func:`api.web.views._measures`."""
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    """Writes to the store and the repository (submissions, /update) go one at a time; waiters hold no thread."""
    views: VersionedCache = field(default_factory=VersionedCache, init=False)
    """The one cache of derived views, per data version."""
    query_timeout: float = field(init=False)
    query_workers: int = field(init=False)
    max_rows: int = field(init=False)
    worker_memory_mb: int = field(init=False)
    _validator: ShaclValidator | None = field(default=None, init=False, repr=False)
    _executor: QueryExecutor | None = field(default=None, init=False, repr=False)
    _repository: RepositoryContext | None = field(default=None, init=False, repr=False)
    people: People = field(init=False)
    """The curators and reviewers (settings' file or JSON), and the write token's holders as the curator maintainers."""
    _making: dict[str, threading.Lock] = field(default_factory=lambda: {part: threading.Lock() for part in PARTS}, init=False, repr=False)

    def __post_init__(self) -> None:
        self.root = self.root or self.settings.home
        self.token = self.settings.write_token if self.token is None else (self.token or None)
        self.query_timeout = self.settings.query_timeout
        self.query_workers = self.settings.query_workers
        self.max_rows = self.settings.max_rows
        self.worker_memory_mb = self.settings.worker_memory_mb
        self.index = MeasuresIndex.for_store(self.store, self.root)
        self.runner = QueryRunner(self.store, root=self.root, indexes={"committee-measures": self.index.rows} if self.index else None)
        self.people = with_write_token(People.load(self.settings.curators_file, self.settings.curators), self.token)

    @property
    def validator(self) -> ShaclValidator:
        """The SHACL validator of the project's shapes (compiled on first use)."""
        with self._making["validator"]:
            if self._validator is None:
                from api.validation import ShaclValidator

                self._validator = ShaclValidator(self.root)
            return self._validator

    @property
    def executor(self) -> QueryExecutor:
        """Worker processes for public queries (started on first use)."""
        with self._making["executor"]:
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

    @property
    def repository(self) -> RepositoryContext:
        """The repository's asserted triples, for validating entries in context (parsed on first use)."""
        with self._making["repository"]:
            if self._repository is None:
                from api.curation import RepositoryContext

                self._repository = RepositoryContext(self.root)
            return self._repository

    @property
    def embedded(self) -> bool:
        return isinstance(self.store, EmbeddedStore)

    def cached(self, key: Hashable, compute: Callable[[], V]) -> V:
        """``compute()``, once per data version and key (kept in :attr:`views`)."""
        return self.views.get(self.store.data_version(), key, compute)

    def peek(self, key: Hashable) -> Any:
        """The kept view for ``key`` at the current data version, or None (never computes)."""
        found, value = self.views.lookup(self.store.data_version(), key, count=False)
        return value if found else None

    def close(self) -> None:
        """Stop the query workers, if they were started."""
        with self._making["executor"]:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.close()
