"""How long until the first result? Load the shipped pack from the cache and extract one short text.

    python -m bench.startup [--runs 7] [--pack rules/conflict]

Each run is a fresh interpreter (`python -c ...`) that imports the engine, loads the pack (from
the compile cache, which a first untimed run fills) and assembles the events of one short text
written for this benchmark; it reports the time of each step. Beside it, in the same loop, a bare
interpreter start (`python -c pass`) is timed as the baseline: the machine's own floor. Medians
of `--runs` runs are printed and written to `bench/results/startup.json`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.workload import REPO_DIR

SHORT_TEXT = ("Government warplanes struck the town of Kafr Nabl in Idlib province on Monday, "
              "killing 12 civilians, including three children, a monitoring group said.")
CHILD = """
import json, sys, time
t0 = time.perf_counter()
import engine
t1 = time.perf_counter()
pack = engine.load(sys.argv[1])
t2 = time.perf_counter()
events = pack.events(sys.argv[2])
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "first_extract": t3 - t2,
                  "events": len(events)}))
"""


def _child(pack: str) -> dict:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, pack, SHORT_TEXT], cwd=REPO_DIR,
                          capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    result["process"] = time.perf_counter() - start
    return result


def _bare() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def measure(pack: str, runs: int) -> dict:
    """Medians over `runs` fresh processes, after one untimed run that fills the cache."""
    _child(pack)
    samples = [(_child(pack), _bare()) for _ in range(runs)]
    keys = ("import", "load", "first_extract", "process")
    out = {key: round(statistics.median(s[key] for s, _ in samples), 3) for key in keys}
    out["load_and_first_extract"] = round(statistics.median(
        s["load"] + s["first_extract"] for s, _ in samples), 3)
    out["bare_interpreter"] = round(statistics.median(b for _, b in samples), 3)
    out.update(pack=pack, runs=runs, events=samples[0][0]["events"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pack", default="rules/conflict")
    parser.add_argument("--out", type=Path, default=REPO_DIR / "bench" / "results" /
                        "startup.json")
    args = parser.parse_args(argv)
    result = measure(args.pack, max(1, args.runs))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"{args.pack} from the cache, median of {result['runs']} fresh processes:\n"
          f"  import {result['import']:.3f} s, load {result['load']:.3f} s, first extraction "
          f"{result['first_extract']:.3f} s -> load + first extraction "
          f"{result['load_and_first_extract']:.3f} s; whole process {result['process']:.3f} s\n"
          f"  baseline: bare interpreter start {result['bare_interpreter']:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
