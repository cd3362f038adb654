"""An offline, deterministic summarizer: no model, no network, standard library only.

It picks sentences rather than writing new ones. Each sentence is scored by
the weight of its content words across the session (frequent in the session,
rare across its sentences: TF-IDF with sentences as documents), boosted when
it carries a decision, an action, advice or a feeling, damped when it is a
question or a bare mention; near-duplicates are dropped and the best few are
kept in the order they were said. Stop words, filler ("hey", "yeah", "lol"),
feelings and the speakers' roles never count as content.

The other fields come from small, documented word lists, so the digest of a
session is the same on every machine and every run:

* ``decisions`` and ``action_items``: statements (not questions) containing one
  of :data:`DECISION_CUES` or :data:`ACTION_CUES`; one sentence may be both.
  "should" is not a decision cue: in "you should talk to her" it is advice,
  and nothing was decided yet.
* ``people_mentioned``: capitalised words used mid-sentence at least once. The
  speakers' roles (e.g. "brad") are participants, not mentions, so they are
  left out; the user's name is not a role, so it is listed when someone uses
  it mid-sentence ("You've got this, Alice").
* ``key_topics``: the heaviest content words, or two-word phrases said at least
  twice ("monday morning"), lowercase. Names count ("sarah"), the speakers'
  roles do not; the user's name can appear, as the summarizer cannot tell it
  from anyone else's.
* ``emotions``: :data:`EMOTIONS`, with simple inflections and a negation check
  ("not stressed" is not stress); ``emotional_tone`` compares their polarity,
  plus a few tone words ("amazing", "awful"): "positive", "negative", "mixed"
  or "neutral".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from persona_memory.core.digests import SessionDigest, Turn

MAX_SUMMARY_CHARS = 600
MAX_TOPICS = 6
MAX_ITEMS = 5
MAX_ITEM_CHARS = 200
MAX_PEOPLE = 10

DECISION_CUES: tuple[str, ...] = (
    "decided",
    "decide to",
    "i'll",
    "we'll",
    "i will",
    "we will",
    "let's",
    "going to",
    "gonna",
    "agreed",
    "agree to",
    "the plan is",
    "my plan is",
    "our plan is",
    "plan is to",
    "made up my mind",
)

ACTION_CUES: tuple[str, ...] = (
    "need to",
    "needs to",
    "have to",
    "has to",
    "will",
    "todo",
    "to-do",
    "remember to",
    "don't forget",
    "follow up",
    "send",
    "call",
    "email",
    "talk to",
    "schedule",
    "tomorrow",
    "tonight",
    "next week",
    "this week",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

# Advice is what a persona brings to a session; worth a place in its summary,
# but not a decision until the user takes it.
ADVICE_CUES: tuple[str, ...] = (
    "i'd suggest",
    "i suggest",
    "i'd recommend",
    "i recommend",
    "my advice",
    "you should",
    "you could",
    "you might",
    "try to",
)

# Canonical emotion -> the surface forms that count for it.
EMOTIONS: dict[str, tuple[str, ...]] = {
    "stressed": ("stress", "stressed", "stressing", "stressful"),
    "frustrated": ("frustrated", "frustrating", "frustration", "annoyed", "annoying"),
    "angry": ("angry", "anger", "furious", "mad", "pissed"),
    "sad": ("sad", "sadness", "unhappy", "miserable", "heartbroken"),
    "anxious": ("anxious", "anxiety", "nervous", "panicking", "panic"),
    "worried": ("worried", "worry", "worrying", "worries", "concerned"),
    "overwhelmed": ("overwhelmed", "overwhelming", "swamped"),
    "hurt": ("hurt", "hurtful", "betrayed"),
    "tired": ("tired", "exhausted", "exhausting", "drained", "burned", "burnt"),
    "confused": ("confused", "confusing", "unsure"),
    "disappointed": ("disappointed", "disappointing", "letdown"),
    "lonely": ("lonely", "alone", "isolated"),
    "scared": ("scared", "afraid", "terrified", "frightened"),
    "embarrassed": ("embarrassed", "embarrassing", "humiliated"),
    "happy": ("happy", "glad", "joy", "joyful", "cheerful", "delighted"),
    "excited": ("excited", "exciting", "thrilled", "pumped", "stoked"),
    "relieved": ("relieved", "relief"),
    "grateful": ("grateful", "thankful", "appreciate", "appreciated"),
    "proud": ("proud", "accomplished"),
    "hopeful": ("hopeful", "optimistic", "hope"),
    "calm": ("relaxed", "peaceful", "calmer"),
    "confident": ("confident", "empowered"),
}
POSITIVE_EMOTIONS = frozenset(
    {"happy", "excited", "relieved", "grateful", "proud", "hopeful", "calm", "confident"}
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Count towards the tone, but name no particular emotion.
_POSITIVE_WORDS = _words(
    "great awesome amazing wonderful fantastic perfect love loved lovely brilliant "
    "fun celebrate celebrating yay congrats congratulations"
)
_NEGATIVE_WORDS = _words("awful terrible horrible hate hated unfair worst nightmare toxic ugh")
_NEGATIONS = _words("not never isn't wasn't aren't don't didn't without hardly")

_STOP_WORDS = _words(
    """
    a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do
    does doesn't doing don't down during each few for from further had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his how
    how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
    mustn't my myself no nor not of off on once only or other ought our ours ourselves out
    over own same shan't she she'd she'll she's should shouldn't so some such than that
    that's the their theirs them themselves then there there's these they they'd they'll
    they're they've this those through to too under until up very was wasn't we we'd we'll
    we're we've were weren't what what's when when's where where's which while who who's
    whom why why's with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves also just really very much many maybe still even ever every
    going gonna wanna gotta get gets got getting make makes made making want wants wanted
    think thinks thought know knows knew feel feels felt feeling say says said tell tells
    told thing things something anything nothing everything someone anyone lot lots way
    kind sort bit pretty quite actually basically literally totally definitely probably
    right good bad sure need needs needed take takes took let come came go goes went done
    see seen look looks sounds sound seems seem try trying tried will shall might must
    keep keeps kept start starts started use used give gave put
    one two first last next back now today tomorrow yesterday tonight week day time
    since already though although however yet else whether both either neither per via
    without again
    """
)
_FILLER = _words(
    """
    hey hi hello yeah yea yep yup nope yes ok okay lol lmao haha hahaha hmm hm um uh ugh
    uhh oh ah well like so anyway anyways gonna kinda sorta thanks thank thx please
    sure cool nice wow omg btw idk tbh fyi bye cya honestly seriously
    """
)
# Capitalised but never a person.
_NOT_NAMES = _words(
    """
    monday tuesday wednesday thursday friday saturday sunday january february april june
    july august september october november december god mr mrs ms dr english internet
    """
)

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"')\]]))\s+")
_ABBREVIATION = re.compile(r"\b(?:mr|mrs|ms|dr|st|vs|etc|e\.g|i\.e)\.$", re.IGNORECASE)

# Multipliers, not additions, so a boost never lifts a contentless sentence.
_DECISION_BOOST = 1.6
_ACTION_BOOST = 1.3
_ADVICE_BOOST = 1.3
_EMOTION_BOOST = 1.2
_QUESTION_DAMPING = 0.7
_SHORT_DAMPING = 0.5
_BIGRAM_BONUS = 2.0
_NEAR_DUPLICATE = 0.6


def _cue_pattern(cues: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(cue) for cue in sorted(cues, key=len, reverse=True))
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])")


_DECISION = _cue_pattern(DECISION_CUES)
_ACTION = _cue_pattern(ACTION_CUES)
_ADVICE = _cue_pattern(ADVICE_CUES)
_EMOTION_OF = {form: emotion for emotion, forms in EMOTIONS.items() for form in forms}
_NEVER_NAMES = _STOP_WORDS | _FILLER | _NOT_NAMES | _EMOTION_OF.keys()
_TONE_WORDS = _POSITIVE_WORDS | _NEGATIVE_WORDS
_NOT_TOPICS = _EMOTION_OF.keys() | _TONE_WORDS


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str  # as said, whitespace collapsed
    norm: str  # lowercase, straight apostrophes: what cues are matched against
    words: tuple[str, ...]  # original case, possessive "'s" dropped
    lowered: tuple[str, ...]

    @property
    def question(self) -> bool:
        return self.text.endswith("?")


class ExtractiveSummarizer:
    """Implements :class:`persona_memory.core.digests.Summarizer` without a model."""

    def summarize(self, turns: Sequence[Turn], *, max_sentences: int = 4) -> SessionDigest:
        sentences = [s for turn in turns for s in _split(turn.content)]
        if not sentences:
            return SessionDigest()
        roles = {word for turn in turns for word in _WORD.findall(_straight(turn.role).lower())}
        people = _people(sentences, roles)
        # Feelings count through the emotion boost, not as the session's subject.
        excluded = _STOP_WORDS | _FILLER | _EMOTION_OF.keys() | roles
        terms = [[w for w in s.lowered if len(w) > 2 and w not in excluded] for s in sentences]
        tf, idf = _term_stats(terms)
        weights = _weights(tf, idf)
        scores = [_score(s, t, weights) for s, t in zip(sentences, terms, strict=True)]
        pos, neg, emotions = _emotions(sentences)
        return SessionDigest(
            summary=_summary(sentences, terms, scores, max_sentences),
            key_topics=_topics(sentences, terms, tf, idf, people),
            decisions=_items(sentences, terms, scores, _DECISION),
            action_items=_items(sentences, terms, scores, _ACTION),
            emotional_tone=_tone(pos, neg),
            emotions=emotions,
            people_mentioned=people,
        )


def _straight(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _split(content: str) -> list[_Sentence]:
    return [_sentence(" ".join(p.split())) for line in content.splitlines() for p in _line(line)]


def _line(line: str) -> list[str]:
    pieces: list[str] = []
    for piece in _SENTENCE_END.split(line.strip()):
        # "Dr. Lee" is one sentence, not two.
        if pieces and _ABBREVIATION.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        elif piece.strip():
            pieces.append(piece)
    return pieces


def _sentence(text: str) -> _Sentence:
    straight = _straight(text)
    words = tuple(re.sub(r"'s?$", "", word) for word in _WORD.findall(straight))
    lowered = tuple(word.lower() for word in words)
    return _Sentence(text=text, norm=straight.lower(), words=words, lowered=lowered)


def _term_stats(terms: list[list[str]]) -> tuple[Counter[str], dict[str, float]]:
    tf: Counter[str] = Counter(term for sentence in terms for term in sentence)
    df: Counter[str] = Counter(term for sentence in terms for term in set(sentence))
    n = len(terms)
    idf = {term: math.log((1 + n) / (1 + count)) + 1.0 for term, count in df.items()}
    return tf, idf


def _weights(tf: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    # A word said once says little about what the session was about: without the
    # discount, one long off-topic ramble outscores the sentences on its subject.
    raw = {term: (count - 0.5) * idf[term] for term, count in tf.items()}
    top = max(raw.values(), default=1.0)
    return {term: weight / top for term, weight in raw.items()}


def _score(sentence: _Sentence, terms: list[str], weights: dict[str, float]) -> float:
    if not terms:
        return 0.0
    # Dividing by sqrt(length) keeps long sentences from winning on length alone.
    score = sum(weights[t] for t in set(terms)) / math.sqrt(len(terms))
    if len(terms) < 3:
        score *= _SHORT_DAMPING
    if sentence.question:
        score *= _QUESTION_DAMPING
    if _DECISION.search(sentence.norm):
        score *= _DECISION_BOOST
    if _ACTION.search(sentence.norm):
        score *= _ACTION_BOOST
    if _ADVICE.search(sentence.norm):
        score *= _ADVICE_BOOST
    if any(word in _EMOTION_OF for word in sentence.lowered):
        score *= _EMOTION_BOOST
    return score


def _ranked(indexes: Iterable[int], sentences: list[_Sentence], scores: list[float]) -> list[int]:
    # Ties go by text, not position, so reordering turns does not change the pick.
    return sorted(indexes, key=lambda i: (-scores[i], sentences[i].text))


def _near_duplicate(a: set[str], b: set[str]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= _NEAR_DUPLICATE


def _distinct(
    ranked: list[int], sentences: list[_Sentence], terms: list[list[str]]
) -> Iterable[int]:
    kept: list[int] = []
    for i in ranked:
        mine = set(terms[i])
        if any(
            sentences[i].norm == sentences[k].norm or _near_duplicate(mine, set(terms[k]))
            for k in kept
        ):
            continue
        kept.append(i)
        yield i


def _summary(
    sentences: list[_Sentence], terms: list[list[str]], scores: list[float], limit: int
) -> str:
    if limit <= 0:
        return ""
    pool = [i for i, score in enumerate(scores) if score > 0] or list(range(len(sentences)))
    chosen: list[int] = []
    length = -1
    for i in _distinct(_ranked(pool, sentences, scores), sentences, terms):
        text = _as_sentence(sentences[i].text)
        if length + 1 + len(text) > MAX_SUMMARY_CHARS and chosen:
            continue  # a whole later sentence reads better than a cut one
        chosen.append(i)
        length += 1 + len(text)
        if len(chosen) == limit:
            break
    text = " ".join(_as_sentence(sentences[i].text) for i in sorted(chosen))
    return _clip(text, MAX_SUMMARY_CHARS)


def _as_sentence(text: str) -> str:
    return text if text[-1] in ".!?…\"')" else f"{text}."


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def _items(
    sentences: list[_Sentence],
    terms: list[list[str]],
    scores: list[float],
    cues: re.Pattern[str],
) -> list[str]:
    # A question proposes; only a statement decides or commits.
    hits = [i for i, s in enumerate(sentences) if not s.question and cues.search(s.norm)]
    best: list[int] = []
    for i in _distinct(_ranked(hits, sentences, scores), sentences, terms):
        best.append(i)
        if len(best) == MAX_ITEMS:
            break
    return [_clip(sentences[i].text, MAX_ITEM_CHARS) for i in sorted(best)]


def _topics(
    sentences: list[_Sentence],
    terms: list[list[str]],
    tf: Counter[str],
    idf: dict[str, float],
    people: list[str],
) -> list[str]:
    # Feelings are reported in emotions; "amazing" is a tone, not a subject.
    candidates = {term: count * idf[term] for term, count in tf.items() if term not in _NOT_TOPICS}
    names = {person.lower() for person in people}
    pairs: Counter[tuple[str, str]] = Counter()
    for sentence, content in zip(sentences, terms, strict=True):
        words, allowed = sentence.lowered, set(content) - names - _NOT_TOPICS
        pairs.update(p for p in pairwise(words) if set(p) <= allowed)
    for (a, b), count in pairs.items():
        # A phrase said once is chance; said twice, it is what the talk was about.
        if count >= 2 and a != b:
            candidates[f"{a} {b}"] = count * (idf[a] + idf[b]) / 2 * _BIGRAM_BONUS
    return _pick_topics(candidates)


def _pick_topics(candidates: dict[str, float]) -> list[str]:
    chosen: list[str] = []
    covered: set[str] = set()
    for topic in sorted(candidates, key=lambda t: (-candidates[t], t)):
        parts = set(topic.split())
        if parts & covered:
            continue
        chosen.append(topic)
        covered |= parts
        if len(chosen) == MAX_TOPICS:
            break
    return chosen


def _people(sentences: list[_Sentence], roles: set[str]) -> list[str]:
    seen: dict[str, None] = {}
    mid_sentence: set[str] = set()
    for sentence in sentences:
        for position, word in enumerate(sentence.words):
            if _name_like(word, roles):
                seen.setdefault(word)
                if position:
                    mid_sentence.add(word)
    # Any word opens a sentence capitalised ("Will you ...?"); only a name keeps
    # its capital in the middle of one.
    return [word for word in seen if word in mid_sentence][:MAX_PEOPLE]


def _name_like(word: str, roles: set[str]) -> bool:
    lower = word.lower()
    if not word[0].isupper() or (len(word) > 1 and word.isupper()):
        return False  # lowercase, or an acronym such as "HR"
    return lower not in _NEVER_NAMES and lower not in roles


def _emotions(sentences: list[_Sentence]) -> tuple[int, int, list[str]]:
    found: Counter[str] = Counter()
    positive = negative = 0
    for sentence in sentences:
        words = sentence.lowered
        for position, word in enumerate(words):
            emotion = _EMOTION_OF.get(word)
            if not (emotion or word in _TONE_WORDS) or _negated(words, position):
                continue
            if emotion:
                found[emotion] += 1
            if emotion in POSITIVE_EMOTIONS or word in _POSITIVE_WORDS:
                positive += 1
            else:
                negative += 1
    emotions = sorted(found, key=lambda e: (-found[e], e))
    return positive, negative, emotions


def _negated(words: tuple[str, ...], position: int) -> bool:
    """ "not stressed", "not too stressed", "no stress"; but not "No, I'm stressed"."""
    before = words[max(0, position - 2) : position]
    return bool(_NEGATIONS & set(before)) or before[-1:] == ("no",)


def _tone(positive: int, negative: int) -> str:
    if not positive and not negative:
        return "neutral"
    # One side must outweigh the other two to one to set the tone alone.
    if positive >= 2 * negative:
        return "positive"
    if negative >= 2 * positive:
        return "negative"
    return "mixed"
