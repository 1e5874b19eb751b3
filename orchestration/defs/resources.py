"""The settings every area's assets receive, as a Dagster resource."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb
from pydantic import Field, PrivateAttr

from earshot import warehouse
from earshot.settings import HISTORY_START, PROJECT_ROOT, SOURCES, Settings
from orchestration.worker import StepWorker


class EarshotResource(dg.ConfigurableResource):
    """Where Earshot reads and writes (``earshot.settings.Settings``), and the way into the
    warehouse: one process at a time (``earshot.warehouse``)."""

    warehouse: str
    published: str
    sources: list[str] = Field(default_factory=lambda: list(SOURCES))
    destination: str = "duckdb"
    history_start: str = HISTORY_START
    exports: str = str(PROJECT_ROOT / "exports")
    _worker: StepWorker | None = PrivateAttr(default=None)

    @classmethod
    def from_settings(cls, settings: Settings) -> EarshotResource:
        return cls(**settings.plain())

    @property
    def settings(self) -> Settings:
        return Settings.from_plain({name: getattr(self, name) for name in Settings.plain_fields()})

    @contextmanager
    def lock(self, say: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the warehouse for a step that writes it through another process (dbt)."""
        with warehouse.exclusive(self.settings.lock_path, say):
            yield

    @contextmanager
    def connect(
        self, read_only: bool = False, say: Callable[[str], None] | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the warehouse, held alone while it is open."""
        settings = self.settings
        with warehouse.connect(settings.warehouse, settings.lock_path, read_only, say) as conn:
            yield conn

    def worker(self, say: Callable[[str], None] | None = None) -> StepWorker:
        """The run's process for loads and landing checks (``orchestration.worker``): started
        by the first step that needs it, kept for the run's later ones."""
        if self._worker is not None and not self._worker.alive:
            # died in an earlier step (killed for memory, say): reaped before its successor
            self._worker.close()
            self._worker = None
        if self._worker is None:
            self._worker = StepWorker()
            if say is not None:
                say(f"started the worker process for loads and checks (pid {self._worker.pid})")
        return self._worker

    def end_worker(self, say: Callable[[str], None] | None = None) -> None:
        """End the worker, if this run started one: before dbt builds, so that dlt's and
        Great Expectations' memory is not held beside dbt's and the encoder's."""
        if self._worker is None:
            return
        worker, self._worker = self._worker, None
        worker.close()
        if say is not None:
            say(f"ended the worker process for loads and checks (pid {worker.pid})")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.end_worker()
