"""Tests of engine.document: decoding bytes, encodings, bad input and reading files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.document import Document, decode_bytes, read_document
from engine.errors import InputError

SAMPLES = Path(__file__).parent / "fixtures" / "text" / "documents"
TEXT = "Shelling hit the old market in Ḥalab on Monday.\nSeven people were killed, medics said.\n"


@pytest.mark.parametrize(
    "sample",
    ["utf8.txt", "utf8_bom.txt", "utf16le_bom.txt", "utf16be_bom.txt", "utf32le_bom.txt"],
)
def test_encodings_decode_to_the_same_text(sample: str) -> None:
    doc = read_document(SAMPLES / sample)
    assert doc == Document(str(SAMPLES / sample), TEXT)


def test_empty_input_is_an_empty_document() -> None:
    assert decode_bytes(b"", "empty.txt") == Document("empty.txt", "")
    assert read_document(SAMPLES / "empty.txt").text == ""
    assert decode_bytes(b"\xef\xbb\xbf").text == ""


def test_line_breaks_and_controls_are_kept() -> None:
    assert decode_bytes(b"a\r\nb\tc\x1bd").text == "a\r\nb\tc\x1bd"


def test_legacy_encoding_gives_one_warning() -> None:
    doc = read_document(SAMPLES / "cp1252.txt")
    assert doc.text.startswith("Le g\ufffdn\ufffdral")
    assert doc.warnings == (
        "invalid UTF-8 at line 1, column 5 (byte 4): "
        "7 invalid byte sequence(s) replaced with U+FFFD",
    )


INVALID = [
    # bytes, expected text, line, column, byte offset, count
    (b"ok \xff", "ok \ufffd", 1, 4, 3, 1),
    (b"one\ntwo \xc3", "one\ntwo \ufffd", 2, 5, 8, 1),
    (b"a\r\nb\rc\xe2\x82!", "a\r\nb\rc\ufffd!", 3, 2, 6, 1),
    ("Ḥ\n".encode() + b"x\x80y\xef\xbf\xbd\xf0\x9f", "Ḥ\nx\ufffdy\ufffd\ufffd", 2, 2, 5, 2),
    (b"\xef\xbb\xbfab\xfe", "ab\ufffd", 1, 3, 5, 1),
    (b"\xff\xfea\x00\x00\xd8b\x00", "a\ufffdb", 1, 2, 4, 1),
]


@pytest.mark.parametrize(("data", "text", "line", "column", "offset", "count"), INVALID)
def test_invalid_bytes_are_replaced_and_located(
    data: bytes, text: str, line: int, column: int, offset: int, count: int
) -> None:
    doc = decode_bytes(data, "bad.txt")
    assert doc.text == text
    (warning,) = doc.warnings
    assert f"at line {line}, column {column} (byte {offset}): {count} invalid" in warning


REFUSED = [
    pytest.param(b"text\x00with a NUL", "binary file skipped (it contains NUL bytes)", id="nul"),
    pytest.param(
        bytes(range(1, 32)) * 4,
        "binary file skipped (81% of its first bytes are controls)",
        id="controls",
    ),
    pytest.param(b"x" * 11, "file too large: 11 bytes, the limit is 10 bytes", id="too-large"),
]


@pytest.mark.parametrize(("data", "message"), REFUSED)
def test_refused_input(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as caught:
        decode_bytes(data, "in.dat", max_bytes=10 if len(data) == 11 else 1000)
    assert caught.value.doc == "in.dat"
    assert caught.value.message == message
    assert str(caught.value) == f"in.dat: {message}"


def test_binary_file_is_refused() -> None:
    with pytest.raises(InputError, match="binary file skipped"):
        read_document(SAMPLES / "binary.bin")


def test_a_few_controls_are_not_binary() -> None:
    assert decode_bytes(b"page\x0cbreak and \x1a end " * 3).warnings == ()


def test_read_document_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"y" * 100)
    with pytest.raises(InputError, match="file too large: 100 bytes, the limit is 99 bytes"):
        read_document(path, max_bytes=99)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_document(tmp_path / "missing.txt")
    assert caught.value.message == "file not found"
    assert isinstance(caught.value.__cause__, FileNotFoundError)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory, not a file"):
        read_document(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("x")
    path.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        read_document(path)
