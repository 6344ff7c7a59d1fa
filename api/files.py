"""Writing files completely or not at all: the build's releases and submitted entries use one writer.

A file is written to a hidden temporary file next to it (``.<name>.<random>.tmp``), flushed and
fsynced, then put in place in one step, and the folder is fsynced so that the new name survives a
crash. A crash leaves at most a temporary file, which no loader reads (they read ``.ttl`` and the
other RDF suffixes) and :func:`remove_temporaries` removes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMPORARY = ".*.tmp"
"""The glob of :func:`write_atomically`'s temporary files."""


def write_atomically(path: Path, data: bytes, *, overwrite: bool = False, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` completely or not at all.

    Args:
        path: the file to write; its folder is created if it is missing.
        data: the whole content.
        overwrite: replace an existing file (the build's releases). Without it the file is linked
            into place, which fails if it exists, so an existing file is never overwritten.
        mode: the file's permission bits (default: those of a new private temporary file, 0600).

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is false (nothing is changed).
        OSError: the file could not be written (nothing is left behind).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_atomically(folder / "a.ttl", b"one")
    >>> write_atomically(folder / "a.ttl", b"two")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    FileExistsError: [Errno 17] File exists: ...
    >>> write_atomically(folder / "a.ttl", b"two", overwrite=True)
    >>> (folder / "a.ttl").read_bytes(), sorted(p.name for p in folder.iterdir())
    (b'two', ['a.ttl'])
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # atomic, and fails if the file exists
    finally:
        Path(tmp).unlink(missing_ok=True)  # after os.replace there is nothing left to remove
    fsync_folder(path.parent)


def repository_mode(folder: Path) -> int:
    """The permission bits a new file in a folder of the repository gets: those of the files already there
    (the first in name order), else what the process's umask gives a new file (usually 0644).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()); _ = (folder / "a.ttl").write_text("x"); (folder / "a.ttl").chmod(0o640)
    >>> oct(repository_mode(folder))
    '0o640'
    """
    for sibling in sorted(folder.glob("*.ttl")) if folder.is_dir() else []:
        if sibling.is_file() and not sibling.name.startswith("."):
            return sibling.stat().st_mode & 0o777
    return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it (``os.umask`` sets it, which other threads would feel)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def remove_durably(path: Path) -> None:
    """Remove a file (if it is there) and fsync its folder, so that the removal survives a crash."""
    path.unlink(missing_ok=True)
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make the folder's entries (new, renamed or removed names) durable."""
    dirfd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dirfd)
    finally:
        os.close(dirfd)


def remove_temporaries(folder: Path) -> list[Path]:
    """Remove what interrupted writes left in ``folder`` (run before anything is written there).

    Returns:
        The files removed, sorted; none when the folder does not exist.
    """
    stale = sorted(folder.glob(TEMPORARY)) if folder.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale
