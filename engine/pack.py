"""The library API: load a pack once, then extract matches and events from texts.

    import engine
    pack = engine.load()                      # the shipped pack; or engine.load("my/rules")
    for match in pack.extract("About 160 militants were killed in Deir Ezzor."):
        print(match.to_dict())
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .cache import cached
from .compile import CompiledPack, CompiledRule, compile_pack
from .document import Document
from .errors import ErrorCollector, InputError
from .load import load_pack
from .match import DEFAULT_TIMEOUT, DocumentRun
from .model import DocResult, Event, Match
from .resources import default_pack_path
from .workers import run_parallel

DocInput = str | tuple | Document


class Pack:
    """A compiled rule pack, ready to run over any number of texts."""

    def __init__(self, compiled: CompiledPack, path: Path | None = None,
                 timeout: float = DEFAULT_TIMEOUT):
        self.compiled = compiled
        self.path = path
        self.timeout = timeout

    @property
    def rules(self) -> list[CompiledRule]:
        return self.compiled.rules

    def rule(self, name: str) -> CompiledRule:
        """A rule by qualified (file.name) or unique short name; KeyError with a hint if none."""
        return self.compiled.rule(name)

    def run(self, text: str, doc_id: str | None = None, exhaustive: bool = False
            ) -> DocumentRun:
        """Run the pack over one text and return the run (matches, tokens, spans).

        `exhaustive=True` turns the prefilter off: typed spans are looked up in every sentence
        and every rule is tried everywhere (for explaining and for testing the prefilter);
        the matches are the same, only slower.
        """
        document_run = DocumentRun(self.compiled, text, doc_id, self.timeout, exhaustive)
        document_run.run()
        return document_run

    def extract(self, text: str, doc_id: str | None = None) -> list[Match]:
        """All matches in one text, in document order; MatchTimeout if a rule runs too long."""
        return self.run(text, doc_id).matches

    def events(self, text: str, doc_id: str | None = None, date: str | None = None
               ) -> list[Event]:
        """Event records assembled from the matches of one text."""
        from .events import assemble_events

        document_run = self.run(text, doc_id)
        return assemble_events(self.compiled, document_run, date=date)

    def process(self, document: Document, with_events: bool = False,
                date: str | None = None) -> DocResult:
        """One document in, one result or one error record out; never raises for the input."""
        try:
            if with_events:
                from .events import assemble_events

                document_run = self.run(document.text, document.id)
                events = assemble_events(self.compiled, document_run, date=date)
                matches = document_run.matches
            else:
                matches, events = self.extract(document.text, document.id), []
        except InputError as exc:
            return DocResult(document.id, document.text, [], error=exc.message,
                             warnings=document.warnings)
        except RecursionError:
            return DocResult(document.id, document.text, [], error="document too deeply nested",
                             warnings=document.warnings)
        except Exception as exc:  # an engine bug on one document must not stop a corpus run
            return DocResult(document.id, document.text, [], warnings=document.warnings,
                             error=f"internal error: {type(exc).__name__}: {exc}")
        return DocResult(document.id, document.text, matches, events, warnings=document.warnings)

    def extract_many(self, documents: Iterable[DocInput], jobs: int = 1,
                     with_events: bool = False, dates: dict[str, str | None] | None = None
                     ) -> Iterator[DocResult]:
        """Results in input order, streaming; `jobs` > 1 spreads documents over processes.

        `dates` maps document ids to document dates, used for events' relative days.
        """
        dates = dates or {}
        work = ((doc, dates.get(doc.id)) for doc in
                (as_document(d, n) for n, d in enumerate(documents)))
        if jobs <= 1:
            for document, date in work:
                yield self.process(document, with_events, date)
            return
        yield from run_parallel(self, work, jobs, with_events)


def as_document(item: DocInput, number: int = 0) -> Document:
    """A Document from a text, an (id, text) pair or a Document."""
    if isinstance(item, Document):
        return item
    if isinstance(item, str):
        return Document(str(number), item)
    doc_id, text = item
    return Document(None if doc_id is None else str(doc_id), text)


def load(path: str | Path | None = None, *, timeout: float = DEFAULT_TIMEOUT,
         cache: bool = True) -> Pack:
    """Load and compile a pack (a folder or a YAML file); None loads the shipped pack.

    An unchanged pack is loaded from the on-disk cache (see `engine.cache`) unless `cache` is
    False; errors are never cached, so a broken pack is reported in full every time.
    """
    pack_path = Path(path) if path is not None else default_pack_path()
    if not cache:
        return Pack(_compile_with_sources(pack_path)[0], pack_path, timeout)
    return Pack(cached(pack_path, lambda: _compile_with_sources(pack_path)), pack_path, timeout)


def _compile_with_sources(pack_path: Path) -> tuple[CompiledPack, tuple[Path, ...]]:
    """Load and compile, reporting the errors of both stages together."""
    load_errors = ErrorCollector()
    source = load_pack(pack_path, load_errors)
    return compile_pack(source, load_errors.errors), source.sources


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
