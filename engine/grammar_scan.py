"""The scan step of a grammar type: a finder regex in; out, a cheap regex whose matches start
wherever the finder can start a match (a trie of its literal prefixes), and the finder's reach
(how far a match can extend from a position, by a DFA of the finder with assertions relaxed).
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

__all__ = ["BOUNDARY", "Reach", "compile_scan", "scan_pattern"]

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
_ZERO_WIDTH = (sre.ASSERT, sre.ASSERT_NOT)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))


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
    items = _parsed(pattern)
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


def _parsed(pattern: str) -> list | None:
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
        return [_Prefix((_char_atom(av, ignore_case),), True)]
    if op is sre.IN:
        atom = _class_atom(av, ignore_case)
        return [_Prefix((atom,), True)] if atom else [_Prefix((), False)]
    if op is sre.AT:
        atom = {sre.AT_BOUNDARY: r"\b", sre.AT_NON_BOUNDARY: r"\B"}.get(av)
        return [_Prefix((atom,) if atom else (), True)]
    if op in _ZERO_WIDTH:
        return [_Prefix((), True)]
    if op is sre.SUBPATTERN:
        _, add, remove, items = av
        case = (ignore_case or bool(add & re.I)) and not remove & re.I
        return _seq_prefixes(list(items), case)
    if op is sre.BRANCH:
        return [p for branch in av[1] for p in _seq_prefixes(list(branch), ignore_case)]
    if op in _REPEATS:
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


def _char_atom(code: int, ignore_case: bool) -> str:
    char = regex.escape(chr(code))
    return f"(?i:{char})" if ignore_case and chr(code).lower() != chr(code).upper() else char


def _class_atom(items: list, ignore_case: bool) -> str | None:
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


# --- the reach: how far a match can extend -----------------------------------------------------

_MAX_UNROLLED = 16  # a repeat counted higher reads as unbounded: a larger language will do
_MAX_REACH = 400  # a relaxed match that runs on longer than this is not followed
_MAX_STATES = 5_000  # beyond this many, the automaton starts over (its memory stays bounded)
_MAX_NODES = 200_000  # a pattern whose NFA would be larger gets no reach
_ACCEPT = 0  # the NFA node that accepts
_READ, _SPLIT, _BEHIND = range(3)  # NFA nodes: read a character; branch; test the one before


class _Unsupported(Exception):
    """The pattern holds a construct whose language the reach cannot bound from above."""


class Reach:
    """How far a match of a finder can extend from a position: a DFA, built as it is used.

    The DFA reads the finder with its assertions taken as true, except a lookbehind at one
    character (such as "no match ends with a space"), which it tests. It accepts more than the
    finder, so the longest text that it accepts from a position ends at or after the longest
    match there. When the finder's first-found match ends there too, that match is the longest:
    the costly leftmost-longest (`regex.POSIX`) search is not needed.
    """

    def __init__(self, nfa: _Nfa) -> None:
        self._nfa = nfa
        self._restart()

    @classmethod
    def of(cls, pattern: str) -> Reach | None:
        """The reach of a finder; None when Python's parser cannot read all of it."""
        items = _parsed(pattern)
        try:
            return None if items is None else cls(_Nfa.of(items))
        except (_Unsupported, RecursionError, regex.error):
            return None

    def longest_end(self, text: str, start: int) -> int | None:
        """Where the longest relaxed match at `start` ends (`start` when there is none).

        None when it runs on past `_MAX_REACH` characters (the finder has to decide).
        """
        state = self._start
        end = start
        stop = min(len(text), start + _MAX_REACH)
        for at in range(start, stop):
            state = state.moves.get(text[at]) or self._move(state, text[at])
            if state.accepting:
                end = at + 1
            if not state.reads:
                return end
        return None if stop < len(text) else end

    def _restart(self) -> None:
        self._states: dict[frozenset[int], _State] = {}
        self._start = self._state(self._nfa.closure([self._nfa.entry], None))

    def _state(self, nodes: frozenset[int]) -> _State:
        if nodes not in self._states:
            self._states[nodes] = _State(self._nfa, nodes)
        return self._states[nodes]

    def _move(self, state: _State, char: str) -> _State:
        if len(self._states) > _MAX_STATES:
            self._restart()
        following = [then for test, then in state.reads if test is None or test(char)]
        state.moves[char] = self._state(self._nfa.closure(following, char))
        return state.moves[char]


class _State:
    """A DFA state: what its NFA nodes read (a test, None for any character, and the node
    after), whether it accepts, and its moves found so far."""

    __slots__ = ("accepting", "moves", "reads")

    def __init__(self, nfa: _Nfa, nodes: frozenset[int]) -> None:
        self.accepting = _ACCEPT in nodes
        self.reads = [(nfa.tests[n], nfa.targets[n][0]) for n in nodes if nfa.kinds[n] == _READ]
        self.moves: dict[str, _State] = {}


class _Nfa:
    """A Thompson NFA of a parsed pattern: each node reads one character, branches, or tests
    the character before (a one-character lookbehind); other assertions are taken as true."""

    def __init__(self) -> None:
        self.kinds = [_SPLIT]  # _ACCEPT: a branch to nowhere
        self.tests: list[Any] = [None]
        self.targets: list[list[int]] = [[]]
        self.entry = _ACCEPT
        self._compiled: dict[str | None, Any] = {None: None}

    @classmethod
    def of(cls, items: list) -> _Nfa:
        nfa = cls()
        nfa.entry = nfa._sequence(items, False, _ACCEPT)
        return nfa

    def closure(self, nodes: list[int], before: str | None) -> frozenset[int]:
        """The reading nodes (and _ACCEPT) reached from `nodes` without reading, where the
        character before is `before` (None: unknown, every lookbehind holds)."""
        seen: set[int] = set()
        todo = list(nodes)
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            kind = self.kinds[node]
            if kind == _SPLIT or (kind == _BEHIND and self._holds(node, before)):
                todo.extend(self.targets[node])
        return frozenset(n for n in seen if n == _ACCEPT or self.kinds[n] == _READ)

    def _holds(self, node: int, before: str | None) -> bool:
        test, negated = self.tests[node]
        return before is None or (test(before) is None) == negated

    def _node(self, kind: int, test: Any, targets: list[int]) -> int:
        if len(self.kinds) >= _MAX_NODES:
            raise _Unsupported("too large")
        self.kinds.append(kind)
        self.tests.append(test)
        self.targets.append(targets)
        return len(self.kinds) - 1

    def _test(self, atom: str | None) -> Any:
        if atom not in self._compiled:
            self._compiled[atom] = regex.compile(atom).fullmatch
        return self._compiled[atom]

    def _sequence(self, items: list, ignore_case: bool, then: int) -> int:
        for op, av in reversed(items):
            then = self._item(op, av, ignore_case, then)
        return then

    def _item(self, op: Any, av: Any, ignore_case: bool, then: int) -> int:
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY):
            return self._node(_READ, self._test(_read_atom(op, av, ignore_case)), [then])
        if op in _ZERO_WIDTH:
            return self._assertion(op, av, ignore_case, then)
        if op is sre.AT:
            return then
        if op is sre.SUBPATTERN:
            _, add, remove, items = av
            if add & (re.A | re.L):
                raise _Unsupported("ASCII or locale classes")
            case = (ignore_case or bool(add & re.I)) and not remove & re.I
            return self._sequence(list(items), case, then)
        if op is sre.BRANCH:
            branches = [self._sequence(list(b), ignore_case, then) for b in av[1]]
            return self._node(_SPLIT, None, branches)
        if op in _REPEATS:
            return self._repeat(av, ignore_case, then)
        if op is getattr(sre, "ATOMIC_GROUP", None):
            return self._sequence(list(av), ignore_case, then)
        raise _Unsupported(str(op))

    def _assertion(self, op: Any, av: Any, ignore_case: bool, then: int) -> int:
        """A one-character lookbehind is tested; any other assertion is taken as true."""
        direction, items = av
        if direction != -1 or len(items) != 1 or items[0][0] not in (sre.LITERAL, sre.IN):
            return then
        atom = _read_atom(*items[0], ignore_case)
        if atom is None:  # a class that cannot be written exactly
            return then
        return self._node(_BEHIND, (self._test(atom), op is sre.ASSERT_NOT), [then])

    def _repeat(self, av: Any, ignore_case: bool, then: int) -> int:
        low, high, items = av
        if high > _MAX_UNROLLED:  # also when unbounded (sre.MAXREPEAT)
            rest = self._node(_SPLIT, None, [then])
            self.targets[rest].insert(0, self._sequence(list(items), ignore_case, rest))
        else:
            rest = then
            for _ in range(high - low):
                body = self._sequence(list(items), ignore_case, rest)
                rest = self._node(_SPLIT, None, [body, then])
        for _ in range(min(low, _MAX_UNROLLED)):
            rest = self._sequence(list(items), ignore_case, rest)
        return rest


def _read_atom(op: Any, av: Any, ignore_case: bool) -> str | None:
    """The regex of one character that a LITERAL, NOT_LITERAL, IN or ANY item reads.

    None for any character (ANY, or a class that cannot be written exactly: a larger set).
    """
    if op is sre.LITERAL:
        return _char_atom(av, ignore_case)
    if op is sre.NOT_LITERAL:
        return _class_atom([(sre.NEGATE, None), (sre.LITERAL, av)], ignore_case)
    if op is sre.IN:
        return _class_atom(av, ignore_case)
    return None
