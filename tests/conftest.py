"""Shared fixtures: a small sandbox shop served on loopback, and an isolated warehouse.

The environment is set once per session, before any test imports the
orchestration package, because Dagster's resources and dlt's pipelines read
the warehouse path and source URLs when the definitions load.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.generate import SCALES, generate
from sandbox.server import SandboxServer, source_settings
from tests.pipeline import PipelineRun, run_everything


@dataclass(frozen=True)
class Sandbox:
    data_dir: Path
    url: str
    counts: dict[str, int]

    def records(self, relative: str) -> list[dict]:
        with (self.data_dir / relative).open() as handle:
            return [json.loads(line) for line in handle]


def sandbox_environment(url: str, warehouse: Path) -> dict[str, str]:
    """Environment that points every layer at the sandbox and an isolated warehouse."""
    return {
        "EARSHOT_WAREHOUSE": str(warehouse),
        "EARSHOT_PUBLISHED": str(warehouse.with_name("earshot_marts.duckdb")),
        **source_settings(url),
    }


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    data_dir = tmp_path_factory.mktemp("shop")
    counts = generate(data_dir, seed=11, scale=SCALES["XS"])
    # Fast limits: the rules hold, but the suite does not wait out Aircall's 60 a minute.
    with SandboxServer(data_dir, rate_limits="fast") as server:
        yield Sandbox(data_dir=data_dir, url=server.url, counts=counts)


@pytest.fixture(scope="session", autouse=True)
def earshot_env(
    sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    warehouse = tmp_path_factory.mktemp("warehouse") / "earshot.duckdb"
    environment = sandbox_environment(sandbox.url, warehouse)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        patch.setenv("DAGSTER_HOME", str(tmp_path_factory.mktemp("dagster_home")))
        yield environment


@pytest.fixture(scope="session")
def pipeline_run(earshot_env: dict[str, str]) -> PipelineRun:
    """Every asset materialized once against the sandbox: load, dbt build and checks, publish."""
    return run_everything()
