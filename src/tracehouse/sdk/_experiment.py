"""Experiments: run a function over every item of a dataset (a few at a time), trace each call,
score each output with the given evaluators, link the traces to a dataset run, and summarise."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from tracehouse.sdk._exceptions import TracehouseError
from tracehouse.sdk._observation import describe

if TYPE_CHECKING:
    import httpx

    from tracehouse.sdk._client import Tracehouse


@dataclass(frozen=True)
class DatasetItem:
    id: str
    input: Any
    expected_output: Any = None
    metadata: Any = None


@dataclass
class ItemResult:
    item: DatasetItem
    output: Any = None
    trace_id: str | None = None
    scores: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class ExperimentResult:
    dataset: str
    run_name: str
    run_id: str
    items: list[ItemResult]

    def averages(self) -> dict[str, float]:
        """The mean of each numeric (or boolean) score over the items that have it."""
        values: dict[str, list[float]] = {}
        for result in self.items:
            for name, value in result.scores.items():
                if isinstance(value, bool | int | float):
                    values.setdefault(name, []).append(float(value))
        return {name: sum(v) / len(v) for name, v in values.items()}

    def format(self) -> str:
        failed = sum(1 for r in self.items if r.error)
        lines = [
            f"Experiment {self.run_name!r} on dataset {self.dataset!r} (run {self.run_id})",
            f"  items: {len(self.items)}, failed: {failed}",
        ]
        lines += [f"  {name}: {mean:.3f}" for name, mean in sorted(self.averages().items())]
        return "\n".join(lines)


Evaluator = Callable[..., Any]


class _Api:
    """The few management calls an experiment makes, with the client's host and key."""

    def __init__(self, client: Tracehouse, transport: httpx.BaseTransport | None) -> None:
        import httpx

        config = client.config
        self.http = httpx.Client(
            base_url=f"{config.host}/api/v1",
            headers=config.headers(),
            timeout=config.timeout,
            transport=transport,
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if not response.is_success:
            raise TracehouseError(f"{method} {path}: HTTP {response.status_code}: {response.text}")
        return response.json()

    def items(self, dataset: str) -> Iterator[DatasetItem]:
        offset = 0
        while True:
            page = self.call(
                "GET", f"/datasets/{dataset}/items", params={"limit": 200, "offset": offset}
            )
            for row in page["data"]:
                yield DatasetItem(row["id"], row["input"], row["expected_output"], row["metadata"])
            offset += len(page["data"])
            if not page["meta"]["has_more"] or not page["data"]:
                return


def _score(evaluator: Evaluator, item: DatasetItem, output: Any) -> tuple[str, Any, str | None]:
    """(name, value, comment) of one evaluator's verdict: it returns a value, or a dict with
    `value` and optionally `name` and `comment`."""
    verdict = evaluator(
        input=item.input,
        output=output,
        expected_output=item.expected_output,
        metadata=item.metadata,
    )
    name = getattr(evaluator, "__name__", "score")
    if isinstance(verdict, dict):
        return str(verdict.get("name", name)), verdict["value"], verdict.get("comment")
    return name, verdict, None


class _Progress:
    def __init__(self, total: int, stream: TextIO | None) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.lock = threading.Lock()

    def step(self) -> None:
        with self.lock:
            self.done += 1
            if self.stream is not None:
                filled = int(30 * self.done / max(self.total, 1))
                bar = "#" * filled + "-" * (30 - filled)
                self.stream.write(f"\r[{bar}] {self.done}/{self.total}")
                if self.done == self.total:
                    self.stream.write("\n")
                self.stream.flush()


def _run_item(
    client: Tracehouse,
    dataset: str,
    run_name: str,
    task: Callable[[DatasetItem], Any],
    evaluators: Sequence[Evaluator],
    item: DatasetItem,
) -> ItemResult:
    result = ItemResult(item)
    metadata = {"dataset": dataset, "dataset_item_id": item.id, "run_name": run_name}
    with client.span(f"experiment:{dataset}", input=item.input, metadata=metadata) as span:
        result.trace_id = span.trace_id
        client.update_current_trace(name=f"experiment:{dataset}", input=item.input)
        try:
            result.output = task(item)
        except Exception as exc:  # one failing item must not stop the experiment
            result.error = describe(exc)
            span.fail(exc)
            return result
        span.update(output=result.output)
        client.update_current_trace(output=result.output)
    for evaluator in evaluators:
        try:
            name, value, comment = _score(evaluator, item, result.output)
        except Exception as exc:
            result.error = f"evaluator {getattr(evaluator, '__name__', '?')}: {exc}"
            continue
        result.scores[name] = value
        client.score(name, value, trace_id=result.trace_id, comment=comment)
    return result


def run_experiment(
    client: Tracehouse,
    dataset: str,
    task: Callable[[DatasetItem], Any],
    evaluators: Sequence[Evaluator] = (),
    *,
    run_name: str | None = None,
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
    concurrency: int = 4,
    progress: bool = True,
    transport: httpx.BaseTransport | None = None,
) -> ExperimentResult:
    """See `Tracehouse.run_experiment`."""
    api = _Api(client, transport)
    try:
        name = quote(dataset, safe="")
        run_name = run_name or f"{dataset} {datetime.now(UTC).isoformat(timespec='seconds')}"
        items = list(api.items(name))
        run = api.call(
            "POST",
            f"/datasets/{name}/runs",
            json={"name": run_name, "description": description, "metadata": metadata},
        )
        bar = _Progress(len(items), sys.stderr if progress else None)

        def one(item: DatasetItem) -> ItemResult:
            try:
                return _run_item(client, dataset, run_name, task, evaluators, item)
            finally:
                bar.step()

        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            results = list(pool.map(one, items))
        client.flush()
        _link(api, name, run_name, results)
    finally:
        api.http.close()  # also when the dataset, the run or a link call fails
    done = ExperimentResult(dataset, run_name, run["id"], results)
    if progress:
        print(done.format())
    return done


def _link(api: _Api, name: str, run_name: str, results: list[ItemResult]) -> None:
    """Link each traced item to its trace in the run."""
    for result in results:
        if result.trace_id is not None:
            api.call(
                "POST",
                f"/datasets/{name}/runs/{quote(run_name, safe='')}/items",
                json={"dataset_item_id": result.item.id, "trace_id": result.trace_id},
            )
