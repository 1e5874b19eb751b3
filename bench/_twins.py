"""Serve a sandbox shop in a child process for a benchmark, as a loader would meet it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def serve(data: Path, port: int) -> tuple[subprocess.Popen, str]:
    """Start the twins on ``port`` with rate limits off; returns once the index is built."""
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
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    server.stdout.readline()  # "sandbox serving ..." once the index is built
    return server, f"http://127.0.0.1:{port}"
