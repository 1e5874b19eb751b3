"""Every dashboard page renders from the published marts, follows its filters, and explains
itself when there is nothing to show."""

import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import redact
from tests.pipeline import PipelineRun

# reads the marts of the whole pipeline run once per session
pytestmark = pytest.mark.e2e

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
PAGES = [
    ("overview.py", "Overview"),
    ("themes.py", "Voice of the customer"),
    ("non_buyers.py", "Why they don't buy"),
    ("language_gap.py", "Language gap"),
    ("cohorts.py", "Cohorts"),
    ("calls.py", "Calls"),
    ("demand.py", "Demand"),
    ("actions.py", "Actions"),
]


def page(name: str, **query_params: str) -> AppTest:
    app = AppTest.from_file(str(DASHBOARDS / "app_pages" / name), default_timeout=60)
    for key, value in query_params.items():
        app.query_params[key] = value
    return app.run()


def shown_texts(app: AppTest) -> list[str]:
    """Everything a page writes, and its tables' text, with dates and times taken out."""
    parts = [element.value for element in (*app.markdown, *app.caption, *app.info)]
    for frame in app.dataframe:
        words = frame.value.select_dtypes(include=["object", "str"]).drop(
            columns=["Customer key"], errors="ignore"
        )
        parts += [str(value) for column in words for value in words[column]]
    when = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
    return [when.sub("", str(part)) for part in parts]


@pytest.mark.parametrize(("name", "title"), PAGES)
def test_page_renders_from_published_marts(pipeline_run: PipelineRun, name: str, title: str):
    app = page(name)
    assert not app.exception, app.exception
    assert app.title[0].value == title
    assert any("Data through" in caption.value for caption in app.caption)
    assert not app.warning, [warning.value for warning in app.warning]
    assert app.dataframe or app.metric
    # every table has its download
    assert len(app.get("download_button")) >= len(app.dataframe)


@pytest.mark.parametrize(("name", "title"), PAGES)
def test_no_email_phone_card_or_name_on_any_page(pipeline_run: PipelineRun, name: str, title: str):
    texts = shown_texts(page(name))
    assert texts
    for pattern in (redact.EMAIL, redact.PHONE, redact.CARD):
        assert not [text for text in texts if pattern.search(text)], pattern.pattern
    # quotes carry no name the redaction would still take out
    quotes = [text for text in texts if text.startswith("> ")]
    assert quotes == [redact.redact(quote) for quote in quotes]


def test_router_opens_the_overview(pipeline_run: PipelineRun) -> None:
    app = AppTest.from_file(str(DASHBOARDS / "streamlit_app.py"), default_timeout=60).run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Overview"


def test_the_filters_chosen_on_one_page_carry_to_the_next(pipeline_run: PipelineRun) -> None:
    router = str(DASHBOARDS / "streamlit_app.py")
    opened = AppTest.from_file(router, default_timeout=60).run()
    # two weeks inside the data of both pages (days on the overview, weeks on the voice page)
    first = dt.date.fromisoformat(opened.query_params["from"])
    start, end = first.isoformat(), (first + dt.timedelta(days=14)).isoformat()
    app = AppTest.from_file(router, default_timeout=60)
    app.query_params["from"], app.query_params["to"] = start, end
    app.run()
    assert (app.query_params["from"], app.query_params["to"]) == (start, end)
    app.switch_page("app_pages/themes.py").run()
    assert not app.exception, app.exception
    assert (app.query_params["from"], app.query_params["to"]) == (start, end)
    themes = app.selectbox(key="theme").options
    first = app.selectbox(key="theme").value
    app.selectbox(key="theme").select(themes[-1]).run()
    chosen = app.selectbox(key="theme").value
    assert chosen != first
    app.switch_page("app_pages/demand.py").run()
    app.switch_page("app_pages/themes.py").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="theme").value == chosen
    assert app.query_params["theme"] == chosen


def test_the_period_is_kept_in_the_url_and_changes_the_figures(pipeline_run: PipelineRun):
    app = page("overview.py")
    start, end = app.query_params["from"], app.query_params["to"]
    assert start < end
    orders = app.metric[0].value
    # the link someone sends reproduces the view: the same period, read from the URL
    again = page("overview.py", **{"from": start, "to": start})
    assert again.query_params["from"] == start and again.query_params["to"] == start
    assert again.metric[0].value != orders


def rendered(app: AppTest) -> tuple:
    """What a page shows, comparably: its tables, its metrics and its charts' specs and data."""
    return (
        tuple(frame.value.to_csv() for frame in app.dataframe),
        tuple(metric.value for metric in app.metric),
        tuple(chart.proto.spec for chart in app.get("vega_lite_chart")),
    )


@pytest.mark.parametrize(
    "name", ["overview.py", "themes.py", "non_buyers.py", "calls.py", "demand.py", "actions.py"]
)
def test_a_shorter_period_changes_what_the_page_shows(pipeline_run: PipelineRun, name: str):
    app = page(name)
    assert rendered(page(name)) == rendered(app)  # the same view renders the same
    # the first day (week, month) of the page's data, against its default recent period
    first = dt.date.fromisoformat(app.date_input(key="period").proto.min).isoformat()
    assert first < app.query_params["from"]
    narrow = page(name, **{"from": first, "to": first})
    assert not narrow.exception, narrow.exception
    assert (narrow.query_params["from"], narrow.query_params["to"]) == (first, first)
    assert rendered(narrow) != rendered(app)


def test_the_product_and_the_metric_change_the_language_gap_and_the_cohorts(
    pipeline_run: PipelineRun,
) -> None:
    gap = page("language_gap.py")
    products = gap.selectbox(key="product").options
    assert len(products) > 1
    other = page("language_gap.py", product=products[-1])
    assert rendered(other) != rendered(gap)
    cohorts = page("cohorts.py")
    control = cohorts.get("button_group")[0]
    assert control.value == control.options[0] and len(control.options) > 1
    before = rendered(cohorts)
    control.set_value(control.options[-1]).run()
    assert not cohorts.exception, cohorts.exception
    assert rendered(cohorts) != before


def test_a_product_in_the_url_opens_on_that_product(pipeline_run: PipelineRun) -> None:
    app = page("demand.py")
    products = app.selectbox(key="product").options
    assert len(products) > 1
    chosen = products[-1]
    reopened = page("demand.py", product=chosen)
    assert not reopened.exception
    assert reopened.selectbox(key="product").value == chosen
    assert reopened.query_params["product"] == chosen
    # a product the shop does not have falls back to the first, not an error
    stranger = page("demand.py", product="No such product")
    assert not stranger.exception
    assert stranger.selectbox(key="product").value == products[0]


def test_the_theme_filter_changes_the_quotes(pipeline_run: PipelineRun) -> None:
    app = page("themes.py")
    themes = app.selectbox(key="theme").options
    quotes = {}
    for theme in themes[:3]:
        app.selectbox(key="theme").select(theme).run()
        assert not app.exception
        assert app.query_params["theme"] == app.selectbox(key="theme").value
        quotes[theme] = tuple(m.value for m in app.markdown if m.value.startswith(">"))
    assert len(set(quotes.values())) > 1


def test_the_channel_filter_narrows_the_quotes_to_reviews(pipeline_run: PipelineRun) -> None:
    app = page("themes.py", channel="reviews", theme="praise")
    assert not app.exception
    sources = [c.value.split(" · ")[0] for c in app.caption if c.value.count(" · ") == 2]
    assert sources and set(sources) == {"Review"}


def test_themes_read_in_plain_words_complaints_apart_rising_first(pipeline_run: PipelineRun):
    app = page("themes.py")
    complaints, others = app.dataframe[0].value, app.dataframe[1].value
    assert "Share of voice" in complaints.columns and "share_of_voice" not in complaints.columns
    shown = [*complaints["Theme"], *others["Theme"]]
    assert shown and not any("_" in str(theme) for theme in shown)
    assert "Praise" not in set(complaints["Theme"])
    assert "Praise" in set(others["Theme"])
    # rising themes first: what is emerging, then by change against the 4 weeks before
    for frame in (complaints, others):
        flags = list(frame["Emerging"])
        assert flags == sorted(flags, key=lambda flag: flag != "Rising")
        written = frame.loc[frame["Emerging"] != "Rising", "Change vs 4 weeks before"]
        changes = [float(change.rstrip("%")) for change in written if change]
        assert changes == sorted(changes, reverse=True)
        # a change with nothing to compare against is blank, never "None"
        assert not (frame.astype(str) == "None").any().any()
    # the chart starts on the top-ranked themes, not the first alphabetically
    chosen = app.multiselect[0]
    default = [chosen.format_func(value) for value in chosen.value]
    assert default[0] in {complaints["Theme"].iloc[0], others["Theme"].iloc[0]}


def test_clearing_the_theme_chart_says_so_instead_of_a_blank_chart(pipeline_run: PipelineRun):
    app = page("themes.py")
    app.multiselect[0].set_value([]).run()
    assert not app.exception
    assert any("Choose at least one theme" in info.value for info in app.info)


def test_cohorts_show_their_size_no_none_and_a_legible_chart(pipeline_run: PipelineRun) -> None:
    app = page("cohorts.py")
    assert not app.exception
    table = app.dataframe[0].value
    assert "Customers" in table.columns and (table["Customers"] > 0).all()
    assert not (table.astype(str) == "None").any().any()
    assert len(app.multiselect[0].value) <= 12
    assert any("first cohort" in caption.value for caption in app.caption)


def test_the_call_queue_shows_keys_only(pipeline_run: PipelineRun) -> None:
    app = page("calls.py")
    queue = app.dataframe[-1].value
    assert "Customer key" in queue.columns
    assert not {"Email", "Phone", "Name", "Phone number"} & set(queue.columns)
    assert any("permissioned" in caption.value for caption in app.caption)


def test_a_decision_is_recorded_redacted_and_waits_for_the_next_run(
    pipeline_run: PipelineRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from earshot import decisions

    published = tmp_path / "earshot_marts.duckdb"
    shutil.copy(pipeline_run.published, published)
    monkeypatch.setenv("EARSHOT_PUBLISHED", str(published))
    store = decisions.store_path(published)
    app = page("actions.py")
    assert app.get("form")
    app.selectbox(key="decision_theme").select("price")
    app.selectbox(key="decision_kind").select("pricing")
    app.text_area(key="decision_note").input(
        "After Jane Smith (jane@example.com, +1 415 555 0100) and others: a lower price."
    )
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert app.success and "Recorded" in app.success[0].value
    [kept] = decisions.recorded(store)
    assert (kept["theme"], kept["kind"], kept["product_title"]) == ("price", "pricing", None)
    assert "[email]" in kept["note"] and "[phone]" in kept["note"]
    assert "Jane" not in kept["note"] and "example.com" not in kept["note"]
    waiting = app.dataframe[0].value
    assert list(waiting["Note"]) == [kept["note"]]
    # a decision linked to nothing is refused, says why, and writes nothing
    app.text_area(key="decision_note").input("Something, somewhere.")
    app.button[0].click().run()
    assert "link the decision to a theme or a product" in app.error[0].value
    assert len(list(decisions.recorded(store))) == 1


@pytest.mark.parametrize(("name", "title"), PAGES)
def test_page_says_what_to_do_when_nothing_is_published(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, title: str
) -> None:
    monkeypatch.setenv("EARSHOT_PUBLISHED", str(tmp_path / "missing.duckdb"))
    app = page(name)
    assert not app.exception
    assert app.title[0].value == title
    assert "No published marts" in app.info[0].value
    assert not app.dataframe


@pytest.fixture(scope="module")
def empty_marts(pipeline_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published file's tables with every row taken out: a shop on its first day."""
    target = tmp_path_factory.mktemp("empty") / "earshot_marts.duckdb"
    with duckdb.connect(str(target)) as connection:
        connection.execute(f"attach '{pipeline_run.published}' as source (read_only)")
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'source'"
        ).fetchall()
        for schema, table in tables:
            connection.execute(f"create schema if not exists {schema}")
            keep = "" if table == "publications" else " limit 0"
            connection.execute(
                f"create table {schema}.{table} as select * from source.{schema}.{table}{keep}"
            )
    return target


@pytest.mark.parametrize(("name", "title"), PAGES)
def test_page_says_so_when_its_marts_are_empty(
    empty_marts: Path, monkeypatch: pytest.MonkeyPatch, name: str, title: str
) -> None:
    monkeypatch.setenv("EARSHOT_PUBLISHED", str(empty_marts))
    app = page(name)
    assert not app.exception, app.exception
    assert app.title[0].value == title
    said = [w.value for w in app.warning] + [i.value for i in app.info]
    assert said and all(re.search(r"\b(No|Nobody|Not)\b", text) for text in said), said


# A run writes the warehouse, which pages never read, and then publishes: the step that
# replaces the file the pages read. The writer publishes again and again until the pages
# have all rendered twice, then says how many times it published.
PUBLISHER = (
    "import sys, duckdb\n"
    "from pathlib import Path\n"
    "from earshot.publish import publish_marts\n"
    "from earshot.settings import Settings\n"
    "settings, stop, published = Settings.from_env(), Path(sys.argv[1]), 0\n"
    "while not stop.exists() or published < 2:\n"
    "    with duckdb.connect(str(settings.warehouse)) as connection:\n"
    "        publish_marts(connection, settings.published)\n"
    "    published += 1\n"
    "print('published', published)\n"
)


def test_pages_keep_answering_while_a_run_writes_and_publishes(
    pipeline_run: PipelineRun, tmp_path: Path
):
    """Dashboards read the published copy, which a run replaces whole: no lock, no half file."""
    import os
    import subprocess
    import sys

    from dashboards import data

    before = pipeline_run.published.stat().st_mtime_ns
    stop = tmp_path / "stop"
    log = tmp_path / "publish.log"
    with log.open("wb") as output:
        run = subprocess.Popen(
            [sys.executable, "-c", PUBLISHER, str(stop)],
            cwd=DASHBOARDS.parent,
            env=os.environ.copy(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    seen = set()
    try:
        for name, title in PAGES * 2:
            data._query.clear()  # every render reads the file, not the cache
            app = page(name)
            assert not app.exception, (name, [e.value for e in app.exception])
            assert app.title[0].value == title
            assert not app.info or "No published marts" not in app.info[0].value
            seen.add(pipeline_run.published.stat().st_mtime_ns)
    finally:
        stop.touch()
        run.wait(timeout=600)
    assert run.returncode == 0, log.read_text()[-2000:]
    (published,) = re.findall(r"published (\d+)", log.read_text())
    assert int(published) >= 2
    assert len(seen - {before}) >= 2  # pages rendered while the file was replaced, again and again
