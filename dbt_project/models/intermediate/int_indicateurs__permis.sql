{#
  Axe 10 indicators (INDICATORS.md, "Axe 10 in detail") at commune and EPCI level, in the shape
  of int_indicateurs__territoires. Rows: each commune where the permis applies, from its start
  year (seed perimetre_permis_louer) to the latest year of the records, and the EPCI; the AL
  figures only for the years of the AL extract. A dossier counts in the year of the event named.
  Commune counts from 1 to 4 are masked (NULL, est_approximatif), and a rate or median built on
  such counts; the EPCI figure is computed from all of its dossiers and never masked.
#}

{% set counts = [
    ('nb_dossiers_deposes', 'date_depot', 'true'),
    ('nb_logements_visites', 'date_visite', 'true'),
    ('nb_autorisations', 'date_decision', 'est_autorisation_expresse'),
    ('nb_refus', 'date_decision', 'est_refus'),
    ('nb_rejets', 'date_decision', "decision = 'REJET_IRRECEVABLE'"),
    ('nb_accords_tacites', 'date_accord_tacite', 'est_tacite'),
    ('nb_mises_en_conformite_apres_refus', 'date_mise_en_conformite', "decision = 'REFUS'"),
    ('nb_logements_loues', 'date_bail', 'true'),
] %}

with dossiers as (
    select * from {{ ref('int_permis__dossiers') }}
),

allowance as (
    select * from {{ ref('stg_caf__allocations_logement_adresses') }}
),

perimeter_seed as (
    select * from {{ ref('perimetre_permis_louer') }}
),

territoire as (
    select * from {{ ref('stg_ref__territoire') }}
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

-- The perimeter communes of the EPCIs the refresh computes.
perimeter as (
    select
        perimeter_seed.code_commune,
        perimeter_seed.annee_debut,
        territoire_communes.libelle_commune,
        territoire.epci_siren,
        territoire.epci_libelle
    from perimeter_seed
    inner join territoire
        on perimeter_seed.epci_siren = territoire.epci_siren
    inner join territoire_communes
        on perimeter_seed.code_commune = territoire_communes.code_commune
),

last_year as (
    select extract(year from max(derniere_date)) as annee from dossiers
),

-- Each perimeter commune from its start year to the latest year of the records.
commune_years as (
    select
        perimeter.code_commune,
        perimeter.libelle_commune,
        {{ years_from_to('perimeter.annee_debut', 'last_year.annee') }} as annee
    from perimeter
    cross join last_year
    where last_year.annee is not null
),

events as (
    {% for code, date_column, condition in counts %}
        select
            '{{ code }}' as indicateur_code,
            code_commune,
            extract(year from {{ date_column }}) as annee,
            dossier,
            cast(null as integer) as delai
        from dossiers
        where {{ date_column }} is not null and {{ condition }}
        union all
    {% endfor %}
    select
        'delai_instruction_median_jours' as indicateur_code,
        code_commune,
        extract(year from date_decision) as annee,
        dossier,
        delai_instruction_jours as delai
    from dossiers
    where delai_instruction_jours is not null
),

-- Dwellings with allowance recipients in December of year Y: the latest decided APML dossier
-- of the dwelling on or before 31/12/Y is an authorisation (express or tacit); or no dossier
-- at all deposited by then, in a commune where the permis applies in Y.
decided as (
    select
        logement,
        coalesce(date_accord_tacite, date_decision) as date_issue,
        est_tacite or est_autorisation_expresse as est_autorise
    from dossiers
    where regime = 'APML'
        and (est_tacite or (date_decision is not null and decision in (
            'AUTORISATION', 'AUTORISATION_SOUS_CONDITIONS', 'REFUS', 'REJET_IRRECEVABLE', 'DESISTEMENT'
        )))
),

allowance_dwellings as (
    select
        allowance.logement,
        allowance.code_commune,
        allowance.annee,
        (
            select {{ value_at_max('decided.est_autorise', 'decided.date_issue') }}
            from decided
            where decided.logement = allowance.logement
                and decided.date_issue <= make_date(allowance.annee, 12, 31)
        ) as derniere_issue_autorisation,
        not exists (
            select 1 from dossiers
            where dossiers.logement = allowance.logement
                and dossiers.date_depot <= make_date(allowance.annee, 12, 31)
        ) as sans_demande
    from allowance
    where allowance.foyers_al > 0
),

allowance_events as (
    select
        'nb_logements_al_avec_autorisation' as indicateur_code,
        code_commune,
        annee,
        logement as dossier,
        cast(null as integer) as delai
    from allowance_dwellings
    where coalesce(derniere_issue_autorisation, false)
    union all
    select
        'nb_logements_al_sans_demande' as indicateur_code,
        allowance_dwellings.code_commune,
        allowance_dwellings.annee,
        allowance_dwellings.logement as dossier,
        cast(null as integer) as delai
    from allowance_dwellings
    inner join perimeter
        on allowance_dwellings.code_commune = perimeter.code_commune
        and allowance_dwellings.annee >= perimeter.annee_debut
    where allowance_dwellings.sans_demande
),

allowance_years as (
    select distinct annee from allowance
),

all_events as (
    select * from events
    union all
    select * from allowance_events
),

indicator_years as (
    {% for code, date_column, condition in counts %}
        select
            '{{ code }}' as indicateur_code,
            code_commune,
            libelle_commune,
            annee
        from commune_years
        union all
    {% endfor %}
    select
        'delai_instruction_median_jours' as indicateur_code,
        code_commune,
        libelle_commune,
        annee
    from commune_years
    union all
    select
        indicator.indicateur_code,
        commune_years.code_commune,
        commune_years.libelle_commune,
        commune_years.annee
    from commune_years
    inner join allowance_years
        on commune_years.annee = allowance_years.annee
    cross join (
        values ('nb_logements_al_avec_autorisation'), ('nb_logements_al_sans_demande')
    ) as indicator (indicateur_code)
),

-- Each (indicator, commune, year) and the EPCI's, from every dossier of the perimeter communes.
by_level as (
    select
        indicator_years.indicateur_code,
        'commune' as territoire_niveau,
        indicator_years.code_commune as territoire_code,
        indicator_years.libelle_commune as territoire_libelle,
        indicator_years.annee,
        count(all_events.dossier) as n,
        percentile_cont(0.5) within group (order by all_events.delai) as mediane
    from indicator_years
    left join all_events
        on indicator_years.indicateur_code = all_events.indicateur_code
        and indicator_years.code_commune = all_events.code_commune
        and indicator_years.annee = all_events.annee
    group by
        indicator_years.indicateur_code, indicator_years.code_commune, indicator_years.libelle_commune,
        indicator_years.annee
    union all
    select
        indicator_years.indicateur_code,
        'epci' as territoire_niveau,
        perimeter_epcis.epci_siren as territoire_code,
        perimeter_epcis.epci_libelle as territoire_libelle,
        indicator_years.annee,
        count(all_events.dossier) as n,
        percentile_cont(0.5) within group (order by all_events.delai) as mediane
    from (
        select distinct
            indicateur_code,
            annee
        from indicator_years
    ) as indicator_years
    -- Each EPCI where the permis applies.
    cross join (
        select distinct
            epci_siren,
            epci_libelle
        from perimeter
    ) as perimeter_epcis
    left join all_events
        on indicator_years.indicateur_code = all_events.indicateur_code
        and indicator_years.annee = all_events.annee
        -- The sum of its commune rows: the perimeter communes, from their start year.
        and exists (
            select 1 from perimeter
            where perimeter.code_commune = all_events.code_commune
                and perimeter.annee_debut <= all_events.annee
                and perimeter.epci_siren = perimeter_epcis.epci_siren
        )
    group by
        indicator_years.indicateur_code, perimeter_epcis.epci_siren, perimeter_epcis.epci_libelle,
        indicator_years.annee
),

-- The tacit approval rate: tacit / (authorisations + refusals + tacit) of the year.
rate_parts as (
    select
        territoire_niveau,
        territoire_code,
        territoire_libelle,
        annee,
        max(n) filter (where indicateur_code = 'nb_accords_tacites') as tacites,
        max(n) filter (where indicateur_code = 'nb_autorisations') as autorisations,
        max(n) filter (where indicateur_code = 'nb_refus') as refus
    from by_level
    group by territoire_niveau, territoire_code, territoire_libelle, annee
),

masked as (
    select
        indicateur_code,
        territoire_niveau,
        territoire_code,
        territoire_libelle,
        annee,
        case
            when territoire_niveau = 'commune' and n between 1 and 4 then null
            when indicateur_code = 'delai_instruction_median_jours' then mediane
            else n
        end as numerateur,
        cast(null as double) as denominateur,
        false as est_ratio,
        territoire_niveau = 'commune' and n between 1 and 4 as est_approximatif
    from by_level
    union all
    select
        'taux_accord_tacite' as indicateur_code,
        territoire_niveau,
        territoire_code,
        territoire_libelle,
        annee,
        case when not small then tacites end as numerateur,
        case when not small then autorisations + refus + tacites end as denominateur,
        true as est_ratio,
        small as est_approximatif
    from (
        select
            *,
            territoire_niveau = 'commune' and (
                tacites between 1 and 4 or autorisations between 1 and 4 or refus between 1 and 4
                or autorisations + refus + tacites between 1 and 4
            ) as small
        from rate_parts
    ) as rates
    where autorisations + refus + tacites > 0
),

final as (
    select
        indicateur_code,
        territoire_niveau,
        territoire_code,
        territoire_libelle,
        annee,
        cast(numerateur as double) as numerateur,
        denominateur,
        est_ratio,
        est_approximatif,
        case
            when indicateur_code like 'nb_logements_al_%' then 'permis de louer ; CAF allocations logement par adresse'
            else 'permis de louer'
        end as source,
        1 as priorite
    from masked
)

select * from final
