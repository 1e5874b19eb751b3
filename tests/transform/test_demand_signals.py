"""demand_signals on made-up weekly series: what raises a signal and what must not.

Each scenario writes an ``intermediate.int_product_weeks`` of weekly series per
product into an empty warehouse and runs only ``int_product_weeks_scored``
(what ``demand_signals`` shows) on it. Asks
are 5 customers a week and units 10 unless the scenario raises them; a week is
scored once 4 weeks of baseline precede its recent four (from week 8), with a
baseline of up to 26 weeks.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from sandbox import harness

WEEKS = 31
# a busy season: every product's asks triple while units stay flat
SEASON = {
    "products": [1, 2, 3, 4],
    "units": "10",
    "askers": "case when week >= 28 then 15 else 5 end",
}


def signals(
    workdir: Path,
    products: list[int],
    units: str,
    askers: str,
    variables: str = "{}",
    weeks: int = WEEKS,
) -> set[tuple[int, int]]:
    """(product, week number) of every signal, for series given as SQL on product_id, week."""
    warehouse = workdir / "earshot.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema intermediate")
        con.execute(
            f"""
            create table intermediate.int_product_weeks as
            select
                product_id,
                'product ' || product_id as product_title,
                cast(date '2025-01-06' + cast(7 * (week - 1) as integer) as date) as week_start,
                {units} as units,
                {askers} as demand_customers
            from unnest(?) as products(product_id)
            cross join range(1, {weeks + 1}) as weeks(week)
            """,
            [products],
        )
    harness.dbt(warehouse, "run", "--select", "int_product_weeks_scored", "--vars", variables)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return set(
            con.execute(
                "select product_id, cast(date_diff('week', date '2025-01-06', week_start) "
                "as integer) + 1 from intermediate.int_product_weeks_scored where is_signal"
            ).fetchall()
        )


def test_asks_that_run_ahead_of_sales_signal_and_asks_that_follow_sales_do_not(
    tmp_path: Path,
) -> None:
    # 1: asks quadruple while sales stay flat; 2: asks triple with its units
    # (its z-score alone would pass); 3: asks spike in weeks 3-6, before it
    # has 4 weeks of baseline, and are its baseline once it has; 5-10: flat.
    raised = signals(
        tmp_path,
        [1, 2, 3, 5, 6, 7, 8, 9, 10],
        units="case when product_id = 2 and week >= 28 then 30 else 10 end",
        askers="""case
            when product_id = 1 and week >= 28 then 20
            when product_id = 2 and week >= 28 then 15
            when product_id = 3 and week between 3 and 6 then 20
            else 5
        end""",
    )
    assert raised == {(1, 29), (1, 30), (1, 31)}


def test_asks_rising_across_the_whole_shop_signal_nothing(tmp_path: Path) -> None:
    raised = signals(tmp_path, **SEASON)
    assert raised == set()


def test_without_the_shops_growth_the_shop_wide_rise_would_signal(tmp_path: Path) -> None:
    """Leave every product out of the shop's growth: the season passes both conditions."""
    raised = signals(tmp_path, **SEASON, variables="{demand_signal_trim_share: 1}")
    assert raised == {(product, week) for product in (1, 2, 3, 4) for week in (29, 30, 31)}


def test_a_half_year_shop_signals_weeks_before_demand_rises_and_spares_the_control(
    tmp_path: Path,
) -> None:
    """26 weeks of history: asks for 1 and 2 rise from week 8, their demand and that of
    control 3 (nobody asked) triple from week 11; 4-10 stay flat."""
    raised = signals(
        tmp_path,
        list(range(1, 11)),
        units="case when product_id in (1, 2, 3) and week >= 11 then 30 else 10 end",
        askers="case when product_id in (1, 2) and week >= 8 then 20 else 5 end",
        weeks=26,
    )
    first = {product: min(w for p, w in raised if p == product) for product, _ in raised}
    assert set(first) == {1, 2}
    assert all(week <= 11 - 2 for week in first.values()), first
