"""Run the LoCoMo retrieval benchmark and write bench/results/retrieval.{md,json}.

    python bench/retrieval.py [--conversations N] [--embedder hash]

Same as ``persona-memory bench retrieval``.
"""

from persona_memory.interfaces.cli import app

if __name__ == "__main__":
    app(["bench", "retrieval", *__import__("sys").argv[1:]])
