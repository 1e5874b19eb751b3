{#- One row per document and theme it raises: who raised it, about which
    product, when, and with what sentiment (of the sentences that raise it).
    The voice_mentions mart and the weekly product demand read it. -#}

{#- Incremental on document_id, as voice_documents is: a run writes the
    mentions of the documents that are new or changed (who, when, about what,
    their text, the classifier that read them, the taxonomy's version) and
    deletes those of documents gone. A document that raises no theme has no
    rows, so each run reads its sentences again, and writes nothing. -#}
{{ config(
    materialized=incremental_where_supported(),
    incremental_strategy='delete+insert',
    unique_key='document_id',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_rows_to_rebuild(
        mention_inputs(), 'document_id', mention_input_columns()) }}"
) }}

with

documents as (

    {#- incremental: the documents not held, new or deleted by the pre-hook -#}
    select * from {{ mention_inputs() }} as inputs
    {% if is_incremental() -%}
        where inputs.document_id not in (select held.document_id from {{ this }} as held)
    {%- endif %}

),

sentence_themes as (

    select voice_sentence_themes.*
    from {{ ref('int_voice_sentence_themes') }} as voice_sentence_themes
    where voice_sentence_themes.document_id in (select documents.document_id from documents)

),

mentions as (

    select
        document_id,
        theme,
        category,
        max(match_method) as match_method,
        avg(sentiment) as sentiment,
        max(taxonomy_version) as taxonomy_version
    from sentence_themes
    where theme is not null
    group by 1, 2, 3

),

final as (

    select
        mentions.document_id,
        documents.source,
        mentions.theme,
        mentions.category,
        documents.customer_key,
        documents.product_id,
        documents.call_purpose,
        documents.mentioned_at,
        mentions.sentiment,
        mentions.match_method,
        mentions.taxonomy_version,
        documents.text_hash,
        documents.model_fingerprint
    from mentions
    inner join documents
        on mentions.document_id = documents.document_id

)

select * from final
