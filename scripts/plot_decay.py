"""Draw docs/images/decay.png: effective importance over a year, with and
without reinforcement, from the formula in persona_memory.core.decay.

    .venv/bin/python scripts/plot_decay.py [out.png]
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt

from persona_memory.core.decay import Decay, effective_importance

DAYS = 365
IMPORTANCE = 8
MENTIONS = (30, 90, 150, 240)  # days on which the fact is re-mentioned


def curve(half_life: float, mentions: tuple[int, ...]) -> list[float]:
    values, last, count = [], 0, 0
    for day in range(DAYS + 1):
        if day in mentions:
            last, count = day, count + 1
        values.append(
            effective_importance(
                IMPORTANCE, age_days=day - last, half_life_days=half_life, reinforcements=count
            )
        )
    return values


def main(out: Path) -> None:
    decay = Decay()
    days = list(range(DAYS + 1))
    figure, axis = plt.subplots(figsize=(8, 4.5), dpi=100)
    semantic, episodic = decay.semantic_half_life_days, decay.episodic_half_life_days
    axis.plot(days, curve(semantic, ()), label=f"fact, never re-mentioned (H={semantic:g} d)")
    axis.plot(days, curve(semantic, MENTIONS), label="fact, re-mentioned on days 30/90/150/240")
    axis.plot(days, curve(episodic, ()), label=f"episode, never re-mentioned (H={episodic:g} d)")
    axis.plot(days, curve(episodic, MENTIONS), label="episode, re-mentioned on the same days")
    for day in MENTIONS:
        axis.axvline(day, color="grey", linewidth=0.5, linestyle=":")
    axis.set_xlabel("days since the memory was stored")
    axis.set_ylabel(f"effective importance (stored: {IMPORTANCE})")
    axis.set_ylim(0, IMPORTANCE + 0.5)
    axis.set_title("Decay and reinforcement: E = I * 2^(-age / (H * (1 + ln(1 + r))))")
    axis.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, metadata={"Software": None})  # no version stamp: reproducible bytes
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images/decay.png"))
