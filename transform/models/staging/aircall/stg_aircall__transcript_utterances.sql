with

transcripts as (

    select * from {{ declared_source('aircall', 'transcripts') }} as loaded

),

utterances as (

    select * from {{ declared_source('aircall', 'transcripts__content__utterances') }} as loaded

),

linked as (

    {#- utterances carry their transcript's id; rows loaded before they did
        are linked the way dlt's normalizer linked them. The join is on the
        parent's key alone, so it stays a hash join: with the id's null test
        in its condition as well, DuckDB could fold that test to false on a
        load where every utterance has its id, and compare every utterance
        with every transcript (64 s of the L shop's daily run). -#}
    select
        utterances.*,
        coalesce(utterances.transcript_id, by_parent.id) as linked_transcript_id
    from utterances
    left join transcripts as by_parent
        on utterances._dlt_parent_id = by_parent._dlt_id

),

renamed as (

    select
        coalesce(
            cast(linked.transcript_id as {{ dbt.type_string() }}) || '-'
            || cast(linked.utterance_index as {{ dbt.type_string() }}),
            linked._dlt_id
        ) as utterance_id,
        transcripts.id as transcript_id,
        transcripts.call_id,
        coalesce(linked.utterance_index, linked._dlt_list_idx) as utterance_index,
        linked.participant_type,
        linked.participant_type = 'external' as is_customer,
        linked.start_time as start_seconds,
        linked.end_time as end_seconds,
        linked.text as utterance_text,
        {{ to_utc('transcripts.call_created_at') }} as call_created_at,
        transcripts._dlt_load_id as load_id

    from linked
    inner join transcripts
        on linked.linked_transcript_id = transcripts.id

)

select * from renamed
