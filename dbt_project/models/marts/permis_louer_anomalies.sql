{#
  Permis de louer dossiers breaking a rule of their lifecycle, one row per dossier and rule,
  by pseudonymous dossier (a keyed hash) with its file and line: they are kept and counted
  like the others, and listed here for the communes to correct them.
#}

with dossiers as (
    select * from {{ ref('int_permis__dossiers') }}
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

checks as (
    select
        dossiers.*,
        territoire_communes.code_commune is null as hors_territoire
    from dossiers
    left join territoire_communes
        on dossiers.code_commune = territoire_communes.code_commune
),

rules as (
    select
        dossier,
        code_commune,
        'dates_ordonnees' as regle,
        'dates dans le désordre (attendu : dépôt ≤ complétude ≤ décision)' as message,
        source_file,
        ligne
    from checks
    where date_complet < date_depot or date_decision < date_depot or date_decision < date_complet
    union all
    select
        dossier,
        code_commune,
        'refus_motive' as regle,
        'refus sans visite ni travaux prescrits' as message,
        source_file,
        ligne
    from checks
    where decision = 'REFUS' and date_visite is null and resultat_visite is null and not coalesce(travaux, false)
    union all
    select
        dossier,
        code_commune,
        'accord_tacite_justifie' as regle,
        'accord tacite enregistré alors que la décision est datée dans le mois suivant la complétude' as message,
        source_file,
        ligne
    from checks
    where decision = 'ACCORD_TACITE' and date_decision < date_fin_delai
    union all
    select
        dossier,
        code_commune,
        'decision_dans_le_delai' as regle,
        'décision notifiée plus d''un mois après la complétude : comptée comme accord tacite' as message,
        source_file,
        ligne
    from checks
    where est_tacite and decision in ('AUTORISATION', 'AUTORISATION_SOUS_CONDITIONS', 'REFUS')
    union all
    select
        dossier,
        code_commune,
        'regime_decision' as regle,
        'décision incompatible avec le régime (récépissé pour une autorisation, ou l''inverse)' as message,
        source_file,
        ligne
    from checks
    where (regime = 'APML' and decision = 'RECEPISSE_DML')
        or (regime = 'DML' and decision not in ('RECEPISSE_DML', 'DESISTEMENT'))
    union all
    select
        dossier,
        code_commune,
        'commune_du_territoire' as regle,
        'commune hors du territoire de la convention' as message,
        source_file,
        ligne
    from checks
    where hors_territoire
),

final as (
    select
        dossier,
        code_commune,
        regle,
        message,
        source_file as fichier,
        ligne
    from rules
)

select * from final
