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


def test_a_dbt_build_s_duckdb_memory_is_the_same_in_the_profile_and_in_python(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import yaml

    profile = yaml.safe_load((settings.TRANSFORM_DIR / "profiles.yml").read_text())
    limit = profile["earshot"]["outputs"]["dev"]["settings"]["memory_limit"]
    assert limit == (
        f"{{{{ env_var('{settings.DUCKDB_MEMORY_LIMIT}', '{settings.BUILD_MEMORY_LIMIT}') }}}}"
    )
    monkeypatch.delenv(settings.DUCKDB_MEMORY_LIMIT, raising=False)
    assert settings.duckdb_memory_limit(settings.BUILD_MEMORY_LIMIT) == "2GB"
    monkeypatch.setenv(settings.DUCKDB_MEMORY_LIMIT, "3GB")
    assert settings.duckdb_memory_limit(settings.BUILD_MEMORY_LIMIT) == "3GB"
