{#
  The offer by commune, type of structure and year, and for the EPCI: structures open on
  31 December, their places and ETP. A commune without a type has no row for it (the
  indicators of marts.indicateurs give the zeros). Axe 12's coordination posts are the rows
  of type COORDINATION (7.10 ETP in the sample).
#}

with structure_years as (
    select * from {{ ref('int_structures__annees') }}
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

territoire as (
    select * from {{ ref('stg_ref__territoire') }}
),

types as (
    select * from {{ ref('types_structures') }}
),

in_territory as (
    select
        structure_years.*,
        territoire_communes.libelle_commune,
        territoire_communes.epci_siren
    from structure_years
    inner join territoire_communes
        on structure_years.code_commune = territoire_communes.code_commune
    -- A project is listed in the register, not counted in the offer.
    where coalesce(structure_years.agrement, '') <> 'projet'
),

by_level as (
    select
        'commune' as territoire_niveau,
        code_commune as territoire_code,
        libelle_commune as territoire_libelle,
        annee,
        type,
        structure_id,
        places,
        etp
    from in_territory
    union all
    select
        'epci' as territoire_niveau,
        territoire.epci_siren as territoire_code,
        territoire.epci_libelle as territoire_libelle,
        in_territory.annee,
        in_territory.type,
        in_territory.structure_id,
        in_territory.places,
        in_territory.etp
    from in_territory
    inner join territoire
        on in_territory.epci_siren = territoire.epci_siren
),

final as (
    select
        by_level.territoire_niveau,
        by_level.territoire_code,
        by_level.territoire_libelle,
        by_level.annee,
        by_level.type,
        types.libelle as type_libelle,
        types.famille,
        count(*) as nb_structures,
        sum(by_level.places) as places,
        {{ exact_sum('by_level.etp', 6) }} as etp
    from by_level
    left join types
        on by_level.type = types.type
    group by
        by_level.territoire_niveau, by_level.territoire_code, by_level.territoire_libelle, by_level.annee,
        by_level.type, types.libelle, types.famille
)

select * from final
