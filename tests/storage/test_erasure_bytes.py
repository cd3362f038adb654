"""After erasure, the user's data is gone from the SQLite files themselves: the
database, its full-text index segments and its write-ahead log."""

from __future__ import annotations

from pathlib import Path

from persona_memory import Memory, PersonaCreate, RelationshipUpdate, Settings

SECRETS = ["zanzibarquux", "wobbegongfrob", "alice.secret@example.com"]


def test_erased_strings_are_not_in_the_files(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    with Memory(settings=Settings(database_url=str(path), embedder="hash")) as memory:
        memory.personas.create(PersonaCreate(id="sage", name="Sage"))
        # Enough other rows that tables and indexes grow past one page.
        memory.add_many(
            [
                {"text": f"bob fact {i} about lighthouses", "persona_id": "sage", "user_id": "bob"}
                for i in range(3000)
            ]
        )
        user = SECRETS[2]
        memory.add(
            f"{user} loves {SECRETS[0]}",
            persona_id="sage",
            user_id=user,
            metadata={"code": SECRETS[1]},
        )
        memory.relationships.put("sage", user, RelationshipUpdate(metadata={"k": SECRETS[1]}))
        memory.blocks.append("sage", user, "human", SECRETS[0])
        memory.profiles.update("sage", user, "personal_info", {"nick": SECRETS[1]})
        assert memory.search(SECRETS[0], persona_id="sage", user_id=user).results
        memory.users.erase(user)
        files = [p for p in tmp_path.iterdir() if p.name.startswith("memory.db")]
        for secret in SECRETS:
            for file in files:
                assert secret.encode() not in file.read_bytes(), (secret, file.name)
        assert memory.search("lighthouses", persona_id="sage", user_id="bob").results
