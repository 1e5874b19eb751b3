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

last_month as (

    select
        cast({{ dbt.date_trunc('month', 'max(ordered_at)') }} as date) as last_order_month

    from customer_orders

),

month_offsets as (

    {#- Every month from each cohort's first to the latest month with orders, so a
        month in which nobody of the cohort ordered shows 0% retention, not a gap. -#}
    {{ integer_spine(1200, 'months_since_first_order') }}

),

cohort_months as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_customers,
        month_offsets.months_since_first_order

    from cohort_sizes
    cross join month_offsets
    cross join last_month
    where
        {{ dbt.dateadd(
            'month', 'month_offsets.months_since_first_order', 'cohort_sizes.cohort_month'
        ) }} <= last_month.last_order_month

),

final as (

    select
        cohort_months.cohort_month,
        cohort_months.months_since_first_order,
        cohort_months.cohort_customers,
        coalesce(monthly.active_customers, 0) as active_customers,
        cast(coalesce(monthly.active_customers, 0) as double)
        / cohort_months.cohort_customers as retention_rate,
        {{ money_per(
            'sum(coalesce(monthly.net_revenue, 0)) over ('
            ~ ' partition by cohort_months.cohort_month'
            ~ ' order by cohort_months.months_since_first_order)',
            'cohort_months.cohort_customers'
        ) }} as cumulative_net_revenue_per_customer

    from cohort_months
    left join monthly
        on
            cohort_months.cohort_month = monthly.cohort_month
            and cohort_months.months_since_first_order = monthly.months_since_first_order

)

select * from final
