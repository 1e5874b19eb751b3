"""What Dagster hands dbt: vars that stay put, and the partition window in the environment;
and when a failed build is run again."""

import os
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from earshot.settings import Settings
from ingestion.window import Window
from orchestration.defs.resources import EarshotResource
from orchestration.defs.transform.assets import (
    dbt_vars,
    environment,
    retry_if_out_of_memory,
    window_environment,
)


def test_the_vars_name_only_the_warehouse_and_dbt_keeps_its_parse_beside_it(
    tmp_path: Path,
) -> None:
    settings = Settings(warehouse=tmp_path / "w" / "earshot.duckdb", published=tmp_path / "p")
    earshot = EarshotResource(**settings.plain())

    assert dbt_vars(earshot) == {"earshot_warehouse": str(tmp_path / "w" / "earshot.duckdb")}
    assert settings.dbt_target_dir == tmp_path / "w" / ".dbt_target"


def test_a_window_becomes_environment_variables_and_no_window_clears_them() -> None:
    start, end = datetime(2026, 11, 28, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)

    assert window_environment(Window(start, end)) == {
        "EARSHOT_WINDOW_START": "2026-11-28 00:00:00",
        "EARSHOT_WINDOW_END": "2026-12-01 00:00:00",
    }
    assert window_environment(Window(start))["EARSHOT_WINDOW_END"] == ""
    assert window_environment(None) == {"EARSHOT_WINDOW_START": "", "EARSHOT_WINDOW_END": ""}


def test_the_environment_is_set_back_even_after_an_error(monkeypatch) -> None:
    monkeypatch.setenv("EARSHOT_WINDOW_START", "before")
    monkeypatch.delenv("EARSHOT_WINDOW_END", raising=False)

    with (
        pytest.raises(RuntimeError),
        environment({"EARSHOT_WINDOW_START": "2026-11-28", "EARSHOT_WINDOW_END": "2026-12-01"}),
    ):
        assert os.environ["EARSHOT_WINDOW_END"] == "2026-12-01"
        raise RuntimeError

    assert os.environ["EARSHOT_WINDOW_START"] == "before"
    assert "EARSHOT_WINDOW_END" not in os.environ


def test_a_dbt_command_starts_dbt_once_not_again_to_ask_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dagster_dbt.core.resource
    from dbt.version import __version__

    from orchestration.defs.transform.resources import dbt_resource, prepared_project

    asked: list[list[str]] = []

    def check_output(command, *args, **kwargs):  # what dagster-dbt asks the version with
        asked.append(list(command))
        raise AssertionError("dbt was started to ask its version")

    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", check_output)
    dbt = dbt_resource(prepared_project())

    invocation = dbt.cli(["--version"], target_path=tmp_path / "target", raise_on_error=False)
    invocation.wait()

    assert asked == []
    assert str(dbt._cli_version) == __version__


OUT_OF_MEMORY_MESSAGE = (
    "Runtime Error in model language_gap (models/marts/non_buyers/language_gap.sql)\n"
    "  Out of Memory Error: could not allocate block of size 256.0 KiB (610.1 MiB/610.3 MiB used)"
)
RUN_RESULTS = {
    "results": [
        {"unique_id": "model.earshot.customers", "status": "success", "message": "OK"},
        {
            "unique_id": "model.earshot.language_gap",
            "status": "error",
            "message": OUT_OF_MEMORY_MESSAGE,
        },
        {"unique_id": "model.earshot.shop_daily", "status": "error", "message": "Binder Error: x"},
        {
            "unique_id": "test.earshot.not_null_calls_call_id.1",
            "status": "fail",
            "message": "Got 1",
        },
        {"unique_id": "model.earshot.product_requests", "status": "skipped", "message": None},
    ]
}


def test_a_build_that_ran_out_of_memory_is_run_again_once_naming_the_model() -> None:
    said: list[str] = []
    error = RuntimeError(f"dbt failed.\n\nErrors parsed from dbt logs:\n{OUT_OF_MEMORY_MESSAGE}")

    with pytest.raises(dg.RetryRequested) as raised:
        retry_if_out_of_memory(RUN_RESULTS, error, retry_number=0, say=said.append)

    assert raised.value.max_retries == 1
    assert raised.value.__cause__ is error
    assert said == [
        "DuckDB ran out of memory in language_gap; running the dbt build again (attempt 2 of 2). "
        "Incremental models keep what the first attempt wrote."
    ]
    # the second attempt's failure stands
    assert retry_if_out_of_memory(RUN_RESULTS, error, retry_number=1, say=said.append) is None
    assert len(said) == 1


def test_a_build_that_failed_otherwise_is_not_run_again() -> None:
    said: list[str] = []
    for message in ("Binder Error: x", "Failure in test not_null_calls_call_id", ""):
        assert retry_if_out_of_memory(RUN_RESULTS, RuntimeError(message), 0, said.append) is None
    assert said == []
