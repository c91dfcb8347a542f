"""Errors of every stage, rooted at `RulecraftError`; locations are attributes, text is formatting.

A `RuleError` is something wrong in a rule pack: it names file, line and column (1-based), carries
a stable code (E1xx load, E2xx parse, E3xx compile, E4xx run) and a hint, and formats itself in a
one-line form (`str(err)`) and a full form with the source line and a caret (`err.render()`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field


class RulecraftError(Exception):
    """Root of every error Rulecraft raises on purpose."""


@dataclass(frozen=True)
class Location:
    """A place in a source file; line and column are 1-based, `end_column` exclusive."""

    file: str
    line: int
    column: int
    end_column: int | None = None
    source_line: str | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class RuleError(RulecraftError):
    """One problem in a rule pack, located in its source file."""

    code: str
    message: str
    location: Location | None = None
    hint: str | None = None
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.one_line())

    @property
    def file(self) -> str | None:
        return self.location.file if self.location else None

    @property
    def line(self) -> int | None:
        return self.location.line if self.location else None

    @property
    def column(self) -> int | None:
        return self.location.column if self.location else None

    def one_line(self) -> str:
        where = f"{self.location}: " if self.location else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.code} {self.message}{hint}"

    def __str__(self) -> str:
        return self.one_line()

    def render(self) -> str:
        """The full form: one-line summary, then the source line with a caret under the place."""
        lines = [self.one_line()]
        loc = self.location
        if loc and loc.source_line is not None:
            text = loc.source_line.rstrip("\n")
            width = max(1, (loc.end_column or loc.column + 1) - loc.column)
            lines.append(f"  {loc.line:>4} | {text}")
            lines.append("       | " + " " * (loc.column - 1) + "^" * width)
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict:
        loc = self.location
        return {
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
        }


class LoadError(RuleError):
    """A rule file that cannot be read as YAML, or whose structure is wrong (E1xx)."""


class PatternSyntaxError(RuleError):
    """A pattern that does not parse (E2xx)."""


class CompileError(RuleError):
    """A pattern or pack that parses but cannot be compiled (E3xx)."""


class RuleErrors(RulecraftError):
    """Several rule errors found at once; `check` reports them all."""

    def __init__(self, errors: Iterable[RuleError]):
        self.errors = sorted(errors, key=_error_order)
        count = len(self.errors)
        head = "\n".join(str(e) for e in self.errors[:20])
        more = f"\n... and {count - 20} more" if count > 20 else ""
        super().__init__(f"{count} error(s) in rule pack:\n{head}{more}")

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors)


def _error_order(err: RuleError) -> tuple:
    loc = err.location
    return (loc.file, loc.line, loc.column) if loc else ("", 0, 0)


class InputError(RulecraftError):
    """A document that could not be read or processed; the run goes on with the next one."""

    def __init__(self, doc: str | None, message: str):
        self.doc = doc
        self.message = message
        super().__init__(f"{doc}: {message}" if doc else message)


class MatchTimeout(InputError):
    """A rule ran past its time bound on one document."""


class ErrorCollector:
    """Gathers rule errors during a stage so that all of them are reported at once."""

    def __init__(self) -> None:
        self.errors: list[RuleError] = []

    def add(self, error: RuleError) -> None:
        self.errors.append(error)

    def raise_if_any(self) -> None:
        if self.errors:
            raise RuleErrors(self.errors)


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """A hint naming the closest known name, or None when nothing is close."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    if not close:
        lowered = {k.lower(): k for k in known}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return f"did you mean {close[0]!r}?" if close else None
