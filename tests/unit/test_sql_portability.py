"""The dbt project stays portable to a server engine (README, "Beyond one machine"): no DuckDB-only
spelling where standard SQL has one, and DuckDB's own functions only behind the macros of
macros/portable.sql, which dbt dispatches by adapter."""

from __future__ import annotations

import re
from pathlib import Path

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"

# DuckDB's spelling → the portable one the models use instead.
DUCKDB_ONLY = {
    r"\bgroup\s+by\s+all\b": "explicit GROUP BY columns",
    r"\*\s*exclude\s*\(": "an explicit column list",
    r"\bqualify\b": "a window in a CTE, then WHERE",
    r"\barg_(max|min)\s*\(": "value_at_max / value_at_min",
    r"\blist_contains\s*\(": "list_has",
    r"\blen\s*\(": "list_size",
    r"\blist\s*\(": "list_of",
    r"\bstring_split\s*\(": "split_to_list",
    r"\bstrftime\s*\(": "date_fr",
    r"\bunnest\s*\(": "years_from_to, or a VALUES list",
    r"\bmedian\s*\(": "percentile_cont(0.5) within group (order by …)",
    r"\byear\s*\(": "extract(year from …)",
}


def sql_files() -> list[Path]:
    files = [*DBT_PROJECT.glob("models/**/*.sql"), *DBT_PROJECT.glob("macros/*.sql")]
    return [path for path in files if path.name != "portable.sql"]


def without_jinja_comments(text: str) -> str:
    """The text with its Jinja comments blanked (their line breaks kept: line numbers hold)."""
    return re.sub(r"\{#.*?#\}", lambda comment: "\n" * comment.group(0).count("\n"), text, flags=re.DOTALL)


def test_models_and_macros_use_no_duckdb_only_spelling():
    found = []
    for path in sql_files():
        for number, line in enumerate(without_jinja_comments(path.read_text(encoding="utf-8")).splitlines(), 1):
            code = line.split("--")[0]
            for pattern, instead in DUCKDB_ONLY.items():
                if re.search(pattern, code, flags=re.IGNORECASE):
                    found.append(f"{path.relative_to(DBT_PROJECT)}:{number}: {code.strip()} (use {instead})")
    assert not found, "\n".join(found)


def test_the_check_finds_a_duckdb_only_spelling():
    line = "select * exclude (_end) from final group by all"
    assert [pattern for pattern in DUCKDB_ONLY if re.search(pattern, line, flags=re.IGNORECASE)] == [
        r"\bgroup\s+by\s+all\b", r"\*\s*exclude\s*\("]
