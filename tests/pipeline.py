"""Run the whole pipeline once per test session, for the tests that read its results."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg


@dataclass(frozen=True)
class PipelineRun:
    result: dg.ExecuteInProcessResult
    warehouse: Path
    published: Path
    # what the run's steps logged, in order: (step, message)
    logs: tuple[tuple[str | None, str], ...] = ()


def run_everything() -> PipelineRun:
    return run_job("daily_refresh")


def run_job(name: str, raise_on_error: bool = True) -> PipelineRun:
    """Run one of Earshot's jobs in process on today's partition, as a schedule or sensor does."""
    from earshot import settings
    from orchestration.definitions import defs
    from orchestration.defs.partitions import today_key

    job = defs().resolve_job_def(name)
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance, raise_on_error=raise_on_error, partition_key=today_key()
        )
        logs = tuple((e.step_key, e.user_message) for e in instance.all_logs(result.run_id))
    return PipelineRun(result, settings.warehouse_path(), settings.published_path(), logs)
