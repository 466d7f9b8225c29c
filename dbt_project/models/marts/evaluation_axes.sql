{#
  The yearly review of the action plan: one row per axe and year of the convention, counting
  its indicators filled, improved (moved the expected way, target reached, or realised),
  missing, and past their deadline without being achieved (a target not reached or a
  qualitative action not realised by the end of its deadline year).
#}

with evaluation as (
    select * from {{ ref('evaluation') }}
),

axes as (
    select * from {{ ref('plan_action_axes') }}
),

judged as (
    select
        *,
        statut <> 'non_renseigne' as est_renseigne,
        statut in ('cible_atteinte', 'realise')
        or (statut = 'en_progression' and sens_attendu = 'hausse')
        or (statut = 'en_baisse' and sens_attendu = 'baisse') as est_ameliore,
        annee > echeance
        and statut not in ('cible_atteinte', 'realise', 'abandonne')
        and (nature <> 'quantitatif' or cible is not null) as echeance_depassee
    from evaluation
),

final as (
    select
        judged.axe,
        axes.champ,
        axes.intitule,
        judged.annee,
        count(*) as nb_indicateurs,
        count(*) filter (where judged.est_renseigne) as nb_renseignes,
        count(*) filter (where judged.est_ameliore) as nb_ameliores,
        count(*) filter (where not judged.est_renseigne) as nb_non_renseignes,
        count(*) filter (where judged.echeance_depassee) as nb_echeances_depassees,
        {{ list_of('judged.indicateur_code', 'judged.indicateur_code') }} filter (
            where judged.echeance_depassee
        ) as indicateurs_echeance_depassee
    from judged
    inner join axes
        on judged.axe = axes.axe
    group by judged.axe, axes.champ, axes.intitule, judged.annee
)

select * from final
