with source as (
    select * from {{ source('raw', 'structures_financements') }}
),

final as (
    select
        structure_id,
        code_commune,
        annee,
        dispositif,
        -- Exact to the cent: sums of doubles depend on the order rows are added in, and the
        -- same inputs must publish the same figures (a rebuild from the archive, a rerun).
        cast(round(montant_eur, 2) as decimal(18, 2)) as montant_eur,
        -- The actions or projects the line funds (optional column): a line without it is one.
        coalesce(nb_actions, 1) as nb_actions,
        source_file,
        ligne
    from source
)

select * from final
