{#- The words of each distinct sentence, as language_gap counts them: its
    typo-repaired text (int_sentence_scores, lower-cased) cut at anything that
    is not a letter, each word of three letters or more once. A sentence with
    no such word keeps one row with a null term: it was cut.

    Incremental on sentence_hash: a run cuts only the sentences whose repaired
    text it has not cut yet (new sentences, and any a new encoder or new
    examples repaired differently), not every sentence the shop ever heard. -#}

{{ config(
    materialized=incremental_where_supported(),
    incremental_strategy='delete+insert',
    unique_key='sentence_hash'
) }}

with

scores as (

    select
        scored.sentence_hash,
        scored.repaired_text,
        {{ hash_key('scored.repaired_text') }} as repaired_hash
    from {{ ref('int_sentence_scores') }} as scored

),

to_cut as (

    select * from scores
    {% if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as cut
            where
                cut.sentence_hash = scores.sentence_hash
                and cut.repaired_hash = scores.repaired_hash
        )
    {% endif %}

),

words as (

    select distinct
        to_cut.sentence_hash,
        split_pieces.term
    from to_cut
    cross join {{ split_to_rows(
        'to_cut.repaired_text', "'[^a-z]+'", piece_column='term', index_column='term_index'
    ) }}
    where {{ dbt.length('split_pieces.term') }} > 2

),

final as (

    select
        to_cut.sentence_hash,
        to_cut.repaired_hash,
        words.term
    from to_cut
    left join words
        on to_cut.sentence_hash = words.sentence_hash

)

select * from final
