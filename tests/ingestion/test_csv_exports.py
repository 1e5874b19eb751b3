"""Call-history and review exports dropped in a folder load into the API's raw tables."""

import os
import time
from pathlib import Path

import duckdb
import pytest

from earshot.settings import Settings
from ingestion.csv_exports import aircall_csv_source, judgeme_csv_source, stable_id
from ingestion.pipelines import load, make_pipeline

CALLS_HEADER = (
    "date (TZ offset incl.),time (TZ offset incl.),duration (total),duration (in call),"
    "from,to,answered,missed_call_reason,user,comments,tags\n"
)
REVIEWS_HEADER = (
    "title,body,rating,review_date,source,curated,reviewer_name,reviewer_email,product_id,"
    "product_handle,reply,reply_date,picture_urls,ip_address,location\n"
)


def here() -> Settings:
    """The settings this test's environment gives (its own warehouse)."""
    return Settings.from_env()


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "warehouse" / "earshot.duckdb"
    monkeypatch.setenv("EARSHOT_WAREHOUSE", str(path))
    return path


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def write(path: Path, text: str, age_seconds: float = 0) -> None:
    path.write_text(text)
    moment = time.time() - age_seconds
    os.utime(path, (moment, moment))


def test_call_exports_load_as_calls_with_tags_and_notes(tmp_path: Path, warehouse: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    write(
        exports / "week1.csv",
        CALLS_HEADER
        + "2025-03-02,10:12:00+00:00,0:05:10,0:04:50,+1 415-555-0100,+1 888-555-0100,yes,,"
        'Jamie Lee,"Customer says it runs small",support\n'
        + "2025-03-02,11:00:00+00:00,25,0,+1 888-555-0100,+44 7700 900123,no,"
        'no_available_agent,,,"follow-up,win-back"\n'
        + "yesterday,noon,12,0,+1 415-555-0100,+1 888-555-0100,no,,,,\n",
        age_seconds=60,
    )
    source = aircall_csv_source(bucket_url=str(exports), company_numbers=["+1 888-555-0100"])
    load(make_pipeline("aircall", here(), pipeline_suffix="_csv"), source, here())

    calls = rows(
        warehouse,
        "select direction, started_at, answered_at, duration, raw_digits, "
        "user__name from raw_aircall.calls order by started_at",
    )
    assert calls == [
        ("inbound", 1740910320, 1740910340, 310, "+1 415-555-0100", "Jamie Lee"),
        ("outbound", 1740913200, None, 25, "+44 7700 900123", None),
    ]
    assert rows(warehouse, "select name from raw_aircall.calls__tags order by name") == [
        ("follow-up",),
        ("support",),
        ("win-back",),
    ]
    assert rows(warehouse, "select content from raw_aircall.calls__comments") == [
        ("Customer says it runs small",)
    ]
    set_aside = rows(warehouse, "select reason, raw_record from raw_aircall.quarantine")
    assert len(set_aside) == 1
    assert set_aside[0][0].startswith("started_at:") and "yesterday" in set_aside[0][1]

    # A later file is read on the next run; the earlier one is not read again.
    write(
        exports / "week2.csv",
        CALLS_HEADER
        + "2025-03-09,09:00:00+00:00,60,40,+1 415-555-0199,+1 888-555-0100,yes,,Alex,,\n",
    )
    load(
        make_pipeline("aircall", here(), pipeline_suffix="_csv"),
        aircall_csv_source(bucket_url=str(exports), company_numbers=["+1 888-555-0100"]),
        here(),
    )
    assert rows(warehouse, "select count(*), count(distinct id) from raw_aircall.calls") == [(3, 3)]
    files = rows(
        warehouse, "select export_file, count(*) from raw_aircall.calls group by 1 order by 1"
    )
    assert files == [("week1.csv", 2), ("week2.csv", 1)]


def test_review_exports_load_as_reviews_keyed_stably(tmp_path: Path, warehouse: Path) -> None:
    exports = tmp_path / "reviews"
    exports.mkdir()
    write(
        exports / "export.csv",
        REVIEWS_HEADER
        + "Love it,So comfy,5,2025-03-02 10:12:00 UTC,web,ok,Ava A.,Ava@Example.com,101,"
        "parka,,,,,\n"
        + "Meh,Too pricey,five,2025-03-03 09:00:00 UTC,web,ok,Ben B.,ben@example.com,102,"
        "boot,,,,,\n",
    )
    load(
        make_pipeline("judgeme", here(), pipeline_suffix="_csv"),
        judgeme_csv_source(bucket_url=str(exports)),
        here(),
    )
    loaded = rows(
        warehouse,
        "select id, rating, product_external_id, reviewer__email, "
        "epoch(updated_at) from raw_judgeme.reviews",
    )
    expected_id = stable_id("ava@example.com", "101", "2025-03-02 10:12:00 UTC", "Love it")
    assert loaded == [(expected_id, 5, 101, "ava@example.com", 1740910320.0)]
    assert rows(warehouse, "select reason from raw_judgeme.quarantine") == [
        ("rating: expected an integer, got str",)
    ]


def test_sources_are_found_by_name_and_an_unknown_name_says_what_exists(tmp_path) -> None:
    from ingestion import pipelines

    assert pipelines.export_source("judgeme", str(tmp_path)).name == "judgeme_csv"
    assert pipelines.api_source("aircall").name == "aircall"
    with pytest.raises(ValueError, match="expected one of shopify, aircall, judgeme"):
        pipelines.api_source("zendesk")
    with pytest.raises(ValueError, match="no CSV export named 'shopify'"):
        pipelines.export_source("shopify", str(tmp_path))


def test_a_call_in_two_exports_keeps_the_later_export_s_version(
    tmp_path: Path, warehouse: Path
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    call = "2025-03-02,10:12:00+00:00,0:05:10,0:04:50,+1 415-555-0100,+1 888-555-0100,yes,,"
    # named so that listing by name would read the newer file first
    write(exports / "b_monday.csv", CALLS_HEADER + call + 'Jamie,"first note",support\n', 120)
    write(exports / "a_tuesday.csv", CALLS_HEADER + call + 'Jamie,"second note",refund\n', 60)

    load(
        make_pipeline("aircall", here(), pipeline_suffix="_csv"),
        aircall_csv_source(bucket_url=str(exports), company_numbers=["+1 888-555-0100"]),
        here(),
    )

    assert rows(warehouse, "select export_file from raw_aircall.calls") == [("a_tuesday.csv",)]
    assert rows(warehouse, "select name from raw_aircall.calls__tags") == [("refund",)]
    assert rows(warehouse, "select content from raw_aircall.calls__comments") == [("second note",)]
