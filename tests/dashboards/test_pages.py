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


def test_themes_read_in_plain_words(pipeline_run: PipelineRun) -> None:
    app = AppTest.from_file(str(PAGES / "app_pages" / "themes.py"), default_timeout=60).run()
    table = app.dataframe[0].value
    assert "Share of voice" in table.columns and "share_of_voice" not in table.columns
    assert not any("_" in str(theme) for theme in table["Theme"])
    assert not any("_" in str(category) for category in table["Category"])
