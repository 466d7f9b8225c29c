{#
  Every indicator at commune level, for every commune of the extracts (the whole
  département is needed for the comparison), as a numerator and, for ratios, a denominator.
  Ratios are never averaged: the territory levels re-sum numerators and denominators.
  A masked input makes the figure approximate; a sum of parts is NULL only when every part is.
#}

{% set couples_avec_enfants = ['coup_1_enf', 'coup_2_enf', 'coup_3_enf', 'coup_4plus_enf'] %}
{% set monoparents = ['mono_1_enf', 'mono_2_enf', 'mono_3_enf', 'mono_4plus_enf'] %}
{% set familles = couples_avec_enfants + monoparents %}
{% set isoles = ['homme_isole', 'femme_isolee'] %}

{% set config_familiale_indicators = [
    {'code': 'nb_allocataires', 'num': ['nb_allocataires']},
    {'code': 'nb_familles', 'num': familles},
    {'code': 'nb_familles_monoparentales', 'num': monoparents},
    {'code': 'part_familles', 'num': familles, 'den': ['nb_allocataires']},
    {'code': 'part_couples_avec_enfants', 'num': couples_avec_enfants, 'den': ['nb_allocataires']},
    {'code': 'part_familles_monoparentales', 'num': monoparents, 'den': ['nb_allocataires']},
    {'code': 'part_familles_1_enfant', 'num': ['coup_1_enf', 'mono_1_enf'], 'den': familles},
    {'code': 'part_familles_2_enfants', 'num': ['coup_2_enf', 'mono_2_enf'], 'den': familles},
    {'code': 'part_familles_nombreuses', 'num': ['coup_3_enf', 'coup_4plus_enf', 'mono_3_enf', 'mono_4plus_enf'], 'den': familles},
    {'code': 'part_allocataires_sans_enfant', 'num': ['coup_0_enf'] + isoles, 'den': ['nb_allocataires']},
    {'code': 'part_couples_sans_enfant', 'num': ['coup_0_enf'], 'den': ['nb_allocataires']},
    {'code': 'part_allocataires_isoles', 'num': isoles, 'den': ['nb_allocataires']},
] %}

{% set nivcomtotal_indicators = [
    {'code': 'nb_personnes_couvertes', 'num': ['nb_personnes_couvertes']},
    {'code': 'nb_enfants_caf', 'num': ['nb_enfants']},
] %}

with config_familiale as (
    select * from {{ ref('stg_caf__config_familiale') }}
),

nivcomtotal as (
    select * from {{ ref('stg_caf__nivcomtotal') }}
),

populations as (
    select * from {{ ref('stg_insee__populations_legales') }}
),

-- The population year used as denominator: the latest one at or before the indicator's year
-- (the convention divides 2018 CAF counts by the 2016 population).
population_reference_years as (
    select
        indicator_years.annee,
        max(population_years.annee) as annee_population
    from (select distinct annee from nivcomtotal) as indicator_years
    inner join (select distinct annee from populations) as population_years
        on population_years.annee <= indicator_years.annee
    group by indicator_years.annee
),

config_familiale_rows as (
    {{ indicator_rows('config_familiale', config_familiale_indicators) }}
),

nivcomtotal_rows as (
    {{ indicator_rows('nivcomtotal', nivcomtotal_indicators) }}
),

population_rows as (
    select
        'population_municipale' as indicateur_code,
        code_commune,
        dep_code,
        annee,
        cast(population_municipale as double) as numerateur,
        cast(null as double) as denominateur,
        false as est_ratio,
        false as est_approximatif,
        source_libelle as source
    from populations
),

coverage_rows as (
    select
        'taux_couverture_caf' as indicateur_code,
        nivcomtotal.code_commune,
        nivcomtotal.dep_code,
        nivcomtotal.annee,
        cast(nivcomtotal.nb_personnes_couvertes as double) as numerateur,
        cast(populations.population_municipale as double) as denominateur,
        true as est_ratio,
        nivcomtotal.nb_personnes_couvertes is null
            or populations.population_municipale is null as est_approximatif,
        nivcomtotal.source_libelle || ' ; ' || coalesce(
            populations.source_libelle,
            'INSEE populations légales ' || cast(population_reference_years.annee_population as varchar)
        ) as source
    from nivcomtotal
    inner join population_reference_years
        on nivcomtotal.annee = population_reference_years.annee
    left join populations
        on nivcomtotal.code_commune = populations.code_commune
        and populations.annee = population_reference_years.annee_population
),

final as (
    select * from config_familiale_rows
    union all
    select * from nivcomtotal_rows
    union all
    select * from population_rows
    union all
    select * from coverage_rows
)

select * from final
