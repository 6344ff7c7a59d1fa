"""Live servers on loopback: uvicorn in a thread of this process, and ``mhkg serve`` or Oxigraph in a child process.

In a thread (the app object is at hand, e.g. one built on the session's store)::

    with serve_app(create_app(store)) as live:
        urllib.request.urlopen(live.url + "/health")

In a child process (the real command, its own interpreter)::

    with mhkg_serve(build_dir=build) as server:
        server.wait_ready()
        ...  # server.url, server.port, server.proc
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from harness.net import LOOPBACK, free_port, wait_for, wait_until

if TYPE_CHECKING:
    import uvicorn

ROOT = Path(__file__).resolve().parent.parent  # the checkout: `python -m api.cli` runs from here
OXIGRAPH_PROBE = "/query?query=ASK%7B%7D"  # answers 200 once an Oxigraph server is up


# ------------------------------------------------------------------ uvicorn in a thread
@dataclass
class LiveServer:
    """A uvicorn server running in a thread of this process."""

    server: uvicorn.Server
    thread: threading.Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        """The server's root, e.g. ``http://127.0.0.1:40123`` (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    def open_connections(self) -> int:
        """The connections the server holds open right now."""
        return len(self.server.server_state.connections)


@contextlib.contextmanager
def running(server: uvicorn.Server, *, start_timeout: float = 15, stop_timeout: float = 15) -> Iterator[LiveServer]:
    """Run ``server`` in a daemon thread until the ``with`` block ends.

    Configure the server with port 0: the port it bound is read back, so no other process can take it between
    choosing and binding.

    Args:
        server: A uvicorn server (e.g. ``uvicorn.Server(config)`` or ``api.web.server.build_server(...)``), not yet started.
        start_timeout: Seconds to wait for the server to listen.
        stop_timeout: Seconds to wait for its thread to end after ``should_exit`` is set.

    Yields:
        The running server; once the block ends, ``thread.is_alive()`` says whether it failed to stop in time.

    Raises:
        RuntimeError: The server did not start (its thread ended, or ``start_timeout`` passed).
    """
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), timeout=start_timeout, every=0.01)
    try:
        if not server.started:
            raise RuntimeError("the server did not start")
        host, port = server.servers[0].sockets[0].getsockname()[:2]
        yield LiveServer(server, thread, str(host), int(port))
    finally:
        server.should_exit = True
        thread.join(timeout=stop_timeout)


@contextlib.contextmanager
def serve_app(app: Any, *, host: str = LOOPBACK, stop_timeout: float = 10, **config: Any) -> Iterator[LiveServer]:
    """Serve an ASGI app with plain uvicorn in a thread, on a free loopback port.

    Args:
        app: The ASGI application (e.g. ``api.web.app.create_app(store)``).
        host: The address to listen on.
        stop_timeout: Seconds to wait for the server's thread to end.
        **config: More keyword arguments of ``uvicorn.Config`` (``log_level`` is "warning" unless given).

    Yields:
        The running server.
    """
    import uvicorn

    config.setdefault("log_level", "warning")
    with running(uvicorn.Server(uvicorn.Config(app, host=host, port=0, **config)), stop_timeout=stop_timeout) as live:
        yield live


# ------------------------------------------------------------------ child processes
class ServiceProcess:
    """A server in a child process, listening on a loopback port; started at construction.

    Leaving a ``with`` block (or :meth:`stop`) terminates it, and kills it if it does not end in time.
    """

    def __init__(self, cmd: Sequence[str], *, port: int, cwd: Path | None = None, env: Mapping[str, str] | None = None, log: Path | None = None) -> None:
        """Start ``cmd``.

        Args:
            cmd: The command line; it must make the server listen on ``port``.
            port: The loopback port the server listens on.
            cwd: The working directory.
            env: The whole environment (None: this process's).
            log: A file for the server's output, appended to (None: discarded; a pipe nobody reads would fill up).
        """
        self.host, self.port, self.log = LOOPBACK, port, log
        self._out: IO[bytes] = log.open("ab") if log is not None else open(os.devnull, "wb")  # noqa: SIM115 - closed by stop()/kill()
        self.proc: subprocess.Popen[bytes] = subprocess.Popen(  # noqa: S603 - our own command lines
            list(cmd), cwd=cwd, env=dict(env) if env is not None else None, stdout=self._out, stderr=subprocess.STDOUT
        )

    @property
    def url(self) -> str:
        """The server's root, e.g. ``http://127.0.0.1:40123``."""
        return f"http://{self.host}:{self.port}"

    def output(self, chars: int = 3000) -> str:
        """The last ``chars`` characters the server wrote ("" without a log file)."""
        if self.log is None or not self.log.exists():
            return ""
        self._out.flush()
        return self.log.read_text(errors="replace")[-chars:]

    def wait_ready(self, path: str = "/ready", *, timeout: float = 120) -> None:
        """Return once ``path`` answers with a success status.

        Args:
            path: What to poll, from the root.
            timeout: Seconds to wait at most.

        Raises:
            RuntimeError: The server exited, or was not ready in time (with the end of its log, if it has one).
        """
        if wait_for(self.url + path, timeout=timeout, proc=self.proc):
            return
        why = f"the service exited with {self.proc.returncode}" if self.proc.poll() is not None else f"the service was not ready within {timeout:.0f} s"
        log = self.output()
        raise RuntimeError(f"{why}: {log}" if log else why)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, nothing is flushed."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._out.close()

    def stop(self, timeout: float = 30) -> None:
        """Terminate the server (SIGTERM), and kill it if it has not ended after ``timeout`` seconds."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        self._out.close()

    def __enter__(self) -> ServiceProcess:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def child_env(env: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """This process's environment with ``env`` laid over it (a None value removes the variable)."""
    out = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def mhkg_serve(
    *args: str, build_dir: Path | None = None, env: Mapping[str, str | None] | None = None, log: Path | None = None, port: int | None = None
) -> ServiceProcess:
    """``mhkg serve`` (as ``python -m api.cli serve``, from the checkout) on a loopback port, in its own process.

    Args:
        *args: More options of ``mhkg serve`` (e.g. ``"--endpoint", url``).
        build_dir: The build to serve (``MHKG_BUILD_DIR``).
        env: Variables to set, or to remove (None), in the child's environment.
        log: A file for the server's output (None: discarded).
        port: The port (None: a free one).

    Returns:
        The started process; call :meth:`ServiceProcess.wait_ready` before using it.
    """
    port = port or free_port()
    full_env = child_env(env)
    if build_dir is not None:
        full_env["MHKG_BUILD_DIR"] = str(build_dir)
    cmd = [sys.executable, "-m", "api.cli", "serve", "--host", LOOPBACK, "--port", str(port), *args]
    return ServiceProcess(cmd, port=port, cwd=ROOT, env=full_env, log=log)


def oxigraph_binary() -> Path:
    """Where the ``oxigraph`` server of the PyPI package is installed (beside this interpreter); it may be missing."""
    return Path(sys.executable).parent / "oxigraph"


def oxigraph_serve(location: Path, *, read_only: bool = False, log: Path | None = None, port: int | None = None) -> ServiceProcess:
    """The Oxigraph server on a store folder, on a loopback port, in its own process.

    Args:
        location: The store's folder.
        read_only: Serve it read-only (``serve-read-only``).
        log: A file for the server's output (None: discarded).
        port: The port (None: a free one).

    Returns:
        The started process; it is up once ``wait_ready(OXIGRAPH_PROBE)`` returns.
    """
    port = port or free_port()
    cmd = [str(oxigraph_binary()), "serve-read-only" if read_only else "serve", "--location", str(location), "--bind", f"{LOOPBACK}:{port}"]
    return ServiceProcess(cmd, port=port, log=log)
