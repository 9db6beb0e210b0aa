"""The detection component in the shared spaCy pipeline (``apps.nlp.runtime``).

``install`` is registered with the runtime, so every ``get_nlp()`` pipeline ends with the
``tessera_sensitive`` component: enrichment that calls ``nlp.pipe`` once gets
``doc._.sensitive_findings`` next to its other annotations. ``detect`` calls the same
recognizers but drives NER itself, so NER sees only the windows of text that can hold a name
(see ``ner.ner_windows``).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from apps.detection.entity_rules import (
    companies_after_people,
    propagate_person_names,
    refine_entities,
    trim_names_at_stronger,
    trim_person_titles,
)
from apps.detection.findings import Finding, resolve_overlaps
from apps.detection.ner import entity_findings
from apps.detection.recognizers import MIN_SCORE, recognize_patterns

COMPONENT = "tessera_sensitive"
EXTENSION = "sensitive_findings"

if not Doc.has_extension(EXTENSION):
    Doc.set_extension(EXTENSION, default=None)


def findings_for_text(text: str, entities: list[Finding], *, patterns: list[Finding] | None = None) -> list[Finding]:
    """Pattern findings (``patterns`` when the caller already ran the recognizers) plus the given
    NER findings (after ``refine_entities``), overlaps resolved."""
    findings = recognize_patterns(text, MIN_SCORE) if patterns is None else list(patterns)
    findings.extend(refine_entities(text, entities))
    findings = resolve_overlaps(trim_names_at_stronger(text, findings))
    return companies_after_people(text, propagate_person_names(text, trim_person_titles(text, findings)))


def findings_for_doc(doc: Doc) -> list[Finding]:
    return findings_for_text(doc.text, entity_findings(doc.ents))


@Language.component(COMPONENT)
def sensitive_component(doc: Doc) -> Doc:
    doc._.set(EXTENSION, findings_for_doc(doc))
    return doc


def install(nlp: Language) -> None:
    """Runtime installer: the component goes last so it sees the entities NER produced."""
    if COMPONENT not in nlp.pipe_names:
        nlp.add_pipe(COMPONENT, last=True)
