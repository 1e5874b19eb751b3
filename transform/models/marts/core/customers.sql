{#- One row per person (customer_key), whether they ordered, called or reviewed.

    Churn rule: a buyer is churned when their last order is more than
    var('churn_after_days') days (180 by default) before the latest order in the
    warehouse; people who never ordered are not churned, they never started.
    RFM: recency and monetary scores are quintiles among buyers (5 = most recent,
    highest spend); frequency scores by order count (1, 2, 3-4, 5-9, 10+). -#}

with

identities as (

    select * from {{ ref('int_customer_identities') }}

),

orders as (

    select * from {{ ref('int_orders_netted') }}

),

calls as (

    select * from {{ ref('int_calls_identified') }}

),

people as (

    select distinct customer_key from identities

),

shopify_keys as (

    select
        shopify_customer_id,
        customer_key
    from identities
    where identity_type = 'shopify_customer'

),

as_of as (

    select max(ordered_at) as as_of_at from orders

),

per_customer as (

    select
        shopify_keys.customer_key,
        min(orders.ordered_at) as first_order_at,
        max(orders.ordered_at) as last_order_at,
        count(*) as orders,
        sum(orders.net_revenue) as net_revenue
    from orders
    inner join shopify_keys
        on orders.customer_id = shopify_keys.shopify_customer_id
    group by 1

),

conversations as (

    select
        customer_key,
        count(*) as conversations,
        min(answered_at) as first_conversation_at
    from calls
    where is_answered and customer_key is not null
    group by 1

),

scored as (

    select
        per_customer.*,
        {{ dbt.datediff(
            'per_customer.last_order_at', 'as_of.as_of_at', 'day'
        ) }} as recency_days,
        ntile(5) over (
            order by per_customer.last_order_at, per_customer.customer_key
        ) as recency_score,
        case
            when per_customer.orders >= 10 then 5
            when per_customer.orders >= 5 then 4
            when per_customer.orders >= 3 then 3
            when per_customer.orders = 2 then 2
            else 1
        end as frequency_score,
        ntile(5) over (
            order by per_customer.net_revenue, per_customer.customer_key
        ) as monetary_score
    from per_customer
    cross join as_of

),

final as (

    select
        people.customer_key,
        scored.first_order_at,
        scored.last_order_at,
        coalesce(scored.orders, 0) as orders,
        cast(coalesce(scored.net_revenue, 0) as decimal(18, 2)) as net_revenue,
        {{ money_per('scored.net_revenue', 'scored.orders') }} as average_order_value,
        cast(coalesce(scored.net_revenue, 0) as decimal(18, 2)) as lifetime_value,
        scored.recency_days,
        scored.recency_score,
        scored.frequency_score,
        scored.monetary_score,
        case
            when scored.orders is null then 'prospect'
            when scored.recency_score >= 4 and scored.frequency_score >= 3 then 'champion'
            when scored.recency_score >= 4 and scored.orders = 1 then 'new'
            when scored.recency_score >= 3 and scored.frequency_score >= 2 then 'loyal'
            when scored.recency_score <= 2 and scored.frequency_score >= 2 then 'at_risk'
            when scored.recency_score <= 2 then 'hibernating'
            else 'needs_attention'
        end as rfm_segment,
        coalesce(scored.recency_days > {{ var('churn_after_days') }}, false) as is_churned,
        conversations.customer_key is not null as has_conversation,
        coalesce(conversations.conversations, 0) as conversations,
        conversations.first_conversation_at

    from people
    left join scored
        on people.customer_key = scored.customer_key
    left join conversations
        on people.customer_key = conversations.customer_key

)

select * from final
