"""The shop this period against the period before, and what changed."""

import datetime as dt

import streamlit as st

from dashboards import charts, data, filters, summary
from dashboards.freshness import marts_ready

st.title("Overview")
st.write("The period's headline figures against the period of the same length before it.")


def _price_share(start: dt.date, end: dt.date) -> float | None:
    reasons = data.non_purchase_reasons(start, end)
    price = reasons[reasons["reason"] == "price"]
    if price.empty or price["share_citing"].isna().all():
        return None
    return float(price["share_citing"].iloc[0])


if marts_ready():
    days = data.shop_days()
    if days is None:
        st.warning("No orders, calls or reviews yet: the overview fills in after the first load.")
    else:
        start, end = filters.period(*days, default_days=28)
        length = end - start + dt.timedelta(days=1)
        before_start, before_end = start - length, start - dt.timedelta(days=1)
        headline = summary.figures(
            data.shop_totals(start, end), data.shop_totals(before_start, before_end)
        )
        st.caption(
            f"{start:%d %b %Y} to {end:%d %b %Y} against {before_start:%d %b %Y} "
            f"to {before_end:%d %b %Y}"
        )
        for column, figure in zip(st.columns(3) + st.columns(3), headline, strict=True):
            column.metric(figure.name, figure.shown(), figure.delta(), border=True)
        st.caption(
            "Conversations are answered calls and reviews written. The returning-customer "
            "rate is the share of orders from customers who had ordered on an earlier day."
        )
        st.subheader("What changed")
        sentences = summary.what_changed(
            headline,
            data.theme_weekly(start, end),
            data.demand_signals(start, end),
            (_price_share(start, end), _price_share(before_start, before_end)),
        )
        st.markdown("\n".join(f"- {sentence}" for sentence in sentences))
        st.subheader("Orders and conversations per week")
        weekly = data.shop_weekly(start, end).melt(
            id_vars="week_start",
            value_vars=["orders", "conversations"],
            var_name="measure",
            value_name="count",
        )
        charts.lines(
            weekly,
            "week_start",
            "count",
            "Week starting",
            "Per week",
            series="measure",
            points=True,
        )
        st.caption("A week cut by the period's ends counts only its days inside the period.")
