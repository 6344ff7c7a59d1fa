"""The test harness shared by ``tests/`` and ``benchmarks/``: one copy of each piece they both need.

* :mod:`harness.net`: a free loopback port, ``wait_until`` / ``wait_for``, and a recording loopback ``Listener``
  (the SSRF tests' oracle);
* :mod:`harness.servers`: uvicorn in a thread (``running``, ``serve_app``), and ``mhkg serve`` or Oxigraph in a
  child process (``mhkg_serve``, ``oxigraph_serve``);
* :mod:`harness.cli`: ``run_cli``, the ``mhkg`` command as a child process;
* :mod:`harness.loadgen`: the HTTP/1.1 load generator (``tests/web/test_load.py``, ``benchmarks/bench_load.py``);
* :mod:`harness.persistence`: the submission scenarios under concurrency and SIGKILL (``tests/store/test_persistence.py``,
  ``benchmarks/bench_persistence.py``).

It is a plain folder at the top of the checkout, not part of the installed ``mhkg`` package: pytest puts the
checkout on ``sys.path`` (``pythonpath`` in pyproject.toml), and each benchmark script does so itself.
"""

from __future__ import annotations

from harness.cli import run_cli
from harness.net import Listener, free_port, wait_for, wait_until
from harness.servers import OXIGRAPH_PROBE, ROOT, LiveServer, ServiceProcess, mhkg_serve, oxigraph_binary, oxigraph_serve, running, serve_app

__all__ = [
    "OXIGRAPH_PROBE",
    "ROOT",
    "LiveServer",
    "Listener",
    "ServiceProcess",
    "free_port",
    "mhkg_serve",
    "oxigraph_binary",
    "oxigraph_serve",
    "run_cli",
    "running",
    "serve_app",
    "wait_for",
    "wait_until",
]
