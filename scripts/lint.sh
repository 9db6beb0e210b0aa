#!/usr/bin/env bash
# `make lint` (and the first step of `make test`): style, the layer contract, types.
source "$(dirname "$0")/env.sh"
ensure_venv
ruff check .
ruff format --check .
lint-imports --no-cache  # .importlinter: no upward import between apps, models never import services
mypy                     # [tool.mypy] in pyproject.toml: apps/ at zero errors
(cd clients/python && mypy)  # the SDK, strict, with its own settings (clients/python/pyproject.toml)
