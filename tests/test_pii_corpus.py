"""The labelled PII corpus and the PII-free lessons of bench/pii_corpus.py."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

PATH = Path(__file__).resolve().parents[1] / "bench" / "pii_corpus.py"


@pytest.fixture(scope="module")
def pc() -> Iterator[ModuleType]:
    """``bench/pii_corpus.py`` imported as a module (it is a script, not in a package)."""
    spec = importlib.util.spec_from_file_location("bench_pii_corpus", PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look it up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


@pytest.fixture(scope="module")
def corpus(pc: ModuleType) -> list[Any]:
    return list(pc.generate(400))


def test_deterministic(pc: ModuleType, corpus: list[Any]) -> None:
    assert pc.generate(400) == corpus
    assert pc.generate(400, seed=1) != corpus


def test_same_across_hash_seeds() -> None:
    """Faker builds some lists from sets (it_IT cities): the corpus must not follow their order."""
    outputs = {
        subprocess.run(
            [sys.executable, str(PATH), "--n", "400"],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_every_span_is_its_slice(pc: ModuleType, corpus: list[Any]) -> None:
    for sentence in pc.generate(3200):
        assert sentence.spans, sentence
        for span in sentence.spans:
            assert sentence.text[span.start : span.end] == span.value
            assert span.type in pc.TYPES and "\n" not in span.value
        assert sentence.template in pc.template_ids()


def test_templates_cover_every_type(pc: ModuleType) -> None:
    ids = pc.template_ids()
    assert len(ids) >= 48 and len(set(ids)) == len(ids)
    for pii_type in pc.TYPES:
        assert sum(pii_type in t.types for t in pc.TEMPLATES) >= 5, pii_type
    assert sum(len(t.kinds) >= 2 for t in pc.TEMPLATES) >= 24


def test_styles_and_locales(pc: ModuleType, corpus: list[Any]) -> None:
    assert {s.style for s in corpus} == {"plain", "lower", "typo"}
    assert {s.locale for s in corpus} == set(pc.LOCALES)
    assert all(s.text == s.text.lower() for s in corpus if s.style == "lower")


def test_template_filter(pc: ModuleType) -> None:
    sentences = pc.generate(20, templates=["t50_person_poss"])
    assert {s.template for s in sentences} == {"t50_person_poss"}
    assert all(s.text[s.spans[0].end :].startswith("'s") for s in sentences)


def test_lessons_unique_and_pii_free(pc: ModuleType) -> None:
    lessons = pc.lessons()
    assert len(lessons) >= 300 and len(set(lessons)) == len(lessons)
    assert lessons == pc.lessons()
    names = [*pc.REAL_ORGS, *pc.REAL_CITIES]
    for lesson in lessons:
        assert lesson[0].isupper(), lesson
        assert not re.search(r"@|https?:|www\.|\.com|\d{4,}", lesson), lesson
        assert not any(re.search(rf"\b{re.escape(n)}\b", lesson) for n in names), lesson


def test_cli_prints_spans(pc: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    pc.main(["--n", "3"])
    out = capsys.readouterr().out
    assert out.count("\n[") == 2 and re.search(r"^    [A-Z_]+ +\d+-\d+ ", out, re.M)
