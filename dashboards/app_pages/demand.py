"""Which products customers ask for before sales move, and how the forecast fares."""

import pandas as pd
import streamlit as st

from dashboards import charts, data, filters, tables
from dashboards.freshness import marts_ready

st.title("Demand")
st.write(
    "Products customers are asking about now, every product ranked over the period, and "
    "the forecast against what sold. Money is in the shop's currency."
)


def ranking(start, end) -> pd.DataFrame:
    ranked = data.product_ranking(start, end)
    change = ranked["units"] / ranked["units_before"].where(ranked["units_before"] > 0) - 1
    return ranked.assign(change_on_period_before=change).drop(columns=["units_before"])


if marts_ready():
    weeks = data.demand_weeks()
    if weeks is None:
        st.warning("No orders yet.")
    else:
        start, end = filters.period(*weeks)
        st.subheader("Signals now")
        signals = data.demand_signals(start, end)
        if signals.empty:
            st.info("No product shows more customers asking than usual in this period.")
        else:
            tables.show(
                signals,
                "Demand signals",
                column_config={
                    "Signal score": st.column_config.NumberColumn(format="%.1f"),
                    "Since": st.column_config.DateColumn(format="D MMM YYYY"),
                    "Latest week": st.column_config.DateColumn(format="D MMM YYYY"),
                },
            )
        st.subheader(f"Products, {start:%d %b %Y} to {end:%d %b %Y}")
        ranked = ranking(start, end)
        tables.show(
            tables.written(ranked, {"change_on_period_before": "{:+.0%}", "refund_rate": "{:.1%}"}),
            "Products ranked",
            column_config={
                "Net revenue": st.column_config.NumberColumn(format="%.2f"),
                "Asks": st.column_config.NumberColumn(
                    help="Customers asking for the product in calls and reviews"
                ),
            },
        )
        products = list(ranked["product_title"].dropna()) or data.product_titles()
        product = filters.choice("Product", products, "product", format_func=str)
        if product is not None:
            st.subheader(f"{product}: orders against asks")
            weekly = data.product_demand_weekly(product)
            weekly = weekly[(weekly["week_start"] >= pd.Timestamp(start))]
            long = weekly.melt(
                id_vars="week_start",
                value_vars=["units", "demand_customers"],
                var_name="measure",
                value_name="count",
            ).replace({"measure": {"units": "Units sold", "demand_customers": "Customers asking"}})
            charts.lines(long, "week_start", "count", "Week starting", "Per week", series="measure")
            st.subheader(f"{product}: forecast against actuals")
            forecast = data.demand_forecast(product)
            if forecast.empty:
                st.info("No forecast for this product yet.")
            else:
                nearest = forecast[forecast["horizon_weeks"] == forecast["horizon_weeks"].min()]
                long = nearest.melt(
                    id_vars="week_start",
                    value_vars=["actual_units", "baseline_units", "voice_adjusted_units"],
                    var_name="series",
                    value_name="units",
                ).dropna()
                charts.lines(long, "week_start", "units", "Week starting", "Units", series="series")
        st.subheader("Backtest: forecast error with and without voice")
        backtest = data.forecast_backtest()
        if backtest.empty:
            st.info("Not enough history to backtest the forecast yet.")
        else:
            columns = st.columns(len(backtest))
            for column, row in zip(columns, backtest.itertuples(), strict=True):
                column.metric(
                    f"WAPE, {row.forecast_method.replace('_', ' ')}",
                    "n/a" if pd.isna(row.wape) else f"{row.wape:.1%}",
                    border=True,
                )
            st.caption(
                "WAPE: the forecasts' absolute errors over the units actually sold, "
                "over every product and week scored; lower is better."
            )
        st.subheader("What customers ask for that the shop does not sell")
        tables.show(data.product_requests(), "Product requests", values=("request_kind",))
