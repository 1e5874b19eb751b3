"""Retention and revenue by acquisition cohort."""

import streamlit as st

from dashboards import data
from dashboards.freshness import marts_ready

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
        st.subheader("Retention rate by months since first order")
        st.dataframe(retention.style.format("{:.0%}", na_rep=""), use_container_width=True)
        revenue = cohorts.pivot_table(
            index="months_since_first_order",
            columns="cohort",
            values="cumulative_net_revenue_per_customer",
        )
        st.subheader("Cumulative net revenue per customer")
        st.line_chart(
            revenue,
            x_label="Months since first order",
            y_label="Cumulative net revenue per customer (shop currency)",
        )
