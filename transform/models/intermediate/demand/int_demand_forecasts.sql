{#- Forecasts of weekly units, 1 to 8 weeks ahead, made at the end of every
    complete week from only what was known then. Baseline: the last 8 weeks'
    average. Voice-adjusted: the baseline raised by the average lift that
    earlier demand signals were followed by (int_demand_signal_lifts), for a
    product whose signal started in the last 10 weeks; otherwise the baseline.
    Until a signal's aftermath has been seen (a shop with months, not years,
    of history), the lift is var('demand_forecast_prior_lift'). -#}

with

product_weeks as (

    select * from {{ ref('int_product_weeks_flagged') }}

),

lifts as (

    select * from {{ ref('int_demand_signal_lifts') }}

),

horizons as (

    {{ integer_spine(8, 'horizon_index') }}

),

origins as (

    select *
    from product_weeks
    where
        not is_latest
        and week_number >= 7

),

known_lift as (

    select
        origin_weeks.week_number as origin_week,
        {#- pooled over onsets (ratio of sums), so a product selling one a week
            cannot swing it -#}
        sum(lifts.units_after) / nullif(sum(lifts.units_before), 0) - 1 as lift,
        count(lifts.lift) as signals_learned_from
    from (select distinct week_number from origins) as origin_weeks
    left join lifts
        on origin_weeks.week_number >= lifts.known_from_week
    group by 1

),

final as (

    select
        origins.product_id,
        origins.product_title,
        origins.week_number as origin_week,
        origins.week_start as origin_week_start,
        horizons.horizon_index + 1 as horizon_weeks,
        origins.week_number + horizons.horizon_index + 1 as target_week,
        origins.has_recent_signal,
        origins.recent_onset_week is not null as is_voice_adjusted,
        coalesce(known_lift.lift, {{ var('demand_forecast_prior_lift') }}) as learned_lift,
        known_lift.signals_learned_from,
        origins.trailing_8_week_units as baseline_units,
        case
            when origins.recent_onset_week is not null
                then greatest(
                    origins.trailing_8_week_units,
                    origins.recent_onset_baseline_units
                    * (1 + greatest(
                        coalesce(known_lift.lift, {{ var('demand_forecast_prior_lift') }}), 0
                    ))
                )
            else origins.trailing_8_week_units
        end as voice_adjusted_units
    from origins
    cross join horizons
    inner join known_lift
        on origins.week_number = known_lift.origin_week

)

select * from final
