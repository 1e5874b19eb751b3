"""The run's worker process for loads and landing checks: what a step gets back from it,
and what it says when a call fails or the process dies."""

import json
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from earshot import decisions
from earshot.decisions import Decision
from earshot.settings import Settings
from ingestion.window import Window
from orchestration.worker import StepWorker, WorkerError


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("EARSHOT_WAREHOUSE", str(tmp_path / "warehouse" / "earshot.duckdb"))
    monkeypatch.setenv("EARSHOT_PUBLISHED", str(tmp_path / "warehouse" / "earshot_marts.duckdb"))
    return Settings.from_env()


@pytest.fixture
def warehouse(settings: Settings) -> Path:
    """An empty warehouse file."""
    settings.warehouse.parent.mkdir(parents=True)
    duckdb.connect(str(settings.warehouse)).close()
    return settings.warehouse


@pytest.fixture
def worker() -> Iterator[StepWorker]:
    started = StepWorker()
    yield started
    started.close()


def test_a_load_in_the_worker_reports_what_it_loaded_and_set_aside(
    worker: StepWorker, settings: Settings
) -> None:
    store = decisions.store_path(settings.published)
    decisions.record(
        Decision(date(2026, 11, 2), "reorder", "Reordered 300", product_title="Merino Crew"), store
    )
    with store.open("a") as handle:
        handle.write('{"decision_id": "half a line\n')

    loaded = worker.load_decisions(str(store.parent), settings)

    assert loaded.source == "earshot"
    assert (loaded.rows, loaded.quarantined) == ({"decisions": 1}, 1)
    assert len(loaded.load_ids) == 1
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        assert connection.execute("select count(*) from raw_earshot.decisions").fetchone() == (1,)


def test_the_worker_validates_contracts_and_finds_the_failing_rows(
    worker: StepWorker, settings: Settings, warehouse: Path
) -> None:
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema raw_judgeme")
        connection.execute(
            "create table raw_judgeme.reviews as select * from (values "
            "(1, 5, timestamp '2026-11-01 10:00'), (2, 9, timestamp '2026-11-02 10:00')) "
            "as t(id, rating, created_at)"
        )
    said: list[str] = []

    # a table not loaded yet has nothing to validate
    reviews, calls = worker.validate(
        settings, [("raw_judgeme", "reviews"), ("raw_aircall", "calls")], said.append
    )

    assert calls == []
    failed = [f for f in reviews if not f.passed]
    assert [(f.expectation, f.column, f.failing, f.checked) for f in failed] == [
        ("rating 1 to 5", "rating", 1, 2)
    ]
    assert failed[0].examples[0]["id"] == 2


def test_a_failed_call_raises_with_the_workers_error_and_the_worker_serves_on(
    worker: StepWorker, settings: Settings, warehouse: Path
) -> None:
    with pytest.raises(WorkerError, match=r"load_source failed in the worker process: \w+"):
        worker.load_source("no-such-vendor", settings, Window(datetime(2026, 1, 1, tzinfo=UTC)))
    assert worker.alive
    assert worker.validate(settings, []) == []


def test_a_worker_that_dies_fails_the_call_with_its_exit_code(
    worker: StepWorker, settings: Settings, warehouse: Path
) -> None:
    assert worker.validate(settings, []) == []  # up and answering
    os.kill(worker.pid, signal.SIGKILL)
    with pytest.raises(WorkerError, match=r"died during validate \(exit code -9\)"):
        worker.validate(settings, [])
    assert not worker.alive


def test_a_closed_worker_has_ended(worker: StepWorker) -> None:
    worker.close()
    assert not worker.alive
    assert not Path(f"/proc/{worker.pid}").exists()


def test_a_run_whose_worker_died_gets_a_new_one_for_its_next_step(
    settings: Settings, warehouse: Path
) -> None:
    """A step's retry after its worker was killed (for memory, say) must not reach the
    dead process: the run's resource starts another."""
    from orchestration.defs.resources import EarshotResource

    earshot = EarshotResource(**settings.plain())
    said: list[str] = []
    try:
        dead = earshot.worker(said.append)
        os.kill(dead.pid, signal.SIGKILL)
        while dead.alive:  # the kill lands before the next step asks
            time.sleep(0.05)

        again = earshot.worker(said.append)

        assert again.pid != dead.pid and again.alive
        assert again.validate(settings, []) == []
        assert said == [
            f"started the worker process for loads and checks (pid {pid})"
            for pid in (dead.pid, again.pid)
        ]
    finally:
        earshot.end_worker()


def test_the_worker_gives_back_what_each_call_freed_before_it_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run's loads follow one another in the worker: each starts without the pages the
    one before it freed (earshot.memory.release_memory), failed calls too."""
    from orchestration import worker as worker_module

    events: list[str] = []

    def load(say, source: str) -> str:
        if source == "broken":
            raise ValueError("no such source")
        events.append(f"load {source}")
        return source

    monkeypatch.setitem(worker_module.CALLS, "load_source", load)
    monkeypatch.setattr(worker_module, "release_memory", lambda: events.append("release"))
    requests = [
        json.dumps({"call": "load_source", "arguments": {"source": source}}) + "\n"
        for source in ("shopify", "broken", "aircall")
    ]

    worker_module.serve(requests, lambda answer: events.append(next(iter(answer))))

    assert events == [
        "load shopify", "release", "result",
        "release", "error",
        "load aircall", "release", "result",
    ]  # fmt: skip
