-- One row per dwelling (keyed hash of its address and commune) and year: two spellings of one
-- address in the extract are one dwelling once pseudonymised.
with source as (
    select * from {{ source('raw', 'caf_allocations_logement') }}
),

final as (
    select
        adresse as logement,
        code_commune,
        annee,
        sum(foyers_al) as foyers_al
    from source
    group by adresse, code_commune, annee
)

select * from final
