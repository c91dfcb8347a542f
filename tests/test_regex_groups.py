"""Groups in generated regex source are added only where needed, and never change a match."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from engine.regex_groups import one_group, sequence_item


@pytest.mark.parametrize(("pattern", "as_item", "in_sequence"), [
    ("(?:a)", "(?:a)", "(?:a)"),
    ("(?i:x)", "(?i:x)", "(?i:x)"),
    ("(?:a)(?:b)", "(?:(?:a)(?:b))", "(?:a)(?:b)"),
    ("(?<!x)", "(?:(?<!x))", "(?<!x)"),
    ("a|b", "(?:a|b)", "(?:a|b)"),
    ("(?:a)|b", "(?:(?:a)|b)", "(?:(?:a)|b)"),
    ("[|(]x", "(?:[|(]x)", "[|(]x"),
    ("[]|]", "(?:[]|])", "[]|]"),
    ("[^]|)]", "(?:[^]|)])", "[^]|)]"),
    ("\\|\\(", "(?:\\|\\()", "\\|\\("),
    ("(?:[\\])])|b", "(?:(?:[\\])])|b)", "(?:(?:[\\])])|b)"),
])
def test_groups_only_where_needed(pattern: str, as_item: str, in_sequence: str) -> None:
    assert one_group(pattern) == as_item
    assert sequence_item(pattern) == in_sequence


ATOMS = ["a", "b", "ab", "[ab]", "[]a]", "[^]b]", "\\|", "\\(", "(?:a|b)", "(?i:A)", "a?", "(?=b)"]


@st.composite
def patterns(draw, depth: int = 2) -> tuple[str, str]:
    """A small regex built twice from the atoms: with groups added only where needed, and with
    a group around every part."""
    if depth == 0:
        atom = draw(st.sampled_from(ATOMS))
        return atom, atom
    parts = draw(st.lists(patterns(depth - 1), min_size=1, max_size=3))
    how = draw(st.sampled_from(["seq", "alt", "group", "star"]))
    if how == "seq":
        return ("".join(sequence_item(lean) for lean, _ in parts),
                "".join(f"(?:{full})" for _, full in parts))
    if how == "alt":
        return "|".join(lean for lean, _ in parts), "|".join(full for _, full in parts)
    lean, full = parts[0]
    if how == "group":
        return sequence_item(lean), f"(?:{full})"
    return f"{one_group(lean)}*", f"(?:{full})*"


@given(patterns(), st.text(alphabet="ab|(]A", max_size=8))
def test_fewer_groups_match_the_same(pattern: tuple[str, str], text: str) -> None:
    lean, full = (regex.compile(p) for p in pattern)
    assert [m.span() for m in lean.finditer(text)] == [m.span() for m in full.finditer(text)]
