"""Reading documents: raw bytes in, a decoded `Document` (text plus warnings) out.

Conventions: UTF-8 by default, a UTF-8 byte-order mark is dropped, a UTF-16 or UTF-32 mark
selects that encoding (and is dropped too); all offsets the engine reports are into the decoded
text without the mark. Invalid sequences become U+FFFD and yield one warning. Line breaks are
kept as they are (`\r\n` stays two code points).
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass

from engine.errors import InputError

__all__ = ["Document", "decode_bytes", "read_document", "DEFAULT_MAX_BYTES"]

DEFAULT_MAX_BYTES = 50_000_000
_SNIFF_BYTES = 8192
_MAX_CONTROL_SHARE = 0.10
# C0 controls other than tab, line feed, vertical tab, form feed, carriage return and escape.
_BINARY_CONTROLS = bytes([*range(0x00, 0x09), 0x0E, 0x0F, *range(0x10, 0x1B), *range(0x1C, 0x20)])
_UTF8_REPLACEMENT = "\ufffd".encode()
_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class Document:
    """A decoded input text, its identifier (usually a path) and what went wrong reading it."""

    id: str | None
    text: str
    warnings: tuple[str, ...] = ()


def decode_bytes(
    data: bytes, name: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Document:
    """Decode a document's bytes; raise `InputError` for binary or oversized input."""
    _check_size(len(data), name, max_bytes)
    encoding, skip = _detect_encoding(data)
    if encoding == "utf-8":
        _check_not_binary(data[skip : skip + _SNIFF_BYTES], name)
    body = memoryview(data)[skip:]
    try:
        return Document(name, str(body, encoding))
    except UnicodeDecodeError as err:
        text = str(body, encoding, "replace")
        return Document(name, text, (_bad_encoding_warning(body, encoding, text, err, skip),))


def read_document(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read and decode the file at `path`; raise `InputError` when it cannot be read."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            _check_size(os.fstat(handle.fileno()).st_size, name, max_bytes)
            data = handle.read(max_bytes + 1)
    except OSError as err:
        raise InputError(name, _os_error_message(err)) from err
    return decode_bytes(data, name, max_bytes=max_bytes)


def _os_error_message(err: OSError) -> str:
    """A short reason for a file that cannot be read."""
    if isinstance(err, FileNotFoundError):
        return "file not found"
    if isinstance(err, IsADirectoryError):
        return "is a directory, not a file"
    if isinstance(err, PermissionError):
        return "permission denied"
    return f"cannot read file: {err.strerror or err}"


def _check_size(size: int, name: str | None, max_bytes: int) -> None:
    """Refuse input larger than the limit."""
    if size > max_bytes:
        raise InputError(name, f"file too large: {size:,} bytes, the limit is {max_bytes:,} bytes")


def _detect_encoding(data: bytes) -> tuple[str, int]:
    """The encoding named by a byte-order mark (UTF-8 when none) and the mark's length."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return "utf-8", 0


def _check_not_binary(sample: bytes, name: str | None) -> None:
    """Refuse input that looks binary: a NUL byte or many control bytes at its start."""
    if b"\x00" in sample:
        raise InputError(name, "binary file skipped (it contains NUL bytes)")
    controls = len(sample) - len(sample.translate(None, _BINARY_CONTROLS))
    if sample and controls / len(sample) > _MAX_CONTROL_SHARE:
        share = f"{controls / len(sample):.0%}"
        raise InputError(name, f"binary file skipped ({share} of its first bytes are controls)")


def _bad_encoding_warning(
    body: memoryview, encoding: str, text: str, err: UnicodeDecodeError, skip: int
) -> str:
    """One warning naming where the first invalid sequence is and how many there are."""
    before = str(body[: err.start], encoding)
    line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
    column = len(before) - max(before.rfind("\n"), before.rfind("\r"))
    count = _count_bad_sequences(body, encoding, text, err)
    label = encoding.upper().removesuffix("-LE").removesuffix("-BE")
    return (
        f"invalid {label} at line {line}, column {column} (byte {skip + err.start}): "
        f"{count} invalid byte sequence(s) replaced with U+FFFD"
    )


def _count_bad_sequences(
    body: memoryview, encoding: str, text: str, err: UnicodeDecodeError
) -> int:
    """How many invalid sequences the decoder replaced in `text`, the decoding of `body`."""
    if encoding == "utf-8":  # every U+FFFD beyond those spelled in the input is a replacement
        return text.count("\ufffd") - body.tobytes().count(_UTF8_REPLACEMENT)
    count, pos = 1, err.end
    while True:
        try:
            str(body[pos:], encoding)
            return count
        except UnicodeDecodeError as more:
            count, pos = count + 1, pos + more.end
