"""The shared spaCy pipeline: its layers multiply through NumPy, and that changes no entity."""

from __future__ import annotations

import spacy
from thinc.api import NumpyOps

from apps.nlp.runtime import DISABLED_COMPONENTS, get_nlp, pipeline_name

TEXTS = [
    "Hi Sarah, my name is John Smith and I work at Acme Foods in Berlin.",
    "Subject: Next steps for Umbrella Health\n\nDear Ryan,\n\nThanks again for your time.",
    "Please add Olivia Turner's details and upload proof of relationship.",
    "customers like Stark Logistics cut handling time by 26% since March 2024",
    "Ich bin Klaus Müller und wohne in Wien, meine Firma ist die Siemens AG.",
    "Me llamo María García y vivo en Madrid con mi familia.",
    "Write a short e-mail to Grace Johnson at Northwind Traders after yesterday's demo.",
    "Open the portal and choose Reset, then sign in again.",
]


def _entities(nlp: spacy.language.Language) -> list[list[tuple[str, int, int]]]:
    ner = nlp.get_pipe("ner")
    docs = ner.pipe((nlp.make_doc(text) for text in TEXTS), batch_size=4)
    return [[(e.label_, e.start_char, e.end_char) for e in doc.ents] for doc in docs]


def test_every_layer_multiplies_through_numpy() -> None:
    nlp = get_nlp()
    assert "ner" in nlp.pipe_names
    nodes = [node for _, pipe in nlp.pipeline if hasattr(pipe, "model") for node in pipe.model.walk()]
    assert len(nodes) > 10
    assert all(isinstance(node.ops, NumpyOps) and not node.ops.use_blis for node in nodes)


def test_the_same_entities_as_with_thincs_default_blis() -> None:
    default = spacy.load(pipeline_name(), exclude=list(DISABLED_COMPONENTS))
    assert any(getattr(node.ops, "use_blis", False) for node in default.get_pipe("ner").model.walk())
    expected = _entities(default)
    assert sum(map(len, expected)) >= 10  # the texts do hold entities
    assert _entities(get_nlp()) == expected
