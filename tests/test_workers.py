"""`jobs` > 1: results in input order whichever worker answers first, and a worker that dies or
fails outside any one document stops the run with an error instead of hanging it."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time

import pytest
from conftest import rule_yaml

from engine import workers
from engine.workers import WorkerError

TOLL = rule_yaml("{count:NUMBER} {victim:VICTIM} @KILLED ... in {place:PLACE}", name="toll",
                 label="Casualties", fields="{fatalities: count.value}")

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="the faults are planted in the parent, which needs fork")


@pytest.fixture
def toll(make_pack):
    return make_pack(TOLL)


def _docs(count: int) -> list[tuple[str, str]]:
    return [(f"d{n}", f"About {n + 2} militants were killed in Deir Ezzor.") for n in range(count)]


def _planting(monkeypatch, fault) -> None:
    """One document per batch, and `fault(doc_id)` run by the worker before each batch."""
    real = workers._work

    def work(pack, task, with_events):
        fault(task[0][0])
        return real(pack, task, with_events)

    monkeypatch.setattr(workers, "BATCH_DOCS", 1)
    monkeypatch.setattr(workers, "_work", work)


def test_results_keep_input_order_when_later_batches_finish_first(toll, monkeypatch) -> None:
    _planting(monkeypatch, lambda doc: time.sleep(0.3 if doc in ("d0", "d3") else 0))
    results = list(toll.extract_many(_docs(10), jobs=2))
    assert [r.doc for r in results] == [f"d{n}" for n in range(10)]
    assert [r.matches[0].fields["fatalities"] for r in results] == list(range(2, 12))


def test_a_worker_that_dies_stops_the_run_with_an_error(toll, monkeypatch) -> None:
    _planting(monkeypatch, lambda doc: os._exit(3) if doc == "d4" else None)
    with pytest.raises(WorkerError, match="ended unexpectedly.*exit code 3"):
        list(toll.extract_many(_docs(10), jobs=2))
    assert not multiprocessing.active_children()


def test_an_engine_bug_outside_any_document_is_reported(toll, monkeypatch) -> None:
    def fail(doc: str) -> None:
        if doc == "d2":
            raise ValueError("broken batch")

    _planting(monkeypatch, fail)
    with pytest.raises(WorkerError, match="ValueError: broken batch"):
        list(toll.extract_many(_docs(6), jobs=2))
    assert not multiprocessing.active_children()


def test_stopping_early_ends_the_workers(toll) -> None:
    results = toll.extract_many(itertools.cycle(_docs(5)), jobs=2)
    assert [r.doc for r in itertools.islice(results, 3)] == ["d0", "d1", "d2"]
    results.close()
    assert not multiprocessing.active_children()
