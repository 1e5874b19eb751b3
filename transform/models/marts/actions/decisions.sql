{#- One row per decision a lead recorded on the dashboards' Actions page, with
    the signal that prompted it and, for a decision about a product, whether
    its demand followed.

    The signal is the start of the latest run of weeks, beginning at most
    `decision_signal_lookback_days` before the decision, in which the
    decision's product showed a demand signal (demand_signals) or else its
    theme was emerging (theme_weekly). A decision with no such run was not
    prompted by a signal Earshot raised: its signal columns are null.

    Demand followed when the product sold more units in the four weeks after
    the decision's week than in the four weeks before it. The answer is null
    until the data reaches the end of those four weeks, and for decisions
    about no product the shop sells. -#}

with

decisions as (

    select * from {{ ref('stg_earshot__decisions') }}

),

theme_weeks as (

    select * from {{ ref('theme_weekly') }}

),

product_signals as (

    select * from {{ ref('demand_signals') }}

),

product_weeks as (

    select * from {{ ref('product_demand_weekly') }}

),

shop_days as (

    select * from {{ ref('shop_daily') }}

),

data_through as (

    select max(date_day) as data_through from shop_days

),

-- the first week of each run of consecutive emerging weeks, per theme
theme_signal_starts as (

    select
        current_week.theme,
        current_week.week_start as signal_week_start
    from theme_weeks as current_week
    left join theme_weeks as previous_week
        on
            current_week.theme = previous_week.theme
            and previous_week.week_start
            = cast({{ dbt.dateadd('day', -7, 'current_week.week_start') }} as date)
            and previous_week.is_emerging
    where current_week.is_emerging and previous_week.theme is null

),

-- the first week of each run of consecutive signal weeks, per product
product_signal_starts as (

    select
        lower(current_week.product_title) as product_key,
        current_week.week_start as signal_week_start
    from product_signals as current_week
    left join product_signals as previous_week
        on
            current_week.product_id = previous_week.product_id
            and previous_week.week_start
            = cast({{ dbt.dateadd('day', -7, 'current_week.week_start') }} as date)
            and previous_week.is_signal
    where current_week.is_signal and previous_week.product_id is null

),

framed as (

    select
        decisions.*,
        lower(decisions.product_title) as product_key,
        cast({{ dbt.date_trunc('week', 'decisions.decided_on') }} as date) as decision_week_start,
        cast({{ dbt.dateadd(
            'day', -var('decision_signal_lookback_days'), 'decisions.decided_on') }} as date)
            as lookback_start,
        -- the four weeks after the decision's week end 34 days after its Monday
        cast({{ dbt.dateadd('day', 34, dbt.date_trunc('week', 'decisions.decided_on')) }} as date)
            as outcome_due_on
    from decisions

),

theme_signals as (

    select
        framed.decision_id,
        max(signal_starts.signal_week_start) as signal_week_start
    from framed
    inner join theme_signal_starts as signal_starts
        on
            framed.theme = signal_starts.theme
            and signal_starts.signal_week_start between framed.lookback_start and framed.decided_on
    group by 1

),

product_signals_before as (

    select
        framed.decision_id,
        max(signal_starts.signal_week_start) as signal_week_start
    from framed
    inner join product_signal_starts as signal_starts
        on
            framed.product_key = signal_starts.product_key
            and signal_starts.signal_week_start between framed.lookback_start and framed.decided_on
    group by 1

),

product_units as (

    select
        framed.decision_id,
        sum(case
            when product_weeks.week_start < framed.decision_week_start
                then product_weeks.units
            else 0
        end) as units_4_weeks_before,
        sum(case
            when product_weeks.week_start > framed.decision_week_start
                then product_weeks.units
            else 0
        end) as units_4_weeks_after
    from framed
    inner join product_weeks
        on
            framed.product_key = lower(product_weeks.product_title)
            and product_weeks.week_start
            between cast({{ dbt.dateadd('day', -28, 'framed.decision_week_start') }} as date)
            and cast({{ dbt.dateadd('day', 28, 'framed.decision_week_start') }} as date)
    group by 1

),

sold_products as (

    select distinct lower(product_title) as product_key from product_weeks

),

final as (

    select
        framed.decision_id,
        framed.decided_on,
        cast({{ dbt.date_trunc('month', 'framed.decided_on') }} as date) as decision_month,
        framed.decision_kind,
        framed.theme,
        framed.product_title,
        framed.decision_note,
        framed.recorded_at,
        case
            when product_signals_before.signal_week_start is not null then 'demand_signal'
            when theme_signals.signal_week_start is not null then 'emerging_theme'
        end as signal_kind,
        coalesce(
            product_signals_before.signal_week_start, theme_signals.signal_week_start
        ) as signal_week_start,
        {{ dbt.datediff(
            'coalesce(product_signals_before.signal_week_start, theme_signals.signal_week_start)',
            'framed.decided_on', 'day') }} as days_from_signal,
        sold_products.product_key is not null as is_demand_decision,
        case
            when sold_products.product_key is not null
                then cast(coalesce(product_units.units_4_weeks_before, 0) as bigint)
        end as units_4_weeks_before,
        case
            when sold_products.product_key is not null
                then cast(coalesce(product_units.units_4_weeks_after, 0) as bigint)
        end as units_4_weeks_after,
        sold_products.product_key is not null
        and data_through.data_through >= framed.outcome_due_on as is_outcome_due,
        case
            when sold_products.product_key is null then null
            when data_through.data_through < framed.outcome_due_on then null
            else
                coalesce(product_units.units_4_weeks_after, 0)
                > coalesce(product_units.units_4_weeks_before, 0)
        end as demand_followed
    from framed
    cross join data_through
    left join theme_signals on framed.decision_id = theme_signals.decision_id
    left join product_signals_before on framed.decision_id = product_signals_before.decision_id
    left join product_units on framed.decision_id = product_units.decision_id
    left join sold_products on framed.product_key = sold_products.product_key

)

select * from final
