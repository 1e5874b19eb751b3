with

orders as (

    select * from {{ ref('stg_shopify__orders') }}

),

order_lines as (

    select * from {{ ref('stg_shopify__order_lines') }}

),

refund_lines as (

    select * from {{ ref('stg_shopify__refund_lines') }}

),

refunds_per_line as (

    select
        order_line_id,
        sum(refunded_quantity) as refunded_quantity,
        sum(refunded_amount) as refunded_amount

    from refund_lines
    group by 1

),

real_orders as (

    select * from orders
    where not is_test and not is_cancelled

),

final as (

    select
        order_lines.order_line_id,
        order_lines.order_id,
        real_orders.customer_id,
        real_orders.ordered_at,
        order_lines.product_id,
        order_lines.product_title,
        order_lines.quantity,
        order_lines.line_amount,
        coalesce(refunds_per_line.refunded_quantity, 0) as refunded_quantity,
        cast(coalesce(refunds_per_line.refunded_amount, 0) as decimal(18, 2)) as refunded_amount,
        cast(
            order_lines.line_amount - coalesce(refunds_per_line.refunded_amount, 0)
            as decimal(18, 2)
        ) as net_amount

    from order_lines
    inner join real_orders
        on order_lines.order_id = real_orders.order_id
    left join refunds_per_line
        on order_lines.order_line_id = refunds_per_line.order_line_id

)

select * from final
