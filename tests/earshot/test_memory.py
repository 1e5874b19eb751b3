"""A long-lived process gives what it freed back to the system (earshot.memory)."""

from __future__ import annotations

import subprocess
import sys

HELD = """
def held():  # MiB in memory or in swap: a machine short of memory may swap idle pages out
    fields = dict(line.split(":") for line in open("/proc/self/status"))
    return sum(int(fields[name].split()[0]) for name in ("VmRSS", "VmSwap")) // 1024
"""

PYTHON = (
    HELD
    + """
from earshot import memory

before = held()
# About 200 MiB, as an encoder's batches; not zeros, which a kernel may share out of memory
blocks = [bytearray(b"\\x01" * 4096) for _ in range(50_000)]
kept = blocks[::64]  # a few stay: glibc cannot hand back the heap's top alone
del blocks
freed = held()
memory.release_memory()
print(before, freed, held())
"""
)

ARROW = (
    HELD
    + """
import numpy as np
import pyarrow as pa
from earshot import memory

before = held()
# About 200 MiB of Arrow buffers, as a load's batches (the casts allocate in Arrow's pool)
arrays = [pa.array(np.arange(n, n + 1_000_000)).cast(pa.float64()) for n in range(25)]
kept = arrays[::8]
del arrays
freed = held()
memory.give_back_memory()
print(before, freed, held())
"""
)


def held_before_freed_released(program: str) -> tuple[int, int, int]:
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    before, freed, released = map(int, done.stdout.split())
    return before, freed, released


def test_memory_freed_by_python_goes_back_to_the_system_once_released() -> None:
    before, freed, released = held_before_freed_released(PYTHON)

    assert freed > before + 150  # MiB: glibc kept the blocks once Python let go of them
    assert released < before + 30  # all handed back but the pages the kept blocks are on


def test_memory_arrow_freed_goes_back_to_the_system() -> None:
    # a worker's load leaves Arrow's pool holding its batches' pages for the next load
    before, freed, released = held_before_freed_released(ARROW)

    assert freed > before + 120  # MiB: Arrow's pool kept the freed buffers
    assert released < freed - 100
