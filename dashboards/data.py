"""Every query the dashboards run, against the published read-only copy of the marts.

Pages call these functions and never write SQL themselves. Filter values reach
DuckDB as parameters (``?``), never pasted into the SQL text. Results are
cached for a few minutes and keyed on the published file's modification time,
so a new publication shows up on the next rerun without waiting for the cache
to expire. Each query opens the file read-only for its own duration: the
pipeline replaces the file atomically, so a page never sees half a publication
and never holds a lock the pipeline waits on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from earshot import decisions, settings

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
def _query(path: str, version: float, sql: str, params: tuple) -> pd.DataFrame:
    del version  # part of the cache key only
    with duckdb.connect(path, read_only=True) as connection:
        return connection.execute(sql, list(params)).df()


def query(sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
    path = published_file()
    return _query(str(path), _version(path), sql, tuple(params))


def _dates(frame: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    first, last = frame.iloc[0, 0], frame.iloc[0, 1]
    if pd.isna(first) or pd.isna(last):
        return None
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()


# publication -----------------------------------------------------------------------------


def published_at() -> pd.Timestamp | None:
    frame = query("select max(published_at) as published_at from meta.publications")
    return frame["published_at"].iloc[0] if len(frame) else None


def data_through() -> pd.Timestamp | None:
    """The newest record the published marts were built from (orders, calls or reviews)."""
    frame = query("select max(data_through) as data_through from meta.publications")
    value = frame["data_through"].iloc[0] if len(frame) else None
    return None if pd.isna(value) else value


# overview --------------------------------------------------------------------------------


def shop_days() -> tuple[dt.date, dt.date] | None:
    """The first and last day with orders, calls or reviews."""
    return _dates(query("select min(date_day), max(date_day) from marts.shop_daily"))


def shop_totals(start: dt.date, end: dt.date) -> pd.Series:
    """The period's orders, revenue, returning-customer orders, calls and reviews."""
    return query(
        "select count(*) as days, coalesce(sum(orders), 0) as orders, "
        "coalesce(sum(net_revenue), 0) as net_revenue, "
        "coalesce(sum(returning_customer_orders), 0) as returning_customer_orders, "
        "coalesce(sum(calls), 0) as calls, coalesce(sum(answered_calls), 0) as answered_calls, "
        "coalesce(sum(reviews), 0) as reviews "
        "from marts.shop_daily where date_day between ? and ?",
        (start, end),
    ).iloc[0]


def shop_weekly(start: dt.date, end: dt.date) -> pd.DataFrame:
    """Orders, net revenue and conversations per week (weeks starting Monday) in the period."""
    return query(
        "select cast(date_trunc('week', date_day) as date) as week_start, sum(orders) as orders, "
        "sum(net_revenue) as net_revenue, sum(answered_calls + reviews) as conversations "
        "from marts.shop_daily where date_day between ? and ? group by 1 order by 1",
        (start, end),
    )


# themes ----------------------------------------------------------------------------------


def theme_weeks() -> tuple[dt.date, dt.date] | None:
    return _dates(query("select min(week_start), max(week_start) from marts.theme_weekly"))


def theme_weekly(start: dt.date, end: dt.date) -> pd.DataFrame:
    return query(
        "select theme, category, week_start, mentions, customers, share_of_voice, "
        "average_sentiment, change_vs_previous_4_weeks, is_emerging "
        "from marts.theme_weekly where week_start between ? and ? "
        "order by week_start, theme",
        (start, end),
    )


def theme_sentiment_weekly(
    start: dt.date, end: dt.date, sources: Sequence[str], theme: str | None
) -> pd.DataFrame:
    """Mentions and their average sentiment per week, for one theme or all, in the channel."""
    return query(
        "select cast(date_trunc('week', mentioned_at) as date) as week_start, "
        "count(*) as mentions, avg(sentiment) as average_sentiment "
        "from marts.voice_mentions "
        "where cast(mentioned_at as date) between ? and ? and list_contains(?, source) "
        "and (? is null or theme = ?) group by 1 order by 1",
        (start, end, list(sources), theme, theme),
    )


def price_sentiment_by_month(sources: Sequence[str]) -> pd.DataFrame:
    """Price mentions and their sentiment by calendar month, over all years: the season."""
    return query(
        "select month(mentioned_at) as month, count(*) as mentions, "
        "avg(sentiment) as average_sentiment from marts.voice_mentions "
        "where theme = 'price' and list_contains(?, source) group by 1 order by 1",
        (list(sources),),
    )


def theme_quotes(
    theme: str, start: dt.date, end: dt.date, sources: Sequence[str], limit: int = 5
) -> pd.DataFrame:
    """The most recent texts raising ``theme`` (redact them before showing)."""
    return query(
        "select documents.said_at, documents.source, documents.sentiment_label, "
        "documents.document_text from marts.voice_documents as documents "
        "where exists (select 1 from marts.voice_mentions as mentions "
        "where mentions.document_id = documents.document_id and mentions.theme = ?) "
        "and cast(documents.said_at as date) between ? and ? "
        "and list_contains(?, documents.source) "
        "order by documents.said_at desc limit ?",
        (theme, start, end, list(sources), limit),
    )


def product_titles() -> list[str]:
    frame = query(
        "select distinct product_title from marts.product_demand_weekly "
        "where product_title is not null order by 1"
    )
    return list(frame["product_title"])


# why they don't buy ----------------------------------------------------------------------


def non_purchase_months() -> tuple[dt.date, dt.date] | None:
    return _dates(
        query("select min(month_start), max(month_start) from marts.non_purchase_reasons")
    )


def non_purchase_reasons(start: dt.date, end: dt.date) -> pd.DataFrame:
    """Each reason's conversations and share over the period (months starting in it)."""
    return query(
        "with months as (select month_start, max(non_buyer_conversations) as conversations "
        "from marts.non_purchase_reasons where month_start between ? and ? group by 1), "
        "total as (select sum(conversations) as conversations from months) "
        "select reasons.reason, sum(reasons.conversations_citing) as conversations_citing, "
        "max(total.conversations) as non_buyer_conversations, "
        "sum(reasons.conversations_citing) / nullif(max(total.conversations), 0) as share_citing "
        "from marts.non_purchase_reasons as reasons cross join total "
        "where reasons.month_start between ? and ? group by reasons.reason "
        "order by conversations_citing desc, reasons.reason",
        (start, end, start, end),
    )


def non_purchase_trend(start: dt.date, end: dt.date) -> pd.DataFrame:
    return query(
        "select month_start, reason, share_citing, conversations_citing, non_buyer_conversations "
        "from marts.non_purchase_reasons where month_start between ? and ? "
        "order by month_start, reason",
        (start, end),
    )


# language gap ----------------------------------------------------------------------------


def language_gap(product: str | None) -> pd.DataFrame:
    return query(
        "select product_title, term, customer_documents, customer_share, description_uses, "
        "description_share, language_gap from marts.language_gap "
        "where ? is null or product_title = ? "
        "order by language_gap desc, customer_documents desc, term",
        (product, product),
    )


def language_gap_products() -> list[str]:
    frame = query("select distinct product_title from marts.language_gap order by 1")
    return list(frame["product_title"].dropna())


# cohorts ---------------------------------------------------------------------------------


def customer_cohorts() -> pd.DataFrame:
    return query(
        "select cohort_month, months_since_first_order, cohort_customers, active_customers, "
        "retention_rate, cumulative_net_revenue_per_customer "
        "from marts.customer_cohorts order by cohort_month, months_since_first_order"
    )


def rfm_segments() -> pd.DataFrame:
    return query(
        "select rfm_segment, count(*) as customers, sum(net_revenue) as net_revenue, "
        "avg(lifetime_value) as average_lifetime_value, "
        "avg(case when has_conversation then 1.0 else 0.0 end) as talked_to_share "
        "from marts.customers group by 1 order by customers desc"
    )


def voice_vs_silent() -> pd.DataFrame:
    return query(
        "select cohort_month, has_conversation, customers, orders, net_revenue, "
        "average_order_value, lifetime_value from marts.voice_vs_silent "
        "order by cohort_month, has_conversation"
    )


# calls -----------------------------------------------------------------------------------


def call_weeks() -> tuple[dt.date, dt.date] | None:
    return _dates(query("select min(week_start), max(week_start) from marts.call_outcomes_weekly"))


def call_outcomes_weekly(start: dt.date, end: dt.date) -> pd.DataFrame:
    return query(
        "select week_start, call_purpose, direction, calls, connected_calls, connect_rate, "
        "average_talk_seconds from marts.call_outcomes_weekly "
        "where week_start between ? and ? order by week_start, call_purpose, direction",
        (start, end),
    )


def agent_connect_rates(start: dt.date, end: dt.date) -> pd.DataFrame:
    return query(
        "select agent_id, count(*) as calls, count(case when is_answered then 1 end) "
        "as answered_calls, avg(case when is_answered then 1.0 else 0.0 end) as connect_rate, "
        "avg(case when is_answered then talk_seconds end) as average_talk_seconds "
        "from marts.calls where agent_id is not null "
        "and cast(started_at as date) between ? and ? group by 1 order by calls desc",
        (start, end),
    )


def call_queue() -> pd.DataFrame:
    return query(
        "select queue_position, customer_key, call_reason, urgency, cadence_days, "
        "last_called_at, last_order_at, orders, lifetime_value, rfm_segment "
        "from marts.call_queue order by queue_position"
    )


# demand ----------------------------------------------------------------------------------


def demand_weeks() -> tuple[dt.date, dt.date] | None:
    return _dates(query("select min(week_start), max(week_start) from marts.product_demand_weekly"))


def product_ranking(start: dt.date, end: dt.date) -> pd.DataFrame:
    """Per product over the period: units, change on the period before, refunds, asks."""
    days = (end - start).days + 1
    before = start - dt.timedelta(days=days)
    return query(
        "select product_title, "
        "sum(case when week_start >= ? then units else 0 end) as units, "
        "sum(case when week_start < ? then units else 0 end) as units_before, "
        "sum(case when week_start >= ? then net_revenue else 0 end) as net_revenue, "
        "sum(case when week_start >= ? then refunded_amount else 0 end) "
        "/ nullif(sum(case when week_start >= ? then gross_revenue else 0 end), 0) "
        "as refund_rate, "
        "sum(case when week_start >= ? then demand_customers else 0 end) as asks "
        "from marts.product_demand_weekly where week_start between ? and ? "
        "group by 1 order by units desc, product_title",
        (start, start, start, start, start, start, before, end),
    )


def product_demand_weekly(product: str) -> pd.DataFrame:
    return query(
        "select week_start, units, orders, net_revenue, refunded_amount, demand_customers "
        "from marts.product_demand_weekly where product_title = ? order by week_start",
        (product,),
    )


def demand_signals(start: dt.date, end: dt.date) -> pd.DataFrame:
    """Products whose asks rose in the period, newest first, with when asking began."""
    return query(
        "with signals as (select product_title, week_start, recent_customers, signal_score, "
        "row_number() over (partition by product_title order by week_start desc) as newest "
        "from marts.demand_signals where is_signal and week_start between ? and ?), "
        "first_signal as (select product_title, min(week_start) as since "
        "from marts.demand_signals where is_signal and week_start between ? and ? group by 1) "
        "select signals.product_title, signals.week_start as latest_week, "
        "signals.recent_customers as customers_asking, signals.signal_score, "
        "first_signal.since from signals join first_signal using (product_title) "
        "where newest = 1 order by latest_week desc, signal_score desc",
        (start, end, start, end),
    )


def product_requests() -> pd.DataFrame:
    return query(
        "select requested_product, request_kind, requested_variant, "
        "sum(customers) as customers, sum(mentions) as mentions, "
        "min(first_mentioned_at) as first_asked, max(last_mentioned_at) as last_asked "
        "from marts.product_requests group by 1, 2, 3 "
        "order by customers desc, last_asked desc limit 50"
    )


def demand_forecast(product: str) -> pd.DataFrame:
    return query(
        "select forecast.week_start, forecast.horizon_weeks, forecast.baseline_units, "
        "forecast.voice_adjusted_units, actual.units as actual_units "
        "from marts.demand_forecast as forecast left join marts.product_demand_weekly as actual "
        "on actual.product_title = forecast.product_title "
        "and actual.week_start = forecast.week_start "
        "where forecast.product_title = ? order by forecast.week_start, forecast.horizon_weeks",
        (product,),
    )


def forecast_backtest() -> pd.DataFrame:
    return query(
        "select forecast_method, sum(forecasts_scored) as forecasts_scored, "
        "sum(absolute_error) / nullif(sum(actual_units), 0) as wape "
        "from marts.forecast_backtest group by 1 order by 1"
    )


# actions ---------------------------------------------------------------------------------


def theme_names() -> list[str]:
    frame = query("select distinct theme from marts.theme_weekly order by 1")
    return list(frame["theme"].dropna())


def decision_months() -> tuple[dt.date, dt.date] | None:
    return _dates(query("select min(month_start), max(month_start) from marts.decisions_monthly"))


def decisions_monthly(start: dt.date, end: dt.date) -> pd.DataFrame:
    return query(
        "select month_start, conversations, decisions, decisions_per_100_conversations, "
        "decisions_after_a_signal, average_days_from_signal, demand_decisions, "
        "demand_outcomes_due, demand_followed from marts.decisions_monthly "
        "where month_start between ? and ? order by month_start",
        (start, end),
    )


def decisions_taken(start: dt.date, end: dt.date) -> pd.DataFrame:
    """The decisions the marts count, newest first."""
    return query(
        "select decision_id, decided_on, decision_kind, theme, product_title, decision_note, "
        "signal_kind, signal_week_start, days_from_signal, units_4_weeks_before, "
        "units_4_weeks_after, demand_followed from marts.decisions "
        "where decided_on >= ? and decision_month <= ? "
        "order by decided_on desc, recorded_at desc",
        (start, end),
    )


def decisions_store() -> Path:
    """The app's own store of decisions, beside the published marts (earshot.decisions)."""
    return decisions.store_path(settings.published_path())


def decisions_waiting() -> pd.DataFrame:
    """Decisions recorded on the Actions page that the published marts do not count yet."""
    counted = set(query("select decision_id from marts.decisions")["decision_id"])
    waiting = [
        record
        for record in decisions.recorded(decisions_store())
        if record.get("decision_id") not in counted
    ]
    columns = ["decided_on", "kind", "theme", "product_title", "note"]
    return pd.DataFrame(waiting, columns=columns)
