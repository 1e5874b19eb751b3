{#- Net revenue is the same money wherever it is summed. From staging
    directly: real orders' lines, less order discounts, less refunds. That must
    equal int_orders_netted's total, and product_demand_weekly must hold every
    product line's amount net of refunds.
    Returns a row per figure that disagrees, by more than a cent. -#}

with

orders as (

    select * from {{ ref('stg_shopify__orders') }}
    where not is_test and not is_cancelled

),

lines as (

    select
        order_lines.order_id,
        order_lines.order_line_id,
        order_lines.product_id,
        order_lines.line_amount
    from {{ ref('stg_shopify__order_lines') }} as order_lines
    inner join orders
        on order_lines.order_id = orders.order_id

),

refunds as (

    select
        refund_lines.order_line_id,
        sum(refund_lines.refunded_amount) as refunded_amount
    from {{ ref('stg_shopify__refund_lines') }} as refund_lines
    inner join lines
        on refund_lines.order_line_id = lines.order_line_id
    group by 1

),

expected as (

    select
        (select sum(line_amount) from lines)
        - (
            select sum(coalesce(total_discounts, 0)) from orders
            where order_id in (select lines.order_id from lines)
        )
        - (select coalesce(sum(refunded_amount), 0) from refunds) as net_revenue,
        (
            select sum(lines.line_amount - coalesce(refunds.refunded_amount, 0))
            from lines
            left join refunds
                on lines.order_line_id = refunds.order_line_id
            where lines.product_id is not null
        ) as product_net_revenue

),

order_totals as (

    select sum(net_revenue) as net_revenue
    from {{ ref('int_orders_netted') }}

),

product_totals as (

    select sum(net_revenue) as net_revenue
    from {{ ref('product_demand_weekly') }}

),

figures as (

    select
        'int_orders_netted' as figure,
        order_totals.net_revenue as actual,
        expected.net_revenue as expected
    from expected
    cross join order_totals
    union all
    select
        'product_demand_weekly' as figure,
        product_totals.net_revenue as actual,
        expected.product_net_revenue as expected
    from expected
    cross join product_totals

)

select *
from figures
where actual is null or expected is null or abs(actual - expected) >= 0.01
