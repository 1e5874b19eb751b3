"""The dashboards as a stakeholder sees them: a real Streamlit server and headless Chromium."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from earshot.settings import PROJECT_ROOT
from tests.dashboards.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server
from tests.pipeline import PipelineRun, run_job

pytestmark = pytest.mark.browser

# Kept after the run (git-ignored): what each page looked like in this test session.
SCREENSHOTS = Path(os.environ.get("EARSHOT_TEST_ARTIFACTS", PROJECT_ROOT / "test-artifacts")) / (
    "screenshots"
)


@pytest.fixture(scope="module")
def dashboard_url(
    pipeline_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with streamlit_server(tmp_path_factory.mktemp("streamlit") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert Path(CHROMIUM).exists(), (
        "browser tests drive Debian's Chromium: apt-get install -y chromium (make test does this)"
    )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.mark.parametrize(
    ("path", "title", "content"),
    [
        ("", "Overview", "What changed"),
        ("voice", "Voice of the customer", "Mentions per week"),
        ("non-buyers", "Why they don't buy", "Reasons, by share of conversations"),
        ("language-gap", "Language gap", "words against the description"),
        ("cohorts", "Cohorts", "RFM segments"),
        ("calls", "Calls", "Who to call next"),
        ("demand", "Demand", "Backtest: forecast error with and without voice"),
        ("actions", "Actions", "Decisions per 100 conversations, by month"),
    ],
)
def test_page_shows_its_marts_without_errors(
    browser, dashboard_url: str, path: str, title: str, content: str
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{dashboard_url}/{path}")
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=60_000)
    page.get_by_text(content).first.wait_for(timeout=60_000)
    page.get_by_text("Data through").wait_for(timeout=60_000)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{path or 'overview'}.png"), full_page=True)
    page.close()


def test_a_decision_recorded_in_the_browser_is_counted_after_the_next_run(
    browser, dashboard_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{dashboard_url}/actions")
    page.get_by_role("heading", name="Actions", exact=True).wait_for(timeout=60_000)
    decisions = page.locator('[data-testid="stMetricValue"]').first
    decisions.wait_for(timeout=60_000)
    before = int(decisions.inner_text())
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Theme that prompted it").click()
    page.keyboard.type("Price")
    page.keyboard.press("Enter")
    page.get_by_label("Note").fill("Raised the free-shipping threshold after the price complaints")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("Recorded.").wait_for(timeout=60_000)
    page.get_by_text("Waiting for the next pipeline run").wait_for(timeout=60_000)
    assert int(decisions.inner_text()) == before

    # what the decisions sensor starts: load the store, rebuild what counts it, publish
    run_job("load_decisions")
    # opened afresh: the period the URL kept ended before this month's decision
    page.goto(f"{dashboard_url}/actions")
    page.get_by_role("heading", name="Actions", exact=True).wait_for(timeout=60_000)
    page.get_by_text("Decisions taken").first.wait_for(timeout=60_000)
    assert int(decisions.inner_text()) == before + 1
    assert page.get_by_text("Waiting for the next pipeline run").count() == 0
    page.close()
