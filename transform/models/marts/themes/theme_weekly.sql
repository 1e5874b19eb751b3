with

documents as (

    select * from {{ ref('int_voice_documents_unioned') }}

),

theme_taxonomy as (

    select * from {{ ref('theme_taxonomy') }}

),

mentions as (

    select
        documents.document_id,
        documents.said_at,
        coalesce(
            cast(documents.customer_id as varchar),
            documents.reviewer_email,
            documents.customer_phone_raw
        ) as speaker,
        theme_taxonomy.theme,
        theme_taxonomy.category

    from documents
    inner join theme_taxonomy
        on {{ regex_contains('documents.document_text', 'theme_taxonomy.pattern') }}

),

weekly as (

    select
        theme,
        category,
        cast({{ dbt.date_trunc('week', 'said_at') }} as date) as week_start,
        count(distinct document_id) as mentions,
        count(distinct speaker) as customers

    from mentions
    group by 1, 2, 3

),

final as (

    select
        *,
        mentions * 1.0 / sum(mentions) over (partition by week_start) as share_of_voice

    from weekly

)

select * from final
