"""Where the shipped grammars and rule packs are, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder `name` ('grammar' or 'rules'): inside the wheel, else beside the package."""
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / name


def grammar_path(filename: str) -> Path:
    """A shipped Lark grammar file."""
    return data_dir("grammar") / filename


def default_pack_path() -> Path:
    """The default rule pack shipped with Rulecraft."""
    return data_dir("rules") / "conflict"
