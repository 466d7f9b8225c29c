"""Errors raised when an extract breaks its contract.

Messages are in French because they are about the content of a user's file: they name the
file, the line, the column and the rule, so that whoever dropped the file can fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class ContractViolation:
    """One broken rule at one place of one file."""

    file: str
    rule: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [f"fichier {self.file}"]
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.column is not None:
            where.append(f"colonne {self.column}")
        return f"{', '.join(where)} : {self.message} [règle {self.rule}]"


class ContractError(Exception):
    """A file was rejected as a whole; carries every violation found (the first ones)."""

    def __init__(self, violations: list[ContractViolation]):
        self.violations = violations
        super().__init__("\n".join(str(v) for v in violations))

    @classmethod
    def single(
        cls,
        file: str | Path,
        rule: str,
        message: str,
        line: int | None = None,
        column: str | None = None,
    ) -> ContractError:
        return cls([ContractViolation(Path(file).name, rule, message, line, column)])
