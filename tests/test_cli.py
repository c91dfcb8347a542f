"""Tests of the `rulecraft` command line, in-process through `main(argv, stdout, stderr, stdin)`.

Golden cases live in tests/fixtures/golden/<case>/: `case.json` holds the arguments (`argv`), the
exit code (`exit`), the golden file of the main output (`expected`, e.g. expected.jsonl), where
the command writes that output (`output`: standard output unless a file such as the `--out`
target is named) and the file fed to standard input (`stdin`). `expected.stderr` is the exact
standard error. A case without its own rules.yaml gets tests/fixtures/golden/_pack/rules.yaml.
Each case runs in a copy of its folder, which is the working directory, so every path in the
output is relative to it.

After an intended change of the output, regenerate the golden files with

    RULECRAFT_REGEN_GOLDEN=1 python -m pytest tests/test_cli.py

and review the diff before committing.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine import cli

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
SHARED_PACK = GOLDEN / "_pack" / "rules.yaml"
REGEN = os.environ.get("RULECRAFT_REGEN_GOLDEN") == "1"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "case.json").is_file())


@dataclass(frozen=True)
class Outcome:
    """What one command-line run produced."""

    code: int
    stdout: str
    stderr: str


def run(argv: list[str], stdin: bytes | None = None) -> Outcome:
    """Run the command line in-process with fresh streams."""
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, out, err, stdin=None if stdin is None else io.BytesIO(stdin))
    return Outcome(code, out.getvalue(), err.getvalue())


@pytest.fixture
def case_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request) -> Path:
    """A copy of the golden case folder, made the working directory."""
    work = tmp_path / request.param
    shutil.copytree(GOLDEN / request.param, work)
    if not (work / "rules.yaml").exists():
        shutil.copy(SHARED_PACK, work / "rules.yaml")
    monkeypatch.chdir(work)
    return work


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def check_golden(name: str, golden: Path, got: str) -> None:
    if REGEN:
        golden.write_text(got, encoding="utf-8", newline="")
        return
    assert got == golden.read_bytes().decode("utf-8"), f"{name}: {golden.name} differs"


@pytest.mark.parametrize("case_dir", CASES, indirect=True)
def test_golden(case_dir: Path) -> None:
    name = case_dir.name
    spec = json.loads((case_dir / "case.json").read_text(encoding="utf-8"))
    stdin = (case_dir / spec["stdin"]).read_bytes() if "stdin" in spec else None
    outcome = run(spec["argv"], stdin)
    output = spec.get("output", "-")
    main = outcome.stdout if output == "-" else read_text(case_dir / output)
    if output != "-":
        assert outcome.stdout == ""
    source = GOLDEN / name
    if "expected" in spec:
        check_golden(name, source / spec["expected"], main)
    else:
        assert main == ""
    check_golden(name, source / "expected.stderr", outcome.stderr)
    assert outcome.code == spec["exit"]
    assert "Traceback" not in outcome.stderr + outcome.stdout


def test_jobs_2_output_equals_jobs_1() -> None:
    one = GOLDEN / "run-folder" / "expected.jsonl"
    two = GOLDEN / "run-jobs2" / "expected.jsonl"
    assert one.read_text(encoding="utf-8") == two.read_text(encoding="utf-8")


# ---------------------------------------------------------------- usage errors

USAGE = [
    (["run"], "the following arguments are required: INPUT"),
    (["run", "--rules", "x.yaml", "--nope", "a.txt"], "unrecognized arguments: --nope"),
    (["run", "--format", "xml", "a.txt"], "invalid choice: 'xml'"),
    (["run", "--jobs", "two", "a.txt"], "invalid int value: 'two'"),
    (["run", "--timeout", "0", "a.txt"], "must be a positive number"),
    (["explain", "some text"], "the following arguments are required: --rule"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: COMMAND"),
]


@pytest.mark.parametrize(("argv", "message"), USAGE, ids=[" ".join(a) or "-" for a, _ in USAGE])
def test_usage_errors_exit_2_on_the_given_stderr(argv: list[str], message: str,
                                                 capsys: pytest.CaptureFixture) -> None:
    outcome = run(argv)
    assert outcome.code == 2
    assert outcome.stderr.startswith("usage: rulecraft")
    assert message in outcome.stderr
    assert outcome.stdout == ""
    assert capsys.readouterr() == ("", "")


def test_help_goes_to_the_given_stdout(capsys: pytest.CaptureFixture) -> None:
    outcome = run(["run", "--help"])
    assert outcome.code == 0
    assert "--text-column" in outcome.stdout
    assert capsys.readouterr() == ("", "")


def test_unknown_rule_is_a_usage_error() -> None:
    outcome = run(["explain", "--rules", str(SHARED_PACK), "--rule", "rules.tol", "text"])
    assert outcome.code == 2
    assert outcome.stderr == "rulecraft: no rule 'rules.tol' (did you mean 'rules.toll'?)\n"


def test_test_of_an_unknown_rule_is_a_usage_error() -> None:
    outcome = run(["test", "--rules", str(SHARED_PACK), "--rule", "nope"])
    assert (outcome.code, outcome.stdout) == (2, "")
    assert outcome.stderr.startswith("rulecraft: no rule 'nope'")


def test_check_json_of_a_good_pack_prints_no_error_lines() -> None:
    assert run(["check", "--rules", str(SHARED_PACK), "--json"]) == Outcome(0, "", "")


def test_unwritable_out_file_is_an_error_without_traceback(tmp_path: Path) -> None:
    story = tmp_path / "a.txt"
    story.write_text("Shelling hit Hama.", encoding="utf-8")
    target = tmp_path / "missing" / "out.jsonl"
    outcome = run(["run", "--rules", str(SHARED_PACK), "--out", str(target), str(story)])
    assert outcome.code == 1
    assert str(target) in outcome.stderr and "Traceback" not in outcome.stderr


def test_explain_of_a_missing_file(tmp_path: Path) -> None:
    outcome = run(["explain", "--rules", str(SHARED_PACK), "--rule", "toll",
                   f"@{tmp_path / 'none.txt'}"])
    assert outcome.code == 1
    assert "none.txt" in outcome.stderr and "Traceback" not in outcome.stderr


def test_broken_pack_makes_run_exit_1(tmp_path: Path) -> None:
    shutil.copy(GOLDEN / "check-broken" / "rules.yaml", tmp_path / "rules.yaml")
    outcome = run(["run", "--rules", str(tmp_path / "rules.yaml"), "-"], b"text")
    assert outcome.code == 1
    assert "E301" in outcome.stderr and outcome.stdout == ""


# ---------------------------------------------------------------- smoke test


def test_installed_module_runs_as_a_program() -> None:
    root = Path(__file__).parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli", "run", "--rules", str(SHARED_PACK), "--quiet", "-"],
        input=b"Airstrikes on Hama. 3 civilians were killed.", capture_output=True,
        env=env, cwd=root, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    rules = [json.loads(line)["rule"] for line in done.stdout.decode().splitlines()]
    assert rules == ["rules.strike", "rules.toll"]
