{#- Who to call next, and why, by the team's cadence (PRODUCT.md): recent
    purchasers daily, high-value customers weekly, churned customers monthly.
    A customer is due when the cadence's interval has passed since the team
    last called them (any attempt, answered or not); one row per due customer,
    under the most urgent reason they qualify for. "Now" is the latest order or
    call in the warehouse, so the queue is the same however late it is built.

    Cart abandoners (call promptly) need abandoned checkouts, which Earshot
    does not load yet; they are not in the queue. -#}

with

customers as (

    select * from {{ ref('customers') }}

),

calls as (

    select * from {{ ref('calls') }}

),

now_at as (

    select max(activity_at) as now_at
    from (
        select max(last_order_at) as activity_at from customers
        union all
        select max(started_at) as activity_at from calls
    ) as activity

),

last_calls as (

    select
        customer_key,
        max(started_at) as last_called_at
    from calls
    where customer_key is not null
    group by 1

),

cadences as (

    select
        'recent_purchase_follow_up' as call_reason,
        1 as urgency,
        1 as every_days
    union all
    select
        'high_value_check_in' as call_reason,
        2 as urgency,
        7 as every_days
    union all
    select
        'churned_win_back' as call_reason,
        3 as urgency,
        30 as every_days

),

qualifying as (

    select
        customers.customer_key,
        cadences.call_reason,
        cadences.urgency,
        cadences.every_days
    from customers
    cross join now_at
    inner join cadences
        on
            (
                cadences.call_reason = 'recent_purchase_follow_up'
                and customers.last_order_at
                >= {{ dbt.dateadd('day', -var('recent_purchase_days'), 'now_at.now_at') }}
            )
            or (
                cadences.call_reason = 'high_value_check_in'
                and customers.monetary_score >= {{ var('high_value_min_monetary_score') }}
                and not customers.is_churned
            )
            or (
                cadences.call_reason = 'churned_win_back'
                and customers.is_churned
            )

),

due as (

    select
        qualifying.*,
        last_calls.last_called_at,
        row_number() over (
            partition by qualifying.customer_key order by qualifying.urgency
        ) as reason_rank
    from qualifying
    cross join now_at
    left join last_calls
        on qualifying.customer_key = last_calls.customer_key
    where
        last_calls.last_called_at is null
        or last_calls.last_called_at
        < {{ dbt.dateadd('day', '-qualifying.every_days', 'now_at.now_at') }}

),

final as (

    select
        due.customer_key,
        due.call_reason,
        due.urgency,
        due.every_days as cadence_days,
        due.last_called_at,
        customers.last_order_at,
        customers.orders,
        customers.lifetime_value,
        customers.rfm_segment,
        row_number() over (
            order by due.urgency asc, customers.lifetime_value desc, due.customer_key asc
        ) as queue_position
    from due
    inner join customers
        on due.customer_key = customers.customer_key
    where due.reason_rank = 1

)

select * from final
