"""Is memory flat while streaming? Run `rulecraft run` over a JSONL corpus fed on stdin.

    python -m bench.memory --mb 200 --rules bench/.cache/packs/r100-g2000

FA-KES articles are repeated into a JSONL stream of the given size and piped into
`python -m engine.cli run --format jsonl --text-column text -` (output discarded), sampling the
child's resident memory every half second. Peak resident memory after the first 10% of the input
and at the end are reported: a streaming run keeps them close, whatever the input size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.machine import machine_info
from bench.workload import REPO_DIR, read_fakes


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (worker processes included)."""
    total = 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(_rss_mb(int(child)) for child in children)


def _feed(stdin, texts: list[str], total_bytes: int, progress: list[int]) -> None:
    sent, n = 0, 0
    try:
        while sent < total_bytes:
            line = (json.dumps({"id": f"d{n}", "text": texts[n % len(texts)]}) + "\n").encode()
            stdin.write(line)
            sent += len(line)
            progress[0] = sent
            n += 1
    finally:
        stdin.close()


def measure(rules: str, megabytes: float, jobs: int) -> dict:
    """Stream `megabytes` of JSONL through the CLI; peak memory early and at the end."""
    texts = read_fakes()
    total = int(megabytes * 1e6)
    cmd = [sys.executable, "-m", "engine.cli", "run", "--rules", rules, "--quiet",
           "--text-column", "text", "--jobs", str(jobs), "-"]
    child = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    progress = [0]
    feeder = threading.Thread(target=_feed, args=(child.stdin, texts, total, progress))
    feeder.start()
    early = peak = 0.0
    started = time.perf_counter()
    while child.poll() is None:
        rss = _rss_mb(child.pid)
        peak = max(peak, rss)
        if progress[0] < total * 0.1:
            early = max(early, rss)
        time.sleep(0.5)
    feeder.join()
    seconds = time.perf_counter() - started
    return {"mb": megabytes, "jobs": jobs, "peak_rss_first_10pct_mb": round(early, 1),
            "peak_rss_mb": round(peak, 1), "seconds": round(seconds, 1),
            "mb_per_s": round(megabytes / seconds, 2), "exit": child.returncode}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", default="bench/.cache/packs/r100-g2000")
    parser.add_argument("--mb", type=float, nargs="+", default=[50, 200])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" /
                        "memory.json", help="where the measurements are written (JSON)")
    args = parser.parse_args(argv)
    results = []
    for size in args.mb:
        results.append(measure(args.rules, size, args.jobs))
        print(json.dumps(results[-1]), flush=True)
    record = {"rules": args.rules, "machine": machine_info(REPO_DIR), "runs": results}
    args.out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
