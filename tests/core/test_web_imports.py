"""The web process (pages, API, ingestion) never loads the NLP stack.

CONVENTIONS.md: heavy libraries load lazily, once per worker process, off the import and request
path. A top-level import of an enrichment module from a page or API module once put spaCy and its
models' libraries into every gunicorn worker (+200 MB RSS each); this keeps it from coming back.
The statistics stack (NumPy, SciPy, statsmodels) is allowed: the metrics API answers with it.
"""

import subprocess
import sys

from tests.helpers import ROOT, process_env

HEAVY = ("spacy", "thinc", "lingua", "fasttext", "tokenizers", "vaderSentiment", "apps.nlp.embeddings")

PROBE = f"""
import sys
from config.wsgi import application
from django.urls import get_resolver
get_resolver().url_patterns  # every page and API module of the public URL conf
import config.urls_tenants  # and of an organization's
print("HEAVY=" + ",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_loading_every_url_module_imports_no_heavy_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=process_env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "HEAVY=" in result.stdout, result.stderr[-2000:]
    assert result.stdout.rsplit("HEAVY=", 1)[1].strip() == "", f"loaded at import: {result.stdout}"
