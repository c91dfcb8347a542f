"""The PySpark recipe: `extract_spark` over a Spark DataFrame on a local Spark session.

Optional: skipped unless pyspark (with pandas and pyarrow, for `mapInPandas`) and Java are
installed. Starting Spark takes several seconds, so one session serves the module.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from engine.distributed import extract_spark

pytestmark = [
    pytest.mark.optional,
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

_REASON = "pyspark is not installed (pip install 'rulecraft[spark]')"
pyspark_sql = pytest.importorskip("pyspark.sql", reason=_REASON)
pytest.importorskip("pyarrow", reason="mapInPandas needs pyarrow (pip install 'rulecraft[spark]')")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java (17 or later)", allow_module_level=True)

PACK = Path(__file__).parent / "fixtures" / "distributed" / "pack"
TIMEOUT = 0.2
SLOW_TEXT = "zzz " + " ".join(["word"] * 300) + "."
DOCS = [(f"d{n}", f"{n + 1} people were killed in Hama.") for n in range(20)] + [
    ("calm", "A calm day."), ("two", "4 soldiers were killed in Idlib. 6 fighters were killed "
                              "in Hama."), ("slow", SLOW_TEXT)]


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    root = Path(__file__).resolve().parent.parent
    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers: this interpreter, this checkout
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(root), os.environ.get("PYTHONPATH")) if p)
    session = (pyspark_sql.SparkSession.builder.master("local[2]").appName("rulecraft-test")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.local.dir", str(tmp_path_factory.mktemp("spark")))
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_gives_a_row_per_match_and_per_failed_document(spark) -> None:
    pack = engine.load(PACK, timeout=TIMEOUT)
    frame = spark.createDataFrame(DOCS, "id string, text string")
    rows = extract_spark(frame, PACK, timeout=TIMEOUT).collect()
    errors = [r for r in rows if r.error is not None]
    assert [r.doc for r in errors] == ["slow"] and "rules.slow" in errors[0].error
    got = sorted((r.doc, r.rule, r.start, r.end, json.loads(r.fields))
                 for r in rows if r.error is None)
    expected = sorted((doc, m.rule, m.start, m.end, m.to_dict()["fields"])
                      for doc, text in DOCS if doc != "slow" for m in pack.extract(text, doc))
    assert got == expected and len(got) == 22


def test_spark_events_without_an_id_column(spark) -> None:
    frame = spark.createDataFrame([("7 civilians were killed in Idlib.",)], "text string")
    [row] = extract_spark(frame, PACK, id_column=None, with_events=True,
                          timeout=TIMEOUT).collect()
    assert (row.fatalities, row.location, row.error) == ("7", "Idlib", None)
    assert row.doc is not None
