{#- Units per product for each of the next 8 weeks, forecast at the end of
    the latest complete week: the baseline (last 8 weeks' average) and the
    voice-adjusted forecast (raised for products with a demand signal by the
    lift past signals were followed by). -#}

with

forecasts as (

    select * from {{ ref('int_demand_forecasts') }}

),

latest_origin as (

    select max(origin_week) as origin_week
    from forecasts

),

final as (

    select
        forecasts.product_id,
        forecasts.product_title,
        forecasts.origin_week_start as forecast_made_week_start,
        cast(
            {{ dbt.dateadd('week', 'forecasts.horizon_weeks', 'forecasts.origin_week_start') }}
            as date
        ) as week_start,
        forecasts.horizon_weeks,
        forecasts.baseline_units,
        forecasts.voice_adjusted_units,
        forecasts.has_recent_signal,
        forecasts.is_voice_adjusted,
        forecasts.learned_lift,
        forecasts.signals_learned_from
    from forecasts
    inner join latest_origin
        on forecasts.origin_week = latest_origin.origin_week

)

select * from final
