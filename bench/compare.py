"""Compare two result files: `python -m bench.compare OLD.json NEW.json`.

Prints, per configuration both files measured, Rulecraft's MB/s, compile time and peak memory
in each and the change (new / old), and warns when the machines or settings differ.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

HEAD = ("| rules | places | MB/s old | MB/s new | new/old | compile old s | compile new s | "
        "peak MB old | peak MB new |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
MACHINE_KEYS = ("cores", "cpu", "python")
SETTING_KEYS = ("megabytes", "runs", "run_seconds", "seed")


def rulecraft_rows(report: dict) -> dict[tuple[int, int], dict]:
    """(rules, places) -> Rulecraft's outcome, for the configurations Rulecraft ran."""
    rows = {}
    for config in report["configs"]:
        outcome = config["engines"].get("rulecraft", {})
        if outcome.get("status") == "ok":
            rows[(config["rules"], config["places"])] = outcome
    return rows


def one_job(outcome: dict) -> dict | None:
    """The single-process throughput entry of an outcome."""
    return next((t for t in outcome.get("throughput", []) if t["jobs"] == 1), None)


def differences(old: dict, new: dict) -> list[str]:
    """Warnings for machine facts and settings that differ between the two runs."""
    notes = [f"machine {k}: {old['machine'].get(k)} -> {new['machine'].get(k)}"
             for k in MACHINE_KEYS if old["machine"].get(k) != new["machine"].get(k)]
    notes += [f"setting {k}: {old['settings'].get(k)} -> {new['settings'].get(k)}"
              for k in SETTING_KEYS if old["settings"].get(k) != new["settings"].get(k)]
    return notes


def table(old: dict, new: dict) -> str:
    """The comparison as Markdown."""
    before, after = rulecraft_rows(old), rulecraft_rows(new)
    shared = sorted(before.keys() & after.keys())
    rows = [HEAD] + [_row(key, before[key], after[key]) for key in shared]
    warnings = [f"> warning: {note}" for note in differences(old, new)]
    return "\n".join(warnings + ([""] if warnings else []) + rows) + "\n"


def _row(key: tuple[int, int], old: dict, new: dict) -> str:
    a, b = one_job(old), one_job(new)
    speed = f"{b['mb_per_s'] / a['mb_per_s']:.2f}x" if a and b else "-"
    cells = [f"{key[0]:,}", f"{key[1]:,}", _mbs(a), _mbs(b), speed,
             _num(old.get("compile_seconds")), _num(new.get("compile_seconds")),
             _num(old.get("peak_rss_mb"), 0), _num(new.get("peak_rss_mb"), 0)]
    return "| " + " | ".join(cells) + " |"


def _mbs(entry: dict | None) -> str:
    return f"{entry['mb_per_s']:.3g}" if entry else "-"


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Print the comparison of two result files; 2 on a usage error."""
    args = list(argv if argv is not None else sys.argv[1:])
    out = out or sys.stdout
    if len(args) != 2:
        print("usage: python -m bench.compare OLD.json NEW.json", file=sys.stderr)
        return 2
    old, new = (json.loads(Path(a).read_text(encoding="utf-8")) for a in args)
    print(table(old, new), file=out, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
