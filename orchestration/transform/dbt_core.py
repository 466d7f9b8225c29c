"""dagster-dbt imported without dbt-core, in the processes that only orchestrate dbt.

dagster-dbt imports dbt-core when it finds it (2 s: dbt's contracts, adapters and their
JSON schemas), for types and to select the manifest's nodes. Without it, as with dbt Fusion,
it reads the manifest as JSON and selects every node of it: the same assets, checks and
dependencies for this project (tests/unit/test_dbt_resource.py compares them). dbt itself
runs in its own process (`ctg-dbt`), which imports it; `CtgDbtCliResource` gives dagster-dbt
the version of dbt-core it would have found.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator


def _is_dbt_core(name: str) -> bool:
    return name == "dbt" or name.startswith("dbt.")


class _HiddenDbtCore:
    """An import finder that says dbt-core is not installed."""

    def find_spec(self, name, path=None, target=None):
        if _is_dbt_core(name):
            raise ImportError(f"dbt-core is not imported here ({name}): dbt runs in ctg-dbt", name=name)
        return None


@contextlib.contextmanager
def without_dbt_core() -> Iterator[None]:
    """dbt-core hidden while the block runs, even when this process already imported it."""
    hidden = {name: sys.modules.pop(name) for name in list(sys.modules) if _is_dbt_core(name)}
    finder = _HiddenDbtCore()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        sys.modules.update(hidden)
