"""Names, places and companies on public NER data we never tuned on: PERSON / LOCATION / ORGANIZATION.

    .venv/bin/python tests/benchmarks/detect_public_ner.py FILE [FILE ...] [--misses TYPE] [--spacy]

Our own labelled sets (tests/data/sensitive_*.jsonl) are generated from templates and lists
the rules were written with; the outside probe's held-out figures for these three types were
far below them (PERSON recall 0.61, LOCATION recall 0.50, ORGANIZATION precision 0.29). This
scores ``apps.detection.sensitive.detect`` on human-annotated public text instead, one
sentence per text:

- Universal NER, English Web Treebank (``en_ewt-ud-test.iob2``: answers, e-mails, reviews,
  newsgroups, blogs; PER / LOC / ORG), ``github:UniversalNER/UNER_English-EWT`` @ 8ed072d, CC-BY-SA 4.0;
- Broad Twitter Corpus (``train_dev_test_conll/btc.test``, section F; PER / LOC / ORG),
  ``github:GateNLP/broad_twitter_corpus`` @ 0c45ef7, CC-BY 4.0;
- Universal NER, Portuguese-Bosque (``pt_bosque-ud-test.iob2``; its train split is the one we
  tuned Portuguese rules on), ``github:UniversalNER/UNER_Portuguese-Bosque`` @ f2c2ad6, and
  German-PUD (``de_pud-ud-test.iob2``, test only), ``github:UniversalNER/UNER_German-PUD`` @ 47eb039,
  both CC-BY-SA 4.0;
- WNUT-17 emerging entities (``emerging.test.annotated``; person / location / corporation
  scored, group / product / creative-work ignored: a prediction on them counts neither way),
  ``github:leondz/emerging_entities_17`` @ e52a2d2, CC-BY 4.0.

- presidio-research's synthetic set (``data/synth_dataset_v2.json``: 1,500 template sentences
  filled by Faker in many locales, the data Presidio is evaluated on; PERSON / GPE /
  ORGANIZATION scored, street addresses, dates, titles and the rest ignored),
  ``github:microsoft/presidio-research`` @ 7622dec, MIT. Its templates are split by the parity
  of ``template_id``: ``--half even`` is the half rules may be chosen on, ``--half odd`` (the
  default) is held out. ``--all-types`` also scores its cards, phones, e-mails, IBANs, SSNs and
  IP addresses.

Files ending in ``.iob2`` are read with their ``# text =`` lines (original spacing); others are
CoNLL (token, tab, tag) joined with single spaces. Entity-level precision / recall / F1 per type:
``exact`` needs the same type and offsets, ``overlap`` the same type and any shared character.
Detections of other types (phones, e-mails...) are listed, not scored. ``--presidio`` scores Presidio's analyzer (``tests/benchmarks/detect.py``'s setup; install it
as that file's docstring says). ``--spacy`` also scores
the bare spaCy pipeline (PERSON; GPE, LOC, FAC; ORG) on the same sentences: what NER alone
finds before our windows and filters. Not a timed test; docs/detection.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from apps.detection.sensitive import detect  # noqa: E402

Entity = tuple[str, int, int]
TYPES = ("PER", "LOC", "ORG")
# Gold tags of the three sets, and ours / spaCy's labels, on one scale.
GOLD = {
    "PER": "PER",
    "person": "PER",
    "PERSON": "PER",
    "LOC": "LOC",
    "location": "LOC",
    "GPE": "LOC",
    "ORG": "ORG",
    "corporation": "ORG",
    "ORGANIZATION": "ORG",
}
OURS = {"PERSON": "PER", "LOCATION": "LOC", "ORGANIZATION": "ORG"}
SPACY = {"PERSON": "PER", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "ORG": "ORG"}
IGNORED = "IGNORED"


def _entities(pieces: list[tuple[int, int, str]]) -> list[Entity]:
    """BIO tags over character ranges → entities; tags of unscored kinds become IGNORED."""
    found: list[Entity] = []
    current: list[str | int] | None = None
    for start, end, tag in pieces:
        kind = tag[2:] if tag[:2] in ("B-", "I-") else ""
        label = GOLD.get(kind, IGNORED) if kind else ""
        if tag.startswith("I-") and current is not None and current[0] == label:
            current[2] = end
            continue
        if current is not None:
            found.append((str(current[0]), int(current[1]), int(current[2])))
        current = [label, start, end] if label else None
    if current is not None:
        found.append((str(current[0]), int(current[1]), int(current[2])))
    return found


def read_iob2(path: Path) -> list[tuple[str, list[Entity]]]:
    sentences: list[tuple[str, list[Entity]]] = []
    text: str | None = None
    tokens: list[tuple[str, str]] = []

    def flush() -> None:
        if text is None or not tokens:
            return
        pieces, position = [], 0
        for token, tag in tokens:
            start = text.find(token, position)
            if start < 0:
                return  # a token that is not in the text as written: skip the sentence
            position = start + len(token)
            pieces.append((start, position, tag))
        sentences.append((text, _entities(pieces)))

    for line in path.open(encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# text = "):
            text = line[len("# text = ") :]
        elif line.startswith("#"):
            continue
        elif not line.strip():
            flush()
            text, tokens = None, []
        else:
            columns = line.split("\t")
            tokens.append((columns[1], columns[2]))
    flush()
    return sentences


def read_conll(path: Path) -> list[tuple[str, list[Entity]]]:
    sentences: list[tuple[str, list[Entity]]] = []
    tokens: list[tuple[str, str]] = []

    def flush() -> None:
        pieces: list[tuple[int, int, str]] = []
        parts: list[str] = []
        length = 0
        for token, tag in tokens:
            start = length + (1 if parts else 0)
            parts.append(token)
            length = start + len(token)
            pieces.append((start, length, tag))
        if parts:
            sentences.append((" ".join(parts), _entities(pieces)))

    for line in path.open(encoding="utf-8"):
        columns = line.rstrip("\n").split("\t")
        if not columns[0].strip():
            flush()
            tokens = []
            continue
        if len(columns) < 2:
            columns = columns[0].split()
        tokens.append((columns[0], columns[-1] or "O"))
    flush()
    return sentences


def read_presidio(path: Path, half: str) -> list[tuple[str, list[Entity]]]:
    """presidio-research's JSON: ``full_text`` and ``spans`` with character offsets; only the
    templates of one parity of ``template_id`` (``half``)."""
    sentences: list[tuple[str, list[Entity]]] = []
    for sample in json.loads(path.read_text(encoding="utf-8")):
        if sample["template_id"] % 2 != (half == "odd"):
            continue
        gold = [
            (GOLD.get(span["entity_type"], IGNORED), span["start_position"], span["end_position"])
            for span in sample["spans"]
        ]
        sentences.append((sample["full_text"], gold))
    return sentences


def _overlaps(a: Entity, b: Entity) -> bool:
    return a[1] < b[2] and b[1] < a[2]


# ``--all-types`` (presidio JSON): the pattern types too, on the same scale.
PATTERN_TYPES = {
    "CREDIT_CARD": "CARD",
    "PHONE_NUMBER": "PHONE",
    "PHONE": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "EMAIL": "EMAIL",
    "IBAN_CODE": "IBAN",
    "IBAN": "IBAN",
    "US_SSN": "SSN",
    "SSN": "SSN",
    "IP_ADDRESS": "IP",
}


class Score:
    def __init__(self, types: tuple[str, ...] = TYPES) -> None:
        self.types = types
        self.exact = {kind: Counter[str]() for kind in types}
        self.overlap = {kind: Counter[str]() for kind in types}

    def add(self, gold: list[Entity], predicted: set[Entity]) -> None:
        ignored = [g for g in gold if g[0] == IGNORED]
        predicted = {p for p in predicted if not any(_overlaps(p, g) for g in ignored)}
        for kind in self.types:
            g = {e for e in gold if e[0] == kind}
            p = {e for e in predicted if e[0] == kind}
            self.exact[kind].update(tp=len(g & p), fp=len(p - g), fn=len(g - p))
            self.overlap[kind].update(
                tp=sum(any(_overlaps(x, y) for y in p) for x in g),
                fn=sum(not any(_overlaps(x, y) for y in p) for x in g),
                fp=sum(not any(_overlaps(y, x) for x in g) for y in p),
            )

    @staticmethod
    def _prf(c: Counter[str]) -> str:
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return f"P {precision:.3f} R {recall:.3f} F1 {f1:.3f} (tp {c['tp']} fp {c['fp']} fn {c['fn']})"

    def report(self, name: str) -> None:
        for mode, table in (("exact", self.exact), ("overlap", self.overlap)):
            for kind in self.types:
                print(f"  {name} {mode:7s} {kind}: {self._prf(table[kind])}")
            print(f"  {name} {mode:7s} all: {self._prf(sum(table.values(), Counter()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--misses", choices=TYPES, help="print sentences where this type was missed or invented")
    parser.add_argument("--spacy", action="store_true", help="also score the bare spaCy pipeline")
    parser.add_argument(
        "--presidio",
        action="store_true",
        help="also score Presidio's analyzer (as tests/benchmarks/detect.py sets it up)",
    )
    parser.add_argument(
        "--all-types", action="store_true", help="presidio JSON: score cards, phones, e-mails, IBANs, SSNs, IPs too"
    )
    parser.add_argument(
        "--half", choices=("even", "odd"), default="odd", help="presidio JSON: the templates to score (odd: held out)"
    )
    args = parser.parse_args()
    types, ours_map = TYPES, dict(OURS)
    if args.all_types:
        GOLD.update(PATTERN_TYPES)
        ours_map.update(PATTERN_TYPES)
        types = (*TYPES, *sorted(set(PATTERN_TYPES.values())))
    for path in args.files:
        if path.suffix == ".json":
            sentences = read_presidio(path, args.half)
        else:
            sentences = read_iob2(path) if path.suffix == ".iob2" else read_conll(path)
        texts = [text for text, _ in sentences]
        ours, other = Score(types), Counter[str]()
        for (text, gold), findings in zip(sentences, detect(texts), strict=True):
            predicted = {(ours_map[f.type], f.start, f.end) for f in findings if f.type in ours_map}
            other.update(f.type for f in findings if f.type not in ours_map)
            ours.add(gold, predicted)
            if args.misses:
                # As scored: a prediction on an ignored span counts neither way.
                ignored = [g for g in gold if g[0] == IGNORED]
                scored = {p for p in predicted if not any(_overlaps(p, g) for g in ignored)}
                wrong = {e for e in scored ^ {g for g in gold if g[0] != IGNORED} if e[0] == args.misses}
                if wrong:
                    shown = [(e[0], text[e[1] : e[2]], "gold" if e not in predicted else "ours") for e in wrong]
                    print(f"    {text[:160]}\n      {shown}")
        print(f"{path.name}: {len(sentences)} sentences, {sum(len(g) for _, g in sentences)} gold entities")
        ours.report("tessera")
        print(f"  tessera other types found (not scored): {dict(other)}")
        if args.spacy:
            import spacy

            from apps.nlp.runtime import DISABLED_COMPONENTS, pipeline_name

            nlp = spacy.load(pipeline_name() or "", exclude=list(DISABLED_COMPONENTS))  # without our components
            bare = Score(types)
            for (_, gold), doc in zip(sentences, nlp.pipe(texts, batch_size=256), strict=True):
                bare.add(gold, {(SPACY[e.label_], e.start_char, e.end_char) for e in doc.ents if e.label_ in SPACY})
            bare.report("spacy  ")
        if args.presidio:
            from detect import presidio_engine  # tests/benchmarks/detect.py

            theirs = Score(types)
            names = {"PERSON": "PER", "LOCATION": "LOC", "ORGANIZATION": "ORG", **PATTERN_TYPES}
            engine = presidio_engine()
            for (_, gold), results in zip(sentences, engine.analyze_iterator(texts, language="en"), strict=True):
                theirs.add(gold, {(names[r.entity_type], r.start, r.end) for r in results if r.entity_type in names})
            theirs.report("presidio")


if __name__ == "__main__":
    main()
