"""Three more SPARQL engines beside the Oxigraph server, for the catalogue comparison (``tests/store/test_engines.py``).

``scripts/setup-engines`` installs them (``scripts/setup`` calls it); each helper here raises :class:`EngineMissingError`,
naming that command, when its engine is not installed.

* **Apache Jena ARQ** (Debian's ``libapache-jena-java``): a command line, no server. :func:`arq_select` runs
  ``arq.sparql --data F.nt --query Q.rq --results=json`` once per query text, two at a time. The classpath and the
  jar that mends Debian's packaging (the xerces message resources left under their old package) are made by the
  set-up under ``build/engines/jena/``. Fuseki, the server around ARQ, is not packaged anywhere reachable here.
* **Virtuoso 7** (Debian's ``virtuoso-opensource-7-bin``): :func:`virtuoso_serve` writes a minimal ``virtuoso.ini``
  into a folder (database, loopback-only SQL and HTTP ports) and starts ``virtuoso-t -f`` on it;
  :meth:`VirtuosoProcess.isql` runs a statement through ``isql-vt``.
* **Comunica 4** (npm ``@comunica/query-sparql-file``, in ``build/engines/comunica``): :func:`comunica_serve`
  serves one RDF file with ``comunica-sparql-file-http``. It listens on every interface and has no option to
  choose one, so it runs in a network namespace of its own (``unshare -n``) where the only interface is its
  loopback: nothing outside the machine, nor any other process on it, can reach it. The test reaches it from a
  thread that has joined that namespace (:meth:`ComunicaProcess.call`, ``setns(2)``); both need root
  (``CAP_SYS_ADMIN``), as ``unshare -n`` does.

Example::

    with comunica_serve(build / "mhkg-inferred.ttl") as comunica:
        comunica.wait_started()
        rows = comunica.call(lambda: RemoteStore(comunica.url + "/sparql").select("SELECT * WHERE { ?s ?p ?o } LIMIT 1"))
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from harness.net import LOOPBACK, free_port, wait_until
from harness.servers import ROOT, ServiceProcess

ENGINES = ROOT / "build" / "engines"
"""Where ``scripts/setup-engines`` puts what is not a Debian package (git-ignored, shared by worktrees)."""
SETUP = "scripts/setup-engines"
VIRTUOSO_PROBE = "/sparql?query=ASK%7B%7D"
"""Answers 200 once Virtuoso's SPARQL endpoint is up."""

T = TypeVar("T")


class EngineMissingError(RuntimeError):
    """An engine is not installed; the message says which, and the command that installs it."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not installed: run {SETUP} (scripts/setup runs it)")


# ------------------------------------------------------------------ Apache Jena ARQ (command line)
def arq_classpath() -> str:
    """The classpath the set-up wrote for ``arq.sparql`` (Debian's jars and the resource jar that mends them).

    Raises:
        EngineMissingError: Jena is not installed, or the set-up has not written the classpath.
    """
    listed = ENGINES / "jena" / "classpath"
    if shutil.which("java") is None or not listed.exists():
        raise EngineMissingError("Apache Jena ARQ (libapache-jena-java)")
    classpath = listed.read_text(encoding="utf-8").strip()
    if not all(Path(jar).exists() for jar in classpath.split(":")):
        raise EngineMissingError("Apache Jena ARQ (a jar of its classpath)")
    return classpath


def arq_select(data: Path, queries: Sequence[str], *, parallel: int = 2, timeout: float = 300) -> list[dict[str, Any]]:
    """Evaluate each query on ``data`` with ARQ, one JVM per query, ``parallel`` of them at a time.

    Args:
        data: An RDF file (N-Triples, Turtle …), the default graph.
        queries: SELECT or ASK query texts.
        parallel: JVMs running at once.
        timeout: Seconds each may take.

    Returns:
        The SPARQL results JSON of each query, in order.

    Raises:
        EngineMissingError: Jena is not installed.
        RuntimeError: ARQ failed on a query (with its message).
    """
    classpath = arq_classpath()
    with tempfile.TemporaryDirectory(prefix="arq-") as tmp:

        def run(numbered: tuple[int, str]) -> dict[str, Any]:
            number, text = numbered
            query = Path(tmp) / f"q{number}.rq"
            query.write_text(text, encoding="utf-8")
            cmd = ["java", "-cp", classpath, "arq.sparql", "--data", str(data), "--query", str(query), "--results=json"]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603 - our own command line
            if done.returncode != 0:
                raise RuntimeError(f"arq failed on query {number} ({done.returncode}): {done.stderr.strip()[-2000:]}")
            return json.loads(done.stdout)

        with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
            return list(pool.map(run, enumerate(queries)))


# ------------------------------------------------------------------ Virtuoso 7
VIRTUOSO_INI = """\
; Written by harness.engines.virtuoso_serve: one database folder, loopback only.
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx

[Parameters]
ServerPort = {host}:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {folder}
CheckpointInterval = 0

[HTTPServer]
ServerPort = {host}:{http_port}
ServerRoot = {folder}/vsp
ServerThreads = 4

[SPARQL]
ResultSetMaxRows = 1000000
"""


class VirtuosoProcess(ServiceProcess):
    """``virtuoso-t`` in the foreground on a folder of its own: HTTP (``/sparql``) on :attr:`port`, SQL on :attr:`sql_port`."""

    def __init__(self, folder: Path, *, http_port: int, sql_port: int, log: Path | None = None) -> None:
        self.folder, self.sql_port = folder, sql_port
        ini = folder / "virtuoso.ini"
        super().__init__(["virtuoso-t", "-f", "-c", str(ini)], port=http_port, cwd=folder, log=log)

    def isql(self, statement: str, *, timeout: float = 120) -> str:
        """Run one SQL statement (or several, each ended by ``;``) as ``dba`` through ``isql-vt``.

        Returns:
            What isql printed.

        Raises:
            RuntimeError: isql failed (with its output).
        """
        cmd = ["isql-vt", f"{self.host}:{self.sql_port}", "dba", "dba", f"exec={statement}"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=self.folder)  # noqa: S603 - our own command line
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql-vt: {statement}: {done.stdout.strip()} {done.stderr.strip()}")
        return done.stdout

    def allow_graph_store(self) -> None:
        """Let the anonymous ``SPARQL`` user write through the Graph Store endpoint (``/sparql-graph-crud``), as ``mhkg push`` does."""
        self.isql('grant SPARQL_UPDATE to "SPARQL";')


def virtuoso_serve(folder: Path, *, log: Path | None = None) -> VirtuosoProcess:
    """Write a minimal ``virtuoso.ini`` into ``folder`` (a new, empty database) and start Virtuoso on it, on loopback.

    Args:
        folder: The folder for the ini file, the database and the server root.
        log: A file for the server's output (None: ``folder/virtuoso.out``).

    Returns:
        The started server; it is up once ``wait_ready(VIRTUOSO_PROBE)`` returns (some 5 to 10 s).

    Raises:
        EngineMissingError: Virtuoso is not installed.
    """
    if shutil.which("virtuoso-t") is None or shutil.which("isql-vt") is None:
        raise EngineMissingError("Virtuoso 7 (virtuoso-opensource-7-bin)")
    (folder / "db").mkdir(parents=True, exist_ok=True)
    (folder / "vsp").mkdir(exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    ini = VIRTUOSO_INI.format(db=folder / "db", folder=folder, host=LOOPBACK, sql_port=sql_port, http_port=http_port)
    (folder / "virtuoso.ini").write_text(ini, encoding="utf-8")
    return VirtuosoProcess(folder, http_port=http_port, sql_port=sql_port, log=log or folder / "virtuoso.out")


# ------------------------------------------------------------------ Comunica 4, in a network namespace of its own
CLONE_NEWNET = 0x40000000


def comunica_binary() -> Path:
    """``comunica-sparql-file-http`` as the set-up installs it (it may be missing)."""
    return ENGINES / "comunica" / "node_modules" / ".bin" / "comunica-sparql-file-http"


class ComunicaProcess(ServiceProcess):
    """``comunica-sparql-file-http`` in a network namespace of its own; its ``url`` is reachable only through :meth:`call`."""

    def __init__(self, data: Path, *, port: int, log: Path | None = None) -> None:
        # unshare makes the namespace and runs the shell in it; the shell brings up its loopback and becomes Comunica
        script = 'ip link set lo up && exec "$0" "$@"'
        # -t: the seconds a query may run before Comunica kills its worker, which refuses every query until it has restarted
        # (the default, 60, is near what the slowest catalogue run takes here while the rest of the suite runs)
        cmd = ["unshare", "--net", "--", "sh", "-c", script, str(comunica_binary()), str(data), "-p", str(port), "-t", "300"]
        super().__init__(cmd, port=port, log=log)
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None

    def _namespace(self) -> str:
        return f"/proc/{self.proc.pid}/ns/net"

    def _join(self) -> None:
        """Move the calling thread (only it) into the server's network namespace."""
        fd = os.open(self._namespace(), os.O_RDONLY)
        try:
            if ctypes.CDLL(None, use_errno=True).setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns({self._namespace()}): {os.strerror(ctypes.get_errno())} (network namespaces need root)")
        finally:
            os.close(fd)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in a thread inside the server's network namespace, and return what it returns.

        The thread is made once and kept: every connection it opens is made in the namespace.
        """
        if self._pool is None:
            own = os.readlink("/proc/self/ns/net")
            if not wait_until(lambda: self.proc.poll() is not None or os.readlink(self._namespace()) != own, timeout=10):
                raise RuntimeError("unshare made no network namespace")
            if self.proc.poll() is not None:
                raise RuntimeError(f"comunica exited with {self.proc.returncode}: {self.output()}")
            self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="comunica-netns", initializer=self._join)
        return self._pool.submit(fn, *args).result()

    def wait_started(self, *, timeout: float = 120) -> None:
        """Return once the endpoint answers a query (from inside the namespace).

        Raises:
            RuntimeError: Comunica exited, or did not answer in time (with the end of its log).
        """
        import httpx

        def answers() -> bool:
            try:
                return httpx.get(self.url + "/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if self.call(answers):
                return
            time.sleep(0.2)
        why = f"comunica exited with {self.proc.returncode}" if self.proc.poll() is not None else f"comunica did not answer within {timeout:.0f} s"
        raise RuntimeError(f"{why}: {self.output()}")

    def stop(self, timeout: float = 30) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        super().stop(timeout)


def comunica_serve(data: Path, *, log: Path | None = None) -> ComunicaProcess:
    """Serve ``data`` (Turtle, N-Triples …: the file is the load) with Comunica in a network namespace of its own.

    Args:
        data: The RDF file to query.
        log: A file for the server's output (None: discarded).

    Returns:
        The started server; call :meth:`ComunicaProcess.wait_started` before using it.

    Raises:
        EngineMissingError: Comunica (or ``unshare``) is not installed.
    """
    if not comunica_binary().exists() or shutil.which("node") is None:
        raise EngineMissingError("Comunica (npm @comunica/query-sparql-file in build/engines/comunica)")
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        raise EngineMissingError("unshare and ip (util-linux, iproute2)")
    return ComunicaProcess(data, port=3000, log=log)
