{#- Every order's lines (price x quantity) add up to the order's own
    total_line_items_price, to the cent. Returns the orders that do not. -#}

with

orders as (

    select * from {{ ref('stg_shopify__orders') }}

),

order_lines as (

    select * from {{ ref('stg_shopify__order_lines') }}

),

line_totals as (

    select
        order_id,
        sum(line_amount) as line_amount
    from order_lines
    group by 1

)

select
    orders.order_id,
    orders.total_line_items_price,
    line_totals.line_amount
from orders
inner join line_totals
    on orders.order_id = line_totals.order_id
where abs(orders.total_line_items_price - line_totals.line_amount) >= 0.01
