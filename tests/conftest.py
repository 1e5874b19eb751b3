"""Shared fixtures: a small sandbox shop served on loopback, and an isolated warehouse.

The environment is set once per session, before any test imports the
orchestration package, because Dagster's resources and dlt's pipelines read
the warehouse path and source URLs when the definitions load.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from earshot import voice
from sandbox.generate import SCALES, generate
from sandbox.server import SandboxServer, source_settings
from tests import scheduling
from tests.pipeline import PipelineRun, run_everything, run_job


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


# the folder this run's processes share (workers inherit the environment)
RUN_FOLDER = "EARSHOT_TEST_RUN"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Before any worker starts: a folder the run's processes share.

    It holds the sentence vectors every build of the run reads (the shops the
    suite builds say many of the same sentences, so each is embedded once) and,
    under ``pytest -n``, the file where workers say which tests share a build.
    """
    if hasattr(config, "workerinput") or RUN_FOLDER in os.environ:
        return
    folder = Path(tempfile.mkdtemp(prefix="earshot-tests-"))
    os.environ[RUN_FOLDER] = str(folder)
    os.environ.setdefault(voice.EMBEDDING_CACHE, str(folder / "vectors.sqlite"))
    if config.getoption("dist", "no") != "no":
        os.environ[scheduling.GROUPS_FILE] = str(folder / "groups.json")


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and RUN_FOLDER in os.environ:
        shutil.rmtree(os.environ.pop(RUN_FOLDER), ignore_errors=True)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Parse the dbt project once, before any worker starts, so they never parse it at once."""
    if not hasattr(session.config, "workerinput"):
        from orchestration.defs.transform.resources import prepared_project

        prepared_project()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getoption("dist") == "loadgroup":
        return scheduling.SharedBuildScheduling(config, log)
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    scheduling.order(items)
    if hasattr(config, "workerinput"):
        scheduling.write_groups(items)


@pytest.fixture(scope="session")
def pipeline_run(earshot_env: dict[str, str]) -> PipelineRun:
    """Every asset materialized once against the sandbox: load, dbt build and checks, publish."""
    return run_everything()


@dataclass(frozen=True)
class BuiltShop:
    """A sandbox shop and the run that built its warehouse."""

    shop: Path
    run: PipelineRun


@pytest.fixture(scope="session")
def s_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltShop]:
    """The S sandbox shop (seed 7, the answer key's) run whole through Dagster, once.

    The session's own settings are set back afterwards; tests read the run's
    result and its warehouse.
    """
    root = tmp_path_factory.mktemp("s_shop")
    shop = root / "shop"
    generate(shop, seed=7, scale=SCALES["S"])
    warehouse = root / "warehouse" / "earshot.duckdb"
    with SandboxServer(shop, rate_limits="fast") as server, pytest.MonkeyPatch.context() as patch:
        for name, value in sandbox_environment(server.url, warehouse).items():
            patch.setenv(name, value)
        patch.setenv("EARSHOT_EXPORTS", str(root / "exports"))
        run = run_job("daily_refresh", raise_on_error=False)
    yield BuiltShop(shop, run)
