-- Commune names as printed in the extracts, for communes outside the territory referential.
{% set named_sources = ['stg_insee__populations_legales', 'stg_caf__config_familiale', 'stg_caf__nivcomtotal'] %}

with names as (
    {% for model in named_sources %}
        select
            code_commune,
            libelle_commune
        from {{ ref(model) }}
        where libelle_commune is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        code_commune,
        min(libelle_commune) as libelle_commune
    from names
    group by code_commune
)

select * from final
