"""Every query the dashboards run, against the published read-only copy of the marts.

Pages call these functions and never write SQL themselves. Results are cached
for a few minutes and keyed on the published file's modification time, so a new
publication shows up on the next rerun without waiting for the cache to expire.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from earshot import settings

CACHE_SECONDS = 300


class MartsNotPublishedError(RuntimeError):
    """No published marts yet: the pipeline has not completed a build."""


def published_file() -> Path:
    path = settings.published_path()
    if not path.exists():
        raise MartsNotPublishedError(
            f"No published marts at {path}. Run `make demo`, or materialize the "
            "assets in the Dagster UI, then reload this page."
        )
    return path


def _version(path: Path) -> float:
    return path.stat().st_mtime


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _query(path: str, version: float, sql: str) -> pd.DataFrame:
    del version  # part of the cache key only
    with duckdb.connect(path, read_only=True) as connection:
        return connection.execute(sql).df()


def query(sql: str) -> pd.DataFrame:
    path = published_file()
    return _query(str(path), _version(path), sql)


def published_at() -> pd.Timestamp | None:
    frame = query("select max(published_at) as published_at from meta.publications")
    return frame["published_at"].iloc[0] if len(frame) else None


def data_through() -> pd.Timestamp | None:
    """The newest record the published marts were built from (orders, calls or reviews)."""
    frame = query("select max(data_through) as data_through from meta.publications")
    value = frame["data_through"].iloc[0] if len(frame) else None
    return None if pd.isna(value) else value


def theme_weekly() -> pd.DataFrame:
    return query(
        "select theme, category, week_start, mentions, customers, share_of_voice, "
        "average_sentiment, change_vs_previous_4_weeks, is_emerging "
        "from marts.theme_weekly order by week_start, theme"
    )


def customer_cohorts() -> pd.DataFrame:
    return query(
        "select cohort_month, months_since_first_order, cohort_customers, active_customers, "
        "retention_rate, cumulative_net_revenue_per_customer "
        "from marts.customer_cohorts order by cohort_month, months_since_first_order"
    )


def product_demand_weekly() -> pd.DataFrame:
    return query(
        "select product_id, product_title, week_start, units, orders, gross_revenue, "
        "refunded_amount, net_revenue "
        "from marts.product_demand_weekly order by product_title, week_start"
    )
