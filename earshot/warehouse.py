"""One process at a time in the warehouse file.

DuckDB lets a single process open a database file for writing, and a second
process that tries fails at once ("Could not set lock on file") instead of
waiting. Every Earshot step that opens the warehouse (a dlt load, a dbt build,
a check reading raw tables, publication) holds :func:`exclusive` while it has
the file open, so two runs launched at once take turns rather than fail.
Dagster's ``warehouse`` pool already queues such steps within one Dagster
instance; the lock also covers runs started elsewhere (the command line, a
test, a second instance).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


def quoted(name: str) -> str:
    """``name`` as a DuckDB identifier in double quotes, any quote inside doubled."""
    return '"' + name.replace('"', '""') + '"'


# A process may enter again while it holds the lock (a check opening the
# warehouse inside a step that already holds it): count, do not deadlock.
_held: dict[Path, tuple[int, int]] = {}
_guard = threading.Lock()
POLL_SECONDS = 0.5


@contextmanager
def exclusive(lock_path: Path, say: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the warehouse's lock file, waiting (and saying so once) while another process has it."""
    lock_path = lock_path.resolve()
    with _guard:
        if lock_path in _held:
            fd, depth = _held[lock_path]
            _held[lock_path] = (fd, depth + 1)
            acquired = False
        else:
            acquired = True
    if acquired:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        waited_since = None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if waited_since is None:
                    waited_since = time.monotonic()
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    if say:
                        say(f"waiting for the warehouse: process {holder} is using it")
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        if waited_since is not None and say:
            say(f"warehouse free after {time.monotonic() - waited_since:.1f}s")
        with _guard:
            _held[lock_path] = (fd, 1)
    try:
        yield
    finally:
        with _guard:
            fd, depth = _held[lock_path]
            if depth > 1:
                _held[lock_path] = (fd, depth - 1)
            else:
                del _held[lock_path]
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)


@contextmanager
def connect(
    database: Path,
    lock_path: Path,
    read_only: bool = False,
    say: Callable[[str], None] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection to the warehouse, opened and closed under :func:`exclusive`."""
    with exclusive(lock_path, say):
        if read_only and not database.exists():
            raise FileNotFoundError(f"{database}: no warehouse yet; load the sources first")
        database.parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(str(database), read_only=read_only)
        try:
            yield connection
        finally:
            connection.close()
