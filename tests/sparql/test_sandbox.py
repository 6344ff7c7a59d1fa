"""The query workers' operating-system limits (api.sparql.sandbox), tried in real spawned processes.

Each test starts a child with multiprocessing's "spawn" context, as the executor does; the child
reports through its multiprocessing pipe (an AF_UNIX socket pair, so every report that arrives
shows the pipe survives the filter). Network attempts go to the ``listener`` fixture, which must
record nothing from a restricted child; the unrestricted control children show that the same
attempts do reach it, so the tests can tell the protection from a broken probe.

Nothing is skipped when seccomp is missing: :func:`~api.sparql.sandbox.deny_network` then raises
and the tests fail. Only the x86_64 compat-ABI test is skipped elsewhere (the ABIs do not exist).
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import multiprocessing as mp
import os
import platform
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from api.sparql import sandbox

CTX = mp.get_context("spawn")
CHILD_TIMEOUT = 60.0
MIB = 2**20
GIB = 2**30

Report = Callable[[str, Any], None]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp and /proc exist on Linux only")


# --------------------------------------------------------------------------- harness


def _child_main(conn: Any, stderr_path: str | None, name: str, args: tuple[Any, ...]) -> None:
    """Entry point of every test child: run the function ``name`` with a ``report`` callable."""
    if stderr_path is not None:
        fd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 2)
        os.close(fd)

    def report(key: str, value: Any) -> None:
        conn.send((key, value))

    try:
        globals()[name](report, *args)
    except BaseException:  # noqa: BLE001 - everything unexpected goes to the parent
        report("crash", traceback.format_exc())
    finally:
        conn.close()


def run_child(func: Callable[..., None], *args: Any, stderr_path: Path | None = None, timeout: float = CHILD_TIMEOUT) -> tuple[dict[str, Any], int | None]:
    """Run ``func(report, *args)`` in a spawned child; collect its reports and its exit code.

    The child is killed, and the test fails, if it is not done within ``timeout`` seconds.
    """
    parent, child = CTX.Pipe()
    proc = CTX.Process(target=_child_main, args=(child, None if stderr_path is None else str(stderr_path), func.__name__, args), daemon=True)
    proc.start()
    child.close()
    reports: dict[str, Any] = {}
    deadline = time.monotonic() + timeout
    try:
        while True:
            if not parent.poll(max(0.0, deadline - time.monotonic())):
                pytest.fail(f"the child {func.__name__} did not finish within {timeout} s; reports so far: {reports}")
            try:
                key, value = parent.recv()
            except EOFError:
                break
            reports[key] = value
        proc.join(max(0.1, deadline - time.monotonic()))
        if proc.is_alive():
            pytest.fail(f"the child {func.__name__} closed its pipe but did not exit within {timeout} s")
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join(5)
        parent.close()
    return reports, proc.exitcode


def no_crash(reports: dict[str, Any]) -> dict[str, Any]:
    assert "crash" not in reports, reports["crash"]
    return reports


def settle(received: list[bytes]) -> list[bytes]:
    """The listener's record once connections still in its backlog have been accepted."""
    time.sleep(0.5)
    return list(received)


def _attempt(func: Callable[[], Any]) -> tuple[str, int | None, str]:
    """``("ok", None, "")``, or the exception's class name, errno and message."""
    try:
        result = func()
    except Exception as exc:  # noqa: BLE001 - the outcome is what the test compares
        return type(exc).__name__, getattr(exc, "errno", None), str(exc)
    if hasattr(result, "close"):
        result.close()
    return "ok", None, ""


def _status(path: str = "/proc/self/status") -> dict[str, str]:
    fields = {}
    for line in Path(path).read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


# --------------------------------------------------------------------------- network


def child_sockets(report: Report, port: int, deny: bool) -> None:
    if deny:
        sandbox.deny_network()
    status = _status()
    report("status", (status["NoNewPrivs"], status["Seccomp"]))
    report("pipe", "the pipe to the parent works after the filter")
    report("tcp", _attempt(lambda: socket.create_connection(("127.0.0.1", port), timeout=5)))
    report("ipv6", _attempt(lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM)))
    report("udp", _attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)))
    report("netlink", _attempt(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)))
    report("packet", _attempt(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)))
    a, b = socket.socketpair()
    with a, b:
        a.sendall(b"ping")
        report("socketpair", (a.family, b.recv(4)))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        server.bind(f"\0mhkg-sandbox-test-{os.getpid()}")  # abstract namespace: no file to clean up
        server.listen(1)
        client.connect(server.getsockname())
        conn, _ = server.accept()
        with conn:
            client.sendall(b"pong")
            report("unix socket", conn.recv(4))
    left, right = mp.Pipe()
    left.send("over a new pipe")
    report("new pipe", right.recv())
    left.close()
    right.close()


@pytest.mark.parametrize("deny", [True, False], ids=["restricted", "control"])
def test_only_unix_sockets_in_a_restricted_child(listener: tuple[int, list[bytes]], deny: bool) -> None:
    port, received = listener
    reports, code = run_child(child_sockets, port, deny)
    no_crash(reports)
    assert code == 0
    assert reports["pipe"]
    assert reports["socketpair"] == (socket.AF_UNIX, b"ping")
    assert reports["unix socket"] == b"pong"
    assert reports["new pipe"] == "over a new pipe"
    if deny:
        assert reports["status"] == ("1", "2")  # no_new_privs set, seccomp filter mode
        for family in ("tcp", "ipv6", "udp", "netlink", "packet"):
            assert reports[family][:2] == ("PermissionError", errno.EACCES), (family, reports[family])
        assert settle(received) == []
    else:
        assert reports["tcp"] == ("ok", None, "")
        assert reports["udp"] == ("ok", None, "")
        assert settle(received) == [b""]  # the control child's connection did arrive


def child_service_query(report: Report, port: int, deny: bool) -> None:
    import pyoxigraph as ox

    if deny:
        sandbox.deny_network()

    def query() -> int:
        return sum(1 for _ in ox.Store().query(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"))

    report("query", _attempt(query))


@pytest.mark.parametrize("deny", [True, False], ids=["restricted", "control"])
def test_service_clause_cannot_reach_out(listener: tuple[int, list[bytes]], deny: bool) -> None:
    port, received = listener
    reports, code = run_child(child_service_query, port, deny)
    no_crash(reports)
    assert code == 0
    kind, _, message = reports["query"]
    if deny:
        assert (kind, message) == ("PermissionError", "Permission denied (os error 13)")
        assert settle(received) == []
    else:
        # The unprotected path: pyoxigraph does send the query out (our listener then hangs up).
        assert kind != "ok"
        got = settle(received)
        assert len(got) == 1 and got[0].startswith(b"POST /sparql"), got


def child_threads(report: Report, port: int) -> None:
    go = threading.Event()

    def attempt(label: str) -> None:
        go.wait(30)
        report(label, (_attempt(lambda: socket.create_connection(("127.0.0.1", port), timeout=5))[:2], _status("/proc/thread-self/status")["Seccomp"]))

    before = threading.Thread(target=attempt, args=("started before",))
    before.start()
    sandbox.deny_network()
    after = threading.Thread(target=attempt, args=("started after",))
    after.start()
    go.set()
    before.join(30)
    after.join(30)


def test_threads_running_before_the_filter_are_restricted_too(listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    reports, code = run_child(child_threads, port)
    no_crash(reports)
    assert code == 0
    assert reports["started before"] == (("PermissionError", errno.EACCES), "2")
    assert reports["started after"] == (("PermissionError", errno.EACCES), "2")
    assert settle(received) == []


def child_grandchild(report: Report, port: int) -> None:
    sandbox.deny_network()
    code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False)
    report("grandchild", (proc.returncode, proc.stderr.strip().splitlines()[-1:]))


def test_processes_started_by_a_restricted_child_are_restricted(listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    reports, code = run_child(child_grandchild, port)
    no_crash(reports)
    assert code == 0
    assert reports["grandchild"] == (1, ["PermissionError: [Errno 13] Permission denied"])
    assert settle(received) == []


def child_io_uring(report: Report, deny: bool) -> None:
    import pyseccomp

    if deny:
        sandbox.deny_network()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    params = ctypes.create_string_buffer(512)  # struct io_uring_params (120 bytes), zeroed
    number = pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, "io_uring_setup")
    fd = libc.syscall(ctypes.c_long(number), ctypes.c_long(4), params)
    report("io_uring_setup", (fd, ctypes.get_errno() if fd < 0 else 0))
    if fd >= 0:
        os.close(fd)


@pytest.mark.parametrize("deny", [True, False], ids=["restricted", "control"])
def test_io_uring_is_refused(deny: bool) -> None:
    reports, code = run_child(child_io_uring, deny)
    no_crash(reports)
    assert code == 0
    if deny:
        assert reports["io_uring_setup"] == (-1, errno.EACCES)
    else:  # a ring, or the kernel's own refusal (io_uring disabled: EPERM, absent: ENOSYS), but not the filter's
        assert reports["io_uring_setup"][1] != errno.EACCES


def child_compat_abi(report: Report, abi: str, deny: bool) -> None:
    """Create an AF_INET socket through a compat ABI of x86_64: i386 ``int 0x80`` socketcall, or x32."""
    import pyseccomp

    if deny:
        sandbox.deny_network()
    if abi == "x32":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        number = pyseccomp.resolve_syscall(pyseccomp.Arch.X32, "socket")  # includes the x32 bit
        fd = libc.syscall(ctypes.c_long(number), ctypes.c_long(socket.AF_INET), ctypes.c_long(socket.SOCK_STREAM), ctypes.c_long(0))
        report("result", fd if fd >= 0 else -ctypes.get_errno())
        return
    # i386 socketcall(SYS_SOCKET, args) by int 0x80; code and args in memory below 4 GiB (MAP_32BIT = 0x40),
    # since the i386 ABI passes 32-bit pointers.
    socketcall = pyseccomp.resolve_syscall(pyseccomp.Arch.X86, "socketcall")
    page = mmap.mmap(-1, mmap.PAGESIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x40, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    base = ctypes.addressof(ctypes.c_char.from_buffer(page))
    args = base + 64
    code = b"\x53" + b"\xb8" + struct.pack("<I", socketcall) + b"\xbb" + struct.pack("<I", 1) + b"\xb9" + struct.pack("<I", args) + b"\xcd\x80\x5b\xc3"
    page[: len(code)] = code  # push rbx; mov eax, socketcall; mov ebx, SYS_SOCKET; mov ecx, args; int 0x80; pop rbx; ret
    page[64:76] = struct.pack("<III", socket.AF_INET, socket.SOCK_STREAM, 0)
    fd = ctypes.CFUNCTYPE(ctypes.c_int)(base)()
    report("result", fd)


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the i386 and x32 ABIs exist on x86_64 only")
@pytest.mark.parametrize("abi", ["int80", "x32"])
@pytest.mark.parametrize("deny", [True, False], ids=["restricted", "control"])
def test_compat_abis_are_no_way_around_the_filter(abi: str, deny: bool) -> None:
    reports, code = run_child(child_compat_abi, abi, deny)
    no_crash(reports)
    if deny:
        assert code == -signal.SIGSYS  # the bad-architecture action kills the whole process
        assert "result" not in reports
    else:
        assert code == 0
        if abi == "int80":
            assert reports["result"] >= 0  # the bypass a native-only filter would leave open
        else:  # x32 is often not built into the kernel: ENOSYS, but the call is not killed
            assert reports["result"] >= 0 or reports["result"] == -errno.ENOSYS


def child_without_libseccomp(report: Report, port: int) -> None:
    sys.modules["pyseccomp"] = None  # type: ignore[assignment]  # makes `import pyseccomp` raise ImportError
    try:
        sandbox.deny_network()
    except sandbox.SandboxError as exc:
        report("error", str(exc))
    report("tcp", _attempt(lambda: socket.create_connection(("127.0.0.1", port), timeout=5))[0])


def test_deny_network_fails_closed_without_libseccomp(listener: tuple[int, list[bytes]]) -> None:
    port, _ = listener
    reports, code = run_child(child_without_libseccomp, port)
    no_crash(reports)
    assert code == 0
    assert reports["error"].startswith("libseccomp is not available")
    assert reports["tcp"] == "ok"  # nothing was installed: the caller must not go on after the error


# --------------------------------------------------------------------------- memory


def child_bytearray(report: Report, limited: bool) -> None:
    start = sandbox.vm_size()
    assert start is not None
    report("vm_size", start)
    if limited:
        sandbox.limit_memory(start + 256 * MIB)
    report("rlimit", resource.getrlimit(resource.RLIMIT_AS))
    report("big", _attempt(lambda: bytearray(GIB))[0])
    report("small", len(bytearray(MIB)))


@pytest.mark.parametrize("limited", [True, False], ids=["limited", "control"])
def test_python_allocations_over_the_limit_raise_memory_error(limited: bool) -> None:
    reports, code = run_child(child_bytearray, limited)
    no_crash(reports)
    assert code == 0
    assert reports["small"] == MIB  # the process survives and goes on allocating
    if limited:
        limit = reports["vm_size"] + 256 * MIB
        assert reports["rlimit"] == (limit, limit)
        assert reports["big"] == "MemoryError"
    else:
        assert reports["rlimit"][0] == resource.RLIM_INFINITY
        assert reports["big"] == "ok"


BIG_QUERIES = {
    "group_concat": "SELECT (GROUP_CONCAT(CONCAT(?a, ?b)) AS ?x) WHERE { ?s1 <http://e/p> ?a . ?s2 <http://e/p> ?b }",
    "order_by": "SELECT ?a ?b WHERE { ?s1 <http://e/p> ?a . ?s2 <http://e/p> ?b } ORDER BY ?a ?b",
}


def child_big_query(report: Report, query: str) -> None:
    import pyoxigraph as ox

    store = ox.Store()
    p = ox.NamedNode("http://e/p")
    store.extend([ox.Quad(ox.NamedNode(f"http://e/s{i}"), p, ox.Literal(f"value {i:06d} " + "x" * 100)) for i in range(3000)])
    start = sandbox.vm_size()
    assert start is not None
    sandbox.limit_memory(start + 256 * MIB)
    report("small query", sum(1 for _ in store.query("SELECT * WHERE { ?s <http://e/p> ?o }")))
    report("big query", _attempt(lambda: sum(1 for _ in store.query(query))))  # 9 million rows, ~2 GB of strings


@pytest.mark.parametrize("which", sorted(BIG_QUERIES))
def test_pyoxigraph_over_the_memory_limit_aborts(tmp_path: Path, which: str) -> None:
    """Rust cannot report a failed allocation to Python: the worker dies of SIGABRT, saying so on stderr.

    The executor sees its worker's pipe close with exit code -6 and answers 503 "over the memory limit".
    """
    stderr = tmp_path / "stderr.txt"
    reports, code = run_child(child_big_query, BIG_QUERIES[which], stderr_path=stderr)
    no_crash(reports)
    assert reports["small query"] == 3000  # the limit leaves room for ordinary queries
    assert "big query" not in reports  # no exception: the process is gone before it could answer
    assert code == -signal.SIGABRT
    text = stderr.read_text(errors="replace")
    assert "memory allocation of " in text and " bytes failed" in text, text[:2000]


def child_bad_limits(report: Report) -> None:
    start = sandbox.vm_size()
    assert start is not None
    report("zero", _attempt(lambda: sandbox.limit_memory(0))[:1])
    report("below use", _attempt(lambda: sandbox.limit_memory(start // 2))[:1])
    report("rlimit", resource.getrlimit(resource.RLIMIT_AS))


def test_nonsensical_memory_limits_are_refused() -> None:
    reports, code = run_child(child_bad_limits)
    no_crash(reports)
    assert code == 0
    assert reports["zero"] == ("ValueError",)
    assert reports["below use"] == ("ValueError",)
    assert reports["rlimit"][0] == resource.RLIM_INFINITY  # nothing was set


# --------------------------------------------------------------------------- priority and all together


def child_priority(report: Report) -> None:
    tid: list[int] = []
    done = threading.Event()

    def idle() -> None:
        tid.append(threading.get_native_id())
        done.wait(30)

    thread = threading.Thread(target=idle)
    thread.start()
    while not tid:
        time.sleep(0.01)
    before = (os.getpriority(os.PRIO_PROCESS, 0), os.getpriority(os.PRIO_PROCESS, tid[0]))
    sandbox.lower_priority(10)
    after = (os.getpriority(os.PRIO_PROCESS, 0), os.getpriority(os.PRIO_PROCESS, tid[0]))
    report("niceness", (before, after))
    report("negative", _attempt(lambda: sandbox.lower_priority(-1))[0])
    done.set()
    thread.join(30)


def test_lower_priority_covers_running_threads() -> None:
    reports, code = run_child(child_priority)
    no_crash(reports)
    assert code == 0
    (main_before, thread_before), after = reports["niceness"]
    assert after == (min(19, main_before + 10), min(19, thread_before + 10))
    assert after[0] > main_before or main_before == 19
    assert reports["negative"] == "ValueError"


def child_apply(report: Report, port: int, memory: bool, deny_net: bool, niceness: int) -> None:
    start = sandbox.vm_size()
    assert start is not None
    nice_before = os.nice(0)
    sandbox.apply_worker_limits(memory_bytes=start + 512 * MIB if memory else None, deny_net=deny_net, niceness=niceness)
    report("seccomp", _status()["Seccomp"])
    report("rlimit", (resource.getrlimit(resource.RLIMIT_AS)[0], start + 512 * MIB))
    report("niceness", os.nice(0) - nice_before)
    report("tcp", _attempt(lambda: socket.create_connection(("127.0.0.1", port), timeout=5))[0])


def test_apply_worker_limits(listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    reports, code = run_child(child_apply, port, True, True, 10)
    no_crash(reports)
    assert code == 0
    assert reports["seccomp"] == "2"
    limit, wanted = reports["rlimit"]
    assert limit == wanted
    assert reports["niceness"] == 10 or os.nice(0) + 10 > 19
    assert reports["tcp"] == "PermissionError"
    assert settle(received) == []


def test_apply_worker_limits_can_leave_things_alone(listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    reports, code = run_child(child_apply, port, False, False, 0)
    no_crash(reports)
    assert code == 0
    assert reports["seccomp"] == _status()["Seccomp"]  # as inherited from this (unfiltered) test process
    assert reports["rlimit"][0] == resource.getrlimit(resource.RLIMIT_AS)[0]
    assert reports["niceness"] == 0
    assert reports["tcp"] == "ok"
    assert settle(received) == [b""]
