{#- Each document cut into sentences: themes and sentiment are read per
    sentence, so a review that praises the fit and complains about delivery
    carries both, each with its own tone. A sentence's hash (of its lower-cased
    text) is what the scorer caches on.

    Incremental, like int_voice_texts: the documents read again in this run
    have all their sentences replaced (delete+insert on document_id). -#}

{{ config(
    materialized=incremental_where_supported(),
    incremental_strategy='delete+insert',
    unique_key='document_id'
) }}

with

documents as (

    select * from {{ ref('int_voice_texts') }}
    {% if is_incremental() %}
        where {{ loaded_since_last_run('load_id', window_column='said_at') }}
    {% endif %}

),

split as (

    select
        documents.document_id,
        split_pieces.sentence_index,
        trim(split_pieces.sentence_text) as sentence_text,
        documents.load_id
    from documents
    cross join {{ split_to_rows(
        'documents.document_text', "'[.!?]+(\\s+|$)'",
        piece_column='sentence_text', index_column='sentence_index') }}

),

final as (

    select
        document_id,
        cast(sentence_index as integer) as sentence_index,
        sentence_text,
        {{ hash_key('lower(sentence_text)') }} as sentence_hash,
        load_id
    from split
    where sentence_text != ''

)

select * from final
