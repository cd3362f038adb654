"""The offline heuristic extractor: what a user says about themselves, as facts."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persona_memory.core.digests import Turn
from persona_memory.core.learning import (
    STORYLINE_CATEGORY,
    Candidate,
    Extractor,
    StorylineStatus,
)
from persona_memory.providers.extractors.heuristic import (
    MAX_ENTITIES,
    HeuristicExtractor,
    third_person,
)

EXTRACTOR = HeuristicExtractor()


def extract(*contents: str, name: str | None = None) -> list[Candidate]:
    return EXTRACTOR.extract([Turn("user", content, name=name) for content in contents])


def only(content: str, name: str | None = None) -> Candidate:
    found = extract(content, name=name)
    assert len(found) == 1, [c.text for c in found]
    return found[0]


def by_slot(found: list[Candidate], slot: str) -> Candidate:
    matching = [c for c in found if c.slot == slot]
    assert len(matching) == 1, [(c.slot, c.text) for c in found]
    return matching[0]


# --- the brief's examples ------------------------------------------------------

# sentence, third-person text, category, slot, value
EXAMPLES = [
    (
        "I love rock climbing",
        "User loves rock climbing",
        "preference",
        "opinion:rock climbing",
        "positive",
    ),
    ("I'm allergic to peanuts", "User is allergic to peanuts", "health", None, None),
    ("my boss is Marcus", "User's boss is Marcus", "people", "boss", "Marcus"),
    ("I just moved to Denver", "User just moved to Denver", "home", "home_city", "Denver"),
    ("I work at TechCorp", "User works at TechCorp", "work", "employer", "TechCorp"),
    (
        "I just started a new job at Initech",
        "User just started a new job at Initech",
        "work",
        "employer",
        "Initech",
    ),
    (
        "I don't like mushrooms",
        "User doesn't like mushrooms",
        "preference",
        "opinion:mushrooms",
        "negative",
    ),
    ("I have two kids", "User has two kids", "people", None, None),
    ("I've been learning Spanish", "User has been learning Spanish", "activity", None, None),
]


@pytest.mark.parametrize(("said", "text", "category", "slot", "value"), EXAMPLES)
def test_the_briefs_examples(
    said: str, text: str, category: str, slot: str | None, value: str | None
) -> None:
    fact = only(said)
    assert (fact.text, fact.category, fact.slot, fact.value) == (text, category, slot, value)
    assert fact.turns == [0]
    assert fact.topic is None
    assert fact.status is None


# --- every pattern -------------------------------------------------------------

# sentence, third-person text, category, slot, value
PATTERNS = [
    # preferences
    ("I enjoy jazz", "User enjoys jazz", "preference", "opinion:jazz", "positive"),
    (
        "I adore old movies",
        "User adores old movies",
        "preference",
        "opinion:old movies",
        "positive",
    ),
    (
        "I'm into photography",
        "User is into photography",
        "preference",
        "opinion:photography",
        "positive",
    ),
    (
        "I'm a big fan of the Beatles",
        "User is a big fan of the Beatles",
        "preference",
        "opinion:beatles",
        "positive",
    ),
    (
        "I'm a huge Radiohead fan",
        "User is a huge Radiohead fan",
        "preference",
        "opinion:radiohead",
        "positive",
    ),
    ("I hate sushi", "User hates sushi", "preference", "opinion:sushi", "negative"),
    ("I dislike crowds", "User dislikes crowds", "preference", "opinion:crowds", "negative"),
    (
        "I can't stand country music",
        "User can't stand country music",
        "preference",
        "opinion:country music",
        "negative",
    ),
    (
        "I'm not a fan of horror movies",
        "User is not a fan of horror movies",
        "preference",
        "opinion:horror movies",
        "negative",
    ),
    (
        "I love sushi because it's fresh",
        "User loves sushi because it's fresh",
        "preference",
        "opinion:sushi",
        "positive",
    ),
    ("I love to paint", "User loves to paint", "preference", "opinion:paint", "positive"),
    # favourites
    (
        "my favorite band is Radiohead",
        "User's favorite band is Radiohead",
        "preference",
        "favorite:band",
        "Radiohead",
    ),
    (
        "Blue is my favourite color",
        "Blue is User's favourite color",
        "preference",
        "favorite:color",
        "Blue",
    ),
    # work
    ("I work for the city", "User works for the city", "work", "employer", "the city"),
    (
        "I'm working at a bakery now",
        "User is working at a bakery now",
        "work",
        "employer",
        "a bakery",
    ),
    ("I got a job at Google", "User got a job at Google", "work", "employer", "Google"),
    ("I joined Stripe last month", "User joined Stripe last month", "work", "employer", "Stripe"),
    (
        "I've been working at Acme for 5 years",
        "User has been working at Acme for 5 years",
        "work",
        "employer",
        "Acme",
    ),
    ("I got laid off", "User got laid off", "work", "employer", "none"),
    ("I quit my job", "User quit their job", "work", "employer", "none"),
    ("I work as a designer", "User works as a designer", "work", "occupation", "designer"),
    ("I'm a teacher", "User is a teacher", "work", "occupation", "teacher"),
    ("I'm an engineer", "User is an engineer", "work", "occupation", "engineer"),
    ("I'm retired", "User is retired", "work", "occupation", "retired"),
    # home
    ("I live in Chicago", "User lives in Chicago", "home", "home_city", "Chicago"),
    (
        "I live in New York City now",
        "User lives in New York City now",
        "home",
        "home_city",
        "New York City",
    ),
    (
        "I'm moving to Seattle next month",
        "User is moving to Seattle next month",
        "home",
        "home_city",
        "Seattle",
    ),
    ("I'm from Ohio", "User is from Ohio", "home", "hometown", "Ohio"),
    ("I grew up in Texas", "User grew up in Texas", "home", "hometown", "Texas"),
    # people and pets
    ("Marcus is my boss", "Marcus is User's boss", "people", "boss", "Marcus"),
    ("my wife is Anna", "User's wife is Anna", "people", "wife", "Anna"),
    ("My husband's name is Tom", "User's husband's name is Tom", "people", "husband", "Tom"),
    ("Dr. Lee is my therapist", "Dr. Lee is User's therapist", "people", None, None),
    ("my sister lives in Boston", "User's sister lives in Boston", "people", None, None),
    ("I have a dog named Max", "User has a dog named Max", "pets", None, None),
    ("I have two cats", "User has two cats", "pets", None, None),
    # health
    ("I have asthma", "User has asthma", "health", None, None),
    ("I have a peanut allergy", "User has a peanut allergy", "health", None, None),
    ("I was diagnosed with ADHD", "User was diagnosed with ADHD", "health", None, None),
    ("I can't eat gluten", "User can't eat gluten", "health", None, None),
    ("I don't eat meat", "User doesn't eat meat", "health", None, None),
    ("I'm vegetarian", "User is vegetarian", "health", "diet", "vegetarian"),
    ("I'm vegan", "User is vegan", "health", "diet", "vegan"),
    ("I'm lactose intolerant", "User is lactose intolerant", "health", None, None),
    # identity
    ("my name is Caroline", "User's name is Caroline", "identity", "name", "Caroline"),
    ("call me Cara", "User goes by Cara", "identity", "name", "Cara"),
    ("I'm 30 years old", "User is 30 years old", "identity", "age", "30"),
    ("I'm 30", "User is 30", "identity", "age", "30"),
    ("I just turned 40", "User just turned 40", "identity", "age", "40"),
    (
        "my birthday is March 3rd",
        "User's birthday is March 3rd",
        "identity",
        "birthday",
        "March 3rd",
    ),
    ("I'm married", "User is married", "identity", "marital_status", "married"),
    ("I'm single", "User is single", "identity", "marital_status", "single"),
    ("I just got engaged", "User just got engaged", "identity", "marital_status", "engaged"),
    ("I'm divorced", "User is divorced", "identity", "marital_status", "divorced"),
    # goals
    ("I want to run a marathon", "User wants to run a marathon", "goal", None, None),
    ("I plan to learn piano", "User plans to learn piano", "goal", None, None),
    (
        "I'm planning to move to Portland",
        "User is planning to move to Portland",
        "goal",
        None,
        None,
    ),
    ("I'm going to learn to code", "User is going to learn to code", "goal", None, None),
    ("I hope to visit Japan", "User hopes to visit Japan", "goal", None, None),
    ("I'd love to visit Japan", "User would love to visit Japan", "goal", None, None),
    ("my goal is to learn piano", "User's goal is to learn piano", "goal", None, None),
    (
        "I've decided to talk to Sarah on Monday",
        "User has decided to talk to Sarah on Monday",
        "goal",
        None,
        None,
    ),
    ("I'll keep notes on everything", "User will keep notes on everything", "goal", None, None),
    # activities and events
    (
        "I went to a support group yesterday",
        "User went to a support group yesterday",
        "event",
        None,
        None,
    ),
    (
        "I painted a sunset last week",
        "User painted a sunset last week",
        "event",
        None,
        None,
    ),
    (
        "Yesterday I went to a support group",
        "User went to a support group yesterday",
        "event",
        None,
        None,
    ),
    ("I'm reading Dune", "User is reading Dune", "activity", None, None),
    (
        "I go hiking every weekend",
        "User goes hiking every weekend",
        "activity",
        None,
        None,
    ),
]


@pytest.mark.parametrize(("said", "text", "category", "slot", "value"), PATTERNS)
def test_patterns(said: str, text: str, category: str, slot: str | None, value: str | None) -> None:
    fact = only(said)
    assert (fact.text, fact.category, fact.slot, fact.value) == (text, category, slot, value)


# sentence, category, entities
ENTITIES = [
    ("I'm allergic to peanuts", "health", ["peanuts"]),
    ("my boss is Marcus", "people", ["Marcus"]),
    ("I work at TechCorp", "work", ["TechCorp"]),
    ("I just moved to Denver", "home", ["Denver"]),
    ("I love rock climbing with Jake", "preference", ["rock climbing with Jake"]),
    ("I really love Italian food", "preference", ["Italian food"]),
    ("I'm moving to the Bay Area", "home", ["Bay Area"]),
    ("I have a dog named Max", "pets", ["Max"]),
    ("I need to send Marcus the timeline", "goal", ["Marcus"]),
    ("I LOVE SUSHI", "preference", ["SUSHI"]),
]


@pytest.mark.parametrize(("said", "category", "entities"), ENTITIES)
def test_entities(said: str, category: str, entities: list[str]) -> None:
    fact = only(said)
    assert (fact.category, fact.entities) == (category, entities)


# sentence, importance
IMPORTANCE = [
    ("I'm allergic to peanuts", 9),
    ("I'm vegan", 9),
    ("my boss is Marcus", 8),
    ("I work at TechCorp", 8),
    ("I just moved to Denver", 8),
    ("I'm a teacher", 8),
    ("my name is Caroline", 8),
    ("I'm 30", 7),
    ("my sister lives in Boston", 7),
    ("I have a dog named Max", 7),
    ("I'm having issues with my landlord", 6),
    ("I enjoy jazz", 6),
    ("I really enjoy jazz", 7),
    ("I enjoy jazz!", 7),
    ("I like jazz so much", 7),
    ("I love jazz", 7),
    ("I hate jazz", 7),
    ("I want to run a marathon", 6),
    ("I absolutely want to run a marathon", 7),
    ("I'm reading Dune", 4),
    ("I painted a sunset last week", 3),
]


@pytest.mark.parametrize(("said", "importance"), IMPORTANCE)
def test_importance(said: str, importance: int) -> None:
    assert only(said).importance == importance


# --- people named in passing ---------------------------------------------------


def test_a_single_valued_relation_named_in_passing_fills_its_slot() -> None:
    found = extract("My boss, Marcus, yelled at me yesterday")
    boss = by_slot(found, "boss")
    assert (boss.text, boss.category, boss.value, boss.entities) == (
        "User's boss is Marcus",
        "people",
        "Marcus",
        ["Marcus"],
    )
    said = [c for c in found if c.slot is None]
    assert [c.text for c in said] == ["User's boss, Marcus, yelled at User yesterday"]


def test_other_relations_named_in_passing_have_no_slot() -> None:
    found = extract("My little sister Emma just got engaged")
    assert [(c.text, c.category, c.slot, c.entities) for c in found] == [
        ("User's little sister Emma just got engaged", "people", None, ["Emma"]),
        ("User has a little sister named Emma", "people", None, ["Emma"]),
    ]


def test_a_pet_named_in_passing() -> None:
    found = extract("my dog Max is the best lol")
    assert [(c.text, c.category, c.entities) for c in found] == [
        ("User's dog Max is the best", "pets", ["Max"]),
        ("User has a dog named Max", "pets", ["Max"]),
    ]


# --- who is speaking -----------------------------------------------------------


def test_assistant_and_persona_turns_are_ignored() -> None:
    turns = [
        Turn("assistant", "I love sushi. I work at Google."),
        Turn("brad", "I'm allergic to cats and my boss is Linda."),
        Turn("user", "I love hiking"),
        Turn("system", "I live in Paris"),
    ]
    found = EXTRACTOR.extract(turns)
    assert [(c.text, c.turns) for c in found] == [("User loves hiking", [2])]


def test_the_speakers_name_replaces_user() -> None:
    found = extract("I love painting. My mom is Linda.", name="Caroline")
    assert [c.text for c in found] == ["Caroline loves painting", "Caroline's mom is Linda"]
    assert found[1].slot == "mom"


def test_turn_indexes_point_at_the_turn_said() -> None:
    turns = [
        Turn("user", "hi there"),
        Turn("assistant", "Hello!"),
        Turn("user", "I work at TechCorp"),
        Turn("user", "I love sushi"),
    ]
    found = EXTRACTOR.extract(turns)
    assert [(c.slot, c.turns) for c in found] == [("employer", [2]), ("opinion:sushi", [3])]


def test_the_same_fact_twice_is_one_candidate_from_both_turns() -> None:
    found = extract("I love sushi", "I hate sushi now", "I love sushi!")
    assert [(c.text, c.value, c.turns) for c in found] == [
        ("User loves sushi", "positive", [0, 2]),
        ("User hates sushi now", "negative", [1]),
    ]
    assert found[0].slot == found[1].slot == "opinion:sushi"


# --- conjugation ---------------------------------------------------------------

CONJUGATION = [
    ("I go there", "User goes there"),
    ("I watch TV", "User watches TV"),
    ("I try my best", "User tries their best"),
    ("I play guitar", "User plays guitar"),
    ("I fix cars", "User fixes cars"),
    ("I miss my dad", "User misses their dad"),
    ("I need help", "User needs help"),
    ("I have a cat", "User has a cat"),
    ("I do yoga", "User does yoga"),
    ("I am tired", "User is tired"),
    ("I'm tired", "User is tired"),
    ("I was tired", "User was tired"),
    ("I've been there", "User has been there"),
    ("I have been there", "User has been there"),
    ("I'd love to go", "User would love to go"),
    ("I'd been waiting", "User had been waiting"),
    ("I'll call my mom", "User will call their mom"),
    ("I don't know", "User doesn't know"),
    ("I do not know", "User does not know"),
    ("I haven't seen it", "User hasn't seen it"),
    ("I can swim", "User can swim"),
    ("I can't swim", "User can't swim"),
    ("I won't go", "User won't go"),
    ("I should go", "User should go"),
    ("I might go", "User might go"),
    ("I must go", "User must go"),
    ("I would go", "User would go"),
    ("I could go", "User could go"),
    ("I went home", "User went home"),
    ("I painted it", "User painted it"),
    ("I agreed", "User agreed"),
    ("I quit smoking", "User quit smoking"),
    ("I read every night", "User reads every night"),
    ("I just moved", "User just moved"),
    ("I really love it", "User really loves it"),
    ("I also like tea", "User also likes tea"),
    ("I still live here", "User still lives here"),
    ("I actually prefer tea", "User actually prefers tea"),
    ("I absolutely adore it", "User absolutely adores it"),
    ("I usually watch TV", "User usually watches TV"),
    ("I always try", "User always tries"),
    ("I never eat meat", "User never eats meat"),
    ("I often go out", "User often goes out"),
    ("I sometimes cook", "User sometimes cooks"),
    ("I finally finished", "User finally finished"),
    ("I totally agree", "User totally agrees"),
    ("I recently started yoga", "User recently started yoga"),
    ("I personally prefer tea", "User personally prefers tea"),
    ("I fly often", "User flies often"),
    ("I LOVE SUSHI", "User LOVES SUSHI"),
    ("I taught myself guitar", "User taught themselves guitar"),
    ("I'm sure I'm right", "User is sure they're right"),
    ("I don't know what I want", "User doesn't know what they want"),
    ("my boss yelled at me", "User's boss yelled at User"),
    ("a friend of mine called", "A friend of User's called"),
    ("my wife and I love hiking", "User's wife and User love hiking"),
    ("My husband and I are moving", "User's husband and User are moving"),
]


@pytest.mark.parametrize(("said", "text"), CONJUGATION)
def test_third_person(said: str, text: str) -> None:
    assert third_person(said) == text


def test_third_person_with_a_name() -> None:
    assert third_person("I've been learning Spanish", "Caroline") == (
        "Caroline has been learning Spanish"
    )
    assert third_person("my boss is Marcus", "Caroline") == "Caroline's boss is Marcus"


# --- what is cleaned, and what is not a fact -----------------------------------

CLEANED = [
    ("im allergic to shellfish lol", "User is allergic to shellfish"),
    ("i dont like cilantro", "User doesn't like cilantro"),
    ("I\u2019m allergic to shellfish", "User is allergic to shellfish"),
    ("Oh well, I mean, I really love Italian food haha", "User really loves Italian food"),
    ("I think I love sushi", "User loves sushi"),
    ("I hate sushi!!! \U0001f92e", "User hates sushi"),
    ("I absolutely adore my cat \U0001f63b", "User absolutely adores their cat"),
    ("Update: I work at TechCorp :)", "User works at TechCorp"),
    ("I love sushi, do you?", "User loves sushi"),
    ("Last week, I painted a sunset", "User painted a sunset last week"),
]


@pytest.mark.parametrize(("said", "text"), CLEANED)
def test_filler_emoji_and_hedges_are_dropped(said: str, text: str) -> None:
    assert only(said).text == text


NOT_FACTS = [
    "I think so",
    "I know",
    "I guess",
    "I'm fine",
    "I'm good",
    "I'm really good",
    "I see",
    "I agree",
    "I totally agree",
    "I mean",
    "I love it",
    "I love you",
    "I like that",
    "I like to think so",
    "Do you like sushi?",
    "I love sushi?",
    "Should I move to Denver",
    "What do you think I should do",
    "If I moved to Denver I'd be happy",
    "If I get the job, I'll move to Denver",
    "I wish I lived in Paris",
    "I'm going to the gym",
    "I'm 30 minutes late",
    "I'm a terrible cook",
    "I moved",
    "I went out",
    "She loves sushi",
    "You work at Google",
    "",
    "   ",
    "?!...",
    "lol",
    "\U0001f600\U0001f600",
]


@pytest.mark.parametrize("said", NOT_FACTS)
def test_not_a_fact(said: str) -> None:
    assert extract(said) == []


# --- several facts in one turn ---------------------------------------------------


def test_two_facts_joined_by_and() -> None:
    found = extract("I love hiking and I'm allergic to cats")
    assert [(c.text, c.category, c.slot, c.value) for c in found] == [
        ("User loves hiking", "preference", "opinion:hiking", "positive"),
        ("User is allergic to cats", "health", None, None),
    ]
    assert [c.entities for c in found] == [["hiking"], ["cats"]]


@pytest.mark.parametrize(
    "said",
    [
        "I love hiking, and I'm allergic to cats",
        "I love hiking; I'm allergic to cats",
        "I love hiking but I'm allergic to cats",
        "I love hiking. I'm allergic to cats",
        "I love hiking\nI'm allergic to cats",
    ],
)
def test_clause_breaks(said: str) -> None:
    assert [c.text for c in extract(said)] == ["User loves hiking", "User is allergic to cats"]


def test_a_compound_subject_is_one_clause() -> None:
    fact = only("My mom and I went to Paris last summer")
    assert (fact.text, fact.category) == ("User's mom and User went to Paris last summer", "people")


def test_a_long_turn_with_many_facts() -> None:
    found = extract(
        "My name is Caroline and I'm 34. I just moved to Denver for a new job at Initech, "
        "I'm a designer. My husband's name is Tom, and we have a dog. "
        "I'm allergic to peanuts and I hate mushrooms.",
        name="Caroline",
    )
    slots = {c.slot: c.value for c in found if c.slot}
    assert slots == {
        "name": "Caroline",
        "age": "34",
        "home_city": "Denver",
        "occupation": "designer",
        "husband": "Tom",
        "opinion:mushrooms": "negative",
    }
    assert "Caroline is allergic to peanuts" in [c.text for c in found]


def test_work_and_occupation_in_one_clause() -> None:
    found = extract("I'm a nurse at St. Mary's hospital")
    assert by_slot(found, "occupation").value == "nurse"
    assert by_slot(found, "employer").value == "St. Mary's hospital"
    found = extract("I work at TechCorp as a designer now lol")
    assert by_slot(found, "employer").value == "TechCorp"
    occupation = by_slot(found, "occupation")
    assert (occupation.text, occupation.value) == ("User works as a designer", "designer")


# --- storylines ------------------------------------------------------------------


def storylines(found: list[Candidate]) -> list[tuple[str, str | None, str | None, str | None]]:
    return [
        (c.text, c.topic, c.slot, c.status.value if c.status else None)
        for c in found
        if c.category == STORYLINE_CATEGORY
    ]


IN_PROGRESS = [
    ("I'm having issues with my coworker Sarah", "coworker_sarah"),
    ("I'm dealing with a lot of stress at work", "stress_work"),
    ("I've been struggling with my thesis", "thesis"),
    ("I'm having a conflict with my landlord", "landlord"),
    ("I'm dealing with a conflict with my coworker Sarah", "coworker_sarah"),
    ("I'm in a fight with my brother", "brother"),
    ("I'm worried about my mom", "mom"),
    ("I'm stressed about the presentation on Friday", "presentation"),
    ("I'm preparing for the bar exam", "bar_exam"),
    ("I'm working on my novel", "novel"),
    ("I have a big presentation on Friday", "presentation"),
    ("I'm looking for a new job", "new_job"),
]


@pytest.mark.parametrize(("said", "topic"), IN_PROGRESS)
def test_storyline_in_progress(said: str, topic: str) -> None:
    fact = next(c for c in extract(said) if c.category == STORYLINE_CATEGORY)
    assert (fact.topic, fact.slot, fact.status) == (
        topic,
        f"storyline:{topic}",
        StorylineStatus.IN_PROGRESS,
    )
    assert fact.importance == 6


def test_storyline_text_and_people() -> None:
    found = extract("I'm having issues with my coworker Sarah")
    assert storylines(found) == [
        (
            "User is having issues with their coworker Sarah",
            "coworker_sarah",
            "storyline:coworker_sarah",
            "in_progress",
        )
    ]
    assert found[0].entities == ["Sarah"]
    assert [(c.text, c.category) for c in found[1:]] == [
        ("User has a coworker named Sarah", "people")
    ]


RESOLVED = [
    ("I finally sorted things out with Sarah", "sarah"),
    ("The presentation went well", "presentation"),
    ("My thesis is finally done!", "thesis"),
    ("things with Sarah are better now", "sarah"),
    ("Sarah and I made up", "sarah"),
    ("I finally fixed my car", "car"),
    ("I resolved the billing dispute", "billing_dispute"),
    ("I finished my novel", "novel"),
]


@pytest.mark.parametrize(("said", "topic"), RESOLVED)
def test_storyline_resolved(said: str, topic: str) -> None:
    fact = only(said)
    assert (fact.category, fact.topic, fact.slot, fact.status) == (
        STORYLINE_CATEGORY,
        topic,
        f"storyline:{topic}",
        StorylineStatus.RESOLVED,
    )


@pytest.mark.parametrize(
    ("started", "ended", "topic"),
    [
        (
            "I'm having issues with my coworker Sarah.",
            "I finally sorted things out with Sarah!",
            "coworker_sarah",
        ),
        (
            "I'm having issues with my coworker Sarah.",
            "Things with Sarah are better now",
            "coworker_sarah",
        ),
        ("I'm stressed about my thesis defense", "My thesis defense went great", "thesis_defense"),
        ("I have a job interview on Tuesday", "It went really well!", "interview"),
        ("I'm worried about my mom's surgery", "Mom's surgery went fine", "mom_surgery"),
    ],
)
def test_in_progress_then_resolved_share_a_topic(started: str, ended: str, topic: str) -> None:
    turns = [Turn("user", started), Turn("assistant", "Good luck!"), Turn("user", ended)]
    found = [c for c in EXTRACTOR.extract(turns) if c.category == STORYLINE_CATEGORY]
    assert [(c.topic, c.slot, c.status, c.turns) for c in found] == [
        (topic, f"storyline:{topic}", StorylineStatus.IN_PROGRESS, [0]),
        (topic, f"storyline:{topic}", StorylineStatus.RESOLVED, [2]),
    ]


def test_topic_keys_are_stable() -> None:
    first = only("I'm stressed about the quarterly report")
    again = only("I'm worried about the quarterly report")
    assert first.topic == again.topic == "quarterly_report"
    assert only("The quarterly report went well").topic == "quarterly_report"


def test_it_went_well_without_a_storyline_says_nothing() -> None:
    assert extract("It went well") == []


# --- odd input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "",
        "....!!!???",
        "a" * 10_000,
        "I love " + "sushi " * 2_000,
        "really " * 3_000,
        "I " + "really " * 3_000 + "x",
        "I'm having issues with " + "my coworker " * 1_000,
        "Dr. " * 3_000,
        "Je suis allergique aux arachides. 我喜欢寿司。 Я люблю суши",
        "\x00I love \ud800 sushi\x07",
    ],
)
def test_odd_input_never_raises(content: str) -> None:
    started = time.perf_counter()
    found = extract(content, name="\x00Caro\ud800line")
    assert time.perf_counter() - started < 1.0
    for candidate in found:
        Candidate.model_validate(candidate.model_dump(mode="json"))


def test_control_characters_are_dropped() -> None:
    fact = only("\x00I love \ud800sushi")
    assert fact.text == "User loves sushi"


def test_odd_turns() -> None:
    turns = [Turn("USER", "I love tea"), Turn(" user ", ""), Turn("", "I love coffee")]
    assert [c.text for c in EXTRACTOR.extract(turns)] == ["User loves tea"]
    assert EXTRACTOR.extract([]) == []


def test_deterministic() -> None:
    turns = [Turn("user", sentence) for sentence, *_ in EXAMPLES + PATTERNS]
    assert EXTRACTOR.extract(turns) == HeuristicExtractor().extract(turns)


def test_a_thousand_turns_in_well_under_a_second() -> None:
    sentences = [sentence for sentence, *_ in EXAMPLES + PATTERNS]
    turns = [
        Turn("user" if i % 2 == 0 else "assistant", f"{sentences[i % len(sentences)]}, lol. Ok!")
        for i in range(1_000)
    ]
    started = time.perf_counter()
    found = EXTRACTOR.extract(turns)
    # Typically about 0.1 s; the margin is for slow CI machines.
    assert time.perf_counter() - started < 1.0
    assert found


# Words the patterns look for, so generated text reaches them, not just the skips.
VOCABULARY = (
    "I I'm I've my me love hate like work at moved to Denver Sarah Marcus is boss sister dog "
    "named Max allergic peanuts favorite band and but , . ! ? ; issues with having went well "
    "sorted out the a really just don't can't 30 years old name call if want to plan lol haha "
    "\U0001f600 \u2019 ' - \n"
)
WORDS = VOCABULARY.split(" ")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(st.text(), st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join)),
    st.one_of(st.none(), st.text(max_size=30)),
)
def test_arbitrary_text_never_raises_and_every_candidate_validates(
    content: str, name: str | None
) -> None:
    found = EXTRACTOR.extract([Turn("user", content, name=name), Turn("assistant", content)])
    for candidate in found:
        Candidate.model_validate(candidate.model_dump(mode="json"))
        assert candidate.text.strip()
        assert candidate.turns == [0]
        assert 1 <= candidate.importance <= 10
        assert len(candidate.entities) <= MAX_ENTITIES
        if candidate.category == STORYLINE_CATEGORY:
            assert candidate.topic
            assert candidate.status is not None
            assert candidate.slot == f"storyline:{candidate.topic}"


def test_it_is_an_extractor() -> None:
    assert isinstance(HeuristicExtractor(), Extractor)


@pytest.mark.parametrize(
    "sentence",
    [
        "I worked with my brother on the garage.",
        "I worked at Google for years.",
        "I work with kids at a school.",
        "Gina and I work with the artist to make it happen.",
    ],
)
def test_colleagues_and_past_jobs_are_not_the_current_employer(sentence: str) -> None:
    # Found on LoCoMo (bench/learning.py): these superseded real employers.
    assert [c for c in extract(sentence) if c.slot == "employer"] == []


def test_a_named_organisation_after_with_is_an_employer() -> None:
    (fact,) = [c for c in extract("I work with Deloitte.") if c.slot == "employer"]
    assert fact.value == "Deloitte"
