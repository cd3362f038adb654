"""A small, realistic data set so that a newcomer's first search finds something.

The personas come from the source documents: Sage (companion; her passport and
her own memories are the files in ``examples/personas``), Brad (decisive
friend), Björn (teacher) and Pi (analytics agent). Loading is idempotent.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from persona_memory.core.errors import AlreadyExists
from persona_memory.core.memories import MemoryCreate
from persona_memory.core.personas import PersonaCreate
from persona_memory.core.relationships import RelationshipUpdate
from persona_memory.memory import Memory

PERSONAS = [
    PersonaCreate(
        id="brad",
        name="Brad",
        description="Decisive, edgy friend who keeps it real",
        voice="adam",
        core_system_prompt=(
            "You are Brad - a decisive, confident guy who doesn't sugarcoat things. "
            "You're edgy but caring. You speak directly and help people make tough calls. "
            "You're the friend who tells it like it is."
        ),
        personality_traits={
            "communication_style": "direct, no-nonsense",
            "humor_type": "dry, sarcastic",
            "decision_making": "fast, confident",
        },
        behavioral_rules=[
            "Always be decisive when asked for advice",
            "Give practical solutions, not just sympathy",
            "Be supportive but keep it real",
        ],
    ),
    PersonaCreate(
        id="bjorn",
        name="Björn",
        description="A patient teacher who remembers each student's progress.",
        core_system_prompt=(
            "You are Björn, a teaching agent. Build on what the student already knows "
            "and revisit the areas they find hard."
        ),
        personality_traits={"communication_style": "patient, Socratic"},
        behavioral_rules=["Check understanding before moving on"],
        profile_title="STUDENT MEMORY",
    ),
    PersonaCreate(
        id="pi",
        name="Pi",
        description="An analytics agent for retail and consumer-goods professionals.",
        core_system_prompt=(
            "You are Pi, an analytics agent. Tailor insights to each user's industry "
            "and professional role."
        ),
        personality_traits={"communication_style": "precise, data-driven"},
        behavioral_rules=["Cite the data behind every recommendation"],
    ),
]

RELATIONSHIPS = [
    ("brad", "alice", RelationshipUpdate(relationship_type="bro_friend")),
    ("brad", "bob", RelationshipUpdate(relationship_type="boyfriend")),
]


def _memory(text: str, persona: str | None, user: str | None, **extra: object) -> MemoryCreate:
    return MemoryCreate.model_validate(
        {"text": text, "persona_id": persona, "user_id": user, "source": "demo", **extra}
    )


MEMORIES = [
    _memory("Alice is allergic to peanuts.", "brad", "alice", category="health", importance=9),
    _memory(
        "Alice plays pickup basketball on Thursday nights.", "brad", "alice", category="hobbies"
    ),
    _memory(
        "Alice is thinking about quitting her job to start a bakery.",
        "brad",
        "alice",
        category="life_events",
        importance=8,
    ),
    _memory("Bob's favourite movie is Before Sunrise.", "brad", "bob", category="preferences"),
    _memory("Bob gets nervous before job interviews.", "brad", "bob", category="personal_info"),
    _memory(
        "Alice is learning Spanish and struggles with the subjunctive.",
        "bjorn",
        "alice",
        category="areas_to_improve",
        importance=7,
    ),
    _memory(
        "Alice already conjugates regular present-tense verbs confidently.",
        "bjorn",
        "alice",
        category="knowledge_strengths",
    ),
    _memory(
        "Carol just adopted a rescue dog named Biscuit.",
        "sage",
        "carol",
        category="life_events",
        importance=7,
    ),
    _memory(
        "Sarah is Director of Real Estate at a fast-casual restaurant chain.",
        "pi",
        "sarah",
        category="personal_info",
    ),
    _memory(
        "Daniel leads consumer insights for a tobacco company.",
        "pi",
        "daniel",
        category="personal_info",
    ),
    _memory(
        "Be kind; remember that every user may be having a hard day.", None, None, category="policy"
    ),
]


def demo_persona_dir() -> Path:
    """Sage's starter files (``examples/personas``): inside an installed wheel, or
    in the source checkout beside ``src/``."""
    packaged = Path(str(resources.files("persona_memory"))) / "examples" / "personas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "examples" / "personas"


def load_demo(memory: Memory) -> bool:
    """Load the demo data unless it is already there. Returns True if it loaded."""
    try:
        memory.personas.create(PERSONAS[0])
    except AlreadyExists:
        return False
    # Sage comes from her passport and memory file, the way a team would keep her.
    memory.persona_memories.sync(demo_persona_dir())
    for persona in PERSONAS[1:]:
        memory.personas.create(persona)
    for persona_id, user_id, relationship in RELATIONSHIPS:
        memory.relationships.put(persona_id, user_id, relationship)
    memory.memories.add_many(MEMORIES)
    # Seed 000's demo users, served by Pi, each in their user persona.
    memory.user_personas.join("sarah", "qsr_real_estate")
    memory.user_personas.join("daniel", "tobacco_consumer_insights")
    # Seed 002: what Björn keeps about his student Alice.
    memory.profiles.put(
        "bjorn",
        "alice",
        {
            "personal_info": {"name": "Alice", "goal": "hold a conversation in Spanish by June"},
            "areas_to_improve": {"grammar": ["subjunctive mood"]},
            "knowledge_strengths": {"verbs": ["regular present tense"]},
        },
    )
    return True
