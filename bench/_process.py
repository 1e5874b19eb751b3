"""Time a child process and read its own peak memory, for the benchmarks."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(seconds, peak RSS in bytes) of one child process; exits with its output if it fails.

    The child's output goes to a temporary file, never a pipe, so a chatty child
    cannot block on a full pipe while it is being waited for.
    """
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        if status != 0:
            output.seek(0)
            printed = output.read().decode(errors="replace")
            raise SystemExit(f"{' '.join(command)} failed:\n{printed[-3000:]}")
    return elapsed, usage.ru_maxrss * 1024
