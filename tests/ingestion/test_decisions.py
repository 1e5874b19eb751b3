"""Decisions recorded on the Actions page load as Earshot's own source, bad lines set aside."""

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from earshot import decisions
from earshot.decisions import Decision
from earshot.settings import Settings
from ingestion.pipelines import load_decisions


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("EARSHOT_WAREHOUSE", str(tmp_path / "warehouse" / "earshot.duckdb"))
    monkeypatch.setenv("EARSHOT_PUBLISHED", str(tmp_path / "warehouse" / "earshot_marts.duckdb"))
    return Settings.from_env()


def rows(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_decisions_load_merged_on_their_id_and_bad_lines_say_why(settings: Settings) -> None:
    store = decisions.store_path(settings.published)
    reorder = Decision(date(2026, 11, 2), "reorder", "Reordered 300", product_title="Merino Crew")
    copy = Decision(date(2026, 11, 3), "copy", "Sizing note on the page", theme="sizing_fit")
    decisions.record(reorder, store)
    decisions.record(copy, store)
    with store.open("a") as handle:
        handle.write('{"decision_id": "half a line\n')
        handle.write(json.dumps({**copy.as_record(), "decision_id": "late", "kind": "hope"}) + "\n")

    loaded = load_decisions(str(store.parent), settings)

    assert loaded.rows == {"decisions": 2}
    assert loaded.quarantined == 2
    kept = rows(
        settings,
        "select decision_id, decided_on, kind, product_title, store_line "
        "from raw_earshot.decisions order by store_line",
    )
    assert kept == [
        (reorder.decision_id, "2026-11-02", "reorder", "Merino Crew", 1),
        (copy.decision_id, "2026-11-03", "copy", None, 2),
    ]
    aside = dict(
        rows(settings, "select coalesce(record_id, '?'), reason from raw_earshot.quarantine")
    )
    assert aside["?"].startswith("line 3 of decisions.jsonl is not JSON")
    assert aside["late"].startswith("kind 'hope' is not one of reorder")

    # nothing changed: nothing read; a line appended: the file is read again, merged on the id
    assert load_decisions(str(store.parent), settings).rows == {}
    later = Decision(date(2026, 11, 4), "checkout", "Fixed the discount field", theme="checkout")
    decisions.record(later, store)
    load_decisions(str(store.parent), settings)
    counted = rows(settings, "select decision_id, count(*) from raw_earshot.decisions group by 1")
    assert sorted(counted) == sorted(
        [(reorder.decision_id, 1), (copy.decision_id, 1), (later.decision_id, 1)]
    )
