"""The PII firewall, measured: what it finds, what it misses, what leaks, how fast.

    python bench/pii.py [--n 3200] [--seed 20261122] [--quick]

On a generated corpus (bench/pii_corpus.py: Faker in 8 locales, 65 templates,
plain / lowercase / misspelt) it reports, for each detector:

- precision, recall and F2 per entity type (a gold span is found when a
  predicted span of the same type overlaps it; F2 weighs recall four times as
  much as precision, since a missed name leaks and an extra one costs a word);
- the leak rate in redact mode: the share of sentences whose anonymised text
  still contains an original value (casefolded), over structured values and over
  all values;
- the false-positive rate on PII-free lessons (share with any span);
- detection latency per sentence (p50, p95);
- for the firewall in the store: a shared-block append, p95, with the firewall
  and without it, in the same run.

Detectors: ours with spaCy (the default when spaCy is installed), ours with the
gazetteer alone (the fallback), and Presidio's default recognisers (same spaCy
model, entities mapped to ours). Writes bench/results/pii.{md,json}.

Nothing is tuned on this corpus: the gazetteer comes from names-dataset and
GeoNames (scripts/build_gazetteer.py), not from Faker, and the per-locale and
per-style breakdowns show how the figures hold on values of each kind.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import pii_corpus  # noqa: E402
from persona_memory.bench.retrieval import machine  # noqa: E402
from persona_memory.core.privacy import (  # noqa: E402
    STRUCTURED_TYPES,
    PiiDetector,
    PiiSpan,
    PrivacyMode,
    screen,
)
from persona_memory.providers.recognisers.gazetteer import GazetteerRecogniser  # noqa: E402

RESULTS = ROOT / "bench" / "results"
Detect = Callable[[str], list[PiiSpan]]


def detectors() -> dict[str, Detect]:
    found: dict[str, Detect] = {}
    try:
        from persona_memory.providers.recognisers.spacy_ner import SpacyRecogniser

        found["ours (spaCy + gazetteer)"] = PiiDetector(SpacyRecogniser()).detect
    except ImportError:
        print("spaCy is not installed: skipping the default detector", file=sys.stderr)
    found["ours (gazetteer fallback)"] = PiiDetector(GazetteerRecogniser()).detect
    try:
        from persona_memory.providers.recognisers.presidio import PresidioRecogniser

        found["Presidio defaults"] = PresidioRecogniser(all_entities=True).detect_all
    except ImportError:
        print("Presidio is not installed: skipping it", file=sys.stderr)
    return found


def score(corpus: Sequence[pii_corpus.Sentence], detect: Detect) -> dict[str, object]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    leaks_structured = leaks_all = 0
    latencies: list[float] = []
    by_locale: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_style: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sentence in corpus:
        started = time.perf_counter()
        spans = detect(sentence.text)
        latencies.append((time.perf_counter() - started) * 1000)
        _count(sentence, spans, counts, by_locale, by_style)
        stored = screen(sentence.text, spans, PrivacyMode.REDACT, "text").text.casefold()
        values = [(g.type, g.value.casefold()) for g in sentence.spans]
        leaks_structured += any(v in stored for t, v in values if t in STRUCTURED_TYPES)
        leaks_all += any(v in stored for _, v in values)
    return {
        "types": {kind: _prf(*counts[kind]) for kind in pii_corpus.TYPES},
        "leak_rate_structured": leaks_structured / len(corpus),
        "leak_rate_all": leaks_all / len(corpus),
        "latency_ms": _percentiles(latencies),
        "recall_by_locale": {k: v[0] / max(1, v[1]) for k, v in sorted(by_locale.items())},
        "recall_by_style": {k: v[0] / max(1, v[1]) for k, v in sorted(by_style.items())},
    }


def _count(
    sentence: pii_corpus.Sentence,
    spans: list[PiiSpan],
    counts: dict[str, list[int]],
    by_locale: dict[str, list[int]],
    by_style: dict[str, list[int]],
) -> None:
    for gold in sentence.spans:
        hit = any(p.type == gold.type and p.start < gold.end and gold.start < p.end for p in spans)
        counts[gold.type][0 if hit else 2] += 1
        for table, key in ((by_locale, sentence.locale), (by_style, sentence.style)):
            table[key][0] += hit
            table[key][1] += 1
    for p in spans:
        if not any(
            p.type == g.type and p.start < g.end and g.start < p.end for g in sentence.spans
        ):
            counts[str(p.type)][1] += 1


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f2 = 5 * precision * recall / (4 * precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f2": f2, "support": tp + fn}


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "mean": statistics.fmean(ordered),
    }


def false_positives(detect: Detect) -> dict[str, object]:
    lessons = pii_corpus.lessons()
    flagged = [(text, [(str(s.type), s.text) for s in detect(text)]) for text in lessons]
    flagged = [(text, found) for text, found in flagged if found]
    return {"rate": len(flagged) / len(lessons), "lessons": len(lessons), "examples": flagged[:10]}


def append_latency(n: int) -> dict[str, object]:
    """Shared-block appends (through the firewall) and private ones (not), per
    recogniser, on a real SQLite file."""
    from persona_memory import Memory, Settings
    from persona_memory.bench.privacy import append_timings

    figures: dict[str, object] = {}
    for recogniser in ("auto", "gazetteer"):
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(
                database_url=str(Path(folder) / "pii.db"),
                embedder="hash",
                pii_recogniser=recogniser,
                transcripts_dir=folder,
            )
            with Memory(settings=settings) as memory:
                timings = append_timings(memory, n)
        figures[recogniser] = {kind: _percentiles(t) for kind, t in timings.items()}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=3200)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--quick", action="store_true", help="400 sentences, no store")
    args = parser.parse_args()
    n = 400 if args.quick else args.n
    corpus = pii_corpus.generate(n, args.seed)
    report: dict[str, object] = {"machine": machine(), "sentences": n, "seed": args.seed}
    for name, detect in detectors().items():
        detect(corpus[0].text)  # load lazily built models outside the timings
        report[name] = score(corpus, detect) | {"false_positives": false_positives(detect)}
        print(name, json.dumps(_headline(report[name])), flush=True)
    if not args.quick:
        report["shared_append_ms"] = append_latency(300)
    print(render(report))
    if not args.quick:  # a quick run is for trying things, not a result to keep
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "pii.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
        (RESULTS / "pii.md").write_text(render(report))


def _headline(result: object) -> dict[str, object]:
    assert isinstance(result, dict)
    types = result["types"]
    return {
        "F2": {k: round(types[k]["f2"], 3) for k in ("PERSON", "ORG", "LOCATION")},
        "structured_recall_min": round(min(types[k]["recall"] for k in pii_corpus.STRUCTURED), 4),
        "leak": round(result["leak_rate_structured"], 4),
        "fp": round(result["false_positives"]["rate"], 4),
        "p95_ms": round(result["latency_ms"]["p95"], 2),
    }


def render(report: dict[str, object]) -> str:
    lines = [
        "# PII firewall benchmark",
        "",
        f"`python bench/pii.py` — {report['sentences']} generated sentences (seed "
        f"{report['seed']}), machine: {report['machine']}.",
        "",
    ]
    names = [k for k, v in report.items() if isinstance(v, dict) and "types" in v]
    lines += ["| type | " + " | ".join(f"{n} P / R / F2" for n in names) + " |"]
    lines += ["|---|" + "---|" * len(names)]
    for kind in pii_corpus.TYPES:
        cells = []
        for name in names:
            t = report[name]["types"][kind]  # type: ignore[index]
            cells.append(f"{t['precision']:.3f} / {t['recall']:.3f} / {t['f2']:.3f}")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| detector | leak (structured) | leak (any value) | FP on lessons | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for name in names:
        r = report[name]
        assert isinstance(r, dict)
        lines.append(
            f"| {name} | {r['leak_rate_structured']:.4f} | {r['leak_rate_all']:.4f} | "
            f"{r['false_positives']['rate']:.4f} | {r['latency_ms']['p50']:.2f} | "
            f"{r['latency_ms']['p95']:.2f} |"
        )
    lines += ["", "Recall by locale and style (all types):", ""]
    for name in names:
        r = report[name]
        assert isinstance(r, dict)
        locales = ", ".join(f"{k} {v:.3f}" for k, v in r["recall_by_locale"].items())
        styles = ", ".join(f"{k} {v:.3f}" for k, v in r["recall_by_style"].items())
        lines.append(f"- {name}: {locales}; {styles}")
    if "shared_append_ms" in report:
        appends = report["shared_append_ms"]
        assert isinstance(appends, dict)
        lines += ["", "Block append through the SDK on SQLite, 300 each, interleaved:", ""]
        lines += ["| recogniser | shared p50 / p95 ms | private p50 / p95 ms | p95 ratio |"]
        lines += ["|---|---|---|---|"]
        for name, a in appends.items():
            shared, private = a["shared"], a["private"]
            lines.append(
                f"| {name} | {shared['p50']:.2f} / {shared['p95']:.2f} | "
                f"{private['p50']:.2f} / {private['p95']:.2f} | "
                f"x{shared['p95'] / private['p95']:.2f} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
