{#- Per product and week: are customers asking for it (requests, stock-out
    complaints) noticeably more than usual? The score compares the distinct
    customers asking over the last 4 weeks with the product's usual rate over
    the 26 weeks before them, in units of the usual rate's spread (a Poisson
    z-score, with one customer added to the baseline so a product nobody
    asked about does not score on a single ask). -#}

with

weekly as (

    select * from {{ ref('product_demand_weekly') }}

),

windowed as (

    select
        product_id,
        product_title,
        week_start,
        units,
        demand_customers,
        sum(demand_customers) over (
            partition by product_id order by week_start
            rows between 3 preceding and current row
        ) as recent_customers,
        coalesce(sum(demand_customers) over (
            partition by product_id order by week_start
            rows between 29 preceding and 4 preceding
        ), 0) * 4.0 / 26 as baseline_customers
    from weekly

),

scored as (

    select
        *,
        (recent_customers - baseline_customers) / sqrt(baseline_customers + 1) as signal_score
    from windowed

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
        recent_customers >= {{ var('demand_signal_min_customers') }}
        and signal_score >= {{ var('demand_signal_min_score') }} as is_signal
    from scored

)

select * from final
