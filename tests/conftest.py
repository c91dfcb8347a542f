"""Shared fixtures: build small rule packs from YAML snippets and run them.

`make_pack(rules_yaml, timeout=...)` writes `rules.yaml` next to a copy of
tests/fixtures/language/lexicons.yaml in a fresh folder and loads the folder, so a rule named
`r` is reported as `rules.r`. Packs are cached per (snippet, timeout) for the whole session.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import engine.pack
from engine.pack import Pack

FIXTURES = Path(__file__).parent / "fixtures"
LANGUAGE = FIXTURES / "language"

MakePack = Callable[..., Pack]


def rule_yaml(pattern: str, name: str = "r", **keys: str) -> str:
    """A `rules:` section with one rule; extra keys are written as given (already YAML)."""
    lines = ["rules:", f"  - name: {name}", f"    pattern: {_quote(pattern)}"]
    lines.extend(f"    {key}: {value}" for key, value in keys.items())
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    """A YAML single-quoted scalar."""
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture(scope="session", autouse=True)
def private_pack_cache(tmp_path_factory: pytest.TempPathFactory):
    """Compiled packs are cached in a fresh folder, never in the user's cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RULECRAFT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        patch.delenv("RULECRAFT_NO_CACHE", raising=False)
        yield


@pytest.fixture(scope="session")
def make_pack(tmp_path_factory: pytest.TempPathFactory) -> MakePack:
    """A factory of packs made of the shared lexicons plus a rules snippet."""
    cache: dict[tuple[str, float, bool], Pack] = {}

    def make(rules: str, timeout: float = 2.0, lexicons: bool = True) -> Pack:
        key = (rules, timeout, lexicons)
        if key not in cache:
            folder = tmp_path_factory.mktemp("pack")
            if lexicons:
                shutil.copy(LANGUAGE / "lexicons.yaml", folder / "lexicons.yaml")
            (folder / "rules.yaml").write_text(textwrap.dedent(rules), encoding="utf-8")
            cache[key] = engine.pack.load(folder, timeout=timeout)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def spans(make_pack: MakePack) -> Callable[..., list[tuple[int, int, str]]]:
    """(start, end, text) of every match of a one-rule pack on a text."""

    def run(pattern: str, text: str, **keys: str) -> list[tuple[int, int, str]]:
        pack = make_pack(rule_yaml(pattern, **keys))
        return [(m.start, m.end, m.text) for m in pack.extract(text)]

    return run


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work inside an empty folder so that files are reported by their relative names."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
