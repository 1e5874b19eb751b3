"""The harness's dbt commands on warehouses of their own."""

from pathlib import Path

from sandbox import harness


def test_a_new_warehouse_starts_from_the_last_parse_rather_than_parsing_all(
    tmp_path: Path,
) -> None:
    first, second = (tmp_path / name / "earshot.duckdb" for name in ("first", "second"))
    for warehouse in (first, second):
        warehouse.parent.mkdir()

    harness.dbt(first, "parse")
    printed = harness.dbt(second, "parse")

    assert "Unable to do partial parsing" not in printed
    assert (second.parent / harness.TARGET / "manifest.json").exists()
