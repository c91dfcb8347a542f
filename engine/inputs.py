"""Turn command-line inputs into a stream of documents: files, folders, globs, stdin, corpora.

A `.csv`, `.tsv` or `.jsonl` input is a corpus: one document per row, its text in
`text_column` (default "text") and its id in `id_column` (default: "id" if present, else the row
number). Any other file is one document. Problems with one input (unreadable, binary, a bad row)
become `InputProblem` items in the stream, so the run reports them and goes on.
"""

from __future__ import annotations

import csv
import glob
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .document import Document, decode_bytes
from .errors import InputError

CORPUS_SUFFIXES = (".csv", ".tsv", ".jsonl")
SKIPPED_DIRS = {".git", "__pycache__", ".hg", ".svn"}


@dataclass(frozen=True)
class InputOptions:
    text_column: str | None = None
    id_column: str | None = None
    max_bytes: int = 50_000_000


@dataclass(frozen=True)
class InputProblem:
    """An input that yields no document: its name and why."""

    name: str
    message: str


def iter_documents(inputs: list[str], options: InputOptions, stdin: BinaryIO | None = None
                   ) -> Iterator[Document | InputProblem]:
    """Documents from every input in order; folders recursively, globs expanded."""
    for item in inputs:
        if item == "-":
            yield from _from_stream(stdin or sys.stdin.buffer, "<stdin>", options)
            continue
        paths = _expand(item)
        if not paths:
            yield InputProblem(item, "no such file, folder or glob match")
        for path in paths:
            yield from _from_path(path, options)


def _expand(item: str) -> list[Path]:
    path = Path(item)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
    if path.exists():
        return [path]
    if any(ch in item for ch in "*?["):
        return [Path(p) for p in sorted(glob.glob(item, recursive=True)) if Path(p).is_file()]
    return []


def _hidden(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return any(part in SKIPPED_DIRS or part.startswith(".") for part in parts)


def _from_path(path: Path, options: InputOptions) -> Iterator[Document | InputProblem]:
    name = str(path)
    try:
        size = path.stat().st_size
        if path.suffix.lower() in CORPUS_SUFFIXES:
            with path.open("rb") as stream:
                yield from _corpus(stream, name, path.suffix.lower(), options)
            return
        if size > options.max_bytes:
            yield InputProblem(name, f"file is {size:,} bytes, over the limit of "
                               f"{options.max_bytes:,}; skipped")
            return
        yield decode_bytes(path.read_bytes(), name, max_bytes=options.max_bytes)
    except InputError as exc:
        yield InputProblem(name, exc.message)
    except OSError as exc:
        yield InputProblem(name, f"cannot read: {exc.strerror or exc}")


def _from_stream(stream: BinaryIO, name: str, options: InputOptions
                 ) -> Iterator[Document | InputProblem]:
    if options.text_column:
        yield from _corpus(stream, name, ".jsonl" if _looks_jsonl(stream) else ".csv", options)
        return
    try:
        yield decode_bytes(stream.read(options.max_bytes + 1), name, max_bytes=options.max_bytes)
    except InputError as exc:
        yield InputProblem(name, exc.message)


def _looks_jsonl(stream: BinaryIO) -> bool:
    """Whether a corpus on a stream is JSON Lines (it starts with '{') rather than CSV."""
    return _head(stream).removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"{"


def _head(stream: BinaryIO, size: int = 256) -> bytes:
    """The first bytes of a stream, left unread."""
    peek = getattr(stream, "peek", None)
    if peek is not None:
        return peek(size)
    if stream.seekable():
        where = stream.tell()
        head = stream.read(size)
        stream.seek(where)
        return head
    return b""


def _corpus(stream: BinaryIO, name: str, suffix: str, options: InputOptions
            ) -> Iterator[Document | InputProblem]:
    import io

    text_stream = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    try:
        if suffix == ".jsonl":
            yield from _jsonl_rows(text_stream, name, options)
        else:
            yield from _csv_rows(text_stream, name, "\t" if suffix == ".tsv" else ",", options)
    finally:
        text_stream.detach()  # the caller owns (and closes) the byte stream


def _csv_rows(stream, name: str, delimiter: str, options: InputOptions
              ) -> Iterator[Document | InputProblem]:
    csv.field_size_limit(max(options.max_bytes, 1 << 20))
    reader = csv.DictReader(stream, delimiter=delimiter)
    fieldnames = reader.fieldnames or []
    text_col, id_col = _columns(fieldnames, options)
    if text_col is None:
        yield InputProblem(name, f"no text column {options.text_column or 'text'!r} "
                           f"(columns: {', '.join(fieldnames)}); use --text-column")
        return
    if id_col is not None and id_col not in fieldnames:
        yield InputProblem(name, f"no id column {id_col!r} (columns: {', '.join(fieldnames)})")
        return
    for number, row in enumerate(reader, 1):
        yield _row_document(row, text_col, id_col, name, number)


def _jsonl_rows(stream, name: str, options: InputOptions) -> Iterator[Document | InputProblem]:
    text_col = options.text_column or "text"
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputProblem(f"{name}:{number}", f"bad JSON at column {exc.colno}: {exc.msg}")
            continue
        if not isinstance(row, dict) or not isinstance(row.get(text_col), str):
            yield InputProblem(f"{name}:{number}", f"no text field {text_col!r}")
            continue
        id_col = options.id_column or ("id" if "id" in row else None)
        yield _row_document(row, text_col, id_col, name, number)


def _columns(fieldnames: list[str], options: InputOptions) -> tuple[str | None, str | None]:
    text_col = options.text_column or "text"
    id_col = options.id_column or ("id" if "id" in fieldnames else None)
    return (text_col if text_col in fieldnames else None), id_col


def _row_document(row: dict, text_col: str, id_col: str | None, name: str, number: int
                  ) -> Document:
    doc_id = row.get(id_col) if id_col else None
    text = row.get(text_col) or ""
    return Document(str(doc_id) if doc_id not in (None, "") else f"{name}:{number}", text)
