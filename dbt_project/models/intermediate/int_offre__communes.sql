{#
  The offer of each commune of the territory, one row per commune and year of
  int_structures__annees (from the first opening to the latest activity year): the counts,
  places and ETP of the structures open on 31 December (0 when there are none), the EAJE
  ratios' numerators and denominators, and whether the commune has an ALSH. `<code>__incomplet`
  is true when a structure counted lacks the measure (its places, ETP, occupation...).
  Communes of the comparison département outside the territory where the inventory lists a
  social-life structure (the CAF's register of centres sociaux and EVS covers the département)
  have their rows too, `hors_territoire`: only their social-life figures are used.
#}

{% set offer = offer_indicators() %}
{% set open = offer.open %}

with structure_years as (
    select * from {{ ref('int_structures__annees') }}
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

-- The comparison départements of the territories (several EPCIs may share one).
departements as (
    select distinct dep_code from {{ ref('stg_ref__territoire') }}
),

-- The territory's communes, and the département's other communes with a social-life structure.
communes as (
    select
        code_commune,
        dep_code,
        false as hors_territoire
    from territoire_communes
    union
    select distinct
        structure_years.code_commune,
        departements.dep_code,
        true as hors_territoire
    from structure_years
    inner join departements
        on structure_years.code_commune like departements.dep_code || '%'
    where structure_years.type in ('CENTRE_SOCIAL', 'EVS')
        and structure_years.code_commune not in (select territoire_communes.code_commune from territoire_communes)
),

annees as (
    select {{ years_from_to('min(annee)', 'max(annee)') }} as annee
    from structure_years
    having count(*) > 0
),

commune_years as (
    select
        communes.code_commune,
        communes.dep_code,
        communes.hors_territoire,
        annees.annee
    from communes
    cross join annees
),

-- Each commune and year with the structures open there (none: one row of NULLs).
commune_structures as (
    select
        commune_years.code_commune,
        commune_years.dep_code,
        commune_years.hors_territoire,
        commune_years.annee,
        structure_years.structure_id,
        structure_years.type,
        structure_years.sous_type,
        structure_years.nom,
        structure_years.gestionnaire_nature,
        structure_years.psu,
        structure_years.agrement,
        structure_years.est_avs_agreee,
        structure_years.dispositifs,
        structure_years.date_ouverture,
        structure_years.places,
        structure_years.etp,
        structure_years.jours_ouverture,
        structure_years.taux_occupation,
        structure_years.enfants_inscrits,
        structure_years.heures_realisees,
        structure_years.heures_facturees,
        structure_years.fichier_inventaire,
        structure_years.fichier_activite
    from commune_years
    left join structure_years
        on commune_years.code_commune = structure_years.code_commune
        and commune_years.annee = structure_years.annee
),

final as (
    select
        code_commune,
        dep_code,
        hors_territoire,
        annee,
        {% for code, condition in offer.counts %}
            count(structure_id) filter (where {{ condition }}) as {{ code }},
        {% endfor %}
        {% for code, column, condition in offer.sums %}
            -- Exact: 1.5 + 1 + 0.64 + ... is 5.74, not 5.739999999999999.
            coalesce({{ exact_sum(column, 6, condition) }}, 0) as {{ code }},
            bool_or({{ column }} is null) filter (where {{ condition }}) as {{ code }}__incomplet,
        {% endfor %}
        {% for code, numerator, denominator, measure in offer.ratios %}
            sum({{ numerator }}) filter (
                where type = 'EAJE' and {{ measure }} is not null and places is not null and {{ open }}
            ) as {{ code }}__num,
            sum({{ denominator }}) filter (
                where type = 'EAJE' and {{ measure }} is not null and places is not null and {{ open }}
            ) as {{ code }}__den,
            bool_or({{ measure }} is null or places is null) filter (
                where type = 'EAJE' and {{ open }}
            ) as {{ code }}__incomplet,
        {% endfor %}
        {% for code, function, measure in offer.extremes %}
            {{ function }}({{ measure }}) filter (where type = 'EAJE' and {{ open }}) as {{ code }},
        {% endfor %}
        count(structure_id) filter (where type = 'ALSH') > 0 as a_alsh
    from commune_structures
    group by code_commune, dep_code, hors_territoire, annee
)

select * from final
