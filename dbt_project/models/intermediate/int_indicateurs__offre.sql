{#
  The offer indicators (INDICATORS.md, "Offer indicators from the inventory") at commune level,
  in the shape of int_indicateurs__communes, for every commune of the territory and every year
  of the offer (0 when the commune has none of the type), and the CAF funding of social-life
  structures for every year of the funding file. int_indicateurs__territoires sums them to the
  EPCI. The social-life figures (AVS_CODES) also have rows for the département's other
  communes where the inventory lists a centre social or an EVS: their département figure then
  exists; the other offer figures have none (the inventory covers the territory only). Ratios
  keep their numerator and denominator: a commune without EAJE has its row, value NULL. The
  inventory is not masked (no personal data).
#}

{% set offer = offer_indicators() %}
{% set avs_codes = ['nb_centres_sociaux', 'nb_evs', 'nb_structures_avs', 'nb_centres_sociaux_projet_famille', 'nb_ps_jeunes'] %}
{% set inventaire = "'inventaire des structures'" %}
{% set activite = "'inventaire et activité des structures'" %}
{#
  Funding figures: (code, aggregate, condition). The social-life ones (AVS) also have
  département rows; the others are the territory's (the funding file covers the département's
  social-life structures only). A porteur is the structure funded, or the commune for a line
  without structure; `nb_actions` is 1 for a line whose file does not give it.
#}
{% set jeunesse = "famille = 'enfance_jeunesse'" %}
{% set funding = [
    ('montant_ps_avs', 'sum(montant_eur)', "dispositif = 'PS' and est_avs"),
    ('montant_subventions_fonctionnement_avs', 'sum(montant_eur)', "dispositif = 'AVS'"),
    ('montant_financements_avs', 'sum(montant_eur)', "(dispositif = 'PS' and est_avs) or dispositif = 'AVS'"),
    ('montant_ps_jeunesse', 'sum(montant_eur)', "dispositif = 'PS' and " ~ jeunesse),
    ('montant_subventions_investissement_jeunesse', 'sum(montant_eur)', "dispositif = 'INVESTISSEMENT' and " ~ jeunesse),
    ('montant_cej_jeunesse', 'sum(montant_eur)', "dispositif = 'CEJ' and " ~ jeunesse),
    ('montant_financements_jeunesse', 'sum(montant_eur)', "dispositif in ('PS', 'INVESTISSEMENT', 'CEJ') and " ~ jeunesse),
    ('montant_reaap', 'sum(montant_eur)', "dispositif = 'REAAP'"),
    ('nb_porteurs_reaap', 'count(distinct porteur)', "dispositif = 'REAAP'"),
    ('nb_actions_reaap', 'sum(nb_actions)', "dispositif = 'REAAP'"),
    ('nb_porteurs_fpt', 'count(distinct porteur)', "dispositif = 'FPT'"),
    ('nb_projets_fpt', 'sum(nb_actions)', "dispositif = 'FPT'"),
] %}
{% set avs_funding = ['montant_ps_avs', 'montant_subventions_fonctionnement_avs', 'montant_financements_avs'] %}

with per_commune as (
    select * from {{ ref('int_offre__communes') }}
),

financements as (
    select * from {{ ref('stg_structures__financements') }}
),

structures as (
    select * from {{ ref('stg_structures__inventaire') }}
),

-- The partner extract itself, not int_communes__variables: a refresh where only other CAF
-- files changed then leaves this table as it was.
partner as (
    select * from {{ ref('stg_caf__partenaire') }}
),

latest_year as (
    select max(annee) as annee from per_commune
),

offer_rows as (
    {% for code, condition in offer.counts %}
        select
            '{{ code }}' as indicateur_code,
            code_commune,
            dep_code,
            annee,
            cast({{ code }} as double) as numerateur,
            cast(null as double) as denominateur,
            false as est_ratio,
            false as est_approximatif,
            {{ inventaire }} as source
        from per_commune
        {% if code.startswith('nb_projets_') %}
            -- A project has no dates: counted in the inventory's latest year only.
            where not hors_territoire and annee = (select latest_year.annee from latest_year)
        {% elif code not in avs_codes %}
            where not hors_territoire
        {% endif %}
        union all
    {% endfor %}
    {% for code, column, condition in offer.sums %}
        select
            '{{ code }}' as indicateur_code,
            code_commune,
            dep_code,
            annee,
            cast({{ code }} as double) as numerateur,
            cast(null as double) as denominateur,
            false as est_ratio,
            coalesce({{ code }}__incomplet, false) as est_approximatif,
            {{ activite }} as source
        from per_commune
        where not hors_territoire
        union all
    {% endfor %}
    {% for code, numerator, denominator, measure in offer.ratios %}
        select
            '{{ code }}' as indicateur_code,
            code_commune,
            dep_code,
            annee,
            cast(coalesce({{ code }}__num, 0) as double) as numerateur,
            cast(coalesce({{ code }}__den, 0) as double) as denominateur,
            true as est_ratio,
            coalesce({{ code }}__incomplet, false) as est_approximatif,
            {{ activite }} as source
        from per_commune
        where not hors_territoire
        union all
    {% endfor %}
    {% for code, function, measure in offer.extremes %}
        -- Commune level only (int_indicateurs__territoires does not sum it).
        select
            '{{ code }}' as indicateur_code,
            code_commune,
            dep_code,
            annee,
            cast({{ code }} as double) as numerateur,
            cast(null as double) as denominateur,
            false as est_ratio,
            false as est_approximatif,
            {{ activite }} as source
        from per_commune
        -- Only the years of the activity file that give the measure.
        where not hors_territoire
            and annee in (
                select with_measure.annee from per_commune as with_measure
                where with_measure.{{ code }} is not null
            )
        union all
    {% endfor %}
    -- Counted at EPCI level only (the commune rows are dropped by int_indicateurs__territoires).
    select
        'nb_communes_avec_alsh' as indicateur_code,
        code_commune,
        dep_code,
        annee,
        case when a_alsh then 1.0 else 0.0 end as numerateur,
        cast(null as double) as denominateur,
        false as est_ratio,
        false as est_approximatif,
        {{ inventaire }} as source
    from per_commune
    where not hors_territoire
),

-- Childminders per ETP of RPE: the partner's active childminders of a year against the RPE
-- ETP of the same year.
childminder_rows as (
    select
        'am_par_etp_rpe' as indicateur_code,
        per_commune.code_commune,
        per_commune.dep_code,
        per_commune.annee,
        cast(partner.am_actives as double) as numerateur,
        per_commune.etp_rpe as denominateur,
        true as est_ratio,
        partner.am_actives is null or coalesce(per_commune.etp_rpe__incomplet, false) as est_approximatif,
        concat_ws(' ; ', partner.source_libelle, {{ activite }}) as source
    from per_commune
    inner join partner
        on not per_commune.hors_territoire
        and per_commune.code_commune = partner.code_commune
        and per_commune.annee = partner.annee
        and {{ variable_listed('partner.variables_presentes', 'am_actives') }}
),

-- CAF funding: a row for a structure counts in the structure's commune, one for a commune in it.
funding_lines as (
    select
        financements.annee,
        financements.dispositif,
        financements.montant_eur,
        financements.nb_actions,
        coalesce(financements.structure_id, 'commune ' || financements.code_commune) as porteur,
        coalesce(financements.code_commune, structures.code_commune) as code_commune,
        structures.type,
        structures.famille,
        coalesce(structures.type in ('CENTRE_SOCIAL', 'EVS'), false) as est_avs
    from financements
    left join structures
        on financements.structure_id = structures.structure_id
),

funding_years as (
    select distinct annee from funding_lines
),

-- The communes of the offer (the territory's, and the département's others with a social-life structure).
offer_communes as (
    select distinct
        code_commune,
        dep_code,
        hors_territoire
    from per_commune
),

funding_per_commune as (
    select
        offer_communes.code_commune,
        offer_communes.dep_code,
        offer_communes.hors_territoire,
        funding_years.annee,
        {% for code, aggregate, condition in funding %}
            coalesce({{ aggregate }} filter (where {{ condition }}), 0) as {{ code }},
        {% endfor %}
        -- FPT projects carried by a centre social, and all of them (a share of the territory).
        coalesce(
            sum(funding_lines.nb_actions) filter (
                where funding_lines.dispositif = 'FPT' and funding_lines.type = 'CENTRE_SOCIAL'
            ),
            0
        ) as part_projets_fpt_centres_sociaux__num,
        coalesce(sum(funding_lines.nb_actions) filter (where funding_lines.dispositif = 'FPT'), 0)
            as part_projets_fpt_centres_sociaux__den
    from offer_communes
    cross join funding_years
    left join funding_lines
        on offer_communes.code_commune = funding_lines.code_commune
        and funding_years.annee = funding_lines.annee
    group by offer_communes.code_commune, offer_communes.dep_code, offer_communes.hors_territoire, funding_years.annee
),

funding_rows as (
    {% for code, aggregate, condition in funding %}
        select
            '{{ code }}' as indicateur_code,
            code_commune,
            dep_code,
            annee,
            cast({{ code }} as double) as numerateur,
            cast(null as double) as denominateur,
            false as est_ratio,
            false as est_approximatif,
            'financements CAF des structures' as source
        from funding_per_commune
        {% if code not in avs_funding %}
            where not hors_territoire
        {% endif %}
        union all
    {% endfor %}
    select
        'part_projets_fpt_centres_sociaux' as indicateur_code,
        code_commune,
        dep_code,
        annee,
        cast(part_projets_fpt_centres_sociaux__num as double) as numerateur,
        cast(part_projets_fpt_centres_sociaux__den as double) as denominateur,
        true as est_ratio,
        false as est_approximatif,
        'financements CAF des structures' as source
    from funding_per_commune
    where not hors_territoire
),

all_rows as (
    select * from offer_rows
    union all
    select * from childminder_rows
    union all
    select * from funding_rows
),

-- A ratio is not produced for a year in which no commune has its denominator (no EAJE open
-- yet, no RPE): rows of NULL values only would say nothing.
with_year_denominators as (
    select
        *,
        sum(denominateur) over (partition by indicateur_code, annee) as denominateur_annee
    from all_rows
),

final as (
    select
        indicateur_code,
        code_commune,
        dep_code,
        annee,
        numerateur,
        denominateur,
        est_ratio,
        est_approximatif,
        source,
        1 as priorite
    from with_year_denominators
    where not est_ratio or denominateur_annee > 0
)

select * from final
