{#- Each tag on a call with the purpose it names (seeds/call_purposes.csv).

    Tags are free text in a real Aircall account: "Abandoned Cart",
    "abandoned_cart" and "abandoned-cart" are one tag. A tag and the seed's
    names are compared as keys of their letters and digits only, lower-cased;
    a tag matches a purpose through its tag_name or any of its synonyms. A
    tag that matches nothing keeps a null purpose, so that what cannot be
    placed is counted rather than lost. -#}

with

call_tags as (

    select * from {{ ref('stg_aircall__call_tags') }}

),

call_purposes as (

    select * from {{ ref('call_purposes') }}

),

purpose_names as (

    select
        call_purposes.call_purpose,
        trim(purpose_name) as purpose_name
    from call_purposes
    cross join {{ split_to_rows(
        "call_purposes.tag_name || '|' || coalesce(call_purposes.synonyms, '')", "'\\|'",
        piece_column='purpose_name', index_column='name_index') }}
    where trim(purpose_name) != ''

),

purpose_keys as (

    select
        {{ tag_key('purpose_name') }} as tag_key,
        min(call_purpose) as call_purpose
    from purpose_names
    group by 1

),

final as (

    select
        call_tags.call_id,
        call_tags.tag_id,
        call_tags.tag_name,
        call_tags.tagged_at,
        {{ tag_key('call_tags.tag_name') }} as tag_key,
        purpose_keys.call_purpose,
        purpose_keys.call_purpose is not null as is_mapped
    from call_tags
    left join purpose_keys
        on {{ tag_key('call_tags.tag_name') }} = purpose_keys.tag_key

)

select * from final
