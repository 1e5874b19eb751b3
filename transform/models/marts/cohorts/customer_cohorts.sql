with

order_lines as (

    select * from {{ ref('int_order_lines_netted') }}

),

customer_orders as (

    select
        customer_id,
        order_id,
        min(ordered_at) as ordered_at,
        sum(net_amount) as net_revenue

    from order_lines
    where customer_id is not null
    group by 1, 2

),

first_orders as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'min(ordered_at)') }} as date) as cohort_month

    from customer_orders
    group by 1

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_customers

    from first_orders
    group by 1

),

activity as (

    select
        first_orders.cohort_month,
        customer_orders.customer_id,
        customer_orders.net_revenue,
        {{ dbt.datediff(
            'first_orders.cohort_month',
            dbt.date_trunc('month', 'customer_orders.ordered_at'),
            'month'
        ) }} as months_since_first_order

    from customer_orders
    inner join first_orders
        on customer_orders.customer_id = first_orders.customer_id

),

monthly as (

    select
        cohort_month,
        months_since_first_order,
        count(distinct customer_id) as active_customers,
        sum(net_revenue) as net_revenue

    from activity
    group by 1, 2

),

final as (

    select
        monthly.cohort_month,
        monthly.months_since_first_order,
        cohort_sizes.cohort_customers,
        monthly.active_customers,
        monthly.active_customers * 1.0 / cohort_sizes.cohort_customers as retention_rate,
        cast(
            sum(monthly.net_revenue) over (
                partition by monthly.cohort_month
                order by monthly.months_since_first_order
            ) / cohort_sizes.cohort_customers
            as decimal(18, 2)
        ) as cumulative_net_revenue_per_customer

    from monthly
    inner join cohort_sizes
        on monthly.cohort_month = cohort_sizes.cohort_month

)

select * from final
