"""Invariant 2, searched for counter-examples: structured PII written to a shared
block is never stored, whatever its shape. Hypothesis builds the values (valid
checksums, every phone format of 12 regions, every IP form) and the lesson
around them; each run starts from a fresh example database."""

from __future__ import annotations

import os
import string
from collections.abc import Iterator

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persona_memory import Memory, PersonaCreate, Settings
from persona_memory.core.privacy import PiiDetector, PrivacyMode, screen
from persona_memory.core.relationships import RelationshipUpdate
from persona_memory.providers.recognisers.gazetteer import GazetteerRecogniser

DETECTOR = PiiDetector(GazetteerRecogniser())
REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "CA", "AU", "IE", "CH")
FORMATS = (
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
    phonenumbers.PhoneNumberFormat.E164,
)
LESSONS = st.sampled_from(
    [
        "users in QSR prefer trade-area maps; reach out via {} if the export fails",
        "{} asked for weekly foot-traffic deltas before the monthly summary",
        "For CPG brand managers, pre-fill the competitor set. Contact: {}",
        "when a user shares {} remind them it will not be stored",
    ]
)
SETTINGS = settings(
    max_examples=int(os.environ.get("PERSONA_MEMORY_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _luhn_digit(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


@st.composite
def cards(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["4", "51", "55", "37", "6011", "35"]))
    length = 15 if prefix == "37" else 16
    body = prefix + draw(
        st.text("0123456789", min_size=length - 1 - len(prefix), max_size=length - 1 - len(prefix))
    )
    number = body + _luhn_digit(body)
    separator = draw(st.sampled_from(["", " ", "-"]))
    if not separator:
        return number
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


@st.composite
def ibans(draw: st.DrawFn) -> str:
    country, bban = draw(
        st.sampled_from(
            [
                (
                    "GB",
                    draw(st.text(string.ascii_uppercase, min_size=4, max_size=4))
                    + draw(st.text("0123456789", min_size=14, max_size=14)),
                ),
                ("DE", draw(st.text("0123456789", min_size=18, max_size=18))),
                ("FR", draw(st.text("0123456789", min_size=23, max_size=23))),
                (
                    "NL",
                    draw(st.text(string.ascii_uppercase, min_size=4, max_size=4))
                    + draw(st.text("0123456789", min_size=10, max_size=10)),
                ),
            ]
        )
    )
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    code = f"{country}{98 - int(digits) % 97:02d}{bban}"
    if draw(st.booleans()):
        return " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    return code


@st.composite
def phones(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(REGIONS))
    example = phonenumbers.example_number_for_type(
        region,
        draw(
            st.sampled_from(
                [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
            )
        ),
    )
    national = str(example.national_number)
    keep = draw(st.integers(min_value=2, max_value=3))
    tail = draw(st.text("0123456789", min_size=len(national) - keep, max_size=len(national) - keep))
    number = phonenumbers.parse(f"+{example.country_code}{national[:keep]}{tail}")
    return phonenumbers.format_number(number, draw(st.sampled_from(FORMATS)))


@st.composite
def ssns(draw: st.DrawFn) -> str:
    area = draw(st.integers(1, 899).filter(lambda n: n != 666))
    group = draw(st.integers(1, 99))
    serial = draw(st.integers(1, 9999))
    return f"{area:03d}-{group:02d}-{serial:04d}"


STRUCTURED = st.one_of(
    st.emails(),
    cards(),
    ibans(),
    phones(),
    ssns(),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).filter(lambda ip: ip.is_global).map(str),
)


@SETTINGS
@given(value=STRUCTURED, lesson=LESSONS)
def test_no_structured_value_survives_redaction(value: str, lesson: str) -> None:
    text = lesson.format(value)
    stored = screen(text, DETECTOR.detect(text), PrivacyMode.REDACT, "content").text
    assert value not in stored
    assert value.replace(" ", "") not in stored.replace(" ", "")


@pytest.fixture
def brad(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Memory]:
    folder = tmp_path_factory.mktemp("invariant")
    settings_ = Settings(
        database_url=str(folder / "x.db"), embedder="hash", pii_recogniser="gazetteer"
    )
    with Memory(settings=settings_) as memory:
        memory.personas.create(PersonaCreate(id="brad", name="Brad"))
        for user in ("alice", "bob"):
            memory.user_personas.join(user, "qsr_real_estate")
            memory.relationships.put("brad", user, RelationshipUpdate())
        yield memory


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(value=STRUCTURED, lesson=LESSONS)
def test_another_member_never_reads_it_from_the_shared_block(
    brad: Memory, value: str, lesson: str
) -> None:
    label = "qsr_real_estate_service_experience"
    brad.blocks.set_value("brad", "alice", label, "")
    brad.blocks.append("brad", "alice", label, lesson.format(value))
    assert value not in brad.blocks.get("brad", "bob", label).value
