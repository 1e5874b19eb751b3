"""Serve a sandbox shop in a child process for a benchmark, as a loader would meet it."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def serve(data: Path, port: int, now: float | None = None) -> tuple[subprocess.Popen, str]:
    """Start the twins on ``port`` with rate limits off and their clock at ``now`` (Unix
    seconds; the wall clock if None); returns once the index is built."""
    clock = [] if now is None else ["--now", str(now)]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "serve",
            "--data",
            str(data),
            "--port",
            str(port),
            "--rate-limits",
            "off",
            *clock,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    server.stdout.readline()  # "sandbox serving ..." once the index is built
    return server, f"http://127.0.0.1:{port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def twins(shop: Path, url: str | None = None) -> Iterator[str]:
    """The twins' URL: ``url`` if given, else a server of ``shop`` in a child process on a
    free port, its clock at the shop's end."""
    if url:
        yield url
        return
    from sandbox.generate import HISTORY_END

    server, served = serve(shop, free_port(), now=HISTORY_END.timestamp())
    try:
        yield served
    finally:
        server.terminate()
        server.wait()
