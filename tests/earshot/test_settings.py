import os

import pytest

from earshot import settings


def test_every_source_is_connected_unless_the_shop_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("EARSHOT_SOURCES", raising=False)
    assert settings.connected_sources() == ("shopify", "aircall", "judgeme")
    monkeypatch.setenv("EARSHOT_SOURCES", " Judgeme, shopify ")
    assert settings.connected_sources() == ("shopify", "judgeme")


@pytest.mark.parametrize("value", ["shopify,zendesk", "aircall,judgeme"])
def test_an_unknown_source_or_one_without_shopify_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("EARSHOT_SOURCES", value)
    with pytest.raises(ValueError, match="EARSHOT_SOURCES"):
        settings.connected_sources()


def test_the_dagster_resource_carries_every_setting_there_and_back(tmp_path) -> None:
    from orchestration.defs.resources import EarshotResource

    chosen = settings.Settings(
        warehouse=tmp_path / "w.duckdb",
        published=tmp_path / "p.duckdb",
        sources=("shopify", "judgeme"),
        destination="filesystem",
        history_start="2025-06-01",
        exports=tmp_path / "drops",
    )
    resource = EarshotResource.from_settings(chosen)
    assert resource.sources == ["shopify", "judgeme"]
    assert resource.exports == str(tmp_path / "drops")
    assert resource.settings == chosen


def _rendered_build_target(environment: dict[str, str]) -> dict:
    """transform/profiles.yml's DuckDB target as dbt renders it in ``environment``."""
    import yaml
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    profile = yaml.safe_load((settings.TRANSFORM_DIR / "profiles.yml").read_text())
    set_invocation_context(environment)
    try:
        return ProfileRenderer({}).render_data(profile["earshot"]["outputs"]["dev"])
    finally:
        # dbt run in this process later reads its environment from here
        set_invocation_context(dict(os.environ))


def test_a_dbt_build_s_threads_and_duckdb_memory_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bare = {"EARSHOT_WAREHOUSE": "/shop/earshot.duckdb"}
    monkeypatch.delenv(settings.DUCKDB_MEMORY_LIMIT, raising=False)

    default = _rendered_build_target(bare)
    raised = _rendered_build_target(
        {**bare, settings.DBT_THREADS: "4", settings.DUCKDB_MEMORY_LIMIT: "3GB"}
    )

    assert default["threads"] == 1
    # the limit the voice models set back after lowering it is the profile's own
    assert default["config_options"]["memory_limit"] == settings.BUILD_MEMORY_LIMIT == "640MB"
    assert settings.duckdb_memory_limit(settings.BUILD_MEMORY_LIMIT) == "640MB"
    assert raised["threads"] == 4
    assert raised["config_options"]["memory_limit"] == "3GB"
    monkeypatch.setenv(settings.DUCKDB_MEMORY_LIMIT, "3GB")
    assert settings.duckdb_memory_limit(settings.BUILD_MEMORY_LIMIT) == "3GB"


@pytest.mark.parametrize(
    ("load", "spools"),
    [(None, "512MB"), ("1.5GB", "1000MB"), ("3GB", "2000MB"), ("768MiB", "537MB")],
)
def test_a_loads_spools_get_two_thirds_of_its_duckdb_memory(
    monkeypatch: pytest.MonkeyPatch, load: str | None, spools: str
) -> None:
    # the rest is for the process around DuckDB: its Arrow batches, dlt, Python
    if load is None:
        monkeypatch.delenv(settings.DUCKDB_MEMORY_LIMIT, raising=False)
    else:
        monkeypatch.setenv(settings.DUCKDB_MEMORY_LIMIT, load)

    assert settings.spool_memory_limit() == spools
