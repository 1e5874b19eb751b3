{#- Every week (starting Monday) from the first order or voice document to the
    latest: the spine weekly marts fill so that a quiet week is a zero, not a gap. -#}

with

orders as (

    select * from {{ ref('int_orders_netted') }}

),

documents as (

    select * from {{ ref('int_voice_documents') }}

),

bounds as (

    select
        cast({{ dbt.date_trunc('week', 'min(first_at)') }} as date) as first_week,
        cast({{ dbt.date_trunc('week', 'max(last_at)') }} as date) as last_week
    from (
        select
            min(ordered_at) as first_at,
            max(ordered_at) as last_at
        from orders
        union all
        select
            min(said_at) as first_at,
            max(said_at) as last_at
        from documents
    ) as activity

),

spine as (

    {{ integer_spine(5200, 'week_number') }}

),

weeks as (

    select
        spine.week_number,
        cast({{ dbt.dateadd('week', 'spine.week_number', 'bounds.first_week') }} as date)
            as week_start,
        bounds.last_week
    from bounds
    cross join spine

),

final as (

    select
        week_number,
        week_start,
        week_start = last_week as is_latest
    from weeks
    where week_start <= last_week

)

select * from final
