{#- Per product and week: whether customers ask for it noticeably more than
    usual, and more than the shop's growth and the product's own sales explain
    (scored in int_product_weeks_scored, which says how). -#}

with

scored as (

    select * from {{ ref('int_product_weeks_scored') }}

),

final as (

    select
        product_id,
        product_title,
        week_start,
        units,
        demand_customers,
        recent_customers,
        baseline_customers,
        signal_score,
        explained_growth,
        expected_customers,
        is_signal
    from scored

)

select * from final
