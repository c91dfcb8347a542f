"""The benchmark workload: generated casualty rules, a place gazetteer, and FA-KES text.

Rules come in four shapes over 25 victim nouns, 14 verbs and 4 prepositions; each rule fixes
one noun, verb and preposition as literal words, so rules differ by their required words
(5,600 combinations; a second cycle adds a required "reportedly" to reach 11,200). Rules are
ordered so that every prefix mixes shapes and favours the common words, and a smaller rule set
is always a prefix of a larger one. Places are a lexicon type (`PLACE: {file: places.tsv}`):
real names from the shipped gazetteer, padded with seeded pseudo-names to the requested size.
"""

from __future__ import annotations

import csv
import enum
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
CACHE_DIR = BENCH_DIR / ".cache"
REAL_PLACES = REPO_DIR / "rules" / "conflict" / "lexicons" / "places.tsv"
FAKES_CSV = REPO_DIR.parent / "shared" / "data" / "fakes" / "dev.csv"
DEFAULT_SEED = 20240601
MB = 1_000_000

NOUNS = ("civilians", "people", "militants", "fighters", "soldiers", "rebels", "children",
         "women", "troops", "members", "insurgents", "jihadists", "gunmen", "policemen",
         "residents", "persons", "combatants", "men", "refugees", "workers", "students",
         "protesters", "activists", "terrorists", "officers")
PREPOSITIONS = ("in", "near", "at", "outside")


@dataclass(frozen=True)
class Verb:
    """A verb in the two forms the shapes use."""

    past: str
    gerund: str


VERBS = tuple(Verb(p, g) for p, g in (
    ("killed", "killing"), ("wounded", "wounding"), ("injured", "injuring"),
    ("slain", "slaying"), ("executed", "executing"), ("massacred", "massacring"),
    ("shot", "shooting"), ("murdered", "murdering"), ("captured", "capturing"),
    ("kidnapped", "kidnapping"), ("abducted", "abducting"), ("arrested", "arresting"),
    ("detained", "detaining"), ("displaced", "displacing")))


class Shape(enum.Enum):
    """The four rule shapes of the workload."""

    PASSIVE = "passive"   # 160 militants were killed ... in Aleppo
    ACTIVE = "active"     # killing 12 civilians in Aleppo
    BARE = "bare"         # civilians killed in Aleppo
    TOLL = "toll"         # death toll of civilians killed ... rose to 70 in Aleppo


class Part(enum.Enum):
    """One element of a rule, in order; each engine translates the parts its own way."""

    COUNT = "count"          # a NUMBER, captured as `count`
    VICTIM = "victim"        # the literal noun, captured as `victim`
    WERE = "were"            # an optional "were"
    REPORTEDLY = "reportedly"
    PAST = "past"            # the literal verb, past form
    GERUND = "gerund"        # the literal verb, -ing form
    SKIP = "skip"            # up to SKIP_TOKENS tokens, as few as possible
    PREP = "prep"            # the literal preposition
    PLACE = "place"          # a PLACE, captured as `place`
    DEATH_TOLL_OF = "death toll of"
    ROSE_TO = "rose to"


SKIP_TOKENS = 8
_LAYOUT = {
    Shape.PASSIVE: (Part.COUNT, Part.VICTIM, Part.WERE, Part.REPORTEDLY, Part.PAST, Part.SKIP,
                    Part.PREP, Part.PLACE),
    Shape.ACTIVE: (Part.REPORTEDLY, Part.GERUND, Part.COUNT, Part.VICTIM, Part.PREP,
                   Part.PLACE),
    Shape.BARE: (Part.VICTIM, Part.REPORTEDLY, Part.PAST, Part.PREP, Part.PLACE),
    Shape.TOLL: (Part.DEATH_TOLL_OF, Part.VICTIM, Part.REPORTEDLY, Part.PAST, Part.SKIP,
                 Part.ROSE_TO, Part.COUNT, Part.PREP, Part.PLACE),
}


@dataclass(frozen=True)
class RuleSpec:
    """One generated rule: a shape with its noun, verb and preposition fixed."""

    number: int
    shape: Shape
    noun: str
    verb: Verb
    prep: str
    reported: bool = False

    @property
    def name(self) -> str:
        """The rule's name in the pack (unique, stable across sizes)."""
        words = [self.shape.value, self.noun, self.verb.past, self.prep]
        return f"r{self.number:05d}_" + "_".join(words) + ("_rep" if self.reported else "")

    @property
    def parts(self) -> tuple[Part, ...]:
        """The rule's elements in order (REPORTEDLY only when the rule is a reported one)."""
        layout = _LAYOUT[self.shape]
        return tuple(p for p in layout if p is not Part.REPORTEDLY or self.reported)

    def literal(self, part: Part) -> str:
        """The literal words of a word part (noun, verb, preposition or fixed phrase)."""
        words = {Part.VICTIM: self.noun, Part.PAST: self.verb.past, Part.GERUND: self.verb.gerund,
                 Part.PREP: self.prep, Part.WERE: "were", Part.REPORTEDLY: "reportedly"}
        return words.get(part, part.value)


def max_rules() -> int:
    """How many distinct rules the generator can make."""
    return 2 * len(Shape) * len(NOUNS) * len(VERBS) * len(PREPOSITIONS)


def rule_specs(count: int, seed: int = DEFAULT_SEED) -> list[RuleSpec]:
    """The first `count` rules of the workload (each smaller set is a prefix of a larger one)."""
    if not 0 < count <= max_rules():
        raise ValueError(f"rule count must be between 1 and {max_rules()}")
    combos = [c for reported in (False, True) for c in _ordered_combos(reported, seed)]
    return [RuleSpec(n + 1, *combo) for n, combo in enumerate(combos[:count])]


def _ordered_combos(reported: bool, seed: int) -> list[tuple]:
    """All shape x noun x verb x prep combinations, common words first, ties shuffled."""
    rng = random.Random(f"{seed}-{reported}")
    indexed = list(product(range(len(Shape)), range(len(NOUNS)), range(len(VERBS)),
                           range(len(PREPOSITIONS))))
    keys = {combo: (sum(combo[1:]), rng.random()) for combo in indexed}
    indexed.sort(key=keys.__getitem__)
    shapes = list(Shape)
    return [(shapes[s], NOUNS[n], VERBS[v], PREPOSITIONS[p], reported)
            for s, n, v, p in indexed]


# ---- gazetteer -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    """One gazetteer entry: a canonical name and its aliases."""

    name: str
    aliases: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


_PREFIXES = ("Tal", "Kafr", "Deir", "Ain", "Khirbet", "Jabal", "Wadi", "Bir", "Qasr", "Umm",
             "Beit", "Maarat", "Ras", "Hawsh", "Arab")
_ONSETS = ("b", "d", "f", "gh", "h", "j", "k", "kh", "l", "m", "n", "q", "r", "s", "sh", "t",
           "z", "dh", "w", "y")
_VOWELS = ("a", "i", "u", "aa", "ee", "ou", "ay")
_CODAS = ("", "", "b", "d", "k", "l", "m", "n", "r", "s", "t", "h", "ya", "iya", "an")


def gazetteer(size: int, seed: int = DEFAULT_SEED, real: Path | None = REAL_PLACES
              ) -> list[Place]:
    """Places with `size` terms in all: real names and aliases first, then pseudo-names."""
    places: list[Place] = []
    seen: set[str] = set()
    budget = size
    for place in read_places(real) if real is not None and real.is_file() else []:
        terms = [t for t in place.terms if t.casefold() not in seen][:budget]
        if not terms:
            continue
        seen.update(t.casefold() for t in terms)
        places.append(Place(terms[0], tuple(terms[1:])))
        budget -= len(terms)
        if budget == 0:
            return places
    return places + list(_pseudo_places(budget, seed, seen))


def read_places(path: Path) -> Iterator[Place]:
    """Entries of a TSV gazetteer (columns name and aliases; '#' lines are comments)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = (line for line in handle if line.strip() and not line.startswith("#"))
        for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
            name = (row.get("name") or "").strip()
            aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
            if name:
                yield Place(name, aliases)


def _pseudo_places(count: int, seed: int, seen: set[str]) -> Iterator[Place]:
    """`count` distinct, deterministic, Levantine-sounding pseudo place names."""
    rng = random.Random(seed)
    made = 0
    while made < count:
        name = _pseudo_name(rng)
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        made += 1
        yield Place(name)


def _pseudo_name(rng: random.Random) -> str:
    word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(2, 3)))
    word = (word + rng.choice(_CODAS)).capitalize()
    return f"{rng.choice(_PREFIXES)} {word}" if rng.random() < 0.4 else word


# ---- pack ------------------------------------------------------------------------------------
def rulecraft_pattern(spec: RuleSpec) -> str:
    """The rule's pattern in the Rulecraft language."""
    return " ".join(_rulecraft_part(spec, part) for part in spec.parts)


def _rulecraft_part(spec: RuleSpec, part: Part) -> str:
    fixed = {Part.COUNT: "{count:NUMBER}", Part.WERE: "(were)?", Part.PLACE: "{place:PLACE}",
             Part.SKIP: f"...{{0,{SKIP_TOKENS}}}", Part.VICTIM: "{victim:" + spec.noun + "}"}
    return fixed.get(part) or spec.literal(part)


def pack_files(specs: Sequence[RuleSpec], places: Sequence[Place]) -> dict[str, str]:
    """The pack's files: name -> text (rules.yaml and places.tsv)."""
    rules = ["lexicons:", "  PLACE: {file: places.tsv}", "rules:"]
    for spec in specs:
        rules.append(f"  - name: {spec.name}")
        rules.append(f"    pattern: '{rulecraft_pattern(spec)}'")
    table = ["name\taliases"] + [f"{p.name}\t{'|'.join(p.aliases)}" for p in places]
    return {"rules.yaml": "\n".join(rules) + "\n", "places.tsv": "\n".join(table) + "\n"}


def write_pack(folder: Path, specs: Sequence[RuleSpec], places: Sequence[Place]) -> Path:
    """Write the pack into `folder` (files left untouched when unchanged); return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pack_files(specs, places).items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return folder


# ---- text ------------------------------------------------------------------------------------
def read_fakes(path: Path = FAKES_CSV) -> list[str]:
    """The article texts of the FA-KES CSV, in file order (empty articles dropped)."""
    csv.field_size_limit(1 << 26)
    with path.open(encoding="utf-8", newline="") as handle:
        texts = [row.get("article_content", "").strip() for row in csv.DictReader(handle)]
    return [t for t in texts if t]


def repeat_to(texts: Sequence[str], megabytes: float) -> list[str]:
    """The texts repeated in order until their UTF-8 size reaches `megabytes`."""
    if not texts:
        raise ValueError("no texts")
    target = megabytes * MB
    out: list[str] = []
    size = 0
    while size < target:
        text = texts[len(out) % len(texts)]
        out.append(text)
        size += len(text.encode("utf-8"))
    return out
