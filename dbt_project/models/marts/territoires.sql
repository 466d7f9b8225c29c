{#
  The territories of the refresh (ctg refresh --territory): each commune of each EPCI
  computed, with its EPCI and the comparison département. `est_principal` marks the
  convention's EPCI, whose report and evaluation the warehouse holds.
#}

with territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

territoire as (
    select * from {{ ref('stg_ref__territoire') }}
),

final as (
    select
        territoire_communes.code_commune,
        territoire_communes.libelle_commune,
        territoire.epci_siren,
        territoire.epci_libelle,
        territoire.dep_code as departement_code,
        territoire.dep_libelle as departement_libelle,
        territoire.est_principal
    from territoire_communes
    inner join territoire
        on territoire_communes.epci_siren = territoire.epci_siren
)

select * from final
