{#- One row per call: with whom (a hashed customer_key), what for (the
    purpose its tags name), which way, when, and whether anyone picked up.
    Every mart about calls reads this one. -#}

with

calls as (

    select * from {{ ref('int_calls_identified') }}

),

final as (

    select
        call_id,
        customer_key,
        call_purpose,
        direction,
        started_at,
        answered_at,
        ended_at,
        is_answered,
        talk_seconds,
        agent_id,
        missed_call_reason
    from calls

)

select * from final
