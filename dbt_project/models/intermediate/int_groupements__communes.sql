{#
  The communes of each group of seeds/groupements.csv: its member communes, and the communes
  of its member EPCIs (known for the territory's EPCI). One place for the group mechanism:
  the indicators of groups and the evaluation's group indicators read it.
#}

with groupements as (
    select * from {{ ref('groupements') }}
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

final as (
    select
        groupement_code,
        groupement_libelle,
        membre_code as code_commune
    from groupements
    where membre_type = 'commune'
    union
    select
        groupements.groupement_code,
        groupements.groupement_libelle,
        territoire_communes.code_commune
    from groupements
    inner join territoire_communes
        on groupements.membre_code = territoire_communes.epci_siren
    where groupements.membre_type = 'epci'
)

select * from final
