"""Start, reuse and stop the demo's long-running services (sandbox, Dagster UI, Streamlit).

``python -m earshot.services start sandbox|dagster|streamlit`` starts a service in
the background unless something already answers on its port, waits until it
answers, and prints its URL; ``stop`` ends what this module started; ``status``
says what is up. Logs and pid files live in ``.earshot/``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from earshot.settings import PROJECT_ROOT, Settings, child_environment

STATE_DIR = PROJECT_ROOT / ".earshot"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    argv: list[str]
    url_path: str = ""

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}{self.url_path}"


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def services(sandbox_data: Path) -> dict[str, Service]:
    return {
        "sandbox": Service(
            "sandbox",
            8765,
            [
                sys.executable,
                "-m",
                "sandbox",
                "serve",
                "--data",
                str(sandbox_data),
                "--port",
                "8765",
                # The demo's first load reads two years at once, and Aircall's 60
                # requests a minute would hold transcripts up for minutes; the tests
                # exercise the vendors' own limits.
                "--rate-limits",
                "fast",
            ],
        ),
        "dagster": Service(
            "dagster",
            3000,
            [_bin("dagster"), "dev", "-m", "orchestration.definitions", "-h", HOST, "-p", "3000"],
        ),
        "streamlit": Service(
            "streamlit",
            8501,
            [
                _bin("streamlit"),
                "run",
                "dashboards/streamlit_app.py",
                "--server.address",
                HOST,
                "--server.port",
                "8501",
            ],
        ),
    }


def answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


def start(service: Service, timeout_seconds: float) -> None:
    if answers(service.port):
        print(f"{service.name}: already answering at {service.url}")
        return
    (STATE_DIR / "logs").mkdir(parents=True, exist_ok=True)
    (STATE_DIR / "run").mkdir(parents=True, exist_ok=True)
    log_path = STATE_DIR / "logs" / f"{service.name}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - argv is fixed by this module
            service.argv,
            cwd=PROJECT_ROOT,
            env=child_environment(Settings.from_env()),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    (STATE_DIR / "run" / f"{service.name}.pid").write_text(str(process.pid))
    deadline = time.monotonic() + timeout_seconds
    while not answers(service.port):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise SystemExit(f"{service.name} did not start (see {log_path}); last output:\n{tail}")
        time.sleep(0.5)
    print(f"{service.name}: started at {service.url} (log: {log_path.relative_to(PROJECT_ROOT)})")


def stop(name: str) -> None:
    pid_file = STATE_DIR / "run" / f"{name}.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
        print(f"{name}: stopped (pid {pid})")
    except ProcessLookupError:
        pass
    pid_file.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m earshot.services", description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("names", nargs="*", default=["sandbox", "dagster", "streamlit"])
    parser.add_argument("--sandbox-data", type=Path, default=PROJECT_ROOT / "sandbox_data/demo")
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args(argv)
    known = services(args.sandbox_data)
    for name in args.names:
        if name not in known:
            parser.error(f"unknown service {name!r}; choose from {', '.join(known)}")
        if args.action == "start":
            start(known[name], args.timeout)
        elif args.action == "stop":
            stop(name)
        else:
            state = "up" if answers(known[name].port) else "down"
            print(f"{name}: {state} ({known[name].url})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
