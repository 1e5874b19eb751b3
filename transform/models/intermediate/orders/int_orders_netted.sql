{#- One row per real order (not a test, not cancelled) with its revenue net of
    discounts and refunds, before tax and shipping. -#}

{#- Incremental as int_order_lines_netted is: a run re-reads the orders loaded
    since the last run (macros/incremental.sql) and writes them again from
    their lines (delete+insert on order_id). An order re-read with no lines
    (cancelled, marked as a test, or left with none since) is not written
    again, so the pre-hook deletes it; it leaves the others to delete+insert,
    so that the newest load this table holds, which the model's reading
    starts from, stays where it was. A table built before load_id was a
    column gets it, all nulls, and is written again whole once. Not a view:
    int_weeks, customers, shop_daily and three tests read it. -#}
{{ config(
    materialized=incremental_where_supported(),
    incremental_strategy='delete+insert',
    unique_key='order_id',
    on_schema_change='append_new_columns',
    pre_hook="{% if is_incremental() %}
        {{ add_missing_columns(ref('stg_shopify__orders'), ['load_id']) }}
        delete from {{ this }} where order_id in (
            select re_read.order_id from {{ ref('stg_shopify__orders') }} as re_read
            where
                {{ loaded_since_last_run('re_read.load_id', window_column='re_read.updated_at') }}
                and re_read.order_id not in (
                    select order_lines.order_id from {{ ref('int_order_lines_netted') }} as order_lines
                )
        )
    {% endif %}"
) }}

with

orders as (

    select * from {{ ref('stg_shopify__orders') }}
    {% if is_incremental() -%}
        where {{ loaded_since_last_run('load_id', window_column='updated_at') }}
    {%- endif %}

),

order_lines as (

    select * from {{ ref('int_order_lines_netted') }}
    {% if is_incremental() -%}
        where order_id in (select orders.order_id from orders)
    {%- endif %}

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
        ) as net_revenue,
        orders.load_id

    from orders
    inner join line_totals
        on orders.order_id = line_totals.order_id

)

select * from final
