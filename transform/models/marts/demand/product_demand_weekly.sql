{#- Demand and voice per product and week, every week from the first activity
    to the latest (zeros where nothing happened): units, orders and revenue net
    of refunds from real orders, and what customers said about the product
    (built in int_product_weeks). -#}

with

product_weeks as (

    select * from {{ ref('int_product_weeks') }}

),

final as (

    select
        product_id,
        product_title,
        week_start,
        units,
        orders,
        gross_revenue,
        refunded_amount,
        net_revenue,
        mentions,
        demand_mentions,
        demand_customers,
        pain_point_mentions,
        site_experience_mentions,
        praise_mentions,
        average_sentiment
    from product_weeks

)

select * from final
