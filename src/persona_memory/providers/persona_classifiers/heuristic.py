"""An offline, deterministic persona memory classifier: no model, no network.

It reads only USER turns, sentence by sentence, and looks for what the seed
calls worth remembering, scored on its importance scale:

* a fear ("I'm terrified of deep water", "heights scare me") -> 8, emotional
  pattern: "Someone shared they're afraid of deep water";
* a life-changing event (married, a baby, a diagnosis, a loss, graduating,
  quitting a job, moving abroad...) -> 9, experience;
* a strong emotion (heartbroken, devastated, overjoyed...) -> 8; a milder one
  (excited, nervous, proud...) 6, or 7 said with intensity;
* a passion ("I'm passionate about/obsessed with X", "X is my passion", a
  dream) -> 7, interest; "I love X" 5, or 7 said with intensity;
* an idea, project or discovery told about ("X told me about their new AI
  project") -> 7: "I had a fascinating conversation about AI projects";
  "I'm building <a project>", "I have an idea for...", "I learned that..." ->
  7 (a project without a project word, such as "working on the report", 4).

Anything else (greetings, routine, logistics) gives nothing, and a sentence
about where someone lives or how to reach them scores 3 at most. A sentence
with contact details, an address or an identifier (any structured PII) is never
a candidate: too much PII. What is kept is rewritten in the persona's voice and
anonymised (:func:`persona_memory.core.persona_learning.generalised`: names ->
"someone", companies -> "their workplace", places dropped or "a city"), with
I -> they, my -> their, me -> them, and its "when" dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from persona_memory.core.digests import Turn
from persona_memory.core.persona_files import PersonaMemoryCategory as Category
from persona_memory.core.persona_learning import (
    PersonaMemoryCandidate,
    generalised,
    sentence_case,
    someone_shared,
    third_person,
    timeless,
    topic,
)
from persona_memory.core.privacy import STRUCTURED_TYPES, PiiDetector

MAX_TURN_CHARS = 20_000
ROUTINE_CAP = 3
Matcher = Callable[[str], PersonaMemoryCandidate | None]


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_ADV_WORDS = (
    r"so|really|very|absolutely|totally|kind\s+of|kinda|super|always|still|deeply|genuinely"
    r"|honestly|truly|quite|pretty|incredibly|extremely|just|actually|seriously|completely"
    r"|utterly|literally|a\s+bit|a\s+little"
)
_ADV = rf"(?:(?:{_ADV_WORDS})\s+)*"
_INTENSE = _rx(r"(?<![\w'])(?:so|really|very|absolutely|truly|deeply|incredibly|extremely"
               r"|completely|utterly|literally|seriously|so\s+much)(?![\w'])|!")  # fmt: skip
_BE = r"(?:I'm|I\s+am|I've\s+(?:always\s+)?been|I\s+was|I\s+get|I\s+feel|I\s+felt|I\s+always\s+get)"


def _candidate(
    text: str, category: Category, importance: int, reason: str
) -> PersonaMemoryCandidate | None:
    text = sentence_case(text)
    if not text:
        return None
    return PersonaMemoryCandidate(
        text=text, category=category, importance=importance, reason=reason
    )


def _lower_first(text: str) -> str:
    """A capitalised first word is lowered ("Heights scare me" -> "afraid of heights");
    "AI" and "McDonald" stay as written."""
    first = text.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower():
        return text[:1].lower() + text[1:]
    return text


def _intense(clause: str) -> bool:
    return _INTENSE.search(clause) is not None


# --- fears -------------------------------------------------------------------

_FEARS = (
    _rx(rf"^{_BE}\s+{_ADV}(?:terrified|scared|afraid|frightened|petrified|fearful)\s+"
        r"(?P<link>of|by|that)\s+(?P<what>.+)$"),
    _rx(r"^I\s+(?:have|'ve\s+got|got|'ve\s+always\s+had|always\s+had)\s+(?:an?\s+)?"
        rf"{_ADV}(?:(?:huge|big|real|serious|deep|irrational|crippling|massive|intense)\s+)*"
        r"(?:fear|phobia|terror)\s+(?P<link>of)\s+(?P<what>.+)$"),
    _rx(r"^(?P<what>.+?)\s+(?:really\s+|always\s+|totally\s+)?(?:terrif(?:y|ies)|scares?"
        r"|frightens?)\s+me\b"),
)  # fmt: skip


def _fear(clause: str) -> PersonaMemoryCandidate | None:
    for pattern in _FEARS:
        match = pattern.match(clause)
        if match is None:
            continue
        link = (match.groupdict().get("link") or "of").lower()
        what = _lower_first(third_person(timeless(match.group("what"))))
        if not what:
            return None
        link = "that" if link == "that" else "of"
        return _candidate(
            f"Someone shared they're afraid {link} {what}",
            Category.EMOTIONAL_PATTERN,
            8,
            "a fear someone shared: an emotional pattern worth remembering",
        )
    return None


# --- life-changing events ------------------------------------------------------

_LOSS = (
    r"job|mom|dad|mother|father|wife|husband|partner|son|daughter|brother|sister|grandma"
    r"|grandpa|grandmother|grandfather|best\s+friend|home|house|baby|dog|cat"
)
_LIFE_EVENT = _rx(
    r"(?<![\w'])(?:got\s+(?:married|engaged|divorced|sober|fired|laid\s+off|into\s+(?:college"
    r"|university|grad\s+school|med\s+school))|had\s+(?:a\s+baby|twins|a\s+miscarriage)"
    r"|(?:became|becoming|going\s+to\s+be)\s+an?\s+(?:mom|dad|mother|father|parent|grandparent"
    r"|grandma|grandpa)|pregnant|(?:was|got|been)\s+diagnosed|lost\s+my\s+(?:" + _LOSS + r")"
    r"|passed\s+away|died|graduated|quit\s+my\s+job|started\s+my\s+own\s+(?:business|company)"
    r"|retired|beat\s+(?:cancer|addiction)|survived|came\s+out|immigrated|got\s+my\s+citizenship"
    r"|moved\s+(?:abroad|to\s+another\s+country|across\s+the\s+(?:world|country)))(?![\w'])"
)
_FIRST_PERSON = _rx(r"(?<![\w'])(?:I|I'm|I've|I'd|my|me|we|our)(?![\w'])")


def _life_event(clause: str) -> PersonaMemoryCandidate | None:
    if not _LIFE_EVENT.search(clause) or not _FIRST_PERSON.search(clause):
        return None
    return _candidate(
        someone_shared(timeless(clause)),
        Category.EXPERIENCE,
        9,
        "a life-changing event someone shared: very impactful",
    )


# --- emotions and passions ---------------------------------------------------------

_STRONG = "heartbroken|devastated|overjoyed|ecstatic|grieving|crushed|shattered|traumati[sz]ed"
_MILD = (
    "thrilled|excited|anxious|nervous|proud|ashamed|grateful|overwhelmed|lonely|depressed"
    "|miserable|furious|hopeful|inspired|stressed|worried|homesick|jealous|insecure"
)
_EMOTION = _rx(rf"^{_BE}\s+{_ADV}(?P<emotion>{_STRONG}|{_MILD})(?![\w'])")


def _emotion(clause: str) -> PersonaMemoryCandidate | None:
    match = _EMOTION.match(clause)
    if match is None:
        return None
    strong = re.fullmatch(_STRONG, match.group("emotion"), re.IGNORECASE) is not None
    importance = 8 if strong else 7 if _intense(clause) else 6
    return _candidate(
        someone_shared(timeless(clause)),
        Category.EMOTIONAL_PATTERN,
        importance,
        "a strong emotion someone shared" if importance >= 7 else "a passing feeling",
    )


_PASSIONS = (
    _rx(r"^(?:I'm|I\s+am|I've\s+(?:always\s+)?been|I\s+got)\s+"
        rf"{_ADV}(?:passionate\s+about|obsessed\s+with|fascinated\s+by|in\s+love\s+with"
        r"|addicted\s+to|crazy\s+about)\s+\S"),
    _rx(r"^.+?\s+(?:is|are|has\s+always\s+been|have\s+always\s+been)\s+my\s+(?:(?:biggest|true"
        r"|greatest|whole|one)\s+)?(?:passion|obsession|life|everything)(?![\w'])"),
    _rx(r"^(?:I\s+(?:have\s+)?(?:always\s+)?dream(?:ed|t)?\s+(?:of|about)|my\s+(?:biggest\s+"
        r"|life-long\s+|lifelong\s+)?dream\s+is)\s+\S"),
)  # fmt: skip
_LOVE = _rx(rf"^I\s+{_ADV}(?:love|adore)\s+(?!you\b|it\b|that\b|this\b)\S")


def _passion(clause: str) -> PersonaMemoryCandidate | None:
    if any(pattern.match(clause) for pattern in _PASSIONS):
        importance, reason = 7, "a passion someone shared"
    elif _LOVE.match(clause):
        intense = _intense(clause)
        importance = 7 if intense else 5
        reason = "something someone loves deeply" if intense else "a liking, not a passion"
    else:
        return None
    return _candidate(someone_shared(timeless(clause)), Category.INTEREST, importance, reason)


# --- ideas, projects, discoveries -------------------------------------------------

_TOLD_ABOUT = _rx(
    r"(?<![\w'])(?:told|showed|taught|explained\s+to)\s+me\s+(?:all\s+)?about\s+(?P<what>.+)$"
)
_TALKED_ABOUT = _rx(
    r"(?<![\w'])(?:we|I)\s+(?:talked|chatted|had\s+an?\s+(?:\w+\s+)?(?:talk|conversation"
    r"|chat|discussion))\s+about\s+(?P<what>.+)$"
)


def _told_about(clause: str) -> PersonaMemoryCandidate | None:
    match = _TOLD_ABOUT.search(clause)
    importance, reason = 7, "an idea or project someone told about"
    if match is None:
        match = _TALKED_ABOUT.search(clause)
        importance, reason = 5, "a conversation, nothing more"
    if match is None:
        return None
    about = topic(match.group("what"))
    if not about:
        return None
    return _candidate(
        f"I had a fascinating conversation about {about}", Category.EXPERIENCE, importance, reason
    )


_PROJECT = _rx(
    r"^(?:I'm|I\s+am|I've\s+been|we're|we\s+are|we've\s+been)\s+"
    rf"{_ADV}(?:working\s+on|building|developing|designing|inventing|writing|creating|making"
    r"|launching|prototyping|starting|researching|composing|recording|directing)\s+\S"
)
_PROJECT_WORDS = _rx(
    r"(?<![\w'])(?:project|app|startup|company|business|book|novel|memoir|game|invention"
    r"|prototype|album|song|film|movie|documentary|podcast|thesis|dissertation|research|robot"
    r"|website|platform|device|sculpture|nonprofit|charity|ai|algorithm|idea|experiment"
    r"|machine|engine|garden|course|play|musical|comic|poem|poems|symphony)s?(?![\w'])"
)
_IDEA = _rx(
    r"^(?:I\s+(?:have|had|'ve\s+got|got)\s+(?:an?|this)\s+(?:\w+\s+)?idea|my\s+(?:\w+\s+)?idea"
    r"\s+is)(?![\w'])"
)


def _project(clause: str) -> PersonaMemoryCandidate | None:
    if _IDEA.match(clause):
        importance, reason = 7, "an idea someone shared"
    elif _PROJECT.match(clause):
        grand = _PROJECT_WORDS.search(clause) is not None
        importance = 7 if grand else 4
        reason = "a project someone told about" if grand else "work in progress, routine"
    else:
        return None
    return _candidate(someone_shared(timeless(clause)), Category.INTEREST, importance, reason)


_DISCOVERY = _rx(
    r"^I\s+(?:just\s+|recently\s+|finally\s+|once\s+)?(?:learned|learnt|discovered|found\s+out"
    r"|read|heard)\s+that\s+(?P<fact>.+)$"
)
_INSIGHT = _rx(
    r"^I\s+(?:just\s+|recently\s+|finally\s+)?(?:realized|realised|figured\s+out|noticed)\s+\S"
)
_PERSONAL = _rx(r"(?<![\w'])(?:I|I'm|I've|my|me|mine|myself|you|your)(?![\w'])")


def _discovery(clause: str) -> PersonaMemoryCandidate | None:
    match = _DISCOVERY.match(clause)
    if match is not None and not _PERSONAL.search(match.group("fact")):
        fact = timeless(match.group("fact"))
        text = f"Someone taught me that {fact}"
        return _candidate(text, Category.LEARNED_FACT, 7, "a discovery someone shared")
    if match is not None or _INSIGHT.match(clause):
        text = someone_shared(timeless(clause))
        return _candidate(text, Category.EMOTIONAL_PATTERN, 7, "an insight someone shared")
    return None


# Tried in this order; the first that matches a clause decides it.
_MATCHERS: tuple[Matcher, ...] = (
    _fear,
    _life_event,
    _emotion,
    _passion,
    _told_about,
    _project,
    _discovery,
)

# --- reading the turns ----------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE = _rx(
    r"\s*;\s*|,?\s+but\s+(?=I\b|I'm|my\b|it\b)|,\s*(?:and|so)\s+(?=I\b|I'm|my\b)"
    r"|\s+and\s+(?=I'm\b|I\s+am\b|I've\b)"
)
_FILLER = _rx(
    r"^(?:(?:oh|well|so|and|but|also|actually|honestly|lol|haha|ok|okay|yeah|yes|no|um|uh"
    r"|hmm|tbh|btw|anyway|omg|wow|guess\s+what)[,!.:]?\s+)+"
)
_SLOPPY = (
    (re.compile(r"[\u2018\u2019]"), "'"),
    (re.compile(r"(?<![\w'])i(?![\w'])"), "I"),
    (re.compile(r"(?<![\w'])im(?![\w'])", re.IGNORECASE), "I'm"),
    (re.compile(r"(?<![\w'])ive(?![\w'])", re.IGNORECASE), "I've"),
    (re.compile(r"(?<![\w'])i(?='(?:m|ve|d|ll)\b)"), "I"),
)
_ROUTINE = _rx(
    r"(?<![\w'])(?:I\s+live|I'm\s+(?:from|based\s+in|living\s+in)|I\s+(?:just\s+)?moved\s+(?:in"
    r"|to)|my\s+(?:address|phone|number|email|e-mail|zip|postcode)|call\s+me|text\s+me"
    r"|email\s+me|meet\s+(?:me|you|up)|see\s+you|remind\s+me|(?:re)?schedule)(?![\w'])"
)


def _clean(text: str) -> str:
    text = text.strip()
    for pattern, replacement in _SLOPPY:
        text = pattern.sub(replacement, text)
    return _FILLER.sub("", text).strip()


def _clauses(sentence: str) -> list[str]:
    return [c for c in (_clean(part) for part in _CLAUSE.split(sentence)) if len(c.split()) >= 2]


def _sentences(turn: Turn) -> list[str]:
    content = "".join(c for c in turn.content[:MAX_TURN_CHARS] if c.isprintable() or c == "\n")
    return [s for s in (_clean(part) for part in _SENTENCE.split(content)) if s]


def _match(clause: str) -> PersonaMemoryCandidate | None:
    for matcher in _MATCHERS:
        found = matcher(clause)
        if found is not None:
            if _ROUTINE.search(clause) and found.importance > ROUTINE_CAP:
                found = found.model_copy(update={"importance": ROUTINE_CAP})
            return found
    return None


class HeuristicPersonaClassifier:
    """``detector`` finds the PII to leave out: a :class:`PiiDetector`, or a
    callable that gives one when first needed (a spaCy model loads slowly, and
    most sentences carry no cue worth the wait). Candidates below
    ``min_importance`` are not returned, so their sentences are never run
    through the detector."""

    def __init__(
        self, detector: PiiDetector | Callable[[], PiiDetector], *, min_importance: int = 1
    ) -> None:
        self._detector = detector
        self._min_importance = min_importance

    @property
    def detector(self) -> PiiDetector:
        if not isinstance(self._detector, PiiDetector):
            self._detector = self._detector()
        return self._detector

    def classify(self, turns: Sequence[Turn]) -> list[PersonaMemoryCandidate]:
        found: list[PersonaMemoryCandidate] = []
        for turn in turns:
            if turn.role != "user":
                continue  # the persona's own lines teach it nothing new
            for sentence in _sentences(turn):
                found += self._sentence(sentence)
        return found

    def _sentence(self, sentence: str) -> list[PersonaMemoryCandidate]:
        # The regexes first: the detector only reads sentences with a cue worth keeping.
        if not self._kept(_clauses(sentence)):
            return []
        spans = self.detector.detect(sentence)
        if any(span.type in STRUCTURED_TYPES for span in spans):
            return []  # contact details, an address, an id: too much PII to keep any of it
        return self._kept(_clauses(generalised(sentence, spans)))

    def _kept(self, clauses: list[str]) -> list[PersonaMemoryCandidate]:
        found = (_match(clause) for clause in clauses)
        return [m for m in found if m is not None and m.importance >= self._min_importance]
