"""The call-tag check warns, naming the tags, when calls cannot be placed by purpose."""

from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.resources import EarshotResource
from orchestration.defs.transform.checks import call_tags_name_a_purpose


def warehouse_with_calls(path: Path, calls: list[tuple[int, str, list[str]]]) -> EarshotResource:
    """A warehouse holding int_calls_identified and int_call_tags_mapped for ``calls``."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema intermediate")
        connection.execute(
            "create table intermediate.int_calls_identified (call_id bigint, call_purpose varchar)"
        )
        connection.execute(
            "create table intermediate.int_call_tags_mapped (call_id bigint, tag_name varchar)"
        )
        for call_id, purpose, tags in calls:
            connection.execute(
                "insert into intermediate.int_calls_identified values (?, ?)", [call_id, purpose]
            )
            for tag in tags:
                connection.execute(
                    "insert into intermediate.int_call_tags_mapped values (?, ?)", [call_id, tag]
                )
    return EarshotResource(warehouse=str(path), published=str(path.with_name("marts.duckdb")))


def test_calls_whose_tags_name_no_purpose_raise_a_warning_naming_the_tags(tmp_path: Path) -> None:
    calls = [(i, "support", ["support"]) for i in range(16)]
    calls += [(100, "unmapped", ["Key account"]), (101, "unmapped", ["Key account", "Escalated"])]
    calls += [(200, "untagged", [])]
    result = call_tags_name_a_purpose(earshot=warehouse_with_calls(tmp_path / "w.duckdb", calls))
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["unmapped_calls"].value == 2
    assert result.metadata["tagged_calls"].value == 18
    assert result.metadata["unmapped_tags"].value == {"Key account": 2, "Escalated": 1}
    assert "'Key account' (2)" in result.description


def test_a_few_one_off_tags_pass(tmp_path: Path) -> None:
    calls = [(i, "support", ["support"]) for i in range(40)] + [(99, "unmapped", ["misc"])]
    result = call_tags_name_a_purpose(earshot=warehouse_with_calls(tmp_path / "w.duckdb", calls))
    assert result.passed
