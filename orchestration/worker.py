"""A run's loads and landing checks, in a worker process the run ends before dbt builds.

A run executes its steps in its own process (``definitions.py``). The loads
import dlt and the landing checks Great Expectations: about 125 and 130 MiB of
code that Python never gives back, which the run's process would carry beside
dbt's and the sentence encoder's processes while the build scores sentences
(docs/benchmarks.md). Here the first step that loads or validates starts
``python -m orchestration.worker``, each such step's work is a call to it
(a JSON line each way on its standard input and output; what the work says
comes back line by line as it is said, for the step's log), and the run's
later steps reuse it, so a run imports dlt and Great Expectations once, as
before. The dbt step ends it before dbt starts
(:meth:`orchestration.defs.resources.EarshotResource.end_worker`), and the
run's end ends it in any case.

The worker imports neither Dagster nor the definitions: it is given the
settings, the window and the tables with each call.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from earshot.landing import Finding
from earshot.memory import release_memory
from ingestion.pipelines import Loaded

if TYPE_CHECKING:
    from earshot.settings import Settings
    from ingestion.window import Window

# how many of the worker's last error-output lines a failure quotes
ERROR_LINES = 40

Say = Callable[[str], None]


class WorkerError(RuntimeError):
    """A call the worker could not complete, or a worker that died."""


class StepWorker:
    """``call(name, **arguments)`` runs one of :data:`CALLS` in the worker process.

    The process starts with the object. Its error output (dlt's and Great
    Expectations' own logging) is copied to this process's error output, where
    Dagster keeps it with the step's logs, and its last lines are quoted if the
    process dies. Calls are made one at a time, as a run's steps are.
    """

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "orchestration.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._said: collections.deque[str] = collections.deque(maxlen=ERROR_LINES)
        self._relay = threading.Thread(target=self._copy_errors, daemon=True)
        self._relay.start()

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def _copy_errors(self) -> None:
        for line in self._process.stderr:
            text = line.decode(errors="replace")
            self._said.append(text)
            with contextlib.suppress(ValueError, OSError):  # our own error output closed
                sys.stderr.write(text)

    def call(self, name: str, say: Say | None = None, **arguments: Any) -> Any:
        """What ``CALLS[name](say, **arguments)`` returns, computed in the worker."""
        request = json.dumps({"call": name, "arguments": arguments}, default=str)
        try:
            self._process.stdin.write(request.encode() + b"\n")
            self._process.stdin.flush()
        except OSError as lost:
            raise WorkerError(self._died(name)) from lost
        for line in self._process.stdout:
            reply = json.loads(line)
            if "say" in reply:
                if say is not None:
                    say(reply["say"])
            elif "error" in reply:
                raise WorkerError(
                    f"{name} failed in the worker process: {reply['error']}\n{reply['traceback']}"
                )
            else:
                return reply["result"]
        raise WorkerError(self._died(name))

    def load_source(
        self, source: str, settings: Settings, window: Window | None, say: Say | None = None
    ) -> Loaded:
        """``ingestion.pipelines.load_source``, in the worker."""
        plain_window = window.plain() if window else None
        return Loaded.from_plain(
            self.call(
                "load_source", say, source=source, settings=settings.plain(), window=plain_window
            )
        )

    def load_exports(
        self, vendor: str, folder: str, settings: Settings, say: Say | None = None
    ) -> Loaded:
        """``ingestion.pipelines.load_exports``, in the worker."""
        return Loaded.from_plain(
            self.call("load_exports", say, vendor=vendor, folder=folder, settings=settings.plain())
        )

    def load_decisions(self, folder: str, settings: Settings, say: Say | None = None) -> Loaded:
        """``ingestion.pipelines.load_decisions``, in the worker."""
        return Loaded.from_plain(
            self.call("load_decisions", say, folder=folder, settings=settings.plain())
        )

    def validate(
        self, settings: Settings, contracts: Iterable[tuple[str, str]], say: Say | None = None
    ) -> list[list[Finding]]:
        """Each of ``contracts`` (``(schema, table)``, ``earshot.landing.CONTRACTS``) validated
        on the warehouse, in the worker: each one's findings, in order."""
        found = self.call("validate", say, settings=settings.plain(), contracts=list(contracts))
        return [[Finding(**finding) for finding in findings] for findings in found]

    def _died(self, name: str) -> str:
        code = self._process.wait()
        self._relay.join(timeout=5)
        said = "".join(self._said).strip()
        return f"the worker process died during {name} (exit code {code})" + (
            f"; its last output:\n{said}" if said else " and said nothing"
        )

    def close(self) -> None:
        """End the worker (it exits when its input closes) and wait for it."""
        process = self._process
        if process.poll() is None:
            with contextlib.suppress(OSError):  # it is gone already
                process.stdin.close()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._relay.join(timeout=5)
        process.stdout.close()
        process.stderr.close()

    def __del__(self) -> None:
        # the worker also ends on its own when this process exits: its input closes
        with contextlib.suppress(Exception):
            self.close()


def _settings(values: dict):
    from earshot.settings import Settings

    return Settings.from_plain(values)


def _load_source(say: Say, source: str, settings: dict, window: dict | None) -> dict:
    from ingestion import pipelines
    from ingestion.window import Window

    window_ = Window.from_plain(window) if window else None
    return pipelines.load_source(source, _settings(settings), window=window_, say=say).plain()


def _load_exports(say: Say, vendor: str, folder: str, settings: dict) -> dict:
    from ingestion import pipelines

    return pipelines.load_exports(vendor, folder, _settings(settings), say=say).plain()


def _load_decisions(say: Say, folder: str, settings: dict) -> dict:
    from ingestion import pipelines

    return pipelines.load_decisions(folder, _settings(settings), say=say).plain()


def _validate(say: Say, settings: dict, contracts: Iterable[tuple[str, str]]) -> list[list[dict]]:
    """The landing contracts (``earshot.landing``) of the named raw tables, each a
    ``(schema, table)``, validated: each contract's findings as plain values, in order."""
    import dataclasses

    from earshot import landing, warehouse

    named = {(c.schema, c.table): c for group in landing.CONTRACTS.values() for c in group}
    settings_ = _settings(settings)
    with warehouse.connect(settings_.warehouse, settings_.lock_path, True, say) as connection:
        return [
            [dataclasses.asdict(f) for f in landing.validate(connection, named[tuple(name)])]
            for name in contracts
        ]


CALLS: dict[str, Callable[..., Any]] = {
    "load_source": _load_source,
    "load_exports": _load_exports,
    "load_decisions": _load_decisions,
    "validate": _validate,
}


def main() -> None:
    """The worker: one JSON request a line on standard input, until it closes."""
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    # the replies are the only thing on standard output: what a library prints goes
    # to the error output instead
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    def reply(message: dict) -> None:
        replies.write(json.dumps(message, default=str) + "\n")
        replies.flush()

    serve(sys.stdin, reply)


def serve(requests: Iterable[str], reply: Callable[[dict], None]) -> None:
    """Answer each request (a JSON line) with ``reply``: its result or its error.

    What a call freed goes back to the system before the next one
    (:func:`earshot.memory.release_memory`): a run's loads follow one another in
    this process, and the pages Arrow's pool and glibc kept from the L shop's
    Shopify load were otherwise held through the Aircall load's peak.
    """

    def say(text: str) -> None:
        reply({"say": str(text)})

    for line in requests:
        request = json.loads(line)
        try:
            answer = {"result": CALLS[request["call"]](say, **request["arguments"])}
        except Exception as error:  # every failure goes back to the step
            failure = f"{type(error).__name__}: {error}"
            answer = {"error": failure, "traceback": traceback.format_exc()}
        release_memory()
        reply(answer)


if __name__ == "__main__":
    main()
