{#- The shop's day in figures, for the dashboards' overview: orders and
    revenue, how many of the orders came from returning customers (whose
    first order was on an earlier day), calls and how many were answered,
    and reviews written. Days with none of these have no row. -#}

with

orders as (

    select * from {{ ref('int_orders_netted') }}

),

calls as (

    select * from {{ ref('calls') }}

),

documents as (

    select * from {{ ref('voice_documents') }}

),

first_orders as (

    select
        customer_id,
        min(cast(ordered_at as date)) as first_order_day
    from orders
    where customer_id is not null
    group by 1

),

order_days as (

    select
        cast(orders.ordered_at as date) as date_day,
        count(*) as orders,
        count(distinct orders.customer_id) as ordering_customers,
        count(
            case when first_orders.first_order_day < cast(orders.ordered_at as date) then 1 end
        ) as returning_customer_orders,
        sum(orders.gross_amount) as gross_amount,
        sum(orders.discount_amount) as discount_amount,
        sum(orders.refunded_amount) as refunded_amount,
        sum(orders.net_revenue) as net_revenue
    from orders
    left join first_orders
        on orders.customer_id = first_orders.customer_id
    group by 1

),

call_days as (

    select
        cast(started_at as date) as date_day,
        count(*) as calls,
        count(case when is_answered then 1 end) as answered_calls
    from calls
    group by 1

),

review_days as (

    select
        cast(said_at as date) as date_day,
        count(*) as reviews
    from documents
    where source = 'judgeme_review'
    group by 1

),

days as (

    select date_day from order_days
    union
    select date_day from call_days
    union
    select date_day from review_days

),

final as (

    select
        days.date_day,
        coalesce(order_days.orders, 0) as orders,
        coalesce(order_days.ordering_customers, 0) as ordering_customers,
        coalesce(order_days.returning_customer_orders, 0) as returning_customer_orders,
        coalesce(order_days.gross_amount, 0) as gross_amount,
        coalesce(order_days.discount_amount, 0) as discount_amount,
        coalesce(order_days.refunded_amount, 0) as refunded_amount,
        coalesce(order_days.net_revenue, 0) as net_revenue,
        coalesce(call_days.calls, 0) as calls,
        coalesce(call_days.answered_calls, 0) as answered_calls,
        coalesce(review_days.reviews, 0) as reviews
    from days
    left join order_days on days.date_day = order_days.date_day
    left join call_days on days.date_day = call_days.date_day
    left join review_days on days.date_day = review_days.date_day

)

select * from final
