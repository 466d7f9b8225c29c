{#
  One row per structure and year in which it counts: open on 31 December (opened on or before
  it, and no closing date on or before it). The years run from the first opening in the
  inventory to the latest year of the activity file (INDICATORS.md, offer indicators); without
  an activity file, to the latest date of the inventory; with neither dates nor activity, the
  current year alone. A structure's places and ETP of a
  year are the activity file's when it gives them, else the inventory's.
#}

with structures as (
    select * from {{ ref('stg_structures__inventaire') }}
),

activite as (
    select * from {{ ref('stg_structures__activite') }}
),

bounds as (
    select
        coalesce(
            (select min(extract(year from date_ouverture)) from structures),
            (select min(annee) from activite),
            extract(year from current_date)
        ) as premiere_annee,
        coalesce(
            (select max(annee) from activite),
            (select max(greatest(extract(year from date_ouverture), coalesce(extract(year from date_fermeture), 0))) from structures),
            extract(year from current_date)
        ) as derniere_annee
),

annees as (
    select {{ years_from_to('premiere_annee', 'greatest(premiere_annee, derniere_annee)') }} as annee
    from bounds
    where exists (select 1 from structures)
),

open_structures as (
    select
        structures.*,
        annees.annee
    from structures
    cross join annees
    where (structures.date_ouverture is null or structures.date_ouverture <= make_date(annees.annee, 12, 31))
        and (structures.date_fermeture is null or structures.date_fermeture > make_date(annees.annee, 12, 31))
),

yearly_measures as (
    select
        structure_id,
        annee,
        max(valeur) filter (where mesure = 'places') as places,
        max(valeur) filter (where mesure = 'etp') as etp,
        max(valeur) filter (where mesure = 'jours_ouverture') as jours_ouverture,
        max(valeur) filter (where mesure = 'taux_occupation') as taux_occupation,
        max(valeur) filter (where mesure = 'enfants_inscrits') as enfants_inscrits,
        max(valeur) filter (where mesure = 'heures_realisees') as heures_realisees,
        max(valeur) filter (where mesure = 'heures_facturees') as heures_facturees,
        any_value(source_file) as fichier_activite
    from activite
    group by structure_id, annee
),

final as (
    select
        open_structures.structure_id,
        open_structures.annee,
        open_structures.type,
        open_structures.sous_type,
        open_structures.nom,
        open_structures.code_commune,
        open_structures.gestionnaire_nature,
        open_structures.psu,
        open_structures.agrement,
        open_structures.est_avs_agreee,
        open_structures.dispositifs,
        open_structures.date_ouverture,
        cast(coalesce(yearly_measures.places, open_structures.places) as double) as places,
        cast(coalesce(yearly_measures.etp, open_structures.etp) as double) as etp,
        yearly_measures.jours_ouverture,
        yearly_measures.taux_occupation,
        yearly_measures.enfants_inscrits,
        yearly_measures.heures_realisees,
        yearly_measures.heures_facturees,
        open_structures.source_file as fichier_inventaire,
        yearly_measures.fichier_activite
    from open_structures
    left join yearly_measures
        on open_structures.structure_id = yearly_measures.structure_id
        and open_structures.annee = yearly_measures.annee
)

select * from final
