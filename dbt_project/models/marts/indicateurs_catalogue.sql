with catalogue as (
    select * from {{ ref('catalogue_indicateurs') }}
),

final as (
    select
        cast(indicateur_code as varchar) as indicateur_code,
        cast(libelle as varchar) as libelle,
        cast(theme as varchar) as theme,
        cast(definition as varchar) as definition,
        cast(unite as varchar) as unite,
        cast(sources as varchar) as sources,
        cast(ordre as integer) as ordre
    from catalogue
)

select * from final
