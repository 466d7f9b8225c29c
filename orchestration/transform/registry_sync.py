"""What dbt knows of the sources, generated from the source registry (ingest/registry.py).

    uv run python -m orchestration.transform.registry_sync          # rewrite the files
    uv run python -m orchestration.transform.registry_sync --check  # exit 1 when they are stale

Three files are generated, never edited by hand:
- `models/staging/_sources.yml`: one dbt source table per registry source (and the territory
  table the territory step writes), with its Dagster asset key and personal-data flag;
- `macros/registry.sql`: `ctg_registry()`, the staging models of each source with the
  variables they pivot and their prefix in `int_communes__variables`, and the prefixes whose
  models list the variables each file has (`variables_presentes`);
- `seeds/types_structures.csv`: the closed list of structure types of the inventory reader.
`disagreements()` (run by tests/unit/test_registry.py and `--check`) also finds a staging
model that writes its variable list itself, or reads a raw table no source loads.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from ingest.registry import SOURCE_LIST, SourceSpec
from ingest.sources import structures
from orchestration.settings import DBT_PROJECT_DIR

SOURCES_YML = DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml"
REGISTRY_MACRO = DBT_PROJECT_DIR / "macros" / "registry.sql"
STRUCTURE_TYPES_SEED = DBT_PROJECT_DIR / "seeds" / "types_structures.csv"
PERSONAL_MODELS = Path("models/staging/personal")
HEADER = "generated from ingest/registry.py by `make dbt-registry`: do not edit"

# Written by the territory step from the registry's COG and EPCI composition sources.
TERRITORY_TABLE = {
    "name": "territoire_communes",
    "description": (
        "Communes des EPCI du rafraîchissement (--territory ; fichier de composition des EPCI de l'INSEE "
        "le plus récent, ou référentiel intégré), avec l'EPCI, le département de comparaison et "
        "est_principal (l'EPCI de la convention) sur chaque ligne."
    ),
    "meta": {"dagster": {"asset_key": ["raw", "territoire_communes"]}, "donnees_personnelles": False},
}


def source_table(spec: SourceSpec) -> dict:
    return {
        "name": spec.name,
        "description": f"{spec.label} : {spec.description} Secret statistique : {spec.masking}.",
        "meta": {
            "dagster": {"asset_key": spec.asset_key},
            "donnees_personnelles": spec.personal,
            "cadence": spec.cadence,
        },
    }


def sources_yml(specs: list[SourceSpec]) -> str:
    # JSON is YAML: no YAML writer needed, and the output is stable.
    tables = [source_table(spec) for spec in specs] + [TERRITORY_TABLE]
    lines = [f"# {HEADER}", "version: 2", "", "sources:", "  - name: raw", "    schema: raw", "    description: >",
             "      Tables written by the ingest assets (Python readers, after their contract and Great",
             "      Expectations suite passed). Every row keeps source_file, file_hash and loaded_at.",
             "    tables:"]
    for table in tables:
        lines.append(f"      - name: {table['name']}")
        lines.append(f"        description: {json.dumps(table['description'], ensure_ascii=False)}")
        lines.append(f"        meta: {json.dumps(table['meta'], ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def registry_macro(specs: list[SourceSpec]) -> str:
    models = {
        model.model: {"source": spec.name, "variables": list(model.variables), "prefix": model.prefix,
                      "lists_variables": spec.lists_variables}
        for spec in specs
        for model in spec.staging
    }
    registry = {
        "sources": {spec.name: {"personal": spec.personal} for spec in specs},
        "models": models,
        # int_communes__variables: prefix -> staging model, in registry order.
        "commune_models": {m["prefix"]: name for name, m in models.items() if m["prefix"]},
        "prefixes_with_variable_lists": [m["prefix"] for m in models.values() if m["prefix"] and m["lists_variables"]],
    }
    body = json.dumps(registry, ensure_ascii=False, indent=2)
    return (
        f"{{# {HEADER} #}}\n"
        "{% macro ctg_registry() %}\n"
        "{% set registry_json %}\n"
        f"{body}\n"
        "{% endset %}\n"
        "    {{ return(fromjson(registry_json)) }}\n"
        "{% endmacro %}\n\n"
        "{# The variables a staging model pivots out of its long raw table. #}\n"
        "{% macro staged_variables(model_name) %}\n"
        "    {{ return(ctg_registry()['models'][model_name]['variables']) }}\n"
        "{% endmacro %}\n"
    )


def structure_types_seed() -> str:
    """The closed list of structure types the inventory reader accepts, for dbt (labels, family)."""
    lines = ["type,libelle,famille,famille_libelle,places_agrement"]
    for code, (label, family, places) in structures.TYPES.items():
        lines.append(f'{code},"{label}",{family},"{structures.FAMILIES[family]}",{str(places).lower()}')
    return "\n".join(lines) + "\n"


def generated_files(specs: list[SourceSpec] = SOURCE_LIST) -> dict[Path, str]:
    return {SOURCES_YML: sources_yml(specs), REGISTRY_MACRO: registry_macro(specs),
            STRUCTURE_TYPES_SEED: structure_types_seed()}


def disagreements(specs: list[SourceSpec] = SOURCE_LIST, project_dir: Path = DBT_PROJECT_DIR) -> list[str]:
    """Where dbt and the registry disagree, one line each (empty when they agree)."""
    problems = []
    for path, text in generated_files(specs).items():
        target = project_dir / path.relative_to(DBT_PROJECT_DIR)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            problems.append(f"{target.relative_to(project_dir)} is stale: run `make dbt-registry`")
    tables = {spec.name for spec in specs} | {TERRITORY_TABLE["name"]}
    models = {path.stem: path for path in (project_dir / "models").rglob("*.sql")}
    for name, path in sorted(models.items()):
        text = path.read_text(encoding="utf-8")
        for table in re.findall(r"source\(\s*['\"]raw['\"]\s*,\s*['\"](\w+)['\"]\s*\)", text):
            if table not in tables:
                problems.append(f"{name} reads raw.{table}, which no registry source loads")
    for spec in specs:
        for model in spec.staging:
            if model.model not in models:
                problems.append(f"{spec.name}: staging model {model.model} does not exist")
            elif spec.personal and PERSONAL_MODELS not in models[model.model].relative_to(project_dir).parents:
                # ctg never prints failing rows of the models there (cli.reads_personal_data).
                problems.append(f"{model.model} holds personal data: it belongs in {PERSONAL_MODELS}/")
            elif model.variables and f"staged_variables('{model.model}')" not in models[model.model].read_text(encoding="utf-8"):
                # A list written in the model would agree with the registry only by hand.
                problems.append(f"{model.model} does not take its variables from staged_variables('{model.model}')")
    return problems


def main(argv: list[str]) -> int:
    if "--check" in argv:
        problems = disagreements()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    for path, text in generated_files().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(DBT_PROJECT_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
