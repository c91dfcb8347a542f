"""The benchmark's command: `python -m bench [--quick | --full] [options]`.

For each rule count x gazetteer size: write the pack, measure Rulecraft (cold compile, from
cache, 1 job and --jobs N) and each peer in its own process, then write
bench/results/<name>.json and bench/results/latest.md and print the table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from .engines import ENGINES
from .machine import load_average, machine_info
from .measure import Task
from .report import ConfigResult, build_report, markdown
from .workload import (
    CACHE_DIR,
    DEFAULT_SEED,
    FAKES_CSV,
    REAL_PLACES,
    REPO_DIR,
    gazetteer,
    max_rules,
    rule_specs,
    write_pack,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PACK_FILES = frozenset({"rules.yaml", "places.tsv"})


@dataclass(frozen=True)
class Settings:
    """Everything a run measures, and the time it may take."""

    mode: str
    rules: tuple[int, ...]
    gazetteers: tuple[int, ...]
    engines: tuple[str, ...]
    megabytes: float
    runs: int
    run_seconds: float | None
    peer_seconds: float | None
    compile_seconds: float | None
    jobs: int
    seed: int = DEFAULT_SEED
    child_timeout: float = 3600.0


ALL_ENGINES = tuple(ENGINES)
MODES = {
    "quick": Settings("quick", (10, 100), (2000,), ALL_ENGINES, 1.0, 3, 0.5, 0.5, 2.0, 2,
                      child_timeout=300.0),
    "default": Settings("default", (10, 100, 1000, 10000), (2000, 50000), ALL_ENGINES, 50.0,
                        3, 2.5, 1.5, 12.0, 2),
    "full": Settings("full", (10, 100, 1000, 10000), (2000, 50000), ALL_ENGINES, 50.0, 5,
                     None, 30.0, 300.0, 2, child_timeout=6 * 3600.0),
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", dest="mode", const="quick",
                      help="seconds: 10 and 100 rules, 2,000 places, 1 MB of text")
    mode.add_argument("--full", action="store_const", dest="mode", const="full",
                      help="hours: every run over the whole 50 MB, peers capped at 30 s a run")
    parser.set_defaults(mode="default")
    parser.add_argument("--rules", type=_ints, help="rule counts, e.g. 10,100")
    parser.add_argument("--gazetteers", type=_ints, help="gazetteer sizes in terms, e.g. 2000")
    parser.add_argument("--engines", type=_names, help=f"subset of {','.join(ALL_ENGINES)}")
    parser.add_argument("--mb", type=float, dest="megabytes", help="corpus size in MB")
    parser.add_argument("--runs", type=int, help="timed runs per measurement (median; >= 1)")
    capped = {"type": _seconds, "default": argparse.SUPPRESS}  # 'none': no cap
    parser.add_argument("--run-seconds", help="cap on one Rulecraft run", **capped)
    parser.add_argument("--peer-seconds", help="cap on one peer run", **capped)
    parser.add_argument("--compile-seconds", help="cap on naive compilation", **capped)
    parser.add_argument("--jobs", type=int, help="worker processes for the parallel line")
    parser.add_argument("--seed", type=int, help="workload seed")
    parser.add_argument("--name", help="result file name (default: date-time and mode)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder")
    parser.add_argument("--fakes", type=Path, default=FAKES_CSV, help="FA-KES dev.csv")
    parser.add_argument("--cache", type=Path, default=CACHE_DIR,
                        help="folder for generated packs and Rulecraft's cache")
    return parser.parse_args(argv)


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())


def _names(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in ENGINES]
    if unknown or "rulecraft" not in names:
        raise argparse.ArgumentTypeError(f"engines are {', '.join(ENGINES)}, and the list "
                                         "must include rulecraft")
    return names


def _seconds(text: str) -> float | None:
    return None if text.lower() == "none" else float(text)


def settings_from(args: argparse.Namespace) -> Settings:
    """The mode's settings with the options given on the command line."""
    base = MODES[args.mode]
    overrides = {key: getattr(args, key) for key in ("rules", "gazetteers", "engines",
                                                      "megabytes", "runs", "jobs", "seed")
                 if getattr(args, key) is not None}
    for key in ("run_seconds", "peer_seconds", "compile_seconds"):
        if key in vars(args):  # absent unless given: None is a value here ('none')
            overrides[key] = getattr(args, key)
    settings = replace(base, **overrides)
    if settings.runs < 1:
        raise SystemExit("--runs must be at least 1")
    if not all(0 < n <= max_rules() for n in settings.rules):
        raise SystemExit(f"--rules must be between 1 and {max_rules():,}")
    return settings


# ---- one configuration -----------------------------------------------------------------------
@dataclass(frozen=True)
class Folders:
    """The folders of one configuration: its pack, the child's cwd and its cache home."""

    pack: Path
    cwd: Path
    cache: Path

    @classmethod
    def of(cls, rules: int, places: int, root: Path = CACHE_DIR) -> Folders:
        tag = f"r{rules}-g{places}"
        return cls(root / "packs" / tag, root / "cwd" / tag, root / "rulecraft-cache" / tag)

    def reset(self) -> None:
        """Remove what a previous run left (caches, stray files), keeping the pack files."""
        for folder in (self.cwd, self.cache):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        for path in self.pack.iterdir() if self.pack.is_dir() else ():
            if path.name not in PACK_FILES:
                _remove(path)

    def snapshot(self) -> set[Path]:
        """Every file under the three folders (new ones after a load mean a cache was made)."""
        return {p for folder in (self.pack, self.cwd, self.cache) if folder.is_dir()
                for p in folder.rglob("*") if p.is_file()}


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def child_env(folders: Folders) -> dict[str, str]:
    """The measuring process's environment: the repo importable, caches pointed at our folder."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_DIR), env.get("PYTHONPATH")]))
    env["RULECRAFT_CACHE_DIR"] = str(folders.cache)
    env["XDG_CACHE_HOME"] = str(folders.cache)
    return env


def run_child(task: Task, folders: Folders, timeout: float) -> dict:
    """Run one measurement in a fresh process; failures come back as an 'error' outcome."""
    command = [sys.executable, "-m", "bench.measure", json.dumps(asdict(task))]
    try:
        done = subprocess.run(command, cwd=folders.cwd, env=child_env(folders),
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return _failed(task, f"timed out after {timeout:.0f} s")
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return _failed(task, f"exit {done.returncode}: {tail}")
    return json.loads(lines[-1])


def _failed(task: Task, reason: str) -> dict:
    return {"engine": task.engine, "status": "error", "reason": reason}


def measure_config(settings: Settings, rules: int, places: int, paths: Paths,
                   log: TextIO) -> ConfigResult:
    """Write the pack of one configuration and measure every engine on it."""
    folders = Folders.of(rules, places, paths.cache)
    specs, gaz = rule_specs(rules, settings.seed), gazetteer(places, settings.seed)
    write_pack(folders.pack, specs, gaz)
    folders.reset()
    base = Task("rulecraft", rules, places, str(folders.pack), str(paths.fakes), settings.megabytes,
                settings.runs, settings.run_seconds, None, (1, settings.jobs), settings.seed,
                str(REAL_PLACES) if REAL_PLACES.is_file() else None)
    outcomes = {"rulecraft": _timed_child(base, folders, settings, log)}
    outcomes["rulecraft"]["cached"] = _cached_load(base, folders, settings, log)
    for name in settings.engines:
        if name == "rulecraft":
            continue
        task = replace(base, engine=name, jobs=(1,))
        if not name.startswith("rulecraft"):  # a peer: its own caps
            task = replace(task, run_seconds=settings.peer_seconds,
                           compile_seconds=settings.compile_seconds)
        outcomes[name] = _timed_child(task, folders, settings, log)
    return ConfigResult(rules, places, len(gaz), outcomes)


def _timed_child(task: Task, folders: Folders, settings: Settings, log: TextIO) -> dict:
    start = time.perf_counter()
    outcome = run_child(task, folders, settings.child_timeout)
    note = outcome.get("reason") or ""
    print(f"  {task.engine:<10} {outcome['status']:<11} {time.perf_counter() - start:6.1f} s "
          f"{note}", file=log, flush=True)
    return outcome


def _cached_load(task: Task, folders: Folders, settings: Settings, log: TextIO) -> dict:
    """Load the pack again in a fresh process if the first load left a cache; else 'n/a'."""
    before = folders.snapshot()
    made = {p for p in before if p.parent != folders.pack or p.name not in PACK_FILES}
    if not made:
        return {"status": "n/a", "reason": "the first load left no cache files"}
    return _timed_child(replace(task, runs=0), folders, settings, log)


# ---- the whole run -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Paths:
    """Where the text comes from and where generated files go."""

    fakes: Path
    cache: Path


def run(settings: Settings, paths: Paths, log: TextIO) -> list[ConfigResult]:
    """Measure every configuration in turn (one at a time, so they do not compete for cores)."""
    results = []
    for rules in settings.rules:
        for places in settings.gazetteers:
            print(f"[{rules} rules, {places} places]", file=log, flush=True)
            results.append(measure_config(settings, rules, places, paths, log))
    return results


def result_name(settings: Settings, name: str | None) -> str:
    """The result file's stem: the given name, else UTC date-time and mode."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return name or f"{stamp}-{settings.mode}"


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         log: TextIO | None = None) -> int:
    """Run the benchmark; 0 on success, 2 when the FA-KES text is missing."""
    out, log = out or sys.stdout, log or sys.stderr
    args = parse_args(argv)
    settings = settings_from(args)
    if not args.fakes.is_file():
        print(f"bench: no FA-KES text at {args.fakes} (pass --fakes PATH)", file=log)
        return 2
    started, load_before = time.perf_counter(), load_average()
    configs = run(settings, Paths(args.fakes, args.cache), log)
    report = build_report(settings_dict(settings), machine_info(REPO_DIR), configs,
                          time.perf_counter() - started, load_before)
    table = markdown(report)
    write_results(args.out, result_name(settings, args.name), report, table)
    print(table, file=out, end="")
    return 0


def settings_dict(settings: Settings) -> dict:
    """Settings as JSON-ready data."""
    return {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(settings).items()}


def write_results(folder: Path, name: str, report: dict, table: str) -> Path:
    """Write <name>.json and latest.md into `folder`; return the JSON path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    (folder / "latest.md").write_text(table, encoding="utf-8")
    return path
