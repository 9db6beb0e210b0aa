"""Stable entry point for sensitive-data detection: ``detect(texts) -> findings per text``."""

from __future__ import annotations

from apps.detection.findings import ENTITY_TYPES, Finding
from apps.detection.ner import entity_findings, ner_windows
from apps.detection.pipeline import findings_for_text, install
from apps.nlp.runtime import get_nlp, register_component_installer

__all__ = ["ENTITY_TYPES", "Finding", "detect"]

NER_BATCH_SIZE = 64

register_component_installer(install)


def _ner_steps(nlp: object) -> list[object]:
    """The pipes NER needs: itself, plus the shared tok2vec only if NER listens to it (the
    small English pipeline's NER embeds its own, so the shared one is skipped)."""
    if "ner" not in nlp.pipe_names:  # type: ignore[attr-defined]
        return []
    steps = []
    arch = str(nlp.config["components"]["ner"]["model"].get("tok2vec", {}).get("@architectures", ""))  # type: ignore[attr-defined]
    if "Listener" in arch and "tok2vec" in nlp.pipe_names:  # type: ignore[attr-defined]
        steps.append(nlp.get_pipe("tok2vec"))  # type: ignore[attr-defined]
    steps.append(nlp.get_pipe("ner"))  # type: ignore[attr-defined]
    return steps


def detect(texts: list[str]) -> list[list[Finding]]:
    """Findings for each text, sorted by offset, non-overlapping, score >= ``MIN_SCORE``.

    Pattern recognizers run on every text (compiled regexes plus checksum libraries, tens of
    microseconds). NER, about a hundred times dearer, runs batched through the shared
    pipeline's ``ner`` only on the windows around capitalised words (``ner_windows``); most
    messages have none. Tokenization happens inside a spaCy memory zone, so the vocabulary
    does not grow with every new token over a long-running worker.
    """
    if not texts:
        return []
    nlp = get_nlp()
    steps = _ner_steps(nlp)
    entities: list[list[Finding]] = [[] for _ in texts]
    if steps:
        windows = [(i, lo, hi) for i, text in enumerate(texts) for lo, hi in ner_windows(text)]
        if windows:
            with nlp.memory_zone():
                stream = (nlp.make_doc(texts[i][lo:hi]) for i, lo, hi in windows)
                for step in steps:
                    stream = step.pipe(stream, batch_size=NER_BATCH_SIZE)  # type: ignore[attr-defined]
                for (i, lo, _hi), doc in zip(windows, stream, strict=True):
                    entities[i].extend(entity_findings(doc.ents, offset=lo))
    return [findings_for_text(text, found) for text, found in zip(texts, entities, strict=True)]
