"""Demand per product and week, net of refunds."""

import streamlit as st

from dashboards import data
from dashboards.freshness import marts_ready

st.title("Demand")
st.write("Units and revenue per product and week, after refunds.")

if marts_ready():
    demand = data.product_demand_weekly()
    if demand.empty:
        st.warning("No orders yet.")
    else:
        products = sorted(demand["product_title"].dropna().unique())
        product = st.selectbox("Product", products)
        selected = demand[demand["product_title"] == product].set_index("week_start")
        units, revenue, refunds = st.columns(3)
        units.metric("Units", f"{int(selected['units'].sum()):,}")
        revenue.metric("Net revenue", f"{float(selected['net_revenue'].sum()):,.2f}")
        refunds.metric("Refunded", f"{float(selected['refunded_amount'].sum()):,.2f}")
        st.subheader("Units per week")
        st.bar_chart(selected["units"], x_label="Week starting", y_label="Units sold")
        st.subheader("Net revenue per week")
        st.line_chart(
            selected["net_revenue"].astype(float),
            x_label="Week starting",
            y_label="Net revenue (shop currency)",
        )
