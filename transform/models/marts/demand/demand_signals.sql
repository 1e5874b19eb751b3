{#- Per product and week: are customers asking for it (requests, stock-out
    complaints) noticeably more than usual, and more than the shop's own
    growth and the product's sales explain? Both must hold:

    - significant: the distinct customers asking over the last 4 weeks
      against the product's usual rate over the weeks before them (up to 26;
      a shop with a short history uses the weeks it has), in units of the
      spread of their difference (a Poisson z-score that counts the
      uncertainty of a rate read from few weeks, one customer added to the
      baseline so a product nobody asked about does not score on a single
      ask), reaches var('demand_signal_min_score');
    - material: those asks reach var('demand_signal_min_growth') times what
      was expected, the usual rate grown by whichever grew more over the same
      weeks: asks about every other product (a busy season, a growing shop) or
      this product's own units (more buyers ask more; asks that follow a rise
      in sales are not a signal of it).

    A week is scored once var('demand_signal_min_baseline_weeks') weeks of
    baseline precede its recent four: a shop needs that many weeks plus four
    of history before the first signal can show. -#}

with

weekly as (

    select * from {{ ref('product_demand_weekly') }}

),

shop_weekly as (

    select
        week_start,
        sum(demand_customers) as shop_demand_customers
    from weekly
    group by 1

),

with_shop as (

    select
        weekly.product_id,
        weekly.product_title,
        weekly.week_start,
        weekly.units,
        weekly.demand_customers,
        shop_weekly.shop_demand_customers - weekly.demand_customers as other_demand_customers
    from weekly
    inner join shop_weekly
        on weekly.week_start = shop_weekly.week_start

),

windowed as (

    select
        product_id,
        product_title,
        week_start,
        units,
        demand_customers,
        count(*) over baseline_weeks as baseline_week_count,
        sum(demand_customers) over recent_weeks as recent_customers,
        {#- each baseline as a 4-week rate, over the baseline weeks there are -#}
        sum(demand_customers) over baseline_weeks * 4.0
        / nullif(count(*) over baseline_weeks, 0) as baseline_customers,
        sum(other_demand_customers) over recent_weeks as recent_other_customers,
        sum(other_demand_customers) over baseline_weeks * 4.0
        / nullif(count(*) over baseline_weeks, 0) as baseline_other_customers,
        sum(units) over recent_weeks as recent_units,
        sum(units) over baseline_weeks * 4.0
        / nullif(count(*) over baseline_weeks, 0) as baseline_units
    from with_shop
    window
        recent_weeks as (
            partition by product_id order by week_start
            rows between 3 preceding and current row
        ),
        baseline_weeks as (
            partition by product_id order by week_start
            rows between 29 preceding and 4 preceding
        )

),

grown as (

    select
        *,
        greatest(
            (recent_other_customers + 1) / (baseline_other_customers + 1),
            (recent_units + 1) / (baseline_units + 1)
        ) as explained_growth
    from windowed

),

scored as (

    select
        *,
        {#- var(recent - baseline) = rate + rate * 4 / baseline weeks -#}
        (recent_customers - baseline_customers)
        / sqrt(baseline_customers * (1 + 4.0 / baseline_week_count) + 1) as signal_score,
        baseline_customers * explained_growth as expected_customers
    from grown

),

final as (

    select
        product_id,
        product_title,
        week_start,
        units,
        demand_customers,
        recent_customers,
        baseline_customers,
        signal_score,
        explained_growth,
        expected_customers,
        coalesce(baseline_week_count >= {{ var('demand_signal_min_baseline_weeks') }}
        and recent_customers >= {{ var('demand_signal_min_customers') }}
        and signal_score >= {{ var('demand_signal_min_score') }}
        and recent_customers >= {{ var('demand_signal_min_growth') }} * expected_customers,
        false) as is_signal
    from scored

)

select * from final
