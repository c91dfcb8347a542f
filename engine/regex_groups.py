"""Groups in generated regex source: add a `(?:...)` only where one is needed.

The `regex` module compiles a pattern in Python, in time that grows with its size, so the
generated finders and rule programs add no group where the pattern already is one, or where
nothing binds tighter than its alternation.
"""

from __future__ import annotations

from collections.abc import Iterator


def one_group(pattern: str) -> str:
    """`pattern` as one item a quantifier can follow: itself if it is one `(?:...)` group."""
    return pattern if outer_group(pattern) else f"(?:{pattern})"


def sequence_item(pattern: str) -> str:
    """`pattern` as one item of a sequence: grouped only if it has a top-level alternation."""
    return f"(?:{pattern})" if _top_level_bar(pattern) else pattern


def outer_group(pattern: str) -> bool:
    """Whether `pattern` is one non-capturing group (`(?:` or `(?i:`) from end to end."""
    if not pattern.startswith(("(?:", "(?i:")) or not pattern.endswith(")"):
        return False
    closes = [i for i, depth in _depths(pattern) if depth == 0]
    return closes == [len(pattern) - 1]


def _top_level_bar(pattern: str) -> bool:
    return any(depth == 0 and pattern[i] == "|" for i, depth in _depths(pattern, bars=True))


def _depths(pattern: str, bars: bool = False) -> Iterator[tuple[int, int]]:
    """(index, depth after it) of each closing parenthesis (and `|` if `bars`) outside
    escapes and character classes."""
    depth, i = 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(pattern, i)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            yield i, depth
        elif char == "|" and bars:
            yield i, depth
        i += 1


def _class_end(pattern: str, start: int) -> int:
    """The index after the character class opening at `start` ("]" first is a member)."""
    i = start + 1
    if pattern[i:i + 1] == "^":
        i += 1
    if pattern[i:i + 1] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1
