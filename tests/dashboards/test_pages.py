"""Every dashboard page renders from the published marts, and explains itself without them."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.pipeline import PipelineRun

# reads the marts of the whole pipeline run once per session
pytestmark = pytest.mark.e2e

PAGES = Path(__file__).resolve().parents[2] / "dashboards"


@pytest.mark.parametrize(
    ("page", "title"),
    [("themes.py", "Themes"), ("cohorts.py", "Cohorts"), ("demand.py", "Demand")],
)
def test_page_renders_from_published_marts(
    pipeline_run: PipelineRun, page: str, title: str
) -> None:
    app = AppTest.from_file(str(PAGES / "app_pages" / page), default_timeout=60).run()
    assert not app.exception, app.exception
    assert app.title[0].value == title
    assert any("Data through" in caption.value for caption in app.caption)
    assert not app.info, [info.value for info in app.info]
    assert app.dataframe or app.metric


def test_router_opens_the_themes_page(pipeline_run: PipelineRun) -> None:
    app = AppTest.from_file(str(PAGES / "streamlit_app.py"), default_timeout=60).run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Themes"


def test_demand_page_follows_the_chosen_product(pipeline_run: PipelineRun) -> None:
    app = AppTest.from_file(str(PAGES / "app_pages" / "demand.py"), default_timeout=60).run()
    products = app.selectbox[0].options
    assert len(products) > 1
    first_units = app.metric[0].value
    app.selectbox[0].select(products[1]).run()
    assert not app.exception
    assert app.selectbox[0].value == products[1]
    assert app.metric[0].value != first_units or len(set(products)) == 1


def test_page_says_what_to_do_when_nothing_is_published(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EARSHOT_PUBLISHED", str(tmp_path / "missing.duckdb"))
    app = AppTest.from_file(str(PAGES / "app_pages" / "themes.py"), default_timeout=60).run()
    assert not app.exception
    assert "No published marts" in app.info[0].value
    assert not app.dataframe


def test_themes_read_in_plain_words_complaints_apart_rising_first(
    pipeline_run: PipelineRun,
) -> None:
    app = AppTest.from_file(str(PAGES / "app_pages" / "themes.py"), default_timeout=60).run()
    complaints, others = app.dataframe[0].value, app.dataframe[1].value
    assert "Share of voice" in complaints.columns and "share_of_voice" not in complaints.columns
    shown = [*complaints["Theme"], *others["Theme"]]
    assert shown and not any("_" in str(theme) for theme in shown)
    assert "Praise" not in set(complaints["Theme"])
    assert "Praise" in set(others["Theme"])
    # rising themes first: what is emerging, then by change against the 4 weeks before
    flags = list(complaints["Emerging"])
    assert flags == sorted(flags, key=lambda flag: flag != "Rising")
    # the chart starts on the top-ranked themes: the rising ones, not the first alphabetically
    chosen = app.multiselect[0]
    default = [chosen.format_func(value) for value in chosen.value]
    rising = [
        theme
        for frame in (complaints, others)
        for theme, flag in zip(frame["Theme"], frame["Emerging"], strict=True)
        if flag == "Rising"
    ]
    assert default and default[0] in {complaints["Theme"].iloc[0], others["Theme"].iloc[0]}
    assert set(rising[: len(default)]) <= set(default) or set(default) <= set(rising)


def test_clearing_the_theme_filter_says_so_instead_of_a_blank_chart(
    pipeline_run: PipelineRun,
) -> None:
    app = AppTest.from_file(str(PAGES / "app_pages" / "themes.py"), default_timeout=60).run()
    app.multiselect[0].set_value([]).run()
    assert not app.exception
    assert any("Choose at least one theme" in info.value for info in app.info)


def test_cohorts_show_their_size_no_none_and_a_legible_chart(pipeline_run: PipelineRun) -> None:
    app = AppTest.from_file(str(PAGES / "app_pages" / "cohorts.py"), default_timeout=60).run()
    assert not app.exception
    table = app.dataframe[0].value
    assert "Customers" in table.columns and (table["Customers"] > 0).all()
    assert not (table.astype(str) == "None").any().any()
    assert len(app.multiselect[0].value) <= 12
    assert any("first cohort" in caption.value for caption in app.caption)
