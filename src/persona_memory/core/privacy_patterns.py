"""Structured PII found by validated patterns: contact details and identifiers.

A pattern proposes a candidate and a check confirms it (a checksum, a valid
address range, a possible phone number, a birth cue nearby), so an order
number is not a card and a version string is not an IP address. Everything
here is pure and deterministic; names, companies and places are the
recognisers' job (``persona_memory.providers.recognisers``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator

import phonenumbers

from persona_memory.core.privacy import PiiSpan, PiiType

_I = re.IGNORECASE

# RFC 5322's atom characters in the local part; a TLD may be punycode (xn--...).
_LOCAL = r"[\w.!#$%&'*+/=?^`{|}~-]"
EMAIL = re.compile(
    rf"(?<!{_LOCAL}){_LOCAL}+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:[a-z]{{2,}}|xn--[a-z0-9-]+)"
    r"(?![\w-])",
    _I,
)
URL = re.compile(
    r"(?<![\w@/.-])(?:(?:https?://|www\.)[^\s<>\"']+"
    r"|(?:[a-z0-9-]+\.)+(?:com|net|org|io|me|co|uk|de|fr|es|it|nl|in|info|biz|dev|app)"
    r"/[^\s<>\"']*)",
    _I,
)
HANDLE = re.compile(r"(?<![\w@.])@[a-z0-9_](?:[a-z0-9_.-]{0,38}[a-z0-9_])?(?![\w@])", _I)
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])", _I)
SSN = re.compile(r"(?<![\d-])(\d{3})[- ](\d{2})[- ](\d{4})(?![\d-])")
CARD = re.compile(r"(?<![\d+-])\d(?:[ -]?\d){11,18}(?![\d-])")
IBAN = re.compile(
    r"(?<![a-z0-9])[a-z]{2}\d{2}(?:[a-z0-9]{11,30}|(?:[ -][a-z0-9]{4}){2,7}(?:[ -][a-z0-9]{1,4})?)"
    r"(?![a-z0-9])",
    _I,
)
PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().\-/]{5,22}\d(?:\s?(?:x|ext\.?|#)\s?\d{1,6})?(?![\w])",
    _I,
)

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
DATE = (
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS},?\s+\d{{4}})"
)
DATES = re.compile(rf"(?<![\w/.-]){DATE}(?![\w/-])", _I)
# Cue words, matched with one typo allowed ("bron", "birhday", "date of brith").
_BIRTH_CUES = ("born", "birth", "birthday", "bday", "birthdate")
_CUE_WINDOW = 32
_DATE_ONLY = re.compile(rf"^{DATE}$", _I)

# Street words of the languages we meet: USPS suffixes ("Main St"), words that
# come first in Romance languages ("rue de la Paix", "Via Roma") and endings
# of Germanic compounds ("Müllerstraße", "Kerkstraat"). Plurals are allowed.
_SUFFIXES = (
    "alley|avenue|ave|boulevard|blvd|branch|bridge|brook|burg|bypass|camp|canyon|cape"
    "|causeway|center|centre|circle|cir|cliff|close|club|common|corner|course|court|ct"
    "|cove|creek|crescent|cres|crest|crossing|crossroad|curve|dale|dam|divide|drive|dr"
    "|estate|expressway|extension|fall|ferry|field|flat|ford|forest|forge|fork|fort"
    "|freeway|garden|gateway|glen|green|grove|harbor|harbour|haven|heights|highway|hwy"
    "|hill|hollow|inlet|island|isle|junction|key|knoll|lake|land|landing|lane|ln|light"
    "|loaf|lock|lodge|loop|mall|manor|meadow|mews|mill|mission|motorway|mount|mountain"
    "|neck|orchard|oval|overpass|park|parkway|pkwy|pass|passage|path|pike|pine|place|pl"
    "|plain|plaza|point|port|prairie|radial|ramp|ranch|rapid|rest|ridge|river|road|rd"
    "|route|row|rue|run|shoal|shore|skyway|spring|spur|square|sq|station|stravenue|stream"
    "|street|st|summit|terrace|ter|throughway|trace|track|trafficway|trail|tunnel"
    "|turnpike|underpass|union|valley|via|viaduct|view|village|ville|vista|walk|wall|way"
    "|well|gate|wharf|yard|nagar|zila|ganj|marg|chowk|colony|layout|bazaar|gali"
)
_PREFIXES = (
    "rue|avenue|av\\.|boulevard|bd|chemin|place|impasse|all[ée]e|quai|route|cours|passage"
    "|calle|c\\.|c/|avenida|avda\\.?|paseo|plaza|camino|carrer|ronda|traves[ií]a|glorieta"
    "|rambla|urbanizaci[óo]n|callej[óo]n|ca[ñn]ada|alameda|acceso|pasaje|cuesta|pasadizo"
    "|vial|carretera|via|viale|piazza|piazzale|corso|strada|vicolo|largo|contrada|borgo"
    "|rotonda|stretto|incrocio|canale|lungomare|localit[àa]"
)
_COMPOUND_ENDS = (
    "straße|strasse|str\\.|weg|platz|allee|gasse|ring|damm|ufer|steig|chaussee|straat|laan"
    "|plein|gracht|kade|singel|dijk|hof|pad|dreef|baan|steeg|boulevard|park|markt"
)
_UNIT = (
    r"(?:,?\s*(?:apt\.?|apartment|suite|ste\.?|unit|flat|studio|floor|piso|puerta|piano"
    r"|appartamento|interno|scala|bus|#)\s*[\w-]{1,6})*"
)
_STOP = r"(?!(?:and|or|but|with|in|to|for|i|we|you|is|was|then|near|by)\b)"
_WORD = rf"{_STOP}[^\W\d_][\w'\u2019.-]*"
_NUMBER = r"\d{1,6}[a-z]?(?:\s?[-/]\s?\d{1,4}[a-z]?)?"
_HOUSE = rf"(?:(?:flat|studio|unit|h\.?\s?no\.?|house\s+no\.?)\s*)?{_NUMBER}"
_EN_STREET = (
    rf"(?P<en>{_HOUSE},?\s+(?P<name>{_WORD})\s+(?:{_WORD}\s+){{0,3}}(?:{_SUFFIXES})s?\b\.?{_UNIT})"
)
_ROMANCE_STREET = (
    rf"(?:{_NUMBER},?\s+)?(?:{_PREFIXES})\s+(?:{_WORD}\s+){{0,3}}{_WORD}"
    rf"(?:,?\s*(?:n[º°o.]\s*)?\d{{1,4}}[a-z]?(?!\d))?{_UNIT}"
)
_GERMANIC_STREET = (
    rf"(?:{_WORD}\s+(?=[^\W\d_][\w.']*-))?(?:[^\W\d_][\w.'-]*?)?"
    rf"(?:{_COMPOUND_ENDS})\.?\s+{_NUMBER}(?!\d){_UNIT}"
)
_INDIAN_HOUSE = (
    rf"(?:h\.?\s?no\.?\s*{_NUMBER},?|(?<!/)\d{{1,3}}/\d{{1,4}},)\s+(?P<in_name>{_WORD})"
    rf"(?:\s+{_WORD})?"
    rf"|\d{{1,4}},\s+{_WORD},\s+{_WORD}(?:\s+{_WORD})?[-\s]\d{{6}}"
)
_CUED_HOUSE = (
    rf"(?:(?<=\bat )|(?<=\bis )|(?<=address )|(?<=address: ))\d{{1,4}},\s+{_WORD}(?=,\s+[^\W\d_])"
)
_MILITARY = r"(?:(?:psc|unit)\s+\d{3,5},?\s+box\s+\d{3,5}|(?:uss|usns|usnv|uscgc)\s+[a-z]+)"
_POSTCODE = (
    r"(?:\d{5}(?:-\d{4})?|\d{6}|\d{4}\s?[a-z]{2}|\d{4}|[a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2}"
    r"|\d{3}\s?\d{3})"
)
_PLACE = rf"(?:'[st][- ])?{_WORD}(?:[\s-]+{_WORD}){{0,4}}(?:\s*\([a-z]{{2}}\))?"
# What follows a street in a full address: "Springfield, IL 62704", "10115 Berlin",
# "Girona, 47514", "16146, Genova (GE)", "Ranchi-137578", "DPO AA 30809".
_AREA_TAIL = (
    rf"(?:(?:\s*,\s*|\s+)(?:{_PLACE}(?:,\s*|\s*-\s*|\s+)(?:[a-z]{{2}}\s+)?{_POSTCODE}"
    rf"|{_POSTCODE},?\s+{_PLACE}|[adf]po\s+a[aep]\s+\d{{5}}|{_PLACE},\s+{_POSTCODE}"
    r"|[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2},\s+[a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2}))?"
)
STREET = re.compile(
    rf"(?<![\w])(?:{_INDIAN_HOUSE}|{_CUED_HOUSE}|{_MILITARY}|{_GERMANIC_STREET}|{_ROMANCE_STREET}"
    rf"|{_EN_STREET})(?P<tail>(?:{_AREA_TAIL})*)(?!\w)",
    _I,
)

_PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "CA", "AU", "IE", "CH", "AT")


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _iban_ok(candidate: str) -> bool:
    code = re.sub(r"[ -]", "", candidate).upper()
    if not 15 <= len(code) <= 34 or not code[2:4].isdigit():
        return False
    moved = code[4:] + code[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def _iban_prefix(candidate: str) -> int:
    """The length of the longest valid IBAN the candidate starts with, or 0: the
    pattern may take a word after a grouped IBAN ("... 3317 for")."""
    while candidate:
        if _iban_ok(candidate):
            return len(candidate)
        cut = max(candidate.rfind(" "), candidate.rfind("-"))
        if cut <= 4:
            return 0
        candidate = candidate[:cut]
    return 0


def _street_ok(match: re.Match[str]) -> bool:
    """ "12 Baker Street" is an address, "15 minute drive" is not; "73/76, Mohanty
    Marg" is, "06/1985, as agreed" (a date's tail) is not: in cased text the
    street's name is capitalised (in all-lowercase chat nothing is)."""
    name = match.group("name") or match.group("in_name")
    if name is None:
        return True
    return not _cased(match.string) or name[0].isupper()


def _cased(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) > len(letters) * 0.02


_LAST_WORD = re.compile(r"[\s,-]+([^\W\d_][\w'\u2019.-]*)$")


def _street_end(match: re.Match[str]) -> int:
    """Where an address ends: the town after it may take a word of the sentence
    ("10115 Berlin now"); in cased text a town's last word is capitalised."""
    start, end = match.start("tail"), match.end()
    if start == end or not _cased(match.string):
        return end
    while (last := _LAST_WORD.search(match.string, start, end)) and last.group(1)[0].islower():
        end = last.start()
    return end


def _birth_cue(before: str) -> bool:
    words = re.findall(r"[a-z]+(?:-[a-z]+)?", before.casefold())
    if "dob" in words or "d.o.b" in before.casefold():
        return True
    return any(_near(w.replace("-", ""), cue) for w in words[-6:] for cue in _BIRTH_CUES)


def _near(word: str, target: str) -> bool:
    """At most one edit (insert, delete, substitute, or swap of neighbours)."""
    if word == target:
        return True
    if abs(len(word) - len(target)) > 1 or len(target) < 4 or len(word) < 3:
        return False
    if len(word) == len(target):
        diff = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1
        return len(diff) == 1 or (swapped and word[diff[0]] == target[diff[1]])
    short, long = sorted((word, target), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _ssn_ok(match: re.Match[str]) -> bool:
    area, group, serial = match.groups()
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _card_ok(match: re.Match[str]) -> bool:
    """Luhn-valid and shaped like a card: 13-19 digits, contiguous or in groups of
    four (Amex: 4-6-5); 12 digits only in fours or after a card word, since a
    12-digit run is more often a phone number."""
    candidate = match.group()
    digits = re.sub(r"\D", "", candidate)
    groups = [len(g) for g in re.split(r"[ -]", candidate)]
    card_groups = len(groups) == 1 or groups[:-1] == [4] * (len(groups) - 1) or groups == [4, 6, 5]
    if not (card_groups and 12 <= len(digits) <= 19 and _luhn(digits)):
        return False
    cued = _CARD_CUE.search(match.string[max(0, match.start() - 24) : match.start()])
    return len(digits) >= 13 or len(groups) == 3 or cued is not None


_CARD_CUE = re.compile(r"card|visa|master|amex|maestro|credit|debit|cc", _I)


def _phone_ok(candidate: str) -> bool:
    """Seven to fifteen digits that are not a date or a year range, and that make a
    possible number in one of the regions we know; ten or more digits pass
    without one (a trunk or exit prefix the library does not expect)."""
    digits = re.sub(r"\D", "", re.split(r"x|ext|#", candidate, flags=re.IGNORECASE)[0])
    shape = candidate.strip()
    if not 7 <= len(digits) <= 15 or _DATE_ONLY.match(shape):
        return False
    if re.fullmatch(r"\d{4}\s*[-/]\s*\d{2,4}", shape):
        return False
    return len(digits) >= 10 or any(_possible(candidate, region) for region in _PHONE_REGIONS)


def _possible(candidate: str, region: str) -> bool:
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(number))


def _ip_ok(candidate: str) -> bool:
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Sentence punctuation after a URL or an address is not part of it; a closing
    bracket is, when the span opened it ("Genova (GE)")."""
    while end > start and text[end - 1] in ".,;:!?)]}'\"":
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return start, end


Check = Callable[[re.Match[str]], bool]

# Order matters: earlier types win an overlap (a card number is not a phone).
_RULES: tuple[tuple[PiiType, re.Pattern[str], Check], ...] = (
    (PiiType.EMAIL, EMAIL, lambda m: True),
    (PiiType.URL, URL, lambda m: True),
    (PiiType.IBAN, IBAN, lambda m: _iban_prefix(m.group()) > 0),
    (PiiType.US_SSN, SSN, _ssn_ok),
    (PiiType.CREDIT_CARD, CARD, _card_ok),
    (PiiType.IP_ADDRESS, IPV4, lambda m: _ip_ok(m.group())),
    (PiiType.IP_ADDRESS, IPV6, lambda m: m.group().count(":") >= 2 and _ip_ok(m.group())),
    (PiiType.DATE_OF_BIRTH, DATES, lambda m: _birth_cue(m.string[: m.start()][-_CUE_WINDOW:])),
    (PiiType.STREET_ADDRESS, STREET, lambda m: _street_ok(m)),
    (PiiType.PHONE, PHONE, lambda m: _phone_ok(m.group())),
    (PiiType.SOCIAL_HANDLE, HANDLE, lambda m: True),
)


def structured_spans(text: str) -> list[PiiSpan]:
    """Every contact detail and identifier in ``text``, without overlaps."""
    taken: list[PiiSpan] = []
    for kind, pattern, check in _RULES:
        for start, end in _matches(text, kind, pattern, check):
            if not any(start < s.end and s.start < end for s in taken):
                taken.append(PiiSpan(kind, start, end, 1.0, text[start:end]))
    return sorted(taken, key=lambda s: s.start)


def _matches(
    text: str, kind: PiiType, pattern: re.Pattern[str], check: Check
) -> Iterator[tuple[int, int]]:
    for match in pattern.finditer(text):
        if not check(match):
            continue
        if kind is PiiType.IBAN:
            yield match.start(), match.start() + _iban_prefix(match.group())
        elif kind is PiiType.STREET_ADDRESS:
            yield _trim(text, match.start(), _street_end(match))
        elif kind in (PiiType.URL, PiiType.PHONE):
            yield _trim(text, match.start(), match.end())
        else:
            yield match.start(), match.end()
