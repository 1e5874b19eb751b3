with

transcripts as (

    select * from {{ declared_source('aircall', 'transcripts') }} as loaded

),

utterances as (

    select * from {{ declared_source('aircall', 'transcripts__content__utterances') }} as loaded

),

renamed as (

    select
        utterances._dlt_id as utterance_id,
        transcripts.id as transcript_id,
        transcripts.call_id,
        utterances._dlt_list_idx as utterance_index,
        utterances.participant_type,
        utterances.participant_type = 'external' as is_customer,
        utterances.start_time as start_seconds,
        utterances.end_time as end_seconds,
        utterances.text as utterance_text,
        {{ to_utc('transcripts.call_created_at') }} as call_created_at,
        transcripts._dlt_load_id as load_id

    from utterances
    inner join transcripts
        on utterances._dlt_parent_id = transcripts._dlt_id

)

select * from renamed
