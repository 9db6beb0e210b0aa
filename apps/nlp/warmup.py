"""Load every NLP detector of this app once per worker process, before it takes work.

Without it the first batch a process enriches pays for building the language detectors and
loading Lingua's n-gram models (seconds; tens of seconds on a busy machine), the sentiment
lexicons and the static embeddings. Called by the Celery ``worker_process_init`` signal
(``config/celery.py``) and gunicorn's ``post_fork`` hook (``config/gunicorn.py``); pure Python,
no database or Django settings needed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

# Warm-up steps of the apps above this one (detection's recognizers and NER), which this app
# may not import: each registers its own from its AppConfig.ready().
_registered: dict[str, Callable[[], object]] = {}


def register_warm_up(name: str, step: Callable[[], object]) -> None:
    """Run ``step()`` as part of ``warm_up`` (after this app's own detectors)."""
    _registered[name] = step


def warm_up() -> dict[str, float]:
    """Build and exercise each detector; returns seconds per detector."""
    from apps.nlp import embeddings, intents, language
    from apps.nlp.rephrase import rephrase_scores
    from apps.nlp.sentiment import score_sentiment

    steps: dict[str, Callable[[], object]] = {
        "language": language.warm_up,
        "sentiment": lambda: score_sentiment(["thanks, that worked"]),
        "embeddings": lambda: (
            embeddings.embed(["warm up"]),
            rephrase_scores([("reset my password", "password reset")]),
        ),
        "intents": lambda: intents.cluster_intents(["reset my password", "password reset", "where is my card"]),
    }
    steps.update(_registered)
    seconds: dict[str, float] = {}
    for name, step in steps.items():
        start = time.perf_counter()
        step()
        seconds[name] = round(time.perf_counter() - start, 3)
    logger.info("nlp warm-up done", extra={"seconds": seconds})
    return seconds
