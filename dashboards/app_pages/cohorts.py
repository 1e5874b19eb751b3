"""Retention and revenue by acquisition cohort, RFM segments, and talked-to against silent."""

import streamlit as st

from dashboards import charts, data, tables
from dashboards.freshness import marts_ready

# More lines than this repeat colours and crowd the legend.
COHORTS_CHARTED = 12
METRICS = {
    "Retention rate": ("retention_rate", "{:.0%}", ".0%"),
    "Active customers": ("active_customers", "{:,.0f}", ",.0f"),
    "Cumulative net revenue per customer": (
        "cumulative_net_revenue_per_customer",
        "{:,.2f}",
        ",.2f",
    ),
}

st.title("Cohorts")
st.write("How each month's new customers keep ordering, and what they are worth.")


def heatmap(cohorts, metric: str) -> None:
    column, number_format, chart_format = METRICS[metric]
    shown = cohorts.assign(value=cohorts[column].astype(float))
    charts.heat(
        shown,
        "months_since_first_order",
        "cohort",
        "value",
        "Months since first order",
        "Cohort (month of first order)",
        metric,
        chart_format,
    )
    grid = cohorts.pivot_table(
        index="cohort", columns="months_since_first_order", values=column, aggfunc="max"
    )
    grid.columns = [f"Month {month}" for month in grid.columns]
    grid.insert(0, "Customers", cohorts.groupby("cohort")["cohort_customers"].max())
    months = [c for c in grid.columns if c.startswith("Month ")]
    st.dataframe(
        grid.style.format(number_format, subset=months, na_rep="").format(
            "{:,.0f}", subset=["Customers"]
        ),
        width="stretch",
    )
    tables.download(grid.reset_index(), f"{metric} by cohort")


if marts_ready():
    cohorts = data.customer_cohorts()
    if cohorts.empty:
        st.warning("No customer orders yet.")
    else:
        cohorts["cohort"] = cohorts["cohort_month"].dt.strftime("%Y-%m")
        metric = st.segmented_control(
            "Show", list(METRICS), default="Retention rate", key="cohort_metric"
        )
        st.subheader(f"{metric or 'Retention rate'} by months since first order")
        heatmap(cohorts, metric or "Retention rate")
        first = cohorts["cohort"].min()
        st.caption(
            f"The first cohort ({first}) holds every customer whose first order in the data "
            "falls in that month, including those who first ordered before the data begins."
        )
        recent = sorted(cohorts["cohort"].unique())[-COHORTS_CHARTED:]
        chosen = st.multiselect("Cohorts to chart", sorted(cohorts["cohort"].unique()), recent)
        st.subheader("Cumulative net revenue per customer")
        if not chosen:
            st.info("Choose at least one cohort to chart.")
        else:
            charts.lines(
                cohorts[cohorts["cohort"].isin(chosen)],
                "months_since_first_order",
                "cumulative_net_revenue_per_customer",
                "Months since first order",
                "Cumulative net revenue per customer (shop currency)",
                series="cohort",
                date_format=None,
            )

        st.subheader("RFM segments")
        segments = data.rfm_segments()
        tables.show(
            segments,
            "RFM segments",
            values=("rfm_segment",),
            column_config={
                "Talked to share": st.column_config.NumberColumn(
                    "Talked to", format="percent", help="Share who have spoken with the team"
                ),
                "Average lifetime value": st.column_config.NumberColumn(format="%.2f"),
                "Net revenue": st.column_config.NumberColumn(format="%.2f"),
            },
        )

        st.subheader("Talked to the team against silent, cohort for cohort")
        pairs = data.voice_vs_silent()
        if pairs.empty:
            st.info("No cohorts with both talked-to and silent customers yet.")
        else:
            pairs["group"] = pairs["has_conversation"].map(
                {True: "Talked to the team", False: "Silent"}
            )
            charts.lines(
                pairs,
                "cohort_month",
                "average_order_value",
                "Cohort month",
                "Average order value (shop currency)",
                series="group",
                date_format=charts.MONTH,
                points=True,
            )
            tables.show(
                pairs.drop(columns=["has_conversation"])[
                    [
                        "cohort_month",
                        "group",
                        "customers",
                        "orders",
                        "net_revenue",
                        "average_order_value",
                        "lifetime_value",
                    ]
                ],
                "Talked to against silent",
                column_config={
                    "Cohort month": st.column_config.DateColumn(format="MMM YYYY"),
                },
            )
