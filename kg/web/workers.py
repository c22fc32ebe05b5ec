"""Run SPARQL queries in worker processes that can be killed when a query runs too long.

Oxigraph cannot be asked to stop a query it is running, so a runaway query (a cross product)
is stopped the only sure way: its process is killed and a fresh worker takes its place, while
the other workers keep answering. A worker answers by kg.answer.answer, the path every caller
takes, with the query the server checked (never parsed or checked again).

Admission, so that runaway queries cannot take every worker:

- Two lanes. `size` workers run any query; `reserved` more run saved queries only (`/api/<name>`
  and the pages' saved queries), so SPARQL sent as text can never occupy them. A saved query takes
  a reserved worker first and any idle worker otherwise.
- A deadline. A request waits for a worker at most twice the time limit (time for a busy worker
  to finish, or to be killed and replaced), then gets `WorkersBusy` (HTTP 503, Retry-After).
  Waiting requests are served first come, first served.
- Per client. `ClientSlots` caps how many queries sent as text one client address runs at once;
  the server holds a slot until the answer is sent, so a client also cannot pile up answers.

Memory: each worker runs under an address-space limit (`memory`, --worker-memory, RLIMIT_AS); a
query that needs more gets a MemoryError, which the worker reports (HTTP 413) before it exits
and is replaced; when Oxigraph's allocation fails it aborts the process (SIGABRT), which the
server reports as the same 413; a worker that dies otherwise is replaced too. An
answer larger than a job's `max_bytes` is refused in the worker, before it is rendered when its
values alone are larger, and the server reads at most that many bytes from a worker: the server
process never holds a larger answer. After a large query a worker gives its memory back.

Ctrl-C reaches every process of the terminal's group: workers start with it blocked and then
ignore it; the server stops them.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import gc
import ipaddress
import logging
import math
import multiprocessing
import os
import pickle
import re
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from kg.answer import NO_LIMITS, Limits
from kg.errors import KgError
from kg.files import size_text
from kg.queries import CheckedQuery
from kg.results import Answer
from kg.store import StoreSpec

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
DEFAULT_MAX_BYTES = 16 * MiB  # the largest answer sent (--max-bytes)
DEFAULT_WORKER_MEMORY = 1024 * MiB  # the address space of a worker process (--worker-memory)
WARM_UP = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"  # run once as a worker starts
_ENVELOPE = 64 * 1024  # what an Outcome adds to its body when pickled, with room to spare


class QueryTimeout(KgError):
    """A query ran past the time limit and was stopped."""

    status = 503


class WorkersBusy(QueryTimeout):
    """No worker came free before the request's deadline (every one busy, or none could start)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ClientBusy(WorkersBusy):
    """The client already runs as many queries as one client may; this one waited too long."""

    status = 429


class ServerStopping(WorkersBusy):
    """The server is shutting down: its workers are gone."""


class WorkerDied(KgError):
    """The worker process died under a query (a store's native code ran out of memory, say)."""

    status = 500


class OutOfMemory(KgError):
    """A query needed more memory than a worker may use; the worker reported it and exits."""

    status = 413


@dataclass(frozen=True)
class Job:
    """One query to run: checked by the server (the worker runs it as it is), its parameters
    (turned into terms by the same `queries.bind` that refused bad ones before), the format,
    and the limits of the answer."""

    query: CheckedQuery
    values: tuple[tuple[str, str], ...] = ()
    output_format: str | None = None
    limits: Limits = NO_LIMITS
    plain: bool = False  # SPARQL sent as text, not a saved query: never in a reserved worker

    @property
    def name(self) -> str:
        return self.query.name

    @property
    def saved(self) -> bool:
        """A saved query (from a file) may run in the reserved workers; text may not."""
        return not self.plain

    @property
    def max_bytes(self) -> int:
        return self.limits.max_bytes or DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back: the rendered answer, or the error a client should see."""

    answer: Answer | None = None
    error: str | None = None
    status: int = 400  # of an error: 400 for the query, 413 too large, 502 the store failed
    fatal: bool = False  # the worker ran out of memory and exits after sending this


def plain_query(text: str, name: str = "query"):
    """SPARQL sent as text, as a SavedQuery: no `#+` header is read (over HTTP nothing can use
    one, and a hostile YAML header is slow to parse), no ?_x parameters."""
    from kg import queries

    text = text.removeprefix("\ufeff")
    if not re.search(r"\S", re.sub(r"#[^\n]*", "", text)):
        raise queries.QueryError(f"{name}: the query is empty (only comments or blanks)")
    return queries.SavedQuery(name=name, text=text)


def start_process(target, *args) -> tuple[multiprocessing.Process, Connection]:
    """A spawned process running target(*args, its end of a pipe), and our end. It starts with
    Ctrl-C blocked (the mask is inherited), so a Ctrl-C while it imports prints no traceback;
    the target calls ignore_interrupts first: the server stops it."""
    context = multiprocessing.get_context("spawn")  # no inherited locks or event loops
    ours, child = context.Pipe()
    process = context.Process(target=target, args=(*args, child), daemon=True)
    # Starting multiprocessing's resource tracker unblocks both in this thread: started first.
    masking = hasattr(signal, "pthread_sigmask")
    if masking:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        process.start()
    finally:
        if masking:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    child.close()
    return process, ours


def ignore_interrupts() -> None:
    """In a process start_process started: Ctrl-C and SIGTERM are the server's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # blocked while the server started this process
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _limit_memory(limit: int) -> None:
    """Cap this process's address space at `limit` bytes (or the hard limit, if lower)."""
    if not limit:
        return
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError) as error:  # not on this platform
        logger.warning("kg serve: cannot limit a worker's memory (%s)", error)


def _serve(root: str | None, spec: StoreSpec | None, memory: int, connection: Connection) -> None:
    """A worker's life: open the store once, then answer jobs until the pipe closes.

    Both local stores run Oxigraph in this process (the memory store loads the graph from the
    cache); a sparql: store is asked over HTTP from here. A spare (root None) does its imports,
    then waits for the root of the tree to open.
    """
    ignore_interrupts()
    from kg.store import parse_spec

    if root is None:
        import kg.answer
        import kg.store.memory  # noqa: F401 -- what opening a store and a first query import

        try:
            connection.send("spare")  # imports done
            root = connection.recv()
        except (EOFError, OSError):
            return

    spec = spec or parse_spec("memory")
    maps_memory = spec.backend.maps_memory
    if not maps_memory:
        _limit_memory(memory)
    try:
        if maps_memory:
            # RocksDB reserves some 700 MB of address space when it opens (mapped, not used):
            # counted against --worker-memory it left the worker too little to start a thread
            # ("std::system_error"). The limit is what the worker may add beyond that.
            before = _address_space()
            store = _open(root, spec)
            _limit_memory(memory + max(0, _address_space() - before) if memory else 0)
        else:
            store = _open(root, spec)
        if store.local:  # a first query costs nothing: imports, before any timing
            _answer(store, Job(checked_query(WARM_UP, "warm-up", None, True), output_format="json"))
    except MemoryError:
        limit = f"a worker's {size_text(memory)}" if memory else "memory"
        connection.send(f"the graph does not fit in {limit}; raise --worker-memory")
        return
    except Exception as error:  # said in one line by the server
        said = str(error) if isinstance(error, KgError) else f"{type(error).__name__}: {error}"
        connection.send(" ".join(said.split()))
        return
    connection.send("ready")
    settled = _resident()
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            outcome = _answer(store, job, memory)
        except MemoryError:  # in rendering, say: report it and make way for a fresh worker
            outcome = _out_of_memory(job, memory)
        try:
            connection.send(outcome)
        except MemoryError:
            connection.send(_out_of_memory(job, memory))
        if outcome.fatal:
            return
        if _resident() > settled + 64 * MiB:  # after a large query: give the memory back
            gc.collect()
            _trim()


def _statm(field: int) -> int:
    """A field of /proc/self/statm in bytes (0 where /proc cannot say)."""
    try:
        with open("/proc/self/statm") as stream:
            return int(stream.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _address_space() -> int:
    """This process's address space in bytes, what RLIMIT_AS counts."""
    return _statm(0)


def _resident() -> int:
    """This process's resident memory in bytes."""
    return _statm(1)


def _trim() -> None:
    """Return freed memory to the system (glibc keeps it for reuse otherwise)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _open(root: str, spec: StoreSpec):
    """This worker's store, opened once."""
    from kg.store import open_store
    from kg.tree import find_tree

    return open_store(spec, find_tree(root))


@functools.lru_cache(maxsize=256)
def checked_query(text: str, name: str, path: str | None, plain: bool):
    """A query, checked: for the server before it asks a worker (the same few saved queries
    come again and again; errors are not cached)."""
    from kg import queries

    if plain:
        query = plain_query(text, name)
    else:
        query = queries.from_text(text, name, Path(path) if path else None)
    return queries.check(query)


def _out_of_memory(job: Job, memory: int) -> Outcome:
    limit = f"the {size_text(memory)} a worker may use (--worker-memory)" if memory else "memory"
    return Outcome(
        error=f"{job.name}: the query needed more than {limit} and was stopped; add a LIMIT, "
        "or build shorter values",
        status=413,
        fatal=True,
    )


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """Whether `kind` is in an exception's chain (kg's own errors wrap what an engine raised)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _answer(store, job: Job, memory: int = 0) -> Outcome:
    """Answer a job by kg.answer.answer, the path every caller takes; errors as Outcomes."""
    from kg.answer import answer

    try:
        found = answer(store, job.query, dict(job.values), job.output_format, limits=job.limits)
        return Outcome(found)
    except MemoryError:
        return _out_of_memory(job, memory)
    except KgError as error:
        if _caused_by(error, MemoryError):  # a KgError raised while handling a MemoryError
            return _out_of_memory(job, memory)
        return Outcome(error=str(error), status=getattr(error, "status", 400))
    except RecursionError:
        return Outcome(error=f"{job.name}: query too complex")
    except Exception as error:  # the message, never a traceback, reaches the client
        return Outcome(error=f"{job.name}: the query failed ({type(error).__name__}: {error})")


class _Worker:
    def __init__(
        self,
        root: str | None,
        spec: StoreSpec | None = None,
        reserved: bool = False,
        memory: int = 0,
    ) -> None:
        self.reserved = reserved
        self._waiting: tuple[asyncio.Future[None], int] | None = None  # see exchange
        self.process, self.connection = start_process(_serve, root, spec, memory)

    def assign(self, root: str, reserved: bool) -> None:
        """Tell a spare which tree to open; then wait_ready, as for a new worker."""
        self.reserved = reserved
        self.connection.send(root)

    def wait_ready(self, timeout: float) -> None:
        try:
            said = self.connection.recv() if self.connection.poll(timeout) else None
        except (EOFError, OSError):  # it died while loading the graph
            said = None
        if said != "ready":
            self.kill()
            why = f" ({said})" if isinstance(said, str) else ""
            raise KgError(
                f"a query worker did not start{why}; run `kg validate` to check the graph"
            )

    async def exchange(self, job: Job, timeout: float) -> Outcome | None:
        """Send a job and read its outcome (None past `timeout`); at most the job's max_bytes.

        The event loop itself waits for the answer (a reader on the pipe): no thread, so no
        hand-over of the GIL between a waiting thread and a busy loop (up to 5 ms a request
        under load). The answer is read once the worker starts sending it, which it does in
        one go, at most max_bytes. `abandon` ends the wait (the server stopping)."""
        loop = asyncio.get_running_loop()
        self.connection.send(job)
        ready: asyncio.Future[None] = loop.create_future()
        descriptor = self.connection.fileno()

        def readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(descriptor, readable)
        self._waiting = (ready, descriptor)
        try:
            await asyncio.wait_for(ready, timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            if self._waiting is not None:  # not abandoned: the pipe is still ours
                self._waiting = None
                loop.remove_reader(descriptor)
                os.set_blocking(descriptor, True)  # uvloop made it non-blocking: read it whole
        return pickle.loads(self.connection.recv_bytes(job.max_bytes + _ENVELOPE))

    def abandon(self) -> None:
        """In the event loop, before the worker is killed: a job waiting for it ends with
        EOFError (its worker is gone), and the pipe is no longer watched."""
        if self._waiting is None:
            return
        ready, descriptor = self._waiting
        self._waiting = None
        asyncio.get_running_loop().remove_reader(descriptor)
        if not ready.done():
            ready.set_exception(EOFError())

    def exit_code(self, wait: float = 2.0) -> int | None:
        """How the process ended (-N: killed by signal N), once it has; None if it runs on."""
        self.process.join(wait)
        return self.process.exitcode

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class Spares:
    """Worker processes started ahead, their imports done, each waiting to be told which tree
    to open: a pool that takes them has its workers ready in a tenth of the time (kg serve
    --reload starts a pool for each new generation). `fill` in a thread, `stop` in the end."""

    def __init__(self, count: int, spec: StoreSpec | None, memory: int) -> None:
        self.count, self.spec, self.memory = count, spec, memory
        self._ready: list[_Worker] = []
        self._starting: list[_Worker] = []  # started, imports not yet done
        self._lock = threading.Lock()
        self._stopped = False

    def fill(self) -> None:
        """Start spares until there are `count`, each with its imports done."""
        while True:
            with self._lock:
                if self._stopped or len(self._ready) >= self.count:
                    return
            spare = _Worker(None, self.spec, False, self.memory)
            with self._lock:
                self._starting.append(spare)
            try:
                started = spare.connection.poll(60) and spare.connection.recv() == "spare"
            except (EOFError, OSError):  # stop killed it
                started = False
            with self._lock:
                self._starting.remove(spare)
                if self._stopped or not started:
                    spare.kill()
                    return
                self._ready.append(spare)

    def take(self) -> _Worker | None:
        with self._lock:
            return self._ready.pop() if self._ready else None

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            spares, self._ready = self._ready, []
            for starting in self._starting:
                starting.process.kill()  # the fill waiting for it returns, and cleans up
        for spare in spares:
            spare.kill()


class QueryPool:
    """Workers in two lanes (see the module's docstring); each request borrows one worker and
    returns it, or its replacement."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        size: int = 2,
        timeout: float = 10.0,
        spec: StoreSpec | None = None,
        reserved: int = 0,
        memory: int = DEFAULT_WORKER_MEMORY,
        spares: Spares | None = None,
    ):
        self.root = str(root)
        self.spares = spares  # processes started ahead, taken before starting new ones
        self.spec = spec
        self.size = size
        self.reserved = reserved
        self.timeout = timeout
        self.memory = memory
        self._idle: list[_Worker] = []
        self._waiting: collections.deque[tuple[asyncio.Future[_Worker], bool]] = collections.deque()
        self._all: list[_Worker] = []
        self._stopped = False
        # Each running job holds one thread while it waits for its answer, and each start of a
        # worker one: two small pools of their own, so neither waits for the other or for
        # anything else that uses the loop's default executor.
        total = size + reserved
        self._io = ThreadPoolExecutor(total, thread_name_prefix="kg-query")
        self._starter = ThreadPoolExecutor(total, thread_name_prefix="kg-worker-start")

    @property
    def wait(self) -> float:
        """How long a request may wait for a worker: twice the time limit, so a busy worker
        can finish, or be killed and replaced."""
        return 2 * self.timeout

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        lanes = [False] * self.size + [True] * self.reserved
        workers = await asyncio.gather(
            *(loop.run_in_executor(self._starter, self._spawn, lane) for lane in lanes)
        )
        self._idle.extend(workers)

    def _spawn(self, reserved: bool) -> _Worker:
        worker = self.spares.take() if self.spares is not None else None
        try:
            if worker is not None:
                worker.assign(self.root, reserved)
        except OSError:  # the spare died meanwhile
            worker.kill()
            worker = None
        if worker is None:
            worker = _Worker(self.root, self.spec, reserved, self.memory)
        worker.wait_ready(60)
        self._all.append(worker)
        return worker

    async def stop(self) -> None:
        """Kill every worker: queries running or waiting end at once with `ServerStopping`."""
        if self._stopped:
            return
        self._stopped = True
        for future, _ in self._waiting:
            future.cancel()
        self._waiting.clear()
        for worker in self._all:
            worker.abandon()
            worker.kill()
        self._all.clear()
        self._idle.clear()
        self._io.shutdown(wait=False, cancel_futures=True)
        self._starter.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _stopping() -> ServerStopping:
        return ServerStopping("the server is stopping; try again shortly", 5)

    # --- lending workers -----------------------------------------------------------------

    def _take_idle(self, saved: bool) -> _Worker | None:
        """An idle worker this kind of job may use: for a saved query a reserved one first."""
        order = sorted(self._idle, key=lambda w: not w.reserved) if saved else self._idle
        for worker in order:
            if saved or not worker.reserved:
                self._idle.remove(worker)
                return worker
        return None

    def _give_back(self, worker: _Worker) -> None:
        """Hand a free worker to the first waiting request that may use it, else keep it."""
        if self._stopped:
            return
        for entry in list(self._waiting):
            future, saved = entry
            if not future.done() and worker.reserved and not saved:
                continue  # SPARQL text never gets a reserved worker
            self._waiting.remove(entry)
            if not future.done():
                future.set_result(worker)
                return
        self._idle.append(worker)

    async def _borrow(self, saved: bool, deadline: float) -> _Worker:
        if self._stopped:
            raise self._stopping()
        worker = self._take_idle(saved)
        if worker is not None:
            return worker
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_Worker] = loop.create_future()
        entry = (future, saved)
        self._waiting.append(entry)
        try:
            await asyncio.wait({future}, timeout=max(0.0, deadline - loop.time()))
        except asyncio.CancelledError:
            _abandon(self._waiting, entry, future, self._give_back)
            raise
        if future.cancelled():
            raise self._stopping()
        if not future.done():
            _abandon(self._waiting, entry, future, self._give_back)
            lane = self.size + (self.reserved if saved else 0)
            raise WorkersBusy(
                f"no query worker came free within {self.wait:g} s (all {lane} busy or "
                "restarting); try again shortly",
                math.ceil(self.timeout),
            )
        return future.result()

    async def run(self, job: Job, deadline: float | None = None) -> Outcome:
        """Run a job in a worker of its lane; past the time limit, kill it and start another.

        `deadline` (the loop's clock) bounds the wait for a worker; by default `wait` from now.
        When a job costs its worker (time limit, memory, death), the error raised carries
        `replacement`: a future done when the new worker is up, or could not start.
        """
        loop = asyncio.get_running_loop()
        if deadline is None:
            deadline = loop.time() + self.wait
        worker = await self._borrow(job.saved, deadline)
        error: KgError
        try:
            outcome = await worker.exchange(job, self.timeout)
        except (EOFError, OSError, pickle.UnpicklingError):  # it died, or sent more than it may
            if self._stopped:
                raise self._stopping() from None
            code = await loop.run_in_executor(self._io, worker.exit_code)
            if self.memory and code == -signal.SIGABRT:  # Rust aborts when allocation fails
                error = OutOfMemory(_out_of_memory(job, self.memory).error)
            else:
                memory = (
                    f"the {size_text(self.memory)} a worker may use" if self.memory else "memory"
                )
                error = WorkerDied(
                    f"{job.name}: the query's worker process died (a query needing more than "
                    f"{memory} ends it); narrow the query or add a LIMIT"
                )
        except asyncio.CancelledError:  # its answer will never be read: start afresh
            self._retire(worker)
            raise
        else:
            if outcome is None:
                error = QueryTimeout(
                    f"the query ran past the {self.timeout:g} s time limit and was stopped; "
                    "narrow it (add patterns or a LIMIT) and try again"
                )
            elif outcome.fatal:  # out of memory: the worker said so and exits
                error = OutOfMemory(outcome.error or f"{job.name}: out of memory")
            else:
                self._give_back(worker)
                return outcome
        error.replacement = self._retire(worker)
        raise error

    def _retire(self, worker: _Worker) -> asyncio.Future[None]:
        """Kill a worker (in a thread: joining it may take a moment) and start another; the
        future is done when the new one is up, or its first start failed."""
        if worker in self._all:
            self._all.remove(worker)
        loop = asyncio.get_running_loop()
        with contextlib.suppress(RuntimeError):  # the executor is shut down: we are stopping
            loop.run_in_executor(self._starter, worker.kill)
        started: asyncio.Future[None] = loop.create_future()
        self._replace(worker.reserved, started)
        return started

    def _replace(self, reserved: bool, started: asyncio.Future[None] | None = None) -> None:
        """Start a worker in place of a killed one; if it cannot start, try again in 5 s.

        Without the retry, a replacement that fails (say the data files are mid-edit) would
        leave the pool one worker short for good, and with none left every query would wait.
        """
        loop = asyncio.get_running_loop()

        def tell() -> None:
            if started is not None and not started.done():
                started.set_result(None)

        def done(future: asyncio.Future[_Worker]) -> None:
            tell()
            if future.cancelled():
                return
            if future.exception() is not None:
                logger.warning(
                    "kg serve: a query worker could not start (%s); retrying in 5 s",
                    future.exception(),
                )
                if not self._stopped:
                    loop.call_later(5, self._replace, reserved)
            elif self._stopped:
                future.result().kill()
            else:
                self._give_back(future.result())

        if self._stopped:
            tell()
            return
        try:
            loop.run_in_executor(self._starter, self._spawn, reserved).add_done_callback(done)
        except RuntimeError:  # the executor is shut down: we are stopping
            tell()


def client_key(host: str | None) -> str:
    """Whom a request counts against: its address; an IPv6 address by its /64, which one
    client usually holds whole."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class ClientSlots:
    """At most `limit` slots per client; a client over it waits, first come first served, until
    a deadline. Slots are held until the answer is sent, so one client can neither take every
    worker nor pile up answers in the server. A limit of 0 means no limit."""

    def __init__(self, limit: int, wait: float, retry_after: int) -> None:
        self.limit = limit
        self.wait = wait
        self.retry_after = retry_after
        self._held: dict[str, int] = {}
        self._waiting: dict[str, collections.deque[tuple[asyncio.Future[None], None]]] = {}

    async def acquire(self, client: str, deadline: float) -> None:
        if not self.limit:
            return
        if self._held.get(client, 0) < self.limit:
            self._held[client] = self._held.get(client, 0) + 1
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        entry = (future, None)
        queue = self._waiting.setdefault(client, collections.deque())
        queue.append(entry)
        try:
            await asyncio.wait({future}, timeout=max(0.0, deadline - loop.time()))
        except asyncio.CancelledError:
            self._leave(client, queue, entry, future)
            raise
        if not future.done():
            self._leave(client, queue, entry, future)
            running = "one query" if self.limit == 1 else f"{self.limit} queries"
            raise ClientBusy(
                f"this client already has {running} running, the most one client may "
                f"(--per-client), and none finished within {self.wait:g} s; wait for it and "
                "try again",
                self.retry_after,
            )

    def _leave(self, client: str, queue, entry, future: asyncio.Future) -> None:
        _abandon(queue, entry, future, lambda _: self.release(client))
        if not queue and self._waiting.get(client) is queue:
            del self._waiting[client]

    def release(self, client: str) -> None:
        """Give a slot back: to the client's first waiting request, if any."""
        if not self.limit:
            return
        queue = self._waiting.get(client)
        while queue:
            future, _ = queue.popleft()
            if not future.done():
                future.set_result(None)  # the slot passes on; the count stays
                return
        self._waiting.pop(client, None)
        held = self._held.get(client, 1) - 1
        if held > 0:
            self._held[client] = held
        else:
            self._held.pop(client, None)


def _abandon(queue, entry, future: asyncio.Future, give_back) -> None:
    """A waiter leaves (its deadline passed, or it was cancelled): out of the queue, and if it
    was handed something in the same instant, hand that on."""
    if entry in queue:
        queue.remove(entry)
    if future.done() and not future.cancelled():
        give_back(future.result())
    else:
        future.cancel()
