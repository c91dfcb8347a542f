"""The reach of a grammar finder: how far a match can extend from a position.

A DFA of the finder with its assertions relaxed, built lazily as texts are read; it accepts more
than the finder, so where it stops is an upper bound on the end of the longest match. The
grammar type uses it to skip the costly leftmost-longest search (see `engine.grammar_types`).
"""

from __future__ import annotations

import re
from typing import Any

import regex

from engine.grammar_scan import (
    REPEATS,
    ZERO_WIDTH,
    char_atom,
    class_atom,
    parsed_items,
    sre,
)

__all__ = ["Reach"]

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
        items = parsed_items(pattern)
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
        if op in ZERO_WIDTH:
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
        if op in REPEATS:
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
        return char_atom(av, ignore_case)
    if op is sre.NOT_LITERAL:
        return class_atom([(sre.NEGATE, None), (sre.LITERAL, av)], ignore_case)
    if op is sre.IN:
        return class_atom(av, ignore_case)
    return None
