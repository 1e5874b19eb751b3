"""The overview's figures and its "what changed" sentences."""

import datetime as dt

import pandas as pd
import pytest

from dashboards import summary

NOW = {
    "orders": 120,
    "net_revenue": 6000.0,
    "returning_customer_orders": 30,
    "calls": 50,
    "answered_calls": 40,
    "reviews": 10,
}
BEFORE = {
    "orders": 100,
    "net_revenue": 4000.0,
    "returning_customer_orders": 20,
    "calls": 40,
    "answered_calls": 20,
    "reviews": 5,
}


def test_figures_compare_the_period_with_the_one_before() -> None:
    by_name = {figure.name: figure for figure in summary.figures(NOW, BEFORE)}
    assert by_name["Orders"].change == pytest.approx(0.2)
    assert by_name["Average order value"].value == 50.0
    assert by_name["Average order value"].before == 40.0
    assert by_name["Returning-customer rate"].shown() == "25.0%"
    assert by_name["Conversations"].value == 50
    assert by_name["Connect rate"].value == pytest.approx(0.8)
    assert by_name["Connect rate"].delta() == "+60.0% on the period before"


def test_an_empty_period_shows_no_ratio_and_no_change() -> None:
    empty = dict.fromkeys(NOW, 0)
    by_name = {figure.name: figure for figure in summary.figures(NOW, empty)}
    assert by_name["Orders"].delta() is None
    nothing = {figure.name: figure for figure in summary.figures(empty, empty)}
    assert nothing["Average order value"].shown() == "n/a"
    assert nothing["Connect rate"].value is None


def test_what_changed_names_revenue_rising_themes_signals_and_the_price_share() -> None:
    week = pd.Timestamp("2026-11-23")
    themes = pd.DataFrame(
        {
            "theme": ["shipping", "price", "praise"],
            "week_start": [week, week, week - pd.Timedelta(days=7)],
            "mentions": [40, 12, 99],
            "is_emerging": [True, False, True],
            "change_vs_previous_4_weeks": [1.5, 0.1, 3.0],
        }
    )
    signals = pd.DataFrame(
        {
            "product_title": ["Merino Crew"],
            "customers_asking": [7],
            "since": [dt.date(2026, 11, 9)],
        }
    )
    sentences = summary.what_changed(summary.figures(NOW, BEFORE), themes, signals, (0.18, 0.11))
    assert sentences == [
        "Net revenue rose 50% on the period before, to 6,000.00.",
        "Shipping is rising: 40 mentions in the week of 23 Nov 2026, +150% on the 4 weeks before.",
        "Customers are asking about Merino Crew: 7 in recent weeks, a demand signal since "
        "09 Nov 2026.",
        "Price was the reason in 18% of non-buyer conversations, up from 11%.",
    ]


def test_a_quiet_period_says_so() -> None:
    flat = summary.figures(NOW, NOW)
    none = pd.DataFrame()
    assert summary.what_changed(flat, none, none, (None, None)) == [
        "Nothing moved enough to mention in this period."
    ]
