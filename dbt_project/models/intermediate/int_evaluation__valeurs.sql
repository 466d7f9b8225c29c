{#
  The value of every evaluation indicator of the action plan (seed plan_action_indicateurs) for
  each year a source gives it: one row per indicator and year, only where the source has the
  year (an indicator whose source has not landed has no row: the mart shows it as
  `non_renseigne`, never 0).

  Computed from the warehouse (INDICATORS.md, "Evaluation"):
    - stocks of the territory's published indicators (marts.indicateurs) at the indicator's
      level (the EPCI of the refresh, or the group named in the seed);
    - "created since" flows: a stock minus its value in the baseline year (places, AM), or the
      structures opened since the seed's `depuis_le` and open on 31 December (EVS, Axe 11);
    - Axe 11's children, from the activity file of the structures in the group's communes.
  The follow-up file gives the others: a row for the indicator's whole territory wins; rows
  for parts of it are summed (figures) or give the least advanced status.
#}

with indicateurs as (
    select * from {{ ref('plan_action_indicateurs') }}
),

-- The convention's EPCI: the principal territory of the refresh.
territoire as (
    select * from {{ ref('stg_ref__territoire') }}
    where est_principal
),

-- The published figures (one per indicator, territory and year, sources already arbitrated),
-- so that the evaluation quotes exactly what the diagnostic publishes.
territoires as (
    select * from {{ ref('indicateurs') }}
),

structures as (
    select * from {{ ref('int_structures__annees') }}
),

activite as (
    select * from {{ ref('stg_structures__activite') }}
),

communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
    where est_principal
),

group_communes as (
    select * from {{ ref('int_groupements__communes') }}
),

suivi as (
    select * from {{ ref('stg_suivi__plan_action') }}
),

onape as (
    select * from {{ ref('stg_caf__onape') }}
),

-- The communes each indicator covers: the EPCI's, or its group's.
indicator_communes as (
    select
        indicateurs.indicateur_code,
        communes.code_commune
    from indicateurs
    inner join communes
        on indicateurs.territoire_niveau = 'epci'
    union all
    select
        indicateurs.indicateur_code,
        group_communes.code_commune
    from indicateurs
    inner join group_communes
        on indicateurs.territoire_niveau = 'groupement'
        and indicateurs.territoire_code = group_communes.groupement_code
),

-- Each computed indicator from the territory's indicators: (code, summed components, and
-- whether it counts what was created since the baseline year: the stock minus its baseline).
recipes as (
    select recipe.* from (
        values
        ('a1_places_creees', ['nb_places_eaje_psu', 'nb_places_micro_creche'], true),
        ('a2_am_nouvelles', ['nb_am_actives'], true),
        ('a7_centres_sociaux_evs', ['nb_centres_sociaux', 'nb_evs'], false),
        ('a10_logements_visites', ['nb_logements_visites'], false),
        ('a10_permis_accordes_refuses', ['nb_autorisations', 'nb_refus'], false),
        ('a10_mises_en_conformite', ['nb_mises_en_conformite_apres_refus'], false),
        ('a10_accords_tacites', ['nb_accords_tacites'], false),
        ('a10_al_avec_autorisation', ['nb_logements_al_avec_autorisation'], false),
        ('a10_al_sans_demande', ['nb_logements_al_sans_demande'], false),
        ('a12_etp_coordination', ['etp_coordination'], false)
    ) as recipe (indicateur_code, composantes, depuis_reference)
),

-- A year counts only when every component is there (a missing one is not a zero).
stocks as (
    select
        recipes.indicateur_code,
        territoires.annee,
        recipes.depuis_reference,
        sum(territoires.valeur) as valeur,
        bool_or(territoires.est_approximatif) as est_approximatif
    from recipes
    inner join indicateurs
        on recipes.indicateur_code = indicateurs.indicateur_code
    inner join territoires
        on indicateurs.territoire_niveau = territoires.territoire_niveau
        and territoires.territoire_code = coalesce(indicateurs.territoire_code, (select any_value(territoire.epci_siren) from territoire))
        and {{ list_has('recipes.composantes', 'territoires.indicateur_code') }}
    group by recipes.indicateur_code, territoires.annee, recipes.depuis_reference, {{ list_size('recipes.composantes') }}
    having count(territoires.valeur) = {{ list_size('recipes.composantes') }}
),

onape_places as (
    select
        onape.annee,
        sum(onape.valeur) as places
    from onape
    where onape.mesure = 'nbpla'
        and onape.territoire_niveau = 'epci'
        and onape.territoire_code = (select any_value(territoire.epci_siren) from territoire)
        and onape.variable in ('pl_psu_col', 'pl_hors_psu_col')
    group by onape.annee
),

from_stocks as (
    select
        stocks.indicateur_code,
        stocks.annee,
        case
            when stocks.depuis_reference then stocks.valeur - baseline.valeur
            else stocks.valeur
        end as valeur,
        stocks.est_approximatif or coalesce(baseline.est_approximatif, false) as est_approximatif,
        -- Axe 1: the inventory's collective places beside the ONAPE's count of the same year.
        case when stocks.indicateur_code = 'a1_places_creees' and onape_places.places is not null then
                'Contrôle ONAPE ' || stocks.annee || ' : ' || cast(onape_places.places as bigint)
                || ' places d''accueil collectif (inventaire : ' || cast(stocks.valeur as bigint) || ')'
        end as commentaire
    from stocks
    inner join indicateurs
        on stocks.indicateur_code = indicateurs.indicateur_code
    left join stocks as baseline
        on stocks.indicateur_code = baseline.indicateur_code
        and baseline.annee = indicateurs.annee_reference
    left join onape_places
        on stocks.annee = onape_places.annee
    where not stocks.depuis_reference or baseline.valeur is not null
),

-- Structures of the indicator's communes open on 31 December (int_structures__annees), opened
-- since the seed's `depuis_le` when it gives one.
structure_years as (
    select distinct annee from structures
),

counted_structures as (
    select
        indicateurs.indicateur_code,
        structures.annee,
        structures.structure_id
    from indicateurs
    inner join indicator_communes
        on indicateurs.indicateur_code = indicator_communes.indicateur_code
    inner join structures
        on indicator_communes.code_commune = structures.code_commune
        and (indicateurs.depuis_le is null or structures.date_ouverture >= indicateurs.depuis_le)
    where (indicateurs.indicateur_code = 'a5_evs_crees' and structures.type = 'EVS' and structures.est_avs_agreee)
        or (indicateurs.indicateur_code = 'a6_projets_evs' and structures.type = 'EVS')
        or (
            indicateurs.indicateur_code = 'a11_structures_creees'
            and (
                -- (a structure still in project is not created)
                (structures.type in ('MICRO_CRECHE_PAJE', 'RPE', 'MAM', 'ALSH') and coalesce(structures.agrement, '') <> 'projet')
                or (structures.type = 'EVS' and structures.est_avs_agreee)
            )
        )
),

structure_counts as (
    select
        indicateurs.indicateur_code,
        structure_years.annee,
        count(counted_structures.structure_id) as valeur
    from indicateurs
    cross join structure_years
    left join counted_structures
        on indicateurs.indicateur_code = counted_structures.indicateur_code
        and structure_years.annee = counted_structures.annee
    where indicateurs.indicateur_code in ('a5_evs_crees', 'a6_projets_evs', 'a11_structures_creees')
    group by indicateurs.indicateur_code, structure_years.annee
),

-- Axe 11: children enrolled in the group's structures open in the year; by commune of residence
-- when the activity file gives it.
group_structures as (
    select
        structures.structure_id,
        structures.annee,
        structures.enfants_inscrits
    from structures
    where structures.code_commune in (
            select indicator_communes.code_commune from indicator_communes
            where indicator_communes.indicateur_code = 'a11_enfants_accueillis'
        )
),

residence as (
    select
        activite.structure_id,
        activite.annee,
        sum(activite.valeur) as enfants,
        sum(activite.valeur) filter (
            where activite.code_commune_residence in (
                select indicator_communes.code_commune from indicator_communes
                where indicator_communes.indicateur_code = 'a11_part_enfants_du_territoire'
            )
        ) as enfants_du_territoire
    from activite
    where activite.mesure = 'enfants_inscrits_commune'
    group by activite.structure_id, activite.annee
),

children as (
    select
        group_structures.annee,
        sum(coalesce(group_structures.enfants_inscrits, residence.enfants)) as enfants,
        sum(residence.enfants) as enfants_commune_connue,
        sum(residence.enfants_du_territoire) as enfants_du_territoire
    from group_structures
    left join residence
        on group_structures.structure_id = residence.structure_id
        and group_structures.annee = residence.annee
    group by group_structures.annee
    having count(coalesce(group_structures.enfants_inscrits, residence.enfants)) > 0
),

children_indicators as (
    select
        'a11_enfants_accueillis' as indicateur_code,
        annee,
        enfants as valeur
    from children
    union all
    select
        'a11_part_enfants_du_territoire' as indicateur_code,
        annee,
        round(100.0 * coalesce(enfants_du_territoire, 0) / enfants_commune_connue, 1) as valeur
    from children
    where enfants_commune_connue > 0
),

computed as (
    select
        indicateur_code,
        annee,
        cast(valeur as double) as valeur,
        est_approximatif,
        commentaire
    from from_stocks
    union all
    select
        indicateur_code,
        annee,
        cast(valeur as double) as valeur,
        false as est_approximatif,
        null as commentaire
    from structure_counts
    union all
    select
        indicateur_code,
        annee,
        cast(valeur as double) as valeur,
        false as est_approximatif,
        null as commentaire
    from children_indicators
),

-- Follow-up rows: the indicator's whole territory (no territory, or its own code) wins.
suivi_ranked as (
    select
        suivi.*,
        suivi.territoire is null
        or suivi.territoire in (indicateurs.territoire_code, (select any_value(territoire.epci_siren) from territoire)) as est_global,
        case suivi.statut
            when 'abandonne' then 0 when 'non_demarre' then 1 when 'en_cours' then 2 when 'realise' then 3
        end as avancement
    from suivi
    inner join indicateurs
        on suivi.indicateur_code = indicateurs.indicateur_code
),

suivi_values as (
    select
        indicateur_code,
        annee,
        case
            when bool_or(est_global) then any_value(valeur) filter (where est_global)
            else sum(valeur)
        end as valeur,
        case
            when bool_or(est_global) then any_value(statut) filter (where est_global)
            else {{ value_at_min('statut', 'avancement') }}
        end as statut_suivi,
        string_agg(distinct commentaire, ' ; ') as commentaire,
        any_value(source_file) as fichier,
        max(valide_copil_le) as valide_copil_le
    from suivi_ranked
    group by indicateur_code, annee
),

final as (
    select
        indicateur_code,
        annee,
        valeur,
        cast(null as varchar) as statut_suivi,
        est_approximatif,
        commentaire,
        cast(null as varchar) as fichier,
        cast(null as date) as valide_copil_le
    from computed
    union all
    select
        indicateur_code,
        annee,
        valeur,
        statut_suivi,
        false as est_approximatif,
        commentaire,
        fichier,
        valide_copil_le
    from suivi_values
)

select * from final
