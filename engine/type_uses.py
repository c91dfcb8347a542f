"""Where a pack's rules use each type: a type used only at a sentence's start is looked for there.

A dateline grammar (`^ {d:DATELINE}`) is written to match at the head of a report. When every
use of a type is right after `^` at the top of a sentence rule, only a span that starts at a
sentence's first token can ever take part in a match, so the matcher looks for the type's spans
only there (`start_only_types`); results are the same, and the type's finder does not scan every
sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from . import ast

MacroLookup = Callable[[str], "ast.Node | None"]


def start_only_types(trees: Iterable[tuple[ast.Node, bool]], macro: MacroLookup
                     ) -> frozenset[str]:
    """The types that every given rule (its tree, and whether it is sentence-scoped) uses only
    as its first element right after `^`, with at least one such use."""
    at_start: set[str] = set()
    elsewhere: set[str] = set()
    for tree, sentence_scope in trees:
        rest: Iterable[ast.Node] = (tree,)
        head = _start_type(tree) if sentence_scope else None
        if head is not None:
            at_start.add(head.type_name)
            rest = tree.items[2:]
        for node in rest:
            elsewhere.update(_types_in(node, macro, set()))
    return frozenset(at_start - elsewhere)


def _start_type(tree: ast.Node) -> ast.Capture | None:
    """The capture of a type right after a leading `^` (`^ {d:DATELINE} ...`), if any."""
    if not isinstance(tree, ast.Seq) or len(tree.items) < 2:
        return None
    anchor, capture = tree.items[:2]
    if (isinstance(anchor, ast.Anchor) and anchor.kind is ast.AnchorKind.SENTENCE_START
            and isinstance(capture, ast.Capture) and capture.type_name is not None):
        return capture
    return None


def _types_in(node: ast.Node, macro: MacroLookup, seen: set[str]) -> Iterator[str]:
    """Every type a node refers to, through macros (each expanded once)."""
    if isinstance(node, ast.Capture) and node.type_name is not None:
        yield node.type_name
    if isinstance(node, ast.MacroRef):
        body = macro(node.name)
        if body is not None and node.name not in seen:
            seen.add(node.name)
            yield from _types_in(body, macro, seen)
        return
    for child in ast.children(node):
        yield from _types_in(child, macro, seen)
