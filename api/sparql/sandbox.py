"""Operating-system limits for the processes that evaluate public SPARQL queries.

A SPARQL ``SERVICE <http://…>`` clause makes pyoxigraph open an HTTP connection from
inside the query engine. The parse policy refuses such queries, but the worker processes
must not be able to reach the network even if a query slips through: :func:`deny_network`
installs a seccomp filter that refuses every socket except ``AF_UNIX`` ones (the worker's
pipe to the service is an ``AF_UNIX`` socket pair). :func:`limit_memory` caps the address
space so one greedy query cannot take the machine's memory, and :func:`lower_priority`
keeps CPU-bound workers from starving the service's event loop.

:func:`apply_worker_limits` combines them; a query worker calls it first thing, before it
loads a store or evaluates anything. Every function raises instead of degrading quietly,
so a worker that cannot be restricted never serves a query (the callers fail closed).
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import threading
from pathlib import Path
from types import ModuleType

#: The errno a refused call fails with. Python raises :class:`PermissionError` for it.
DENIED_ERRNO = errno.EACCES

#: Syscalls refused whatever their arguments. ``io_uring_setup``: an io_uring can create
#: sockets (``IORING_OP_SOCKET``) and connect them without the ``socket`` syscall.
#: ``socketcall``: the multiplexer older 32-bit ABIs use for ``socket()``; its arguments
#: sit in user memory, which seccomp cannot read, so it cannot be filtered by family.
#: It does not exist on x86_64 and aarch64 and is skipped where the architecture lacks it.
REFUSED_SYSCALLS: tuple[str, ...] = ("io_uring_setup", "socketcall")

#: Syscalls that must exist on the native architecture, or the filter is not installed.
REQUIRED_SYSCALLS: frozenset[str] = frozenset({"socket", "io_uring_setup"})


class SandboxError(RuntimeError):
    """A limit could not be put in place; the process must not evaluate untrusted queries."""


def _seccomp() -> ModuleType:
    """Import the libseccomp wrapper.

    Returns:
        The ``pyseccomp`` module.

    Raises:
        SandboxError: Not on Linux, or pyseccomp or libseccomp is missing.
    """
    if not sys.platform.startswith("linux"):
        raise SandboxError(f"seccomp filters need Linux; this is {sys.platform}")
    try:
        import pyseccomp
    except (ImportError, OSError, RuntimeError) as exc:  # pyseccomp raises RuntimeError when libseccomp.so is missing
        raise SandboxError(f"libseccomp is not available: {exc}") from exc
    return pyseccomp


def _syscall_number(seccomp: ModuleType, name: str) -> int | None:
    """The number of a syscall on the native architecture, by libseccomp's name resolution.

    Args:
        seccomp: The ``pyseccomp`` module.
        name: The syscall's name, e.g. ``"socket"``.

    Returns:
        The syscall number, or None when the native architecture has no such syscall
        (libseccomp answers with a negative error or pseudo-syscall number).

    Raises:
        SandboxError: The syscall is in :data:`REQUIRED_SYSCALLS` but libseccomp does not know it here.
    """
    number = int(seccomp.resolve_syscall(seccomp.Arch.NATIVE, name))
    if number >= 0:
        return number
    if name in REQUIRED_SYSCALLS:
        raise SandboxError(f"libseccomp cannot resolve the syscall {name!r} on this architecture")
    return None


def _status_fields(path: Path) -> dict[str, str]:
    """The ``Key: value`` lines of a ``/proc/…/status`` file."""
    fields: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def _verify_filtered() -> None:
    """Check through ``/proc`` that no_new_privs is set and every thread runs under the new filter.

    Raises:
        SandboxError: no_new_privs is not set, or a thread is not filtered (or under a different filter stack).
    """
    own = _status_fields(Path("/proc/thread-self/status"))
    if own.get("NoNewPrivs") != "1":
        raise SandboxError("no_new_privs is not set after loading the seccomp filter")
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = _status_fields(task / "status")
        except (FileNotFoundError, ProcessLookupError):  # the thread ended meanwhile
            continue
        if fields.get("Seccomp") != "2":
            raise SandboxError(f"thread {task.name} is not under the seccomp filter (Seccomp: {fields.get('Seccomp')})")
        # Seccomp_filters (Linux >= 5.9) also catches a thread that was filtered before but missed this filter.
        if "Seccomp_filters" in own and fields.get("Seccomp_filters") != own["Seccomp_filters"]:
            raise SandboxError(f"thread {task.name} has {fields.get('Seccomp_filters')} seccomp filters, this thread {own['Seccomp_filters']}")


def deny_network() -> None:
    """Make every socket but ``AF_UNIX`` ones impossible to create in this process, for good.

    Installs a seccomp filter whose default action is ALLOW, with these exceptions, which fail
    with ``EACCES`` (:data:`DENIED_ERRNO`; Python raises :class:`PermissionError`):

    * ``socket(domain, …)`` for every ``domain`` except ``AF_UNIX``: ``AF_INET``, ``AF_INET6``,
      ``AF_PACKET``, ``AF_NETLINK``, ``AF_VSOCK``… (the whole 64-bit argument is compared, so
      only exactly ``AF_UNIX`` passes). ``AF_UNIX`` sockets and socket pairs keep working, and so
      do sockets that exist already, e.g. the multiprocessing pipe to the parent.
    * ``io_uring_setup``, because an io_uring can create and connect sockets without ``socket()``.
    * ``socketcall``, where the architecture has it (not on x86_64 or aarch64).

    ``EACCES`` rather than ``EPERM``: it is what the kernel answers when a security module
    (SELinux, AppArmor) refuses a socket, and it differs from the ``EPERM`` the kernel itself
    gives e.g. for ``AF_PACKET`` without ``CAP_NET_RAW``, so a refusal by this filter can be told apart.

    Syscalls are named, and libseccomp resolves them for the native architecture (x86_64,
    aarch64, …). A syscall from another ABI (32-bit ``int 0x80`` or x32 calls on x86_64, or an
    exec'd 32-bit binary) does not match the native architecture and kills the process
    (the "bad architecture" action is KILL_PROCESS; KILL_THREAD on libseccomp < 2.4), so the
    compat ABIs are no way around the filter.

    The filter cannot be removed. It is inherited by threads started later and by child
    processes (also across ``exec``); threads already running are covered too: the filter is
    loaded with ``SECCOMP_FILTER_FLAG_TSYNC`` (libseccomp's ``SCMP_FLTATR_CTL_TSYNC``), which
    puts it on every thread of the process atomically or fails. Loading sets no_new_privs
    (libseccomp's ``SCMP_FLTATR_CTL_NNP``, on by default, set explicitly here), so setuid
    binaries cannot lift it. After loading, ``/proc`` is checked: no_new_privs set, and every
    thread in seccomp filter mode with the same number of filters as the caller.

    Calling it again stacks a second, identical filter (harmless).

    Raises:
        SandboxError: Not Linux, no pyseccomp/libseccomp, a syscall cannot be resolved, the
            kernel refuses the filter (e.g. no TSYNC support, or a thread has a filter of its own),
            or the check afterwards fails.
    """
    seccomp = _seccomp()
    try:
        api_level = int(seccomp.get_api())
    except NotImplementedError:  # libseccomp < 2.4 has no API levels
        api_level = 1
    try:
        flt = seccomp.SyscallFilter(seccomp.ALLOW)
        flt.set_attr(seccomp.Attr.CTL_NNP, 1)
        flt.set_attr(seccomp.Attr.CTL_TSYNC, 1)
        flt.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS if api_level >= 3 else seccomp.KILL)
        deny = seccomp.ERRNO(DENIED_ERRNO)
        flt.add_rule(deny, _syscall_number(seccomp, "socket"), seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
        for name in REFUSED_SYSCALLS:
            number = _syscall_number(seccomp, name)
            if number is not None:
                flt.add_rule(deny, number)
        if flt.get_attr(seccomp.Attr.CTL_NNP) != 1 or flt.get_attr(seccomp.Attr.CTL_TSYNC) != 1:
            raise SandboxError("libseccomp did not keep the no_new_privs and TSYNC attributes")
        flt.load()
    except OSError as exc:
        raise SandboxError(f"the seccomp filter could not be installed: {exc}") from exc
    try:
        _verify_filtered()
    except OSError as exc:  # no /proc to check with: the filter is in place, but unverified
        raise SandboxError(f"the seccomp filter could not be verified: {exc}") from exc


def vm_size() -> int | None:
    """The address space this process uses now (``VmSize`` in ``/proc/self/status``), in bytes.

    Returns:
        The size in bytes, or None where ``/proc`` does not tell (not Linux).
    """
    try:
        value = _status_fields(Path("/proc/self/status"))["VmSize"]
    except (OSError, KeyError):
        return None
    number, _, unit = value.partition(" ")
    if unit.strip() != "kB":
        return None
    return int(number) * 1024


def limit_memory(max_bytes: int) -> None:
    """Limit this process's address space (``RLIMIT_AS``) to ``max_bytes``.

    Why the address space: pyoxigraph's Rust code allocates through the system allocator
    (glibc ``malloc``: ``brk`` for small blocks, ``mmap`` for big ones), and only a limit that
    makes those calls fail stops it early and deterministically. ``RLIMIT_RSS`` is not enforced
    by Linux at all. ``RLIMIT_DATA`` has meant different things across kernels (only ``brk``
    before 4.7, which glibc simply falls back from to ``mmap``); ``RLIMIT_AS`` covers every
    mapping, anonymous or file-backed, heap or thread stack. A cgroup memory limit would
    count resident memory exactly, but needs cgroup delegation and ends in the OOM killer's
    SIGKILL. The price of ``RLIMIT_AS``: reserved but untouched mappings count too, such as
    the 8 MiB stack of each thread and glibc's 64 MiB malloc arena per thread that allocates,
    so leave headroom above what the data needs.

    What the process uses to start with: a freshly spawned Python 3.11 process that has
    imported pyoxigraph 0.5.13 and rdflib has a ``VmSize`` of 55,016 kB (53.7 MiB, measured
    on x86_64 Linux; importing this service's executor as well: 55,516 kB; :func:`deny_network`
    loading libseccomp adds up to about 1 MiB). Loading data adds more than its size: an
    in-memory store with 200,000 short triples brought a worker to 222,628 kB, and the first
    extra thread that allocates adds about 72 MiB (stack and arena) at once. Measure with
    :func:`vm_size` after loading and add the headroom the queries may use.

    What happens when a query reaches the limit:

    * Python allocations raise :class:`MemoryError`; the process survives.
    * pyoxigraph's Rust allocator cannot report a failed allocation: Rust prints
      ``memory allocation of N bytes failed`` to stderr (with a backtrace if ``RUST_BACKTRACE``
      is set) and aborts, so the process dies of SIGABRT (``multiprocessing.Process.exitcode``
      is ``-6``) without sending anything. The parent sees the pipe close.

    Both the soft and the hard limit are set, so an unprivileged process cannot raise it again
    (a later call can only lower it; with ``CAP_SYS_RESOURCE`` it could raise it).

    Args:
        max_bytes: The most address space, in bytes, the process may map.

    Raises:
        ValueError: ``max_bytes`` is not positive, or not more than the process uses already
            (every later allocation would fail).
        SandboxError: The platform has no ``RLIMIT_AS``, or the limit could not be set.
    """
    if max_bytes <= 0:
        raise ValueError(f"the memory limit must be positive, not {max_bytes}")
    current = vm_size()
    if current is not None and max_bytes <= current:
        raise ValueError(f"a memory limit of {max_bytes} bytes is below the {current} bytes this process already uses")
    try:
        import resource
    except ImportError as exc:
        raise SandboxError(f"no resource limits on {sys.platform}") from exc
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError) as exc:
        raise SandboxError(f"the memory limit could not be set: {exc}") from exc


def lower_priority(niceness: int = 10) -> None:
    """Make this process nicer (lower its CPU priority) by ``niceness``, so it never starves the service.

    Uses :func:`os.nice` for the calling thread. On Linux the nice value belongs to each thread
    (threads created later inherit it from their creator), so the threads already running are
    lowered too, each by the same increment (up to the maximum, 19). Call it before starting
    threads: one that another thread creates while this runs may be missed or lowered twice.

    Args:
        niceness: How much nicer to become; 0 leaves the priority alone.

    Raises:
        ValueError: ``niceness`` is negative (raising the priority needs privileges a worker must not use).
        OSError: The priority could not be changed.
    """
    if niceness < 0:
        raise ValueError(f"niceness must not be negative, not {niceness}")
    if niceness == 0:
        return
    os.nice(niceness)
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return
    me = str(threading.get_native_id())
    for task in tasks.iterdir():
        if task.name == me:
            continue
        tid = int(task.name)
        try:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + niceness))
        except ProcessLookupError:  # the thread ended meanwhile
            continue


def apply_worker_limits(*, memory_bytes: int | None, deny_net: bool = True, niceness: int = 10) -> None:
    """Put a query worker under all its limits; call it first thing in the worker.

    The network goes first (the limit that matters most, and libseccomp is loaded before the
    memory limit is measured against the process), then the priority, then the memory limit.

    Args:
        memory_bytes: The address-space limit in bytes (see :func:`limit_memory`), or None for none.
        deny_net: Install the network filter (see :func:`deny_network`).
        niceness: How much to lower the CPU priority (see :func:`lower_priority`); 0 for not at all.

    Raises:
        SandboxError: A limit could not be put in place.
        ValueError: An argument is out of range.
        OSError: The priority could not be changed.
    """
    if deny_net:
        deny_network()
    lower_priority(niceness)
    if memory_bytes is not None:
        limit_memory(memory_bytes)
