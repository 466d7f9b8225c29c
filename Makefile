# The README's two commands: `make run` and `make test`. Both install from uv.lock first.
# uv itself comes from PyPI when it is not on the machine, into a private virtual
# environment (a system Python may refuse `pip install`, PEP 668).
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/uv/bin/uv)
export DAGSTER_HOME := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false

.PHONY: install run test lint dbt-registry dev validate-definitions sample

# Bytecode compiled at install: with PYTHONDONTWRITEBYTECODE set (as on our machines), every
# process would otherwise compile dagster, dbt and GX from source (about 29 s instead of 13 s).
# Then the dbt project is parsed for the sample's build database (`ctg prepare`, as
# dagster-dbt prepares a manifest at deploy time): the first `make run` starts on it.
# A stamp in .venv records that this lock was installed: `make run` and `make test` then go
# straight to their command (a second `uv sync --compile-bytecode` and `ctg prepare` cost 2 s),
# with `uv run --no-sync`: a plain `uv run` found the project "not fresh" after every install
# and built and installed it again before each command (1 to 2 s).
INSTALLED := .venv/.installed-lock

install: $(INSTALLED)

$(INSTALLED): uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode
	$(UV) run --no-sync ctg prepare --sample
	touch $@

$(CURDIR)/.tools/uv/bin/uv:
	python3 -m venv $(CURDIR)/.tools/uv
	$(CURDIR)/.tools/uv/bin/pip install --quiet uv

run: install
	$(UV) run --no-sync ctg refresh --sample

# Two workers; the tests sharing the sample refresh stay on one (conftest.py, xdist_group).
test: install
	$(UV) run --no-sync pytest -n 2 --dist loadgroup

# ruff on the Python, sqlfluff (jinja templater, no database) on the dbt models and tests.
lint: install
	$(UV) run --no-sync ruff check .
	cd dbt_project && $(UV) run --no-sync sqlfluff lint models tests
	$(UV) run --no-sync python -m orchestration.transform.registry_sync --check

# What dbt knows of the sources, regenerated from ingest/registry.py.
dbt-registry: install
	$(UV) run --no-sync python -m orchestration.transform.registry_sync

dev: install
	$(UV) run --no-sync dagster dev

validate-definitions: install
	$(UV) run --no-sync dagster definitions validate

sample:
	$(UV) run --frozen python scripts/generate_sample.py
	$(UV) run --frozen python scripts/generate_structures_sample.py
	$(UV) run --frozen python scripts/generate_permis_sample.py
	$(UV) run --frozen python scripts/generate_suivi_sample.py
