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

refunds as (

    select
        order_line_id,
        sum(refunded_amount) as refunded_amount
    from {{ ref('stg_shopify__refund_lines') }}
    group by 1

),

lines as (

    {#- each CTE is read once, so the warehouse never holds a shop's order
        lines twice while it sums them -#}
    select
        order_lines.order_id,
        orders.total_discounts,
        order_lines.product_id,
        order_lines.line_amount,
        coalesce(refunds.refunded_amount, 0) as refunded_amount
    from {{ ref('stg_shopify__order_lines') }} as order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    left join refunds
        on order_lines.order_line_id = refunds.order_line_id

),

real_orders as (

    select
        order_id,
        sum(line_amount) as line_amount,
        max(coalesce(total_discounts, 0)) as total_discounts,
        sum(refunded_amount) as refunded_amount,
        sum(
            case when product_id is not null then line_amount - refunded_amount end
        ) as product_net_revenue
    from lines
    group by 1

),

expected as (

    select
        sum(line_amount) - sum(total_discounts) - sum(refunded_amount) as net_revenue,
        sum(product_net_revenue) as product_net_revenue
    from real_orders

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
