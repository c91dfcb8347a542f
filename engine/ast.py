"""The typed AST of a pattern: frozen dataclasses, each node with its span in the pattern text.

Spans are (start, end) character offsets in the pattern string; they do not take part in
equality, so two patterns that differ only in layout have equal ASTs. `to_source` prints an AST
back in the pattern language; parsing that text gives an equal AST.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .model import amount

Span = tuple[int, int]
NO_SPAN: Span = (0, 0)


@dataclass(frozen=True)
class Node:
    """Base of all pattern nodes."""


@dataclass(frozen=True)
class Word(Node):
    """A literal token (word, number or punctuation mark), matched case-insensitively."""

    text: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Phrase(Node):
    """A quoted phrase, matched with case and accents as written."""

    text: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class RegexToken(Node):
    """One token whose text matches a regular expression (`regex` module syntax)."""

    pattern: str
    flags: str = ""
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Inflect(Node):
    """A word and its inflections (`kill~`: kill, kills, killed, killing)."""

    lemma: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class AnyToken(Node):
    """Any single token (`_`)."""

    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Skip(Node):
    """Skip between `low` and `high` tokens, as few as possible (`...`, `...{0,6}`)."""

    low: int = 0
    high: int | None = None  # None: the compiler's default
    span: Span = field(default=NO_SPAN, compare=False)


class AnchorKind(enum.Enum):
    SENTENCE_START = "^"
    SENTENCE_END = "$"


@dataclass(frozen=True)
class Anchor(Node):
    """Sentence start `^` or end `$`."""

    kind: AnchorKind
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class MacroRef(Node):
    """A macro reference `@NAME`, expanded by the compiler."""

    name: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Seq(Node):
    """Items in order."""

    items: tuple[Node, ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Alt(Node):
    """Alternatives, tried in order."""

    options: tuple[Node, ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Group(Node):
    """A parenthesised sub-pattern (kept so that printing round-trips)."""

    body: Node
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Repeat(Node):
    """`item?`, `item*`, `item+`, `item{m,n}`; lazy when followed by `?`."""

    item: Node
    low: int
    high: int | None
    lazy: bool = False
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Not(Node):
    """`!item`: one token at which `item` does not match."""

    item: Node
    span: Span = field(default=NO_SPAN, compare=False)


class LookKind(enum.Enum):
    AHEAD = "(?="
    NOT_AHEAD = "(?!"
    BEHIND = "(?<="
    NOT_BEHIND = "(?<!"


@dataclass(frozen=True)
class Look(Node):
    """A zero-width lookahead or lookbehind, positive or negative."""

    kind: LookKind
    body: Node
    span: Span = field(default=NO_SPAN, compare=False)


COMPARISONS = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Condition:
    """`attr=v1|v2`, `attr!=v1|v2` or a comparison `attr>=100` inside a type filter."""

    attr: str
    values: tuple[str, ...]
    negated: bool = False
    span: Span = field(default=NO_SPAN, compare=False)
    op: str = "="

    @property
    def operator(self) -> str:
        return "!=" if self.negated else self.op

    def accepts(self, value: object) -> bool:
        """Whether a span's value (a dict of attributes) meets this condition."""
        found = value.get(self.attr) if isinstance(value, dict) else None
        if self.op in COMPARISONS:
            number = _as_number(found)
            limit = _as_number(self.values[0])
            return number is not None and limit is not None and COMPARISONS[self.op](number, limit)
        present = found is not None and _fold_value(found) in {_fold_value(v) for v in self.values}
        return present != self.negated


def _as_number(value: object) -> float | None:
    """A number from a value or from text such as "1,200" (filter literals, text attributes)."""
    number = amount(value)
    if number is not None or not isinstance(value, str):
        return number
    try:
        return float(value.replace(",", ""))
    except ValueError:
        return None


def _fold_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).casefold()


@dataclass(frozen=True)
class Capture(Node):
    """`{name:TYPE}`, `{name:sub pattern}` or `{TYPE}` (name None: required, not captured).

    Exactly one of `type_name` and `body` is set. `filters` (`{p:PLACE[kind=city]}`) keep only
    spans of the type whose value meets every condition.
    """

    name: str | None
    type_name: str | None = None
    body: Node | None = None
    span: Span = field(default=NO_SPAN, compare=False)
    type_span: Span = field(default=NO_SPAN, compare=False)
    filters: tuple[Condition, ...] = ()


def to_source(node: Node) -> str:
    """Print a node in the pattern language."""
    return _PRINTERS[type(node)](node)


def _print_word(node: Word) -> str:
    return node.text


def _print_phrase(node: Phrase) -> str:
    escaped = node.text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _print_regex(node: RegexToken) -> str:
    return f"/{node.pattern}/{node.flags}"


def _print_skip(node: Skip) -> str:
    if node.low == 0 and node.high is None:
        return "..."
    high = "" if node.high is None else str(node.high)
    return f"...{{{node.low},{high}}}"


def _print_seq(node: Seq) -> str:
    return " ".join(to_source(item) for item in node.items)


def _print_alt(node: Alt) -> str:
    return " | ".join(to_source(option) for option in node.options)


def _print_repeat(node: Repeat) -> str:
    inner = to_source(node.item)
    bounds = (node.low, node.high)
    if bounds == (0, 1):
        quant = "?"
    elif bounds == (0, None):
        quant = "*"
    elif bounds == (1, None):
        quant = "+"
    elif node.high == node.low:
        quant = f"{{{node.low}}}"
    else:
        quant = f"{{{node.low},{'' if node.high is None else node.high}}}"
    return inner + quant + ("?" if node.lazy else "")


def _print_capture(node: Capture) -> str:
    body = node.type_name if node.body is None else to_source(node.body)
    if node.filters:
        body += "[" + ", ".join(print_condition(c) for c in node.filters) + "]"
    return f"{{{body}}}" if node.name is None else f"{{{node.name}:{body}}}"


def print_condition(condition: Condition) -> str:
    """A filter condition in the pattern language."""
    values = "|".join(_print_filter_value(v) for v in condition.values)
    return f"{condition.attr}{condition.operator}{values}"


def _print_filter_value(value: str) -> str:
    if value.isidentifier() or value.replace(".", "").replace(",", "").isdigit():
        return value
    return _print_phrase(Phrase(value))


_PRINTERS = {
    Word: _print_word,
    Phrase: _print_phrase,
    RegexToken: _print_regex,
    Inflect: lambda n: f"{n.lemma}~",
    AnyToken: lambda n: "_",
    Skip: _print_skip,
    Anchor: lambda n: n.kind.value,
    MacroRef: lambda n: f"@{n.name}",
    Seq: _print_seq,
    Alt: _print_alt,
    Group: lambda n: f"({to_source(n.body)})",
    Repeat: _print_repeat,
    Not: lambda n: f"!{to_source(n.item)}",
    Look: lambda n: f"{n.kind.value}{to_source(n.body)})",
    Capture: _print_capture,
}


def walk(node: Node):
    """Yield the node and all nodes below it, depth first (macros are not expanded)."""
    yield node
    for child in children(node):
        yield from walk(child)


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of a node."""
    if isinstance(node, Seq):
        return node.items
    if isinstance(node, Alt):
        return node.options
    if isinstance(node, (Group, Look)):
        return (node.body,)
    if isinstance(node, (Repeat, Not)):
        return (node.item,)
    if isinstance(node, Capture) and node.body is not None:
        return (node.body,)
    return ()
