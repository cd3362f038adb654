"""Presidio as an optional engine (``pip install presidio-analyzer``).

Presidio's own default engine downloads ``en_core_web_lg`` at start-up; this
one runs it on the offline small model instead. As a recogniser it contributes
people, organisations and places; ``detect_all`` exposes every default
recogniser, mapped to our types, so the benchmark can set Presidio beside us.
"""

from __future__ import annotations

import os
from typing import Any

from persona_memory.core.privacy import PiiSpan, PiiType
from persona_memory.providers.recognisers.spacy_ner import DEFAULT_MODEL

_TYPES = {
    "PERSON": PiiType.PERSON,
    "ORGANIZATION": PiiType.ORG,
    "ORG": PiiType.ORG,
    "LOCATION": PiiType.LOCATION,
    "EMAIL_ADDRESS": PiiType.EMAIL,
    "PHONE_NUMBER": PiiType.PHONE,
    "CREDIT_CARD": PiiType.CREDIT_CARD,
    "IBAN_CODE": PiiType.IBAN,
    "US_SSN": PiiType.US_SSN,
    "IP_ADDRESS": PiiType.IP_ADDRESS,
    "URL": PiiType.URL,
    "DATE_TIME": PiiType.DATE_OF_BIRTH,
}
_ENTITIES = ("PERSON", "LOCATION", "ORGANIZATION")


class PresidioRecogniser:
    name = "presidio"

    def __init__(self, model: str = DEFAULT_MODEL, *, all_entities: bool = False) -> None:
        # Without this, Presidio's email recogniser fetches the public suffix list.
        os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        configuration = {
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": model}],
        }
        engine = NlpEngineProvider(nlp_configuration=configuration).create_engine()
        self._analyzer: Any = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
        self._entities = None if all_entities else list(_ENTITIES)

    def recognise(self, text: str) -> list[PiiSpan]:
        return [s for s in self.detect_all(text) if s.type in _ENTITY_TYPES]

    def detect_all(self, text: str) -> list[PiiSpan]:
        results = self._analyzer.analyze(text=text, language="en", entities=self._entities)
        spans = []
        for result in results:
            kind = _TYPES.get(result.entity_type)
            if kind is not None:
                spans.append(
                    PiiSpan(
                        kind,
                        result.start,
                        result.end,
                        result.score,
                        text[result.start : result.end],
                    )
                )
        return sorted(spans, key=lambda s: s.start)


_ENTITY_TYPES = frozenset({PiiType.PERSON, PiiType.ORG, PiiType.LOCATION})
