{#- Each product's weekly units with what a forecaster knows at the end of
    that week: the 8-week average (the baseline forecast), whether a demand
    signal showed in the last 4 weeks, whether one starts this week (a signal
    after 8 quiet weeks), and the most recent start in the last 10 weeks.
    The latest week is still running, so forecasts stop the week before it. -#}

with

signals as (

    select * from {{ ref('int_product_weeks_scored') }}

),

weeks as (

    select * from {{ ref('int_weeks') }}

),

joined as (

    select
        signals.product_id,
        signals.product_title,
        weeks.week_number,
        weeks.week_start,
        weeks.is_latest,
        signals.units,
        signals.is_signal
    from signals
    inner join weeks
        on signals.week_start = weeks.week_start

),

flagged as (

    select
        product_id,
        product_title,
        week_number,
        week_start,
        is_latest,
        units,
        is_signal,
        avg(units) over (
            partition by product_id order by week_number
            rows between 7 preceding and current row
        ) as trailing_8_week_units,
        max(case when is_signal then 1 else 0 end) over (
            partition by product_id order by week_number
            rows between 3 preceding and current row
        ) = 1 as has_recent_signal,
        is_signal and coalesce(max(case when is_signal then 1 else 0 end) over (
            partition by product_id order by week_number
            rows between 8 preceding and 1 preceding
        ), 0) = 0 as is_signal_onset
    from joined

),

final as (

    select
        *,
        {#- the most recent signal onset in the last 10 weeks, and the 8-week
            average just before it: demand as it was before customers asked -#}
        max(case when is_signal_onset then week_number end) over (
            partition by product_id order by week_number
            rows between 9 preceding and current row
        ) as recent_onset_week,
        max(case when is_signal_onset then units_before_week end) over (
            partition by product_id order by week_number
            rows between 9 preceding and current row
        ) as recent_onset_baseline_units
    from (
        select
            *,
            lag(trailing_8_week_units) over (
                partition by product_id order by week_number
            ) as units_before_week
        from flagged
    ) as with_previous

)

select * from final
