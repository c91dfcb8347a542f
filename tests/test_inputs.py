"""Tests of input reading: files, folders, globs, stdin and CSV/TSV/JSONL corpora become documents.

Every input either yields documents or an `InputProblem` naming it; none stops the stream.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from engine.document import Document
from engine.inputs import InputOptions, InputProblem, iter_documents

STORY = "Shelling hit Hama on Tuesday. Two soldiers were killed."


def collect(inputs: list[str], stdin: bytes | None = None, **options) -> list[tuple]:
    """(id, text) of documents and ("!", name, message) of problems, in stream order."""
    stream = None if stdin is None else io.BytesIO(stdin)
    out = []
    for item in iter_documents(inputs, InputOptions(**options), stream):
        if isinstance(item, InputProblem):
            out.append(("!", item.name, item.message))
        else:
            assert isinstance(item, Document)
            out.append((item.id, item.text))
    return out


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of stories, made the working directory."""
    files = {
        "news/b.txt": "second", "news/a.txt": "first", "news/sub/c.md": "third",
        "news/.hidden.txt": "hidden", "news/.git/config": "git", "news/__pycache__/x.txt": "pyc",
        "other/d.txt": "fourth",
    }
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_files_in_the_order_given(tree: Path) -> None:
    assert collect(["news/b.txt", "news/a.txt"]) == [("news/b.txt", "second"),
                                                     ("news/a.txt", "first")]


def test_folder_recursive_sorted_without_hidden(tree: Path) -> None:
    assert collect(["news"]) == [("news/a.txt", "first"), ("news/b.txt", "second"),
                                 ("news/sub/c.md", "third")]


@pytest.mark.parametrize(("pattern", "ids"), [
    ("news/*.txt", ["news/a.txt", "news/b.txt"]),
    ("*/?.txt", ["news/a.txt", "news/b.txt", "other/d.txt"]),
    ("news/**/*.md", ["news/sub/c.md"]),
    ("news/[b]*", ["news/b.txt"]),
])
def test_globs(tree: Path, pattern: str, ids: list[str]) -> None:
    assert [doc_id for doc_id, _ in collect([pattern])] == ids


def test_missing_input_is_a_problem_and_the_stream_goes_on(tree: Path) -> None:
    assert collect(["nope.txt", "news/*.none", "news/a.txt"]) == [
        ("!", "nope.txt", "no such file, folder or glob match"),
        ("!", "news/*.none", "no such file, folder or glob match"),
        ("news/a.txt", "first"),
    ]


def test_stdin(tree: Path) -> None:
    assert collect(["-"], STORY.encode()) == [("<stdin>", STORY)]


def test_binary_file_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"\x00\x01\x02PK\x03\x04")
    [problem] = collect([str(tmp_path / "x.bin")])
    assert problem[0] == "!" and problem[2].startswith("binary file skipped")


def test_invalid_utf8_is_decoded_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "l.txt").write_bytes(b"Caf\xe9 owners fled.")
    [document] = iter_documents([str(tmp_path / "l.txt")], InputOptions())
    assert document.text == "Caf\ufffd owners fled."
    assert len(document.warnings) == 1 and "invalid UTF-8" in document.warnings[0]


def test_empty_file_is_an_empty_document(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_bytes(b"")
    assert collect([str(tmp_path / "e.txt")]) == [(str(tmp_path / "e.txt"), "")]


def test_file_over_the_size_limit_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("x" * 200, encoding="utf-8")
    [problem] = collect([str(tmp_path / "big.txt")], max_bytes=100)
    assert problem[0] == "!" and "over the limit" in problem[2]


# ---------------------------------------------------------------- corpora

CSV = "key,body,desk\nsy-1,Shelling hit Hama.,Beirut\n,Clashes in Idlib.,Amman\nsy-3,,Amman\n"


@pytest.mark.parametrize(("name", "data", "options", "expected"), [
    ("c.csv", CSV, {"text_column": "body", "id_column": "key"},
     [("sy-1", "Shelling hit Hama."), ("c.csv:2", "Clashes in Idlib."), ("sy-3", "")]),
    ("c.csv", "\ufeffid,text\n7,A convoy was hit.\n", {},
     [("7", "A convoy was hit.")]),
    ("c.csv", "text\nA convoy was hit.\n\"Two lines,\nquoted\"\n", {},
     [("c.csv:1", "A convoy was hit."), ("c.csv:2", "Two lines,\nquoted")]),
    ("t.tsv", "id\ttext\tx\n1\tTroops withdrew, officials said.\t\n", {},
     [("1", "Troops withdrew, officials said.")]),
    ("j.jsonl", '{"id": 5, "text": "Gunmen attacked a checkpoint."}\n\n'
                '{"text": "No id here."}\n', {},
     [("5", "Gunmen attacked a checkpoint."), ("j.jsonl:3", "No id here.")]),
    ("j.jsonl", '\ufeff{"key": "k1", "body": "Aid reached the town."}\n',
     {"text_column": "body", "id_column": "key"}, [("k1", "Aid reached the town.")]),
    ("j.jsonl", '{"id": 1, "text": "ok."}\nnot json\n{"id": 3, "body": "x"}\n[1, 2]\n', {},
     [("1", "ok."), ("!", "j.jsonl:2", "bad JSON at column 1: Expecting value"),
      ("!", "j.jsonl:3", "no text field 'text'"), ("!", "j.jsonl:4", "no text field 'text'")]),
])
def test_corpora(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, data: str,
                 options: dict, expected: list[tuple]) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(data, encoding="utf-8", newline="")
    assert collect([name], **options) == expected


@pytest.mark.parametrize(("options", "message"), [
    ({}, "no text column 'text' (columns: key, body, desk); use --text-column"),
    ({"text_column": "body", "id_column": "uid"}, "no id column 'uid' (columns: key, body, desk)"),
])
def test_csv_without_the_named_columns_is_a_problem(tmp_path: Path, monkeypatch,
                                                    options: dict, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("c.csv").write_text(CSV, encoding="utf-8")
    assert collect(["c.csv"], **options) == [("!", "c.csv", message)]


@pytest.mark.parametrize(("data", "expected"), [
    (b' {"id": "s1", "text": "Rockets hit Kabul."}\n', [("s1", "Rockets hit Kabul.")]),
    (b"id,text\ns2,Curfew lifted.\n", [("s2", "Curfew lifted.")]),
])
@pytest.mark.parametrize("buffered", [True, False])
def test_corpus_on_stdin_with_a_text_column(data: bytes, expected: list[tuple],
                                            buffered: bool) -> None:
    raw = io.BytesIO(b"\xef\xbb\xbf" + data)
    stream = io.BufferedReader(raw) if buffered else raw
    docs = list(iter_documents(["-"], InputOptions(text_column="text"), stream))
    assert [(d.id, d.text) for d in docs] == expected
    assert not stream.closed
