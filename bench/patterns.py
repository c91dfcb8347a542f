"""The workload's rules translated for the peers: a `regex` pattern, a hyperscan pattern, spaCy
token patterns.

Each translation follows the Rulecraft pattern part by part (see `workload.Part`); the peers
cannot reproduce Rulecraft exactly (its tokenizer, sentence splitter and NUMBER grammar), so the
bench reports how far their match counts agree instead of assuming they do.
"""

from __future__ import annotations

from .workload import SKIP_TOKENS, Part, RuleSpec

QUALIFIERS = ("at least", "at most", "about", "around", "nearly", "almost", "more than",
              "over", "some", "up to", "approximately", "roughly", "as many as")
NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty",
                "seventy", "eighty", "ninety", "hundred", "thousand", "million", "dozen",
                "dozens", "scores", "hundreds", "thousands", "several", "a few")
VAGUE_WORDS = ("dozens", "scores", "hundreds", "thousands", "several", "tens")
_WORD = "(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
NUMBER_REGEX = (r"(?:(?:" + "|".join(QUALIFIERS) + r")\s+)?"
                rf"(?:{_DIGITS}(?:\s+(?:hundred|thousand|million))?"
                rf"|{_WORD}(?:(?:\s+|-)(?:and\s+)?{_WORD})*(?:\s+of)?)")
PREFILTER_NUMBER = r"[\w.,-]+(?:\s+[\w.,-]+){0,5}"
SEPARATOR = r"\s+"
SKIP_REGEX = rf"(?:\s*(?:\b\w+\b|[^\w\s.!?])){{0,{SKIP_TOKENS}}}?"
SENTENCE_ENDS = [".", "!", "?"]


def naive_regex(spec: RuleSpec, place: str = r"(?P<place>\L<places>)") -> str:
    """The rule as one `regex` pattern; `place` is the PLACE element (a named list by default)."""
    out = r"\b"
    for index, part in enumerate(spec.parts):
        out += _regex_part(spec, part, place, first=index == 0)
    return out + r"\b"


def hyperscan_regex(spec: RuleSpec) -> str:
    """The rule for hyperscan, as a prefilter: a superset of the naive pattern without named
    groups, PLACE as any word (the places are scanned separately as literals) and NUMBER as
    one to six tokens (the number regex alone makes 10,000 rules take minutes to compile)."""
    pattern = naive_regex(spec, place=r"\w+")
    for group in ("(?P<count>", "(?P<victim>"):
        pattern = pattern.replace(group, "(?:")
    return pattern.replace(NUMBER_REGEX, PREFILTER_NUMBER)


def _regex_part(spec: RuleSpec, part: Part, place: str, first: bool) -> str:
    sep = "" if first else SEPARATOR
    if part is Part.WERE:
        return rf"(?:{SEPARATOR}were)?"
    if part is Part.SKIP:
        return SKIP_REGEX
    if part is Part.COUNT:
        return sep + f"(?P<count>{NUMBER_REGEX})"
    if part is Part.PLACE:
        return sep + place
    words = SEPARATOR.join(spec.literal(part).split())
    return sep + (f"(?P<victim>{words})" if part is Part.VICTIM else words)


def spacy_patterns(spec: RuleSpec) -> list[list[dict]]:
    """The rule as spaCy Matcher patterns over a doc whose places are entities labelled PLACE:
    one with a numeral count (LIKE_NUM), one with a vague count ("hundreds of")."""
    return [[token for part in spec.parts for token in _spacy_part(spec, part, count)]
            for count in (SPACY_NUMERAL, SPACY_VAGUE)]


SPACY_NUMERAL = [{"LIKE_NUM": True, "OP": "+"}]
SPACY_VAGUE = [{"LOWER": {"IN": list(VAGUE_WORDS)}}, {"LOWER": "of", "OP": "?"}]


def _spacy_part(spec: RuleSpec, part: Part, count: list[dict]) -> list[dict]:
    if part is Part.COUNT:
        return count
    if part is Part.PLACE:
        return [{"ENT_TYPE": "PLACE", "OP": "+"}]
    if part is Part.SKIP:
        return [{"ORTH": {"NOT_IN": SENTENCE_ENDS}, "OP": f"{{0,{SKIP_TOKENS}}}"}]
    if part is Part.WERE:
        return [{"LOWER": "were", "OP": "?"}]
    return [{"LOWER": word} for word in spec.literal(part).split()]
