"""Retention and revenue by acquisition cohort."""

import streamlit as st

from dashboards import data
from dashboards.freshness import marts_ready

# More lines than this repeat colours and crowd the legend.
COHORTS_CHARTED = 12

st.title("Cohorts")
st.write("How each month's new customers keep ordering, and what they are worth.")

if marts_ready():
    cohorts = data.customer_cohorts()
    if cohorts.empty:
        st.warning("No customer orders yet.")
    else:
        cohorts["cohort"] = cohorts["cohort_month"].dt.strftime("%Y-%m")
        retention = cohorts.pivot_table(
            index="cohort", columns="months_since_first_order", values="retention_rate"
        )
        retention.columns = [f"Month {month}" for month in retention.columns]
        sizes = cohorts.groupby("cohort")["cohort_customers"].max()
        retention.insert(0, "Customers", sizes)
        st.subheader("Retention rate by months since first order")
        month_columns = [c for c in retention.columns if c.startswith("Month ")]
        st.dataframe(
            retention.style.format("{:.0%}", subset=month_columns, na_rep="").format(
                "{:,.0f}", subset=["Customers"]
            ),
            width="stretch",
        )
        first = retention.index.min()
        st.caption(
            f"The first cohort ({first}) holds every customer whose first order in the data "
            "falls in that month, including those who first ordered before the data begins."
        )
        recent = sorted(cohorts["cohort"].unique())[-COHORTS_CHARTED:]
        chosen = st.multiselect("Cohorts to chart", sorted(cohorts["cohort"].unique()), recent)
        revenue = cohorts[cohorts["cohort"].isin(chosen)].pivot_table(
            index="months_since_first_order",
            columns="cohort",
            values="cumulative_net_revenue_per_customer",
        )
        st.subheader("Cumulative net revenue per customer")
        if revenue.empty:
            st.info("Choose at least one cohort to chart.")
        else:
            st.line_chart(
                revenue,
                x_label="Months since first order",
                y_label="Cumulative net revenue per customer (shop currency)",
            )
