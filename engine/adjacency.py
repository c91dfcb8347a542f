"""Word pairs a pattern needs side by side: the prefilter's second, sharper test.

`{n:NUMBER} civilians (were)? killed` needs "civilians" right before "were" or "killed", not
just both words somewhere in the sentence. From a pattern the compiler derives pair clauses:
sets of adjacent (folded) token pairs of which one must occur in a sentence for the pattern to
match there. The matcher computes a sentence's pairs only when its words already let a rule
through. Like every prefilter clause, a pair clause is a necessary condition: where the pattern
does not say which token comes next (a typed capture, `_`, `...`), it derives no clause.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import pairwise
from typing import NamedTuple

from . import ast
from .inflect import inflections
from .text import fold, literal_tokens

Pair = tuple[str, str]
PairClause = frozenset[Pair]
MacroLookup = Callable[[str], "ast.Node | None"]
MAX_PAIRS = 64  # a clause of more pairs than this is too weak to pay for itself


class _Ends(NamedTuple):
    """What a pattern node says about the tokens it matches.

    `first` / `last`: the folds its first / last token can have (None: any token); `nullable`:
    it can match no token; `clauses`: the pair clauses it needs inside itself.
    """

    first: frozenset[str] | None
    last: frozenset[str] | None
    nullable: bool
    clauses: tuple[PairClause, ...] = ()


_UNKNOWN = _Ends(None, None, False)
_ZERO_WIDTH = _Ends(frozenset(), frozenset(), True)


def pair_clauses(node: ast.Node, macro: MacroLookup) -> tuple[PairClause, ...]:
    """The pair clauses `node` needs: from each, some pair must be adjacent in the sentence."""
    return tuple(dict.fromkeys(_ends(node, macro, frozenset()).clauses))


def _ends(node: ast.Node, macro: MacroLookup, seen: frozenset[str]) -> _Ends:
    if isinstance(node, (ast.Word, ast.Phrase)):
        folds = [tok.fold for tok in literal_tokens(node.text)]
        if not folds:
            return _ZERO_WIDTH
        inner = tuple(frozenset({pair}) for pair in pairwise(folds))
        return _Ends(frozenset(folds[:1]), frozenset(folds[-1:]), False, inner)
    if isinstance(node, ast.Inflect):
        forms = frozenset(fold(f) for f in inflections(node.lemma))
        return _Ends(forms, forms, False)
    if isinstance(node, (ast.Anchor, ast.Look)):
        return _ZERO_WIDTH
    if isinstance(node, ast.Skip):
        return _Ends(None, None, node.low == 0)
    if isinstance(node, ast.Seq):
        return _seq([_ends(item, macro, seen) for item in node.items])
    if isinstance(node, ast.Alt):
        return _alt([_ends(option, macro, seen) for option in node.options])
    if isinstance(node, ast.Group):
        return _ends(node.body, macro, seen)
    if isinstance(node, ast.Repeat):
        return _repeat(_ends(node.item, macro, seen), node.low)
    if isinstance(node, ast.Capture):
        return _UNKNOWN if node.body is None else _ends(node.body, macro, seen)
    if isinstance(node, ast.MacroRef):
        body = None if node.name in seen else macro(node.name)
        return (_Ends(None, None, True) if body is None
                else _ends(body, macro, seen | {node.name}))
    return _UNKNOWN  # one token of any kind: `_`, `/regex/`, `!x`


def _seq(items: list[_Ends]) -> _Ends:
    clauses = [c for item in items for c in item.clauses]
    for i, item in enumerate(items):
        if item.nullable or item.last is None:
            continue
        followers = _firsts(items[i + 1:])
        if followers:
            clause = _pairs(item.last, followers)
            if clause:
                clauses.append(clause)
    return _Ends(_firsts(items, at_end=True), _lasts(items), all(i.nullable for i in items),
                 tuple(clauses))


def _firsts(items: Iterable[_Ends], at_end: bool = False) -> frozenset[str] | None:
    """The folds the next token can have: from the items up to the first that cannot be empty.

    Past the last item the next token lies outside the sequence: unknown, unless `at_end` (the
    first token of a sequence that can be empty is one of its items' first tokens, if any).
    """
    found: set[str] = set()
    for item in items:
        if item.first is None:
            return None
        found |= item.first
        if not item.nullable:
            return frozenset(found)
    return frozenset(found) if at_end else None


def _lasts(items: list[_Ends]) -> frozenset[str] | None:
    flipped = [_Ends(i.last, i.first, i.nullable) for i in reversed(items)]
    return _firsts(flipped, at_end=True)


def _pairs(lasts: frozenset[str], firsts: frozenset[str]) -> PairClause | None:
    if not lasts or not firsts or len(lasts) * len(firsts) > MAX_PAIRS:
        return None
    return frozenset((a, b) for a in lasts for b in firsts)


def _alt(options: list[_Ends]) -> _Ends:
    """Any option may match: a clause holds only as the union of one clause of each option."""
    firsts = [o.first for o in options]
    lasts = [o.last for o in options]
    clauses: tuple[PairClause, ...] = ()
    if all(o.clauses for o in options):
        union = frozenset().union(*(o.clauses[0] for o in options))
        clauses = (union,) if len(union) <= MAX_PAIRS else ()
    return _Ends(None if None in firsts else frozenset().union(*firsts),
                 None if None in lasts else frozenset().union(*lasts),
                 any(o.nullable for o in options), clauses)


def _repeat(item: _Ends, low: int) -> _Ends:
    if low == 0:
        return _Ends(item.first, item.last, True)
    return item
