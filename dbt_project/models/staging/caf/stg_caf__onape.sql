{# ONAPE childcare coverage (rates and places) at commune, EPCI and département level; the XX / XXX placeholder rows are left out. #}
with source as (
    select * from {{ source('raw', 'caf_onape') }}
),

final as (
    select
        mesure,
        territoire_niveau,
        territoire_code,
        cast(annee as integer) as annee,
        variable,
        valeur,
        'CAF ONAPE ' || source_file || ' (' || annee || ')' as source_libelle
    from source
    where not est_placeholder
)

select * from final
