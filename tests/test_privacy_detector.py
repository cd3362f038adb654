"""The PII detector on real components: validated patterns for contact details
and identifiers, the offline gazetteer and spaCy for names, companies and places,
and the firewall's anonymise / screen rules on top of them."""

from __future__ import annotations

import importlib.util
import socket
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest

from persona_memory.core.privacy import (
    PiiDetector,
    PiiRejected,
    PiiType,
    PrivacyMode,
    anonymise,
    screen,
)
from persona_memory.core.privacy_patterns import structured_spans
from persona_memory.providers.recognisers.gazetteer import GazetteerRecogniser, gazetteer

CORPUS = Path(__file__).resolve().parents[1] / "bench" / "pii_corpus.py"


def _found(text: str) -> list[tuple[PiiType, str]]:
    return [(span.type, span.text) for span in structured_spans(text)]


# --- structured PII: each type, with its exact span ---------------------------

FOUND = [
    ("Write to jane.doe@example.co.uk if the link breaks.", PiiType.EMAIL,
     "jane.doe@example.co.uk"),
    ("Call me on +1 (415) 555-0199 after six.", PiiType.PHONE, "+1 (415) 555-0199"),
    ("My office number is 020 7946 0958, ask for the front desk.", PiiType.PHONE,
     "020 7946 0958"),
    ("Reach me on +49 1518 5687616 when you land.", PiiType.PHONE, "+49 1518 5687616"),
    ("Charge it to 4111 1111 1111 1111 please.", PiiType.CREDIT_CARD, "4111 1111 1111 1111"),
    ("The card number is 4111111111111111.", PiiType.CREDIT_CARD, "4111111111111111"),
    ("Pay the deposit into GB82WEST12345698765432 by Friday.", PiiType.IBAN,
     "GB82WEST12345698765432"),
    ("Pay the deposit into GB82 WEST 1234 5698 7654 32 by Friday.", PiiType.IBAN,
     "GB82 WEST 1234 5698 7654 32"),
    ("For the tax form, my SSN is 123-45-6789.", PiiType.US_SSN, "123-45-6789"),
    ("The server at 192.168.10.42 keeps timing out.", PiiType.IP_ADDRESS, "192.168.10.42"),
    ("Ping 2001:db8:85a3::8a2e:370:7334 from the VPN.", PiiType.IP_ADDRESS,
     "2001:db8:85a3::8a2e:370:7334"),
    ("Send it to 123 Main St Apt. 4, Springfield, IL 62704 by Monday.", PiiType.STREET_ADDRESS,
     "123 Main St Apt. 4, Springfield, IL 62704"),
    ("I live at Müllerstraße 12, 10115 Berlin now.", PiiType.STREET_ADDRESS,
     "Müllerstraße 12, 10115 Berlin"),
    ("Our flat is at 12, rue de la Paix.", PiiType.STREET_ADDRESS, "12, rue de la Paix"),
    ("The shop is on Via Roma 10.", PiiType.STREET_ADDRESS, "Via Roma 10"),
    ("I was born on 12/06/1985 in a small town.", PiiType.DATE_OF_BIRTH, "12/06/1985"),
    ("my birhday is 12/06/1985", PiiType.DATE_OF_BIRTH, "12/06/1985"),
    ("My portfolio is at https://jane-doe.dev/about/me for reviewers.", PiiType.URL,
     "https://jane-doe.dev/about/me"),
    ("Follow me @jane_doe_88 for updates.", PiiType.SOCIAL_HANDLE, "@jane_doe_88"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "kind", "value"), FOUND, ids=[f"{k}-{v}" for _, k, v in FOUND])
def test_structured_type_found_with_exact_span(text: str, kind: PiiType, value: str) -> None:
    assert _found(text) == [(kind, value)]


# --- look-alikes that validation rejects ---------------------------------------


def test_luhn_invalid_sixteen_digits_is_not_a_card() -> None:
    assert _found("Card 4111 1111 1111 1112 was declined, try again.") == []
    assert _found("The card number is 4111111111111112.") == []


def test_ssn_in_an_unissued_area_is_not_an_ssn() -> None:
    kinds = {kind for kind, _ in _found("The reference 999-12-3456 is on the letter.")}
    assert PiiType.US_SSN not in kinds


def test_out_of_range_octet_is_not_an_ip() -> None:
    assert _found("We rolled back to build 300.1.2.3 last night.") == []


def test_date_without_a_birth_cue_is_not_a_date_of_birth() -> None:
    assert _found("The invoice is due on 12/06/1985, as agreed.") == []
    assert _found("The report was filed on March 3, 2021.") == []
    assert _found("We met on 12/06, the team agreed on a plan.") == []


EVERYDAY = [
    "Show the first 5 rows before you chart anything.",
    "It is a 15 minute drive from the office, so book a taxi.",
    "In Q3 2024, about 30% of 10,000 requests timed out.",
    "Sales doubled over the 2019-2021 period.",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_numbers_are_not_pii(text: str) -> None:
    assert _found(text) == []
    assert PiiDetector(GazetteerRecogniser()).detect(text) == []


# --- the detector with each recogniser, and the firewall's rules ---------------


@pytest.fixture(scope="module", params=["gazetteer", "spacy"])
def detector(request: pytest.FixtureRequest) -> PiiDetector:
    if request.param == "gazetteer":
        return PiiDetector(GazetteerRecogniser())
    # `make test` installs the `ner` extra: a missing spaCy is a failure, not a skip.
    from persona_memory.providers.recognisers.spacy_ner import SpacyRecogniser

    return PiiDetector(SpacyRecogniser())


def test_names_and_companies_become_stand_ins(detector: PiiDetector) -> None:
    text = "John at Google told me about their new AI project"
    out = anonymise(text, detector.detect(text))
    assert "John" not in out and "Google" not in out
    assert "AI project" in out


def test_email_is_removed(detector: PiiDetector) -> None:
    text = "email me at john.smith@gmail.com"
    out = anonymise(text, detector.detect(text))
    assert "@" not in out and "john" not in out


def test_redact_reports_counts_not_values(detector: PiiDetector) -> None:
    text = "Ask John at Google, or email john.smith@gmail.com for the deck."
    screened = screen(text, detector.detect(text), PrivacyMode.REDACT, "text")
    assert screened.found == {"EMAIL": 1, "ORG": 1, "PERSON": 1}
    assert screened.changed
    assert not any(value in screened.text for value in ("John", "Google", "@", "gmail"))


def test_reject_names_the_types_not_the_values(detector: PiiDetector) -> None:
    text = "John at Google says call him on +1 (415) 555-0199 before the demo."
    with pytest.raises(PiiRejected) as raised:
        screen(text, detector.detect(text), PrivacyMode.REJECT, "text")
    assert raised.value.found == {"ORG": 1, "PERSON": 1, "PHONE": 1}
    message = str(raised.value)
    assert all(kind in message for kind in ("ORG", "PERSON", "PHONE"))
    assert not any(value in message for value in ("John", "Google", "415", "555-0199"))
    assert raised.value.field == "text"


def test_pii_free_lesson_passes_unchanged(detector: PiiDetector) -> None:
    lesson = "Short answers work best when the user is in a hurry; offer details after."
    for mode in PrivacyMode:
        screened = screen(lesson, detector.detect(lesson), mode, "text")
        assert screened.text == lesson
        assert screened.found == {}
        assert not screened.changed


# --- the PII-free lessons of the benchmark -------------------------------------


@pytest.fixture(scope="module")
def lessons() -> Iterator[list[str]]:
    """``lessons()`` of ``bench/pii_corpus.py`` (a script, not in a package)."""
    spec = importlib.util.spec_from_file_location("bench_pii_corpus_detector", CORPUS)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look it up
    try:
        spec.loader.exec_module(module)
        yield list(module.lessons())
    finally:
        del sys.modules[spec.name]


def test_no_lesson_has_a_span_with_the_gazetteer(lessons: list[str]) -> None:
    detect = PiiDetector(GazetteerRecogniser()).detect
    flagged = {lesson: detect(lesson) for lesson in lessons}
    assert {lesson: spans for lesson, spans in flagged.items() if spans} == {}


def test_few_lessons_have_a_span_with_spacy(lessons: list[str]) -> None:
    from persona_memory.providers.recognisers.spacy_ner import SpacyRecogniser

    detect = PiiDetector(SpacyRecogniser()).detect
    flagged = [lesson for lesson in lessons if detect(lesson)]
    assert len(flagged) <= 0.02 * len(lessons), flagged


# --- the gazetteer ships with the package --------------------------------------


def test_gazetteer_loads_from_package_data_without_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = resources.files("persona_memory.providers.recognisers") / "data"
    assert (data / "gazetteer.json.gz").is_file() and (data / "companies.txt").is_file()

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the gazetteer must not touch the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    gazetteer.cache_clear()
    words = gazetteer()
    assert len(words.first_names) > 10_000 and len(words.places) > 10_000
    assert {"maria", "john"} <= words.first_names and {"berlin", "london"} <= words.places
    assert "google" in words.companies
