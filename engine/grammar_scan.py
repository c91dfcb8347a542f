"""The scan step of a grammar type: a finder regex in; a cheap regex whose matches start
wherever the finder can start a match (a trie of its literal prefixes) out.

The helpers that read a finder with Python's regex parser (`parsed_items`, `char_atom`,
`class_atom`) are shared with `engine.grammar_reach`.
"""

from __future__ import annotations

import re
import sys
import warnings
from dataclasses import dataclass
from typing import Any

import regex

if sys.version_info >= (3, 11):
    from re import _constants as sre
    from re import _parser as sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_constants as sre
    import sre_parse

__all__ = ["BOUNDARY", "compile_scan", "scan_pattern"]

BOUNDARY = r"(?:(?<!\w)|(?!\w))"  # not between two word characters


def compile_scan(pattern: str | None) -> re.Pattern[str] | regex.Pattern[str] | None:
    """The scan regex, with Python's `re` (faster for it) or else with `regex`."""
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return regex.compile(pattern)


# --- the scan: literal prefixes of the finder --------------------------------------------------

_MAX_PREFIXES = 500
_MAX_ATOMS = 12
_CATEGORIES = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
ZERO_WIDTH = (sre.ASSERT, sre.ASSERT_NOT)
REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))


@dataclass(frozen=True)
class _Prefix:
    """A sequence of one-character regex atoms a match must begin with.

    `complete` says that the atoms cover the whole subpattern, so what follows it may extend them.
    """

    atoms: tuple[str, ...]
    complete: bool


def scan_pattern(pattern: str) -> str | None:
    """A cheap regex whose matches start wherever `pattern` can start a match.

    Matching a grammar's finder at every position of a text is slow; the literal prefixes of
    its matches (first words, first characters) are a necessary condition that is quick to test.
    When every match begins a word, the scan consumes that word's first character: `re` then
    skips ahead to the characters that can begin a match, and no match can start inside the
    word. Otherwise the scan is zero-width. None when some alternative of `pattern` has no
    consuming prefix, or when Python's regex parser cannot read `pattern`.
    """
    items = parsed_items(pattern)
    if items is None:
        return None
    prefixes = _seq_prefixes(items, False)
    firsts = [next((a for a in p.atoms if a not in _ZERO_WIDTH_ATOMS), None) for p in prefixes]
    if not prefixes or None in firsts:
        return None
    trie = _trie_regex([p.atoms for p in prefixes])
    if not all(_is_word_atom(atom) for atom in firsts):
        return f"{BOUNDARY}(?={trie})"
    return f"{_first_char_class(firsts)}(?<=\\b(?={trie})[\\s\\S])"


_ZERO_WIDTH_ATOMS = (r"\b", r"\B")
_FUZZY = re.compile(r"\{\s*[edis]\s*[<=]")  # `regex` fuzzy matching, e.g. (?:abc){e<=1}
_WORD_ATOM = re.compile(r"[A-Za-z0-9]|\\d|\[(?:[A-Za-z0-9](?:-[A-Za-z0-9])?|\\d)+\]")


def parsed_items(pattern: str) -> list | None:
    """The items of `pattern` by Python's regex parser; None when it may read them otherwise
    than the `regex` module does."""
    if _FUZZY.search(pattern):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "[[" warns: `regex` may read it as a nested set
            return list(sre_parse.parse(pattern).data)
    except (re.error, ValueError, TypeError, OverflowError, RecursionError, Warning):
        return None


def _is_word_atom(atom: str) -> bool:
    """Whether an atom matches only ASCII letters and digits (so `\\b` may stand before it)."""
    atom = atom.removesuffix("+")
    if atom.startswith("(?i:") and atom.endswith(")"):
        atom = atom[4:-1]
    return _WORD_ATOM.fullmatch(atom) is not None


def _first_char_class(atoms: list[str]) -> str:
    """A character class holding every character that one of `atoms` matches.

    Exact on ASCII; all of the rest is in (a case-insensitive atom matches some non-ASCII
    letters, e.g. the Kelvin sign for k). A scan that begins with a class lets `re` skip ahead to
    the next character in it instead of trying the scan at every position.
    """
    compiled = [re.compile(atom.removesuffix("+")) for atom in atoms]
    matched = [chr(c) for c in range(128) if any(a.fullmatch(chr(c)) for a in compiled)]
    return f"[{''.join(_class_char(char) for char in matched)}\\x80-\\U0010ffff]"


def _seq_prefixes(items: list, ignore_case: bool) -> list[_Prefix]:
    result = [_Prefix((), True)]
    for op, av in items:
        if not any(p.complete for p in result):
            break
        result = _extend(result, _item_prefixes(op, av, ignore_case))
    return result


def _extend(prefixes: list[_Prefix], following: list[_Prefix]) -> list[_Prefix]:
    """Each complete prefix followed by each of `following`, within the size limits.

    When there would be too many, `following` is cut to fewer atoms (a shorter prefix is a
    weaker but still necessary condition).
    """
    for width in range(_MAX_ATOMS, -1, -1):
        cut = list(dict.fromkeys(_cut(q, width) for q in following))
        kept = [p for p in prefixes if not p.complete]
        complete = [p for p in prefixes if p.complete]
        if len(kept) + len(complete) * len(cut) <= _MAX_PREFIXES:
            return kept + [_joined(p.atoms + q.atoms, q.complete) for p in complete for q in cut]
    return [_Prefix(p.atoms, False) for p in prefixes]


def _cut(prefix: _Prefix, width: int) -> _Prefix:
    if len(prefix.atoms) <= width:
        return prefix
    return _Prefix(prefix.atoms[:width], False)


def _joined(atoms: tuple[str, ...], complete: bool) -> _Prefix:
    if len(atoms) > _MAX_ATOMS:
        return _Prefix(atoms[:_MAX_ATOMS], False)
    return _Prefix(atoms, complete)


def _item_prefixes(op: Any, av: Any, ignore_case: bool) -> list[_Prefix]:
    if op is sre.LITERAL:
        return [_Prefix((char_atom(av, ignore_case),), True)]
    if op is sre.IN:
        atom = class_atom(av, ignore_case)
        return [_Prefix((atom,), True)] if atom else [_Prefix((), False)]
    if op is sre.AT:
        atom = {sre.AT_BOUNDARY: r"\b", sre.AT_NON_BOUNDARY: r"\B"}.get(av)
        return [_Prefix((atom,) if atom else (), True)]
    if op in ZERO_WIDTH:
        return [_Prefix((), True)]
    if op is sre.SUBPATTERN:
        _, add, remove, items = av
        case = (ignore_case or bool(add & re.I)) and not remove & re.I
        return _seq_prefixes(list(items), case)
    if op is sre.BRANCH:
        return [p for branch in av[1] for p in _seq_prefixes(list(branch), ignore_case)]
    if op in REPEATS:
        return _repeat_prefixes(av, ignore_case)
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _seq_prefixes(list(av), ignore_case)
    return [_Prefix((), False)]


def _repeat_prefixes(av: Any, ignore_case: bool) -> list[_Prefix]:
    low, high, items = av
    once = _seq_prefixes(list(items), ignore_case)
    single = len(once) == 1 and once[0].complete and len(once[0].atoms) == 1
    if single and high != 1 and once[0].atoms[0] not in _ZERO_WIDTH_ATOMS:
        many = [_Prefix((once[0].atoms[0] + "+",), True)]  # a run of one character class
        return ([_Prefix((), True)] + many) if low == 0 else many
    if not (low == high == 1):
        once = [_Prefix(p.atoms, p.complete and high == 1) for p in once]
    return ([_Prefix((), True)] + once) if low == 0 else once


def char_atom(code: int, ignore_case: bool) -> str:
    char = regex.escape(chr(code))
    return f"(?i:{char})" if ignore_case and chr(code).lower() != chr(code).upper() else char


def class_atom(items: list, ignore_case: bool) -> str | None:
    parts = []
    for op, av in items:
        if op is sre.NEGATE:
            parts.insert(0, "^")
        elif op is sre.LITERAL:
            parts.append(_class_char(chr(av)))
        elif op is sre.RANGE:
            parts.append(f"{_class_char(chr(av[0]))}-{_class_char(chr(av[1]))}")
        elif op is sre.CATEGORY and av in _CATEGORIES:
            parts.append(_CATEGORIES[av])
        else:
            return None
    body = f"[{''.join(parts)}]"
    return f"(?i:{body})" if ignore_case else body


def _class_char(char: str) -> str:
    if char in "\\]^-[" or not char.isprintable() or char.isspace():
        code = ord(char)
        return f"\\x{code:02x}" if code <= 0xFF else f"\\U{code:08x}"
    return char


def _trie_regex(sequences: list[tuple[str, ...]]) -> str:
    """An alternation of atom sequences, sharing common prefixes; a shorter one suffices."""
    trie: dict = {}
    for atoms in sequences:
        node = trie
        for atom in atoms:
            if node.get("") is True:
                break
            node = node.setdefault(atom, {})
        else:
            node.clear()
            node[""] = True
    return _emit(trie)


def _emit(node: dict) -> str:
    if node.get("") is True:
        return ""
    branches = [atom + _emit(child) for atom, child in sorted(node.items())]
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
