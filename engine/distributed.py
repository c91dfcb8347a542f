"""Distributed runs: a pack over partitions of documents on a Dask or Spark cluster.

Tasks carry a `PackRef` (the pack's absolute path and time bound), never the compiled pack:
each worker process loads the pack on its first partition (the on-disk cache of compiled packs
makes that cheap after the first load on a machine) and keeps it for the life of the process.
The path must therefore name the same pack on every worker (a shared file system, or the same
container image), and the workers need Rulecraft installed.

Every document in gives exactly one result out, in the order of its partition: its matches
(and events), or an error record naming the document (binary input, a rule past its time
bound, ...). Dask and Spark are imported only when used: `pip install 'rulecraft[dask]'` or
`'rulecraft[spark]'`. See docs/distributed.md for recipes.
"""

from __future__ import annotations

import math
import socket
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .document import Document, decode_bytes
from .emit import EVENT_COLUMNS, MATCH_COLUMNS, event_row, match_dict, plain_value, to_json
from .errors import InputError, RulecraftError
from .match import DEFAULT_TIMEOUT
from .model import DocResult, Event, Match
from .pack import Pack, load
from .resources import default_pack_path

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ClusterError", "Columns", "PackRef", "connect", "extract_dask", "extract_on_cluster",
    "extract_spark", "frame_partition", "process_partition", "record_partition",
    "result_record", "results_frame", "spark_schema", "table_rows", "to_document",
    "worker_pack",
]

BATCH_SIZE = 64
BATCH_CHARS = 4_000_000
CONNECT_TIMEOUT = 10.0
_ID_COLUMN = "_rulecraft_id"


class ClusterError(RulecraftError):
    """The cluster could not be reached, a worker could not load the pack, or a worker failed."""


@dataclass(frozen=True)
class PackRef:
    """How a worker finds a pack: its absolute path (the same on every worker) and time bound."""

    path: str
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def of(cls, rules: str | Path | Pack | None = None, timeout: float = DEFAULT_TIMEOUT
           ) -> PackRef:
        """A reference to a pack path (None: the shipped pack) or to a loaded Pack's path."""
        if isinstance(rules, Pack):
            if rules.path is None:
                raise ValueError("this pack was built in memory: workers need a pack path")
            return cls(str(Path(rules.path).resolve()), rules.timeout)
        return cls(str(Path(rules if rules is not None else default_pack_path()).resolve()),
                   timeout)


@dataclass(frozen=True)
class Columns:
    """Where a mapping or table row keeps its text and its id (None: ids from position)."""

    text: str = "text"
    id: str | None = "id"


DEFAULT_COLUMNS = Columns()


# ---------------------------------------------------------------- on the workers

_PACKS: dict[PackRef, Pack] = {}  # this process's loaded packs: a cache, not configuration
_PACKS_LOCK = threading.Lock()


def worker_pack(ref: PackRef) -> Pack:
    """The pack `ref` names, loaded once per process and kept for later partitions."""
    with _PACKS_LOCK:
        pack = _PACKS.get(ref)
        if pack is None:
            pack = _PACKS[ref] = _load_on_worker(ref)
    return pack


def _load_on_worker(ref: PackRef) -> Pack:
    """Load a pack, turning a failure into a picklable error that names the host."""
    try:
        return load(ref.path, timeout=ref.timeout)
    except RulecraftError as exc:
        message = "; ".join(str(exc).splitlines())
        raise ClusterError(f"{socket.gethostname()}: cannot load the pack {ref.path}: "
                           f"{message}") from None


def process_partition(items: Iterable[Any], ref: PackRef, with_events: bool = False,
                      columns: Columns = DEFAULT_COLUMNS, partition: int = 0
                      ) -> list[DocResult]:
    """One DocResult per item, in order: its matches (and events), or an error record.

    An item is a text, bytes (decoded as files are), an (id, text) pair, a mapping with the
    `columns`, or a Document; an item without an id is named "PARTITION:POSITION".
    """
    pack = worker_pack(ref)
    return [_process(pack, item, columns, f"{partition}:{n}", with_events)
            for n, item in enumerate(items)]


def _process(pack: Pack, item: Any, columns: Columns, default_id: str, with_events: bool
             ) -> DocResult:
    try:
        document = to_document(item, columns, default_id)
    except InputError as exc:
        return DocResult(exc.doc or default_id, "", [], error=exc.message)
    return pack.process(document, with_events)


def to_document(item: Any, columns: Columns, default_id: str) -> Document:
    """A Document from one partition item; InputError for binary or unusable input."""
    if isinstance(item, Document):
        return item
    if isinstance(item, Mapping):
        doc_id = _id_or(item.get(columns.id) if columns.id else None, default_id)
        if columns.text not in item:
            raise InputError(doc_id, f"no text field {columns.text!r}")
        return _from_content(doc_id, item[columns.text])
    if isinstance(item, tuple) and len(item) == 2:
        return _from_content(_id_or(item[0], default_id), item[1])
    return _from_content(default_id, item)


def _from_content(doc_id: str, content: Any) -> Document:
    if isinstance(content, str):
        return Document(doc_id, content)
    if isinstance(content, (bytes, bytearray, memoryview)):
        return decode_bytes(bytes(content), doc_id)
    if _missing(content):
        return Document(doc_id, "")
    raise InputError(doc_id, f"not a text but {type(content).__name__}")


def _id_or(value: Any, default: str) -> str:
    return default if _missing(value) or value == "" else str(value)


def _missing(value: Any) -> bool:
    """None, NaN or pandas' NA: an empty cell."""
    if value is None or type(value).__name__ == "NAType":
        return True
    return isinstance(value, float) and math.isnan(value)


# ---------------------------------------------------------------- records and rows


def result_record(result: DocResult) -> dict[str, Any]:
    """One document's result as JSON-ready data: doc, matches, events, error, warnings."""
    events = [{**e.to_dict(), "doc": e.doc if e.doc is not None else result.doc}
              for e in result.events]
    return {"doc": result.doc, "matches": [match_dict(m, result.doc) for m in result.matches],
            "events": events, "error": result.error, "warnings": list(result.warnings)}


def record_partition(items: Iterable[Any], ref: PackRef, with_events: bool = False,
                     columns: Columns = DEFAULT_COLUMNS, partition: int = 0
                     ) -> list[dict[str, Any]]:
    """`process_partition` with each result as a `result_record`: a Dask bag's partition."""
    return [result_record(r)
            for r in process_partition(items, ref, with_events, columns, partition)]


def _match_row(match: Match, doc: str | None) -> dict[str, Any]:
    data = match_dict(match, doc)
    return {"doc": data["doc"], "rule": match.rule, "label": match.label,
            "start": match.start, "end": match.end, "text": match.text,
            "fields": to_json(data["fields"]), "captures": to_json(data["captures"]),
            "source": data.get("source")}


def _event_cells(event: Event, doc: str | None) -> dict[str, Any]:
    row = event_row(event, doc)
    return {key: None if value is None else plain_value(value) for key, value in row.items()}


def table_rows(result: DocResult, with_events: bool = False) -> list[dict[str, Any]]:
    """A document's rows: one per match (or event), or one error row; none if nothing found."""
    if result.error is not None:
        return [{"doc": result.doc, "error": result.error}]
    if with_events:
        return [_event_cells(e, result.doc) for e in result.events]
    return [_match_row(m, result.doc) for m in result.matches]


def results_frame(results: Iterable[DocResult], with_events: bool = False) -> pd.DataFrame:
    """A pandas table of results: the columns of the CSV (or event) output, fixed dtypes.

    Matches: `start`/`end` nullable integers, other cells strings, `fields` and `captures`
    JSON. Events: plain values (numbers stay numbers), one object column each.
    """
    import pandas as pd

    columns = EVENT_COLUMNS if with_events else MATCH_COLUMNS
    rows = [row for result in results for row in table_rows(result, with_events)]
    if with_events:
        frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
        return frame.where(frame.notna(), None)
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype({c: "Int64" if c in ("start", "end") else "string" for c in columns})


def frame_partition(frame: pd.DataFrame, ref: PackRef, with_events: bool = False,
                    columns: Columns = DEFAULT_COLUMNS,
                    partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    """A dataframe partition's `results_frame`; ids from the id column, else the index."""
    ids = frame[columns.id] if columns.id in frame.columns else frame.index
    items = list(zip(ids, frame[columns.text], strict=True))
    number = partition_info["number"] if partition_info else 0
    return results_frame(process_partition(items, ref, with_events, columns, number),
                         with_events)


# ---------------------------------------------------------------- Dask collections


def extract_dask(documents: Any, rules: str | Path | Pack | None = None,
                 text_column: str = "text", id_column: str | None = "id",
                 with_events: bool = False, *, timeout: float = DEFAULT_TIMEOUT) -> Any:
    """Run a pack over a Dask bag or dataframe, lazily; compute it on any Dask scheduler.

    A bag gives one `result_record` per item. A dataframe gives one row per match (per event
    with `with_events`) and one row per failed document, as `results_frame`. The pack is
    loaded here first, so that its errors are reported at once, with their locations.
    """
    ref = _checked_ref(rules, timeout)
    columns = Columns(text_column, id_column)
    if _is_bag(documents):
        return _extract_bag(documents, ref, with_events, columns)
    if _is_dask_frame(documents):
        return _extract_frame(documents, ref, with_events, columns)
    raise TypeError(f"expected a dask Bag or DataFrame, not {type(documents).__name__}")


def _checked_ref(rules: str | Path | Pack | None, timeout: float) -> PackRef:
    ref = PackRef.of(rules, timeout)
    if not isinstance(rules, Pack):
        load(ref.path, timeout=ref.timeout)  # RuleErrors here, not on every worker
    return ref


def _is_bag(documents: Any) -> bool:
    import dask.bag

    return isinstance(documents, dask.bag.Bag)


def _is_dask_frame(documents: Any) -> bool:
    try:
        import dask.dataframe
    except ImportError:  # dask without its dataframe extra (pandas, pyarrow)
        return False
    return isinstance(documents, dask.dataframe.DataFrame)


def _extract_bag(bag: Any, ref: PackRef, with_events: bool, columns: Columns) -> Any:
    import dask
    import dask.bag

    parts = [dask.delayed(record_partition)(part, ref, with_events, columns, number)
             for number, part in enumerate(bag.to_delayed())]
    return dask.bag.from_delayed(parts)


def _extract_frame(frame: Any, ref: PackRef, with_events: bool, columns: Columns) -> Any:
    if columns.text not in frame.columns:
        raise ValueError(f"no text column {columns.text!r} (columns: "
                         f"{', '.join(map(str, frame.columns))})")
    return frame.map_partitions(frame_partition, ref, with_events, columns,
                                meta=results_frame([], with_events), clear_divisions=True)


# ---------------------------------------------------------------- a stream through a scheduler


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A `distributed.Client` of the scheduler at `address`; ClusterError if none answers."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("running on a Dask cluster needs the dask extra: "
                           "pip install 'rulecraft[dask]'") from None
    try:
        _check_listening(address, timeout)
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, ValueError, TypeError) as exc:
        raise ClusterError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None


def _check_listening(address: str, timeout: float) -> None:
    """Fail fast, before a Client exists (a failed one stalls when collected), if no one listens."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    scheme, location = parse_address(address)
    get_backend(scheme)  # ValueError for an unknown scheme
    if scheme in ("tcp", "tls"):
        with socket.create_connection(parse_host_port(location), timeout):
            pass


def extract_on_cluster(address: str, pack: Pack, documents: Iterable[Any],
                       with_events: bool = False, batch_size: int = BATCH_SIZE
                       ) -> Iterator[DocResult]:
    """Results in input order, computed on the Dask cluster whose scheduler is at `address`.

    Documents (any item `process_partition` takes) are sent in batches of `batch_size`, cut
    early at BATCH_CHARS of text, with a bounded number of batches in flight (twice the
    cluster's threads), so memory stays flat however long the input; the client waits for
    the oldest batch first. Connects at once: ClusterError if that fails.
    """
    client = connect(address)
    return _stream(client, PackRef.of(pack), iter(documents), with_events, batch_size)


def _stream(client: Any, ref: PackRef, documents: Iterator[Any], with_events: bool,
            batch_size: int) -> Iterator[DocResult]:
    pending: deque = deque()
    try:
        window = max(4, 2 * sum(client.nthreads().values()))
        for batch in _batches(documents, batch_size, BATCH_CHARS):
            pending.append(client.submit(process_partition, batch, ref, with_events,
                                         pure=False))
            if len(pending) >= window:
                yield from _results(pending.popleft())
        while pending:
            yield from _results(pending.popleft())
    finally:
        for future in pending:
            future.cancel()
        client.close()


def _batches(items: Iterator[Any], size: int, chars: int) -> Iterator[list[Any]]:
    """Lists of at most `size` items, cut early once their texts reach `chars` characters."""
    batch: list[Any] = []
    total = 0
    for item in items:
        batch.append(item)
        total += _size(item)
        if len(batch) >= size or total >= chars:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


def _size(item: Any) -> int:
    """Roughly how much text an item carries."""
    content = item.text if isinstance(item, Document) else item
    if isinstance(content, tuple) and len(content) == 2:
        content = content[1]
    return len(content) if isinstance(content, (str, bytes)) else 0


def _results(future: Any) -> list[DocResult]:
    """A batch's results; a worker's failure becomes a ClusterError."""
    try:
        return future.result()
    except RulecraftError:
        raise
    except Exception as exc:
        raise ClusterError(f"a Dask worker failed: {type(exc).__name__}: {exc}") from exc


# ---------------------------------------------------------------- Spark


def extract_spark(frame: Any, rules: str | Path | Pack | None = None,
                  text_column: str = "text", id_column: str | None = "id",
                  with_events: bool = False, *, timeout: float = DEFAULT_TIMEOUT) -> Any:
    """Run a pack over a Spark DataFrame with `mapInPandas`: rows as in `extract_dask`.

    Without the id column, documents are numbered with `monotonically_increasing_id`. Event
    cells are strings in Spark (its columns have one type each). Needs pyarrow on the workers.
    """
    ref = _checked_ref(rules, timeout)
    if id_column is None or id_column not in frame.columns:
        from pyspark.sql.functions import monotonically_increasing_id

        frame, id_column = frame.withColumn(_ID_COLUMN, monotonically_increasing_id()), _ID_COLUMN
    columns = Columns(text_column, id_column)
    selected = frame.select(id_column, text_column)
    return selected.mapInPandas(partial(_spark_frames, ref=ref, with_events=with_events,
                                        columns=columns), spark_schema(with_events))


def spark_schema(with_events: bool = False) -> str:
    """The Spark schema (DDL) of the rows `extract_spark` returns."""
    if with_events:
        return ", ".join(f"`{c}` string" for c in EVENT_COLUMNS)
    return ", ".join(f"`{c}` {'long' if c in ('start', 'end') else 'string'}"
                     for c in MATCH_COLUMNS)


def _spark_frames(frames: Iterable[pd.DataFrame], ref: PackRef, with_events: bool,
                  columns: Columns) -> Iterator[pd.DataFrame]:
    """mapInPandas' function: each Arrow batch of documents to its table of results."""
    for frame in frames:
        out = frame_partition(frame, ref, with_events, columns)
        yield out.map(_spark_cell) if with_events else out


def _spark_cell(value: Any) -> str | None:
    return None if _missing(value) else str(value)
