"""The NUMBER normalizer: a parse tree of grammar/numbers.lark -> a dict of four keys.

Every NUMBER value is a dict with exactly the keys "value", "min", "max" and "qualifier":

- `value`: the single amount the text states (int when whole, else float), or None when the text
  states a range or a vague amount;
- `min`, `max`: bounds implied by the text, or None; bounds are inclusive and not strict
  ("more than 200" gives min 200, not 201);
- `qualifier`: the qualifier as written, lower-cased with single spaces ("at least", "or more"),
  or None.

Amounts (value; min, max and qualifier None):

| text                                      | value          | note                             |
|-------------------------------------------|----------------|----------------------------------|
| 29, 1,200, 12,345,678                     | 29, 1200, ...  | a comma groups thousands only    |
|                                           |                | before exactly three digits      |
| 3.5, 1.200                                | 3.5, 1.2       | a period is a decimal point      |
| 3 million, 1.5 billion, 200 thousand      | 3000000, ...   | digits times a scale word        |
| one, twenty-one, two hundred (and) twenty | 1, 21, 220     | words up to the billions         |
| one thousand five hundred, 25 hundred     | 1500, 2500     |                                  |
| a hundred, a thousand, a million          | 100, ...       | "a"/"an" alone is not a NUMBER   |
| a dozen, two dozen, half a dozen          | 12, 24, 6      |                                  |
| half a million, a half million            | 500000         |                                  |
| a quarter (of a) million                  | 250000         |                                  |
| three quarters of a million               | 750000         |                                  |
| a couple (of)                             | 2              |                                  |

Qualifiers keep the value and add a bound:

| qualifier                                                        | min   | max   |
|------------------------------------------------------------------|-------|-------|
| at least, no fewer than, no less than, not less than, more than, | value | None  |
| over, above, in excess of, upwards of, just over, well over,     |       |       |
| (postfix) or more                                                |       |       |
| up to, as many as, at most, no more than, not more than,         | None  | value |
| fewer than, less than, under, below, nearly, almost, just under, |       |       |
| close to                                                         |       |       |
| about, around, approximately, roughly, some, an estimated,       | None  | None  |
| estimated, circa, (postfix) or so                                |       |       |

Ranges ("between 10 and 15", "from 10 to 15", "10 to 15", "10-15", "two or three") give
value None, min the smaller and max the larger bound. A bare lower bound takes the scale word of
the upper bound when that keeps it below the upper bound: "between 1 and 2 million" is
1,000,000..2,000,000, while "from 500 to 2 million" is 500..2,000,000. For a single count from a
range, use `min` (the conservative reading).

Vague amounts give value None and a range (a trailing "of" belongs to the span: "dozens of"):

| text                              | min         | max         |
|-----------------------------------|-------------|-------------|
| a few                             | 2           | 5           |
| a handful (of)                    | 2           | 5           |
| several                           | 3           | 9           |
| a few / several + dozen, hundred, | the above times the scale word            |
| thousand, million                 | ("several hundred": 300..900)             |
| dozens (of)                       | 24          | 99          |
| scores (of)                       | 40          | 99          |
| hundreds (of)                     | 200         | 999         |
| thousands (of)                    | 2,000       | 9,999       |
| tens of thousands (of)            | 20,000      | 99,999      |
| hundreds of thousands (of)        | 200,000     | 999,999     |
| millions (of)                     | 2,000,000   | 9,999,999   |
| tens of millions (of)             | 20,000,000  | 99,999,999  |
| hundreds of millions (of)         | 200,000,000 | 999,999,999 |

Words like "many", "numerous" or "some" alone are not NUMBERs.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import Enum
from typing import Any

from lark import Token, Tree

Number = int | float


class Bound(Enum):
    """What a qualifier says about the stated amount."""

    LOWER = "lower"
    UPPER = "upper"
    APPROXIMATE = "approximate"


QUALIFIER_BOUNDS: dict[str, Bound] = {
    **dict.fromkeys(
        "at least|no fewer than|no less than|not less than|more than|over|above|in excess of|"
        "upwards of|just over|well over|or more".split("|"),
        Bound.LOWER,
    ),
    **dict.fromkeys(
        "up to|as many as|at most|no more than|not more than|fewer than|less than|under|below|"
        "nearly|almost|just under|close to".split("|"),
        Bound.UPPER,
    ),
    **dict.fromkeys(
        "about|around|approximately|roughly|some|an estimated|estimated|circa|or so".split("|"),
        Bound.APPROXIMATE,
    ),
}

WORD_VALUES: dict[str, int] = (
    {
        word: index
        for index, word in enumerate(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
            "fifteen sixteen seventeen eighteen nineteen".split()
        )
    }
    | {
        word: 10 * (index + 2)
        for index, word in enumerate(
            "twenty thirty forty fifty sixty seventy eighty ninety".split()
        )
    }
    | {"fourty": 40}
)

SCALES: dict[str, int] = {
    "dozen": 12,
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
}
_GROUP_SCALES = frozenset({"thousand", "million", "billion"})
_FRACTIONS = {"half": Decimal("0.5"), "quarter": Decimal("0.25"), "couple": Decimal(2)}
_TIMES = {"quarters": Decimal("0.25")}  # "three quarters": the count so far times a quarter
_WORD = re.compile(r"\d[\d,.]*|\w+")

VAGUE_RANGES: dict[str, tuple[int, int]] = {
    "few": (2, 5),
    "handful": (2, 5),
    "several": (3, 9),
    "dozens": (24, 99),
    "scores": (40, 99),
    "hundreds": (200, 999),
    "thousands": (2_000, 9_999),
    "millions": (2_000_000, 9_999_999),
    "tens thousands": (20_000, 99_999),
    "hundreds thousands": (200_000, 999_999),
    "tens millions": (20_000_000, 99_999_999),
    "hundreds millions": (200_000_000, 999_999_999),
}
_VAGUE_FILLERS = frozenset({"a", "an", "of"})


def number_dict(
    value: Number | None = None,
    low: Number | None = None,
    high: Number | None = None,
    qualifier: str | None = None,
) -> dict[str, Any]:
    """A NUMBER value with all four keys."""
    return {"value": value, "min": low, "max": high, "qualifier": qualifier}


def normalize_number(tree: Tree, text: str) -> dict[str, Any]:
    """The NUMBER value of a parse tree of grammar/numbers.lark (`text` is the span's text)."""
    subtrees = [c for c in tree.children if isinstance(c, Tree)]
    tokens = {c.type: c for c in tree.children if isinstance(c, Token)}
    if subtrees and subtrees[0].data == "vague":
        return _vague(subtrees[0])
    if "NUMERAL_RANGE" in tokens:
        return _numeral_range(tokens["NUMERAL_RANGE"])
    if len(subtrees) == 2:
        return _range(*subtrees)
    qualifier = tokens.get("QUALIFIER") or tokens.get("POSTFIX")
    return _amount(subtrees[0], qualifier)


# --- amounts ---------------------------------------------------------------------------------


class _Accumulator:
    """Adds up number words and digits left to right ("two hundred thousand and five")."""

    def __init__(self) -> None:
        self.total = Decimal(0)
        self.current = Decimal(0)

    def add(self, amount: Decimal) -> None:
        self.current += amount

    def multiply(self, scale: int) -> None:
        self.current = (self.current or Decimal(1)) * scale

    def close_group(self, scale: int) -> None:
        self.total += (self.current or Decimal(1)) * scale
        self.current = Decimal(0)

    def result(self) -> Decimal:
        return self.total + self.current


def _step(acc: _Accumulator, word: str) -> None:
    """Feed one word (or numeral) of an amount to the accumulator; fillers add nothing."""
    if word[0].isdigit():
        acc.add(Decimal(word.replace(",", "")))
    elif word in WORD_VALUES:
        acc.add(Decimal(WORD_VALUES[word]))
    elif word in _GROUP_SCALES:
        acc.close_group(SCALES[word])
    elif word in SCALES:
        acc.multiply(SCALES[word])
    elif word in _FRACTIONS:
        acc.add(_FRACTIONS[word])
    elif word in _TIMES:
        acc.current = (acc.current or Decimal(1)) * _TIMES[word]


def amount_value(tree: Tree) -> Decimal:
    """The exact amount of an `amount` subtree ("a", "and", "of", "-" add nothing)."""
    acc = _Accumulator()
    for word in _words(tree):
        _step(acc, word)
    return acc.result()


def as_number(amount: Decimal) -> Number:
    """An int when the amount is whole, else a float."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _words(tree: Tree) -> list[str]:
    """The lower-cased words and numerals of a subtree, in text order."""
    tokens = tree.scan_values(lambda v: isinstance(v, Token))
    return [word for token in tokens for word in _WORD.findall(str(token).lower())]


def _amount(tree: Tree, qualifier_token: Token | None) -> dict[str, Any]:
    value = as_number(amount_value(tree))
    if qualifier_token is None:
        return number_dict(value)
    qualifier = " ".join(str(qualifier_token).lower().split())
    bound = QUALIFIER_BOUNDS.get(qualifier, Bound.APPROXIMATE)
    low = value if bound is Bound.LOWER else None
    high = value if bound is Bound.UPPER else None
    return number_dict(value, low, high, qualifier)


# --- ranges ----------------------------------------------------------------------------------


def _range(first: Tree, second: Tree) -> dict[str, Any]:
    return _bounds(*_scaled_bounds(first, second))


def _numeral_range(token: Token) -> dict[str, Any]:
    low, high = (Decimal(n.replace(",", "")) for n in re.split(r"\s*-\s*", str(token)))
    return _bounds(low, high)


def _bounds(first: Decimal, second: Decimal) -> dict[str, Any]:
    return number_dict(None, as_number(min(first, second)), as_number(max(first, second)))


def _scaled_bounds(first: Tree, second: Tree) -> tuple[Decimal, Decimal]:
    """Both bounds; a bare first bound borrows the scale word that ends the second one."""
    low, high = amount_value(first), amount_value(second)
    last = _words(second)[-1]
    if last in _GROUP_SCALES and not any(word in SCALES for word in _words(first)):
        scaled = low * SCALES[last]
        if scaled <= high:
            low = scaled
    return low, high


# --- vague amounts ---------------------------------------------------------------------------


def _vague(tree: Tree) -> dict[str, Any]:
    words = [word for word in _words(tree) if word not in _VAGUE_FILLERS]
    scale = 1
    if words[-1] in SCALES and words[0] in ("few", "several"):
        scale = SCALES[words.pop()]
    low, high = VAGUE_RANGES[" ".join(words)]
    return number_dict(None, low * scale, high * scale)
