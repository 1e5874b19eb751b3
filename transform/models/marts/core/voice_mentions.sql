{#- One row per document and theme it raises: who raised it, about which
    product, when, and with what sentiment (of the sentences that raise it),
    beside the sentiment of the whole document.

    Incremental on document_id: a run writes the documents whose mentions
    differ from what int_voice_mentions and voice_documents give now (new,
    changed, a theme more or fewer) and deletes those of documents gone
    (macros/incremental.sql, delete_rows_to_rebuild). On Spark it is rebuilt
    whole (incremental_where_supported). -#}

{{ config(
    materialized=incremental_where_supported(),
    incremental_strategy='delete+insert',
    unique_key='document_id',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_rows_to_rebuild(
        voice_mention_rows(), 'document_id', voice_mention_columns()) }}"
) }}

with

mentions as (

    {#- the columns as voice_mention_rows() names them; incremental: the
        documents not held, new or deleted by the pre-hook -#}
    select * from {{ voice_mention_rows(held=this if is_incremental() else none) }} as mention_rows

)

select * from mentions
