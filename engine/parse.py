"""Parse pattern text into the typed AST of `engine.ast`, with located, labelled syntax errors.

The pattern language's grammar is `grammar/pattern.lark` (LALR). Errors name the offset in the
pattern; a `Locator` turns that offset into a file position (for patterns inside YAML files).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable

import lark
import regex
from lark import Lark, Token, Transformer, v_args

from . import ast
from .errors import Location, PatternSyntaxError
from .resources import grammar_path

Locator = Callable[[int], Location]
REGEX_FLAGS = {"i": regex.IGNORECASE, "m": regex.MULTILINE, "s": regex.DOTALL, "x": regex.VERBOSE}

_UNCLOSED_PARENTHESIS = "unclosed parenthesis"
_UNCLOSED_CAPTURE = "unclosed capture: expected '}'"
_OPENERS = frozenset({"LPAR", "LBRACE", "LOOKAHEAD", "NLOOKAHEAD", "LOOKBEHIND", "NLOOKBEHIND"})


# Labelled bad snippets: lark's match_examples names a parse error by the closest example.
SYNTAX_EXAMPLES: dict[str, list[str]] = {
    _UNCLOSED_PARENTHESIS: ["(a b", "a (b | c", "((a)", "a (?= b", "(a | (b)", "{x:(a}"],
    "unexpected closing parenthesis": ["a )", "a b) c", ")"],
    _UNCLOSED_CAPTURE: ["{x:NUMBER", "{x:a b", "{NUMBER", "a {x:(b)"],
    "capture needs a name and a type or pattern, as {name:TYPE} or {TYPE}": [
        "{}", "{:NUMBER}", "{x y}"],
    "quantifier with nothing to repeat": ["?", "* a", "+", "a | ?", "( * )", "{2,3}", "a+*",
                                          "a???", "a*+"],
    "'!' must be followed by a token or group": ["!", "a !", "! | b"],
    "unexpected '}'": ["a }", "}"],
}


class Parser:
    """Parses pattern strings; one instance holds the compiled LALR parser."""

    def __init__(self) -> None:
        self._lark = _pattern_lark()
        self._to_ast = _ToAst("", default_locator(""))
        self._building = _ast_building_lark(self._to_ast)

    def parse(self, text: str, locate: Locator | None = None) -> ast.Node:
        """Parse one pattern; raise PatternSyntaxError located through `locate`.

        The AST is built while parsing (Lark calls the transformer on each reduction), which
        skips building and walking a parse tree; syntax errors are then named with the
        tree-building parser, which `match_examples` needs.
        """
        locate = locate or default_locator(text)
        self._to_ast.reset(text, locate)
        try:
            return self._building.parse(text)
        except lark.exceptions.UnexpectedInput:
            pass
        except lark.exceptions.VisitError as exc:
            if isinstance(exc.orig_exc, PatternSyntaxError):
                raise exc.orig_exc from None
            raise
        try:  # the error again, from the parser whose states the labelled examples know
            self._lark.parse(text)
        except lark.exceptions.UnexpectedInput as exc:
            raise self._syntax_error(text, exc, locate) from None
        raise AssertionError("the two pattern parsers disagree")  # pragma: no cover

    def _syntax_error(self, text: str, exc: lark.exceptions.UnexpectedInput,
                      locate: Locator) -> PatternSyntaxError:
        offset = _error_offset(text, exc)
        if isinstance(exc, lark.exceptions.UnexpectedCharacters):
            return pattern_error("E202", _describe_char(text, offset), offset, locate,
                                 hint=_syntax_hint(text, exc))
        label = self._unclosed_label(text, exc) or exc.match_examples(
            self._lark.parse, SYNTAX_EXAMPLES, use_accepts=True)
        message = label or _describe_unexpected(text, exc, offset)
        code = "E201" if label else "E202"
        return pattern_error(code, message, offset, locate, hint=_syntax_hint(text, exc))

    def _unclosed_label(self, text: str, exc: lark.exceptions.UnexpectedInput) -> str | None:
        """At the end of the pattern, name the innermost bracket left open, if any."""
        if getattr(getattr(exc, "token", None), "type", "$END") != "$END":
            return None
        open_kinds: list[str] = []
        for tok in self._lark.lex(text):
            if tok.type in _OPENERS:
                open_kinds.append(tok.type)
            elif tok.type in ("RPAR", "RBRACE") and open_kinds:
                open_kinds.pop()
        if not open_kinds:
            return None
        return _UNCLOSED_CAPTURE if open_kinds[-1] == "LBRACE" else _UNCLOSED_PARENTHESIS


@functools.lru_cache(maxsize=1)
def _pattern_lark() -> Lark:
    source = grammar_path("pattern.lark").read_text(encoding="utf-8")
    return Lark(source, parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=False)


def _ast_building_lark(transformer: Transformer) -> Lark:
    source = grammar_path("pattern.lark").read_text(encoding="utf-8")
    return Lark(source, parser="lalr", lexer="contextual", maybe_placeholders=False,
                transformer=transformer)


@functools.lru_cache(maxsize=1)
def default_parser() -> Parser:
    """A shared parser (the LALR tables are built once per process)."""
    return Parser()


def parse_pattern(text: str, locate: Locator | None = None) -> ast.Node:
    """Parse one pattern with the shared parser."""
    return default_parser().parse(text, locate)


def default_locator(text: str, file: str = "<pattern>") -> Locator:
    """A locator for a pattern that stands alone: line 1, column offset+1."""

    def locate(offset: int) -> Location:
        line_start = text.rfind("\n", 0, offset) + 1
        line_no = text.count("\n", 0, offset) + 1
        line_end = text.find("\n", offset)
        source_line = text[line_start: None if line_end < 0 else line_end]
        return Location(file, line_no, offset - line_start + 1, None, source_line)

    return locate


def pattern_error(code: str, message: str, offset: int, locate: Locator,
                  hint: str | None = None, end: int | None = None) -> PatternSyntaxError:
    """A PatternSyntaxError at `offset` of the pattern."""
    loc = locate(offset)
    if end is not None and end > offset:
        end_loc = locate(end)
        if end_loc.line == loc.line:
            loc = Location(loc.file, loc.line, loc.column, end_loc.column, loc.source_line)
    return PatternSyntaxError(code, message, loc, hint=hint)


def _error_offset(text: str, exc: lark.exceptions.UnexpectedInput) -> int:
    token = getattr(exc, "token", None)
    if isinstance(exc, lark.exceptions.UnexpectedEOF) or getattr(token, "type", "") == "$END":
        return len(text.rstrip()) if text.strip() else 0
    pos = getattr(exc, "pos_in_stream", None)
    if pos is None and getattr(exc, "token", None) is not None:
        pos = exc.token.start_pos
    return min(pos or 0, len(text))


def _describe_char(text: str, offset: int) -> str:
    char = text[offset] if offset < len(text) else ""
    if char == '"':
        return "unterminated quoted phrase"
    if char == "/":
        return "unterminated regular expression: expected a closing '/'"
    if char in "[]":
        return (f"unexpected {char!r}: brackets hold type filters such as {{p:PLACE[kind=city]}}; "
                f"write \"{char}\" to match a bracket")
    if char == "\\":
        return "a backslash is only allowed inside a quoted phrase or a /regex/"
    return f"unexpected character {char!r}"


def _describe_unexpected(text: str, exc: lark.exceptions.UnexpectedInput, offset: int) -> str:
    if offset >= len(text.rstrip()):
        return "pattern ends too early"
    if text[offset] in "[]":
        return _describe_char(text, offset)
    return f"unexpected {text[offset]!r}"


def _syntax_hint(text: str, exc: lark.exceptions.UnexpectedInput) -> str | None:
    if text.count('"') % 2:
        return 'unbalanced double quote: a quoted phrase needs its closing "'
    if text.count("(") != text.count(")"):
        return "parentheses are unbalanced"
    if text.count("{") != text.count("}"):
        return "braces are unbalanced"
    expected = getattr(exc, "expected", None) or getattr(exc, "allowed", None)
    if expected and len(expected) <= 4:
        names = ", ".join(sorted(_TERMINAL_NAMES.get(e, e) for e in expected))
        return f"expected {names}"
    return None


_TERMINAL_NAMES = {
    "RPAR": "')'", "RBRACE": "'}'", "COLON": "':'", "LPAR": "'('", "WORD": "a word",
    "$END": "end of pattern",
}


@v_args(inline=True)
class _ToAst(Transformer):
    """Turns the Lark parse tree into AST nodes, checking what the grammar cannot."""

    def __init__(self, text: str, locate: Locator):
        super().__init__()
        self.reset(text, locate)

    def reset(self, text: str, locate: Locator) -> None:
        """Point the transformer at the next pattern (it is reused across parses)."""
        self._text = text
        self._locate = locate

    def _fail(self, code: str, message: str, start: int, end: int | None = None,
              hint: str | None = None):
        raise pattern_error(code, message, start, self._locate, hint=hint, end=end)

    def start(self, node):
        if isinstance(node, ast.Seq) and not node.items:
            self._fail("E203", "empty pattern", 0, hint="a rule's pattern needs at least one token")
        return node

    def alt(self, *seqs):
        for seq in seqs:
            if isinstance(seq, ast.Seq) and not seq.items and len(seqs) > 1:
                self._fail("E204", "empty alternative", _span_start(self._text, seqs, seq),
                           hint="use '?' to make something optional")
        if len(seqs) == 1:
            return seqs[0]
        return ast.Alt(tuple(seqs), _cover(seqs))

    def seq(self, *items):
        if len(items) == 1:
            return items[0]
        return ast.Seq(tuple(items), _cover(items))

    def quantified(self, atom, quant=None):
        if quant is None:
            return atom
        low, high, lazy, end, kind = quant
        if isinstance(atom, ast.Skip) and kind == "COUNT" and not lazy:
            return ast.Skip(low, high, (atom.span[0], end))
        if isinstance(atom, (ast.Skip, ast.Anchor, ast.Look)):
            self._fail("E205", f"cannot repeat {ast.to_source(atom)!r}", atom.span[0], end)
        return ast.Repeat(atom, low, high, lazy, (atom.span[0], end))

    def quant(self, kind: Token, lazy: Token | None = None):
        low, high = self._bounds(kind)
        end = (lazy or kind).end_pos
        return low, high, lazy is not None, end, kind.type

    def _bounds(self, tok: Token) -> tuple[int, int | None]:
        if tok.type != "COUNT":
            return {"OPT": (0, 1), "STAR": (0, None), "PLUS": (1, None)}[tok.type]
        return self._count_bounds(tok, allow_zero_high=False)

    def _count_bounds(self, tok: Token, allow_zero_high: bool) -> tuple[int, int | None]:
        inner = tok.value.strip("{} \t")
        low_text, _, high_text = inner.partition(",")
        if "," not in inner:
            if not low_text.strip():
                self._fail("E206", "empty repeat count", tok.start_pos, tok.end_pos)
            n = int(low_text)
            if n == 0:
                self._fail("E206", "repeat count {0} matches nothing", tok.start_pos, tok.end_pos)
            return n, n
        low = int(low_text) if low_text.strip() else 0
        high = int(high_text) if high_text.strip() else None
        if high is not None and high < low:
            self._fail("E206", f"repeat count {{{low},{high}}}: maximum is below minimum",
                       tok.start_pos, tok.end_pos)
        if high == 0 and not allow_zero_high:
            self._fail("E206", "repeat count with maximum 0 matches nothing",
                       tok.start_pos, tok.end_pos)
        return low, high

    def negated(self, bang: Token, item):
        return ast.Not(item, (bang.start_pos, item.span[1]))

    def word(self, tok: Token):
        return ast.Word(tok.value, _tok_span(tok))

    def phrase(self, tok: Token):
        raw = tok.value[1:-1]
        text = _unescape(raw)
        if not text.strip():
            self._fail("E207", "empty quoted phrase", tok.start_pos, tok.end_pos)
        return ast.Phrase(text, _tok_span(tok))

    def regex_token(self, tok: Token):
        body, _, flags = tok.value[1:].rpartition("/")
        _check_regex(body, flags, tok, self._fail)
        return ast.RegexToken(body, flags, _tok_span(tok))

    def inflect(self, tok: Token):
        return ast.Inflect(tok.value[:-1], _tok_span(tok))

    def macro(self, tok: Token):
        return ast.MacroRef(tok.value[1:], _tok_span(tok))

    def any_token(self, tok: Token):
        return ast.AnyToken(_tok_span(tok))

    def skip(self, tok: Token):
        return ast.Skip(0, None, _tok_span(tok))

    def sentence_start(self, tok: Token):
        return ast.Anchor(ast.AnchorKind.SENTENCE_START, _tok_span(tok))

    def sentence_end(self, tok: Token):
        return ast.Anchor(ast.AnchorKind.SENTENCE_END, _tok_span(tok))

    def group(self, lpar: Token, body, rpar: Token):
        self._check_not_empty(body, "empty group '()'", lpar, rpar)
        return ast.Group(body, (lpar.start_pos, rpar.end_pos))

    def _look(self, kind: ast.LookKind, opener: Token, body, closer: Token):
        self._check_not_empty(body, f"empty lookaround '{kind.value})'", opener, closer)
        return ast.Look(kind, body, (opener.start_pos, closer.end_pos))

    def _check_not_empty(self, body, message: str, opener: Token, closer: Token) -> None:
        if isinstance(body, ast.Seq) and not body.items:
            self._fail("E204", message, opener.start_pos, closer.end_pos,
                       hint="put at least one token inside, or remove it")

    def lookahead(self, opener, body, closer):
        return self._look(ast.LookKind.AHEAD, opener, body, closer)

    def neg_lookahead(self, opener, body, closer):
        return self._look(ast.LookKind.NOT_AHEAD, opener, body, closer)

    def lookbehind(self, opener, body, closer):
        return self._look(ast.LookKind.BEHIND, opener, body, closer)

    def neg_lookbehind(self, opener, body, closer):
        return self._look(ast.LookKind.NOT_BEHIND, opener, body, closer)

    def named_capture(self, lbrace: Token, name: Token, colon: Token, body, rbrace: Token):
        span = (lbrace.start_pos, rbrace.end_pos)
        self._check_capture_name(name)
        if isinstance(body, ast.Seq) and not body.items:
            self._fail("E208", f"capture {{{name.value}:}} has nothing after ':'",
                       lbrace.start_pos, rbrace.end_pos,
                       hint=f"write {{{name.value}:TYPE}} or {{{name.value}:sub pattern}}")
        if isinstance(body, ast.Word) and _is_type_name(body.text):
            return ast.Capture(name.value, body.text, None, span, body.span)
        return ast.Capture(name.value, None, body, span)

    def filtered_capture(self, lbrace: Token, name: Token, colon: Token, type_name: Token,
                         conditions: tuple, rbrace: Token):
        self._check_capture_name(name)
        self._check_type_name(type_name, lbrace, rbrace)
        return ast.Capture(name.value, type_name.value, None, (lbrace.start_pos, rbrace.end_pos),
                           _tok_span(type_name), conditions)

    def filtered_requirement(self, lbrace: Token, type_name: Token, conditions: tuple,
                             rbrace: Token):
        self._check_type_name(type_name, lbrace, rbrace)
        return ast.Capture(None, type_name.value, None, (lbrace.start_pos, rbrace.end_pos),
                           _tok_span(type_name), conditions)

    def _check_type_name(self, type_name: Token, lbrace: Token, rbrace: Token) -> None:
        if not _is_type_name(type_name.value):
            self._fail("E208", f"only a type can be filtered, and {type_name.value!r} is not one",
                       type_name.start_pos, type_name.end_pos,
                       hint="type names start with a capital letter: {p:PLACE[kind=city]}")

    def filter(self, lsqb: Token, *conditions):
        return tuple(c for c in conditions if isinstance(c, ast.Condition))

    def condition(self, attr: Token, op: Token, *values):
        texts = tuple(_filter_value(v) for v in values)
        span = (attr.start_pos, values[-1].end_pos)
        if op.value in ast.COMPARISONS:
            if len(texts) != 1 or ast._as_number(texts[0]) is None:
                self._fail("E210", f"{attr.value}{op.value} needs one number", *span,
                           hint=f"for example {attr.value}{op.value}100")
            return ast.Condition(attr.value, texts, False, span, op.value)
        return ast.Condition(attr.value, texts, op.type == "NOTEQUALS", span)

    def type_requirement(self, lbrace: Token, name: Token, rbrace: Token):
        span = (lbrace.start_pos, rbrace.end_pos)
        if not _is_type_name(name.value):
            self._fail("E208", f"{{{name.value}}} is neither a type nor a named capture",
                       lbrace.start_pos, rbrace.end_pos,
                       hint=f"write {{{name.value}:...}} to capture, or a type name, which "
                       "starts with a capital letter")
        return ast.Capture(None, name.value, None, span, _tok_span(name))

    def _check_capture_name(self, name: Token) -> None:
        if not (name.value[0].isalpha() or name.value[0] == "_"):
            self._fail("E208", f"capture name {name.value!r} must start with a letter",
                       name.start_pos, name.end_pos)


def _filter_value(tok: Token) -> str:
    return _unescape(tok.value[1:-1]) if tok.type == "PHRASE" else tok.value


def _tok_span(tok: Token) -> ast.Span:
    return (tok.start_pos, tok.end_pos)


def _cover(nodes) -> ast.Span:
    spans = [n.span for n in nodes if n.span != ast.NO_SPAN]
    if not spans:
        return ast.NO_SPAN
    return (min(s[0] for s in spans), max(s[1] for s in spans))


def _span_start(text: str, seqs, seq) -> int:
    """Offset of the '|' next to an empty alternative (the one after the last non-empty one)."""
    index = list(seqs).index(seq)
    before = [s.span[1] for s in seqs[:index] if s.span != ast.NO_SPAN]
    return max(text.find("|", before[-1] if before else 0), 0)


def _is_type_name(text: str) -> bool:
    return text[:1].isupper()


def _unescape(raw: str) -> str:
    out, i = [], 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw):
            i += 1
        out.append(raw[i])
        i += 1
    return "".join(out)


def _check_regex(body: str, flags: str, tok: Token, fail) -> None:
    flags_at = tok.start_pos + len(body) + 2
    for i, flag in enumerate(flags):
        if flag not in REGEX_FLAGS:
            fail("E209", f"unknown regular expression flag {flag!r}", flags_at + i,
                 hint="flags are i, m, s and x; put a space after the closing '/' to start "
                 "the next token")
    bits = functools.reduce(operator.or_, (REGEX_FLAGS[f] for f in flags), 0)
    try:
        regex.compile(body, bits)  # `\/` is a valid escape, so offsets match the pattern text
    except regex.error as exc:
        pos = tok.start_pos + 1 + (exc.pos or 0)
        fail("E209", f"bad regular expression: {exc.msg}", pos, hint="the regex module's syntax")
