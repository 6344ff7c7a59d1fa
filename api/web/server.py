"""The HTTP server behind ``mhkg serve``: uvicorn with httptools on uvloop, plus header and body timeouts and a connection limit.

uvicorn on its own has no timeout for reading a request: its keep-alive timer is only armed after a response, and
it is cancelled as soon as any byte arrives, so a client that sends one header byte every few seconds
("slowloris") or connects and sends nothing holds a connection for ever. This module closes that gap with a
subclass of each of uvicorn's HTTP/1.1 protocols: :class:`GuardedHttpToolsProtocol` (httptools, the C parser of
Node.js's llhttp, the default) and :class:`GuardedH11Protocol` (h11, pure Python, ``http="h11"``). Both apply the
same rules, and the tests run every rule against both:

* the request line and headers must be complete within ``header_timeout`` seconds, counted from the connection's
  start or, on a keep-alive connection, from the first byte of the next request (the idle time before that byte is
  uvicorn's ``timeout_keep_alive``). A client that sent part of a request gets ``408 Request Timeout`` with
  ``Connection: close``; a connection that sent nothing at all is closed without an answer (as nginx does; a
  browser's pre-opened connection must not show a 408 page);
* the request body must be complete within ``body_timeout`` seconds of the headers (a total, not an inactivity
  timeout, so a body dribbled one byte at a time is cut too). If the application has not started its response the
  client gets 408, otherwise the connection is just closed; either way the application's ``receive()`` then
  answers ``http.disconnect``, as it does when a client goes away.

The connection limit is uvicorn's ``limit_concurrency``: a request that arrives while more than ``max_connections``
connections are open (or tasks are running) is answered ``503 Service Unavailable`` with ``Connection: close``.
uvicorn still accepts the connection itself; the header timeout bounds how long an over-the-limit connection that
never sends a request can stay.

The protocol and the event loop are pinned (``http=GuardedHttpToolsProtocol``, ``loop="uvloop"``, ``ws="none"``; or
``GuardedH11Protocol`` on ``asyncio``), so the behaviour does not depend on what else happens to be installed.
httptools and uvloop are what ``uvicorn[standard]`` adds for speed (``benchmarks/bench_server.py`` measures both
protocols side by side); its WebSocket and reload packages are not needed, as the service has no WebSocket.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import threading
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from api.settings import HTTP_PROTOCOLS, Settings

DEFAULT_HEADER_TIMEOUT: float = Settings.model_fields["header_timeout"].default
DEFAULT_BODY_TIMEOUT = 30.0
DEFAULT_MAX_CONNECTIONS: int = Settings.model_fields["max_connections"].default
DEFAULT_KEEP_ALIVE = 5.0

_TIMEOUT_BODY = b"Request Timeout"


class GuardedConfig(uvicorn.Config):
    """A ``uvicorn.Config`` that also carries the read timeouts :class:`GuardedH11Protocol` applies.

    Args:
        app: The ASGI application.
        header_timeout: Seconds allowed for a request line and headers (see the module docstring).
        body_timeout: Seconds allowed for a request body once the headers are in; ``None`` for no bound.
        max_connections: The connection limit, kept for reference; it is applied through ``limit_concurrency``.
        **kwargs: Passed on to ``uvicorn.Config``.
    """

    def __init__(
        self,
        app: Any,
        *,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        body_timeout: float | None = DEFAULT_BODY_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        **kwargs: Any,
    ) -> None:
        if header_timeout <= 0:
            raise ValueError(f"header_timeout must be positive, not {header_timeout}")
        if body_timeout is not None and body_timeout <= 0:
            raise ValueError(f"body_timeout must be positive or None, not {body_timeout}")
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {max_connections}")
        super().__init__(app, **kwargs)
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.max_connections = max_connections


class _Deadlines:
    """The two deadlines, for either of uvicorn's HTTP/1.1 protocols (mixed in before it).

    The timers are re-evaluated when the connection is made, after every batch of received data and after every
    response (the protocol class calls :meth:`_update_timers`):

    * waiting for a request's head (:meth:`_awaiting_head`) and uvicorn's keep-alive timer not armed: the header
      timer runs (it is armed once and not pushed back by later bytes);
    * the client is sending a body (:meth:`_awaiting_body`): the body timer runs;
    * otherwise (the application is working, or the connection is ending) neither runs.

    The timeouts come from a :class:`GuardedConfig`; with a plain ``uvicorn.Config`` the module defaults apply.
    """

    # what the protocol class provides (uvicorn's, and the four questions below)
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    logger: logging.Logger
    client: tuple[str, int] | None
    cycle: Any
    timeout_keep_alive_task: asyncio.TimerHandle | None

    def _guard(self, config: uvicorn.Config) -> None:
        self.header_timeout: float = getattr(config, "header_timeout", DEFAULT_HEADER_TIMEOUT)
        self.body_timeout: float | None = getattr(config, "body_timeout", DEFAULT_BODY_TIMEOUT)
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._upgraded = False

    def _awaiting_head(self) -> bool:
        """No request is being answered and the next one's head is not complete."""
        raise NotImplementedError

    def _partial_head(self) -> bool:
        """Some bytes of the next request's head have arrived."""
        raise NotImplementedError

    def _awaiting_body(self) -> bool:
        """The request's head is in and its body is not."""
        raise NotImplementedError

    def _send_408(self) -> None:
        raise NotImplementedError

    # Protocol interface

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the connection as uvicorn does, then arm the header timer (from the connection's start).

        Args:
            transport: The connection's transport.
        """
        super().connection_made(transport)  # type: ignore[misc]
        self._update_timers()

    def connection_lost(self, exc: Exception | None) -> None:
        """Cancel this class's timers, then let uvicorn clean up.

        Args:
            exc: The error that ended the connection, or None for a normal close.
        """
        self._cancel_timers()
        super().connection_lost(exc)  # type: ignore[misc]

    # Timers

    def _update_timers(self) -> None:
        if self._upgraded or self.transport is None or self.transport.is_closing():
            self._cancel_timers()
            return
        if self._awaiting_head():
            if self._header_timer is None and self.timeout_keep_alive_task is None:
                self._header_timer = self.loop.call_later(self.header_timeout, self._on_header_timeout)
        elif self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        if self._awaiting_body():
            if self._body_timer is None and self.body_timeout is not None:
                self._body_timer = self.loop.call_later(self.body_timeout, self._on_body_timeout)
        elif self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _cancel_timers(self) -> None:
        for timer in (self._header_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._header_timer = self._body_timer = None

    def _prefix(self) -> str:
        return f"{self.client[0]}:{self.client[1]} - " if self.client else ""

    def _on_header_timeout(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or not self._awaiting_head():
            return
        if self._partial_head():
            self.logger.warning("%sRequest headers not complete within %s s; answering 408 and closing.", self._prefix(), self.header_timeout)
            self._send_408()
        else:
            self.logger.debug("%sNo request within %s s; closing the connection.", self._prefix(), self.header_timeout)
        # The write buffer (a 408) is flushed before the socket closes; uvicorn's connection_lost cleans up.
        self.transport.close()

    def _on_body_timeout(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or not self._awaiting_body():
            return
        self.logger.warning("%sRequest body not complete within %s s; closing the connection.", self._prefix(), self.body_timeout)
        cycle = self.cycle
        answer = cycle is not None and not cycle.response_started
        if cycle is not None:
            # From here on the application's send() is a no-op and its receive() answers http.disconnect.
            cycle.disconnected = True
            cycle.message_event.set()
        if answer:
            self._send_408()
        self.transport.close()


class GuardedH11Protocol(_Deadlines, H11Protocol):
    """uvicorn's h11 protocol with a deadline for the request head and one for the request body (:class:`_Deadlines`).

    It asks h11's states: the head is awaited while client and server are both ``IDLE``, the body while the client
    is in ``SEND_BODY``.
    """

    def __init__(self, config: uvicorn.Config, server_state: ServerState, app_state: dict[str, Any], _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._guard(config)

    def handle_events(self) -> None:
        """Parse the buffered data as uvicorn does, then re-arm or cancel the timers for the new h11 state."""
        super().handle_events()
        self._update_timers()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        """Hand the connection to the WebSocket protocol; this class's timers no longer apply.

        Args:
            event: The upgrade request.
        """
        self._upgraded = True
        self._cancel_timers()
        super().handle_websocket_upgrade(event)

    def _awaiting_head(self) -> bool:
        return self.conn.their_state is h11.IDLE and self.conn.our_state is h11.IDLE

    def _partial_head(self) -> bool:
        return bool(self.conn.trailing_data[0])

    def _awaiting_body(self) -> bool:
        return self.conn.their_state is h11.SEND_BODY

    def _send_408(self) -> None:
        if self.conn.our_state is not h11.SEND_RESPONSE and self.conn.our_state is not h11.IDLE:
            return  # a response has begun: the connection is only closed
        headers = [
            *self.server_state.default_headers,
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(_TIMEOUT_BODY)).encode("ascii")),
            (b"connection", b"close"),
        ]
        try:
            output = self.conn.send(h11.Response(status_code=408, headers=headers, reason=STATUS_PHRASES[408]))
            output += self.conn.send(h11.Data(data=_TIMEOUT_BODY))
            output += self.conn.send(h11.EndOfMessage())
        except h11.LocalProtocolError:  # a state h11 refuses to answer in: the connection is only closed
            return
        self.transport.write(output)


class GuardedHttpToolsProtocol(_Deadlines, HttpToolsProtocol):
    """uvicorn's httptools protocol with the same two deadlines (:class:`_Deadlines`).

    httptools has no connection state to ask, so this class follows the parser's callbacks: a request is
    ``idle`` until its first byte (``on_message_begin``), in its ``head`` until ``on_headers_complete``, in its
    ``body`` until ``on_message_complete``, then ``received`` until its response is complete.
    """

    def __init__(self, config: uvicorn.Config, server_state: ServerState, app_state: dict[str, Any], _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._guard(config)
        self._reading = "idle"

    def data_received(self, data: bytes) -> None:
        """Parse the data as uvicorn does, then re-arm or cancel the timers for where the request now is.

        Args:
            data: The bytes received.
        """
        super().data_received(data)
        self._update_timers()

    def handle_websocket_upgrade(self) -> None:
        """Hand the connection to the WebSocket protocol; this class's timers no longer apply."""
        self._upgraded = True
        self._cancel_timers()
        super().handle_websocket_upgrade()

    # Parser and response callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading = "head"

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._reading = "body"

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading = "received"

    def on_response_complete(self) -> None:
        if self._reading == "received":
            self._reading = "idle"
        super().on_response_complete()
        self._update_timers()

    def _awaiting_head(self) -> bool:
        return self._reading in ("idle", "head") and (self.cycle is None or self.cycle.response_complete)

    def _partial_head(self) -> bool:
        return self._reading == "head"

    def _awaiting_body(self) -> bool:
        return self._reading == "body"

    def _send_408(self) -> None:
        content = [STATUS_LINE[408]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: text/plain; charset=utf-8\r\n",
                b"content-length: " + str(len(_TIMEOUT_BODY)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                _TIMEOUT_BODY,
            ]
        )
        self.transport.write(b"".join(content))


class GuardedServer(uvicorn.Server):
    """``uvicorn.Server`` that sets a ``threading.Event`` once it is listening (for tests and embedding).

    Args:
        config: The server's configuration (normally from :func:`build_config`).
        ready: Set once the listening sockets are open; left unset if start-up fails.
    """

    def __init__(self, config: uvicorn.Config, ready: threading.Event | None = None) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start as uvicorn does, then signal ``ready``.

        Args:
            sockets: Already-bound sockets, as for ``uvicorn.Server.startup``.
        """
        await super().startup(sockets=sockets)
        if self.started and self.ready is not None:
            self.ready.set()


def build_config(
    app: Any,
    *,
    host: str,
    port: int,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    body_timeout: float | None = DEFAULT_BODY_TIMEOUT,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    keep_alive: float = DEFAULT_KEEP_ALIVE,
    backlog: int | None = None,
    log_config: dict[str, Any] | None = None,
    log_level: str | None = "info",
    access_log: bool = False,
    http: str = HTTP_PROTOCOLS[0],
) -> GuardedConfig:
    """The uvicorn configuration with the timeouts and the connection limit applied.

    Args:
        app: The ASGI application.
        host: Address to listen on.
        port: Port to listen on (0 for any free port).
        header_timeout: Seconds allowed for a request line and headers.
        body_timeout: Seconds allowed for a request body once the headers are in; ``None`` for no bound.
        max_connections: Open connections that are served; a request arriving while more are open gets 503.
        keep_alive: Seconds an idle keep-alive connection is kept between requests.
        backlog: The listening socket's accept queue; default ``max_connections`` (within 16..2048).
        log_config: A ``logging.config.dictConfig`` dictionary, or ``None`` to leave logging as it is.
        log_level: uvicorn's log level.
        access_log: Whether uvicorn writes its own access line (the service logs its own).
        http: ``"httptools"`` (:class:`GuardedHttpToolsProtocol` on uvloop) or ``"h11"`` (:class:`GuardedH11Protocol` on asyncio).

    Returns:
        The configuration, ready for :class:`GuardedServer`.

    Raises:
        ValueError: ``http`` is neither.
    """
    if http not in HTTP_PROTOCOLS:
        raise ValueError(f"http must be one of {', '.join(HTTP_PROTOCOLS)}, not {http!r}")
    protocol, loop = (GuardedHttpToolsProtocol, "uvloop") if http == "httptools" else (GuardedH11Protocol, "asyncio")
    return GuardedConfig(
        app,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
        max_connections=max_connections,
        host=host,
        port=port,
        http=protocol,
        loop=loop,
        ws="none",
        # uvicorn answers 503 when len(connections) >= limit_concurrency, counting the connection that makes the
        # request; + 1 so exactly max_connections connections are served and the next one gets 503.
        limit_concurrency=max_connections + 1,
        backlog=backlog if backlog is not None else min(2048, max(16, max_connections)),
        timeout_keep_alive=keep_alive,  # type: ignore[arg-type,unused-ignore]  # uvicorn annotates int; call_later takes a float
        log_config=log_config,
        log_level=log_level,
        access_log=access_log,
    )


def build_server(app: Any, *, ready: threading.Event | None = None, **options: Any) -> GuardedServer:
    """A server to run with ``server.run()`` (in a thread if you like) and stop with ``server.should_exit = True``.

    Args:
        app: The ASGI application.
        ready: Set once the server is listening.
        **options: The keyword arguments of :func:`build_config`.

    Returns:
        The server, not yet started.
    """
    return GuardedServer(build_config(app, **options), ready=ready)


def serve(app: Any, *, ready: threading.Event | None = None, **options: Any) -> None:
    """Run ``app`` until the process is interrupted (in the main thread, SIGINT/SIGTERM stop it gracefully).

    Like ``uvicorn.run`` with one process, but with the limits of :func:`build_config`.

    Args:
        app: The ASGI application.
        ready: Set once the server is listening.
        **options: The keyword arguments of :func:`build_config` (host, port, header_timeout, max_connections …).

    Raises:
        SystemExit: With status 3 (uvicorn's start-up failure) when the server could not start, e.g. the port is taken.
    """
    server = build_server(app, ready=ready, **options)
    try:
        server.run()
    except KeyboardInterrupt:  # pragma: no cover - a second Ctrl-C
        pass
    if not server.started:
        logging.getLogger("uvicorn.error").error("The server did not start.")
        sys.exit(3)
