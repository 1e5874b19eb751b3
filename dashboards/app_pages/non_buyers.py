"""Why customers who did not buy say they did not: reasons in non-buyer conversations."""

import streamlit as st

from dashboards import charts, data, filters, tables
from dashboards.freshness import marts_ready
from dashboards.labels import label

# The share of lost sales practitioners attribute to price: 11 in 100.
PRACTITIONERS_PRICE_SHARE = 0.11

st.title("Why they don't buy")
st.write(
    "What cart abandoners and lapsed customers raise when the team calls them: each "
    "reason's share of those conversations. A conversation can give more than one reason."
)

if marts_ready():
    months = data.non_purchase_months()
    if months is None:
        st.warning(
            "No non-buyer conversations yet: they come from answered calls tagged as cart "
            "recovery or win-back (see the call tags in the Calls page)."
        )
    else:
        start, end = filters.period(*months, default_days=365)
        reasons = data.non_purchase_reasons(start, end)
        if reasons.empty:
            st.info("No non-buyer conversations in this period: choose a longer one.")
            st.stop()
        conversations = int(reasons["non_buyer_conversations"].max())
        price = reasons.loc[reasons["reason"] == "price", "share_citing"]
        share = float(price.iloc[0]) if len(price) else 0.0
        left, right = st.columns(2)
        left.metric("Non-buyer conversations", f"{conversations:,}", border=True)
        right.metric(
            "Citing price",
            f"{share:.0%}",
            f"{share - PRACTITIONERS_PRICE_SHARE:+.0%} against the usual 11%",
            delta_color="inverse",
            border=True,
        )
        st.caption(
            "Practitioners put price behind about 11 in 100 lost sales; a share well above it "
            "says this shop's prices, not its site, are losing buyers."
        )
        st.subheader("Reasons, by share of conversations")
        charts.bars(
            reasons,
            "reason",
            "share_citing",
            "Reason",
            "Share of non-buyer conversations",
            value_format=".0%",
        )
        tables.show(
            reasons,
            "Reasons non-buyers gave",
            values=("reason",),
            column_config={"Share citing": st.column_config.NumberColumn(format="percent")},
        )
        st.subheader("Month by month")
        trend = data.non_purchase_trend(start, end)
        top = list(reasons["reason"].head(5))
        chosen = st.multiselect("Reasons to chart", list(reasons["reason"]), top, format_func=label)
        if chosen:
            charts.lines(
                trend[trend["reason"].isin(chosen)],
                "month_start",
                "share_citing",
                "Month",
                "Share of non-buyer conversations",
                series="reason",
                date_format=charts.MONTH,
                y_format=".0%",
                points=True,
            )
        else:
            st.info("Choose at least one reason to chart.")
