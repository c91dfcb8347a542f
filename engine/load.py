"""Load a rule pack: read its YAML files and lexicon files into located declarations.

Input: a folder (every *.yaml / *.yml below it, in sorted order) or one YAML file. Output: a
`PackSource` of lexicon, grammar, macro and rule declarations, each with its file position. No
pattern is parsed here; every structural problem of every file is collected and raised at once.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ErrorCollector, LoadError, Location, RuleError, did_you_mean
from .yaml_reader import YMap, YSeq, YStr, core_value, plain, read_yaml

Locator = Callable[[int], Location]

TOP_KEYS = ("lexicons", "grammars", "macros", "rules", "events")
RULE_KEYS = ("name", "label", "pattern", "fields", "where", "examples", "priority", "overlap",
             "scope",
             "description")
OVERLAP_POLICIES = ("longest", "priority", "all")
SCOPES = ("sentence", "document")
TYPE_NAME = re.compile(r"[A-Z][A-Za-z0-9_]*\Z")
RULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")
MACRO_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9]+")
LEXICON_SUFFIXES = (".txt", ".csv", ".tsv")
MAX_LEXICON_BYTES = 50_000_000


@dataclass(frozen=True)
class EntrySpec:
    """One lexicon entry as written: canonical name, aliases, attributes."""

    name: str
    aliases: tuple[str, ...] = ()
    attrs: dict[str, Any] = field(default_factory=dict)
    loc: Location | None = None


@dataclass(frozen=True)
class LexiconDecl:
    type: str
    entries: tuple[EntrySpec, ...]
    loc: Location


@dataclass(frozen=True)
class GrammarDecl:
    type: str
    path: Path
    loc: Location


@dataclass(frozen=True)
class PatternText:
    """Pattern text with the locator that maps its offsets to file positions."""

    text: str
    locate: Locator
    loc: Location


@dataclass(frozen=True)
class MacroDecl:
    name: str
    pattern: PatternText


@dataclass(frozen=True)
class FieldDecl:
    """An output field: a reference like `count.value` (a string) or a constant."""

    name: str
    value: Any
    is_text: bool
    loc: Location


@dataclass(frozen=True)
class ExampleDecl:
    """A rule example: text, and expected fields (None: expect no match of the rule)."""

    text: str
    expect: dict[str, Any] | None
    loc: Location


@dataclass(frozen=True)
class RuleDecl:
    name: str
    short_name: str
    labels: tuple[str, ...]
    pattern: PatternText
    fields: tuple[FieldDecl, ...]
    examples: tuple[ExampleDecl, ...]
    priority: int
    overlap: str | None
    scope: str
    loc: Location
    description: str | None = None
    where: tuple[tuple[str, Location], ...] = ()


@dataclass(frozen=True)
class EventsDecl:
    """An `events:` section as plain data, with the position of each key."""

    settings: dict[str, Any]
    key_locs: dict[str, Location]


@dataclass(frozen=True)
class PackSource:
    """Everything a pack declares, in file order."""

    root: Path
    files: tuple[Path, ...]
    lexicons: tuple[LexiconDecl, ...]
    grammars: tuple[GrammarDecl, ...]
    macros: tuple[MacroDecl, ...]
    rules: tuple[RuleDecl, ...]
    events: tuple[EventsDecl, ...]
    digest: str
    sources: tuple[Path, ...] = ()


def load_pack(path: str | Path, errors: ErrorCollector | None = None) -> PackSource:
    """Read a pack folder or file; raise RuleErrors listing every problem found.

    Given a collector, problems are added to it instead and what could be read is returned,
    so that a later stage can report its own errors in the same run.
    """
    root = Path(path)
    collector = errors if errors is not None else ErrorCollector()
    files = _pack_files(root, collector)
    reader = _PackReader(root if root.is_dir() else root.parent, collector)
    for file in files:
        reader.read_file(file)
    if errors is None:
        collector.raise_if_any()
    return reader.result(root, files)


def _pack_files(root: Path, errors: ErrorCollector) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.is_dir():
        errors.add(LoadError("E100", f"rule pack not found: {root}", Location(str(root), 1, 1)))
        return []
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        errors.add(LoadError("E100", f"no .yaml rule files in {root}", Location(str(root), 1, 1)))
    return files


class _PackReader:
    """Accumulates declarations across the files of a pack."""

    def __init__(self, base: Path, errors: ErrorCollector):
        self.base = base
        self.errors = errors
        self.hash = hashlib.sha256()
        self.lexicons: list[LexiconDecl] = []
        self.grammars: list[GrammarDecl] = []
        self.macros: list[MacroDecl] = []
        self.rules: list[RuleDecl] = []
        self.events: list[EventsDecl] = []
        self.sources: list[Path] = []
        self._rule_names: dict[str, Location] = {}

    def result(self, root: Path, files: list[Path]) -> PackSource:
        return PackSource(root, tuple(files), tuple(self.lexicons), tuple(self.grammars),
                          tuple(self.macros), tuple(self.rules), tuple(self.events),
                          self.hash.hexdigest(), tuple(self.sources))

    def read_file(self, path: Path) -> None:
        display = display_name(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            text = None
        except OSError as exc:
            self.errors.add(LoadError("E100", f"cannot read {display}: {exc.strerror}",
                                      Location(display, 1, 1)))
            return
        self.hash.update(display.encode() + b"\0" + path.read_bytes())
        self.sources.append(path)
        try:
            doc = read_yaml(path, text, display_name=display)
        except RuleError as err:
            self.errors.add(err)
            return
        self._read_document(doc, path, display)

    def _read_document(self, doc: Any, path: Path, display: str) -> None:
        if doc is None:
            return
        if not isinstance(doc, YMap):
            self._error("E110", "a rule file must be a mapping with sections "
                        + ", ".join(TOP_KEYS), _loc(doc, display))
            return
        for key, value in doc.items():
            self._read_section(str(key), value, doc.key_loc(key), path)

    def _read_section(self, key: str, value: Any, loc: Location, path: Path) -> None:
        readers = {"lexicons": self._read_lexicons, "grammars": self._read_grammars,
                   "macros": self._read_macros, "rules": self._read_rules,
                   "events": self._read_events}
        if key not in readers:
            self._error("E110", f"unknown section {key!r}", loc, did_you_mean(key, TOP_KEYS))
            return
        readers[key](value, loc, path)

    def _error(self, code: str, message: str, loc: Location | None, hint: str | None = None,
               notes: list[str] | None = None) -> None:
        self.errors.add(LoadError(code, message, loc, hint=hint, notes=notes or []))

    def _expect(self, value: Any, kind: type, what: str, loc: Location) -> bool:
        if isinstance(value, kind):
            return True
        names = {YMap: "a mapping", YSeq: "a list", YStr: "a string"}
        found = _describe(value)
        self._error("E111", f"{what} must be {names.get(kind, kind.__name__)}, not {found}",
                    _loc(value, loc.file) if value is not None else loc)
        return False

    # ---- lexicons ----------------------------------------------------------------------
    def _read_lexicons(self, section: Any, loc: Location, path: Path) -> None:
        if not self._expect(section, YMap, "'lexicons'", loc):
            return
        for type_name, body in section.items():
            key_loc = section.key_loc(type_name)
            if self._check_type_name(type_name, key_loc, "lexicon type"):
                entries = self._lexicon_entries(body, key_loc, path)
                self.lexicons.append(LexiconDecl(str(type_name), tuple(entries), key_loc))

    def _check_type_name(self, name: str, loc: Location, what: str) -> bool:
        if TYPE_NAME.match(name):
            return True
        self._error("E112", f"{what} {name!r} must start with a capital letter and use only "
                    "letters, digits and _", loc,
                    hint="type names start with a capital so that {x:TYPE} can tell them "
                    "from words")
        return False

    def _lexicon_entries(self, body: Any, loc: Location, path: Path) -> list[EntrySpec]:
        if isinstance(body, YSeq):
            return [e for item in body if (e := self._entry(item, loc)) is not None]
        if isinstance(body, YMap) and "file" in body:
            return self._lexicon_file(body["file"], path)
        self._error("E113", "a lexicon is a list of terms or entries, or {file: NAME}", loc)
        return []

    def _entry(self, item: Any, loc: Location) -> EntrySpec | None:
        if isinstance(item, YStr):
            return EntrySpec(str(item), (), {}, item.loc)
        if not isinstance(item, YMap) or "name" not in item:
            self._error("E113", "a lexicon entry is a term or a mapping with 'name'",
                        _loc(item, loc.file), _name_key_hint(item))
            return None
        return self._entry_map(item)

    def _entry_map(self, item: YMap) -> EntrySpec | None:
        unknown = [k for k in item if k not in ("name", "aliases", "attrs")]
        for key in unknown:
            self._error("E113", f"unknown key {key!r} in lexicon entry", item.key_loc(key),
                        did_you_mean(key, ("name", "aliases", "attrs")))
        aliases = item.get("aliases", YSeq())
        attrs = item.get("attrs", YMap())
        if not isinstance(aliases, YSeq) or not isinstance(attrs, YMap):
            self._error("E113", "'aliases' must be a list and 'attrs' a mapping", item.loc)
            return None
        values = {str(k): plain(v) for k, v in attrs.items()}
        return EntrySpec(str(item["name"]), tuple(str(a) for a in aliases), values, item.loc)

    def _lexicon_file(self, name: Any, path: Path) -> list[EntrySpec]:
        if not isinstance(name, YStr):
            self._error("E114", "'file' must name a lexicon file", _loc(name, str(path)))
            return []
        file = path.parent / str(name)
        if file.suffix not in LEXICON_SUFFIXES:
            self._error("E114", f"lexicon file {name!r} must be .txt, .csv or .tsv", name.loc)
            return []
        try:
            data = file.read_bytes()
        except OSError as exc:
            self._error("E114", f"cannot read lexicon file {name!r}: {exc.strerror}", name.loc)
            return []
        self.hash.update(str(name).encode() + b"\0" + data)
        self.sources.append(file)
        return self._parse_lexicon_file(data, file, name.loc)

    def _parse_lexicon_file(self, data: bytes, file: Path, decl: Location) -> list[EntrySpec]:
        display = display_name(file)
        if len(data) > MAX_LEXICON_BYTES:
            self._error("E114", f"lexicon file {display} is larger than "
                        f"{MAX_LEXICON_BYTES:,} bytes", decl)
            return []
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self._error("E107", f"lexicon file is not UTF-8 (byte {exc.start})",
                        Location(display, line, 1))
            return []
        if file.suffix == ".txt":
            return list(_txt_entries(text, display))
        return self._table_entries(text, display, "\t" if file.suffix == ".tsv" else ",")

    def _table_entries(self, text: str, display: str, delimiter: str) -> list[EntrySpec]:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1)
                 if line.strip() and not line.lstrip().startswith("#")]
        if not lines:
            return []
        header = [h.strip() for h in _table_row(lines[0][1], delimiter)]
        if "name" not in header:
            self._error("E115", "lexicon table needs a 'name' column",
                        Location(display, lines[0][0], 1, None, lines[0][1]))
            return []
        return [e for n, line in lines[1:]
                if (e := self._table_entry(header, _table_row(line, delimiter),
                                           Location(display, n, 1, None, line)))]

    def _table_entry(self, header: list[str], row: list[str], loc: Location) -> EntrySpec | None:
        if len(row) > len(header):
            self._error("E115", f"row has {len(row)} cells but the header has {len(header)}", loc)
            return None
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        name = cells.pop("name", "")
        if not name:
            self._error("E115", "row has an empty 'name'", loc)
            return None
        aliases = tuple(a.strip() for a in cells.pop("aliases", "").split("|") if a.strip())
        attrs = {k: _table_value(v) for k, v in cells.items() if v != ""}
        return EntrySpec(name, aliases, attrs, loc)

    # ---- grammars and macros -----------------------------------------------------------
    def _read_grammars(self, section: Any, loc: Location, path: Path) -> None:
        if not self._expect(section, YMap, "'grammars'", loc):
            return
        for type_name, file in section.items():
            key_loc = section.key_loc(type_name)
            if not self._check_type_name(type_name, key_loc, "grammar type"):
                continue
            if self._expect(file, YStr, f"grammar {type_name}", key_loc):
                grammar = path.parent / str(file)
                self.grammars.append(GrammarDecl(str(type_name), grammar, file.loc))
                if grammar.is_file():
                    self.sources.append(grammar)

    def _read_macros(self, section: Any, loc: Location, path: Path) -> None:
        if not self._expect(section, YMap, "'macros'", loc):
            return
        for name, body in section.items():
            key_loc = section.key_loc(name)
            if not MACRO_NAME.match(name):
                self._error("E116", f"macro name {name!r} must be letters, digits and _", key_loc)
            elif self._expect(body, YStr, f"macro @{name}", key_loc):
                self.macros.append(MacroDecl(str(name), _pattern_text(body)))

    def _read_events(self, section: Any, loc: Location, path: Path) -> None:
        if self._expect(section, YMap, "'events'", loc):
            settings = {str(k): plain(v) for k, v in section.items()}
            self.events.append(EventsDecl(settings, {str(k): section.key_loc(k) for k in section}))

    # ---- rules -------------------------------------------------------------------------
    def _read_rules(self, section: Any, loc: Location, path: Path) -> None:
        if not self._expect(section, YSeq, "'rules'", loc):
            return
        for item in section:
            if self._expect(item, YMap, "a rule", loc):
                rule = self._rule(item, path)
                if rule is not None:
                    self.rules.append(rule)

    def _rule(self, item: YMap, path: Path) -> RuleDecl | None:
        for key in item:
            if key not in RULE_KEYS:
                self._error("E117", f"unknown rule key {key!r}", item.key_loc(key),
                            did_you_mean(key, RULE_KEYS))
        name = self._rule_name(item, path)
        pattern = item.get("pattern")
        if name is not None and "pattern" not in item:
            self._error("E111", f"rule {name} has no 'pattern'", item.key_loc("name"))
            return None
        if pattern is not None and not self._expect(pattern, YStr, f"pattern of rule {name}",
                                                    item.loc):
            return None
        rule = self._rule_decl(item, name or "?", pattern)  # checked even when the name is bad
        return rule if name is not None and pattern is not None else None

    def _rule_decl(self, item: YMap, name: str, pattern: YStr | None) -> RuleDecl:
        return RuleDecl(
            name=name, short_name=str(item.get("name", "?")), labels=self._labels(item),
            pattern=_pattern_text(pattern) if pattern is not None else None,
            fields=tuple(self._fields(item)), examples=tuple(self._examples(item)),
            priority=self._priority(item),
            overlap=self._choice(item, "overlap", OVERLAP_POLICIES, None),
            scope=self._choice(item, "scope", SCOPES, "sentence"),
            loc=item.key_loc("name") if "name" in item else item.loc,
            description=str(item["description"]) if "description" in item else None,
            where=tuple(self._where(item)))

    def _where(self, item: YMap) -> Iterator[tuple[str, Location]]:
        """`where:` conditions on a rule's captures: one string or a list of strings."""
        where = item.get("where")
        if where is None:
            return
        for condition in (where if isinstance(where, YSeq) else [where]):
            if self._expect(condition, YStr, "a where condition", item.loc):
                yield str(condition), condition.loc

    def _rule_name(self, item: YMap, path: Path) -> str | None:
        name = item.get("name")
        if not isinstance(name, YStr) or not RULE_NAME.match(name):
            self._error("E118", "a rule needs a 'name' of letters, digits, _ and -",
                        _loc(name, str(path)) if name is not None else item.loc)
            return None
        qualified = f"{_qualifier(path, self.base)}.{name}"
        if qualified in self._rule_names:
            first = self._rule_names[qualified]
            self._error("E119", f"duplicate rule name {qualified!r}", name.loc,
                        notes=[f"first defined at {first}"])
            return None
        self._rule_names[qualified] = name.loc
        return qualified

    def _labels(self, item: YMap) -> tuple[str, ...]:
        label = item.get("label")
        if label is None:
            return ()
        values = list(label) if isinstance(label, YSeq) else [label]
        good = []
        for value in values:
            if isinstance(value, YStr) and self._check_type_name(value, value.loc, "label"):
                good.append(str(value))
            elif not isinstance(value, YStr):
                self._error("E112", "a label is a name or a list of names", _loc(value, ""))
        return tuple(good)

    def _priority(self, item: YMap) -> int:
        value = item.get("priority")
        if value is None:
            return 0
        typed = value.typed() if isinstance(value, YStr) else None
        if isinstance(typed, int) and not isinstance(typed, bool):
            return typed
        self._error("E120", "priority must be an integer", _loc(value, ""))
        return 0

    def _choice(self, item: YMap, key: str, choices: tuple[str, ...], default: str | None):
        value = item.get(key)
        if value is None:
            return default
        if isinstance(value, YStr) and value in choices:
            return str(value)
        self._error("E121", f"{key} must be one of {', '.join(choices)}", _loc(value, ""),
                    _choice_hint(value, choices))
        return default

    def _fields(self, item: YMap) -> Iterator[FieldDecl]:
        fields = item.get("fields")
        if fields is None or not self._expect(fields, YMap, "'fields'", item.loc):
            return
        for name, value in fields.items():
            if isinstance(value, YStr):
                yield FieldDecl(str(name), value.typed(), value.style is None, value.loc)
            elif isinstance(value, (YMap, YSeq)):
                yield FieldDecl(str(name), plain(value), False, fields.key_loc(name))

    def _examples(self, item: YMap) -> Iterator[ExampleDecl]:
        examples = item.get("examples")
        if examples is None or not self._expect(examples, YSeq, "'examples'", item.loc):
            return
        for example in examples:
            if isinstance(example, YStr):
                yield ExampleDecl(str(example), {}, example.loc)
            elif self._expect(example, YMap, "an example", item.loc) and self._example_ok(example):
                yield ExampleDecl(str(example["text"]), self._expectation(example), example.loc)

    def _example_ok(self, example: YMap) -> bool:
        for key in example:
            if key not in ("text", "expect"):
                self._error("E122", f"unknown example key {key!r}", example.key_loc(key),
                            did_you_mean(key, ("text", "expect")))
        if isinstance(example.get("text"), YStr):
            return True
        self._error("E122", "an example needs a 'text'", example.loc)
        return False

    def _expectation(self, example: YMap) -> dict[str, Any] | None:
        expect = example.get("expect")
        if expect is None:
            return {}
        if isinstance(expect, YStr) and expect.typed() in (None, "none", "None", False):
            return None
        if isinstance(expect, YMap):
            return {str(k): plain(v) for k, v in expect.items()}
        self._error("E122", "expect must be a mapping of fields, or none", _loc(expect, ""))
        return {}


def _name_key_hint(item: Any) -> str | None:
    """For an entry mapping without 'name': did-you-mean for a key that looks like it."""
    keys = [str(k) for k in item] if isinstance(item, YMap) else []
    return next((h for k in keys if (h := did_you_mean(k, ("name",)))), None)


def _choice_hint(value: Any, choices: tuple[str, ...]) -> str | None:
    """Did-you-mean for a misspelt choice, also when it is a prefix ('doc' -> 'document')."""
    if not isinstance(value, YStr) or not value:
        return None
    starts = [c for c in choices if c.startswith(value.lower())]
    return did_you_mean(str(value), choices) or (f"did you mean {starts[0]!r}?" if starts else None)


def _pattern_text(value: YStr) -> PatternText:
    return PatternText(str(value), value.location_at, value.loc)


def _txt_entries(text: str, display: str) -> Iterator[EntrySpec]:
    for number, line in enumerate(text.splitlines(), 1):
        term = line.strip()
        if term and not term.startswith("#"):
            yield EntrySpec(term, (), {}, Location(display, number, 1, None, line))


def _table_row(line: str, delimiter: str) -> list[str]:
    """The cells of one table line: CSV with quoting, TSV split on tabs (quotes are text)."""
    if delimiter == "\t":
        return line.split("\t")
    return next(csv.reader([line]), [])


def _table_value(cell: str) -> Any:
    """A table cell as a number when it is a plain decimal one, else as text (never a bool).

    Codes with leading zeros ("01") and hexadecimal or octal forms stay text.
    """
    if not DECIMAL.fullmatch(cell):
        return cell
    value = core_value(cell)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else cell


def _qualifier(path: Path, base: Path) -> str:
    try:
        rel = path.relative_to(base)
    except ValueError:
        rel = Path(path.name)
    return ".".join(rel.with_suffix("").parts)


def display_name(path: Path) -> str:
    """How a pack file is named in messages: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _loc(node: Any, file: str) -> Location | None:
    loc = getattr(node, "loc", None)
    return loc if loc is not None else (Location(file, 1, 1) if file else None)


def _describe(value: Any) -> str:
    if isinstance(value, YMap):
        return "a mapping"
    if isinstance(value, YSeq):
        return "a list"
    if value is None:
        return "nothing"
    return f"the value {str(value)!r}"
