"""The overview's figures and its "what changed" sentences, from the marts' frames.

Pure functions of data frames, so they are tested without Streamlit: the
period's headline figures against the period before, and three to five plain
sentences a stakeholder reads before any chart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from dashboards.labels import label


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | None
    before: float | None
    kind: str  # "count", "money" or "rate"

    @property
    def change(self) -> float | None:
        """Relative change on the period before; None when there is nothing to compare with."""
        if self.value is None or self.before is None or self.before == 0:
            return None
        return self.value / self.before - 1

    def shown(self) -> str:
        if self.value is None:
            return "n/a"
        if self.kind == "rate":
            return f"{self.value:.1%}"
        if self.kind == "money":
            return f"{self.value:,.2f}"
        return f"{self.value:,.0f}"

    def delta(self) -> str | None:
        change = self.change
        return None if change is None else f"{change:+.1%} on the period before"


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def figures(now: Mapping, before: Mapping) -> list[Figure]:
    """Orders, net revenue, AOV, returning-customer rate, conversations, connect rate."""

    rows = [
        ("Orders", lambda t: float(t["orders"]), "count"),
        ("Net revenue", lambda t: float(t["net_revenue"]), "money"),
        ("Average order value", lambda t: _ratio(t["net_revenue"], t["orders"]), "money"),
        (
            "Returning-customer rate",
            lambda t: _ratio(t["returning_customer_orders"], t["orders"]),
            "rate",
        ),
        ("Conversations", lambda t: float(t["answered_calls"] + t["reviews"]), "count"),
        ("Connect rate", lambda t: _ratio(t["answered_calls"], t["calls"]), "rate"),
    ]
    return [Figure(name, get(now), get(before), kind) for name, get, kind in rows]


def _trend_word(change: float) -> str:
    return "rose" if change > 0 else "fell"


def what_changed(
    figures_: list[Figure],
    themes: pd.DataFrame,
    signals: pd.DataFrame,
    price_share: tuple[float | None, float | None],
    most: int = 5,
) -> list[str]:
    """Plain sentences on what moved: revenue, rising themes, demand signals, the price share.

    ``themes`` is theme_weekly over the period, ``signals`` the period's demand
    signals (product_title, customers_asking, since), ``price_share`` the share
    of non-buyer conversations citing price in the period and the one before.
    """
    sentences: list[str] = []
    by_name = {figure.name: figure for figure in figures_}
    revenue = by_name.get("Net revenue")
    if revenue is not None and revenue.change is not None and not math.isclose(revenue.change, 0):
        sentences.append(
            f"Net revenue {_trend_word(revenue.change)} {abs(revenue.change):.0%} on the period "
            f"before, to {revenue.shown()}."
        )
    if not themes.empty:
        latest = themes[themes["week_start"] == themes["week_start"].max()]
        rising = latest[latest["is_emerging"].fillna(False).astype(bool)].sort_values(
            "change_vs_previous_4_weeks", ascending=False
        )
        for row in rising.head(2).itertuples():
            change = row.change_vs_previous_4_weeks
            against = "" if pd.isna(change) else f", {change:+.0%} on the 4 weeks before"
            sentences.append(
                f"{label(row.theme)} is rising: {row.mentions:,} mentions in the week of "
                f"{row.week_start:%d %b %Y}{against}."
            )
    for row in signals.head(2).itertuples():
        sentences.append(
            f"Customers are asking about {row.product_title}: {row.customers_asking:,} "
            f"in recent weeks, a demand signal since {row.since:%d %b %Y}."
        )
    share, share_before = price_share
    if share is not None:
        if share_before is not None and not math.isclose(share, share_before, abs_tol=0.005):
            sentences.append(
                f"Price was the reason in {share:.0%} of non-buyer conversations, "
                f"{'up' if share > share_before else 'down'} from {share_before:.0%}."
            )
        else:
            sentences.append(f"Price was the reason in {share:.0%} of non-buyer conversations.")
    if not sentences:
        sentences.append("Nothing moved enough to mention in this period.")
    return sentences[:most]
