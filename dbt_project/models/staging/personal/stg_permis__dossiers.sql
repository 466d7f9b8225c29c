-- Identifiers are keyed hashes (ingest/personal.py): `dossier`, `logement` (address with its
-- commune) and `bailleur` identify without being readable.
with source as (
    select * from {{ source('raw', 'permis_louer') }}
),

final as (
    select
        dossier_id as dossier,
        regime,
        code_commune,
        adresse as logement,
        bailleur_nom as bailleur,
        bailleur_type,
        typologie,
        surface_m2,
        date_depot,
        date_complet,
        date_visite,
        resultat_visite,
        date_decision,
        decision,
        travaux,
        date_mise_en_conformite,
        date_bail,
        source_file,
        ligne
    from source
)

select * from final
