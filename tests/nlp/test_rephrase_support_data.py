"""Our generated support-chat rephrase training pairs: reproducible, balanced, six languages, and
disjoint from every text the rephrase model is scored on."""

import csv
import random
import sys
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
sys.path.insert(0, str(DATA))

import rephrase_support_generate as gen  # noqa: E402

HEADER = ["label", "a", "b", "lang", "kind", "split", "group"]


def _rows() -> list[dict[str, str]]:
    with (DATA / "rephrase_support_train.tsv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        assert reader.fieldnames == HEADER
        return list(reader)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return _rows()


def test_file_is_what_the_seeded_generator_writes(rows: list[dict[str, str]]) -> None:
    generated = gen.generate(gen.blocked_texts())
    assert [tuple(r[k] for k in HEADER) for r in rows] == generated
    # Deterministic: a second run (no blocked texts, to keep it quick) gives the same pairs.
    assert gen.generate([]) == gen.generate([])


def test_no_pair_holds_a_near_copy_of_a_scored_text(rows: list[dict[str, str]]) -> None:
    blocked = [gen.fold(t) for t in gen.blocked_texts()]
    # The chat pairs (both splits) and the hand-written checks are both in the list this guards.
    assert gen.fold("todavía no recibí mi pedido") in blocked
    assert gen.fold("como cambio mi contrasena") in blocked
    assert gen.fold("¿Y cuánto cuesta el plan premium para empresas?") in blocked
    index = gen.Blocked(blocked)
    copies = sorted({text for r in rows for k in ("a", "b") if index.hit(text := gen.fold(r[k]))})
    assert not copies, copies[:10]


def test_the_blocked_index_answers_like_near_copy_against_every_text(rows: list[dict[str, str]]) -> None:
    # The index only skips comparisons that cannot match; checked against the plain loop on
    # generated texts and on light edits of the blocked texts themselves (which must all hit).
    rng = random.Random(5)
    blocked = [gen.fold(t) for t in gen.blocked_texts()]
    index = gen.Blocked(blocked)
    edited = [gen.fold(gen._typos(t, rng) + rng.choice(["", " ok", "!!"])) for t in rng.sample(blocked, 150)]
    generated = [gen.fold(r[rng.choice("ab")]) for r in rng.sample(rows, 300)]
    for text in edited + generated:
        assert index.hit(text) == any(gen.near_copy(text, b) for b in blocked), text
    assert sum(index.hit(t) for t in edited) > 100  # most light edits are near-copies


def test_every_language_has_both_labels_in_train_and_dev_and_labels_are_balanced(
    rows: list[dict[str, str]],
) -> None:
    counts = Counter((r["lang"], r["split"], r["label"]) for r in rows)
    assert {lang for lang, _, _ in counts} == {"en", "es", "pt", "fr", "de", "it"}
    for lang in gen.LANGS:
        for split in ("train", "dev"):
            pos, neg = counts[lang, split, "1"], counts[lang, split, "0"]
            assert min(pos, neg) >= 50, (lang, split, pos, neg)
            assert 0.4 <= pos / (pos + neg) <= 0.6, (lang, split, pos, neg)


def test_the_kinds_of_pairs_are_all_there_with_their_labels(rows: list[dict[str, str]]) -> None:
    kinds = Counter((r["kind"], r["label"]) for r in rows)
    assert set(kinds) == {
        ("reword", "1"),
        ("reask", "1"),
        ("typo", "1"),
        ("frame", "0"),
        ("other_request", "0"),
        ("number", "0"),
        ("unrelated", "0"),
        ("swap", "0"),
    }
    assert min(kinds.values()) >= 50
    assert len({(gen.fold(r["a"]), gen.fold(r["b"])) for r in rows}) == len(rows)  # no repeats


def test_a_request_and_its_pairs_stay_on_one_side_of_the_dev_split(rows: list[dict[str, str]]) -> None:
    sides: dict[str, set[str]] = {}
    for r in rows:
        sides.setdefault(r["group"], set()).add(r["split"])
    assert all(len(s) == 1 for s in sides.values())
    dev = sum(s == {"dev"} for s in sides.values()) / len(sides)
    assert 0.15 < dev < 0.35


def test_number_pairs_differ_only_by_their_number_and_reasks_keep_it(rows: list[dict[str, str]]) -> None:
    import re

    def numbers(text: str) -> set[str]:
        return set(re.findall(r"\d+", text))

    for r in rows:
        if r["kind"] == "swap":
            assert sorted(gen.fold(r["a"]).split()) != sorted(gen.fold(r["b"]).split()) or r["a"] != r["b"]
        if r["kind"] == "number":
            assert numbers(r["a"]), r
            assert numbers(r["b"]), r
            assert numbers(r["a"]) != numbers(r["b"]), r
        elif r["label"] == "1" and numbers(r["a"]):
            assert numbers(r["a"]) == numbers(r["b"]), r


def test_helpers_make_the_edits_they_name() -> None:
    rng = random.Random(3)
    assert gen._strip_accents("¿Dónde está mi reembolso? Rückerstattung") == "¿Donde esta mi reembolso? Ruckerstattung"
    typo = gen._typos("verification code missing", rng)
    assert typo != "verification code missing"
    assert sorted(typo) == sorted("verification code missing")  # letters swapped, none lost
    for _ in range(50):
        other = gen._other_number("4512", rng)
        assert other != "4512"
        assert len(other) == 4
    # German fillers carry nominative | keyword | accusative | dative forms.
    assert (
        gen._fill("von {d} fehlt jede Spur", "der Beleg|Beleg|den Beleg|dem Beleg", "")
        == "von dem Beleg fehlt jede Spur"
    )
    assert gen._fill("{k} ändern", "das Kennwort|Kennwort", "") == "Kennwort ändern"
    assert gen._fill("wo ist Bestellung {n}?", "", "8841") == "wo ist Bestellung 8841?"
