{#- One row per real order (not a test, not cancelled) with its revenue net of
    discounts and refunds, before tax and shipping. -#}

{#- A table, not a view: read by int_weeks, customers, shop_daily and three tests,
    each of which would otherwise compute it again. -#}
{{ config(materialized='table') }}

with

orders as (

    select * from {{ ref('stg_shopify__orders') }}

),

order_lines as (

    select * from {{ ref('int_order_lines_netted') }}

),

line_totals as (

    select
        order_id,
        sum(line_amount) as gross_amount,
        sum(refunded_amount) as refunded_amount
    from order_lines
    group by 1

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        cast(line_totals.gross_amount as decimal(18, 2)) as gross_amount,
        cast(coalesce(orders.total_discounts, 0) as decimal(18, 2)) as discount_amount,
        cast(line_totals.refunded_amount as decimal(18, 2)) as refunded_amount,
        cast(
            line_totals.gross_amount
            - coalesce(orders.total_discounts, 0)
            - line_totals.refunded_amount
            as decimal(18, 2)
        ) as net_revenue

    from orders
    inner join line_totals
        on orders.order_id = line_totals.order_id

)

select * from final
