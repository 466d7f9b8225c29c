"""Great Expectations suites for the extracts, run on the dataframes the readers produce.

GX does not run on DuckDB, so the suites validate dataframes before they are loaded; rules
that need the whole warehouse are dbt tests. Each failure is turned into a French
ContractViolation naming the file, the line and the column.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from ingest.errors import ContractViolation

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

COMMUNE = r"^(?:\d{5}|2[AB]\d{3})$"
MAX_EXAMPLES = 5
HEADERS_ATTR = "entetes"  # frame.attrs key: {column of the frame: header as spelled in the file}


@dataclass(frozen=True)
class Rule:
    """A GX expectation with the French wording of the rule it enforces."""

    name: str  # rule id shown to users
    message: str  # French, what a failing row breaks
    expectation: str  # GX expectation class name
    kwargs: tuple[tuple[str, object], ...]

    @property
    def column(self) -> str | None:
        return dict(self.kwargs).get("column")


@dataclass(frozen=True)
class Condition:
    """The rows a rule applies to: `column` equal to one of `values` (GX's row_condition, held
    without importing GX: a clean file is checked by DuckDB, and GX is imported only for a
    frame where some row may break a rule)."""

    column: str
    values: tuple

    def sql(self) -> str:
        literals = ", ".join("'" + str(value).replace("'", "''") + "'" for value in self.values)
        return f"coalesce({_quoted(self.column)} in ({literals}), false)"

    def gx(self):
        from great_expectations.expectations.row_conditions import Column

        return Column(self.column).is_in(list(self.values))


def where(column: str, *values) -> Condition:
    return Condition(column, tuple(values))


def rule(name: str, message: str, expectation: str, **kwargs) -> Rule:
    return Rule(name, message, expectation, tuple(sorted(kwargs.items())))


# The territory step's rule: the EPCI composition file may list a commune twice (its reader
# keeps every row). The sources' rules are in ingest/registry.py.
TERRITORY_RULES = [
    rule("cle_unique", "commune présente deux fois", "ExpectColumnValuesToBeUnique", column="code_commune"),
]


@lru_cache(maxsize=1)
def _context():
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # progress bars are cosmetic
        pass
    return context


# A French commune has at most about 2.2 million inhabitants (Paris): a count above this bound
# is a corrupt cell, not a figure (a census P16_POP of 1e20 once published a share of 1.8e-14 %).
MAX_COMMUNE_COUNT = 3_000_000


def plausible_counts(columns: list[str], maximum: int = MAX_COMMUNE_COUNT) -> list[Rule]:
    bound = f"{maximum:_}".replace("_", "\u202f")
    return [
        rule("comptage_invraisemblable", f"comptage invraisemblable pour une commune (plus de {bound})",
             "ExpectColumnValuesToBeBetween", column=column, max_value=maximum)
        for column in columns
    ]


def at_most(part: str, whole: str, name: str, message: str) -> Rule:
    """`part` <= `whole` on every row where both are known (masked cells are skipped)."""
    return rule(name, message, "ExpectColumnPairValuesAToBeGreaterThanB", column_A=whole, column_B=part,
                or_equal=True, ignore_row_if="either_value_is_missing")


_DEFINITIONS: dict[str, object] = {}
_GX_LOCK = threading.Lock()  # one GX context for the process, which is not thread-safe


def _validation_definition(rules: list[Rule]):
    """The GX validation of a list of rules, built once per process: a source's files share
    their rules, and building a suite and its data asset costs more than running it."""
    import great_expectations as gx

    key = repr(rules)
    if key not in _DEFINITIONS:
        context = _context()
        name = f"regles-{len(_DEFINITIONS)}"
        source = context.data_sources.add_or_update_pandas(name)
        batch_definition = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(name)
        suite = context.suites.add(gx.ExpectationSuite(name=name))
        for number, r in enumerate(rules):
            # GX orders its results by column, not as added: the rule travels in the meta.
            kwargs = {key: value.gx() if isinstance(value, Condition) else value for key, value in r.kwargs}
            suite.add_expectation(getattr(gx.expectations, r.expectation)(**kwargs, meta={"regle": number}))
        _DEFINITIONS[key] = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
        )
    return _DEFINITIONS[key]


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def failing_rows_sql(r: Rule) -> str | None:
    """A SQL condition true on a row that may break `r`, for the rules that can be written so
    (None for the others). It may be true where GX finds nothing (then GX decides), never the
    reverse: a frame on which no row meets it passes the rule."""
    kwargs = dict(r.kwargs)
    condition = kwargs.get("row_condition")
    if condition is not None and not isinstance(condition, Condition):
        return None
    broken = _broken_sql(r.expectation, kwargs)
    if broken is None or condition is None:
        return broken
    return f"{condition.sql()} and ({broken})"


def _broken_sql(expectation: str, kwargs: dict) -> str | None:
    if expectation == "ExpectColumnValuesToNotBeNull":
        return f"{_quoted(kwargs['column'])} is null"
    if expectation == "ExpectColumnValuesToBeBetween":
        column = _quoted(kwargs["column"])
        bounds = [f"{column} < {float(kwargs['min_value'])!r}" if kwargs.get("min_value") is not None else "",
                  f"{column} > {float(kwargs['max_value'])!r}" if kwargs.get("max_value") is not None else ""]
        return " or ".join(b for b in bounds if b) or None
    if expectation == "ExpectColumnValuesToMatchRegex":  # GX searches the pattern, as regexp_matches does
        pattern = kwargs["regex"].replace("'", "''")
        return f"not regexp_matches(cast({_quoted(kwargs['column'])} as varchar), '{pattern}')"
    if expectation == "ExpectColumnPairValuesAToBeGreaterThanB":
        a, b = _quoted(kwargs["column_A"]), _quoted(kwargs["column_B"])
        broken = f"{a} < {b}" if kwargs.get("or_equal") else f"{a} <= {b}"
        if kwargs.get("ignore_row_if") == "either_value_is_missing":
            return broken
        return f"coalesce({broken}, true) and not ({a} is null and {b} is null)"  # one side missing: GX decides
    return None


def passes_in_sql(rules: list[Rule], frame: pd.DataFrame) -> bool:
    """True when DuckDB finds no row that may break any of `rules`: one scan of the frame
    instead of a GX validation (0.3 to 0.6 s on a national file, most of it GX's own setup).
    False when it cannot tell (a rule it cannot write, a column it cannot read)."""
    from ingest.csvfile import parsing_cursor

    checks = []
    for r in rules:
        if r.expectation == "ExpectColumnValuesToBeUnique" and "row_condition" not in dict(r.kwargs):
            column = _quoted(r.column)
            checks.append(f"count({column}) > count(distinct {column})")
        elif (condition := failing_rows_sql(r)) is not None:
            checks.append(f"coalesce(bool_or({condition}), false)")
        else:
            return False
    try:
        with parsing_cursor() as cursor:
            cursor.register("checked_frame", frame)
            found = cursor.execute(f"select {', '.join(checks)} from checked_frame").fetchall()[0]
    except Exception:  # a type DuckDB cannot compare: GX decides
        return False
    return not any(found)


def validate(rules: list[Rule], frame: pd.DataFrame, file_name: str) -> list[ContractViolation]:
    """Run `rules` on `frame`, which has a `ligne` column; return the violations.

    DuckDB first looks for rows that may break a rule (`passes_in_sql`); only a frame where it
    finds some goes through GX, whose complete result names their lines and values."""
    if not rules or passes_in_sql(rules, frame):
        return []
    with _GX_LOCK:
        definition = _validation_definition(rules)
        result = definition.run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["ligne"]},
        )
    # Columns are named as the file spells them when the reader says how (frame.attrs).
    headers = frame.attrs.get(HEADERS_ATTR, {})
    violations: list[ContractViolation] = []
    for outcome in result.results:
        if outcome.success:
            continue
        r = rules[outcome.expectation_config.meta["regle"]]
        rows = outcome.result.get("unexpected_index_list") or [{}]
        for row in rows[:MAX_EXAMPLES]:
            column = r.column or dict(r.kwargs).get("column_B")
            value = row.get(column) if column else None
            detail = f" « {value} »" if value is not None and not pd.isna(value) else ""
            line = row.get("ligne")
            violations.append(
                ContractViolation(
                    file=file_name,
                    rule=r.name,
                    message=f"{r.message}{detail}",
                    line=int(line) if line is not None else None,
                    column=headers.get(column, column),
                )
            )
    return sorted(violations, key=lambda v: v.line or 0)
