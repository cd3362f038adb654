"""A deterministic, labelled PII corpus for benchmarking PII detectors.

    python bench/pii_corpus.py [--n 20] [--seed 20261122] [--template t07_chat_contact] [--counts]

``generate()`` fills hand-written English templates (chat messages, formal mail,
agent-memory notes, support tickets, record-like lists, single-entity sentences)
with values from Faker in one of ``LOCALES``, so names, addresses, phone numbers
and IBANs follow that locale's conventions. Every sentence carries its gold spans.
``lessons()`` returns PII-free "lessons learned" sentences of the kind a shared
professional-experience memory holds: the hard negatives (acronyms, tool names,
capitalised words, numbers, days and months) on which a detector should find nothing.

Span conventions (``GoldSpan``):

* ``start``/``end`` are character offsets into ``Sentence.text`` and
  ``value == text[start:end]`` always holds (``generate()`` raises otherwise).
  Values are stripped and contain no newline; a full postal address has its
  line breaks replaced by ", " and is one STREET_ADDRESS span.
* PERSON includes an honorific when there is one ("Dr. Weber", Faker's
  "Prof. Sandra Steckel") but not a possessive "'s" ("Maria" in "Maria's").
* SOCIAL_HANDLE includes the leading "@". URL spans the whole URL, with or
  without a scheme, never the sentence punctuation after it.
* DATE_OF_BIRTH is the date alone ("1985-06-12", "12/06/1985", "June 12, 1985",
  "12 June 1985", "6/12/85"); the birth cue ("born on", "DOB:", "b-day") is outside it.
* PHONE is the locale's Faker format or an international "+<cc> ..." form;
  CREDIT_CARD and IBAN are compact or grouped in fours with spaces or dashes.
* US_SSN always comes from en_US, whatever the sentence's locale; IBANs come from
  the locale when Faker has its IBAN format, else from en_GB or de_DE.

Styles: ``"plain"`` (about 60%) leaves the template as written; ``"lower"``
(about 20%) lowercases the whole sentence, PII values included (spans index the
lowercased text); ``"typo"`` (about 20%) swaps two adjacent letters or drops a
letter in one or two words of the template's own text, never in a PII value.

Determinism: each sentence draws its template, locale and style from one
``random.Random(seed)`` and reseeds the Faker instances it uses (``seed_instance``)
from it, so the same seed and the same Faker version give byte-identical output.
Dates of birth are drawn between fixed bounds rather than relative to today, and
list orders Faker builds from sets (it_IT cities) are sorted, so neither the date
nor ``PYTHONHASHSEED`` changes the corpus.

The lessons are PII-free by construction: they are built from hand-written frames
and slot fillers that hold no person, company or place names, no contact details,
no identifiers and no URLs.
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import phonenumbers
from faker import Faker

TYPES = (
    "EMAIL",
    "PHONE",
    "CREDIT_CARD",
    "IBAN",
    "US_SSN",
    "IP_ADDRESS",
    "STREET_ADDRESS",
    "DATE_OF_BIRTH",
    "URL",
    "SOCIAL_HANDLE",
    "PERSON",
    "ORG",
    "LOCATION",
)
STRUCTURED = TYPES[:10]
LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "en_IN")
STYLES = ("plain", "lower", "typo")
DEFAULT_SEED = 20261122

REGION = {loc: loc.split("_")[1] for loc in LOCALES}
IBAN_LOCALES = frozenset({"en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL"})
DOB_RANGE = (date(1940, 1, 1), date(2006, 12, 31))
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
HONORIFICS = ("Dr.", "Dr", "Mr.", "Ms.", "Mrs.", "Prof.")

REAL_ORGS = (
    "Google", "Microsoft", "Apple", "Amazon", "Meta", "Netflix", "IBM", "Oracle",
    "Salesforce", "Adobe", "Starbucks", "McDonald's", "Walmart", "Costco", "Tesco",
    "Sainsbury's", "Unilever", "Nestlé", "Procter & Gamble", "Coca-Cola", "PepsiCo",
    "Deloitte", "Accenture", "McKinsey", "KPMG", "PwC", "Siemens", "Bosch", "SAP", "BMW",
    "Volkswagen", "Airbus", "Philips", "ING", "Santander", "BNP Paribas", "L'Oréal",
    "Carrefour", "Infosys", "Spotify", "IKEA", "Zara",
)  # fmt: skip
REAL_CITIES = (
    "San Francisco", "New York", "Chicago", "Boston", "Seattle", "Toronto", "Vancouver",
    "Mexico City", "São Paulo", "Buenos Aires", "London", "Manchester", "Edinburgh",
    "Dublin", "Paris", "Lyon", "Marseille", "Berlin", "Munich", "Hamburg", "Frankfurt",
    "Vienna", "Zurich", "Amsterdam", "Rotterdam", "Brussels", "Madrid", "Barcelona",
    "Lisbon", "Rome", "Milan", "Naples", "Stockholm", "Copenhagen", "Warsaw", "Prague",
    "Mumbai", "Bangalore", "Delhi", "Tokyo", "Singapore", "Sydney", "Cape Town", "Dubai",
)  # fmt: skip


@dataclass(frozen=True)
class GoldSpan:
    type: str
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class Sentence:
    text: str
    spans: tuple[GoldSpan, ...]
    template: str
    locale: str
    style: str


@dataclass(frozen=True)
class Template:
    """``pattern`` holds ``{kind}`` placeholders; ``KINDS`` maps each kind to a type."""

    id: str
    pattern: str

    @property
    def kinds(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.pattern)

    @property
    def types(self) -> frozenset[str]:
        return frozenset(KINDS[k][0] for k in self.kinds)


# ---------------------------------------------------------------- value makers


@dataclass
class _Ctx:
    """One sentence's random state: its locale's Faker and a Random for choices."""

    locale: str
    rng: random.Random
    fk: Faker

    def faker(self, locale: str) -> Faker:
        """Another locale's Faker, reseeded from this sentence's Random."""
        fk = _faker(locale)
        fk.seed_instance(self.rng.getrandbits(64))
        return fk


@cache
def _faker(locale: str) -> Faker:
    fk = Faker(locale)
    for provider in fk.get_providers():
        cities = getattr(provider, "cities", None)
        if isinstance(cities, list):  # it_IT builds its list from a set: PYTHONHASHSEED order
            provider.cities = sorted(cities)
    return fk


def _clean(value: str) -> str:
    """One line, single spaces: address lines joined by ", "."""
    lines = [" ".join(line.split()) for line in value.splitlines()]
    return ", ".join(line for line in lines if line)


def _ascii(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _ascii(value).lower()).strip("-")


def _group4(compact: str, sep: str) -> str:
    return sep.join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _first(c: _Ctx) -> str:
    return c.fk.first_name()


def _last(c: _Ctx) -> str:
    return c.fk.last_name()


def _name(c: _Ctx) -> str:
    return c.fk.name()


def _titled(c: _Ctx) -> str:
    rest = c.fk.last_name() if c.rng.random() < 0.7 else f"{_first(c)} {_last(c)}"
    return f"{c.rng.choice(HONORIFICS)} {rest}"


def _person(c: _Ctx) -> str:
    return c.rng.choice((_name, _first, _titled, lambda x: f"{_first(x)} {_last(x)}"))(c)


def _company(c: _Ctx) -> str:
    return c.fk.company()


def _brand(c: _Ctx) -> str:
    return c.rng.choice(REAL_ORGS)


def _org(c: _Ctx) -> str:
    return _company(c) if c.rng.random() < 0.5 else _brand(c)


def _city(c: _Ctx) -> str:
    return c.fk.city()


def _bigcity(c: _Ctx) -> str:
    return c.rng.choice(REAL_CITIES)


def _country(c: _Ctx) -> str:
    return c.fk.country()


def _state(c: _Ctx) -> str:
    """The locale's state, region, province or county."""
    return c.fk.administrative_unit()


def _place(c: _Ctx) -> str:
    return c.rng.choice((_city, _bigcity, _bigcity, _country, _state))(c)


def _email(c: _Ctx) -> str:
    return c.rng.choice((c.fk.email, c.fk.free_email, c.fk.company_email))()


def _intl_phone(c: _Ctx) -> str:
    """A "+<cc> ..." number shaped like the region's example mobile number."""
    example = phonenumbers.example_number_for_type(
        REGION[c.locale], phonenumbers.PhoneNumberType.MOBILE
    )
    if example is None:
        raise ValueError(f"phonenumbers has no example mobile number for {c.locale}")
    national = str(example.national_number)
    digits = national[:3] + "".join(str(c.rng.randrange(10)) for _ in national[3:])
    number = phonenumbers.PhoneNumber(
        country_code=example.country_code, national_number=int(digits)
    )
    formats = phonenumbers.PhoneNumberFormat
    fmt = c.rng.choice((formats.INTERNATIONAL, formats.INTERNATIONAL, formats.E164))
    return phonenumbers.format_number(number, fmt)


def _phone(c: _Ctx) -> str:
    return _intl_phone(c) if c.rng.random() < 0.35 else c.fk.phone_number()


def _card(c: _Ctx) -> str:
    compact = c.fk.credit_card_number()
    return _group4(compact, c.rng.choice(("", " ", " ", "-")))


def _iban(c: _Ctx) -> str:
    locale = c.locale if c.locale in IBAN_LOCALES else c.rng.choice(("en_GB", "de_DE"))
    compact = c.faker(locale).iban()
    return _group4(compact, " ") if c.rng.random() < 0.5 else compact


def _ssn(c: _Ctx) -> str:
    return c.faker("en_US").ssn()


def _ip(c: _Ctx) -> str:
    return c.fk.ipv6() if c.rng.random() < 0.25 else c.fk.ipv4()


def _street(c: _Ctx) -> str:
    return c.fk.street_address()


def _address(c: _Ctx) -> str:
    return c.fk.address()


def _dob(c: _Ctx) -> str:
    d = c.fk.date_between_dates(*DOB_RANGE)
    month = MONTHS[d.month - 1]
    formats = (
        d.isoformat(),
        f"{d.day:02d}/{d.month:02d}/{d.year}",
        f"{month} {d.day}, {d.year}",
        f"{d.day} {month} {d.year}",
        f"{d.month}/{d.day}/{d.year % 100:02d}",
    )
    return c.rng.choice(formats)


def _user(c: _Ctx) -> str:
    return _ascii(c.fk.user_name())


def _handle(c: _Ctx) -> str:
    return "@" + _user(c).replace("-", "_")


def _linkedin(c: _Ctx) -> str:
    slug = f"{_slug(_first(c))}-{_slug(_last(c))}-{c.rng.getrandbits(24):06x}"
    return _scheme(c, "https://www.", f"linkedin.com/in/{slug}")


def _github(c: _Ctx) -> str:
    return _scheme(c, "https://", f"github.com/{_user(c)}")


def _scheme(c: _Ctx, scheme: str, rest: str) -> str:
    """``scheme + rest``, or about a third of the time ``rest`` alone."""
    return rest if c.rng.random() < 0.3 else scheme + rest


def _url(c: _Ctx) -> str:
    user = _user(c)
    forms = (
        lambda: _scheme(c, "https://www.", f"facebook.com/{user}"),
        lambda: _scheme(c, "https://www.", f"instagram.com/{user}"),
        lambda: f"https://{c.fk.domain_name()}/~{user}",
        lambda: _linkedin(c),
        lambda: _github(c),
    )
    return c.rng.choice(forms)()


KINDS: dict[str, tuple[str, Callable[[_Ctx], str]]] = {
    "first": ("PERSON", _first),
    "last": ("PERSON", _last),
    "name": ("PERSON", _name),
    "titled": ("PERSON", _titled),
    "person": ("PERSON", _person),
    "company": ("ORG", _company),
    "brand": ("ORG", _brand),
    "org": ("ORG", _org),
    "city": ("LOCATION", _city),
    "bigcity": ("LOCATION", _bigcity),
    "country": ("LOCATION", _country),
    "state": ("LOCATION", _state),
    "place": ("LOCATION", _place),
    "email": ("EMAIL", _email),
    "phone": ("PHONE", _phone),
    "card": ("CREDIT_CARD", _card),
    "iban": ("IBAN", _iban),
    "ssn": ("US_SSN", _ssn),
    "ip": ("IP_ADDRESS", _ip),
    "street": ("STREET_ADDRESS", _street),
    "address": ("STREET_ADDRESS", _address),
    "dob": ("DATE_OF_BIRTH", _dob),
    "url": ("URL", _url),
    "linkedin": ("URL", _linkedin),
    "github": ("URL", _github),
    "handle": ("SOCIAL_HANDLE", _handle),
}

# ------------------------------------------------------------------- templates

_PATTERNS = {
    # chat-like
    "t01_chat_text_me": "hey its {first} lol, text me at {phone}",
    "t02_chat_send_email": "yo can u send it to {email} instead? thx",
    "t03_chat_insta": "follow me on insta {handle}, I post all the food pics there",
    "t04_chat_omw": "omw to {bigcity}, {first} says the place is at {street}",
    "t05_chat_bday": "my birthday is {dob} so dont forget this time!!",
    "t06_chat_printer": "the printer is on {ip} now, {first} set it up yesterday",
    "t07_chat_contact": "hey its {person} lol, text me at {phone} or dm {handle}",
    "t08_chat_card": "my visa is {card} exp next year, dont share it pls",
    "t09_chat_rent": "send the rent to {iban} before friday, {first} keeps asking",
    "t10_chat_bday_party": "b-day is {dob}, party at {first}'s place in {city}",
    # formal
    "t11_formal_invoice": "Please send the invoice to {email} and copy {name} from {company}.",
    "t12_formal_wire": "Kindly wire the deposit to IBAN {iban} by the end of the month.",
    "t13_formal_declined": "The charge on card {card} was declined; please advise.",
    "t14_formal_dear": "Dear {titled}, thank you for visiting our office in {city}.",
    "t15_formal_office": "Our new office is located at {address}.",
    "t16_formal_payroll": "For payroll, the employee's SSN is {ssn} and date of birth {dob}.",
    "t17_formal_portfolio": "You can find my portfolio at {url} and reach me on {phone}.",
    "t18_formal_applicant": "The applicant, {name}, listed social security number {ssn}.",
    "t19_formal_bank": "Bank details for {company}: IBAN {iban}, contact {email}.",
    "t20_formal_meeting": "{titled} of {org} will meet {name} in {bigcity} next week.",
    # agent-memory-like
    "t21_mem_manager": "User said their manager {person} at {org} wants the report by Friday.",
    "t22_mem_moved": "User mentioned they moved from {place} to {bigcity} last spring.",
    "t23_mem_works": "The user works at {org} in {city} and prefers email at {email}.",
    "t24_mem_dob": "User's date of birth is {dob}; wants a reminder a week before.",
    "t25_mem_partner": "User's partner {first} is a nurse at {company}.",
    "t26_mem_code": "User shares code at {github} and posts as {handle}.",
    "t27_mem_home": "The user lives at {street}, {city} with two cats.",
    "t28_mem_travel": "User is flying to {country} in June and asked about visas.",
    "t29_mem_server": "User's home server is reachable at {ip}; they run backups nightly.",
    "t30_mem_family": "User's sister {name} lives in {state} and works for {org}.",
    # support tickets
    "t31_ticket_login": "Ticket: customer {name} ({email}) cannot log in from IP {ip}.",
    "t32_ticket_refund": "Refund requested by {person} for card {card}, order placed in {city}.",
    "t33_ticket_shipping": "Package for {name} never arrived at {address}; call {phone}.",
    "t34_ticket_verify": "To verify identity the caller gave SSN {ssn} and DOB: {dob}.",
    "t35_ticket_payout": "Customer updated the payout account to {iban} for {company}.",
    "t36_ticket_blocked": "Blocked repeated failed logins from {ip} against account {email}.",
    "t37_ticket_profile": "Escalation: {first} says the profile at {url} is impersonating them.",
    "t38_ticket_callback": "Please call {titled} back on {phone} about the {brand} order.",
    # lists / records
    "t39_list_contact": "Name: {name} | Email: {email} | Phone: {phone}",
    "t40_list_csv": "{name}, {email}, {phone}, {city}",
    "t41_list_kyc": "KYC record - name: {name}; DOB: {dob}; SSN: {ssn}; address: {address}",
    "t42_list_payment": "payment details: card {card}, iban {iban}",
    "t43_list_socials": "Socials: {url} / {handle} / {linkedin}",
    "t44_list_servers": "servers: web {ip}, db {ip}, cache {ip}",
    "t45_list_attendees": "Attendees: {name}, {name} ({org}) and {first}",
    "t46_list_ssn": "ssn {ssn} for the tax form, card on file {card}",
    # single entity
    "t47_person_first": "Ask {first} about it tomorrow.",
    "t48_person_full": "{name} will join the call at noon.",
    "t49_person_titled": "I have an appointment with {titled} on Thursday.",
    "t50_person_poss": "That was {first}'s idea, not mine.",
    "t51_person_last": "Apparently {last} already signed off on the budget.",
    "t52_org_brand": "I used to work at {brand} before switching careers.",
    "t53_org_company": "The contract with {company} renews next quarter.",
    "t54_org_pair": "{brand} acquired {company} last year apparently.",
    "t55_loc_city": "We are thinking about moving to {city}.",
    "t56_loc_bigcity": "The conference is in {bigcity} this year.",
    "t57_loc_country": "She grew up in {country} and speaks three languages.",
    "t58_loc_state": "They opened a warehouse somewhere in {state}.",
    # more birth contexts, links and handles
    "t59_dob_born": "I was born on {dob} in {place}.",
    "t60_url_linkedin": "Here is my LinkedIn: {linkedin}",
    "t61_url_resume": "check out {url} for my resume and projects",
    "t62_handle_thanks": "shoutout to {handle} and {handle} for the help with the move",
    "t63_handle_dm": "DM {handle} if you want the {brand} discount code",
    "t64_street_ship": "Ship it to {street}, {city} please, buzzer is broken.",
    "t65_dob_form": "Form 12 - Name: {name}, date of birth: {dob}, city: {city}",
}
TEMPLATES: list[Template] = [Template(id=k, pattern=v) for k, v in _PATTERNS.items()]
_BY_ID = {t.id: t for t in TEMPLATES}


def template_ids() -> list[str]:
    return [t.id for t in TEMPLATES]


# ------------------------------------------------------------ sentence builder

Piece = tuple[str, str | None]  # (text, PII type or None for template text)


def _fill(template: Template, ctx: _Ctx) -> list[Piece]:
    parts = re.split(r"\{(\w+)\}", template.pattern)
    pieces: list[Piece] = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            pieces.append((part, None))
        else:
            pii_type, make = KINDS[part]
            pieces.append((_clean(make(ctx)), pii_type))
    return pieces


def _typo(word: str, rng: random.Random) -> str:
    swaps = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
    if swaps and rng.random() < 0.5:
        i = rng.choice(swaps)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    i = rng.randrange(1, len(word))
    return word[:i] + word[i + 1 :]


def _add_typos(pieces: list[Piece], rng: random.Random) -> list[Piece]:
    """1-2 typos in distinct template words of four letters or more."""
    words = [
        (p, m.start(), m.end())
        for p, (text, kind) in enumerate(pieces)
        if kind is None
        for m in re.finditer(r"[A-Za-z]{4,}", text)
    ]
    chosen = rng.sample(words, min(len(words), rng.choice((1, 1, 2))))
    out = list(pieces)
    for p, s, e in sorted(chosen, key=lambda w: (w[0], -w[1])):
        text = out[p][0]
        out[p] = (text[:s] + _typo(text[s:e], rng) + text[e:], None)
    return out


def _style(pieces: list[Piece], style: str, rng: random.Random) -> list[Piece]:
    if style == "lower":
        return [(text.lower(), kind) for text, kind in pieces]
    if style == "typo":
        return _add_typos(pieces, rng)
    return pieces


def _assemble(pieces: list[Piece]) -> tuple[str, tuple[GoldSpan, ...]]:
    text, spans = "", []
    for value, pii_type in pieces:
        if pii_type is not None:
            spans.append(GoldSpan(pii_type, len(text), len(text) + len(value), value))
        text += value
    return text, tuple(spans)


def _check(sentence: Sentence) -> None:
    for s in sentence.spans:
        if sentence.text[s.start : s.end] != s.value or not s.value or "\n" in s.value:
            raise ValueError(f"bad span {s} in {sentence.template}: {sentence.text!r}")
        if s.type not in TYPES:
            raise ValueError(f"unknown type {s.type} in {sentence.template}")


def _pick_style(rng: random.Random) -> str:
    r = rng.random()
    return "plain" if r < 0.6 else "lower" if r < 0.8 else "typo"


def _sentence(template: Template, locale: str, style: str, rng: random.Random) -> Sentence:
    fk = _faker(locale)
    fk.seed_instance(rng.getrandbits(64))
    pieces = _style(_fill(template, _Ctx(locale, rng, fk)), style, rng)
    text, spans = _assemble(pieces)
    return Sentence(text, spans, template.id, locale, style)


def generate(
    n: int = 3200, seed: int = DEFAULT_SEED, templates: Sequence[str] | None = None
) -> list[Sentence]:
    """``n`` labelled sentences; ``templates`` restricts the template ids used."""
    pool = [_BY_ID[t] for t in templates] if templates is not None else TEMPLATES
    if not pool:
        raise ValueError("no templates to generate from")
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        template, locale, style = rng.choice(pool), rng.choice(LOCALES), _pick_style(rng)
        sentence = _sentence(template, locale, style, random.Random(rng.getrandbits(64)))
        _check(sentence)
        out.append(sentence)
    return out


# --------------------------------------------------------------------- lessons

_S: dict[str, tuple[str, ...]] = {
    "aud": (
        "users in QSR", "retail analysts", "CPG brand managers", "real estate teams",
        "site selection analysts", "marketing leads", "finance teams", "operations managers",
        "category managers", "franchise owners", "media planners", "data engineers",
        "store operations teams", "insurance underwriters", "logistics planners",
        "healthcare administrators", "hospitality managers", "telecom analysts",
        "banking product owners", "public sector planners",
    ),
    "deliv": (
        "trade-area maps", "weekly foot-traffic deltas",
        "charts with the competitor set pre-filled",
        "a one-page summary", "tables sorted by YoY change", "drive-time bands",
        "KPI cards at the top", "raw SQL they can rerun", "exports to Excel",
        "dashboards in Tableau", "dashboards in Power BI", "a Python notebook",
        "POI counts per trade area", "DMA-level rollups", "monthly summaries",
        "store-level scorecards", "heat maps of visit density", "a short Slack update",
    ),
    "timing": (
        "in Q1", "in Q3", "every Monday", "before the end of the month", "within 2 weeks",
        "by Thursday", "ahead of the quarterly review", "in the first week of September",
    ),
    "topic": (
        "cannibalisation checks", "new-store forecasts", "competitor overlap",
        "seasonal demand", "loyalty program uplift", "price elasticity", "delivery coverage",
        "visit frequency", "dwell time", "market share by DMA", "CRM segment sizing",
        "churn drivers",
    ),
    "viz": ("Excel", "Tableau", "Power BI"),
    "code": ("SQL", "Python"),
    "chan": ("Slack", "email", "the team channel", "a Slack thread"),
    "n": ("3", "5", "10", "15", "20", "25"),
    "pct": ("10", "15", "20", "30", "40", "60"),
    "month": ("January", "March", "May", "June", "September", "November", "December"),
    "day": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
    "quarter": ("Q1", "Q2", "Q3", "Q4"),
    "industry": (
        "QSR", "CPG", "grocery", "apparel", "fitness", "automotive", "banking",
        "convenience retail", "hospitality", "healthcare", "telecom", "insurance",
    ),
    "kpi": (
        "foot traffic", "visit share", "conversion rate", "average basket", "dwell time",
        "repeat visits", "same-store sales", "market penetration", "revenue per visit",
    ),
    "acronym": ("POI", "DMA", "CBSA", "KPI", "CRM", "YoY", "MoM", "ETL"),
    "format": ("bullet points", "a single chart", "a short table", "a ranked list",
               "a before-and-after comparison", "one headline number"),
    "unit": ("store", "week", "trade area", "region", "segment", "day part"),
    "feature": ("saved filters", "the comparison view", "scheduled exports", "custom regions",
                "the benchmark panel", "audience overlays"),
    "task": (
        "a drive-time analysis, offer 5, 10 and 15 minute bands",
        "a radius analysis, offer 1, 3 and 5 mile rings",
        "a competitor report, ask which 3 to 5 brands matter most",
        "a trend chart, offer weekly and monthly granularity",
        "a site ranking, show the top 10 candidates with their scores",
        "a market overview, start with share of visits, then growth",
        "a data export, ask whether Excel or CSV suits them",
        "a forecast, state the error band next to the estimate",
        "an audience profile, lead with the 3 most distinctive traits",
        "a cohort study, confirm the cohort window first",
    ),
    "precision": ("whole numbers", "one decimal place", "the nearest thousand",
                  "the nearest percent"),
}  # fmt: skip

_FRAMES = (
    "{aud} prefer {deliv}.",
    "{aud} ask for {deliv} before {deliv2}.",
    "{aud} want {deliv} {timing}.",
    "When a user asks for {task}.",
    "About {pct}% of requests from {aud} involve {topic}.",
    "Requests for {topic} spike in {month}, so prepare templates early.",
    "{aud} rarely read past the first {n} rows; put the key number first.",
    "If a query in {code} runs longer than {n} minutes, suggest sampling before rerunning it.",
    "Always confirm the date range with {aud} before building {deliv}.",
    "Show the top {n} trade areas by default; {aud} seldom need more.",
    "{aud} trust {kpi} figures more when the SQL is shared alongside the chart.",
    "On {day}s, {aud} usually want a quick status check rather than a deep dive.",
    "Label every axis in {viz} exports; {aud} forward them without context.",
    "For {industry} clients, compare {kpi} against the same week last year, not last month.",
    "Avoid jargon like {acronym} with {aud} unless they use it first.",
    "Keep {viz} files under {n} tabs; larger ones get ignored by {aud}.",
    "{aud} respond better to {format} than to long paragraphs.",
    "Round figures to {precision} for {aud}; exact decimals distract.",
    "Flag any YoY change in {kpi} above {pct}% so the analyst can check for data issues.",
    "In {quarter}, {industry} teams focus on {topic}.",
    "Ask whether {aud} need {kpi} per {unit} before aggregating.",
    "It takes about {n} iterations to settle a dashboard layout with {aud}.",
    "{aud} often confuse {kpi} with {kpi2}; define both in the legend.",
    "Post a short summary in {chan} by {day} if the full report slips past {n} days.",
    "{aud} who work in {viz} expect the {code} behind every number to be one click away.",
    "When data is missing for a {unit}, say so explicitly instead of interpolating.",
    "New users need a walkthrough of {feature} within their first {n} sessions.",
    "{industry} questions about {topic} usually need {kpi} broken down by {unit}.",
)
_PER_FRAME = 16
_LESSON_SEED = 7


def _frame_values(frame: str) -> list[dict[str, str]]:
    """Every filling of ``frame``'s slots (``deliv2``/``kpi2`` draw from ``deliv``/``kpi``)."""
    slots = sorted(set(re.findall(r"\{(\w+?)\}", frame)))
    names = [s.removesuffix("2") for s in slots]
    combos = itertools.product(*(_S[name] for name in names))
    return [dict(zip(slots, combo, strict=True)) for combo in combos]


def _render(frame: str, values: dict[str, str]) -> str | None:
    """The sentence, or None when a slot and its "2" twin got the same filler."""
    if any(values.get(f"{k}2") == v for k, v in values.items()):
        return None
    text = frame.format(**values)
    return text[0].upper() + text[1:]


def lessons() -> list[str]:
    """PII-free "lessons learned" sentences: up to 16 per frame, deterministic, unique."""
    rng = random.Random(_LESSON_SEED)
    out: dict[str, None] = {}
    for frame in _FRAMES:
        rendered = [_render(frame, v) for v in _frame_values(frame)]
        candidates = sorted({r for r in rendered if r is not None})
        rng.shuffle(candidates)
        out.update(dict.fromkeys(candidates[:_PER_FRAME]))
    return list(out)


# ------------------------------------------------------------------------- CLI


def _show(sentence: Sentence) -> str:
    head = f"[{sentence.template} | {sentence.locale} | {sentence.style}] {sentence.text}"
    rows = [f"    {s.type:<15} {s.start:>3}-{s.end:<3} {s.value!r}" for s in sentence.spans]
    return "\n".join([head, *rows])


def type_counts(sentences: Sequence[Sentence]) -> dict[str, tuple[int, int]]:
    """Per type: (spans, sentences containing at least one)."""
    spans = Counter(s.type for sent in sentences for s in sent.spans)
    sents = Counter(t for sent in sentences for t in {s.type for s in sent.spans})
    return {t: (spans[t], sents[t]) for t in TYPES}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--template", action="append", help="restrict to these template ids")
    parser.add_argument("--counts", action="store_true", help="print per-type counts only")
    args = parser.parse_args(argv)
    corpus = generate(args.n, args.seed, args.template)
    if args.counts:
        for t, (spans, sents) in type_counts(corpus).items():
            print(f"{t:<15} spans={spans:>5} sentences={sents:>5}")
        print(f"styles: {dict(Counter(s.style for s in corpus))}; lessons: {len(lessons())}")
        return
    for sentence in corpus:
        print(_show(sentence))


if __name__ == "__main__":
    main()
