"""An on-disk cache of compiled packs, keyed by the pack's files and the engine's version.

A cache entry records every file the pack was built from (rule files, lexicon files, grammar
files) with its SHA-256, and the list of rule files in the pack folder; it is used only while all
of them are unchanged, and a broken entry is ignored and rebuilt. Entries live in
`$RULECRAFT_CACHE_DIR`, else `$XDG_CACHE_HOME/rulecraft`, else `~/.cache/rulecraft`; set
`RULECRAFT_NO_CACHE=1` to turn the cache off. The cache is the user's own: it holds pickles, so
never point it at a folder that others can write to.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .resources import data_dir

FORMAT = 1


@dataclass(frozen=True)
class CacheEntry:
    """A compiled pack and the files it was built from."""

    files: tuple[tuple[str, str], ...]
    listing: tuple[str, ...]
    payload: Any


def cache_dir() -> Path | None:
    """Where entries live, or None when the cache is off."""
    if os.environ.get("RULECRAFT_NO_CACHE"):
        return None
    explicit = os.environ.get("RULECRAFT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rulecraft"


@functools.lru_cache(maxsize=1)
def _engine_key() -> str:
    """Versions, plus a digest of the engine's own code and grammars: any edit invalidates."""
    import lark
    import regex

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted([*package.glob("*.py"), *data_dir("grammar").glob("*.lark")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    versions = (f"{FORMAT}|{__version__}|{sys.version_info[:2]}|"
                f"{lark.__version__}|{regex.__version__}")
    return f"{versions}|{digest.hexdigest()}"


def _entry_path(directory: Path, pack_path: Path) -> Path:
    """One entry per pack and working folder (error and provenance paths are relative to it)."""
    where = f"{pack_path.resolve()}|{Path.cwd()}"
    key = hashlib.sha256(f"{_engine_key()}|{where}".encode()).hexdigest()
    return directory / f"{key[:32]}.pickle"


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pack_listing(pack_path: Path) -> tuple[str, ...]:
    """The rule files of a pack folder (or the one file), as the loader would find them."""
    if pack_path.is_file():
        return (str(pack_path.resolve()),)
    return tuple(sorted(str(p.resolve()) for p in pack_path.rglob("*")
                        if p.suffix in (".yaml", ".yml") and p.is_file()))


def _still_valid(entry: CacheEntry, pack_path: Path) -> bool:
    if entry.listing != pack_listing(pack_path):
        return False
    try:
        return all(file_digest(Path(name)) == digest for name, digest in entry.files)
    except OSError:
        return False


def load_cached(pack_path: Path) -> Any | None:
    """The cached payload for a pack if every file it came from is unchanged, else None."""
    directory = cache_dir()
    if directory is None:
        return None
    path = _entry_path(directory, pack_path)
    try:
        with path.open("rb") as stream:
            entry = pickle.load(stream)
    except Exception:  # a missing, stale or corrupt entry is rebuilt
        return None
    if not isinstance(entry, CacheEntry) or not _still_valid(entry, pack_path):
        return None
    return entry.payload


def store(pack_path: Path, files: Iterable[Path], payload: Any) -> None:
    """Write an entry atomically; a cache that cannot be written is silently skipped."""
    directory = cache_dir()
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        entry = CacheEntry(tuple((str(f.resolve()), file_digest(f)) for f in files),
                           pack_listing(pack_path), payload)
        _atomic_write(_entry_path(directory, pack_path), pickle.dumps(entry, protocol=5))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached(pack_path: Path, build: Callable[[], tuple[Any, Iterable[Path]]]) -> Any:
    """The payload from the cache, or built by `build()` (payload, files) and stored."""
    payload = load_cached(pack_path)
    if payload is not None:
        return payload
    payload, files = build()
    store(pack_path, files, payload)
    return payload


def memo(kind: str, key: str, compute: Callable[[], Any]) -> Any:
    """A value derived from `key` alone, kept on disk across processes (e.g. grammar finders)."""
    directory = cache_dir()
    if directory is None:
        return compute()
    digest = hashlib.sha256(f"{_engine_key()}|{kind}|{key}".encode()).hexdigest()
    path = directory / f"{kind}-{digest[:32]}.pickle"
    try:
        with path.open("rb") as stream:
            return pickle.load(stream)
    except Exception:  # missing or unreadable: compute it again
        pass
    value = compute()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, pickle.dumps(value, protocol=5))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass
    return value
