{#
  Each permis de louer dossier with the events Axe 10 counts (INDICATORS.md, "Axe 10 in
  detail"). Tacit approval (CCH: silence one month after a complete file): an APML dossier whose
  decision is ACCORD_TACITE, or which has a date_complet and no express authorisation or refusal
  dated within the calendar month after it (a later one does not undo it; a late rejection or
  withdrawal is not a tacit approval). Its tacit date is date_complet + 1 month (the month's
  last day when it has no such day). A complete dossier whose month has not passed at the
  latest date of the extract is pending. A tacit dossier counts as tacit only.
#}

with dossiers as (
    select * from {{ ref('stg_permis__dossiers') }}
),

extract_end as (
    select
        max(greatest(
            date_depot, date_complet, date_visite, date_decision, date_mise_en_conformite, date_bail
        )) as derniere_date
    from dossiers
),

with_deadline as (
    select
        dossiers.*,
        extract_end.derniere_date,
        cast(dossiers.date_complet + interval 1 month as date) as date_fin_delai,
        coalesce(dossiers.decision in ('AUTORISATION', 'AUTORISATION_SOUS_CONDITIONS', 'REFUS'), false)
        and dossiers.date_decision is not null as decision_expresse
    from dossiers
    cross join extract_end
),

classified as (
    select
        *,
        regime = 'APML' and (
            coalesce(decision = 'ACCORD_TACITE', false)
            or (
                date_complet is not null
                and coalesce(decision, '') not in ('REJET_IRRECEVABLE', 'DESISTEMENT', 'ACCORD_TACITE')
                and not (decision_expresse and date_decision <= date_fin_delai)
                and date_fin_delai <= derniere_date
            )
        ) as est_tacite
    from with_deadline
),

final as (
    select
        *,
        case when est_tacite then coalesce(date_fin_delai, date_decision) end as date_accord_tacite,
        not est_tacite and decision_expresse
        and decision in ('AUTORISATION', 'AUTORISATION_SOUS_CONDITIONS') as est_autorisation_expresse,
        not est_tacite and decision_expresse and decision = 'REFUS' as est_refus,
        case
            when not est_tacite and decision_expresse and date_complet is not null
                then date_decision - date_complet
        end as delai_instruction_jours
    from classified
)

select * from final
