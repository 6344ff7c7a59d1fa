"""The HTTP server's read timeouts and connection limit (api/web/server.py), against real servers and sockets.

Each test runs a server on a free loopback port in a thread and talks to it over raw TCP. The CONTROL tests run
the same clients against a plain ``uvicorn.Config`` (what ``mhkg serve`` used before) and show them held open.
The limits are small in the tests (1 s timeouts, 4 connections); the bounds for "was cut" are generous. Every
protected test runs on both HTTP implementations the server offers (httptools, the default, and h11).
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI, Request

from api.settings import HTTP_PROTOCOLS
from api.web.server import GuardedConfig, GuardedH11Protocol, GuardedHttpToolsProtocol, GuardedServer, build_server
from harness import mhkg_serve, wait_for, wait_until
from harness import running as in_thread

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0
KEEP_ALIVE = 3.0
CUT_WITHIN = 5.0  # generous: "was cut" means closed by the server within this many seconds
DRIBBLE = 0.3  # seconds between the slow client's bytes
SLOW_HEAD = b"GET /health HTTP/1.1\r\nHost: x\r\n"


def tiny_app() -> FastAPI:
    """A FastAPI app with ``GET /health`` and ``POST /echo`` (answers the body's length)."""
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"length": len(await request.body())}

    return app


@dataclass
class Running:
    """A server running in a thread."""

    server: uvicorn.Server
    port: int

    def open_connections(self) -> int:
        return len(self.server.server_state.connections)

    def wait_connections(self, n: int, timeout: float = 5.0) -> bool:
        return wait_until(lambda: self.open_connections() == n, timeout)


@contextmanager
def running(server: uvicorn.Server) -> Iterator[Running]:
    """Run ``server`` (configured with port 0) in a thread; stop it with ``should_exit`` afterwards."""
    with in_thread(server) as live:
        assert server.started, "the server did not start"
        if isinstance(server, GuardedServer):
            assert server.ready is not None and server.ready.is_set(), "the ready event is set once the server listens"
        yield Running(server, live.port)
    assert not live.thread.is_alive(), "the server did not stop"


def guarded(**options: object) -> uvicorn.Server:
    """The protected server (the one ``mhkg serve`` runs) around the tiny app, with the tests' small limits."""
    settings: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 0,
        "header_timeout": HEADER_TIMEOUT,
        "body_timeout": BODY_TIMEOUT,
        "keep_alive": KEEP_ALIVE,
        "log_level": "warning",
    }
    settings.update(options)
    return build_server(tiny_app(), ready=threading.Event(), **settings)  # type: ignore[arg-type]


@pytest.fixture(params=HTTP_PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    """Each HTTP/1.1 implementation of the protected server."""
    return request.param


@pytest.fixture()
def protected(protocol: str) -> Iterator[Running]:
    with running(guarded(http=protocol)) as r:
        yield r


@pytest.fixture()
def unprotected() -> Iterator[Running]:
    """CONTROL: plain uvicorn, as ``uvicorn.run(app, ...)`` configured it before."""
    with running(uvicorn.Server(uvicorn.Config(tiny_app(), host="127.0.0.1", port=0, log_config=None, log_level="warning"))) as r:
        yield r


@dataclass
class Outcome:
    """How a slow client's connection ended: ``how`` is "eof", "reset" or "open" (still open at the end)."""

    how: str
    seconds: float  # from the start of the slow part to the server's close (or to giving up)
    received: bytes

    @property
    def cut(self) -> bool:
        return self.how in ("eof", "reset")

    @property
    def status(self) -> int | None:
        if not self.received.startswith(b"HTTP/1.1 "):
            return None
        return int(self.received[9:12])


def _dribble(sock: socket.socket, *, start: float, give_up: float, byte: bytes | None) -> Outcome:
    """Send ``byte`` every DRIBBLE seconds (or nothing if None) until the server closes or ``give_up`` seconds pass."""
    received = b""
    while time.monotonic() - start < give_up:
        readable, _, _ = select.select([sock], [], [], DRIBBLE)
        if readable:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return Outcome("reset", time.monotonic() - start, received)
            if not chunk:
                return Outcome("eof", time.monotonic() - start, received)
            received += chunk
            continue
        if byte is not None:
            try:
                sock.sendall(byte)
            except (BrokenPipeError, ConnectionResetError):
                return Outcome("reset", time.monotonic() - start, received)
    return Outcome("open", time.monotonic() - start, received)


def slowloris(port: int, *, give_up: float = CUT_WITHIN, keep_alive_first: bool = False, pause: float = 0.0) -> Outcome:
    """Open a connection, send a request line and Host header, then one header byte every DRIBBLE s, never finishing.

    Args:
        port: The server's port.
        give_up: Stop after this many seconds with the connection still open.
        keep_alive_first: First make one complete request on the connection and read its answer (keep-alive).
        pause: Seconds to stay idle between that answer and the slow request's first byte.
    """
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        if keep_alive_first:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            first = read_response(sock)
            assert first.startswith(b"HTTP/1.1 200 "), first
            time.sleep(pause)
            start = time.monotonic()
        sock.sendall(SLOW_HEAD)
        return _dribble(sock, start=start, give_up=give_up, byte=b"a")


def read_response(sock: socket.socket) -> bytes:
    """Read one response with a Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before the response head: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "closed before the response body"
        body += chunk
    return head + b"\r\n\r\n" + body


def get(port: int, path: str = "/health", headers: dict[str, str] | None = None) -> tuple[int, bytes, str | None]:
    """A normal request on a fresh connection: (status, body, the Connection header)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.getheader("connection")
    finally:
        conn.close()


def assert_cut_with_408_or_eof(outcome: Outcome) -> None:
    assert outcome.cut, f"still open after {outcome.seconds:.1f} s"
    assert outcome.seconds < CUT_WITHIN
    assert outcome.seconds >= HEADER_TIMEOUT * 0.9, f"cut before the timeout, after {outcome.seconds:.2f} s"
    if outcome.received:
        assert outcome.status == 408, outcome.received
        assert b"connection: close" in outcome.received.lower()


# The header timeout


def test_slowloris_is_cut_after_the_header_timeout(protected: Running) -> None:
    outcome = slowloris(protected.port)
    print(f"slowloris cut after {outcome.seconds:.2f} s ({outcome.how}, {outcome.status})")
    assert_cut_with_408_or_eof(outcome)
    assert outcome.how == "eof" and outcome.status == 408, "a client that sent part of a request is told 408, then the server closes"


def test_slowloris_on_a_keep_alive_connection_is_cut(protected: Running) -> None:
    # Idle for a while after the first answer (less than the keep-alive timeout): the header timer starts at the
    # next request's first byte, not at the end of the previous response.
    outcome = slowloris(protected.port, keep_alive_first=True, pause=1.0)
    print(f"keep-alive slowloris cut {outcome.seconds:.2f} s after its first byte ({outcome.how}, {outcome.status})")
    assert_cut_with_408_or_eof(outcome)
    assert outcome.status == 408


def test_a_connection_that_sends_nothing_is_closed(protected: Running) -> None:
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", protected.port), timeout=10) as sock:
        outcome = _dribble(sock, start=start, give_up=CUT_WITHIN, byte=None)
    print(f"silent connection closed after {outcome.seconds:.2f} s ({outcome.how})")
    assert_cut_with_408_or_eof(outcome)
    assert outcome.how == "eof" and outcome.received == b"", "nothing was asked, so nothing is answered (no 408 for a pre-opened connection)"


def test_an_idle_keep_alive_connection_is_closed_by_the_keep_alive_timeout(protected: Running) -> None:
    with socket.create_connection(("127.0.0.1", protected.port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 200 ")
        start = time.monotonic()
        outcome = _dribble(sock, start=start, give_up=KEEP_ALIVE + CUT_WITHIN, byte=None)
    assert outcome.how == "eof" and outcome.received == b""
    assert KEEP_ALIVE * 0.9 <= outcome.seconds < KEEP_ALIVE + CUT_WITHIN, outcome.seconds


def test_a_request_sent_in_pieces_within_the_timeout_is_answered(protected: Running) -> None:
    with socket.create_connection(("127.0.0.1", protected.port), timeout=10) as sock:
        for piece in (b"GET /hea", b"lth HTTP/1.1\r\nHo", b"st: x\r\n", b"\r\n"):
            sock.sendall(piece)
            time.sleep(HEADER_TIMEOUT / 5)
        assert read_response(sock).startswith(b"HTTP/1.1 200 ")


def test_a_normal_request_is_answered_while_a_slowloris_is_being_cut(protected: Running) -> None:
    result: list[Outcome] = []
    attacker = threading.Thread(target=lambda: result.append(slowloris(protected.port)))
    attacker.start()
    try:
        time.sleep(HEADER_TIMEOUT / 2)
        assert protected.open_connections() == 1, "the slowloris is connected"
        status, body, _ = get(protected.port)
        assert status == 200 and b'"ok"' in body
    finally:
        attacker.join(timeout=CUT_WITHIN + 5)
    assert result, "the slowloris client did not finish"
    assert_cut_with_408_or_eof(result[0])


# The body timeout


def slow_body(port: int, *, length: int = 100) -> Outcome:
    """POST /echo with ``Content-Length: length`` and the body dribbled one byte every DRIBBLE s."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n".encode())
        start = time.monotonic()
        return _dribble(sock, start=start, give_up=CUT_WITHIN, byte=b"b")


def test_a_slow_body_is_cut_after_the_body_timeout(protected: Running) -> None:
    outcome = slow_body(protected.port)
    print(f"slow body cut after {outcome.seconds:.2f} s ({outcome.how}, {outcome.status})")
    assert outcome.cut, f"still open after {outcome.seconds:.1f} s"
    assert BODY_TIMEOUT * 0.9 <= outcome.seconds < CUT_WITHIN
    assert outcome.how == "eof" and outcome.status == 408
    assert b"connection: close" in outcome.received.lower()
    # The server is fine afterwards, and nothing of the cut request is left.
    assert protected.wait_connections(0)
    assert get(protected.port)[0] == 200


def test_a_body_sent_at_once_is_read(protected: Running) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", protected.port, timeout=10)
    try:
        conn.request("POST", "/echo", body=b"x" * 100, headers={"Content-Type": "application/octet-stream"})
        resp = conn.getresponse()
        assert (resp.status, resp.read()) == (200, b'{"length":100}')
    finally:
        conn.close()


# The connection limit


def test_requests_beyond_max_connections_get_503(protocol: str) -> None:
    limit = 4
    # A long header timeout, so the idle connections are not cut while the test runs.
    with running(guarded(max_connections=limit, header_timeout=30.0, http=protocol)) as srv:
        idle = [socket.create_connection(("127.0.0.1", srv.port), timeout=10) for _ in range(limit - 1)]
        try:
            assert srv.wait_connections(limit - 1)
            # limit - 1 idle connections + this request's own = limit: still served.
            assert get(srv.port)[0] == 200
            idle.append(socket.create_connection(("127.0.0.1", srv.port), timeout=10))
            assert srv.wait_connections(limit)
            # One connection more than the limit: uvicorn accepts it, and answers its request 503 and closes it.
            status, body, connection = get(srv.port)
            assert (status, body, connection) == (503, b"Service Unavailable", "close")
            # uvicorn does not refuse connections at accept time: an idle one beyond the limit stays open (until the
            # header timeout); the limit applies to requests.
            idle.append(socket.create_connection(("127.0.0.1", srv.port), timeout=10))
            assert srv.wait_connections(limit + 1)
            idle.pop().close()
            idle.pop().close()
            assert srv.wait_connections(limit - 1)
            assert get(srv.port)[0] == 200, "below the limit again: served again"
        finally:
            for sock in idle:
                sock.close()


def test_the_configuration_pins_the_protocol_and_applies_the_limits() -> None:
    server = guarded(max_connections=7, keep_alive=2.5, header_timeout=3.0, body_timeout=4.0)
    config = server.config
    assert isinstance(config, GuardedConfig)
    assert config.http is GuardedHttpToolsProtocol and config.loop == "uvloop" and config.ws == "none"
    h11 = guarded(http="h11").config
    assert h11.http is GuardedH11Protocol and h11.loop == "asyncio" and h11.ws == "none"
    assert (config.header_timeout, config.body_timeout, config.timeout_keep_alive) == (3.0, 4.0, 2.5)
    assert config.limit_concurrency == 8  # uvicorn counts the requesting connection itself: 7 served, the 8th gets 503
    assert config.backlog == 16
    with pytest.raises(ValueError):
        guarded(header_timeout=0)
    with pytest.raises(ValueError, match="httptools, h11"):
        guarded(http="websockets")


# CONTROL: plain uvicorn (what `mhkg serve` ran before) keeps the same clients open


def test_control_plain_uvicorn_keeps_a_slowloris_open(unprotected: Running) -> None:
    outcome = slowloris(unprotected.port, give_up=3 * HEADER_TIMEOUT)
    assert outcome.how == "open" and outcome.received == b"", f"plain uvicorn cut the slowloris: {outcome}"
    assert outcome.seconds >= 3 * HEADER_TIMEOUT


def test_control_plain_uvicorn_keeps_a_silent_connection_open(unprotected: Running) -> None:
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", unprotected.port), timeout=10) as sock:
        outcome = _dribble(sock, start=start, give_up=3 * HEADER_TIMEOUT, byte=None)
    assert outcome.how == "open", f"plain uvicorn closed a silent connection: {outcome}"


# `mhkg serve` itself


def test_mhkg_serve_applies_the_limits() -> None:
    """``mhkg serve`` runs the protected server: --header-timeout and MHKG_MAX_CONNECTIONS take effect.

    It serves a remote store here (an endpoint nobody listens on, never contacted: /health does not use the store),
    so the real app starts without a build.
    """
    env = {"MHKG_MAX_CONNECTIONS": "2", "MHKG_HEADER_TIMEOUT": None}
    with mhkg_serve("--endpoint", "http://127.0.0.1:9/query", "--header-timeout", str(HEADER_TIMEOUT), env=env) as serve:
        port = serve.port
        assert wait_for(f"http://127.0.0.1:{port}/health", timeout=60, proc=serve.proc), "mhkg serve did not start"
        outcome = slowloris(port)
        print(f"mhkg serve cut the slowloris after {outcome.seconds:.2f} s ({outcome.how}, {outcome.status})")
        assert_cut_with_408_or_eof(outcome)
        assert outcome.status == 408
        # max connections 2: with two idle connections open, a third connection's request gets 503.
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(2)]
        try:
            time.sleep(0.3)  # let the server accept them (it is another process: its count cannot be read here)
            status, body, connection = get(port)
            assert (status, body, connection) == (503, b"Service Unavailable", "close")
        finally:
            for sock in idle:
                sock.close()
        deadline = time.monotonic() + 5
        while get(port)[0] != 200:
            assert time.monotonic() < deadline, "not served again once the idle connections closed"
            time.sleep(0.1)
