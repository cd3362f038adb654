"""The offline, deterministic recogniser: a gazetteer and a few rules of thumb.

It needs nothing but the package: given names and surnames of 40 countries,
39,000 places and a list of well-known companies (``data/``, built by
``scripts/build_gazetteer.py``), plus the shapes that give a name away in any
case ("Dr. X", "X GmbH", "Port Xville", "moved to x"). spaCy adds a statistical
model on top (:mod:`.spacy_ner`); this runs alone when spaCy is not installed.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise

from persona_memory.core.privacy import PiiSpan, PiiType

_TOKEN = re.compile(r"[^\W\d_](?:[\w'\u2019&.-]*\w)?\.?")
_TITLES = frozenset(
    ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "dame", "lord", "lady")
)
_PARTICLES = frozenset((
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ten",
    "ter", "bin", "al", "el", "dos",
))  # fmt: skip
_PLACE_CUES = frozenset((
    "in", "from", "to", "near", "at", "visit", "visiting", "visited", "moved", "move",
    "moving", "live", "lives", "living", "lived", "based", "around", "outside", "towards",
    "via", "flying", "flew", "fly", "trip", "travelling", "traveling", "relocated", "grew",
    "born",
))  # fmt: skip
# Software and data words: named things that identify no one ("dashboards in Tableau").
SOFTWARE = frozenset((
    "excel", "tableau", "power", "bi", "powerbi", "python", "sql", "slack", "jira",
    "confluence", "notion", "figma", "looker", "qlik", "sheets", "docs", "word", "powerpoint",
    "outlook", "teams", "zoom", "gmail", "chrome", "salesforce", "hubspot", "sap", "arcgis",
    "qgis", "snowflake", "bigquery", "dbt", "airflow", "kafka", "spark", "pandas", "r",
    "stata", "spss", "sas", "github", "gitlab", "api", "crm", "erp", "pos", "gis",
))  # fmt: skip
# Words that give a name away as a person's, before it or after it.
_PERSON_BEFORE = frozenset((
    "name", "ask", "its", "it's", "customer", "applicant", "dear", "sister", "brother",
    "manager", "partner", "wife", "husband", "friend", "boss", "colleague", "mom", "dad",
    "son", "daughter", "mother", "father", "cousin", "neighbour", "neighbor", "uncle", "aunt",
    "hi", "hey", "hello", "thanks", "met", "married", "dating", "told", "call", "tell",
))  # fmt: skip
_PERSON_AFTER = frozenset((
    "says", "said", "keeps", "told", "wants", "asked", "thinks", "called", "texted", "will",
    "wrote", "mentioned", "replied",
))  # fmt: skip
# Words after which a capitalised name is a place, whatever the name.
_STRONG_PLACE_CUES = frozenset((
    "in", "to", "near", "city", "town", "village", "visiting", "visited", "moving", "moved",
    "flying", "relocated", "outside", "towards",
))  # fmt: skip
_PLACE_PARTICLES = frozenset(("am", "an", "en", "de", "sur", "aan", "den", "der", "la", "le", "di"))
_PLACE_PREFIXES = frozenset((
    "north", "south", "east", "west", "new", "lake", "port", "fort", "mount", "saint", "st.",
    "st", "san", "santa", "los", "las", "el",
))  # fmt: skip
_LANDMARKS = frozenset((
    "point", "cape", "lake", "mount", "mt", "fort", "port", "isle", "glen", "bay", "north",
    "south", "east", "west", "saint", "san", "santa",
))  # fmt: skip
_PLACE_ENDINGS = (
    "town", "ton", "land", "ville", "berg", "burgh", "borough", "bury", "view", "port",
    "mouth", "stad", "furt", "chester", "fort", "haven", "side", "shire", "field", "ford",
    "wood", "dale", "ham", "stead", "bourg", "heim", "dorf", "hausen",
)  # fmt: skip
_LEGAL_FORMS = (
    r"inc|incorporated|llc|l\.l\.c\.|ltd|limited|plc|corp|corporation|co|company|group"
    r"|holdings|gmbh|ag|kg|kgaa|ohg|gbr|e\.g|e\.v|sa|s\.a|sarl|s\.a\.r\.l|sas|s\.a\.s|spa"
    r"|s\.p\.a|srl|s\.r\.l|sl|s\.l|bv|b\.v|nv|n\.v|groep|oy|ab|as|a/s|pty|llp|lp"
    r"|and sons|& sons|et fils|e figli|y asociados|& co|partners|associates|industries"
    r"|technologies|solutions|systems|consulting|labs|ventures|capital|foods|motors"
)
_LEGAL_TAIL = re.compile(rf"\s*,?\s*(?:{_LEGAL_FORMS})\b\.?", re.IGNORECASE)
# Brands that are also everyday words: a company only where the text says so.
_AMBIGUOUS_BRANDS = frozenset((
    "apple", "amazon", "target", "block", "square", "total", "mars", "delta", "universal",
    "metro", "visa", "shell", "ford", "meta", "wise", "zoom", "orange", "subway", "gap", "next",
    "sky", "three", "tide", "mint", "dove", "puma", "oracle", "palantir",
))  # fmt: skip
_WORK_CUES = frozenset(["at", "for", "with", "from", "joined", "join", "left", "leaving", "by"])
_SENTENCE_END = re.compile(r"(?:^|[.!?:;|\n]\s*|[\"'(]\s*)$")


@dataclass(frozen=True, slots=True)
class Gazetteer:
    first_names: frozenset[str]
    popular_first_names: frozenset[str]
    surnames: frozenset[str]
    places: frozenset[str]
    companies: frozenset[str]
    common_words: frozenset[str]


@cache
def gazetteer() -> Gazetteer:
    data = resources.files(__package__) / "data"
    names = json.loads(gzip.decompress((data / "gazetteer.json.gz").read_bytes()))
    companies = (data / "companies.txt").read_text(encoding="utf-8").splitlines()
    common = set(names["common_words"]) | _english_stop_words()
    return Gazetteer(
        first_names=frozenset(names["first_names"]) - common,
        popular_first_names=frozenset(names["popular_first_names"]) - common,
        surnames=frozenset(names["surnames"]) - common,
        places=frozenset(names["places"]),
        companies=frozenset(c.strip().casefold() for c in companies if c.strip()),
        common_words=frozenset(common),
    )


def _english_stop_words() -> set[str]:
    text = (resources.files(__package__) / "data" / "stop_words.txt").read_text(encoding="utf-8")
    return {w for w in text.split() if w}


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    text: str

    @property
    def key(self) -> str:
        return re.sub(r"['\u2019]s$", "", self.text.rstrip(".")).casefold()

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


class GazetteerRecogniser:
    """Names, companies and places by lists and shapes; no model, no I/O."""

    name = "gazetteer"

    def __init__(self) -> None:
        self.words = gazetteer()

    def recognise(self, text: str) -> list[PiiSpan]:
        tokens = [_Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        spans: list[PiiSpan] = []
        i = 0
        while i < len(tokens):
            found = (
                self._company(text, tokens, i)
                or self._firm_list(text, tokens, i)
                or self._known_place(text, tokens, i)
                or self._person(text, tokens, i)
                or self._place(text, tokens, i)
                or self._firm(text, tokens, i)
                or self._surname(text, tokens, i)
            )
            if found is None:
                i += 1
                continue
            span, i = found
            spans.append(span)
        return spans

    # --- people ----------------------------------------------------------

    def _person(self, text: str, tokens: list[_Token], i: int) -> tuple[PiiSpan, int] | None:
        token = tokens[i]
        key = token.key
        if token.text.isupper() and len(token.text) <= 4:
            return None  # an acronym ("IP", "CEO"), not a name
        if key in _TITLES and i + 1 < len(tokens) and self._word(tokens[i + 1]):
            end = self._extend_name(tokens, i + 1)
            return _span(text, PiiType.PERSON, tokens[i], tokens[end - 1], 0.9), end
        lowercase_name = key in self.words.popular_first_names and _lower_ok(text, token)
        if key in self.words.first_names and (token.capitalised or lowercase_name):
            end = self._extend_name(tokens, i)
            return _span(text, PiiType.PERSON, token, tokens[end - 1], 0.8), end
        if self._cued_person(text, tokens, i):
            end = self._extend_name(tokens, i)
            return _span(text, PiiType.PERSON, token, tokens[end - 1], 0.75), end
        return None

    def _cued_person(self, text: str, tokens: list[_Token], i: int) -> bool:
        """An unknown name the words around it give away: "Ask Irya", "name: X",
        "Napoleone says", "Auguste's idea"."""
        token = tokens[i]
        if not (token.capitalised or _lower_ok(text, token)) or not self._word(token):
            return False
        if token.key in self.words.places or token.key in self.words.companies:
            return False
        before = tokens[i - 1].key if i > 0 else ""
        after = tokens[i + 1].key if i + 1 < len(tokens) else ""
        possessive = token.capitalised and re.search(r"['\u2019]s$", token.text) is not None
        return (
            before in _PERSON_BEFORE
            or after in _PERSON_AFTER
            or (possessive and not _starts_sentence(text, token))
        )

    def _word(self, token: _Token) -> bool:
        """Could be a name: letters, not an everyday word, not an acronym."""
        key = token.key
        if key in self.words.common_words or key in SOFTWARE or not key.isalpha():
            return False
        return not (token.text.isupper() and len(token.text) <= 4)

    def _firm(self, text: str, tokens: list[_Token], i: int) -> tuple[PiiSpan, int] | None:
        """Surnames joined as a firm's name: "Cole, Wood and Edwards", "Luthra-Kannan",
        or one after a work cue ("works at Courtois"). A first name among them makes
        it people, not a firm."""
        token = tokens[i]
        if not token.capitalised or token.key in self.words.first_names:
            return None
        parts = token.text.split("-")
        hyphenated = len(parts) == 2 and all(p[:1].isupper() for p in parts)
        if hyphenated and any(p.casefold() in self.words.surnames for p in parts):
            return _span(text, PiiType.ORG, token, token, 0.72), i + 1
        cued = i > 0 and tokens[i - 1].key in _WORK_CUES
        if cued and token.key in self.words.surnames and token.key not in self.words.places:
            return _span(text, PiiType.ORG, token, token, 0.65), i + 1
        return None

    def _firm_list(self, text: str, tokens: list[_Token], i: int) -> tuple[PiiSpan, int] | None:
        """ "Cole, Wood and Edwards", "Dijkman & Van Ghoerle": surnames joined as a firm's
        name, even when some are given names too (Kelly, Vincent and Adams)."""
        if not self._firm_word(tokens[i]):
            return None
        end = self._surname_list_end(text, tokens, i)
        if end is None:
            return None
        return _span(text, PiiType.ORG, tokens[i], tokens[end - 1], 0.75), end

    def _surname_list_end(self, text: str, tokens: list[_Token], i: int) -> int | None:
        """One past "A, B and C" / "A & B" / "A e B" when all are capitalised surnames."""
        names, j = 1, i + 1
        while j < len(tokens):
            gap = text[tokens[j - 1].end : tokens[j].start]
            joiner = tokens[j].key in ("and", "e", "y", "et", "&")
            if gap.strip() == "," and self._firm_word(tokens[j]):
                names, j = names + 1, j + 1
            elif joiner and j + 1 < len(tokens) and self._firm_word(tokens[j + 1]):
                return j + 2 if names >= 2 else None
            elif gap.strip() == "&" and self._firm_word(tokens[j]):
                return j + 1
            else:
                return None
        return None

    def _firm_word(self, token: _Token) -> bool:
        return token.capitalised and token.key in self.words.surnames

    def _surname(self, text: str, tokens: list[_Token], i: int) -> tuple[PiiSpan, int] | None:
        token = tokens[i]
        if (
            token.key in self.words.surnames
            and token.capitalised
            and not token.text.isupper()
            and not _starts_sentence(text, token)
        ):
            end = self._extend_name(tokens, i)
            return _span(text, PiiType.PERSON, token, tokens[end - 1], 0.6), end
        return None

    def _extend_name(self, tokens: list[_Token], i: int) -> int:
        """One past the last token of the name that starts at ``i``."""
        end = i + 1
        while end < len(tokens) and end - i < 4 and _adjacent(tokens[end - 1], tokens[end]):
            nxt = tokens[end]
            if nxt.key in _PARTICLES and end + 1 < len(tokens) and self._namelike(tokens[end + 1]):
                end += 2
            elif self._namelike(nxt) and (nxt.capitalised or nxt.key in self.words.surnames):
                end += 1
            else:
                break
        return end

    def _namelike(self, token: _Token) -> bool:
        key = token.key
        if key in self.words.common_words:
            return False
        known = key in self.words.surnames or key in self.words.first_names
        return known or (token.capitalised and token.text[1:].islower())

    # --- companies -------------------------------------------------------

    def _company(self, text: str, tokens: list[_Token], i: int) -> tuple[PiiSpan, int] | None:
        for width in (4, 3, 2, 1):
            if i + width > len(tokens):
                continue
            words = tokens[i : i + width]
            phrase = text[words[0].start : words[-1].end].rstrip(".").casefold()
            listed = (
                phrase.replace("\u2019", "'") in self.words.companies
                or _strip_possessive(phrase) in self.words.companies
            )
            if listed and (width > 1 or self._brand_here(text, tokens, i)):
                return _span(text, PiiType.ORG, words[0], words[-1], 0.9), i + width
        return self._legal_form(text, tokens, i)

    def _brand_here(self, text: str, tokens: list[_Token], i: int) -> bool:
        token = tokens[i]
        cued = i > 0 and tokens[i - 1].key in _WORK_CUES
        if token.key in _AMBIGUOUS_BRANDS or token.key in self.words.common_words:
            return cued or (token.capitalised and not _starts_sentence(text, token))
        return token.capitalised or cued or _lower_ok(text, token)

    def _legal_form(self, text: str, tokens: list[_Token], i: int) -> tuple[PiiSpan, int] | None:
        """One to three name-like words and a legal form: "Weber GmbH", "Rossi e figli"."""
        if not self._namelike(tokens[i]) and not tokens[i].capitalised:
            return None
        end = i + 1
        while end <= min(i + 3, len(tokens)):
            tail = _LEGAL_TAIL.match(text, tokens[end - 1].end)
            if tail and (end == len(tokens) or tokens[end].start >= tail.start()):
                stop = tail.end()
                last = max((t for t in tokens if t.end <= stop), key=lambda t: t.end)
                next_i = tokens.index(last) + 1
                span = PiiSpan(
                    PiiType.ORG, tokens[i].start, stop, 0.9, text[tokens[i].start : stop]
                )
                return span, next_i
            if end < len(tokens) and (self._namelike(tokens[end]) or tokens[end].text in "&y"):
                end += 1
            else:
                break
        return None

    # --- places ----------------------------------------------------------

    def _known_place(self, text: str, tokens: list[_Token], i: int) -> tuple[PiiSpan, int] | None:
        """A place of several words: "San Francisco", "Bosnia and Herzegovina"."""
        for width in (4, 3, 2):
            if i + width <= len(tokens):
                words = tokens[i : i + width]
                phrase = " ".join(w.key for w in words)
                if phrase in self.words.places and all(_adjacent(a, b) for a, b in pairwise(words)):
                    return _span(text, PiiType.LOCATION, words[0], words[-1], 0.85), i + width
        return self._cued_place(text, tokens, i)

    def _cued_place(self, text: str, tokens: list[_Token], i: int) -> tuple[PiiSpan, int] | None:
        """A capitalised name right after "in", "to", "near", "city:" is a place,
        with the words that continue it ("Büsingen am Hochrhein", "Wijk en Aalburg")."""
        token = tokens[i]
        if i == 0 or tokens[i - 1].key not in _STRONG_PLACE_CUES:
            return None
        if not token.capitalised or token.key in self.words.common_words or token.key in SOFTWARE:
            return None
        if token.text.isupper() or re.search(r"['\u2019]s$", token.text):
            return None
        end = i + 1
        while end < len(tokens) and _adjacent(tokens[end - 1], tokens[end]):
            nxt = tokens[end]
            if nxt.capitalised and nxt.key not in self.words.common_words:
                end += 1
            elif (
                nxt.key in _PLACE_PARTICLES
                and end + 1 < len(tokens)
                and tokens[end + 1].capitalised
            ):
                end += 2
            else:
                break
        return _span(text, PiiType.LOCATION, token, tokens[end - 1], 0.75), end

    def _place(self, text: str, tokens: list[_Token], i: int) -> tuple[PiiSpan, int] | None:
        token = tokens[i]
        cue = _cued(tokens, i)
        key = token.key
        if key in self.words.places and key not in self.words.common_words:
            strong = token.capitalised and not _starts_sentence(text, token)
            if strong or cue or (token.capitalised and key not in self.words.first_names):
                return _span(text, PiiType.LOCATION, token, token, 0.8), i + 1
        if (
            key in _PLACE_PREFIXES
            and i + 1 < len(tokens)
            and (token.capitalised or cue)
            and (self._made_up_town(tokens[i + 1].key) or tokens[i + 1].key in self.words.places)
        ):
            return _span(text, PiiType.LOCATION, token, tokens[i + 1], 0.8), i + 2
        if self._landmark(text, tokens, i):
            return _span(text, PiiType.LOCATION, token, tokens[i + 1], 0.8), i + 2
        if self._made_up_town(key) and (token.capitalised or cue):
            return _span(text, PiiType.LOCATION, token, token, 0.7), i + 1
        return None

    def _landmark(self, text: str, tokens: list[_Token], i: int) -> bool:
        """ "Point Reyes", "Lake Tahoe", "Mount Rainier": a landmark word and a name,
        both capitalised, mid-sentence."""
        token = tokens[i]
        if token.key not in _LANDMARKS or i + 1 >= len(tokens) or _starts_sentence(text, token):
            return False
        nxt = tokens[i + 1]
        return token.capitalised and nxt.capitalised and _adjacent(token, nxt) and self._word(nxt)

    def _made_up_town(self, key: str) -> bool:
        """A name with a town ending: "Jennifermouth", "Smithville", "Richardbourg"."""
        if key in self.words.common_words:
            return False
        for ending in _PLACE_ENDINGS:
            stem = key.removesuffix(ending)
            if stem != key and len(stem) >= 3:
                names = self.words.first_names | self.words.surnames
                if stem in names or stem.rstrip("s") in names:
                    return True
        return False


def _span(text: str, kind: PiiType, first: _Token, last: _Token, score: float) -> PiiSpan:
    end = last.end
    if text[first.start : end].endswith(".") and kind is not PiiType.ORG:
        end -= 1
    if re.search(r"['\u2019]s$", text[first.start : end]):
        end -= 2
    return PiiSpan(kind, first.start, end, score, text[first.start : end])


def _strip_possessive(phrase: str) -> str:
    return re.sub(r"['\u2019]s$", "", phrase)


def _adjacent(a: _Token, b: _Token) -> bool:
    return b.start - a.end <= 1


def _starts_sentence(text: str, token: _Token) -> bool:
    return bool(_SENTENCE_END.search(text[: token.start]))


def _cued(tokens: list[_Token], i: int) -> bool:
    return i > 0 and tokens[i - 1].key in _PLACE_CUES


def _lower_ok(text: str, token: _Token) -> bool:
    """A lowercase given name counts when the text is lowercase throughout (chat),
    where capitals say nothing; in cased text a lowercase word is a word."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) <= len(letters) * 0.02
