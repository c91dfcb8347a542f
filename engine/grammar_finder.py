"""The finder of a grammar type: Lark's rule definitions in; one regex for the start rule, its
scan regex and the words every match contains out (NotRegular when no regex can express it).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

import lark
import regex
from lark.grammar import NonTerminal, Terminal
from lark.lexer import PatternStr, Token
from lark.load_grammar import (
    GrammarBuilder,
    PrepareLiterals,
    TerminalTreeToPattern,
    _literal_to_pattern,
)
from lark.utils import get_regexp_width

from engine.grammar_load import START
from engine.grammar_scan import BOUNDARY, scan_pattern
from engine.regex_groups import one_group, outer_group, sequence_item

__all__ = ["Finder", "NotRegular", "Patterns"]


class NotRegular(Exception):
    """Raised by the translation when rule `name` cannot become a regex (E311 for the caller)."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(why)
        self.name = name
        self.why = why


@dataclass(frozen=True)
class Patterns:
    """The finder regex, and a cheap regex whose matches start where a finder match can."""

    finder: str
    scan: str | None


class Finder:
    """Translates the rule definitions of a loaded grammar into one regex source.

    Every rule is inlined where it is used. The `regex` module pays, on every match attempt, for
    the size of the whole pattern, so a grammar meant as a fast finder keeps its rules
    left-factored and puts multi-word units into terminals (see grammar/numbers.lark).
    Subroutine calls (`(?&name)`) would keep the pattern small but are far slower under
    `regex.POSIX`.
    """

    def __init__(self, builder: GrammarBuilder) -> None:
        self._defs = builder._definitions
        self._stack: list[str] = []
        self._rules: dict[str, str] = {}
        self._ignore = self._ignore_pattern(builder._ignore_names)
        self._sep = f"{self._ignore}*" if self._ignore else ""

    def patterns(self) -> Patterns:
        """The finder regex of the start rule, wrapped to align with words and skip ignores.

        Raises NotRegular when the start rule reaches itself or a `%declare`d symbol.
        """
        body = self._rule(START, {})
        start = BOUNDARY + (f"(?!{self._ignore})" if self._ignore else "")
        end = (f"(?<!{self._ignore})" if self._ignore else "") + BOUNDARY
        return Patterns(f"{start}(?:{body}){end}", scan_pattern(body))

    def required_words(self) -> frozenset[str]:
        """Lower-cased words of string literals that every match of the start rule contains."""
        return _Required(self._defs).rule(START)

    def _ignore_pattern(self, names: list[str]) -> str:
        """One regex item for the ignored text; repeated, it makes the separator."""
        patterns = [_single_step(self._terminal(name)) for name in names]
        return f"(?:{'|'.join(patterns)})" if patterns else ""

    def _rule(self, name: str, env: dict[str, str]) -> str:
        if name in env:
            return env[name]
        if name not in self._rules:
            self._rules[name] = self._translate_rule(name, env)
        return self._rules.pop(name) if self._defs[name].params else self._rules[name]

    def _translate_rule(self, name: str, env: dict[str, str]) -> str:
        definition = self._defs[name]
        if definition.is_term:
            return self._terminal(name)
        if name in self._stack:
            cycle = self._stack[self._stack.index(name) :] + [name]
            raise NotRegular(cycle[0], f"rule {cycle[0]!r} is recursive ({' -> '.join(cycle)})")
        if definition.tree is None:
            raise NotRegular(name, f"rule {name!r} is only declared (%declare)")
        self._stack.append(name)
        body = self._node(definition.tree, env if definition.params else {})
        self._stack.pop()
        return body

    def _node(self, node: Any, env: dict[str, str]) -> str:
        if isinstance(node, NonTerminal):
            return self._rule(node.name, env)
        if isinstance(node, Terminal):
            return self._terminal(node.name)
        return getattr(self, f"_tree_{node.data}")(node, env)

    def _tree_expansions(self, tree: lark.Tree, env: dict[str, str]) -> str:
        alternatives = [self._node(child, env) for child in tree.children]
        return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"

    def _tree_alias(self, tree: lark.Tree, env: dict[str, str]) -> str:
        return self._node(tree.children[0], env)

    def _tree_expansion(self, tree: lark.Tree, env: dict[str, str]) -> str:
        return self._sep.join(sequence_item(self._node(child, env)) for child in tree.children)

    def _tree_value(self, tree: lark.Tree, env: dict[str, str]) -> str:
        return self._node(tree.children[0], env)

    def _tree_maybe(self, tree: lark.Tree, env: dict[str, str]) -> str:
        return f"{one_group(self._node(tree.children[0], env))}?"

    def _tree_expr(self, tree: lark.Tree, env: dict[str, str]) -> str:
        atom, op, *counts = tree.children
        item = one_group(self._node(atom, env))
        if op == "?":
            return f"{item}?"
        bounds = {"*": (0, None), "+": (1, None)}.get(str(op))
        return self._repeat(item, *(bounds or _tilde_bounds(counts)))

    def _repeat(self, item: str, low: int, high: int | None) -> str:
        if high == 0:
            return ""
        more = "" if high is None else str(high - 1)
        quantifier = f"{{{max(low - 1, 0)},{more}}}" if (low, high) != (1, None) else "*"
        body = f"{item}(?:{self._sep}{item}){quantifier}"
        return body if low > 0 else f"(?:{body})?"

    def _tree_literal(self, tree: lark.Tree, env: dict[str, str]) -> str:
        pattern = _literal_to_pattern(tree.children[0])
        if isinstance(pattern, PatternStr):
            return _word_bounded(pattern)
        return pattern.to_regexp()

    def _tree_range(self, tree: lark.Tree, env: dict[str, str]) -> str:
        return PrepareLiterals().transform(copy.deepcopy(tree)).children[0].to_regexp()

    def _tree_template_usage(self, tree: lark.Tree, env: dict[str, str]) -> str:
        template, *args = tree.children
        params = self._defs[template.name].params
        inner = {param: self._node(arg, env) for param, arg in zip(params, args, strict=True)}
        return self._rule(template.name, inner)

    def _terminal(self, name: str) -> str:
        definition = self._defs[name]
        if definition.tree is None:
            raise NotRegular(name, f"terminal {name!r} is only declared (%declare)")
        words = _string_alternatives(definition.tree)
        if words is not None:
            bounded = [_word_bounded(p) for p in words]
            return bounded[0] if len(bounded) == 1 else "(?:" + "|".join(bounded) + ")"
        tree = PrepareLiterals().transform(copy.deepcopy(definition.tree))
        return TerminalTreeToPattern().transform(tree).to_regexp()


def _single_step(pattern: str) -> str:
    """`pattern` without its outer `+` when what it repeats is one character wide.

    The separator repeats the ignored pattern; `(?:[ \\t]+)*` would backtrack exponentially where
    `(?:[ \\t])*` does not.
    """
    inner = pattern
    while True:
        stripped = _strip_plus(inner)
        if stripped == inner:
            break
        inner = stripped
    return inner if _is_one_char(inner) else pattern


def _strip_plus(pattern: str) -> str:
    for candidate in (pattern[:-1] if pattern.endswith("+") else "", _unwrap(pattern)):
        if candidate and _compiles(candidate):
            return candidate
    return pattern


def _unwrap(pattern: str) -> str:
    return pattern[3:-1] if pattern.startswith("(?:") and outer_group(pattern) else ""


def _compiles(pattern: str) -> bool:
    try:
        regex.compile(pattern)
    except regex.error:
        return False
    return True


def _is_one_char(pattern: str) -> bool:
    try:
        return tuple(get_regexp_width(pattern)) == (1, 1)
    except (ValueError, regex.error, re.error):
        return False


def _tilde_bounds(counts: list[Token]) -> tuple[int, int]:
    low = int(counts[0])
    return low, int(counts[-1])


def _word_bounded(pattern: PatternStr) -> str:
    """A string literal as regex, with word boundaries where it begins or ends with a word char."""
    text = pattern.value
    before = r"\b" if regex.match(r"\w", text[0]) else ""
    after = r"\b" if regex.match(r"\w", text[-1]) else ""
    flags = "".join(sorted(set(pattern.flags) & set("imsx")))
    body = before + regex.escape(text) + after
    return f"(?{flags}:{body})" if flags else body


def _string_alternatives(tree: lark.Tree) -> list[PatternStr] | None:
    """The string literals of a terminal made only of alternative literals, else None."""
    literals = []
    for alternative in tree.children:
        if alternative.data != "expansion" or len(alternative.children) != 1:
            return None
        value = alternative.children[0]
        token = value.children[0] if value.data == "value" else None
        if not (isinstance(token, lark.Tree) and token.data == "literal"):
            return None
        if token.children[0].type != "STRING":
            return None
        literals.append(_literal_to_pattern(token.children[0]))
    return literals


# --- required words ---------------------------------------------------------------------------


class _Required:
    """Computes the literal words that every match of a rule contains (for a prefilter)."""

    def __init__(self, definitions: dict) -> None:
        self._defs = definitions
        self._memo: dict[str, frozenset[str]] = {}

    def rule(self, name: str) -> frozenset[str]:
        if name not in self._memo:
            definition = self._defs.get(name)
            if definition is None or definition.tree is None or definition.params:
                return frozenset()
            self._memo[name] = frozenset()
            self._memo[name] = (
                self._terminal(name) if definition.is_term else self._node(definition.tree)
            )
        return self._memo[name]

    def _node(self, node: Any) -> frozenset[str]:
        if isinstance(node, (NonTerminal, Terminal)):
            return self.rule(node.name)
        data = str(node.data)
        if data == "expansions":
            sets = [self._node(child) for child in node.children]
            return frozenset.intersection(*sets) if sets else frozenset()
        if data in ("expansion", "alias", "value"):
            parts = node.children[:1] if data == "alias" else node.children
            return frozenset().union(*(self._node(child) for child in parts))
        if data == "expr":
            return self._expr(node)
        if data == "literal":
            return _literal_words(node.children[0])
        return frozenset()

    def _expr(self, node: lark.Tree) -> frozenset[str]:
        atom, op, *counts = node.children
        required = op == "+" or (op == "~" and int(counts[0]) > 0)
        return self._node(atom) if required else frozenset()

    def _terminal(self, name: str) -> frozenset[str]:
        literals = _string_alternatives(self._defs[name].tree)
        if not literals:
            return frozenset()
        return frozenset.intersection(*(_words(p.value) for p in literals))


def _literal_words(token: Token) -> frozenset[str]:
    return _words(_literal_to_pattern(token).value) if token.type == "STRING" else frozenset()


def _words(text: str) -> frozenset[str]:
    return frozenset(word.lower() for word in regex.findall(r"\w+", text))
