"""One measurement in its own process: compile one engine on one workload, time it, report JSON.

Run by `bench.run` as `python -m bench.measure '<json task>'`; prints one JSON object. A fresh
process per configuration makes compile times cold and peak memory (ru_maxrss) its own.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .engines import ENGINES, Compiled, Counts, Engine, EngineUnavailable, RulecraftEngine, Workload
from .workload import MB, gazetteer, read_fakes, repeat_to, rule_specs


@dataclass(frozen=True)
class Task:
    """What one measuring process does."""

    engine: str
    rules: int
    gazetteer: int
    pack: str
    fakes: str
    megabytes: float
    runs: int
    run_seconds: float | None
    compile_seconds: float | None = None
    jobs: tuple[int, ...] = (1,)
    seed: int = 0
    real_places: str | None = None


@dataclass(frozen=True)
class Throughput:
    """Timed runs of one engine over one prefix of the corpus."""

    jobs: int
    docs: int
    bytes: int
    seconds: list[float]
    scale: float
    matches: int
    errors: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) * self.scale

    def to_dict(self) -> dict:
        out = asdict(self)
        out.update(median_seconds=self.median, mb_per_s=self.bytes / MB / self.median,
                   docs_per_s=self.docs / self.median)
        return out


@dataclass
class Outcome:
    """Everything one measuring process reports."""

    engine: str
    status: str = "ok"
    reason: str | None = None
    compile_seconds: float | None = None
    rules_compiled: int | None = None
    rules_total: int | None = None
    baseline_rss_mb: float | None = None
    peak_rss_mb: float | None = None
    throughput: list[dict] = field(default_factory=list)
    counts: list[list] = field(default_factory=list)
    recorded_docs: int = 0


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


def measure(task: Task) -> Outcome:
    """Compile and time one engine as the task says; an unavailable engine is reported."""
    outcome = Outcome(task.engine)
    unique = read_fakes(Path(task.fakes))
    corpus = repeat_to(unique, task.megabytes)
    workload = _workload(task)
    outcome.baseline_rss_mb = peak_rss_mb()
    try:
        engine = ENGINES[task.engine]()
        compiled = engine.compile(workload, task.compile_seconds)
    except EngineUnavailable as exc:
        outcome.status, outcome.reason = "unavailable", str(exc)
        return outcome
    _record_compile(outcome, compiled)
    if task.runs:
        _set_jobs(engine, task.jobs[0])
        first = _throughput(engine, corpus, len(unique), task, compiled, outcome)
        outcome.peak_rss_mb = peak_rss_mb()
        outcome.throughput.append(first.to_dict())
        for jobs in task.jobs[1:]:  # N workers get N times the text: the same work each
            _set_jobs(engine, jobs)
            prefix = corpus[:first.docs * jobs]
            outcome.throughput.append(_timed_runs(engine, prefix, task.runs, compiled).to_dict())
    outcome.peak_rss_mb = outcome.peak_rss_mb or peak_rss_mb()
    return outcome


def _workload(task: Task) -> Workload:
    real = Path(task.real_places) if task.real_places else None
    specs = tuple(rule_specs(task.rules, task.seed))
    return Workload(specs, tuple(gazetteer(task.gazetteer, task.seed, real)), Path(task.pack))


def _record_compile(outcome: Outcome, compiled: Compiled) -> None:
    outcome.compile_seconds = compiled.seconds * compiled.scale
    outcome.rules_compiled = compiled.rules_compiled
    outcome.rules_total = compiled.rules_total


def _set_jobs(engine: Engine, jobs: int) -> None:
    if isinstance(engine, RulecraftEngine):
        engine.jobs = jobs
    elif jobs != 1:
        raise ValueError(f"{engine.name} runs with one job only")


def _throughput(engine: Engine, corpus: list[str], unique: int, task: Task,
                compiled: Compiled, outcome: Outcome) -> Throughput:
    """A warm-up run (it fixes the prefix and records counts), then `runs` timed runs."""
    limit = task.run_seconds
    if hasattr(engine, "errors"):
        engine.errors = 0
    docs, counts = _warm_up(engine, corpus if limit else corpus[:unique], limit, unique)
    errors = getattr(engine, "errors", 0)
    if not outcome.counts:
        outcome.counts, outcome.recorded_docs = counts, min(docs, unique)
    prefix = corpus[:docs] if limit else corpus
    return replace(_timed_runs(engine, prefix, task.runs, compiled), errors=errors)


def _timed_runs(engine: Engine, prefix: list[str], runs: int, compiled: Compiled
                ) -> Throughput:
    """`runs` timed runs over the same documents (the first one's matches are kept)."""
    if hasattr(engine, "errors"):
        engine.errors = 0
    timed = [_timed(engine, prefix) for _ in range(runs)]
    size = sum(len(text.encode("utf-8")) for text in prefix)
    return Throughput(getattr(engine, "jobs", 1), len(prefix), size, [t for t, _ in timed],
                      compiled.scale, timed[0][1], getattr(engine, "errors", 0) // runs)


def _warm_up(engine: Engine, corpus: Sequence[str], limit: float | None, record: int
             ) -> tuple[int, list[list]]:
    """Run until `limit` seconds have passed or the corpus ends: docs done and sparse counts."""
    start = time.perf_counter()
    docs = 0
    counts: list[list] = []
    for index, found in enumerate(_stream(engine, corpus)):
        docs = index + 1
        if index < record:
            counts.extend([index, rule, n] for rule, n in sorted(found.items()))
        if limit is not None and time.perf_counter() - start > limit:
            break
    return docs, counts


def _stream(engine: Engine, corpus: Sequence[str]) -> Iterator[Counts]:
    stream = engine.counts(corpus)
    try:
        yield from stream
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def _timed(engine: Engine, texts: Sequence[str]) -> tuple[float, int]:
    """Seconds for one run over `texts`, and the matches found."""
    start = time.perf_counter()
    matches = sum(sum(found.values()) for found in engine.counts(texts))
    return time.perf_counter() - start, matches


def main(argv: list[str] | None = None) -> int:
    """Entry point of a measuring process: one JSON task in argv, one JSON outcome on stdout."""
    raw = json.loads((argv if argv is not None else sys.argv[1:])[0])
    raw["jobs"] = tuple(raw.get("jobs", (1,)))
    outcome = measure(Task(**raw))
    print(json.dumps(asdict(outcome)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
