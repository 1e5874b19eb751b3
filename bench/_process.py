"""Time a child process and read its own peak memory, for the benchmarks."""

from __future__ import annotations

import ctypes
import functools
import os
import platform
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

POLL_SECONDS = 0.2


# kcmp(2), which tells whether two processes share one address space
_KCMP = {"x86_64": 312, "aarch64": 272}
_KCMP_VM = 1


@functools.cache
def _syscall():
    return ctypes.CDLL(None, use_errno=True).syscall


def shares_memory(pid: int, other: int) -> bool:
    """Whether ``pid`` runs in ``other``'s address space: a child started with
    ``vfork`` (Java starts commands so) until it executes its program. False where
    the kernel cannot say."""
    number = _KCMP.get(platform.machine())
    return number is not None and _syscall()(number, pid, other, _KCMP_VM, 0, 0) == 0


def _tree(
    pid: int, proc: Path = Path("/proc"), same_memory=shares_memory
) -> Iterator[tuple[int, str]]:
    """``pid`` and each of its descendants, once each, with its ``/proc/PID/status`` text.

    A process's children are listed per thread (``/proc/PID/task/TID/children``):
    every thread's list is read, as a child started from a worker thread is on
    that thread's list only. The kernel does not promise these lists while
    processes start and end, and a reading of a Spark build once found its JVM
    twice (3,399 MiB at a reading where 1,916 were held), so a process met again is
    not counted again. Nor is a child that shares its parent's address space: the
    Spark JVM's commands, started with ``vfork``, show the JVM's whole RSS as
    their own until they execute (a reading of an S build counted 893 MiB twice)."""
    pending, seen = [(pid, None)], set()
    while pending:
        current, parent = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            status = (proc / str(current) / "status").read_text()
            children = [
                child
                for task in (proc / str(current) / "task").iterdir()
                for child in (task / "children").read_text().split()
            ]
        except OSError:
            continue
        if parent is None or not same_memory(current, parent):
            yield current, status
        pending.extend((int(child), current) for child in children)


def _kib(status: str, field: str) -> int:
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _pss_kib(pid: int, status: str) -> int:
    """KiB of ``pid``'s proportional set size: each page it maps, divided by the
    number of processes mapping it; its RSS (from ``status``) where the kernel does
    not say."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return _kib(status, "VmRSS")
    return _kib(rollup, "Pss") or _kib(status, "VmRSS")


def high_water(pid: int) -> int:
    """Bytes: the most memory ``pid`` and its descendants hold together, as far as one
    reading shows: the larger of the sum of their proportional set sizes now and the
    largest one's own peak RSS (VmHWM); 0 once they are gone.

    Read at each poll of :func:`run_child`, the sum is what the machine must hold
    for the whole command at that moment (a dbt build and its encoder's process,
    say); a process's own peak catches what falls between two readings. The sum
    is of PSS, not RSS: a worker forked from its parent (dlt's normalize workers)
    shares the parent's pages until either writes them, and a sum of RSS counts
    each shared page once in every process that maps it (``/proc/PID/smaps_rollup``;
    RSS where a kernel has no such file)."""
    peak = together = 0
    for current, status in _tree(pid):
        peak = max(peak, _kib(status, "VmHWM") * 1024)
        together += _pss_kib(current, status) * 1024
    return max(peak, together)


def held_together(pid: int) -> int:
    """Bytes ``pid`` and its descendants hold now: the sum of their proportional set
    sizes (see :func:`high_water`), without any one's earlier peak."""
    return sum(_pss_kib(current, status) * 1024 for current, status in _tree(pid))


@contextmanager
def sampled_peak(
    pid: int | None = None, every: float = POLL_SECONDS
) -> Iterator[Callable[[], int]]:
    """While the block runs, read what ``pid`` (default this process) and its descendants
    hold together (:func:`held_together`) every ``every`` seconds, from a thread; yields
    a function that gives the most read so far, in bytes.

    For one part of a longer command: :func:`high_water` also takes each process's own
    peak RSS, which a process that outlives the part (this one, a run's worker) carries
    over from earlier parts."""
    pid = os.getpid() if pid is None else pid
    most = [held_together(pid)]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(every):
            most[0] = max(most[0], held_together(pid))

    sampler = threading.Thread(target=sample, name="sampled-peak", daemon=True)
    sampler.start()
    try:
        yield lambda: most[0]
    finally:
        done.set()
        sampler.join()
        most[0] = max(most[0], held_together(pid))


def tree_rss_mib(pid: int) -> tuple[int, int]:
    """MiB of RSS now: ``pid``'s own, and its descendants' together."""
    own = others = 0
    for current, status in _tree(pid):
        if current == pid:
            own = _kib(status, "VmRSS") // 1024
        else:
            others += _kib(status, "VmRSS") // 1024
    return own, others


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(seconds, peak RSS in bytes) of one child process; exits with its output if it fails.

    The peak is the child's own with its descendants' (:func:`high_water`), read
    while it runs. The kernel's ``ru_maxrss``
    would not do: a child is started by forking this process, and keeps the
    peak this process had reached by then (the twins' index of an L shop is
    gigabytes), so it is used only for a child too brief to be read.

    The child's output goes to a temporary file, never a pipe, so a chatty child
    cannot block on a full pipe while it is being waited for.
    """
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        peak = 0
        while True:
            finished, status, usage = os.wait4(child.pid, os.WNOHANG)
            if finished:
                break
            peak = max(peak, high_water(child.pid))
            time.sleep(POLL_SECONDS)
        elapsed = time.perf_counter() - started
        if status != 0:
            output.seek(0)
            printed = output.read().decode(errors="replace")
            raise SystemExit(f"{' '.join(command)} failed:\n{printed[-3000:]}")
    return elapsed, peak or usage.ru_maxrss * 1024


def memory_mib(pid: int | str = "self") -> dict[str, int]:
    """``pid``'s memory lines of ``/proc/PID/status`` (VmRSS, VmHWM, RssAnon, RssFile), in
    MiB; empty once the process is gone."""
    found = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                    found[name] = int(value.split()[0]) // 1024
    except OSError:
        return {}
    return found


def own_memory() -> str:
    """This process's RSS (anonymous memory and mapped files) and its peak, in MiB."""
    found = memory_mib()
    return (
        f"RSS {found['VmRSS']:,} MiB (anonymous {found['RssAnon']:,}, files "
        f"{found['RssFile']:,}), peak {found['VmHWM']:,} MiB"
    )
