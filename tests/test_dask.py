"""Distributed runs on a local Dask cluster: bags, dataframes, the stream and `run --dask`.

One LocalCluster (two worker processes, one thread each) serves the whole module. The corpus
has 50 documents: tolls, texts without matches, an empty one, a binary one, one in Latin-1 and
one on which a pathological rule runs past its time bound.
"""

from __future__ import annotations

import io
import json
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from engine.cli import main
from engine.distributed import (
    ClusterError,
    Columns,
    PackRef,
    extract_dask,
    extract_on_cluster,
    process_partition,
)
from engine.document import decode_bytes
from engine.errors import RuleErrors

_REASON = "dask is not installed (pip install 'rulecraft[dask]')"
db = pytest.importorskip("dask.bag", reason=_REASON)
distributed = pytest.importorskip("distributed", reason=_REASON)

PACK = Path(__file__).parent / "fixtures" / "distributed" / "pack"
TIMEOUT = 0.2
VICTIMS = ("soldiers", "civilians", "fighters", "people")
PLACES = ("Hama", "Idlib", "Deir Ezzor")
SLOW_TEXT = "zzz " + " ".join(["word"] * 300) + "."
FAILING = {"binary", "slow"}

Content = str | bytes


def corpus() -> list[tuple[str, Content]]:
    """50 (id, content) documents; `binary` and `slow` must come out as error records."""
    docs: list[tuple[str, Content]] = [
        (f"doc{n:02}", f"On day {n}, {n + 2} {VICTIMS[n % 4]} were killed in {PLACES[n % 3]}.")
        for n in range(42)]
    docs += [("calm", "A calm day in the market."), ("empty", ""),
             ("two", "Five soldiers were killed near the river in Hama. 3 people were killed "
                     "in Idlib."),
             ("none", "Nobody was hurt in Idlib."),
             ("binary", b"\x00\x01\x02 not a text"),
             ("latin1", b"Caf\xe9 owner: 9 civilians were killed in Hama."),
             ("slow", SLOW_TEXT), ("late", "Two fighters were killed in Deir Ezzor.")]
    return docs


def text_of(content: Content) -> str:
    return content if isinstance(content, str) else decode_bytes(content).text


@pytest.fixture(scope="module")
def pack() -> engine.Pack:
    return engine.load(PACK, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as c:
        yield c


@pytest.fixture(scope="module")
def client(cluster: distributed.LocalCluster) -> Iterator[distributed.Client]:
    with distributed.Client(cluster, set_as_default=False) as c:
        yield c


def expected_matches(pack: engine.Pack, doc: str, content: Content) -> list[dict]:
    return [m.to_dict() for m in pack.extract(text_of(content), doc)]


# ---------------------------------------------------------------- bags


def test_bag_gives_one_record_per_document_as_extract_does(client, pack) -> None:
    docs = corpus()
    bag = db.from_sequence(docs, npartitions=5)
    records = extract_dask(bag, PACK, timeout=TIMEOUT).compute(scheduler=client)
    assert [r["doc"] for r in records] == [doc for doc, _ in docs]
    assert {r["doc"] for r in records if r["error"]} == FAILING
    for record, (doc, content) in zip(records, docs, strict=True):
        if doc not in FAILING:
            assert record["matches"] == expected_matches(pack, doc, content), doc
    assert sum(len(r["matches"]) for r in records) == 42 + 2 + 1 + 1


def test_error_records_name_their_cause(client) -> None:
    bag = db.from_sequence(corpus(), npartitions=3)
    records = {r["doc"]: r for r in extract_dask(bag, PACK, timeout=TIMEOUT).compute(
        scheduler=client)}
    assert "binary" in records["binary"]["error"]
    assert "rules.slow" in records["slow"]["error"] and "0.2s" in records["slow"]["error"]
    assert "invalid UTF-8" in records["latin1"]["warnings"][0]


def test_each_worker_loads_the_pack_once(client) -> None:
    bag = db.from_sequence(corpus(), npartitions=10)
    extract_dask(bag, PACK, timeout=TIMEOUT).compute(scheduler=client)
    loaded = client.run(lambda: len(sys.modules["engine.distributed"]._PACKS))
    assert set(loaded.values()) <= {0, 1} and 1 in loaded.values()  # kept, not reloaded


def test_bag_of_mappings_and_bare_texts(client, pack) -> None:
    rows = [{"key": "a", "body": "4 people were killed in Hama."}, {"body": "Nothing."},
            {"key": "c"}]
    records = extract_dask(db.from_sequence(rows, npartitions=1), PACK, text_column="body",
                           id_column="key", timeout=TIMEOUT).compute(scheduler=client)
    assert [(r["doc"], len(r["matches"]), r["error"]) for r in records] == [
        ("a", 1, None), ("0:1", 0, None), ("c", 0, "no text field 'body'")]
    bare = extract_dask(db.from_sequence(["x", "6 soldiers were killed in Idlib."],
                                         npartitions=2), PACK, timeout=TIMEOUT)
    assert [r["doc"] for r in bare.compute(scheduler=client)] == ["0:0", "1:0"]


def test_bag_with_events(client) -> None:
    bag = db.from_sequence([("e1", "12 civilians were killed in Idlib.")], npartitions=1)
    [record] = extract_dask(bag, PACK, with_events=True, timeout=TIMEOUT).compute(
        scheduler=client)
    [event] = record["events"]
    assert (event["doc"], event["fatalities"], event["location"]) == ("e1", 12, "Idlib")


# ---------------------------------------------------------------- dataframes


@pytest.fixture(scope="module")
def dd():
    return pytest.importorskip("dask.dataframe", reason="dask.dataframe needs pandas and pyarrow")


def text_frame():
    import pandas as pd

    docs = [(doc, content) for doc, content in corpus() if isinstance(content, str)]
    return pd.DataFrame({"id": [d for d, _ in docs], "text": [t for _, t in docs]})


def test_dataframe_gives_a_row_per_match_and_per_failed_document(client, pack, dd) -> None:
    frame = text_frame()
    out = extract_dask(dd.from_pandas(frame, npartitions=4), PACK, timeout=TIMEOUT)
    rows = out.compute(scheduler=client)
    errors, found = rows[rows["error"].notna()], rows[rows["error"].isna()]
    assert list(errors["doc"]) == ["slow"]
    expected = [(doc, m["rule"], m["start"], m["end"], json.dumps(m["fields"]))
                for doc, text in zip(frame["id"], frame["text"], strict=True) if doc != "slow"
                for m in expected_matches(pack, doc, text)]
    got = [(r.doc, r.rule, r.start, r.end, json.dumps(json.loads(r.fields)))
           for r in found.itertuples()]
    assert got == expected
    assert len(found) + len(errors) == len(expected) + 1


def test_dataframe_dtypes_match_the_meta(client, dd) -> None:
    out = extract_dask(dd.from_pandas(text_frame(), npartitions=2), PACK, timeout=TIMEOUT)
    assert dict(out.compute(scheduler=client).dtypes) == dict(out.dtypes)


def test_dataframe_events_use_the_index_without_an_id_column(client, dd) -> None:
    import pandas as pd

    frame = pd.DataFrame({"text": ["Nothing.", "7 fighters were killed in Hama.", None]})
    out = extract_dask(dd.from_pandas(frame, npartitions=2), PACK, id_column=None,
                       with_events=True, timeout=TIMEOUT).compute(scheduler=client)
    assert [(r.doc, r.fatalities, r.location, r.error) for r in out.itertuples()] == [
        ("1", 7, "Hama", None)]


def test_dataframe_rows_without_an_id_are_named_by_partition_and_position(client, dd) -> None:
    import pandas as pd

    text = "3 people were killed in Hama."
    frame = pd.DataFrame({"id": ["a", None, "c", ""], "text": [text] * 4})
    out = extract_dask(dd.from_pandas(frame, npartitions=2), PACK, timeout=TIMEOUT)
    assert list(out.compute(scheduler=client)["doc"]) == ["a", "0:1", "c", "1:1"]


# ---------------------------------------------------------------- the stream and the CLI


def test_stream_keeps_input_order_across_batches(cluster, pack) -> None:
    docs = [(doc, content) for doc, content in corpus() if isinstance(content, str)]
    results = list(extract_on_cluster(cluster.scheduler_address, pack, docs, batch_size=7))
    local = list(pack.extract_many(docs))
    assert [r.doc for r in results] == [doc for doc, _ in docs]
    assert [(r.doc, r.error, [m.to_dict() for m in r.matches]) for r in results] == [
        (r.doc, r.error, [m.to_dict() for m in r.matches]) for r in local]


def write_inputs(folder: Path) -> Path:
    folder.mkdir()
    for doc, content in corpus():
        data = content.encode() if isinstance(content, str) else content
        (folder / f"{doc}.txt").write_bytes(data)
    return folder


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "--rules", str(PACK), "--timeout", str(TIMEOUT), "--quiet", *argv],
                stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("fmt", ["jsonl", "events"])
def test_cli_dask_writes_what_the_local_run_writes(cluster, tmp_path: Path, fmt: str) -> None:
    inputs = str(write_inputs(tmp_path / "in"))
    local = run_cli("--format", fmt, inputs)
    remote = run_cli("--format", fmt, "--dask", cluster.scheduler_address, inputs)
    assert remote == local
    code, out, err = remote
    assert code == 1 and "rules.slow" in err and "binary file skipped" in err
    assert len(out.splitlines()) > 40


@pytest.mark.parametrize(("address", "message"), [
    ("tcp://127.0.0.1:1", "Connection refused"),
    ("nonsense", "missing port number"),
    ("foo://host:1", "unknown address scheme"),
])
def test_cli_dask_unreachable_scheduler(tmp_path: Path, address: str, message: str) -> None:
    (tmp_path / "a.txt").write_text("3 people were killed in Hama.", encoding="utf-8")
    code, out, err = run_cli("--dask", address, str(tmp_path / "a.txt"))
    assert code == 1
    assert f"rulecraft: cannot connect to the Dask scheduler at {address}" in err
    assert message in err and "Traceback" not in err


# ---------------------------------------------------------------- without a cluster


@pytest.mark.parametrize(("documents", "rules", "error"), [
    (["a list"], PACK, TypeError),
    ("a string", PACK, TypeError),
    (db.from_sequence(["x"]), PACK / "missing", RuleErrors),
])
def test_extract_dask_refuses_bad_arguments(documents, rules: Path, error: type) -> None:
    with pytest.raises(error):
        extract_dask(documents, rules)


def test_extract_dask_needs_the_text_column(dd) -> None:
    import pandas as pd

    frame = dd.from_pandas(pd.DataFrame({"text": ["x"]}), npartitions=1)
    with pytest.raises(ValueError, match="no text column 'body'"):
        extract_dask(frame, PACK, text_column="body")


def test_a_worker_that_cannot_load_the_pack_raises_a_picklable_cluster_error(tmp_path) -> None:
    with pytest.raises(ClusterError) as info:
        process_partition(["x"], PackRef(str(tmp_path / "nowhere")), columns=Columns())
    assert "cannot load the pack" in str(info.value)
    assert str(pickle.loads(pickle.dumps(info.value))) == str(info.value)


def test_pack_ref_needs_a_path(pack) -> None:
    assert PackRef.of(pack) == PackRef(str(PACK.resolve()), TIMEOUT)
    with pytest.raises(ValueError, match="workers need a pack path"):
        PackRef.of(engine.Pack(pack.compiled))
