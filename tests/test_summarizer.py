"""The offline summarizer: working memory (a session's turns) into an episode digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from persona_memory.core.digests import SessionDigest, Summarizer, Turn
from persona_memory.providers.summarizers.extractive import MAX_SUMMARY_CHARS, ExtractiveSummarizer

START = datetime(2024, 5, 3, 18, 0, tzinfo=UTC)

SEED = [
    ("user", "main", "Hey Brad."),
    ("brad", "main", "Hey Alice! How did the week go?"),
    ("user", "main", "Honestly, not great. I'm so stressed out about work."),
    ("brad", "main", "I'm sorry to hear that. What's going on?"),
    (
        "user",
        "main",
        "My coworker Sarah took credit for my work on the quarterly report in front of "
        "the whole team. I spent three weeks on that report.",
    ),
    ("user", "main", "And she's been passive-aggressive with me for months. It's exhausting."),
    (
        "brad",
        "main",
        "That sounds really frustrating, Alice. Having a coworker take credit for your work "
        "is not okay.",
    ),
    ("user", "main", "I'm angry, but I don't want to make things worse with Sarah."),
    ("brad", "main", "Have you talked to Sarah about it directly yet?"),
    ("user", "main", "No. I hate confrontation. Should I just let it go?"),
    ("brad", "main", "Are you going to talk to her before the next team meeting?"),
    (
        "brad",
        "main",
        "I'd suggest a direct conversation with Sarah on Monday morning, before the week "
        "gets busy. Keep it calm and factual: describe what happened with the report and "
        "how you want credit handled from now on.",
    ),
    (
        "brad",
        "main",
        "In the meantime, document every interaction with Sarah: dates, emails, who said "
        "what in meetings.",
    ),
    (
        "brad",
        "main",
        "If the conversation goes nowhere, loop in Marcus. As your boss he needs to know "
        "when credit for the work is misattributed.",
    ),
    ("user", "main", "Yeah, Marcus is fair. He'd want to know."),
    (
        "user",
        "main",
        "Okay. I've decided to talk to Sarah on Monday morning, and I'll keep notes on everything.",
    ),
    ("brad", "main", "That's a solid plan. You've got this, Alice."),
    ("user", "main", "Thanks Brad, I feel a bit better already. lol"),
    (
        "user",
        "planning",
        "Talking points for Sarah: the quarterly report was my work, and credit should be "
        "shared accurately.",
    ),
    (
        "brad",
        "planning",
        "Add one talking point about how you'd like to work together going forward.",
    ),
    (
        "user",
        "planning",
        "I need to send Marcus the timeline of the report by Friday, just in case.",
    ),
]


def seed_turns() -> list[Turn]:
    return [
        Turn(role=role, content=content, timeline=timeline, created_at=START + timedelta(minutes=i))
        for i, (role, timeline, content) in enumerate(SEED)
    ]


@pytest.fixture(scope="module")
def seed() -> SessionDigest:
    return ExtractiveSummarizer().summarize(seed_turns())


def test_is_a_summarizer() -> None:
    assert isinstance(ExtractiveSummarizer(), Summarizer)


def test_seed_summary_tells_the_conflict(seed: SessionDigest) -> None:
    assert "Sarah" in seed.summary
    assert any(w in seed.summary.lower() for w in ("coworker", "credit", "confront", "talk"))
    assert 0 < len(seed.summary) <= MAX_SUMMARY_CHARS
    # Chit-chat carries nothing to remember.
    assert "Hey Brad" not in seed.summary
    assert "lol" not in seed.summary


def test_seed_topics(seed: SessionDigest) -> None:
    assert 1 <= len(seed.key_topics) <= 6
    assert "sarah" in seed.key_topics or "coworker" in seed.key_topics
    assert all(topic == topic.lower() for topic in seed.key_topics)
    words = [word for topic in seed.key_topics for word in topic.split()]
    assert len(words) == len(set(words)), seed.key_topics
    # Speakers and filler are not topics.
    for word in ("brad", "user", "hey", "yeah", "lol", "the", "stressed"):
        assert all(word not in topic.split() for topic in seed.key_topics), word


def test_seed_decision_about_monday(seed: SessionDigest) -> None:
    decided = [d for d in seed.decisions if "Monday" in d and "Sarah" in d]
    assert decided, seed.decisions
    assert any("Monday" in a for a in seed.action_items), seed.action_items
    assert any("send Marcus" in a for a in seed.action_items), seed.action_items
    assert len(seed.decisions) <= 5
    assert len(seed.action_items) <= 5
    # A question decides nothing: "Are you going to talk to her before ...?"
    assert not any(item.endswith("?") for item in seed.decisions + seed.action_items)


def test_seed_people(seed: SessionDigest) -> None:
    """Sarah and Marcus are mentioned. Brad is a speaker (his role is "brad"), so
    he is a participant, not a mention; Alice's role is "user", so her name counts
    when Brad uses it mid-sentence."""
    assert seed.people_mentioned[:2] == ["Alice", "Sarah"]
    assert "Marcus" in seed.people_mentioned
    assert "Brad" not in seed.people_mentioned
    # Sentence-initial and calendar words are not people.
    for word in ("Monday", "Friday", "Okay", "Honestly", "Talking", "My", "I"):
        assert word not in seed.people_mentioned


def test_seed_feelings(seed: SessionDigest) -> None:
    assert "stressed" in seed.emotions
    assert {"angry", "frustrated", "tired"} <= set(seed.emotions)
    assert seed.emotional_tone in {"negative", "mixed"}


def test_same_input_same_digest() -> None:
    first = ExtractiveSummarizer().summarize(seed_turns())
    second = ExtractiveSummarizer().summarize(seed_turns())
    assert first == second
    assert first.model_dump_json() == second.model_dump_json()


def test_turn_order_changes_only_the_order_of_what_is_picked(seed: SessionDigest) -> None:
    backwards = ExtractiveSummarizer().summarize(seed_turns()[::-1])
    assert backwards.summary != seed.summary
    assert sorted(backwards.summary.split()) == sorted(seed.summary.split())
    assert backwards.key_topics == seed.key_topics
    assert backwards.emotions == seed.emotions
    assert backwards.emotional_tone == seed.emotional_tone
    assert sorted(backwards.decisions) == sorted(seed.decisions)
    assert sorted(backwards.action_items) == sorted(seed.action_items)
    assert set(backwards.people_mentioned) == set(seed.people_mentioned)


def test_empty_session() -> None:
    summarizer = ExtractiveSummarizer()
    empty = SessionDigest(
        summary="",
        key_topics=[],
        decisions=[],
        action_items=[],
        emotional_tone="neutral",
        emotions=[],
        people_mentioned=[],
    )
    assert summarizer.summarize([]) == empty
    assert summarizer.summarize([Turn("user", ""), Turn("brad", "  \n\t ")]) == empty


def test_one_short_turn() -> None:
    assert ExtractiveSummarizer().summarize(
        [Turn("user", "Hey!"), Turn("user", "Hey!")]
    ).summary == ("Hey!")
    digest = ExtractiveSummarizer().summarize([Turn("user", "hey")])
    assert digest.summary == "hey."
    assert digest.decisions == digest.action_items == digest.people_mentioned == []
    assert digest.emotional_tone == "neutral"


def test_odd_input_never_raises() -> None:
    turns = [
        Turn("user", "!!! ??? ... 🙂🙂🙂"),
        Turn("assistant", "1234 5678"),
        Turn("user", "x" * 5000),
        Turn("user", "Dr. Lee said. "),
    ]
    for max_sentences in (-1, 0, 1, 50):
        digest = ExtractiveSummarizer().summarize(turns, max_sentences=max_sentences)
        assert len(digest.summary) <= MAX_SUMMARY_CHARS
    assert ExtractiveSummarizer().summarize(turns, max_sentences=0).summary == ""


def test_a_long_session_stays_short() -> None:
    lines = [
        "We need to migrate the billing database before the audit.",
        "The staging cluster keeps running out of disk during the nightly backup.",
        "Then Priya will review the schema changes and send notes by Thursday.",
        "I'm worried the rollback plan is not tested yet.",
        "lol yeah.",
    ]
    turns = [
        Turn(
            role="user" if i % 2 else "assistant",
            content=f"{lines[i % len(lines)]} Item {i} of the checklist is about step {i}.",
            timeline="technical",
        )
        for i in range(500)
    ]
    digest = ExtractiveSummarizer().summarize(turns, max_sentences=4)
    assert 0 < len(digest.summary) <= MAX_SUMMARY_CHARS
    assert not digest.summary.endswith("…")
    # Near-identical sentences appear once, not four times.
    assert digest.summary.count("Item") <= 1
    assert len(digest.key_topics) <= 6
    assert len(digest.decisions) <= 5
    assert len(digest.action_items) <= 5
    assert digest.people_mentioned == ["Priya"]
    assert "lol" not in digest.summary
    assert not {"lol", "yeah"} & set(digest.key_topics)
    assert "worried" in digest.emotions
    # "the rollback plan is not tested" announces no plan.
    assert not any("rollback" in d for d in digest.decisions)


def test_a_huge_sentence_is_cut_on_a_word_boundary() -> None:
    words = " ".join(f"word{i % 7}alpha" for i in range(400))
    digest = ExtractiveSummarizer().summarize([Turn("user", words)])
    assert len(digest.summary) <= MAX_SUMMARY_CHARS
    assert digest.summary.endswith("…")
    assert digest.summary[:-1].split()[-1] in words.split()


def test_positive_chat() -> None:
    turns = [
        Turn("user", "I got the job offer from the design studio! I'm so excited."),
        Turn("brad", "That's amazing news, congratulations! You worked so hard for this."),
        Turn("user", "Thank you! I'm really grateful for your help with the portfolio."),
        Turn("brad", "I'm proud of you. Let's celebrate this weekend."),
        Turn("user", "I'm happy and honestly relieved the waiting is over."),
        Turn("brad", "When does the new job start?"),
        Turn("user", "The job starts in June, right after the studio move."),
    ]
    digest = ExtractiveSummarizer().summarize(turns)
    assert digest.emotional_tone == "positive"
    assert {"excited", "grateful", "proud", "happy", "relieved"} <= set(digest.emotions)
    assert "job" in digest.key_topics
    assert "amazing" not in digest.key_topics


def test_mixed_and_neutral_tone() -> None:
    summarizer = ExtractiveSummarizer()
    mixed = [Turn("user", "I'm excited about the move but worried about the cost.")]
    assert summarizer.summarize(mixed).emotional_tone == "mixed"
    plain = [Turn("user", "The meeting moved to room four at noon.")]
    assert summarizer.summarize(plain).emotional_tone == "neutral"
    for text, emotions in [
        ("I'm not stressed about the exam, just busy.", []),
        ("No stress at all this week.", []),
        ("No, I'm stressed.", ["stressed"]),
        ("I keep stressing out, and the exam is so stressful.", ["stressed"]),
    ]:
        assert summarizer.summarize([Turn("user", text)]).emotions == emotions, text
    # One side must outweigh the other two to one.
    leaning = [Turn("user", "Excited, happy and proud, but tired and worried.")]
    assert summarizer.summarize(leaning).emotional_tone == "mixed"


# The same content words, so they weigh the same on words alone; only a cue made
# of stop words, a feeling or a question mark tells them apart. Ties go to the
# text that sorts first: PLAIN, except against the question, which sorts first.
PLAIN = "A garden shed roof repair in spring."


@pytest.mark.parametrize(
    ("other", "wins"),
    [
        ("We'll do the garden shed roof repair in spring.", True),  # a decision
        ("We have to do the garden shed roof repair in spring.", True),  # an action
        ("You could do the garden shed roof repair in spring.", True),  # advice
        ("I'm worried about the garden shed roof repair in spring.", True),  # a feeling
        ("A garden shed roof repair in spring, right?", False),  # a question
    ],
)
def test_cues_lift_a_sentence_into_the_summary(other: str, wins: bool) -> None:
    digest = ExtractiveSummarizer().summarize(
        [Turn("user", PLAIN), Turn("user", other)], max_sentences=1
    )
    assert digest.summary == (other if wins else PLAIN)


def test_a_bare_mention_is_not_a_summary() -> None:
    turns = [
        Turn("user", "My sister Dana borrowed the car again without asking."),
        Turn("user", "Ugh, Dana."),
        Turn("user", "Dana returned it with an empty tank."),
        Turn("user", "Dana, honestly."),
        Turn("user", "Typical Dana!"),
    ]
    digest = ExtractiveSummarizer().summarize(turns, max_sentences=2)
    assert digest.summary == (
        "My sister Dana borrowed the car again without asking. Dana returned it with an empty tank."
    )


def test_lists_are_capped() -> None:
    names = ["Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lu"]
    turns = [
        Turn("user", f"Then {name} said we'll fix bug {name.lower()}x by Friday.") for name in names
    ]
    digest = ExtractiveSummarizer().summarize(turns)
    assert digest.people_mentioned == names[:10]
    assert len(digest.decisions) == 5
    assert len(digest.action_items) == 5
    assert digest.decisions == sorted(digest.decisions, key=[t.content for t in turns].index)


def test_titles_do_not_end_sentences() -> None:
    digest = ExtractiveSummarizer().summarize([Turn("user", "I saw Dr. Lee today. Mr. Park too.")])
    assert digest.people_mentioned == ["Lee", "Park"]
    assert digest.summary == "I saw Dr. Lee today. Mr. Park too."


def test_ties_do_not_depend_on_turn_order() -> None:
    a, b = Turn("user", "Apples, bananas and cherries."), Turn("user", "Dates, figs and grapes.")
    summarizer = ExtractiveSummarizer()
    first = summarizer.summarize([a, b], max_sentences=1)
    assert first == summarizer.summarize([b, a], max_sentences=1)
    assert first.summary == "Apples, bananas and cherries."


def test_a_long_ramble_does_not_beat_the_subject() -> None:
    turns = [
        Turn("user", "The deadline moved again."),
        Turn("user", "Our deadline for the grant is Friday."),
        Turn("user", "The grant deadline worries the whole lab."),
        Turn(
            "user",
            "Yesterday the cafeteria served lukewarm soup while pigeons argued outside "
            "near parked bicycles and a busker played trombone.",
        ),
    ]
    digest = ExtractiveSummarizer().summarize(turns, max_sentences=2)
    assert "pigeons" not in digest.summary
    assert digest.key_topics[:2] == ["deadline", "grant"]


def test_a_repeated_phrase_is_one_topic() -> None:
    turns = [
        Turn("user", "Let's write the talking points tonight."),
        Turn("brad", "Good idea: three talking points, short ones."),
        Turn("user", "The talking points go to Sarah before the meeting."),
    ]
    topics = ExtractiveSummarizer().summarize(turns).key_topics
    assert topics[0] == "talking points"
    assert "talking" not in topics
    assert "points" not in topics


def test_speakers_and_filler_are_not_the_subject() -> None:
    turns = [
        Turn("sage", "Sage here. Hey hey, lol, yeah yeah okay."),
        Turn("user", "Yeah lol, okay Sage. Sage, the lease renewal is due."),
        Turn("sage", "Yeah, lol. The lease renewal needs a signature, so sign the lease."),
    ]
    digest = ExtractiveSummarizer().summarize(turns, max_sentences=1)
    assert digest.key_topics[0] == "lease renewal"
    assert "sage" not in digest.key_topics
    assert not {"lol", "yeah", "hey", "okay"} & set(digest.key_topics)
    assert "Sage" not in digest.people_mentioned
    assert "lease" in digest.summary


def test_a_sentence_that_does_not_fit_gives_way_to_one_that_does() -> None:
    first = " ".join(f"alpha{chr(97 + i)}{chr(97 + j)}" for i in range(6) for j in range(10))
    second = " ".join(f"beta{chr(97 + i)}{chr(97 + j)}" for i in range(5) for j in range(10))
    third = "Gamma delta epsilon."
    turns = [Turn("user", f"{first}."), Turn("user", f"{second}."), Turn("user", third)]
    digest = ExtractiveSummarizer().summarize(turns, max_sentences=3)
    assert digest.summary == f"{first}. {third}"


def test_capitalised_common_words_are_not_people() -> None:
    turns = [
        Turn("user", "Will you call me later? I will call Jordan first."),
        Turn("user", "Then HR said the message from Jordan was fine."),
    ]
    people = ExtractiveSummarizer().summarize(turns).people_mentioned
    assert "Jordan" in people
    assert "Will" not in people
    assert "HR" not in people
