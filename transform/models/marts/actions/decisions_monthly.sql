{#- The conversation-to-action ratio, month by month: decisions leads recorded
    per 100 conversations with customers (answered calls and reviews), how
    long after a signal they came, and how many demand decisions saw demand
    follow. Every month with data has a row, with or without decisions. -#}

with

shop_days as (

    select * from {{ ref('shop_daily') }}

),

decisions as (

    select * from {{ ref('decisions') }}

),

conversation_months as (

    select
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        cast(sum(answered_calls + reviews) as bigint) as conversations
    from shop_days
    group by 1

),

decision_months as (

    select
        decision_month as month_start,
        count(*) as decisions,
        count(signal_week_start) as decisions_after_a_signal,
        avg(days_from_signal) as average_days_from_signal,
        count(case when is_demand_decision then 1 end) as demand_decisions,
        count(case when is_outcome_due then 1 end) as demand_outcomes_due,
        count(case when demand_followed then 1 end) as demand_followed
    from decisions
    group by 1

),

months as (

    select month_start from conversation_months
    union
    select month_start from decision_months

),

final as (

    select
        months.month_start,
        coalesce(conversation_months.conversations, 0) as conversations,
        coalesce(decision_months.decisions, 0) as decisions,
        cast(100 * coalesce(decision_months.decisions, 0) as double)
        / nullif(conversation_months.conversations, 0) as decisions_per_100_conversations,
        coalesce(decision_months.decisions_after_a_signal, 0) as decisions_after_a_signal,
        decision_months.average_days_from_signal,
        coalesce(decision_months.demand_decisions, 0) as demand_decisions,
        coalesce(decision_months.demand_outcomes_due, 0) as demand_outcomes_due,
        coalesce(decision_months.demand_followed, 0) as demand_followed
    from months
    left join conversation_months on months.month_start = conversation_months.month_start
    left join decision_months on months.month_start = decision_months.month_start

)

select * from final
