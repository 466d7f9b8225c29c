with source as (
    select * from {{ source('raw', 'territoire_communes') }}
),

final as (
    select distinct
        epci_siren,
        epci_libelle,
        dep_comparaison as dep_code,
        dep_comparaison_libelle as dep_libelle,
        origine
    from source
)

select * from final
