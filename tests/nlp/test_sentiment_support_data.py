"""Our support-chat sentiment training set stays disjoint from every text we score on."""

import random
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
sys.path.insert(0, str(DATA))

import sentiment_support_generate as gen  # noqa: E402


def _rows() -> list[list[str]]:
    lines = (DATA / "sentiment_support_train.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "lang\tlabel\ttext"
    return [line.split("\t", 2) for line in lines[1:] if line]


def _plain_levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (ca != cb))
    return row[-1]


def test_edit_distance_matches_the_textbook_recurrence() -> None:
    rng = random.Random(7)
    for _ in range(500):
        a = "".join(rng.choice("abé ") for _ in range(rng.randint(0, 40)))
        b = "".join(rng.choice("abé ") for _ in range(rng.randint(0, 40)))
        assert gen.edit_distance(a, b) == _plain_levenshtein(a, b), (a, b)


def test_near_copy_catches_light_edits_and_not_shared_phrases() -> None:
    test = gen.fold("no funciona nada")
    assert gen.near_copy(gen.fold("¡No funciona nada!!"), test)
    assert gen.near_copy(gen.fold("no funciona nadaa"), test)
    assert gen.near_copy(gen.fold("pues no funciona nada"), test)  # contains the whole test text
    assert not gen.near_copy(gen.fold("el botón de pago no funciona"), test)


def test_no_training_text_is_a_near_copy_of_a_scored_text() -> None:
    scored = [gen.fold(t) for t in gen.test_texts()]
    # The support-chat set and the hand checks are both in the list this guards.
    assert gen.fold("Vivement ce soir !!") in scored
    assert gen.fold("toll, genau das brauchte ich") in scored
    assert len(scored) > 150
    copies = [(text, s) for _, _, text in _rows() for s in scored if gen.near_copy(gen.fold(text), s)]
    assert not copies, copies[:10]


def test_file_is_what_the_generator_writes() -> None:
    expected = [list(r) for r in gen.generate(gen.test_texts())]
    assert _rows() == expected


def test_every_language_and_class_is_covered() -> None:
    counts: dict[tuple[str, str], int] = {}
    for lang, label, _ in _rows():
        counts[lang, label] = counts.get((lang, label), 0) + 1
    assert set(counts) == {
        (lang, label) for lang in ("en", "es", "pt", "fr", "de", "it") for label in ("pos", "neg", "neu")
    }
    assert min(counts.values()) >= 80
    assert len({gen.fold(text) for _, _, text in _rows()}) == sum(counts.values())  # no repeats
