"""Worker processes for `jobs` > 1: documents go out in batches, results come back in order.

Each worker holds the pack (inherited through fork where the platform has it, else loaded from
its path and the compile cache) and reads batches from its own pipe. A worker holds at most
`QUEUED` batches, so the next batch goes to whichever worker frees up first and a fast worker
never waits behind a slow one's queue; the parent reads whichever worker answers first and
yields results in input order. At most `WINDOW` batches per worker are out and not yet yielded,
so memory stays bounded however long the input is. The parent runs no helper threads: it
shares the cores with the workers, so its own cost per document limits the speed-up.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING

from .document import Document
from .model import DocResult, Event, Match

if TYPE_CHECKING:
    from .pack import Pack

BATCH_CHARS = 200_000  # text sent to a worker per batch: large enough to amortise the IPC
BATCH_DOCS = 64
WINDOW = 3  # batches per worker sent and not yet yielded: bounds memory
QUEUED = 2  # batches a worker holds at most: one to work on, one ready for it

Task = list[tuple[str | None, str, tuple[str, ...], str | None]]  # (id, text, warnings, date)
Outcome = tuple[list[Match], list[Event], str | None]  # (matches, events, error)
Batch = list[tuple[Document, str | None]]


class WorkerError(RuntimeError):
    """A worker process died or failed outside any one document (an engine bug)."""


def run_parallel(pack: Pack, work: Iterator[tuple[Document, str | None]], jobs: int,
                 with_events: bool) -> Iterator[DocResult]:
    """Process documents in `jobs` worker processes; results in input order."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    inherited = pack if context.get_start_method() == "fork" else None
    workers = [_Worker.start(context, inherited, pack.path, pack.timeout) for _ in range(jobs)]
    finished = False
    try:
        yield from _schedule(workers, _batches(work), with_events)
        finished = True
    finally:
        for worker in workers:
            worker.stop(wait=finished)


def _schedule(workers: list[_Worker], batches: Iterator[Batch], with_events: bool
              ) -> Iterator[DocResult]:
    """Send a batch whenever a worker has room and the window allows; yield answers in order."""
    out: dict[int, Batch] = {}  # sent and not yet yielded, by number
    answers: dict[int, list[Outcome]] = {}
    number = next_out = 0
    limit = WINDOW * len(workers)
    while True:
        worker = min(workers, key=_Worker.load)
        if len(out) >= limit or worker.in_flight >= QUEUED:
            _receive_ready(workers, answers)
        else:
            batch = next(batches, None)
            if batch is None:
                break
            worker.send(number, _task(batch), with_events)
            out[number] = batch
            number += 1
        while next_out in answers:
            yield from _results(answers.pop(next_out), out.pop(next_out))
            next_out += 1
    while out:
        _receive_ready(workers, answers)
        while next_out in answers:
            yield from _results(answers.pop(next_out), out.pop(next_out))
            next_out += 1


def _receive_ready(workers: list[_Worker], answers: dict[int, list[Outcome]]) -> None:
    """Wait for at least one busy worker to answer; keep every answer that is ready."""
    busy = {worker.conn: worker for worker in workers if worker.in_flight}
    for conn in wait(list(busy)):
        number, outcomes = busy[conn].receive()
        answers[number] = outcomes


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, process, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.in_flight = 0

    @classmethod
    def start(cls, context, pack: Pack | None, path: Path | None, timeout: float) -> _Worker:
        parent_end, child_end = context.Pipe()
        process = context.Process(target=_serve, args=(child_end, pack, path, timeout),
                                  daemon=True)
        process.start()
        child_end.close()
        return cls(process, parent_end)

    def load(self) -> int:
        return self.in_flight

    def send(self, number: int, task: Task, with_events: bool) -> None:
        self.conn.send((number, task, with_events))
        self.in_flight += 1

    def receive(self) -> tuple[int, list[Outcome]]:
        try:
            number, outcomes, failure = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(timeout=1)
            raise WorkerError(f"a worker process ended unexpectedly (exit code "
                              f"{self.process.exitcode})") from None
        self.in_flight -= 1
        if failure is not None:
            raise WorkerError(f"a worker process failed:\n{failure}")
        return number, outcomes

    def stop(self, wait: bool) -> None:
        """Let an idle worker finish; end one that still has work (the caller stopped)."""
        if wait and not self.in_flight:
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        self.conn.close()


def _serve(conn: Connection, pack: Pack | None, path: Path | None, timeout: float) -> None:
    """A worker's loop: read a batch, answer with its outcomes, until told to stop."""
    if pack is None:
        from .pack import load

        pack = load(path, timeout=timeout)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        number, task, with_events = message
        try:
            conn.send((number, _work(pack, task, with_events), None))
        except Exception:  # an engine bug outside any one document: report it, do not hang
            conn.send((number, None, traceback.format_exc()))


def _work(pack: Pack, task: Task, with_events: bool) -> list[Outcome]:
    """Process a batch in a worker. Plain tuples travel both ways, and texts are not sent back
    (the parent has them): pickling dataclasses would cost the parent, which shares the cores."""
    outcomes = []
    for doc_id, text, warnings, date in task:
        result = pack.process(Document(doc_id, text, warnings), with_events, date)
        outcomes.append((result.matches, list(result.events), result.error))
    return outcomes


def _results(outcomes: list[Outcome], batch: Batch) -> Iterator[DocResult]:
    for (matches, events, error), (document, _) in zip(outcomes, batch, strict=True):
        yield DocResult(document.id, document.text, matches, events, error, document.warnings)


def _task(batch: Batch) -> Task:
    return [(d.id, d.text, d.warnings, date) for d, date in batch]


def _batches(work: Iterator[tuple[Document, str | None]]) -> Iterator[Batch]:
    """Consecutive documents grouped by size, so one batch carries enough work."""
    batch: Batch = []
    size = 0
    for item in work:
        batch.append(item)
        size += len(item[0].text)
        if size >= BATCH_CHARS or len(batch) >= BATCH_DOCS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
