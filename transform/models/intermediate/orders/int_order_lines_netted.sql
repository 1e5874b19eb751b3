{#- Every line of every real order (not a test, not cancelled), net of its refunds.

    Incremental: a run re-reads the orders loaded since the last run (see
    macros/incremental.sql) and replaces all their lines (delete+insert on
    order_id), so a line removed by an edit goes too. An order cancelled or
    marked as a test since has no lines to insert: the pre-hook deletes its
    old ones. -#}

{{ config(
    materialized=incremental_where_supported(),
    incremental_strategy='delete+insert',
    unique_key='order_id',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where order_id in (select order_id from {{ ref('stg_shopify__orders') }} where (is_test or is_cancelled) and {{ loaded_since_last_run('load_id', window_column='updated_at') }}){% endif %}"
) }}

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
    where
        not is_test
        and not is_cancelled
    {% if is_incremental() %}
        and {{ loaded_since_last_run('load_id', window_column='updated_at') }}
    {% endif %}

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
        ) as net_amount,
        real_orders.load_id

    from order_lines
    inner join real_orders
        on order_lines.order_id = real_orders.order_id
    left join refunds_per_line
        on order_lines.order_line_id = refunds_per_line.order_line_id

)

select * from final
