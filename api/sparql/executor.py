"""Public SPARQL queries run in sandboxed worker processes, scheduled without holding a thread.

pyoxigraph cannot interrupt a query in-process, so each query runs in a worker process that holds
its own copy of the store. A worker sees a write by what the write changed: the service's store
remembers its recent changes (:meth:`api.store.EmbeddedStore.changes_since`), and the worker applies
the quads removed and added since the version it holds, without anything being serialised whole. A
worker that cannot catch up so (a new one, or after a write whose change is not known, such as a
SPARQL Update) loads an N-Quads snapshot of the store, then the changes since that snapshot; a
snapshot is written only when no existing one can be brought up to date, and an old one is removed
as soon as no worker still reads it. Each worker:

- checks the query against the parse policy (:mod:`api.sparql.policy`) before evaluating it, under
  the same limits, so the parser itself is bounded too;
- cannot open an internet socket (:func:`api.sparql.sandbox.apply_worker_limits`: seccomp), so no
  query can reach another host even if it got past the policy;
- has an address-space limit and a lower CPU priority than the service.

A query that outlives the timeout gets its worker killed and replaced. A worker that dies (over
its memory limit, or a crash) is replaced too, and the caller gets a clear error, never a 500.

Waiting for a worker is an ``await`` on the event loop, not a blocked thread, so ``/health`` and
every other route keep answering while many queries queue. One client cannot hold every worker:
it may run at most ``per_client_running`` queries at once and have at most ``per_client_queued``
in flight; a further one is refused at once with a ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import multiprocessing as mp
import os
import signal
import tempfile
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from api.errors import (  # the errors are defined with the whole hierarchy; importable from here as before
    ClientLimitError,
    ExecutorError,  # noqa: F401 - re-exported: callers catch it from here
    QueryBusyError,
    QueryFailedError,
    QueryRefusedError,
    QueryTimeoutError,
    TooManyRowsError,
    WorkerFailedError,
)
from api.settings import Settings
from api.sparql.results import term_json
from api.store.protocol import serialize
from api.vocab import PREDECLARED, PREFIXES

DEFAULT_TIMEOUT: float = Settings.model_fields["query_timeout"].default
DEFAULT_MAX_ROWS: int = Settings.model_fields["max_rows"].default
DEFAULT_MEMORY_MB: int = Settings.model_fields["worker_memory_mb"].default  # per worker


class _RowCap(Exception):  # noqa: N818 - internal signal from the worker's evaluation
    pass


def _capped_solutions(result: ox.QuerySolutions, max_rows: int, media: str) -> bytes:
    """Serialise at most ``max_rows`` solutions; evaluation stops at the first row beyond them.

    The rows are read lazily, so a huge answer is never materialised: one row past the cap
    raises. The capped rows go through the lossless JSON format and, for the other formats,
    through pyoxigraph's own serialisers.
    """
    variables = [v.value for v in result.variables]
    rows = list(itertools.islice(result, max_rows + 1))
    if len(rows) > max_rows:
        raise _RowCap
    bindings = [{v: term_json(row[v]) for v in variables if row[v] is not None} for row in rows]
    data = json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False, separators=(",", ":")).encode()
    fmt = ox.QueryResultsFormat.from_media_type(media)
    if fmt == ox.QueryResultsFormat.JSON:
        return data
    return bytes(ox.parse_query_results(data, ox.QueryResultsFormat.JSON).serialize(format=fmt) or b"")


@dataclass(frozen=True)
class Job:
    """One public query and how to answer it.

    ``default_graph`` and ``named_graphs`` are the protocol's dataset (``default-graph-uri``,
    ``named-graph-uri``): IRIs of graphs in the store. None for both = the query's own dataset
    (``FROM``/``FROM NAMED``) or the store's default graph.
    """

    text: str
    results_format: str = "application/sparql-results+json"
    graph_format: str = "text/turtle"
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    base_iri: str | None = None


@dataclass
class Answer:
    kind: str  # "solutions" | "boolean" | "graph" | "checked"
    body: bytes
    media: str


@dataclass(frozen=True)
class WorkerOptions:
    """What every worker is started with."""

    memory_bytes: int | None
    deny_network: bool = True
    policy: bool = True


def _evaluate(store: ox.Store, job: Job, max_rows: int) -> tuple[str, bytes]:
    dataset: dict[str, Any] = {}
    if job.default_graph is not None or job.named_graphs is not None:
        dataset = {
            "default_graph": [ox.NamedNode(g) for g in job.default_graph or ()],
            "named_graphs": [ox.NamedNode(g) for g in job.named_graphs or ()],
        }
    result = store.query(job.text, prefixes=PREDECLARED, base_iri=job.base_iri, **dataset)
    if isinstance(result, ox.QueryTriples):
        triples = list(itertools.islice(result, max_rows + 1))
        if len(triples) > max_rows:
            raise _RowCap
        prefixes = PREFIXES if job.graph_format == "text/turtle" else None
        graph_format = ox.RdfFormat.from_media_type(job.graph_format)
        assert graph_format is not None  # the router offers only formats pyoxigraph writes
        return "graph", serialize(triples, graph_format, prefixes=prefixes)
    if isinstance(result, ox.QueryBoolean):
        return "boolean", bytes(result.serialize(format=ox.QueryResultsFormat.from_media_type(job.results_format)) or b"")
    return "solutions", _capped_solutions(result, max_rows, job.results_format)


def _worker(conn: Connection, options: WorkerOptions) -> None:  # runs in a child process
    from api.catalogue.internal import internal
    from api.sparql import policy, sandbox

    warm_up = internal("warm-up")  # read before the limits apply
    try:
        sandbox.apply_worker_limits(memory_bytes=options.memory_bytes, deny_net=options.deny_network)
    except (sandbox.SandboxError, ValueError, OSError) as exc:
        conn.send(("sandbox", str(exc).encode()))
        return
    policy.prepare()
    with contextlib.suppress(policy.PolicyError):
        policy.check_query(warm_up)  # import and warm the parser before the first visitor
    conn.send(("ready", b""))
    store: ox.Store | None = None
    while True:
        try:
            plan, job, max_rows = conn.recv()
        except (EOFError, ConnectionResetError):  # the service closed the pipe, or exited without closing it
            return
        try:
            if plan is not None and plan.snapshot is not None:
                store = None  # free the old copy before loading the new one
                store = ox.Store()
                store.bulk_load(path=plan.snapshot, format=ox.RdfFormat.N_QUADS)
            if plan is not None and store is not None:
                for removed, added in plan.changes:
                    for quad in ox.parse(removed, format=ox.RdfFormat.N_QUADS):
                        store.remove(quad)
                    store.extend(ox.parse(added, format=ox.RdfFormat.N_QUADS))
            conn.send(("started", b""))
            if options.policy:  # the engine evaluates exactly the text the policy parsed
                job = dataclasses.replace(job, text=policy.check_query(job.text).text)
            if store is None:
                conn.send(("checked", job.text.encode()))
                continue
            conn.send(_evaluate(store, job, max_rows))
        except policy.PolicyError as exc:
            conn.send(("refused", json.dumps({"key": exc.key, "params": exc.params}, default=str).encode()))
        except _RowCap:
            conn.send(("too-many", b""))
        except MemoryError:
            conn.send(("memory", b""))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc).encode()))
        except Exception as exc:  # noqa: BLE001 - any evaluation error becomes a 400 for the client
            conn.send(("error", str(exc).encode()))


@dataclass(frozen=True)
class _Plan:
    """How a worker gets to the data version a query wants: load ``snapshot`` (if any), then apply ``changes``
    (each the N-Quads of the quads removed, then of those added)."""

    version: str
    snapshot: str | None = None
    changes: tuple[tuple[bytes, bytes], ...] = ()


def _nquads(quads: list[ox.Quad]) -> bytes:
    return bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"") if quads else b""


class _Worker:
    def __init__(self, ctx: Any, options: WorkerOptions) -> None:
        self.parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, options), daemon=True, name="mhkg-query-worker")
        self.proc.start()
        child.close()
        self.ready = False
        self.version: str | None = None  # the data version its copy holds (None: no copy yet)

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.proc.kill()
        self.proc.join(timeout=5)
        with contextlib.suppress(OSError):
            self.parent.close()


@dataclass
class _Waiter:
    client: str
    future: asyncio.Future[_Worker]
    loop: asyncio.AbstractEventLoop


@dataclass
class _Counts:
    running: Counter[str] = field(default_factory=Counter)
    in_flight: Counter[str] = field(default_factory=Counter)


class QueryExecutor:
    """A small pool of sandboxed query worker processes over snapshots of a store.

    Args:
        store: the embedded store whose content the workers serve; None: the workers only check
            queries against the policy (a remote store evaluates them).
        workers: how many queries may run at once.
        timeout: seconds a query may run (and wait for a worker) before it is stopped.
        max_rows: the most solutions (or triples) one answer may hold.
        memory_mb: address-space limit of each worker, in MiB (None: no limit).
        per_client_running: queries one client may have running at once (default: all workers but one).
        per_client_queued: queries one client may have in flight (running or waiting).
        max_waiting: queries that may wait for a worker, over all clients.
        deny_network: install the seccomp filter in the workers (tests switch it off for a control).
        policy: check queries against the parse policy in the workers (tests switch it off to show
            that the sandbox alone stops SERVICE).
        changes: let workers catch up by the store's changes (False: a snapshot per data version, as
            before; the benchmark's baseline).
    """

    def __init__(
        self,
        store: Any,
        *,
        workers: int = 2,
        timeout: float = DEFAULT_TIMEOUT,
        max_rows: int = DEFAULT_MAX_ROWS,
        memory_mb: int | None = DEFAULT_MEMORY_MB,
        per_client_running: int | None = None,
        per_client_queued: int | None = None,
        max_waiting: int = 200,
        deny_network: bool = True,
        policy: bool = True,
        changes: bool = True,
    ) -> None:
        self.store = store
        self.timeout = timeout
        self.max_rows = max_rows
        self.workers = workers
        self.per_client_running = per_client_running or max(1, workers - 1)
        self.per_client_queued = per_client_queued or max(8, 4 * workers)
        self.max_waiting = max_waiting
        self.load_timeout = max(60.0, 10 * timeout)  # a new data version: the worker loads its snapshot first
        self._options = WorkerOptions(memory_bytes=memory_mb * 1024 * 1024 if memory_mb else None, deny_network=deny_network, policy=policy)
        self._ctx = mp.get_context("spawn")
        self._dir = tempfile.TemporaryDirectory(prefix="mhkg-snapshots-")
        self._lock = threading.Lock()  # guards the bookkeeping below; never held across an await
        self._snapshot_lock = threading.Lock()
        self._snapshot: tuple[str, str] | None = None
        self._snapshot_users: Counter[str] = Counter()
        self.changes = changes
        self.snapshots_written = 0
        self._idle: list[_Worker] = []
        self._waiting: deque[_Waiter] = deque()
        self._counts = _Counts()
        self._started = False
        self._closed = False

    # ------------------------------------------------------------------ workers
    def _start_workers(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        for _ in range(self.workers):
            self._offer(_Worker(self._ctx, self._options))

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        return _Worker(self._ctx, self._options)

    @staticmethod
    def _died(worker: _Worker) -> WorkerFailedError:
        worker.proc.join(timeout=2)
        code = worker.proc.exitcode
        if code == -signal.SIGABRT:  # Rust's allocator aborts when the address-space limit refuses memory
            return WorkerFailedError("memory", retry_after=1)
        return WorkerFailedError("crashed", code=code, retry_after=1)

    async def _ensure_ready(self, worker: _Worker, loop: asyncio.AbstractEventLoop) -> _Worker:
        """Wait (without a thread) for a new worker's 'ready'; a sandbox that cannot be set up fails closed."""
        if worker.ready:
            return worker
        kind, body = await self._receive(worker, loop, self.load_timeout)
        if kind == "sandbox":
            raise WorkerFailedError("no_sandbox", detail=body.decode())
        worker.ready = True
        return worker

    async def _receive(self, worker: _Worker, loop: asyncio.AbstractEventLoop, timeout: float) -> tuple[str, bytes]:
        """The worker's next message, awaited on the event loop (the pipe is watched, no thread waits)."""
        readable: asyncio.Future[None] = loop.create_future()
        fd = worker.parent.fileno()
        loop.add_reader(fd, lambda: None if readable.done() else readable.set_result(None))
        try:
            await asyncio.wait_for(readable, timeout)
        finally:
            loop.remove_reader(fd)
            # uvloop (libuv's uv_poll_init) leaves a watched fd non-blocking: a recv of an answer still on its way would
            # then fail with BlockingIOError and read as a dead worker, and a large send would fail the same way.
            os.set_blocking(fd, True)
        try:
            return await asyncio.to_thread(worker.parent.recv)  # a whole answer is already on its way
        except (EOFError, OSError) as exc:
            raise await asyncio.to_thread(self._died, worker) from exc  # joining the dead worker is off the loop too

    # ------------------------------------------------------------------ scheduling
    async def _acquire(self, client: str) -> _Worker:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._counts.in_flight[client] >= self.per_client_queued:
                raise ClientLimitError("client_limit", limit=self.per_client_queued, retry_after=max(1, int(self.timeout)))
            if self._idle and self._counts.running[client] < self.per_client_running:
                worker = self._idle.pop()
                self._counts.running[client] += 1
                self._counts.in_flight[client] += 1
                return worker
            if len(self._waiting) >= self.max_waiting:
                raise QueryBusyError("queue_full", retry_after=max(1, int(self.timeout)))
            waiter = _Waiter(client, loop.create_future(), loop)
            self._waiting.append(waiter)
            self._counts.in_flight[client] += 1
        try:
            return await asyncio.wait_for(asyncio.shield(waiter.future), self.timeout)
        except (TimeoutError, asyncio.CancelledError) as exc:
            with self._lock:
                queued = waiter in self._waiting
                if queued:
                    self._waiting.remove(waiter)
                    self._counts.in_flight[client] -= 1
            if not queued:  # a worker was handed over just as the wait ended: pass it on when it arrives
                waiter.future.add_done_callback(lambda f: None if f.cancelled() or f.exception() else self._release(f.result(), client))
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise QueryBusyError("busy", retry_after=max(1, int(self.timeout))) from None

    def _release(self, worker: _Worker, client: str) -> None:
        """The client is done with the worker: count it, and offer the worker to whoever waits."""
        with self._lock:
            self._counts.running[client] -= 1
            self._counts.in_flight[client] -= 1
        self._offer(worker)

    def _offer(self, worker: _Worker) -> None:
        """Give the worker to the first waiting client that may run one more query, else mark it idle."""
        with self._lock:
            if self._closed:
                worker.kill()
                return
            for waiter in self._waiting:
                if self._counts.running[waiter.client] < self.per_client_running and not waiter.future.done():
                    self._waiting.remove(waiter)
                    self._counts.running[waiter.client] += 1
                    waiter.loop.call_soon_threadsafe(_hand_over, waiter.future, worker)
                    return
            self._idle.append(worker)

    # ------------------------------------------------------------------ snapshots and changes
    def _changes_since(self, version: str | None) -> tuple[str, tuple[tuple[bytes, bytes], ...]] | None:
        """The store's changes from ``version`` to now as N-Quads, with the version they bring one to; None if unknown."""
        changes_since = getattr(self.store, "changes_since", None)
        if not self.changes or version is None or changes_since is None:
            return None
        known = changes_since(version)
        if known is None:
            return None
        now, changes = known
        return now, tuple((_nquads(removed), _nquads(added)) for removed, added in changes)

    def _plan(self, worker: _Worker) -> _Plan | None:
        """How the worker gets to the store's current version (None: there is no store, only the policy runs).

        A worker that holds a version the store's changes start from gets those changes; else it gets the
        current snapshot with the changes since it, and a new snapshot is written only when there is none
        or it cannot be brought up to date. The snapshot handed out is counted as read until the query ends.
        """
        if self.store is None:
            return None
        version = self.store.data_version()
        if worker.version == version:
            return _Plan(version)
        caught_up = self._changes_since(worker.version)
        if caught_up is not None:
            return _Plan(caught_up[0], changes=caught_up[1])
        with self._snapshot_lock:
            if self._snapshot is not None and self._snapshot[1] == version:
                since: tuple[str, tuple[tuple[bytes, bytes], ...]] | None = (version, ())
            else:
                since = self._changes_since(self._snapshot[1]) if self._snapshot is not None else None
            if since is None or self._snapshot is None:
                path = Path(self._dir.name) / f"{version.replace('+', '-').replace('/', '-')}.nq"
                if not path.exists():
                    tmp = path.with_suffix(".tmp")
                    ox.serialize(self.store.quads(), output=str(tmp), format=ox.RdfFormat.N_QUADS)
                    os.replace(tmp, path)
                    self.snapshots_written += 1
                previous, self._snapshot = self._snapshot, (str(path), version)
                if previous is not None:
                    self._drop_if_unused(previous[0])
                since = (version, ())
            current = self._snapshot[0]
            self._snapshot_users[current] += 1
            return _Plan(since[0], snapshot=current, changes=since[1])

    def _done_with_snapshot(self, path: str | None) -> None:
        if path is None:
            return
        with self._snapshot_lock:
            self._snapshot_users[path] -= 1
            self._drop_if_unused(path)

    def _drop_if_unused(self, path: str) -> None:
        """Delete a snapshot that is no longer the current one and that no worker still reads (lock held)."""
        if (self._snapshot is None or path != self._snapshot[0]) and self._snapshot_users[path] <= 0:
            Path(path).unlink(missing_ok=True)
            self._snapshot_users.pop(path, None)

    def snapshots(self) -> list[Path]:
        """The snapshot files on disk now (at most the current one, plus any still being read)."""
        return sorted(Path(self._dir.name).glob("*.nq"))

    # ------------------------------------------------------------------ the one entry point
    async def run(self, job: Job, *, client: str = "-") -> Answer:
        """Check and evaluate a public query in a worker.

        Raises:
            QueryRefusedError: the parse policy refused it (400, with line and column where known).
            QueryFailedError: the engine could not evaluate it (400).
            TooManyRowsError: the answer has more than ``max_rows`` rows or triples (400).
            ClientLimitError: this client has too many queries in flight (429, Retry-After).
            QueryBusyError: no worker became free in time, or the queue is full (503, Retry-After).
            QueryTimeoutError: it ran longer than the timeout; the worker was replaced (503).
            WorkerFailedError: the worker died (over its memory limit, a crash) or cannot be sandboxed (503).
        """
        if self._closed:
            raise QueryBusyError("shutting_down")
        if not self._started:
            await asyncio.to_thread(self._start_workers)
        loop = asyncio.get_running_loop()
        worker = await self._acquire(client)
        plan: _Plan | None = None
        try:
            worker = await self._ensure_ready(worker, loop)
            plan = await asyncio.to_thread(self._plan, worker)
            worker.version = None  # until the worker says its copy is up to date (a failure midway leaves it unknown)
            worker.parent.send((plan, job, self.max_rows))
            kind, body = await self._receive(worker, loop, self.load_timeout)  # 'started': the copy is up to date
            if kind == "started":
                worker.version = plan.version if plan is not None else None
                kind, body = await self._receive(worker, loop, self.timeout)
        except TimeoutError:
            worker = await asyncio.to_thread(self._replace, worker)
            raise QueryTimeoutError("timeout", seconds=self.timeout, retry_after=1) from None
        except WorkerFailedError:
            worker = await asyncio.to_thread(self._replace, worker)
            raise
        except BaseException:  # cancelled (the client went away) or a broken pipe: the worker's state is unknown
            worker = self._replace(worker)
            raise
        finally:
            self._release(worker, client)
            self._done_with_snapshot(plan.snapshot if plan is not None else None)
        return self._answer(kind, body, job)

    def _answer(self, kind: str, body: bytes, job: Job) -> Answer:
        if kind == "refused":
            detail = json.loads(body)
            raise QueryRefusedError(detail["key"], **detail["params"])
        if kind == "too-many":
            raise TooManyRowsError("too_many_rows", limit=self.max_rows)
        if kind == "memory":
            raise WorkerFailedError("memory", retry_after=1)
        if kind == "syntax":
            from api.sparql.policy import engine_error

            raise QueryFailedError("engine_syntax", **engine_error(body.decode(), job.text))  # with its line, column and the line
        if kind == "error":
            raise QueryFailedError("engine_failed", detail=body.decode())
        media = job.graph_format if kind == "graph" else job.results_format
        return Answer(kind, body, media)  # "checked": the body is the canonical text to send to the remote store

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            waiting, self._waiting = list(self._waiting), deque()
        for worker in idle:
            worker.kill()
        for waiter in waiting:
            waiter.loop.call_soon_threadsafe(_fail, waiter.future)
        self._dir.cleanup()


def _hand_over(future: asyncio.Future[_Worker], worker: _Worker) -> None:
    """On the waiter's loop: give it the worker (the future is shielded, so only close() can have settled it)."""
    if future.done():
        worker.kill()
    else:
        future.set_result(worker)


def _fail(future: asyncio.Future[_Worker]) -> None:
    if not future.done():
        future.set_exception(QueryBusyError("shutting_down"))
