"""Stable entry point for sensitive-data detection: ``detect(texts) -> findings per text``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from apps.detection.findings import ENTITY_TYPES, Finding
from apps.detection.ner import entity_findings, ner_windows
from apps.detection.pipeline import findings_for_text, install
from apps.nlp.runtime import get_nlp, register_component_installer

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import Pipe
    from spacy.tokens import Doc

__all__ = ["ENTITY_TYPES", "Finding", "detect"]

NER_BATCH_SIZE = 64

register_component_installer(install)


def _ner_steps(nlp: Language) -> list[Pipe]:
    """The pipes NER needs: itself, plus the shared tok2vec only if NER listens to it (the
    small English pipeline's NER embeds its own, so the shared one is skipped)."""
    if "ner" not in nlp.pipe_names:
        return []
    steps: list[Pipe] = []
    arch = str(nlp.config["components"]["ner"]["model"].get("tok2vec", {}).get("@architectures", ""))
    # get_pipe is typed as any Doc -> Doc callable; the "ner" and "tok2vec" factories always
    # build spaCy Pipe subclasses, which have the batched .pipe() used below.
    if "Listener" in arch and "tok2vec" in nlp.pipe_names:
        steps.append(cast("Pipe", nlp.get_pipe("tok2vec")))
    steps.append(cast("Pipe", nlp.get_pipe("ner")))
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
                stream: Iterable[Doc] = (nlp.make_doc(texts[i][lo:hi]) for i, lo, hi in windows)
                for step in steps:
                    stream = step.pipe(stream, batch_size=NER_BATCH_SIZE)
                for (i, lo, _hi), doc in zip(windows, stream, strict=True):
                    entities[i].extend(entity_findings(doc.ents, offset=lo))
    _drop_german_nouns(texts, entities)
    return [findings_for_text(text, found) for text, found in zip(texts, entities, strict=True)]


# German capitalises every noun, and the English model tags lone nouns ("Konto",
# "Entschuldigung") as names or places. In German text a one-word entity counts only after a
# cue that introduces a person; two-word names ("Klaus Müller") stand as they are.
_GERMAN_NAME_CUE = re.compile(
    r"(?:ich bin|ich heiße|ich heisse|mein name ist|name:|herr|frau|dr\.|kollegin|kollege|ansprechpartner(?:in)?:?)\s*\Z",
    re.IGNORECASE,
)


def _drop_german_nouns(texts: list[str], entities: list[list[Finding]]) -> None:
    from apps.nlp.language import detect_languages

    candidates = [i for i, found in enumerate(entities) if any(" " not in texts[i][f.start : f.end] for f in found)]
    if not candidates:
        return
    for i, language in zip(candidates, detect_languages([texts[i] for i in candidates]), strict=True):
        if language != "de":
            continue
        text = texts[i]
        entities[i] = [
            f
            for f in entities[i]
            if " " in text[f.start : f.end] or _GERMAN_NAME_CUE.search(text[max(0, f.start - 30) : f.start])
        ]
