{#- What past demand signals were followed by: for each signal onset whose
    aftermath is complete, average weekly units in weeks 2 to 9 after it
    against the 8 weeks before it. The voice-adjusted forecast
    (int_demand_forecasts) pools the onsets a forecaster could have seen: their
    units after over their units before; `lift` is each onset's own, for reading. -#}

with

product_weeks as (

    select * from {{ ref('int_product_weeks_flagged') }}

),

onsets as (

    select
        product_id,
        week_number as onset_week
    from product_weeks
    where is_signal_onset

),

windows as (

    select
        onsets.product_id,
        onsets.onset_week,
        avg(case
            when product_weeks.week_number between onsets.onset_week - 8 and onsets.onset_week - 1
                then product_weeks.units
        end) as units_before,
        avg(case
            when product_weeks.week_number between onsets.onset_week + 2 and onsets.onset_week + 9
                then product_weeks.units
        end) as units_after,
        max(product_weeks.week_number) as last_week_seen
    from onsets
    inner join product_weeks
        on onsets.product_id = product_weeks.product_id
    where not product_weeks.is_latest
    group by 1, 2

),

final as (

    select
        product_id,
        onset_week,
        onset_week + 9 as known_from_week,
        units_before,
        units_after,
        units_after / units_before - 1 as lift
    from windows
    where
        units_before > 0
        and last_week_seen >= onset_week + 9

)

select * from final
