.PHONY: run test test-slow lint format bench screenshots

run:  ## set up everything, seed the demo organization, start web + worker
	./scripts/run.sh

test:  ## install and run the test suite (what CI runs)
	./scripts/test.sh

test-slow:  ## long fault/load tests
	./scripts/test.sh -m slow

lint:  ## ruff, import-linter (layers), mypy — also run first by `make test`
	./scripts/lint.sh

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

bench:  ## performance figures quoted in the README
	.venv/bin/python tests/benchmarks/ingest.py

screenshots:  ## PNGs of every dashboard page on the demo organization, into docs/screenshots/
	./scripts/screenshots.sh
