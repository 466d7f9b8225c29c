# The README's two commands: `make run` and `make test`. Both install from uv.lock first.
# uv itself comes from PyPI when it is not on the machine.
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
export DAGSTER_HOME := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false

.PHONY: install run test dev validate-definitions sample

install:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen

run: install
	$(UV) run ctg refresh --sample

test: install
	$(UV) run pytest

dev: install
	$(UV) run dagster dev

validate-definitions: install
	$(UV) run dagster definitions validate

sample:
	$(UV) run python scripts/generate_sample.py
