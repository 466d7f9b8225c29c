{#
  The evaluation of the action plan (Annexe 3, Article 7): one row per indicator and year of
  the convention (seed plan_action), with its baseline, its change and a status.

  Baseline: the seed's value when the convention gives one (Axe 12's 7.10 ETP; 0 for what is
  counted "since" the baseline), else the indicator's value in its baseline year, else its
  first filled year since (then `annee_reference` is that year).
  Status of a quantitative indicator: `non_renseigne` without a value; `cible_atteinte` when
  the value reaches the target in the expected direction; `stable` when it is within 1 % of
  the baseline (equal to it when the baseline is 0); otherwise `en_progression` (the value
  rose) or `en_baisse` (it fell), whatever the expected direction (`sens_attendu` says which
  is good). Qualitative and yes/no indicators carry the follow-up's status, or
  `non_renseigne`.
#}

with indicateurs as (
    select * from {{ ref('plan_action_indicateurs') }}
),

objectifs as (
    select * from {{ ref('plan_action_objectifs') }}
),

plan as (
    select * from {{ ref('plan_action') }}
),

valeurs as (
    select * from {{ ref('int_evaluation__valeurs') }}
),

annees as (
    select {{ years_from_to('annee_debut', 'annee_fin') }} as annee
    from plan
),

grid as (
    select
        indicateurs.*,
        annees.annee,
        valeurs.valeur,
        valeurs.statut_suivi,
        valeurs.est_approximatif,
        valeurs.commentaire,
        valeurs.fichier,
        valeurs.valide_copil_le
    from indicateurs
    cross join annees
    left join valeurs
        on indicateurs.indicateur_code = valeurs.indicateur_code
        and annees.annee = valeurs.annee
),

first_filled as (
    select
        valeurs.indicateur_code,
        min(valeurs.annee) as annee,
        {{ value_at_min('valeurs.valeur', 'valeurs.annee') }} as valeur
    from valeurs
    inner join indicateurs
        on valeurs.indicateur_code = indicateurs.indicateur_code
    where valeurs.valeur is not null and valeurs.annee >= indicateurs.annee_reference
    group by valeurs.indicateur_code
),

baselines as (
    select
        indicateurs.indicateur_code,
        case
            when indicateurs.valeur_reference is not null or at_reference.valeur is not null
                then indicateurs.annee_reference
            else first_filled.annee
        end as annee_reference,
        coalesce(indicateurs.valeur_reference, at_reference.valeur, first_filled.valeur) as valeur_reference
    from indicateurs
    left join valeurs as at_reference
        on indicateurs.indicateur_code = at_reference.indicateur_code
        and indicateurs.annee_reference = at_reference.annee
    left join first_filled
        on indicateurs.indicateur_code = first_filled.indicateur_code
    where indicateurs.nature = 'quantitatif'
),

measured as (
    select
        grid.*,
        baselines.annee_reference as annee_reference_retenue,
        baselines.valeur_reference as valeur_reference_retenue,
        grid.valeur - baselines.valeur_reference as evolution
    from grid
    left join baselines
        on grid.indicateur_code = baselines.indicateur_code
),

final as (
    select
        measured.axe,
        measured.objectif,
        objectifs.libelle as objectif_libelle,
        measured.indicateur_code,
        measured.libelle,
        measured.nature,
        measured.unite,
        measured.annee,
        measured.valeur,
        measured.statut_suivi,
        coalesce(measured.annee_reference_retenue, measured.annee_reference) as annee_reference,
        measured.valeur_reference_retenue as valeur_reference,
        measured.evolution as evolution_depuis_reference,
        measured.cible,
        measured.sens_attendu,
        case
            when measured.nature <> 'quantitatif' then coalesce(measured.statut_suivi, 'non_renseigne')
            when measured.valeur is null then 'non_renseigne'
            when measured.cible is not null and (
                    (measured.sens_attendu = 'hausse' and measured.valeur >= measured.cible)
                    or (measured.sens_attendu = 'baisse' and measured.valeur <= measured.cible)
                ) then 'cible_atteinte'
            when abs(measured.evolution) <= 0.01 * abs(measured.valeur_reference_retenue) then 'stable'
            when measured.evolution > 0 then 'en_progression'
            else 'en_baisse'
        end as statut,
        measured.echeance,
        measured.territoire_niveau,
        measured.territoire_code,
        measured.source as source_type,
        case
            when measured.valeur is null and measured.statut_suivi is null then null
            when measured.source = 'suivi'
                then
                    'Suivi du plan d''action (' || measured.fichier
                    || coalesce(', validé en comité de pilotage le ' || {{ date_fr('measured.valide_copil_le') }}, '')
                    || ')'
            when measured.source = 'inventaire' then 'Inventaire et activité des structures'
            when measured.source = 'extrait_partenaire' then 'Extrait partenaire CAF'
            when measured.source = 'permis_louer' then 'Dossiers de permis de louer des communes'
            when measured.source = 'allocations_logement' then 'Permis de louer et extrait CAF des aides au logement'
        end as source,
        measured.commentaire,
        coalesce(measured.est_approximatif, false) as est_approximatif
    from measured
    left join objectifs
        on measured.axe = objectifs.axe
        and measured.objectif = objectifs.objectif
)

select * from final
