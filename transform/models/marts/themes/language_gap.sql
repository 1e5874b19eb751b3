{#- The words customers use for a product against the words its own
    description uses: one row per product and term that customers used in at
    least var('language_gap_min_documents') documents about it, or that the
    description uses. A large positive gap is a word customers reach for that
    the listing never says; a large negative one, a listing word customers
    never repeat. Words are read after typo repair; seeds/stop_words.csv
    lists the words left out. -#}

with

documents as (

    select * from {{ ref('voice_documents') }}

),

numbered_documents as (

    {#- each document about a product numbered: counting distinct numbers took
        2.3 s of the L shop's build where distinct document_ids took 3.7 s -#}
    select
        document_id,
        product_id,
        row_number() over (order by document_id) as document_number
    from documents
    where product_id is not null

),

sentences as (

    select * from {{ ref('int_voice_sentences') }}

),

sentence_terms as (

    select * from {{ ref('int_sentence_terms') }}

),

products as (

    select * from {{ ref('stg_shopify__products') }}

),

stop_words as (

    select * from {{ ref('stop_words') }}

),

customer_terms as (

    {#- each sentence's words were cut once, in int_sentence_terms -#}
    select
        numbered_documents.product_id,
        sentence_terms.term,
        count(distinct numbered_documents.document_number) as customer_documents
    from numbered_documents
    inner join sentences
        on numbered_documents.document_id = sentences.document_id
    inner join sentence_terms
        on sentences.sentence_hash = sentence_terms.sentence_hash
    where sentence_terms.term is not null
    group by 1, 2

),

product_documents as (

    select
        product_id,
        count(*) as documents
    from documents
    where product_id is not null
    group by 1

),

description_words as (

    select
        products.product_id,
        split_pieces.term
    from products
    cross join {{ split_to_rows(
        'lower(products.description_text)', "'[^a-z]+'", piece_column='term', index_column='term_index'
    ) }}
    where {{ dbt.length('split_pieces.term') }} > 2

),

description_terms as (

    select
        product_id,
        term,
        count(*) as description_uses,
        cast(count(*) as double) / sum(count(*)) over (partition by product_id) as description_share
    from description_words
    group by 1, 2

),

joined as (

    select
        coalesce(customer_terms.product_id, description_terms.product_id) as product_id,
        coalesce(customer_terms.term, description_terms.term) as term,
        coalesce(customer_terms.customer_documents, 0) as customer_documents,
        coalesce(description_terms.description_uses, 0) as description_uses,
        coalesce(description_terms.description_share, 0) as description_share
    from customer_terms
    full outer join description_terms
        on
            customer_terms.product_id = description_terms.product_id
            and customer_terms.term = description_terms.term

),

final as (

    select
        joined.product_id,
        products.product_title,
        joined.term,
        joined.customer_documents,
        cast(joined.customer_documents as double) / product_documents.documents as customer_share,
        joined.description_uses,
        joined.description_share,
        cast(joined.customer_documents as double) / product_documents.documents
        - joined.description_share as language_gap
    from joined
    inner join products
        on joined.product_id = products.product_id
    inner join product_documents
        on joined.product_id = product_documents.product_id
    where
        joined.term not in (select stop_words.word from stop_words)
        and (
            joined.customer_documents >= {{ var('language_gap_min_documents') }}
            or joined.description_uses > 0
        )

)

select * from final
