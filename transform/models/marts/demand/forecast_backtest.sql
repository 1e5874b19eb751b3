{#- How well each forecast did on weeks it had not seen: every forecast made
    at the end of a week in the last var('forecast_backtest_weeks') weeks
    (before the latest complete one) is scored against the units that week
    actually sold, per product and method. WAPE is total absolute error over
    total units; MAPE averages the percentage error over weeks that sold
    something (a week of zero sales has no percentage error). -#}

with

forecasts as (

    select * from {{ ref('int_demand_forecasts') }}

),

product_weeks as (

    select * from {{ ref('int_product_weeks_flagged') }}

),

methods as (

    select 'baseline' as forecast_method
    union all
    select 'voice_adjusted' as forecast_method

),

last_complete as (

    select max(week_number) as week_number
    from product_weeks
    where not is_latest

),

scored as (

    select
        forecasts.product_id,
        forecasts.product_title,
        forecasts.is_voice_adjusted,
        actuals.units as actual_units,
        methods.forecast_method,
        case
            when methods.forecast_method = 'baseline' then forecasts.baseline_units
            else forecasts.voice_adjusted_units
        end as forecast_units
    from forecasts
    cross join methods
    inner join product_weeks as actuals
        on
            forecasts.product_id = actuals.product_id
            and forecasts.target_week = actuals.week_number
    cross join last_complete
    where
        forecasts.target_week <= last_complete.week_number
        and forecasts.origin_week
        > last_complete.week_number - {{ var('forecast_backtest_weeks') }}

),

final as (

    select
        product_id,
        max(product_title) as product_title,
        forecast_method,
        count(*) as forecasts_scored,
        sum(case when is_voice_adjusted then 1 else 0 end) as forecasts_voice_adjusted,
        sum(actual_units) as actual_units,
        sum(abs(actual_units - forecast_units)) as absolute_error,
        sum(abs(actual_units - forecast_units)) / nullif(sum(actual_units), 0) as wape,
        avg(case
            when actual_units > 0 then abs(actual_units - forecast_units) / actual_units
        end) as mape
    from scored
    group by 1, 3

)

select * from final
