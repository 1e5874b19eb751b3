{#- Attempted and connected calls per week, purpose and direction. -#}

with

calls as (

    select * from {{ ref('calls') }}

),

final as (

    select
        cast({{ dbt.date_trunc('week', 'started_at') }} as date) as week_start,
        call_purpose,
        direction,
        count(*) as calls,
        sum(case when is_answered then 1 else 0 end) as connected_calls,
        cast(sum(case when is_answered then 1 else 0 end) as double) / count(*) as connect_rate,
        avg(talk_seconds) as average_talk_seconds
    from calls
    group by 1, 2, 3

)

select * from final
