{#- Each tag on a call with the purpose it names (seeds/call_purposes.csv).

    Tags are free text in a real Aircall account: "Abandoned Cart",
    "abandoned_cart" and "abandoned-cart" are one tag. A tag and the seed's
    names are compared as keys of their letters and digits only, lower-cased;
    a tag matches a purpose through its tag_name or any of its synonyms, and
    failing that, when it contains the key of exactly one purpose's names
    ("Customer Support line" holds "support"). A tag that matches nothing
    keeps a null purpose, so that what cannot be placed is counted rather
    than lost. -#}

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

keyed_tags as (

    select
        *,
        {{ tag_key('tag_name') }} as tag_key
    from call_tags

),

tag_keys as (

    select distinct tag_key
    from keyed_tags

),

contained as (

    {#- names of 3 characters or more, so "vip" counts but no stray letters -#}
    select
        tag_keys.tag_key,
        min(purpose_keys.call_purpose) as call_purpose
    from tag_keys
    inner join purpose_keys
        on
            length(purpose_keys.tag_key) >= 3
            and {{ dbt.position('purpose_keys.tag_key', 'tag_keys.tag_key') }} > 0
    group by 1
    having count(distinct purpose_keys.call_purpose) = 1

),

matched as (

    select
        tag_keys.tag_key,
        coalesce(exact.call_purpose, contained.call_purpose) as call_purpose
    from tag_keys
    left join purpose_keys as exact
        on tag_keys.tag_key = exact.tag_key
    left join contained
        on tag_keys.tag_key = contained.tag_key

),

final as (

    select
        keyed_tags.call_id,
        keyed_tags.tag_id,
        keyed_tags.tag_name,
        keyed_tags.tagged_at,
        keyed_tags.tag_key,
        matched.call_purpose,
        matched.call_purpose is not null as is_mapped
    from keyed_tags
    left join matched
        on keyed_tags.tag_key = matched.tag_key

)

select * from final
