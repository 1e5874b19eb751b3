{#- Do the buyers the team has talked to (an answered call, ever) spend more than
    those it has not, cohort for cohort? -#}

with

customers as (

    select * from {{ ref('customers') }}
    where orders > 0

),

final as (

    select
        cast({{ dbt.date_trunc('month', 'first_order_at') }} as date) as cohort_month,
        has_conversation,
        count(*) as customers,
        sum(orders) as orders,
        cast(sum(net_revenue) as decimal(18, 2)) as net_revenue,
        {{ money_per('sum(net_revenue)', 'sum(orders)') }} as average_order_value,
        {{ money_per('sum(net_revenue)', 'count(*)') }} as lifetime_value
    from customers
    group by 1, 2

)

select * from final
