"""What Dagster hands dbt: vars that stay put, and the partition window in the environment."""

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from earshot.settings import Settings
from ingestion.window import Window
from orchestration.defs.resources import EarshotResource
from orchestration.defs.transform.assets import dbt_vars, environment, window_environment


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
