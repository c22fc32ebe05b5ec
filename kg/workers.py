"""Run SPARQL queries in worker processes that can be killed when a query runs too long.

rdflib evaluates a query in pure Python and cannot be interrupted from another thread, so a
runaway query (a cross product) is stopped the only sure way: its process is killed and a fresh
worker takes its place, while the other workers keep answering.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

from kg.errors import KgError
from kg.store import StoreError, StoreSpec

logger = logging.getLogger(__name__)


class QueryTimeout(KgError):
    """A query ran past the time limit and was stopped."""


class WorkersBusy(QueryTimeout):
    """No worker came free within the time limit (every one busy, or none could start)."""


@dataclass(frozen=True)
class Job:
    """One query to run: its text (with name and path for messages), parameters and format."""

    text: str
    name: str
    values: tuple[tuple[str, str], ...]
    output_format: str | None
    max_rows: int
    path: str | None = None
    plain: bool = False  # plain SPARQL sent as text: its ?_x variables are not parameters


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back: the rendered body, or the error a client should see."""

    body: str = ""
    form: str = ""
    rows: int = 0
    truncated: bool = False
    ask: bool | None = None
    error: str | None = None
    status: int = 400  # of an error: 400 for the query, 502 when the store failed


def _serve(root: str, spec: StoreSpec | None, connection: Connection) -> None:
    """A worker's life: open the store once, then answer jobs until the pipe closes.

    The memory store loads the graph (from the cache) and runs rdflib in this process; an
    oxigraph: store is opened read-only here; a sparql: store is asked over HTTP from here.
    """
    from kg import queries
    from kg.load import find_tree, load_graph_cached

    queries.close_rdflib_to_the_network()
    tree = find_tree(root)
    if spec is None or spec.kind == "memory":
        graph = load_graph_cached(tree)

        def run(query, values, prepared):
            return queries.run(graph, query, values, prepared)

    else:
        from kg.store import open_store

        run = open_store(spec, tree).query
    connection.send("ready")
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(_answer(run, job))


@functools.lru_cache(maxsize=128)
def _prepared(text: str, name: str, path: str | None, plain: bool):
    """A query and its parsed form. Parsing is most of a saved query's cost (22 of 28 ms for
    books), and a worker answers the same few queries again and again; errors are not cached."""
    from kg import queries

    query = queries.from_text(text, name, Path(path) if path else None)
    if plain:
        query = replace(query, parameters=[])
    return query, queries.prepare(query)


def _answer(run, job: Job) -> Outcome:
    """Run a job with `run(query, values, prepared) -> Result` and render what it gives."""
    from kg import render

    try:
        query, prepared = _prepared(job.text, job.name, job.path, job.plain)
        values = dict(job.values)
        result = run(query, values, prepared)
        truncated, rows = False, 0
        if result.type == "SELECT":
            rows = len(result.bindings)
            if rows > job.max_rows:
                result.bindings = result.bindings[: job.max_rows]
                truncated, rows = True, job.max_rows
        elif result.type in ("CONSTRUCT", "DESCRIBE"):
            rows = len(result.graph)
            if rows > job.max_rows:
                kept = sorted(result.graph)[: job.max_rows]  # sorted: the same cut every time
                result.graph.remove((None, None, None))
                for triple in kept:
                    result.graph.add(triple)
                truncated, rows = True, job.max_rows
        answer = render.render_result(result, job.output_format)
        # answer.ask is only set for the CLI's true/false text; the server needs it for any format.
        ask = bool(result.askAnswer) if result.type == "ASK" else None
        return Outcome(answer.text, result.type, rows, truncated, ask)
    except StoreError as error:  # the store, not the query, failed: an engine down, say
        return Outcome(error=str(error), status=502)
    except KgError as error:
        return Outcome(error=str(error))
    except RecursionError:
        return Outcome(error=f"{job.name}: query too complex")
    except Exception as error:  # the message, never a traceback, reaches the client
        return Outcome(error=f"{job.name}: the query failed ({type(error).__name__}: {error})")


class _Worker:
    def __init__(self, root: str, spec: StoreSpec | None = None) -> None:
        context = multiprocessing.get_context("spawn")  # no inherited locks or event loops
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(root, spec, child), daemon=True)
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        try:
            ready = self.connection.poll(timeout) and self.connection.recv() == "ready"
        except (EOFError, OSError):  # it died while loading the graph
            ready = False
        if not ready:
            self.kill()
            raise KgError("a query worker did not start; run `kg validate` to check the graph")

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class QueryPool:
    """A fixed number of workers; each request borrows one and returns it (or its replacement)."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        size: int = 2,
        timeout: float = 10.0,
        spec: StoreSpec | None = None,
    ):
        self.root = str(root)
        self.spec = spec
        self.size = size
        self.timeout = timeout
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: list[_Worker] = []
        self._stopped = False

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(
            *(loop.run_in_executor(None, self._spawn) for _ in range(self.size))
        )
        for worker in workers:
            self._idle.put_nowait(worker)

    def _spawn(self) -> _Worker:
        worker = _Worker(self.root, self.spec)
        worker.wait_ready(60)
        self._all.append(worker)
        return worker

    async def stop(self) -> None:
        self._stopped = True
        for worker in self._all:
            worker.kill()
        self._all.clear()

    async def run(self, job: Job) -> Outcome:
        """Run a job in an idle worker; past the time limit, kill it and start a new one."""
        assert self._idle is not None, "start() the pool first"
        loop = asyncio.get_running_loop()
        # Waiting is bounded too, so a request never hangs on a pool with no worker left; twice
        # the limit lets a busy worker finish, or be killed and replaced, before giving up.
        wait = 2 * self.timeout
        try:
            worker = await asyncio.wait_for(self._idle.get(), wait)
        except asyncio.TimeoutError:
            raise WorkersBusy(
                f"no query worker came free within {wait:g} s (all {self.size} busy or "
                "restarting); try again shortly"
            ) from None
        died = False
        try:
            worker.connection.send(job)
            ready = await loop.run_in_executor(None, worker.connection.poll, self.timeout)
            if ready:
                outcome = worker.connection.recv()
                self._idle.put_nowait(worker)
                return outcome
        except (EOFError, OSError):
            died = True  # the worker died under the job; replace it below
        if worker in self._all:
            self._all.remove(worker)
        worker.kill()
        self._replace()
        if died:
            raise KgError("the query stopped its worker process; try a simpler query")
        raise QueryTimeout(
            f"the query ran past the {self.timeout:g} s time limit and was stopped; "
            "narrow it (add patterns or a LIMIT) and try again"
        )

    def _replace(self) -> None:
        """Start a worker in place of a killed one; if it cannot start, try again in 5 s.

        Without the retry, a replacement that fails (say the data files are mid-edit) would
        leave the pool one worker short for good, and with none left every query would wait.
        """
        loop = asyncio.get_running_loop()

        def done(future: asyncio.Future[_Worker]) -> None:
            if future.cancelled():
                return
            if future.exception() is not None:
                logger.warning("kg serve: a query worker could not start; retrying in 5 s")
                if not self._stopped:
                    loop.call_later(5, self._replace)
            elif self._stopped:
                future.result().kill()
            else:
                self._idle.put_nowait(future.result())

        if not self._stopped:
            loop.run_in_executor(None, self._spawn).add_done_callback(done)
