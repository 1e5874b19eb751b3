{#- Demand and voice per product and week, every week from the first activity
    to the latest (zeros where nothing happened): units, orders and revenue net
    of refunds from real orders, and what customers said about the product. -#}

{#- several models read it: computed once, not per reader -#}
{{ config(materialized='table') }}

with

order_lines as (

    select * from {{ ref('int_order_lines_netted') }}

),

products as (

    select * from {{ ref('stg_shopify__products') }}

),

mentions as (

    select * from {{ ref('int_voice_mentions') }}

),

weeks as (

    select * from {{ ref('int_weeks') }}

),

sales as (

    select
        product_id,
        cast({{ dbt.date_trunc('week', 'ordered_at') }} as date) as week_start,
        sum(quantity) as units,
        count(distinct order_id) as orders,
        sum(line_amount) as gross_revenue,
        sum(refunded_amount) as refunded_amount,
        sum(net_amount) as net_revenue
    from order_lines
    where product_id is not null
    group by 1, 2

),

voice as (

    select
        product_id,
        cast({{ dbt.date_trunc('week', 'mentioned_at') }} as date) as week_start,
        count(*) as mentions,
        sum(case when category = 'demand' then 1 else 0 end) as demand_mentions,
        count(distinct case when category = 'demand' then customer_key end)
            as demand_customers,
        sum(case when category = 'pain_point' then 1 else 0 end) as pain_point_mentions,
        sum(case when category = 'site_experience' then 1 else 0 end)
            as site_experience_mentions,
        sum(case when category = 'praise' then 1 else 0 end) as praise_mentions,
        avg(sentiment) as average_sentiment
    from mentions
    where product_id is not null
    group by 1, 2

),

product_list as (

    select
        product_id,
        product_title
    from products
    union
    select
        product_id,
        max(product_title) as product_title
    from order_lines
    where
        product_id is not null
        and product_id not in (select products.product_id from products)
    group by 1

),

final as (

    select
        product_list.product_id,
        product_list.product_title,
        weeks.week_start,
        coalesce(sales.units, 0) as units,
        coalesce(sales.orders, 0) as orders,
        cast(coalesce(sales.gross_revenue, 0) as decimal(18, 2)) as gross_revenue,
        cast(coalesce(sales.refunded_amount, 0) as decimal(18, 2)) as refunded_amount,
        cast(coalesce(sales.net_revenue, 0) as decimal(18, 2)) as net_revenue,
        coalesce(voice.mentions, 0) as mentions,
        coalesce(voice.demand_mentions, 0) as demand_mentions,
        coalesce(voice.demand_customers, 0) as demand_customers,
        coalesce(voice.pain_point_mentions, 0) as pain_point_mentions,
        coalesce(voice.site_experience_mentions, 0) as site_experience_mentions,
        coalesce(voice.praise_mentions, 0) as praise_mentions,
        voice.average_sentiment
    from product_list
    cross join weeks
    left join sales
        on
            product_list.product_id = sales.product_id
            and weeks.week_start = sales.week_start
    left join voice
        on
            product_list.product_id = voice.product_id
            and weeks.week_start = voice.week_start

)

select * from final
