"""The dashboards served as a stakeholder meets them: `streamlit run` on loopback, and the
headless Chromium that opens them (the browser tests and bench/dashboard_bench.py)."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from earshot.settings import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium keeps trying to reach Google's hosts from a machine with no route out.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def streamlit_server(log_path: Path, attempts: int = 120) -> Iterator[str]:
    """The app on a free loopback port, with this process's environment; yields its URL once
    it answers, and stops it after. Raises RuntimeError, with the log, if it never answers."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "streamlit"),
        "run",
        "dashboards/streamlit_app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
    ]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(attempts):
            try:
                if requests.get(f"{url}/_stcore/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None:
                raise RuntimeError(f"Streamlit exited: {log_path.read_text()}")
            time.sleep(0.5)
        else:
            raise RuntimeError(f"Streamlit did not answer: {log_path.read_text()}")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
