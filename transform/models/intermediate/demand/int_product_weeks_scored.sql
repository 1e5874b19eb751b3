{#- Per product and week: are customers asking for it (requests, stock-out
    complaints) noticeably more than usual, and more than the shop's own
    growth and the product's sales explain? Both must hold:

    - significant: the distinct customers asking over the last 4 weeks
      against the product's usual rate over the weeks before them (up to 26;
      a shop with a short history uses the weeks it has), grown by the growth
      described below when that is above 1, in units of the spread of their
      difference: a Poisson z-score that counts the uncertainty of a rate
      read from few weeks (it grows with the growth applied to it), one
      customer added so a product nobody asked about does not score on a
      single ask. It reaches var('demand_signal_min_score');
    - material: those asks reach var('demand_signal_min_growth') times what
      was expected, the usual rate grown by whichever grew more over the same
      weeks: the shop's asks (a busy season, a growing shop) or this product's
      own units (more buyers ask more; asks that follow a rise in sales are not
      a signal of it). The shop's growth leaves out the products whose asks
      rose most (var('demand_signal_trim_share') of them), so that a few
      products customers suddenly ask for cannot pass for a season and hide
      each other.

    A week is scored once var('demand_signal_min_baseline_weeks') weeks of
    baseline precede its recent four: a shop needs that many weeks plus four
    of history before the first signal can show. -#}

{#- several models read it: computed once, not per reader -#}
{{ config(materialized='table') }}

with

weekly as (

    select * from {{ ref('int_product_weeks') }}

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
        cast(sum(demand_customers) over baseline_weeks as double) * 4
        / nullif(count(*) over baseline_weeks, 0) as baseline_customers,
        sum(units) over recent_weeks as recent_units,
        cast(sum(units) over baseline_weeks as double) * 4
        / nullif(count(*) over baseline_weeks, 0) as baseline_units
    from weekly
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

ranked_by_rise as (

    select
        week_start,
        recent_customers,
        baseline_customers,
        row_number() over (
            partition by week_start
            order by recent_customers - baseline_customers desc, product_id
        ) as rise_rank,
        count(*) over (partition by week_start) as product_count
    from windowed
    where baseline_customers is not null

),

shop_growth as (

    select
        week_start,
        (sum(recent_customers) + 1) / (sum(baseline_customers) + 1) as shop_growth
    from ranked_by_rise
    where rise_rank > ceil(product_count * {{ var('demand_signal_trim_share') }})
    group by 1

),

grown as (

    select
        windowed.*,
        greatest(
            coalesce(shop_growth.shop_growth, 1),
            (windowed.recent_units + 1) / (windowed.baseline_units + 1)
        ) as explained_growth
    from windowed
    left join shop_growth
        on windowed.week_start = shop_growth.week_start

),

scored as (

    {#- against e = baseline * g (g at least 1): var(recent - e) = e + e * 4 * g / weeks -#}
    select
        *,
        (recent_customers - baseline_customers * greatest(explained_growth, 1))
        / sqrt(
            baseline_customers * greatest(explained_growth, 1)
            * (1 + 4 * greatest(explained_growth, 1) / cast(baseline_week_count as double))
            + 1
        ) as signal_score,
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
        coalesce(
            baseline_week_count >= {{ var('demand_signal_min_baseline_weeks') }}
            and recent_customers >= {{ var('demand_signal_min_customers') }}
            and signal_score >= {{ var('demand_signal_min_score') }}
            and recent_customers >= {{ var('demand_signal_min_growth') }} * expected_customers,
            false
        ) as is_signal
    from scored

)

select * from final
