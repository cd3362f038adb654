"""An offline, deterministic fact extractor: no model, no network, standard library only.

It reads what the user says about themselves and restates it in the third
person: "I love rock climbing" becomes "User loves rock climbing" (or
"Caroline loves..." when the turn carries the speaker's name). Only turns of
role ``user`` are read: a persona's or assistant's turns never state facts
about the user.

**Clauses.** Each turn is split into sentences (``.``, ``!``, ``?``, new lines;
"Dr. Lee" stays whole), and each sentence into clauses at ``;``, dashes, " but ",
", and" before a new subject (I, my, it, she, ...), "because/so/since/then I...",
", do you?"-style tails, and " and I...", ", I...", ", my..." when what comes
before has a verb of its own ("My mom and I went..." and "Yesterday, I went..."
stay whole). Every clause is cleaned: a leading label ("Update:"), leading
filler ("oh", "well", "honestly", "lol"...), hedges ("I think I...", "I mean,
I..."), trailing filler ("lol", "haha", "tbh", emoticons, emoji, "!!!") go; a
leading time phrase moves to the end ("Yesterday I went..." -> "...went ...
yesterday"); "i", "im", "ive", "dont", "cant" and curly apostrophes are
normalised. Skipped: questions (ending in "?" or opening with
an auxiliary + pronoun or a wh-word), hypotheticals (:data:`HYPOTHETICAL`, and
the rest of their sentence: "If I get the job, I'll move" states neither),
:data:`TRIVIAL` clauses such as "I think so" or "I'm fine" (adverbs ignored),
and clauses of fewer than two words.

**Third person** (:func:`third_person`). The clause's first "I" becomes the
subject and its verb agrees: I'm/I am -> is, I've/I have -> has, I'll -> will,
I'd -> would (had before a participle: "I'd been"), don't -> doesn't, go ->
goes, watch -> watches, try -> tries; :data:`ADVERBS` (and other -ly words)
between I and the verb are kept; :data:`MODALS` and past tenses stay as they
are, and so do read/put/cut/quit..., whose two forms are the same, unless the
clause says how often ("I read every night" -> "reads"). After "X and I" the
verb stays plural ("my wife and I love..."). A clause opening with "my" gets
"User's". Once the subject has been the clause's subject, later first-person
words become they/they're/their/them/themselves; before that, "my" -> "User's"
and "me" -> "User". Casing of everything else, names included, is kept.

**Patterns**, tried in this order; the first family that matches decides the
clause's facts (a clause may give two, e.g. occupation and employer):

* identity: "my name is X", "call me X", "I go by X" (slot ``name``); "I'm N
  (years old)", "I (just) turned N" (``age``); "my birthday is X"
  (``birthday``); "I'm/I got married/single/engaged/divorced/widowed/separated"
  (``marital_status``, :data:`MARITAL`).
* health: "I'm allergic to X", "I have a X allergy"; "I'm <diet or condition>"
  (:data:`DIETS`, :data:`HEALTH_STATES`; a diet fills slot ``diet``); "I have /
  suffer from / was diagnosed with <condition>" (:data:`CONDITIONS`); "I can't
  eat/have/drink X", "I don't eat/drink X".
* favourites: "my favorite X is Y", "Y is my favorite X" -> ``preference``,
  slot ``favorite:<x>``, value Y.
* storylines: a problem or project in progress, "I'm <:data:`STORYLINE_CUES`>
  X" ("I'm having issues with my coworker Sarah"), "I have a big <:data:`EVENTS`>"
  -> ``storyline``, status ``in_progress``; one that is over, "X went well",
  "X is over/done/sorted", "things with X are better", "X and I made up", "I
  (finally) <:data:`RESOLUTION_VERBS`> X" -> status ``resolved``. The topic is a
  snake_case key of at most three content words of X ("coworker_sarah"); slot
  ``storyline:<topic>``. Within one call a later clause whose content words
  share a word with an earlier topic reuses its key, and "it went well" means
  the latest topic, so in-progress and resolved agree; the same words always
  give the same key.
* work: "I work at/for X", "I'm working at X", "I've been working at X", "I
  (just) started (a new job) at X", "I got a job at X", "I joined X" -> slot
  ``employer`` (value X without "as a ...", "now", "since ..."; "myself" is
  "self-employed"); "I quit/lost my job", "I got laid off", "I left X", "I no
  longer work at X" -> ``employer`` "none"; "I work as a X", "I'm a/an
  <:data:`PROFESSIONS`>", "I'm retired/unemployed" -> slot ``occupation``.
* home: "I live in X", "I (just) moved to X", "I'm moving to X", "I'm based in
  X" -> ``home_city``; "I'm (originally) from X", "I grew up in X", "I was born
  in X" -> ``hometown``. X must look like a place: not "a new apartment".
* people and pets: "my <relation> is <Name>", "my <relation>'s name is
  <Name>", "<Name> is my <relation>", and anywhere in a clause "my
  <relation>(,) <Name>" or "a <relation> named <Name>"; "I have two kids",
  "I have a dog named Max"; any other clause opening "my <relation> ..." ("my
  sister lives in Boston"). :data:`SINGLE_RELATIONS` fill a slot named after
  the relation, valued with the name; :data:`OTHER_RELATIONS` and
  :data:`PETS` put the name in ``entities`` only. Pets are category ``pets``.
* preferences: "I love/like/enjoy/adore X", "I'm into X", "I'm a (big) fan of
  X", "I'm obsessed with X" -> ``positive``; "I hate/dislike/detest X", "I
  can't stand X", "I don't like X", "I'm not a fan of X", "I'm sick of X" ->
  ``negative``. Slot ``opinion:<object>`` (lowercased, leading article or "my"
  dropped, at most 60 characters), so a later opposite opinion supersedes.
  Pronoun objects ("I love it", "I love that you...") say nothing.
* goals: "I want/plan/hope/intend/aim/need to X", "I'm planning/hoping/going/
  trying to X", "I'm gonna X", "I'd like/love to X", "I'll X", "I('ve) decided
  to X", "my goal/plan/dream is (to) X" -> ``goal``, no slot. "I'm going to the gym" is movement,
  not a plan; "need to", "have to" and "I'll" need two content words.
* activities and events: any other first-person clause with at least two
  content words and a past verb ("I went...", "I painted...", "I was...", "I've
  visited...") -> ``event``, or an ongoing one ("I'm reading...", "I've been
  learning...", a present verb with "usually/every week/on weekends"...) ->
  ``activity``.

**Entities**: the extracted object (allergen, employer, place, name, liked
thing, favourite), then the capitalised words of the clause (runs of up to
three: "New York"), except sentence words such as "My" or "Monday" and all-caps
shouting; deduplicated case-insensitively, at most ten.

**Importance** (1-10): health 9; name, marital status, employer, occupation,
home, single-valued relations 8; age, birthday, other people, pets 7;
storyline, preference, goal 6, and preference/goal +1 when said with
intensity (:data:`INTENSIFIERS` or "!"); activity 4; event 3.

Input is never trusted: control characters, NULs and lone surrogates are
dropped, a turn is read up to its first :data:`MAX_CONTENT_CHARS` characters
and a clause up to :data:`MAX_CLAUSE_CHARS`, so odd input gives an empty list,
not an error. The same turns always give the same candidates, in the order
they were said; identical candidates are merged (their turn indexes joined).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from persona_memory.core.digests import Turn
from persona_memory.core.learning import STORYLINE_CATEGORY, Candidate, StorylineStatus

DEFAULT_SUBJECT = "User"
MAX_CONTENT_CHARS = 20_000
MAX_CLAUSE_CHARS = 500
MAX_FACT_CHARS = 300
MAX_VALUE_CHARS = 200
MAX_SLOT_OBJECT_CHARS = 60
MAX_ENTITIES = 10
MAX_ENTITY_CHARS = 100
MAX_TOPIC_WORDS = 3
MAX_SUBJECT_CHARS = 60

# --- word lists ---------------------------------------------------------------


def _phrases(text: str) -> tuple[str, ...]:
    """A comma-separated word list, as a tuple: "best friend, friend" -> 2 items."""
    return tuple(" ".join(item.split()) for item in text.split(",") if item.strip())


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ADVERBS: tuple[str, ...] = _phrases(
    "just, really, also, still, recently, actually, absolutely, totally, usually, always, "
    "never, often, sometimes, finally, truly, definitely, honestly, seriously, genuinely, "
    "literally, currently, now, even, already, so, super, very, pretty, quite, kinda, kind of, "
    "sort of, officially, basically, generally, mostly, normally, typically, only"
)
# -ly words that are verbs, not adverbs: "I fly", "I apply".
_LY_VERBS = _phrases(
    "fly, apply, reply, rely, supply, multiply, imply, comply, ally, bully, rally, tally, sully"
)

MODALS: tuple[str, ...] = _phrases(
    "can, can't, cannot, could, couldn't, will, won't, would, wouldn't, should, shouldn't, "
    "might, mightn't, must, mustn't, may, shall, ought"
)
# Verbs that keep their form after the subject: modals, past auxiliaries.
_UNCHANGED = frozenset(MODALS) | _words("was wasn't were weren't did didn't had hadn't used got")
_IRREGULAR_PRESENT = {
    "am": "is",
    "are": "is",
    "be": "is",
    "have": "has",
    "haven't": "hasn't",
    "do": "does",
    "don't": "doesn't",
    "go": "goes",
    "ain't": "isn't",
    "aren't": "isn't",
    "wanna": "wants to",
    "gotta": "has to",
    "gonna": "is going to",
    "dunno": "doesn't know",
}
_IRREGULAR_PAST = _words("""
    went got had made took saw said came bought ran began found left felt met lost thought
    told knew gave wrote ate drove flew sold spent won broke fell kept paid sent built caught
    taught brought fought sat stood slept swam sang became chose drew drank forgot forgave
    froze grew heard held hid led lent meant rode rang rose shook shot spoke stole struck
    swore threw understood woke wore dug fled tore bit blew bent bound dealt dreamt hung
    knelt laid learnt leapt lit slid spun spat sprang stuck stung swept swung wept wound
    did was were sent became overcame
    """)
# Same form in present and past ("I quit my job"): left as said, which reads right
# either way; a clause with one of them is an event unless it says how often.
_AMBIGUOUS_PAST = _words(
    "read put cut hit quit set let hurt cost shut spread bet beat cast split upset burst"
)
_PARTICIPLES = _IRREGULAR_PAST | _words(
    "been gone done seen known gotten taken given written eaten driven flown forgotten "
    "chosen broken spoken stolen grown drawn begun swum sung shown"
)
# "-eed" verbs are present tense ("I need"), except these.
_EED_PAST = _words("agreed freed guaranteed disagreed refereed")

SINGLE_RELATIONS: tuple[str, ...] = _phrases(
    "boss, manager, wife, husband, partner, girlfriend, boyfriend, fiance, fiancé, fiancee, "
    "fiancée, mom, mum, mother, dad, father"
)
OTHER_RELATIONS: tuple[str, ...] = _phrases(
    "best friend, friend, bestie, sister, brother, sibling, twin, coworker, co-worker, "
    "colleague, teammate, classmate, roommate, flatmate, neighbor, neighbour, son, daughter, "
    "kid, child, baby, cousin, aunt, uncle, grandma, grandmother, grandpa, grandfather, niece, "
    "nephew, stepmom, stepdad, stepson, stepdaughter, ex, ex-wife, ex-husband, ex-girlfriend, "
    "ex-boyfriend, therapist, doctor, mentor, teacher, coach, supervisor, landlord"
)
PETS: tuple[str, ...] = _phrases(
    "dog, cat, puppy, kitten, pet, bird, parrot, budgie, hamster, rabbit, bunny, horse, pony, "
    "fish, goldfish, turtle, tortoise, snake, guinea pig, lizard, gecko, iguana, ferret, "
    "chinchilla, hedgehog"
)
# Kept in the relation's wording ("my little sister"), not part of its slot.
_RELATION_MODIFIERS = _phrases(
    "little, big, older, younger, oldest, youngest, eldest, baby, twin, close, old, new, "
    "current, former, late, step, half, adopted, rescue, sweet, amazing, lovely"
)

PROFESSIONS: tuple[str, ...] = _phrases(
    "teacher, nurse, doctor, physician, surgeon, dentist, pharmacist, therapist, psychologist, "
    "psychiatrist, counselor, counsellor, social worker, engineer, developer, programmer, "
    "designer, architect, lawyer, attorney, paralegal, accountant, consultant, analyst, "
    "manager, scientist, researcher, professor, lecturer, student, chef, cook, baker, barista, "
    "bartender, waiter, waitress, writer, author, journalist, editor, artist, painter, "
    "photographer, musician, singer, actor, actress, dancer, firefighter, police officer, cop, "
    "soldier, pilot, flight attendant, mechanic, electrician, plumber, carpenter, farmer, "
    "librarian, cashier, receptionist, secretary, assistant, intern, freelancer, entrepreneur, "
    "founder, ceo, cto, veterinarian, vet, paramedic, emt, caregiver, nanny, tutor, coach, "
    "personal trainer, trainer, truck driver, driver, marketer, salesperson, realtor, banker, "
    "translator, clerk, technician, stay-at-home mom, stay-at-home dad, stay-at-home parent, "
    "homemaker"
)
# "I'm a terrible cook" is a self-assessment, not a job.
_JUDGEMENTS = _words(
    "bad good terrible great amazing awful horrible decent lousy okay ok huge big total "
    "real such better worse best worst"
)
_NOT_WORKING = ("retired", "unemployed", "self-employed", "between jobs", "a stay-at-home parent")

CONDITIONS: tuple[str, ...] = _phrases(
    "diabetes, type 1 diabetes, type 2 diabetes, asthma, adhd, anxiety, depression, "
    "celiac disease, coeliac disease, celiac, migraines, arthritis, epilepsy, ibs, "
    "crohn's disease, crohn's, a heart condition, high blood pressure, low blood pressure, "
    "hypertension, insomnia, autism, ptsd, ocd, bipolar disorder, bipolar, eczema, psoriasis, "
    "cancer, tinnitus, dyslexia, lupus, multiple sclerosis, chronic pain, back pain, "
    "a bad back, bad knees, fibromyalgia, endometriosis, pcos, sleep apnea, allergies, "
    "food allergies, a disability, hearing loss, long covid, a chronic illness"
)
# "I'm <diet>": a diet is single-valued (slot "diet"); a state accumulates.
DIETS: tuple[str, ...] = ("vegetarian", "vegan", "pescatarian", "pescetarian", "keto", "paleo")
HEALTH_STATES: tuple[str, ...] = _phrases(
    "gluten-free, gluten free, lactose intolerant, lactose-intolerant, dairy-free, kosher, "
    "halal, diabetic, celiac, coeliac, sober, pregnant, deaf, blind, hard of hearing, "
    "colorblind, colourblind, epileptic, asthmatic, autistic, disabled, in recovery"
)
MARITAL: tuple[str, ...] = ("married", "single", "engaged", "divorced", "widowed", "separated")

POSITIVE_VERBS: tuple[str, ...] = ("love", "like", "enjoy", "adore")
NEGATIVE_VERBS: tuple[str, ...] = ("hate", "dislike", "detest", "despise", "loathe")
# "I'm <phrase> X": the positive and negative phrasings.
POSITIVE_STATES: tuple[str, ...] = _phrases(
    "into, obsessed with, passionate about, crazy about, addicted to, in love with, a fan of"
)
NEGATIVE_STATES: tuple[str, ...] = ("sick of", "tired of", "fed up with")
INTENSIFIERS: tuple[str, ...] = _phrases(
    "really, absolutely, so much, love, loved, adore, hate, hated, obsessed, can't stand, "
    "cannot stand, despise, loathe, totally, huge fan, passionate"
)

STORYLINE_CUES: tuple[str, ...] = _phrases(
    "dealing with, struggling with, having issues with, having problems with, "
    "having trouble with, having trouble, having a conflict with, having conflict with, "
    "having a fight with, having a hard time with, having a hard time, "
    "having a tough time with, having a rough time with, having drama with, "
    "having difficulties with, in a fight with, fighting with, arguing with, worried about, "
    "worrying about, stressed about, stressed out about, stressing about, stressing out about, "
    "anxious about, nervous about, freaking out about, preparing for, prepping for, "
    "getting ready for, studying for, training for, working on, going through, "
    "in the middle of, recovering from, looking for, searching for, applying for, applying to, "
    "trying to figure out, trying to fix, trying to deal with, trying to sort out, "
    "trying to get through, figuring out"
)
# "I have a big <event> on Friday" is a storyline in the making.
EVENTS: tuple[str, ...] = _phrases(
    "interview, job interview, exam, exams, finals, test, presentation, deadline, surgery, "
    "operation, audition, court date, hearing, recital, performance review, review, meeting, "
    "appointment, big day, wedding, move"
)
RESOLUTION_VERBS: tuple[str, ...] = _phrases(
    "sorted out, resolved, fixed, solved, worked out, figured out, got through, got past, "
    "got over, overcame, recovered from, made up with, patched things up with, "
    "made peace with, dealt with, handled, settled, finished, completed, wrapped up, "
    "submitted, passed, aced, nailed, cleared up"
)
_GOOD_OUTCOMES = _phrases(
    "well, great, fine, ok, okay, smoothly, amazing, amazingly, awesome, good, perfect, "
    "perfectly, better than expected, without a hitch"
)
_OVER_STATES = _phrases(
    "over, done, finished, sorted, sorted out, resolved, fixed, settled, handled, behind me, "
    "taken care of, cleared up, much better, a lot better, way better, better now, fine now, "
    "good now, okay now, ok now"
)

_TRIVIAL_TEXT = """
    i think so|i know|i guess|i guess so|i'm fine|i'm good|i'm ok|i'm okay|i'm alright|
    i'm all right|i'm great|i'm well|i see|i agree|i mean|i think|i don't know|i dunno|
    i'm not sure|i'm not sure yet|i'm sure|i hope so|i suppose|i suppose so|i understand|
    i get it|i'm here|i'm back|i'm sorry|i'm so sorry|i'm ready|i'm done|i did|i do|i am|
    i have|i will|i can|i was|i'm not|i don't|i don't think so|i love it|i like it|
    i love that|i like that|i hate that|i hate it|i love you|i'm doing well|i'm doing good|
    i'm doing fine|i'm doing great|i'm doing okay|i'm doing ok|i remember|i forgot|
    i know right|i feel you|i bet|i hear you|i got it|i got you|i'm in|i'm on it|
    i appreciate it|i appreciate that|i see what you mean|i know what you mean|i wonder|
    i hope|i can't|i won't|i would|i could|i should|i'm kidding|i'm joking|i'm just kidding|
    i'm just saying|i'm listening|i'm curious|i did it|i know that|i see that|i'm sure it is|
    i'm glad|i'm happy|i'm okay with that|i'm fine with that|i'm good with that|i'm so glad
"""
TRIVIAL: frozenset[str] = frozenset(
    " ".join(item.split()) for item in _TRIVIAL_TEXT.replace("\n", " ").split("|") if item.strip()
)
HYPOTHETICAL: tuple[str, ...] = _phrases(
    "if, unless, what if, suppose, supposing, imagine, assuming, in case, even if, if only, "
    "i wish, maybe if, hypothetically"
)

# Function words: never content, never a name, never part of a topic key.
_STOP = _words("""
    a about above after again against all am an and any are as at be because been before
    being below between both but by can cannot could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself let me more most my myself no nor not of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours yourself i'm i've i'd i'll it's don't didn't doesn't can't won't isn't wasn't
    aren't haven't hasn't couldn't shouldn't wouldn't that's there's what's he's she's
    they're we're you're also just really still even ever much many lot lots get gets got
    getting go goes going gonna wanna gotta like well now today tomorrow yesterday tonight
    week weekend month year day time morning afternoon evening night last next ago recently
    lately soon already currently actually totally absolutely usually always never often
    sometimes finally kind sort bit pretty quite thing things stuff something anything
    everything nothing someone anyone everyone one yeah yes ok okay lol haha oh um uh hmm
    """)
_FILLER_WORDS = _words(
    "hey hi hello yeah yea yep yup nope ok okay lol lmao haha hahaha hmm um uh ugh oh ah "
    "wow omg btw idk tbh fyi thanks thx please sure cool nice bye"
)
_DAYS_MONTHS = _words(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december"
)
# Capitalised, but never a name: sentence openers, days, titles alone.
_NOT_NAMES = _STOP | _FILLER_WORDS | _DAYS_MONTHS | _words("god mr mrs ms dr user")
_TITLES = _words("mr mrs ms dr prof st mt")
# Words a topic key leaves out: they name the kind of trouble, not the topic.
_GENERIC_TOPIC_WORDS = (
    _words(
        "issue issues problem problems trouble situation conflict conflicts fight fights "
        "argument arguments disagreement disagreements drama tension difficulty difficulties "
        "whole big huge little small major ongoing upcoming current constant serious real some "
        "few lot lots bit"
    )
    | _DAYS_MONTHS
)
_WEAK_TOPIC_WORDS = _words("new old next first second other another better good bad same different")
_PRONOUN_OBJECTS = _words(
    "it that this them you him her those these everything anything something what how when "
    "where why which who your yours if because"
)
_NUMBERS = (
    "a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|some|many|a few|a couple of"
)


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first so "best friend" beats "friend"."""
    return "|".join(re.escape(w).replace(r"\ ", " ") for w in sorted(words, key=len, reverse=True))


# --- regex building blocks ---------------------------------------------------

_I = re.IGNORECASE
_LY_WORD = r"[^\W\d_]+ly(?![\w'])"
# Atomic: "really" is both a listed adverb and an -ly word; trying both ways on a
# run of adverbs would take exponential time on a clause that does not match.
_ADV_WORD = rf"(?>(?:{_alt(ADVERBS)})(?![\w'])|(?!(?:{_alt(_LY_VERBS)})(?![\w'])){_LY_WORD})"
_ADV = rf"(?:{_ADV_WORD}\s+)*"
_NEG = r"(?:don't|do not|didn't|did not|can't|cannot|can not|no longer|never|not)"
_AM = r"I(?:'m|\s+am)"
_HAVE = r"I(?:'ve|\s+have)"
_HAVE_GOT = r"(?:I(?:'ve|\s+have)(?:\s+got)?|I\s+got)"
_REL_ALL = _alt(SINGLE_RELATIONS + OTHER_RELATIONS + PETS)
_REL_MODS = rf"(?:(?:{_alt(_RELATION_MODIFIERS)})\s+)*"
_NAME_TOKEN = r"[^\W\d_][\w'-]*"
_SINGLE_SET = frozenset(r.lower() for r in SINGLE_RELATIONS)
_PET_SET = frozenset(PETS)
_PLURAL_RELATIONS = {
    "children": "child",
    "grandchildren": "grandchild",
    "grandkids": "grandkid",
    "puppies": "puppy",
    "babies": "baby",
    "bunnies": "bunny",
    "kitties": "kitten",
}

# Cut an object at the first of these: "sushi because it's fresh" -> "sushi".
_TIME = (
    r"yesterday|today|tonight|tomorrow|now|recently|lately|anymore|any more|again"
    r"|(?:last|this|next|every) (?:night|morning|afternoon|evening|week|weekend|month|year"
    r"|time|day|summer|winter|spring|fall|autumn)"
    r"|(?:on |last |this |next |every )?(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
    r"|(?:a|\w+) (?:days?|weeks?|months?|years?) ago|ago"
    r"|for (?:a|the|\d+|two|three|four|five|six|several|many|a few|a couple of) "
    r"(?:days?|weeks?|months?|years?|while|bit)"
    r"|these days|nowadays|right now|at the moment|at the minute"
)
_CUT_WORDS = (
    r"because|cause|cuz|since|so that|which|who|whom|where|when|whenever|while|although"
    r"|though|but|unless|until|lol|haha|lmao|tbh|as well|too|so much|a lot|very much|more"
    r" than anything|like crazy|to death|and stuff|or something|if"
)
_CUT = re.compile(rf"\s*(?:[,;:()\[\]\"]|\s-+\s|\s(?:{_CUT_WORDS}|{_TIME})(?![\w'])).*$", _I)
_CUT_ORG = re.compile(
    rf"\s*(?:[,;:()\[\]\"]|\s-+\s|\s(?:{_CUT_WORDS}|{_TIME}|as|in|for|on|and|full[- ]time"
    rf"|part[- ]time|remotely|from home|starting|doing|where)(?![\w'])).*$",
    _I,
)
_CUT_PLACE = re.compile(
    rf"\s*(?:[,;:()\[\]\"]|\s-+\s|\s(?:{_CUT_WORDS}|{_TIME}|with|for|and|to|in (?=\d)|a few"
    rf"|about|after|before|last|this|next|soon|permanently|temporarily)(?![\w'])).*$",
    _I,
)
_HABIT = re.compile(
    r"(?<![\w'])(?:usually|always|often|sometimes|never|daily|weekly|monthly|regularly"
    r"|every (?:day|morning|night|evening|week|weekend|month|year|summer|winter|\w+day)"
    r"|on (?:weekends|the weekends|\w+days)|each (?:day|week|morning)|once a|twice a"
    r"|\w+ times a)(?![\w'])",
    _I,
)
_INTENSE = re.compile(rf"(?<![\w'])(?:{_alt(INTENSIFIERS)})(?![\w'])", _I)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


# --- the extractor -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Clause:
    text: str  # cleaned, first person normalised ("I'm", "I've"...), original casing
    turn: int
    subject: str
    exclaimed: bool  # said with "!"
    names: tuple[str, ...]  # capitalised names in it, in order


@dataclass(slots=True)
class _Topics:
    """The storyline keys one call has seen, so in-progress and resolved agree."""

    words: dict[str, frozenset[str]] = field(default_factory=dict)
    latest: str | None = None

    def key(self, content: list[str]) -> str | None:
        """The key for a topic of these content words: an earlier topic sharing a
        word, else a new key of the first :data:`MAX_TOPIC_WORDS` words."""
        if not content:
            return None
        stems = frozenset(_stem(w) for w in content)
        best, overlap = None, 0
        for key, seen in self.words.items():
            shared = len(stems & seen)
            # Ties go to the most recent topic: dicts keep insertion order.
            if shared and shared >= overlap:
                best, overlap = key, shared
        if best is None:
            best = "_".join(content[:MAX_TOPIC_WORDS])[:MAX_SLOT_OBJECT_CHARS].strip("_")
            if not best:
                return None
            self.words[best] = stems
        else:
            self.words[best] = self.words[best] | stems
        self.latest = best
        return best


Matcher = Callable[[_Clause, _Topics], list[Candidate] | None]


class HeuristicExtractor:
    """Implements :class:`persona_memory.core.learning.Extractor` with rules, no model."""

    def extract(self, turns: Sequence[Turn]) -> list[Candidate]:
        topics = _Topics()
        found: list[Candidate] = []
        for index, turn in enumerate(turns):
            if not _is_user(turn):
                continue
            subject = _subject(getattr(turn, "name", None))
            for clause in _clauses(turn.content, index, subject):
                found.extend(_facts(clause, topics))
        return _merged(found)


def _is_user(turn: object) -> bool:
    role = getattr(turn, "role", None)
    return isinstance(role, str) and role.strip().lower() == "user"


def _subject(name: object) -> str:
    if not isinstance(name, str):
        return DEFAULT_SUBJECT
    cleaned = " ".join(_sanitised(name).split())[:MAX_SUBJECT_CHARS].strip()
    return cleaned or DEFAULT_SUBJECT


def _facts(clause: _Clause, topics: _Topics) -> list[Candidate]:
    for matcher in _MATCHERS:
        result = matcher(clause, topics)
        if result is not None:
            return result + _mentioned_people(clause, result)
    return _mentioned_people(clause, [])


def _merged(candidates: list[Candidate]) -> list[Candidate]:
    """The same fact said twice is one candidate that came from both turns."""
    merged: dict[tuple[object, ...], Candidate] = {}
    for candidate in candidates:
        key = (
            candidate.text.lower(),
            candidate.category,
            candidate.slot,
            candidate.value,
            candidate.status,
        )
        if key in merged:
            previous = merged[key]
            turns = sorted(set(previous.turns) | set(candidate.turns))
            merged[key] = previous.model_copy(update={"turns": turns})
        else:
            merged[key] = candidate
    return list(merged.values())


# --- splitting and cleaning --------------------------------------------------

_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_EMOJI = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u2460-\u27bf\u2900-\u297f\u2b00-\u2bff\u3030\u303d"
    "\u3297\u3299\ufe0e\ufe0f\u200d\U0001f000-\U0001faff\U000e0020-\U000e007f]"
)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])\s+|\s*\n\s*")
_ABBREVIATION = re.compile(r"(?<![\w'])(?:mr|mrs|ms|dr|st|mt|prof|vs|etc|e\.g|i\.e|jr|sr)\.$", _I)
_FIRST_PERSON = re.compile(
    r"(?<![\w'])(i|im|ive|i'm|i've|i'd|i'll|dont|doesnt|didnt|cant|isnt|wasnt|havent|"
    r"couldnt|shouldnt|wouldnt)(?![\w'])",
    _I,
)
_FIRST_PERSON_FORMS = {"i": "I", "im": "I'm", "ive": "I've", "i'm": "I'm", "i've": "I've"}
_FIRST_PERSON_FORMS |= {"i'd": "I'd", "i'll": "I'll"}
_I_FORM = r"I(?:'m|'ve|'d|'ll)?"
_SUBJECT_AHEAD = rf"(?:{_I_FORM}|my|then|so|also|now|it|it's|he|she|they|we|there|this)(?![\w'])"
_CLAUSE_BREAK = re.compile(
    r"\s*;\s*"
    r"|\s+-+\s+|\s*[\u2013\u2014]\s*"
    r"|,?\s+but\s+"
    rf"|,\s*and\s+(?={_SUBJECT_AHEAD})"
    rf"|,?\s+(?:so|because|cause|cuz|since|then|and then|although|though|while|whereas)\s+"
    rf"(?={_I_FORM}(?![\w']))"
    r"|,\s*(?=(?:do|did|have|are|were|what|how|and)\s+(?:you|about)(?![\w']))",
)
_NEW_SUBJECT = re.compile(
    rf"(\s+and\s+(?=(?:then\s+)?{_I_FORM}(?![\w']))|,\s*(?=(?:{_I_FORM}|my)(?![\w'])))"
)
_HAS_VERB = re.compile(
    rf"(?<![\w'])(?:{_I_FORM}|am|is|are|was|were|has|have|had|do|does|did|will|would|can|could"
    r"|should|[^\W\d_]{2,}ed)(?![\w'])",
    _I,
)
_LEADING_FILLER = re.compile(
    # A label of up to three words ("Update:", "Big news:"), or filler words.
    r"^(?:(?:[^\W\d_]+\s+){0,2}[^\W\d_]+:\s+|(?:and|but|so|also|plus|oh|well|yeah|yea|yes|yep"
    r"|no|nope|ok|okay|remember|reminder|fyi|just so you know|good news|big news"
    r"|honestly|actually|anyway|anyways|btw|lol|lmao|haha+|hey|hi|hello|hmm+|um+|uh+|ah|wow"
    r"|omg|tbh|then|now|like|still|sure|right|alright|true|man|dude|ugh|finally|by the way"
    r"|to be honest|you know what|you know|guess what|fun fact|speaking of which)(?![\w'])"
    r"[,!.:]*\s*)+",
    _I,
)
_HEDGE = re.compile(
    rf"^I\s+(?:{_ADV_WORD}\s+)?(?:think|guess|suppose|feel like|believe|mean|know|reckon)"
    rf"(?:\s+that)?,?\s+(?=(?:{_I_FORM}|my)(?![\w']))",
    _I,
)
_TRAILING = re.compile(
    r"(?:[\s,;:~*]+|[!?.\u2026]+|(?<![\w'])(?:lol+|lmao|lmfao|rofl|haha+|(?:ha){2,}|hehe+|xd"
    r"|tbh|imo|ngl|fr|smh|jk|xo+x*|xx+|and stuff|or something|or whatever|you know|though)"
    r"|:-?[()DPp]|;-?\)|<3|\^\^)$",
    _I,
)
_TIME_FIRST = re.compile(
    r"^(?P<time>yesterday|today|tonight|this (?:morning|afternoon|evening|week|weekend|month"
    r"|year)|last (?:night|week|weekend|month|year|summer|winter|spring|fall|time)"
    r"|earlier(?: today| this week)?|recently|lately|the other day|over the weekend"
    r"|(?:on |last |this )?(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|(?:a few|a couple of|\w+) (?:days|weeks|months|years) ago|a while ago"
    r"|these days|nowadays|right now|at the moment|in (?:19|20)\d\d),?\s+"
    rf"(?P<rest>(?:{_I_FORM}|my)(?![\w']).*)$",
    _I,
)
_QUESTION_START = re.compile(
    r"^(?:(?:do|does|did|am|is|are|was|were|should|shall|can|could|would|will|have|has"
    r"|isn't|aren't|don't|doesn't|didn't|won't|wouldn't|shouldn't|can't)\s+(?:I|you|we|he|she"
    r"|they|it|there|my|your)(?![\w'])|(?:what|why|how|where|who|which|whose)(?![\w']))",
    _I,
)
_HYPOTHETICAL = re.compile(rf"^(?:{_alt(HYPOTHETICAL)})(?![\w'])", _I)
_WORD = re.compile(r"[^\W_](?:[\w'&-]*[^\W_])?")
_TRIVIAL_ADVERB = re.compile(rf"(?<![\w'])(?:{_ADV_WORD})\s+", _I)


def _sanitised(text: str) -> str:
    return _BAD_CHARS.sub(" ", text)


def _clauses(content: object, turn: int, subject: str) -> list[_Clause]:
    if not isinstance(content, str):
        return []
    text = _EMOJI.sub(" ", _sanitised(content[:MAX_CONTENT_CHARS]).translate(_QUOTES))
    clauses: list[_Clause] = []
    for sentence in _sentences(text):
        normal = _FIRST_PERSON.sub(_first_person, sentence)
        for piece in _split_clauses(normal):
            if _HYPOTHETICAL.match(_LEADING_FILLER.sub("", piece.strip())):
                break  # "If I get the job, I'll move to Denver": neither part is a fact
            clause = _clause(piece, turn, subject)
            if clause is not None:
                clauses.append(clause)
    return clauses


def _sentences(text: str) -> list[str]:
    pieces: list[str] = []
    for piece in _SENTENCE_END.split(text):
        piece = " ".join(piece.split())
        # "Dr. Lee" is one sentence, not two.
        if pieces and _ABBREVIATION.search(pieces[-1][-12:]):  # the tail: no O(n^2)
            pieces[-1] = f"{pieces[-1]} {piece}"
        elif piece:
            pieces.append(piece)
    return pieces


def _split_clauses(sentence: str) -> list[str]:
    pieces: list[str] = []
    for piece in _CLAUSE_BREAK.split(sentence):
        parts = _NEW_SUBJECT.split(piece)
        # split() keeps the separator (the captured group) between the parts.
        merged = parts[:1]
        for joint, part in zip(parts[1::2], parts[2::2], strict=True):
            # "My mom and I went..." is one clause; "I love hiking and I'm..." two.
            if _HAS_VERB.search(merged[-1]) or len(merged[-1].split()) >= 5:
                merged.append(part)
            else:
                merged[-1] = f"{merged[-1]}{joint}{part}"
        pieces.extend(merged)
    return pieces


def _first_person(match: re.Match[str]) -> str:
    word = match.group(1)
    lower = word.lower()
    if lower in _FIRST_PERSON_FORMS:
        return _FIRST_PERSON_FORMS[lower]
    return word[:-1] + "'" + word[-1]  # "dont" -> "don't"


def _clause(piece: str, turn: int, subject: str) -> _Clause | None:
    text = piece.strip()[:MAX_CLAUSE_CHARS]
    text, ending = _trimmed(text)
    for _ in range(3):  # "Yeah, honestly, yesterday I..."
        before = text
        text = _LEADING_FILLER.sub("", text)
        text = _HEDGE.sub("", text)
        moved = _TIME_FIRST.match(text)
        if moved:
            when = moved.group("time")
            if when.split()[0].lower() not in _DAYS_MONTHS:
                when = when[0].lower() + when[1:]
            text = f"{moved.group('rest')} {when}"
        if text == before:
            break
    text, more = _trimmed(text)
    ending += more
    if "?" in ending or not _worth_reading(text):
        return None
    return _Clause(
        text=text,
        turn=turn,
        subject=subject,
        exclaimed="!" in ending,
        names=_names(text),
    )


def _trimmed(text: str) -> tuple[str, str]:
    """``text`` without trailing filler, and what was cut (to spot "?" and "!")."""
    removed = ""
    for _ in range(20):
        match = _TRAILING.search(text)
        if match is None or match.start() == match.end():
            break
        removed = match.group() + removed
        text = text[: match.start()]
    return text.strip(), removed


def _worth_reading(text: str) -> bool:
    if len(_WORD.findall(text)) < 2:
        return False
    if _QUESTION_START.match(text) or _HYPOTHETICAL.match(text):
        return False
    key = _TRIVIAL_ADVERB.sub("", text.lower())
    key = " ".join(re.sub(r"[^\w' ]", " ", key).split())
    return key not in TRIVIAL


def _names(text: str) -> tuple[str, ...]:
    """Runs of capitalised words ("New York", "Dr. Lee"), in order.

    A clause's first word is capitalised anyway, so it counts only when it is
    followed by what a name is followed by ("Sarah and I", "Marcus is my...").
    """
    letters = [c for c in text if c.isalpha()]
    if len(letters) > 3 and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return ()  # shouting: every word is capitalised
    names: list[str] = []
    position = 0
    while position < len(text):
        span = _name_span(text, position)
        if span is None:
            break
        start, end, resume = span
        if end > start and (start > 0 or _NAME_FIRST.match(text, end)):
            names.append(text[start:end])
        position = resume
    return tuple(names)


_NAME_FIRST = re.compile(r"(?:'s|\s+(?:and\s+(?:I|me|my)|is\s+my|was\s+my))(?![\w'])", _I)


def _name_span(text: str, position: int) -> tuple[int, int, int] | None:
    """The next name at or after ``position``: its start, its end, where to go on."""
    start = end = -1
    for match in _WORD.finditer(text, position):
        word = match.group()
        base_end = match.end() - 2 if word.endswith("'s") else match.end()
        base = text[match.start() : base_end]
        if start >= 0:
            gap = text[end : match.start()]
            after_title = gap == ". " and text[start:end].split()[-1].lower() in _TITLES
            if not (gap == " " or after_title) or not _name_like(base, title=True):
                return start, _untitled(text, start, end), match.start()
        elif not _name_like(base, title=True):
            continue
        else:
            start = match.start()
        end = base_end
        if base_end != match.end() or len(text[start:end].split()) == 3:
            return start, _untitled(text, start, end), match.end()
    if start < 0:
        return None
    return start, _untitled(text, start, end), len(text)


def _untitled(text: str, start: int, end: int) -> int:
    """``end``, moved back over a trailing title: "Dr" alone is not a name."""
    words = text[start:end].split()
    while words and words[-1].rstrip(".").lower() in _TITLES:
        words.pop()
    return start + len(" ".join(words)) if words else start


def _name_like(word: str, *, title: bool = False) -> bool:
    if title and word.lower() in _TITLES and word[:1].isupper():
        return True
    return (
        word[:1].isupper()
        and word[:1].isalpha()
        and word.lower() not in _NOT_NAMES
        and re.fullmatch(_I_FORM, word) is None
    )


# --- third person ------------------------------------------------------------

_PRONOUN = re.compile(
    r"(?<![\w'])(?:(?P<i>I(?:'m|'ve|'d|'ll)?)|(?P<my>(?i:my))|(?P<me>(?i:me))"
    r"|(?P<myself>(?i:myself))|(?P<mine>(?i:mine)))(?![\w'])"
)
_HEAD = re.compile(r"I(?:'(?P<c>m|ve|d|ll))?")
_VERB_AFTER = re.compile(
    rf"(?P<adv>(?:\s+{_ADV_WORD}(?![\w']))*)\s+(?P<verb>[^\W\d_]+(?:'[^\W\d_]+)?)", _I
)
_COMPOUND = re.compile(r"(?<![\w'])and\s+$", _I)
_THEY_FORMS = {"I": "they", "I'm": "they're", "I've": "they've", "I'd": "they'd", "I'll": "they'll"}
_THEY_BE = re.compile(r"\s+(am|was)(?![\w'])")


def third_person(text: str, subject: str = DEFAULT_SUBJECT) -> str:
    """``text`` (a first-person clause) restated about ``subject``.

    >>> third_person("I've been learning Spanish", "Caroline")
    'Caroline has been learning Spanish'
    >>> third_person("my boss is Marcus")
    "User's boss is Marcus"
    """
    habit = _HABIT.search(text) is not None
    out: list[str] = []
    pos = 0
    named = False  # the subject has been the clause's subject: later "I" is "they"
    while True:
        match = _PRONOUN.search(text, pos)
        if match is None:
            break
        out.append(text[pos : match.start()])
        pos = match.end()
        if match.group("i"):
            if named:
                out.append(_THEY_FORMS[match.group("i")])
                be = _THEY_BE.match(text, pos) if match.group("i") == "I" else None
                if be:
                    out.append(" are" if be.group(1).lower() == "am" else " were")
                    pos = be.end()
            else:
                head, pos = _head(text, match.start(), subject, habit)
                out.append(head)
                named = True
        elif match.group("my"):
            out.append("their" if named else f"{subject}'s")
        elif match.group("me"):
            out.append("them" if named else subject)
        elif match.group("myself"):
            out.append("themselves" if named else subject)
        else:
            out.append("theirs" if named else f"{subject}'s")
    out.append(text[pos:])
    result = "".join(out).strip()
    return result[:1].upper() + result[1:]


def _head(text: str, start: int, subject: str, habit: bool = False) -> tuple[str, int]:
    """The subject and its agreeing verb for the "I..." at ``start``, and where it ends."""
    match = _HEAD.match(text, start)
    if match is None:  # the caller found an I-form here; never raise if not
        return subject, start + 1
    end = match.end()
    contraction = match.group("c")
    if _COMPOUND.search(text, 0, start):
        # "My wife and I love hiking": a plural subject, the verb stays as said.
        plural = {"m": " are", "ve": " have", "ll": " will", "d": " would"}
        verb = _VERB_AFTER.match(text, end)
        if contraction is None and verb and verb.group("verb").lower() in {"am", "was"}:
            were = "are" if verb.group("verb").lower() == "am" else "were"
            return f"{subject}{verb.group('adv')} {were}", verb.end()
        return subject + plural.get(contraction or "", ""), end
    if contraction == "m":
        return f"{subject} is", end
    if contraction == "ve":
        return f"{subject} has", end
    if contraction == "ll":
        return f"{subject} will", end
    verb = _VERB_AFTER.match(text, end)
    if contraction == "d":
        participle = verb is not None and _is_participle(verb.group("verb").lower())
        return f"{subject} {'had' if participle else 'would'}", end
    if verb is None:
        return subject, end
    conjugated = _conjugate(verb.group("verb"), habit)
    return f"{subject}{verb.group('adv')} {conjugated}", verb.end()


def _conjugate(word: str, habit: bool = False) -> str:
    """The third-person singular of ``word`` after "I" (past tenses unchanged).

    ``habit``: the clause says how often ("every night"), so "read" is present."""
    lower = word.lower()
    if lower in _IRREGULAR_PRESENT:
        out = _IRREGULAR_PRESENT[lower]
    elif (
        lower in _UNCHANGED
        or _is_past(lower)
        or (lower in _AMBIGUOUS_PAST and not habit)
        or _is_adverb(lower)
        or "'" in lower
        or not lower.isalpha()
    ):
        return word
    elif re.search(r"(?:s|sh|ch|x|z|o)$", lower):
        out = lower + "es"
    elif re.search(r"[^aeiou]y$", lower):
        out = lower[:-1] + "ies"
    else:
        out = lower + "s"
    if word.isupper() and len(word) > 1:
        return out.upper()
    return out


def _is_past(word: str) -> bool:
    if word in _IRREGULAR_PAST:
        return True
    if word.endswith("eed"):
        return word in _EED_PAST
    return len(word) > 3 and word.endswith("ed")


def _is_participle(word: str) -> bool:
    return word in _PARTICIPLES or (len(word) > 3 and word.endswith(("ed", "en")))


def _is_adverb(word: str) -> bool:
    return re.fullmatch(_ADV_WORD, word, _I) is not None


# --- building candidates -----------------------------------------------------


def _fact(clause: _Clause) -> str:
    return third_person(clause.text, clause.subject)


def _candidate(
    clause: _Clause,
    category: str,
    importance: int,
    *,
    text: str | None = None,
    slot: str | None = None,
    value: str | None = None,
    topic: str | None = None,
    status: StorylineStatus | None = None,
    objects: Iterable[str] = (),
    mentions: bool = True,
) -> Candidate:
    """A candidate from ``clause``; ``mentions`` adds the names said in it."""
    statement = _clip(text if text is not None else _fact(clause), MAX_FACT_CHARS)
    return Candidate(
        text=statement or clause.subject,
        category=category,
        entities=_entities(objects, clause.names if mentions else ()),
        importance=max(1, min(10, importance)),
        slot=slot[:80] if slot else None,
        value=_clip(value, MAX_VALUE_CHARS) if value else None,
        topic=topic,
        status=status,
        turns=[clause.turn],
    )


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "\u2026"


def _entities(objects: Iterable[str], names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for entity in objects:
        entity = _clip(entity.strip(" ,;:!?\"'"), MAX_ENTITY_CHARS)
        if entity and entity.lower() not in seen:
            seen[entity.lower()] = entity
    for name in names:
        # "Italian" says nothing "Italian food" did not.
        if not any(_contains(known, name.lower()) for known in seen):
            seen[name.lower()] = _clip(name, MAX_ENTITY_CHARS)
    return list(seen.values())[:MAX_ENTITIES]


def _contains(text: str, words: str) -> bool:
    return re.search(rf"(?<![\w']){re.escape(words)}(?![\w])", text) is not None


def _object(raw: str, cut: re.Pattern[str] = _CUT) -> str:
    """The object of a pattern, up to the first clause boundary or time phrase."""
    return cut.sub("", raw).strip(" .,;:!?\"'")


_ARTICLE = re.compile(r"^(?:(?:the|a|an|my|some|all|any|our)\s+)+", _I)


def _bare(obj: str) -> str:
    """What an opinion or an entity is about: "the Beatles" -> "Beatles"."""
    return _ARTICLE.sub("", obj).strip()


def _slot_key(obj: str) -> str:
    key = " ".join(_bare(obj).lower().split())[:MAX_SLOT_OBJECT_CHARS]
    return key.strip(" .,;:!?\"'")


def _content(text: str) -> list[str]:
    return [w for w in (m.group().lower() for m in _WORD.finditer(text)) if w not in _STOP]


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _intense(clause: _Clause) -> bool:
    return clause.exclaimed or _INTENSE.search(clause.text) is not None


def _leading_name(text: str, *, capital: bool = True) -> str | None:
    """The name ``text`` opens with ("Marcus Brown, he's..." -> "Marcus Brown").

    With ``capital`` off, one lowercase word will do ("my name is caroline")."""
    text = text.strip()
    first = _WORD.match(text)
    if first is None:
        return None
    span = _name_span(text, 0)
    if span is not None and span[0] == 0 and span[1] > 0:
        return text[: span[1]]
    word = first.group().removesuffix("'s")
    if capital or not word.isalpha() or word.lower() in _NOT_NAMES:
        return None
    return word


# --- identity ----------------------------------------------------------------

_MY_NAME = _rx(r"^my\s+(?:full\s+|real\s+|first\s+)?name(?:'s|\s+is)\s+(?P<rest>.+)$")
_CALL_ME = _rx(
    r"^(?:(?:you\s+can|please|just|everyone|people|my\s+friends)\s+)?call\s+me\s+(?P<rest>.+)$"
)
_GO_BY = _rx(r"^I\s+go\s+by\s+(?P<rest>.+)$")
_AGE = _rx(
    rf"^{_AM}\s+{_ADV}(?P<n>\d{{1,3}})(?P<unit>\s*(?:years?|yrs?)(?:\s+old)?|\s*y/?o)?"
    r"(?P<rest>(?![\w%]).*)$"
)
_AGE_REST = _rx(r"^(?:\s+(?:now|today|this year|already|soon|as of today))?\s*$")
_TURNED = _rx(
    rf"^I\s+{_ADV}turned\s+(?P<n>\d{{1,3}})(?![\w%])(?!\s*(?:percent|minutes|hours|days|weeks))"
)
_BIRTHDAY = _rx(r"^my\s+birthday(?:'s|\s+is)\s+(?:on\s+)?(?P<v>.+)$")
_RELATIVE_DATE = _rx(r"^(?:today|tomorrow|tonight|next|this|in\s|coming|soon|on\s+(?:the\s+)?way)")
_MARITAL = _rx(
    rf"^(?:{_AM}\s+{_ADV}(?:(?:happily|recently|newly)\s+)?|I\s+{_ADV}got\s+|{_HAVE}\s+{_ADV}"
    rf"been\s+)(?P<s>{_alt(MARITAL)})(?![\w'-])"
)


def _identity(clause: _Clause, _topics: _Topics) -> list[Candidate] | None:
    text, subject = clause.text, clause.subject
    match = _MY_NAME.match(text)
    if match:
        name = _leading_name(match.group("rest"), capital=False)
        if name is None:
            return None
        return [_candidate(clause, "identity", 8, slot="name", value=name, objects=[name])]
    match = _CALL_ME.match(text) or _GO_BY.match(text)
    if match:
        name = _leading_name(match.group("rest"), capital=False)
        if name is None:
            return None
        statement = f"{subject} goes by {name}"
        return [
            _candidate(clause, "identity", 8, text=statement, slot="name", value=name, objects=[])
        ]
    match = _AGE.match(text)
    if match and (match.group("unit") or _AGE_REST.match(match.group("rest"))):
        return _age(clause, match.group("n"))
    match = _TURNED.match(text)
    if match:
        return _age(clause, match.group("n"))
    match = _BIRTHDAY.match(text)
    if match:
        day = _object(match.group("v"))
        if not day or _RELATIVE_DATE.match(day):
            return None
        return [_candidate(clause, "identity", 7, slot="birthday", value=day)]
    match = _MARITAL.match(text)
    if match:
        status = match.group("s").lower()
        return [_candidate(clause, "identity", 8, slot="marital_status", value=status)]
    return None


def _age(clause: _Clause, number: str) -> list[Candidate] | None:
    age = int(number)
    if not 1 <= age <= 120:
        return None
    return [_candidate(clause, "identity", 7, slot="age", value=str(age))]


# --- health ------------------------------------------------------------------

_ALLERGIC = _rx(
    rf"^{_AM}\s+{_ADV}(?:(?:very|severely|deathly|highly|mildly|a\s+bit|a\s+little)\s+)?"
    r"allergic\s+to\s+(?P<x>.+)$"
)
_ALLERGY = _rx(
    rf"^{_HAVE_GOT}\s+{_ADV}(?:(?:a|an)\s+)?(?:(?:severe|serious|bad|mild|deadly|life-threatening"
    r")\s+)?(?:(?P<x>[\w' -]{1,40}?)\s+allergy|allergy\s+to\s+(?P<y>.+))(?![\w'])"
)
_DIET = _rx(
    rf"^{_AM}\s+{_ADV}(?:(?:a|an)\s+)?(?:(?:strict|full|100%|full-time)\s+)?"
    rf"(?P<d>{_alt(DIETS + HEALTH_STATES)})(?![\w'-])"
)
_CONDITION = _rx(
    rf"^(?:{_HAVE_GOT}\s+{_ADV}|I\s+{_ADV}suffer\s+from\s+|I\s+{_ADV}struggle\s+with\s+"
    rf"|(?:I\s+was|{_HAVE}\s+been|I\s+got)\s+{_ADV}diagnosed\s+with\s+)"
    r"(?:(?:severe|mild|chronic|bad|terrible|really\s+bad|the|an?)\s+)*"
    rf"(?P<c>{_alt(CONDITIONS)})(?![\w'])"
)
_CANT_EAT = _rx(
    rf"^I\s+{_ADV}(?:can't|cannot|can\s+not|shouldn't|must\s+not|mustn't)\s+{_ADV}"
    r"(?:eat|have|drink|tolerate|digest)\s+(?P<x>.+)$"
    rf"|^I\s+{_ADV}(?:don't|do\s+not|never)\s+(?:eat|drink)\s+(?P<y>.+)$"
)


def _health(clause: _Clause, _topics: _Topics) -> list[Candidate] | None:
    text = clause.text
    match = _ALLERGIC.match(text) or _ALLERGY.match(text)
    if match:
        allergen = _object(match.group("x") or match.group("y") or "")
        if not allergen:
            return None
        return [_candidate(clause, "health", 9, objects=[_bare(allergen)])]
    match = _DIET.match(text)
    if match:
        diet = match.group("d").lower()
        slot = "diet" if diet in DIETS else None
        return [_candidate(clause, "health", 9, slot=slot, value=diet if slot else None)]
    match = _CONDITION.match(text)
    if match:
        return [_candidate(clause, "health", 9, objects=[_bare(match.group("c"))])]
    match = _CANT_EAT.match(text)
    if match:
        food = _object(match.group("x") or match.group("y") or "")
        if not food or food.lower() in _PRONOUN_OBJECTS:
            return None
        return [_candidate(clause, "health", 9, objects=[_bare(food)])]
    return None


# --- favourites --------------------------------------------------------------

_FAVORITE = _rx(
    r"^my\s+(?:(?:all-time|all\s+time|absolute|current|new|very|personal)\s+)*favou?rite\s+"
    r"(?P<x>[^\W\d_][\w' -]{0,40}?)(?:'s|\s+(?:is|are|has\s+to\s+be|would\s+be|was))\s+"
    r"(?P<y>.+)$"
)
_FAVORITE_AFTER = _rx(
    r"^(?P<y>.+?)\s+(?:is|are|'s)\s+(?:(?:definitely|probably|still|totally|always)\s+)?my\s+"
    r"(?:(?:all-time|all\s+time|absolute|current|new|very|personal)\s+)*favou?rite\s+"
    r"(?P<x>[^\W\d_][\w' -]{0,40})$"
)


def _favorite(clause: _Clause, _topics: _Topics) -> list[Candidate] | None:
    match = _FAVORITE.match(clause.text) or _FAVORITE_AFTER.match(clause.text)
    if match is None:
        return None
    kind = _slot_key(match.group("x"))
    value = _object(match.group("y"))
    if not kind or not value or value.lower() in _PRONOUN_OBJECTS:
        return None
    importance = 7 if _intense(clause) else 6
    return [
        _candidate(
            clause,
            "preference",
            importance,
            slot=f"favorite:{kind}",
            value=value,
            objects=[value],
        )
    ]


# --- storylines --------------------------------------------------------------

_IN_PROGRESS = _rx(
    rf"^(?:{_AM}|{_HAVE}\s+been|I\s+was)\s+{_ADV}"
    r"(?:having\s+(?:(?:some|a\s+lot\s+of|lots\s+of|a\s+few|so\s+many|serious|major|real|big"
    r"|constant|a\s+bit\s+of|ongoing)\s+)*(?:issues|problems|trouble|difficulties|conflicts?"
    r"|drama|tension|arguments|fights)(?:\s+(?:with|at|in|about))?"
    rf"|{_alt(STORYLINE_CUES)})\s+(?P<obj>.+)$"
)
_EVENT_AHEAD = _rx(
    rf"^{_HAVE_GOT}\s+{_ADV}(?:(?:a|an|my|the|this|that)\s+)?(?:(?:big|huge|important|final"
    r"|scary|major|first|second|job|new)\s+)*(?P<obj>(?:" + _alt(EVENTS) + r")(?![\w']).*)$"
)
_RESOLVED_VERB = _rx(
    rf"^I\s+{_ADV}(?:(?:sorted|worked|figured|straightened|talked|patched)\s+(?:it|things"
    r"|everything|stuff|this|that)\s+(?:out|up|through)\s+with\s+(?P<with>.+)"
    rf"|(?:{_alt(RESOLUTION_VERBS)})\s+(?P<obj>.+))$"
)
_RESOLVED_OUTCOME = _rx(
    r"^(?P<obj>.+?)\s+(?:went|turned\s+out|ended\s+up|went\s+off|worked\s+out)(?:\s+"
    r"(?:really|super|very|so|pretty|surprisingly|quite|extremely|totally))*\s+"
    rf"(?:{_alt(_GOOD_OUTCOMES)})(?![\w'])|^(?P<obj2>.+?)\s+worked\s+out(?![\w'])"
)
_RESOLVED_STATE = _rx(
    r"^(?P<obj>.+?)(?:\s+(?:is|are|was|were|has\s+been|have\s+been|got|finally\s+got)|'s)\s+"
    r"(?:(?:finally|all|totally|completely|now|officially|fully)\s+)*"
    rf"(?:{_alt(_OVER_STATES)})(?![\w'])"
)
_RESOLVED_THINGS = _rx(
    r"^things\s+(?:with|between\s+(?:me\s+and|us|)\s*|at)\s*(?P<obj>.+?)\s+(?:are|have\s+been"
    r"|got|seem|feel)\s+(?:\w+\s+)?(?:better|good|fine|great|okay|ok|resolved|sorted|back\s+to"
    r"\s+normal)(?![\w'])"
)
_RESOLVED_TOGETHER = _rx(
    r"^(?:me\s+and\s+(?P<a>.+?)|(?P<b>.+?)\s+and\s+I)\s+(?:finally\s+)?(?:made\s+up|worked\s+"
    r"(?:it|things)\s+out|sorted\s+(?:it|things)\s+out|talked\s+(?:it|things)\s+(?:out|through)"
    r"|are\s+(?:good|fine|okay|ok|cool)(?:\s+now)?|resolved\s+(?:it|things))(?![\w'])"
)
_RESOLVED_DONE = _rx(
    rf"^(?:{_AM}\s+{_ADV}(?:done|finished|through)\s+with\s+(?P<a>.+)"
    rf"|I\s+{_ADV}(?:no\s+longer|don't)\s+(?:have\s+to\s+|need\s+to\s+)?(?:worry|stress)\s+about"
    rf"\s+(?P<b>.+?)(?:\s+anymore)?|{_AM}\s+{_ADV}(?:no\s+longer|not)\s+(?:worried|stressed)"
    rf"\s+about\s+(?P<c>.+?)(?:\s+anymore)?|(?:{_AM}|{_HAVE})\s+{_ADV}(?:fully\s+)?(?:recovered"
    r"|healed)\s+from\s+(?P<d>.+))$"
)
_ANAPHORA = _words("it that this everything all things stuff")


def _storyline_resolved(clause: _Clause, topics: _Topics) -> list[Candidate] | None:
    text = clause.text
    obj: str | None = None
    for pattern in (
        _RESOLVED_VERB,
        _RESOLVED_OUTCOME,
        _RESOLVED_STATE,
        _RESOLVED_THINGS,
        _RESOLVED_TOGETHER,
        _RESOLVED_DONE,
    ):
        match = pattern.match(text)
        if match:
            obj = next((g for g in match.groups() if g), None)
            break
    if obj is None or re.match(rf"{_I_FORM}(?![\w'])", obj):
        return None
    obj = _object(obj)
    words = _topic_words(obj)
    if not words and _bare(obj).lower() in _ANAPHORA and topics.latest is not None:
        key: str | None = topics.latest  # "It went well": the latest storyline
    else:
        key = topics.key(words)
    if key is None:
        return None
    return [
        _candidate(
            clause,
            STORYLINE_CATEGORY,
            6,
            slot=f"storyline:{key}",
            topic=key,
            status=StorylineStatus.RESOLVED,
        )
    ]


def _storyline_in_progress(clause: _Clause, topics: _Topics) -> list[Candidate] | None:
    match = _IN_PROGRESS.match(clause.text) or _EVENT_AHEAD.match(clause.text)
    if match is None:
        return None
    key = topics.key(_topic_words(_object(match.group("obj"))))
    if key is None:
        return None
    return [
        _candidate(
            clause,
            STORYLINE_CATEGORY,
            6,
            slot=f"storyline:{key}",
            topic=key,
            status=StorylineStatus.IN_PROGRESS,
        )
    ]


def _topic_words(obj: str) -> list[str]:
    words: list[str] = []
    for match in _WORD.finditer(obj):
        word = re.sub(r"'s$", "", match.group().lower())
        word = re.sub(r"[^\w]+", "", word)
        if word and word not in _STOP and word not in _GENERIC_TOPIC_WORDS and word not in words:
            words.append(word)
    # "a new one" names no topic; "a new job" does.
    return words if set(words) - _WEAK_TOPIC_WORDS else []


# --- work --------------------------------------------------------------------

_EMPLOYER = _rx(
    rf"^(?:I\s+{_ADV}work(?:s|ed)?|{_AM}\s+{_ADV}(?:working|employed)|{_HAVE}\s+{_ADV}been\s+"
    r"(?:working|employed))\s+(?:(?:full[- ]time|part[- ]time|remotely)\s+)?(?:at|for|with|by)\s+"
    r"(?P<org>.+)$"
    rf"|^I\s+{_ADV}(?:started|start|began)\s+(?:(?:a|my|the)\s+)?(?:(?:new|first|dream)\s+)*"
    r"(?:(?:job|position|role|internship|gig|work|working)\s+)?(?:at|with)\s+(?P<org2>.+)$"
    rf"|^I\s+{_ADV}(?:got|landed|accepted|took)\s+(?:(?:a|an|the|my)\s+)?(?:(?:new|first|dream"
    r"|great|amazing|full-time|part-time)\s+)*(?:job|position|role|internship|offer|gig)\s+"
    r"(?:offer\s+)?(?:at|with|from)\s+(?P<org3>.+)$"
)
_PAST_JOB = _rx(rf"^I\s+{_ADV}worked\s")
_WITH_ORG = _rx(r"\swith\s+$")
_EMPLOYER_CAPITALISED = _rx(
    rf"^I\s+{_ADV}(?:joined|started\s+at|got\s+hired\s+(?:at|by)|was\s+hired\s+(?:at|by))\s+"
    r"(?P<org>.+)$"
)
_NOT_EMPLOYERS = frozenset(
    _phrases(
        "home, night, nights, weekends, the weekend, it, this, that, a living, hard, the moment, "
        "work, them, him, her, you, us, people, everyone"
    )
)
_JOB_LOST = _rx(
    rf"^I\s+{_ADV}(?:quit|lost|left)\s+my\s+(?:(?:old|last|current)\s+)?(?:job|position|role)"
    rf"|^(?:I\s+{_ADV}(?:got|was)|{_HAVE}\s+{_ADV}been)\s+{_ADV}(?:fired|laid\s+off|let\s+go"
    rf"|made\s+redundant|sacked)(?![\w'])"
    rf"|^I\s+{_ADV}(?:no\s+longer|don't)\s+work\s+(?:at|for)\s+(?P<org>.+?)(?:\s+anymore)?$"
)
_LEFT_ORG = _rx(rf"^I\s+{_ADV}(?:left|quit)\s+(?P<org>.+)$")
_PROFESSION = _rx(
    rf"^(?:{_AM}\s+{_ADV}(?:working\s+as\s+)?|I\s+{_ADV}work\s+as\s+)(?:a|an)\s+"
    rf"(?P<mods>(?:[\w-]+\s+){{0,3}}?)(?P<job>{_alt(PROFESSIONS)})(?![\w'-])(?P<rest>.*)$"
)
_WORK_AS = _rx(rf"^I\s+{_ADV}work\s+as\s+(?:a|an)\s+(?P<job>.+)$")
_NOT_WORKING_RX = _rx(rf"^(?:{_AM}\s+{_ADV}|I\s+{_ADV}(?:just\s+)?)(?P<s>{_alt(_NOT_WORKING)})$")
_AT_ORG = _rx(r"^\s+(?:at|for|with)\s+(?P<org>.+)$")
_AS_JOB = _rx(r"\s+as\s+(?:a|an)\s+(?P<job>.+)$")


def _work(clause: _Clause, _topics: _Topics) -> list[Candidate] | None:
    text = clause.text
    match = _JOB_LOST.match(text)
    if match:
        return [_candidate(clause, "work", 8, slot="employer", value="none")]
    match = _LEFT_ORG.match(text)
    if match and _capitalised(match.group("org")):
        return [_candidate(clause, "work", 8, slot="employer", value="none")]
    match = _PROFESSION.match(text)
    if match and not (set(match.group("mods").lower().split()) & _JUDGEMENTS):
        job = f"{match.group('mods')}{match.group('job')}".strip()
        found = [_candidate(clause, "work", 8, slot="occupation", value=job)]
        at = _AT_ORG.match(match.group("rest"))
        org = _org(at.group("org")) if at else None
        if org and match.group("job").lower() != "student":
            found.append(_candidate(clause, "work", 8, slot="employer", value=org, objects=[org]))
        return found
    match = _EMPLOYER.match(text)
    if match:
        raw = match.group("org") or match.group("org2") or match.group("org3")
        if _PAST_JOB.match(text):
            return None  # "I worked at Google": a past employer, not the current one
        if _WITH_ORG.search(text[: match.start("org")] if match.group("org") else "") and not (
            _capitalised(raw) and not raw.lower().startswith(("my ", "the ", "a "))
        ):
            return None  # "I work with my brother": a colleague, not an employer
        return _employer(clause, raw)
    match = _EMPLOYER_CAPITALISED.match(text)
    if match and _capitalised(match.group("org")):
        return _employer(clause, match.group("org"))
    match = _WORK_AS.match(text)
    if match:
        job = _object(match.group("job"), _CUT_ORG)
        return [_candidate(clause, "work", 8, slot="occupation", value=job)] if job else None
    match = _NOT_WORKING_RX.match(text)
    if match:
        status = _bare(match.group("s").lower())
        return [_candidate(clause, "work", 8, slot="occupation", value=status)]
    return None


def _employer(clause: _Clause, raw: str) -> list[Candidate] | None:
    org = _org(raw)
    if org is None:
        return None
    objects = [] if org == "self-employed" else [org]
    found = [_candidate(clause, "work", 8, slot="employer", value=org, objects=objects)]
    # "I work at TechCorp as a designer": the occupation comes with it.
    role = _AS_JOB.search(raw)
    job = _object(role.group("job"), _CUT_ORG) if role else ""
    if job:
        statement = f"{clause.subject} works as {_article(job)} {job}"
        found.append(_candidate(clause, "work", 8, text=statement, slot="occupation", value=job))
    return found


def _org(raw: str) -> str | None:
    org = _object(raw, _CUT_ORG)
    if org.lower() in {"myself", "me"}:
        return "self-employed"
    if not org or org.lower() in _NOT_EMPLOYERS or org.lower() in _PRONOUN_OBJECTS:
        return None
    return org


def _capitalised(text: str) -> bool:
    bare = _bare(text.strip())
    return bare[:1].isupper()


# --- home --------------------------------------------------------------------

_HOME = _rx(
    rf"^(?:I\s+{_ADV}(?:live|reside)|{_AM}\s+{_ADV}(?:living|based|staying)|{_HAVE}\s+"
    rf"{_ADV}been\s+living)\s+in\s+(?P<place>.+)$"
    rf"|^(?:I\s+{_ADV}(?:moved|relocated)|{_AM}\s+{_ADV}(?:moving|relocating)|{_HAVE}\s+{_ADV}"
    r"(?:moved|relocated))\s+(?:back\s+)?to\s+(?P<place2>.+)$"
)
_HOMETOWN = _rx(
    rf"^(?:{_AM}\s+{_ADV}(?:originally\s+)?from|I\s+{_ADV}(?:grew\s+up|was\s+born|was\s+raised)"
    r"\s+in)\s+(?P<place>.+)$"
)
_DETERMINER = _rx(r"^(?:a|an|the|my|our|this|that|some|his|her|their|your)\s+(?P<next>\S+)")


def _home(clause: _Clause, _topics: _Topics) -> list[Candidate] | None:
    for pattern, slot in ((_HOME, "home_city"), (_HOMETOWN, "hometown")):
        match = pattern.match(clause.text)
        if match is None:
            continue
        place = _place(next(g for g in match.groups() if g))
        if place is None:
            return None
        return [_candidate(clause, "home", 8, slot=slot, value=place, objects=[_bare(place)])]
    return None


def _place(raw: str) -> str | None:
    place = _object(raw, _CUT_PLACE)
    if not place or place[0].isdigit() or place.lower() in _PRONOUN_OBJECTS:
        return None
    # "a new apartment" is not a city; "the Bay Area" is.
    article = _DETERMINER.match(place)
    if article and not article.group("next")[:1].isupper():
        return None
    return place


# --- people and pets ---------------------------------------------------------

_REL_IS_NAME = _rx(
    rf"^my\s+(?P<phrase>{_REL_MODS}(?P<rel>{_REL_ALL}))(?:'s\s+name\s+is|\s+is\s+(?:called|named)"
    r"|\s+is|'s)\s+(?P<rest>.+)$"
)
_NAME_IS_REL = _rx(
    rf"^(?P<name>{_NAME_TOKEN}\.?(?:\s+{_NAME_TOKEN}){{0,2}}?)\s+(?:is|'s)\s+my\s+"
    rf"(?P<phrase>{_REL_MODS}(?P<rel>{_REL_ALL}))(?![\w'-])"
)
_HAVE_RELATIVES = _rx(
    rf"^{_HAVE_GOT}\s+{_ADV}(?P<n>{_NUMBERS}|\d{{1,2}})\s+(?:(?:little|young|older|younger|grown"
    r"|adult|beautiful|amazing|wonderful|lovely|twin|baby|teenage|rescue|big|old|new|small|cute"
    rf"|sweet)\s+)*(?P<rel>{_REL_ALL}|{_alt(_PLURAL_RELATIONS)})(?:s|es)?(?![\w'-])"
    r"(?:\s+(?:named|called)\s+(?P<name>.+))?"
)
_APPOSITIVE = re.compile(
    rf"(?<![\w'])(?i:my)\s+(?P<phrase>(?i:{_REL_MODS})(?P<rel>(?i:{_REL_ALL})))(?:,\s*|\s+)"
    rf"(?!(?i:named|called)(?![\w']))(?P<name>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN})?)"
    rf"|(?<![\w'])(?i:an?|my)\s+(?P<phrase2>(?i:{_REL_MODS})(?P<rel2>(?i:{_REL_ALL})))\s+"
    rf"(?i:named|called)\s+(?P<name2>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN})?)"
)
_MY_RELATION = _rx(rf"^my\s+{_REL_MODS}(?P<rel>{_REL_ALL})(?![\w'-])(?P<rest>.+)$")


def _people(clause: _Clause, _topics: _Topics) -> list[Candidate] | None:
    text = clause.text
    match = _REL_IS_NAME.match(text)
    if match:
        name = _leading_name(match.group("rest"))
        if name is not None:
            return [_relation(clause, match.group("rel"), name, statement=_fact(clause))]
    match = _NAME_IS_REL.match(text)
    if match:
        name = _leading_name(match.group("name"))
        if name is not None and name == match.group("name"):
            return [_relation(clause, match.group("rel"), name, statement=_fact(clause))]
    match = _HAVE_RELATIVES.match(text)
    if match:
        rel = _singular(match.group("rel"))
        name = _leading_name(match.group("name") or "") if match.group("name") else None
        category = "pets" if rel in _PET_SET else "people"
        objects = [name] if name else []
        return [_candidate(clause, category, 7, objects=objects)]
    match = _MY_RELATION.match(text)
    if match and _content(match.group("rest")):
        rel = match.group("rel").lower()
        category = "pets" if rel in _PET_SET else "people"
        return [_candidate(clause, category, 7)]
    return None


def _singular(rel: str) -> str:
    lower = rel.lower()
    return _PLURAL_RELATIONS.get(lower, lower)


def _relation(
    clause: _Clause,
    rel: str,
    name: str,
    *,
    statement: str | None = None,
    phrase: str | None = None,
) -> Candidate:
    """A person (or pet) and how they relate to the user: ``rel`` names the slot,
    ``phrase`` is how it was said ("little sister")."""
    rel = rel.lower()
    said = phrase or rel
    if rel in _SINGLE_SET:
        slot = rel.replace("é", "e")
        text = statement or f"{clause.subject}'s {said} is {name}"
        return _candidate(
            clause,
            "people",
            8,
            text=text,
            slot=slot,
            value=name,
            objects=[name],
            mentions=statement is not None,
        )
    category = "pets" if rel in _PET_SET else "people"
    text = statement or f"{clause.subject} has {_article(said)} {said} named {name}"
    return _candidate(
        clause, category, 7, text=text, objects=[name], mentions=statement is not None
    )


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def _mentioned_people(clause: _Clause, already: list[Candidate]) -> list[Candidate]:
    """People named in passing: "...with my coworker Sarah" says who Sarah is."""
    found: list[Candidate] = []
    known = {c.value.lower() for c in already if c.value}
    for match in _APPOSITIVE.finditer(clause.text):
        rel = match.group("rel") or match.group("rel2")
        phrase = match.group("phrase") or match.group("phrase2")
        name = _leading_name(match.group("name") or match.group("name2"))
        if name is None or name.lower() in known:
            continue
        known.add(name.lower())
        found.append(_relation(clause, rel, name, phrase=" ".join(phrase.lower().split())))
    return found


# --- preferences -------------------------------------------------------------

_LIKE = _rx(
    rf"^I\s+(?P<head>(?:(?:{_ADV_WORD}|{_NEG})\s+)*)"
    rf"(?P<verb>{_alt(POSITIVE_VERBS + NEGATIVE_VERBS)}|stand|bear)(?:s|d|ed)?\s+(?P<obj>.+)$"
)
_AM_INTO = _rx(
    rf"^{_AM}\s+(?P<head>(?:(?:{_ADV_WORD}|not|no\s+longer)\s+)*)(?:(?:a|an|such\s+a)\s+)?"
    r"(?:(?:big|huge|massive|great|total|real|true|die-hard|diehard|long-time|longtime)\s+)*"
    rf"(?P<verb>{_alt(POSITIVE_STATES + NEGATIVE_STATES)}|fan\s+of)\s+(?P<obj>.+)$"
)
_AM_FAN = _rx(
    rf"^{_AM}\s+(?P<head>(?:(?:{_ADV_WORD}|not)\s+)*)(?:a|an|such\s+a)\s+(?:(?:big|huge|massive"
    r"|great|total|real|true|die-hard|diehard|long-time|longtime)\s+)*(?P<obj>.+?)\s+fan$"
)
_NEGATION = _rx(rf"(?<![\w']){_NEG}(?![\w'])")
_HEDGE_VERBS = _words("think believe say imagine pretend")


def _preference(clause: _Clause, _topics: _Topics) -> list[Candidate] | None:
    text = clause.text
    match = _LIKE.match(text) or _AM_INTO.match(text) or _AM_FAN.match(text)
    if match is None:
        return None
    negated = _NEGATION.search(match.group("head")) is not None
    verb = (match.groupdict().get("verb") or "fan of").lower()
    verb = " ".join(verb.split())
    negative_verb = verb.startswith(tuple(NEGATIVE_VERBS)) or verb in NEGATIVE_STATES
    if verb in {"stand", "bear"}:
        if not negated:
            return None
        positive = False
    elif negative_verb:
        if negated:
            return None  # "I don't hate it" is not an opinion to keep
        positive = False
    else:
        positive = not negated
    obj = _object(match.group("obj"))
    if obj.lower().startswith("to "):
        obj = obj[3:]  # "I love to paint": the opinion is about painting
    first = obj.split()[0].lower() if obj.split() else ""
    if first in _HEDGE_VERBS:
        return []  # "I like to think I'm..." is a hedge, not a taste
    if not obj or first in _PRONOUN_OBJECTS or obj.lower().startswith("the way "):
        return []  # matched, but about something unnamed: "I love it", "I love how..."
    key = _slot_key(obj)
    if not key:
        return []
    importance = 7 if _intense(clause) else 6
    return [
        _candidate(
            clause,
            "preference",
            importance,
            slot=f"opinion:{key}",
            value="positive" if positive else "negative",
            objects=[_bare(obj)],
        )
    ]


# --- goals -------------------------------------------------------------------

_GOAL = _rx(
    rf"^I\s+{_ADV}(?:(?:don't|do\s+not|no\s+longer)\s+)?(?P<verb>want|plan|hope|intend|aim"
    r"|wish|need|have|would\s+like|would\s+love)\s+to\s+(?P<obj>.+)$"
    rf"|^I\s+{_ADV}(?P<verb2>wanna|gotta)\s+(?P<obj2>.+)$"
    rf"|^{_AM}\s+{_ADV}(?P<verb3>planning(?:\s+to|\s+on)|hoping\s+to|going\s+to|gonna"
    r"|aiming\s+to|trying\s+to|determined\s+to|thinking\s+(?:about|of)|considering"
    r"|saving\s+(?:up\s+)?for|about\s+to|looking\s+forward\s+to|intending\s+to)\s+(?P<obj3>.+)$"
    rf"|^I'd\s+{_ADV}(?P<verb4>like|love|prefer)\s+to\s+(?P<obj4>.+)$"
    r"|^my\s+(?:(?:main|big|biggest|long-term|ultimate|new\s+year's|personal|next|only)\s+)*"
    r"(?P<verb5>goal|plan|dream|resolution|aim|hope|wish|mission)\s+(?:is|was)\s+(?:to\s+)?"
    r"(?P<obj5>.+)$"
    rf"|^I(?:'ll|\s+will)\s+{_ADV}(?P<verb6>)(?P<obj6>.+)$"
    rf"|^(?:{_HAVE}|I)\s+{_ADV}(?P<verb7>decided|made\s+up\s+my\s+mind)\s+to\s+(?P<obj7>.+)$"
)
_MOVEMENT = _rx(r"^(?:the|a|an|my|this|that|his|her|their|our|some|bed|work|school|sleep)\b")
_WEAK_GOALS = frozenset({"need", "have", "gotta", ""})


def _goal(clause: _Clause, _topics: _Topics) -> list[Candidate] | None:
    match = _GOAL.match(clause.text)
    if match is None:
        return None
    groups = match.groupdict()
    index = next(i for i in ("", "2", "3", "4", "5", "6", "7") if groups.get(f"obj{i}"))
    verb = " ".join((groups.get(f"verb{index}") or "").lower().split())
    obj = _object(groups[f"obj{index}"])
    if verb == "going to" and _MOVEMENT.match(obj):
        return None  # "I'm going to the gym" is where, not what for
    content = _content(obj)
    needed = 2 if verb in _WEAK_GOALS else 1
    if len(content) < needed:
        return None
    importance = 7 if _intense(clause) else 6
    return [_candidate(clause, "goal", importance)]


# --- activities and events ---------------------------------------------------

_ONGOING = _rx(rf"^(?:{_HAVE}\s+{_ADV}been\s+{_ADV}|{_AM}\s+{_ADV})(?P<verb>[^\W\d_]+ing)(?![\w'])")
_PAST = _rx(
    rf"^(?:I\s+{_ADV}(?:was|were|had|used\s+to|didn't|did\s+not|did)(?![\w'])"
    rf"|{_HAVE}\s+{_ADV}(?:been|[^\W\d_]+(?:ed|en)|{_alt(_PARTICIPLES)})(?![\w']))"
)
_PLAIN = _rx(rf"^I\s+{_ADV}(?P<verb>[^\W\d_]+)(?![\w'])")
_LIGHT_WORDS = _words("am is are was were be been being has have had do does did")


def _activity(clause: _Clause, _topics: _Topics) -> list[Candidate] | None:
    text = clause.text
    content = [w for w in _content(text) if w not in _LIGHT_WORDS]
    if len(content) < 2:
        return None
    if _ONGOING.match(text):
        return [_candidate(clause, "activity", 4)]
    if _PAST.match(text):
        return [_candidate(clause, "event", 3)]
    match = _PLAIN.match(text)
    if match is None:
        return None
    verb = match.group("verb").lower()
    habit = verb not in _UNCHANGED and _HABIT.search(text) is not None
    if _is_past(verb) or (verb in _AMBIGUOUS_PAST and not habit):
        return [_candidate(clause, "event", 3)]
    return [_candidate(clause, "activity", 4)] if habit else None


_MATCHERS: tuple[Matcher, ...] = (
    _identity,
    _health,
    _favorite,
    _storyline_resolved,
    _storyline_in_progress,
    _work,
    _home,
    _people,
    _preference,
    _goal,
    _activity,
)
