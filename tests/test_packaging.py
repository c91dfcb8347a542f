"""The wheel carries the grammars and the shipped pack, and works away from the source tree."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling", reason="building the wheel needs hatchling (test extra)")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True, capture_output=True)
    return next(out.glob("rulecraft-*.whl"))


def test_wheel_contains_grammars_and_the_default_pack(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "engine/_data/grammar/pattern.lark" in names
    assert "engine/_data/grammar/numbers.lark" in names
    assert "engine/_data/rules/conflict/casualties.yaml" in names
    assert "engine/_data/rules/conflict/lexicons/places.tsv" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_unpacked_wheel_loads_the_shipped_pack_outside_the_source_tree(wheel: Path,
                                                                        tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = ("import engine, engine.resources as r; p = engine.load(cache=False); "
              "print(r.data_dir('rules')); "
              "print(len(p.extract('About 160 militants were killed in Deir Ezzor province.')))")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    folder, count = done.stdout.split()
    assert Path(folder).is_relative_to(site)
    assert int(count) >= 1
