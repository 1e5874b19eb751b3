"""Giving a long-lived process's freed memory back to the system.

Python, glibc and Arrow each keep what a process frees for its own next
allocations. In a process that runs one large step after another (a dbt build's
Python models, the run's worker loading one source after another, an encoder
embedding batches of every length) that memory is held beside the next step,
which cannot use it: DuckDB allocates on its own, and a forked normalize worker
inherits its parent's pages.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import sys


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def give_back_memory() -> None:
    """Hand the system the memory this process's allocators hold free: glibc's heap
    (``malloc_trim``; nothing where the C library is not glibc) and, if the process
    has loaded Arrow, Arrow's memory pool. Called often (after each length of an
    encoder's batches, after each landing check's table), so it stays cheap: no
    garbage collection, and the library opened once."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()


def release_memory() -> None:
    """Collect Python's garbage, then give the freed memory back (:func:`give_back_memory`):
    between the large steps of one process."""
    gc.collect()
    give_back_memory()
