"""Loopback networking for tests and benchmarks: a free port, waiting loops and a recording listener."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from types import TracebackType

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that was free on ``host`` a moment ago.

    Prefer port 0 where the server can be asked for the port it bound (see :func:`harness.servers.running`);
    this is for servers in other processes, which must be told their port on the command line.

    Args:
        host: The address to bind.

    Returns:
        The port number.
    """
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float = 5, *, every: float = 0.02) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass.

    Args:
        condition: Called every ``every`` seconds.
        timeout: Seconds to wait at most.
        every: Seconds between two calls.

    Returns:
        True once ``condition`` held; else its value at the deadline.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def wait_for(url: str, *, timeout: float = 30, proc: subprocess.Popen[bytes] | None = None) -> bool:
    """Poll ``url`` until it answers with a success status.

    Args:
        url: The address to GET (a loopback server).
        timeout: Seconds to wait at most.
        proc: The server's process, if it runs in one: its death ends the wait.

    Returns:
        True once ``url`` answered 2xx; False if ``proc`` died or ``timeout`` passed first.
    """
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - local test servers only
                return True
        except OSError:
            if proc is not None and proc.poll() is not None:
                return False
            time.sleep(0.1)
    return False


class Listener:
    """A TCP listener on loopback that records every connection it gets (the oracle of the SSRF tests).

    Each connection is accepted, read once (up to 4 KiB, at most one second) and closed without an answer;
    what the read brought (``b""`` if nothing) is appended to :attr:`received`. A path that must never connect
    anywhere is shown to connect nowhere by an empty record.

    Use it as a context manager::

        with Listener() as listener:
            ...  # aim something at 127.0.0.1:listener.port
        assert listener.received == []
    """

    def __init__(self, *, host: str = LOOPBACK, backlog: int = 5) -> None:
        """Bind and listen at once (so :attr:`port` is known); accepting starts on entering the ``with`` block.

        Args:
            host: The address to listen on.
            backlog: The listen queue's length.
        """
        self.received: list[bytes] = []
        self._socket = socket.socket()
        self._socket.bind((host, 0))
        self._socket.listen(backlog)
        self._socket.settimeout(0.2)
        self.port: int = int(self._socket.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(conn.recv(4096))
                except OSError:
                    self.received.append(b"")

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop accepting and close the socket."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self._socket.close()
