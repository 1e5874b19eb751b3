with

order_lines as (

    select * from {{ ref('int_order_lines_netted') }}

),

final as (

    select
        product_id,
        cast({{ dbt.date_trunc('week', 'ordered_at') }} as date) as week_start,
        max(product_title) as product_title,
        sum(quantity) as units,
        count(distinct order_id) as orders,
        cast(sum(line_amount) as decimal(18, 2)) as gross_revenue,
        cast(sum(refunded_amount) as decimal(18, 2)) as refunded_amount,
        cast(sum(net_amount) as decimal(18, 2)) as net_revenue

    from order_lines
    where product_id is not null
    group by 1, 2

)

select * from final
