{#
  Axe 10 ("Lutter contre l'habitat indigne"): one row per commune where the permis de louer
  applies (and the EPCI) and year, the figures of marts.indicateurs side by side (masked
  commune counts are NULL, est_approximatif says which row has one).
#}

{% set codes = [
    'nb_dossiers_deposes', 'nb_logements_visites', 'nb_autorisations', 'nb_refus', 'nb_rejets',
    'nb_accords_tacites', 'taux_accord_tacite', 'nb_mises_en_conformite_apres_refus',
    'delai_instruction_median_jours', 'nb_logements_loues', 'nb_logements_al_avec_autorisation',
    'nb_logements_al_sans_demande'
] %}

with indicateurs as (
    select * from {{ ref('indicateurs') }}
),

final as (
    select
        territoire_niveau,
        territoire_code,
        territoire_libelle,
        annee,
        {% for code in codes %}
            max(valeur) filter (where indicateur_code = '{{ code }}') as {{ code }},
        {% endfor %}
        bool_or(est_approximatif) as est_approximatif
    from indicateurs
    where indicateur_code in ({% for code in codes %}'{{ code }}'{% if not loop.last %}, {% endif %}{% endfor %})
    group by territoire_niveau, territoire_code, territoire_libelle, annee
)

select * from final
