"""The decisions store: what a lead records is kept whole, and what cannot be kept says why."""

import threading
from datetime import date, timedelta

import pytest

from earshot import decisions
from earshot.decisions import Decision, DecisionError


def test_a_decision_is_appended_and_read_back(tmp_path) -> None:
    path = decisions.store_path(tmp_path / "earshot_marts.duckdb")
    assert list(decisions.recorded(path)) == []
    first = Decision(date(2026, 11, 30), "reorder", "Reordered 200 units ", product_title="Crew")
    second = Decision(date(2026, 12, 1), "copy", "Rewrote the size guide", theme="sizing_fit")
    decisions.record(first, path)
    decisions.record(second, path)
    kept = list(decisions.recorded(path))
    assert [d["decision_id"] for d in kept] == [first.decision_id, second.decision_id]
    assert kept[0]["note"] == "Reordered 200 units"
    assert kept[0]["decided_on"] == "2026-11-30" and kept[0]["theme"] is None
    assert path.parent.name == "decisions" and path.parent.parent == tmp_path


@pytest.mark.parametrize(
    ("decision", "reason"),
    [
        (Decision(date(2026, 11, 1), "party", "x", theme="price"), "kind 'party' is not one of"),
        (Decision(date(2026, 11, 1), "copy", "Rewrote it"), "link the decision"),
        (Decision(date(2026, 11, 1), "copy", "  ", theme="price"), "say in a note"),
        (Decision(date(2026, 11, 1), "copy", "x" * 2001, theme="price"), "at most 2000"),
        (
            Decision(date.today() + timedelta(days=2), "copy", "Later", theme="price"),
            "has not come yet",
        ),
    ],
)
def test_a_decision_that_cannot_be_kept_says_why_and_writes_nothing(
    tmp_path, decision: Decision, reason: str
) -> None:
    path = tmp_path / "decisions" / "decisions.jsonl"
    with pytest.raises(DecisionError, match=reason):
        decisions.record(decision, path)
    assert not path.exists()


def test_decisions_saved_at_once_all_land_whole(tmp_path) -> None:
    path = tmp_path / "decisions.jsonl"
    note = "Fixed the discount field " * 60

    def save(i: int) -> None:
        decisions.record(
            Decision(date(2026, 11, 1), "checkout", f"{i} {note}", theme="price"), path
        )

    threads = [threading.Thread(target=save, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kept = list(decisions.recorded(path))
    assert sorted(int(d["note"].split()[0]) for d in kept) == list(range(20))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"decided_on": "next tuesday"}, "decided_on: expected a day as YYYY-MM-DD"),
        ({"decided_on": None}, "decided_on: expected a day"),
        ({"kind": "hope"}, "kind 'hope' is not one of"),
        ({"theme": None, "product_title": None}, "link the decision to a theme or a product"),
        ({"note": 7}, "note: expected text, got int"),
        ({"note": "  "}, "say in a note what was decided"),
    ],
)
def test_a_record_read_back_from_the_store_is_checked_as_the_app_checked_it(
    change: dict, reason: str
) -> None:
    good = Decision(date(2026, 11, 2), "copy", "Sizing note", theme="sizing_fit").as_record()
    assert decisions.problem_of(good) is None
    problem = decisions.problem_of({**good, **change})
    assert problem is not None and problem.startswith(reason)


def test_reading_the_store_passes_over_a_broken_line(tmp_path) -> None:
    path = decisions.store_path(tmp_path / "earshot_marts.duckdb")
    decisions.record(Decision(date(2026, 11, 2), "copy", "one", theme="price"), path)
    with path.open("a") as handle:
        handle.write("{broken\n[1, 2]\n")
    decisions.record(Decision(date(2026, 11, 3), "copy", "two", theme="price"), path)
    assert [d["note"] for d in decisions.recorded(path)] == ["one", "two"]
