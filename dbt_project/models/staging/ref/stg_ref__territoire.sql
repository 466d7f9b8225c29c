with source as (
    select * from {{ source('raw', 'territoire_communes') }}
),

-- One row per EPCI the refresh computes (ctg refresh --territory); the principal one is the
-- convention's (its evaluation and report).
final as (
    select
        epci_siren,
        any_value(epci_libelle) as epci_libelle,
        any_value(dep_comparaison) as dep_code,
        any_value(dep_comparaison_libelle) as dep_libelle,
        any_value(origine) as origine,
        bool_or(est_principal) as est_principal
    from source
    group by epci_siren
)

select * from final
