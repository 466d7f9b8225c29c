with source as (
    select * from {{ source('raw', 'territoire_communes') }}
),

final as (
    select
        code_commune,
        libelle_commune,
        epci_siren,
        dep_code,
        est_principal
    from source
)

select * from final
