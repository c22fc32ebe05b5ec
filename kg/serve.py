"""`kg serve`: a SPARQL 1.1 Protocol endpoint, the saved queries as an API, and pages for people.

Starlette on uvicorn. A query is checked here, once (kg.queries.check), then answered from
memory when the same request was answered before (a generation's graph never changes: an
ETag, and 304 to a conditional GET), else in a killable worker process (kg.workers) under a time
limit, a row cap, a byte cap and a memory limit; admission keeps a worker for saved queries,
caps the SPARQL one client may run at once and bounds every wait. Pages are built from the
loaded graph in the server process, in threads, never on the event loop, as saved queries are
read. Read-only: there is no update endpoint, and updates, SERVICE and FROM are refused with 400.

With --reload (kg.reload), an edit to data/ or ontology/ that loads and validates becomes the
next generation: its pages' graph, workers and answers replace the last ones together, while
requests already under way finish on the old. An edit that does not validate is not served;
every page says why in a banner until a later edit fixes it.

Memory: a worker may use --worker-memory (1 GiB); the server process holds the pages' graph
(about 45 MB for the shipped graph) and, per query in flight, one answer of at most --max-bytes
(16 MiB; 2 MiB for a page, which also holds the answer's table), and the answers it keeps
(ANSWER_CACHE_BYTES, 64 MiB): a client address has at most --per-client SPARQL answers in
flight, and the tests hold the server under 256 MiB.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from kg import queries
from kg import reload as reloading
from kg.answer import Limits
from kg.errors import KgError, NotFoundError
from kg.files import MiB
from kg.formats import (
    GRAPH_FOR_RESULT_TYPE,
    GRAPH_FORMATS,
    RESULT_FORMATS,
    SERVED_GRAPH_FORMATS,
    SERVED_RESULT_FORMATS,
    offered,
)
from kg.load import LoadedGraph
from kg.results import Answer
from kg.store import StoreSpec
from kg.tree import Tree
from kg.workers import (
    DEFAULT_MAX_BYTES,
    DEFAULT_WORKER_MEMORY,
    ClientSlots,
    Job,
    QueryPool,
    Spares,
    WorkersBusy,
    checked_query,
    client_key,
    plain_query,
)

logger = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "::1")

# What each query form can be sent as, by media type (first one is the default): kg.formats.
RESULT_TYPES = offered(SERVED_RESULT_FORMATS, RESULT_FORMATS)
GRAPH_TYPES = offered(SERVED_GRAPH_FORMATS, GRAPH_FORMATS)
# grlc's forms ask every query for text/csv first (its Swagger lists text/csv, application/json,
# text/html, and grlc passes the choice on as Accept): a CONSTRUCT or DESCRIBE answer is also
# sent as CSV, one triple a row (kg.render). Pages' RDF stays RDF.
ANSWER_GRAPH_TYPES = GRAPH_TYPES | {"text/csv": "csv"}
MEDIA_OF = {name: RESULT_FORMATS[name].media_type for name in SERVED_RESULT_FORMATS}
GRAPH_MEDIA_OF = {name: GRAPH_FORMATS[name].media_type for name in SERVED_GRAPH_FORMATS}

# Answers are kept while the server runs (the graph does not change under it): a client may
# keep one too, but must ask again each time; an unchanged answer then costs a 304.
CACHE_CONTROL = "public, no-cache"
ANSWER_CACHE_BYTES = 64 * MiB


@dataclass(frozen=True)
class Remembered:
    answer: Answer
    etag: str


class AnswerCache:
    """Rendered answers by request, least recently used dropped first, at most `limit` bytes."""

    def __init__(self, limit: int = ANSWER_CACHE_BYTES) -> None:
        self.limit, self.size = limit, 0
        self.entries: collections.OrderedDict[tuple, Remembered] = collections.OrderedDict()

    def get(self, key: tuple) -> Remembered | None:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: tuple, answer: Answer) -> Remembered:
        import hashlib

        remembered = Remembered(answer, '"' + hashlib.sha256(answer.body).hexdigest()[:32] + '"')
        if len(answer.body) > self.limit // 4:  # one large answer would push out many
            return remembered
        if key not in self.entries:
            self.size += len(answer.body)
        self.entries[key] = remembered
        while self.size > self.limit:
            _, dropped = self.entries.popitem(last=False)
            self.size -= len(dropped.answer.body)
        return remembered


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (or is `*`); weak tags compare equal."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


REFILL_AFTER = 1.0  # seconds after a reload before spare workers are started again
PAGE_THREADS = 2  # pages built at once; more wait their turn
PAGE_MAX_BYTES = 2 * MiB  # a page turns its answer into a table: it takes a smaller one
# Pages need no script; their one <style> block is inline. Every response carries these.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
}
MAX_CONNECTIONS = 256  # open connections and requests; uvicorn answers 503 beyond


@dataclass(frozen=True)
class Settings:
    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = 2  # run any query
    saved_workers: int = 1  # more, kept for saved queries: SPARQL text never runs there
    per_client: int = 1  # SPARQL-text queries one client address runs at once (0: no cap)
    max_bytes: int = DEFAULT_MAX_BYTES  # the largest answer sent; larger is a 413, never cut
    worker_memory: int = DEFAULT_WORKER_MEMORY  # a worker's address space (0: no limit)
    max_query_length: int = 20_000  # characters
    max_body: int = 64 * 1024  # bytes


class BadRequest(KgError):
    """The request itself is wrong (HTTP 400)."""

    status = 400


class BrokenQuery(KgError):
    """A saved query's file cannot be used (not UTF-8, a bad header, a dangling link)."""

    status = 500


def negotiate(accept: str, offered: dict[str, str], default: str) -> str | None:
    """The format for the best media type in an Accept header, or None if nothing fits. A type
    given q=0 is excluded, also from what a wildcard (`*/*`, `text/*`) stands for."""
    choices: list[tuple[float, int, str]] = []
    excluded: set[str] = set()
    for index, part in enumerate(accept.split(",")):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                with contextlib.suppress(ValueError):
                    quality = float(value)
        if media and quality > 0:
            choices.append((-quality, index, media))
        elif media:
            excluded.add(media)
    allowed = {m: name for m, name in offered.items() if m not in excluded}
    banned = {name for m, name in offered.items() if m in excluded}
    if not choices:
        return default if not excluded else None
    for _, _, media in sorted(choices):
        if media in allowed:
            return allowed[media]
        if media.endswith("/*"):  # text/* must get a text/ type, not the JSON default
            prefix = "" if media == "*/*" else media[:-1]
            fitting = [name for m, name in allowed.items() if m.startswith(prefix)]
            fitting = [name for name in fitting if name not in banned]
            if fitting:
                return default if default in fitting else fitting[0]
    return None


# grlc's /api-local/<name>.<suffix> sends its endpoint these Accept headers (grlc 1.3.11,
# grlc/static.py `mimetypes`); kg's /api/<name>.<suffix> negotiates with the same ones.
GRLC_SUFFIXES = {
    "csv": "text/csv; q=1.0, */*; q=0.1",
    "json": "application/json; q=1.0, application/sparql-results+json; q=0.8, */*; q=0.1",
    "html": "text/html; q=1.0, */*; q=0.1",
    "ttl": "text/turtle",
}
LARGEST_ROWS = queries.LARGEST  # what LIMIT and OFFSET can be


def most_pages(size: int) -> int:
    """The last page number whose OFFSET an engine can take (a 64-bit count)."""
    return (LARGEST_ROWS - size) // size + 1


def _page_number(text: str, size: int) -> int | None:
    """A page= value as a page number, or None if it is not one."""
    if not re.fullmatch(r"[0-9]{1,19}", text.strip()):
        return None
    page = int(text)
    return page if 1 <= page <= most_pages(size) else None


def page_links(path: str, kept: list[tuple[str, str]], page: int, more: bool) -> str:
    """A Link header in grlc's form (`<url>; rel=next, <url>; rel=prev, <url>; rel=first`),
    naming only pages that exist: next when this one was not the last. grlc's `last` is left
    out: grlc computes it from a fixed count of 1,000 results, and kg does not count them."""
    from urllib.parse import urlencode

    def at(number: int) -> str:
        return f"<{path}?{urlencode([*kept, ('page', str(number))])}>"

    links = [f"{at(page + 1)}; rel=next"] if more else []
    if page > 1:
        links.append(f"{at(page - 1)}; rel=prev")
    links.append(f"{at(1)}; rel=first")
    return ", ".join(links)


def _dataset_parameters(items) -> str | None:
    """Why a request naming its own dataset (the protocol's FROM) is refused, or None."""
    for key, value in items:
        if key in ("default-graph-uri", "named-graph-uri") and value.strip():
            return (
                f"{key} is not allowed: kg queries only the loaded graph and never reads other "
                f"files or URLs; remove {key}"
            )
    return None


def one_line(message: str) -> str:
    """A message on one line (YAML's and pyparsing's span several, with a caret under the spot)."""
    return " ".join(line.strip() for line in message.splitlines() if line.strip())


QUERY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # what queries.query_path will serve


class Catalog:
    """The saved queries, read in threads (never on the event loop) and kept until a file
    changes, so a slow or hostile file costs one read, not one per request.

    A file that cannot be used — not UTF-8, too large, a dangling link, not a regular file, a
    header that is not YAML — is left out of the home page and of /api/openapi.json, with one
    line in the server's log each time it changes; asked for by name, it is a 500 that says why.
    Messages name files relative to the tree, never where the server keeps it.
    """

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.version = 0  # goes up whenever a query is added, changed or removed
        self._lock = threading.Lock()
        self._known: dict[Path, tuple[tuple, queries.SavedQuery | str]] = {}

    def relative(self, message: str) -> str:
        """A message on one line, naming files relative to the tree."""
        return one_line(message.replace(str(self.tree.root) + os.sep, ""))

    def _read(self, path: Path) -> queries.SavedQuery | str:
        """The query in a file, or one line saying why it cannot be used."""
        where = self.relative(str(path))
        try:
            info = path.stat()  # follows links: a dangling one fails here
        except OSError as error:
            found: queries.SavedQuery | str = f"{where}: cannot read it ({error.strerror})"
            key: tuple = ("missing", error.errno)
        else:
            key = (info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
            found = f"{where}: is not a regular file"
        with self._lock:
            known = self._known.get(path)
            if known is not None and known[0] == key:
                return known[1]
            if isinstance(key[0], int) and stat.S_ISREG(info.st_mode):
                try:
                    found = queries.read_query_file(path)
                except KgError as error:
                    found = self.relative(str(error))
                except Exception as error:  # RecursionError from a deeply nested header, say
                    found = f"{where}: cannot be read ({type(error).__name__})"
            if isinstance(found, str):
                logger.warning("kg serve: %s; left out of the home page and the API", found)
            self._known[path] = (key, found)
            self.version += 1
            return found

    def listing(self) -> tuple[int, list[queries.SavedQuery]]:
        """The usable saved queries by name, and the catalog's version."""
        folder = self.tree.queries_dir
        paths = sorted(folder.glob(f"*{queries.QUERY_SUFFIX}")) if folder.is_dir() else []
        usable = []
        for path in paths:
            if not QUERY_NAME.fullmatch(path.stem):
                where = self.relative(str(path))
                self._note(path, f"{where}: not a query name (letters, digits, - and _)")
                continue
            found = self._read(path)
            if isinstance(found, queries.SavedQuery):
                usable.append(found)
        with self._lock:
            for gone in set(self._known) - set(paths):
                del self._known[gone]
                self.version += 1
            return self.version, usable

    def _note(self, path: Path, message: str) -> None:
        with self._lock:
            if self._known.get(path, (None, None))[1] != message:
                logger.warning("kg serve: %s; left out of the home page and the API", message)
                self._known[path] = (("name",), message)
                self.version += 1

    def get(self, name: str) -> queries.SavedQuery:
        """A saved query by name: QueryError (404) if there is none, BrokenQuery (500) if its
        file cannot be used."""
        found = self._read(queries.query_path(self.tree, name))
        if isinstance(found, str):
            raise BrokenQuery(f"saved query '{name}' cannot be used: {found}")
        return found


@dataclass(eq=False)
class Generation:
    """One version of the graph being served: the pages' graph, the workers that answer
    queries on it and the answers they gave. A request is answered from the generation that
    was current when it arrived, to the end (kg.reload makes the later ones)."""

    number: int
    tree: Tree  # with --reload, a frozen copy of the tree's data/ and ontology/
    pool: QueryPool
    loaded: LoadedGraph | None = None
    answers: AnswerCache = field(default_factory=AnswerCache)
    requests: int = 0  # in flight: its workers stay until the last one is answered
    retired: bool = False


# The generation a request is answered from, set as it arrives (see Generations).
SERVING: contextvars.ContextVar[Generation | None] = contextvars.ContextVar(
    "kg_serving", default=None
)


class App:
    """The server's state: the tree, the generation of the graph being served (pages' graph,
    query workers, answers) and, with --reload, the watcher that makes the next one."""

    def __init__(
        self,
        tree: Tree,
        settings: Settings,
        spec: StoreSpec | None = None,
        loaded: LoadedGraph | None = None,
        base_url: str = "http://127.0.0.1:8000",
        reload: bool = False,
    ) -> None:
        self.tree = tree
        self.settings = settings
        self.spec = spec
        self.base_url = base_url.rstrip("/")  # as configured: never from a request's Host
        self.slots = ClientSlots(
            settings.per_client, 2 * settings.timeout, max(1, round(settings.timeout))
        )
        self.catalog = Catalog(tree)
        self._openapi: tuple[int | None, dict] = (None, {})  # (catalog version, document)
        self._renders: anyio.CapacityLimiter | None = None
        self.reload_problem: str | None = None  # why the last edit is not served (a banner)
        self._watcher: reloading.Watcher | None = None
        self._snapshots: Path | None = None  # the frozen copies, one folder per generation
        self._watching: asyncio.Task | None = None
        self._starting: QueryPool | None = None  # the next generation's workers, starting
        self._made = 1  # snapshots copied so far, each in a folder of its own
        self._old: list[Generation] = []  # retired, still answering requests in flight
        self._tasks: set[asyncio.Future] = set()  # retirements under way
        self._spares: Spares | None = None
        self._checker: reloading.Checker | None = None
        served = tree
        if reload:
            lanes = settings.workers + settings.saved_workers
            self._spares = Spares(lanes, spec, settings.worker_memory)
            self._checker = reloading.Checker()
            self._snapshots = Path(tempfile.mkdtemp(prefix="kg-serve-"))
            self._watcher = reloading.Watcher(tree)
            served = self._watcher.freeze(self._snapshots / "1")
        self.generation = Generation(1, served, self._pool(served), loaded)

    def _pool(self, tree: Tree) -> QueryPool:
        settings = self.settings
        return QueryPool(
            tree.root,
            settings.workers,
            settings.timeout,
            self.spec,
            settings.saved_workers,
            settings.worker_memory,
            self._spares,
        )

    @property
    def serving(self) -> Generation:
        """The generation this request is answered from (the current one outside requests)."""
        return SERVING.get() or self.generation

    @property
    def loaded(self) -> LoadedGraph:
        return self.serving.loaded

    async def render(self, function, *args):
        """Build a page in a thread: never on the event loop, and at most PAGE_THREADS at a
        time, so a flood of page requests queues instead of starving the loop of the GIL."""
        if self._renders is None:
            self._renders = anyio.CapacityLimiter(PAGE_THREADS)
        return await anyio.to_thread.run_sync(function, *args, limiter=self._renders)

    @contextlib.asynccontextmanager
    async def lifespan(self, app):
        first = self.generation
        if first.loaded is None:
            first.loaded = await run_in_threadpool(pages_graph, first.tree, self.spec)
        await first.pool.start()
        if self._watcher is not None:
            self._watching = asyncio.create_task(self._watch(self._watcher))
        try:
            yield
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Stop watching and kill every worker of every generation: queries running or
        waiting end at once with a 503. The frozen copies are removed."""
        if self._watching is not None:
            self._watching.cancel()
            self._watching = None
        for helpers in (self._spares, self._checker):
            if helpers is not None:
                helpers.stop()
        for pool in (self._starting, self.generation.pool, *(g.pool for g in self._old)):
            if pool is not None:
                await pool.stop()
        if self._snapshots is not None:
            shutil.rmtree(self._snapshots, ignore_errors=True)

    # --- generations: --reload ----------------------------------------------------------

    def enter(self) -> Generation:
        """A request arrives: it is answered from the current generation."""
        generation = self.generation
        generation.requests += 1
        return generation

    def leave(self, generation: Generation) -> None:
        """A request is answered: a retired generation goes once it served its last one."""
        generation.requests -= 1
        if generation.retired and generation.requests == 0:
            self._retire(generation)

    async def _watch(self, watcher: reloading.Watcher) -> None:
        """Poll the tree; build each change into the next generation, and serve it if it
        loads and validates. Else keep the last good one and say why on every page."""
        # The first check warms the checker (pyshacl's imports and caches) while the spare
        # workers start; edits made meanwhile are found on the first look after.
        problem, _ = await asyncio.gather(
            anyio.to_thread.run_sync(self._checker.problem, self.generation.tree),
            anyio.to_thread.run_sync(self._spares.fill),
        )
        logger.warning(
            "kg serve: watching data/ and ontology/; an edit is served once it validates%s",
            f" (the tree as started does not: {problem})" if problem else "",
        )
        while True:
            await asyncio.sleep(reloading.POLL_SECONDS)
            try:
                changed = await anyio.to_thread.run_sync(watcher.changes)
                if changed:
                    await self._next_generation(watcher, changed)
            except (KgError, OSError) as error:  # a full disk, say: the next edit tries again
                logger.warning(
                    "kg serve: cannot reload (%s); still serving generation %d",
                    one_line(str(error)),
                    self.generation.number,
                )

    async def _next_generation(self, watcher: reloading.Watcher, changed: list[str]) -> None:
        self._made += 1
        folder = self._snapshots / str(self._made)
        tree = await anyio.to_thread.run_sync(watcher.freeze, folder)
        pool = self._starting = self._pool(tree)

        async def load_and_start() -> LoadedGraph:
            from kg.store.memory import cache_graph  # --reload serves the memory store only

            loaded = await anyio.to_thread.run_sync(_loaded, tree)
            await anyio.to_thread.run_sync(cache_graph, tree)  # once, not in every worker
            await pool.start()
            return loaded

        # The checker validates in its process while the pages' graph loads here and the new
        # workers start (one after the other: on two cores, the check is the longest).
        problem, loaded = await asyncio.gather(
            anyio.to_thread.run_sync(self._checker.problem, tree),
            load_and_start(),
            return_exceptions=True,
        )
        if isinstance(problem, BaseException):  # the checker itself failed
            problem = f"the tree could not be checked ({type(problem).__name__}: {problem})"
        if isinstance(loaded, BaseException) and problem is None:
            problem = one_line(str(loaded)) if isinstance(loaded, KgError) else repr(loaded)
        if problem is not None:
            await pool.stop()
            self._starting = None
            self._refill()
            await anyio.to_thread.run_sync(_remove, folder)
            if await anyio.to_thread.run_sync(watcher.changes):
                return  # rewritten meanwhile (an editor's steps): the newer files are next
            self.reload_problem = problem
            logger.warning(
                "kg serve: not reloaded (%s): %s; still serving generation %d",
                reloading.named(changed),
                problem,
                self.generation.number,
            )
            return
        self._starting = None
        self._refill()
        number = self.generation.number + 1
        old, self.generation = self.generation, Generation(number, tree, pool, loaded)
        self.reload_problem = None
        logger.warning(
            "kg serve: reloaded (%s): generation %d, %s triples",
            reloading.named(changed),
            number,
            f"{len(loaded.graph):,}",
        )
        old.retired = True
        self._old.append(old)
        if old.requests == 0:
            self._retire(old)

    def _refill(self) -> None:
        """Start spare workers for the next generation, in a thread, a second from now: not
        while the new generation's first pages are built."""

        def fill() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closing: we are stopping
                asyncio.get_running_loop().run_in_executor(None, self._spares.fill)

        asyncio.get_running_loop().call_later(REFILL_AFTER, fill)

    def _retire(self, generation: Generation) -> None:
        """Kill a retired generation's workers and remove its frozen copy."""

        async def retire() -> None:
            await generation.pool.stop()
            if generation in self._old:
                self._old.remove(generation)
            if self._snapshots is not None and generation.tree.root.parent == self._snapshots:
                await anyio.to_thread.run_sync(_remove, generation.tree.root)

        self._tasks.add(task := asyncio.ensure_future(retire()))
        task.add_done_callback(self._tasks.discard)

    # --- running queries ------------------------------------------------------------------

    async def answer(
        self,
        query: queries.SavedQuery,
        values: dict[str, str],
        accept: str,
        html_ok: bool,
        client: str | None = None,
        max_bytes: int | None = None,
        if_none_match: str | None = None,
        max_rows: int | None = None,
    ) -> Response:
        """Check a query and its parameters here, answer it from memory or in a worker, send
        what fits Accept.

        A generation's graph never changes, so within one an answer depends only on the
        query, its parameters, the format and the limits: identical requests are answered
        from the generation's `answers` with an ETag, a digest of the answer (and 304 Not
        Modified to an If-None-Match that holds it; after a reload, only if the answer is
        still the same).

        A query sent as text (no file) is plain SPARQL: nothing can bind its ?_x variables over
        HTTP, so they are ordinary variables there, not required parameters; it runs only in
        the workers any query may use, and at most --per-client at once for one `client`. The
        client's slot is held until the answer is sent and, when the query cost its worker,
        until the replacement is up: the client pays for the restart, not the others.
        """
        planned = self._plan(query, values, accept, html_ok, max_bytes, max_rows)
        if isinstance(planned, Response):
            return planned
        job, fmt = planned
        generation = self.serving
        key = (job.query.text, str(job.query.query.path), job.values, fmt, job.limits)
        remembered = generation.answers.get(key)
        if remembered is not None:
            return self._response(remembered, fmt, if_none_match)
        deadline = asyncio.get_running_loop().time() + generation.pool.wait
        if not job.plain:
            client = None
        if client is not None:
            try:
                await self.slots.acquire(client, deadline)
            except WorkersBusy as busy:
                return self.failure(busy, html_ok)
        replacement = None
        try:
            outcome = await generation.pool.run(job, deadline)
        except KgError as error:
            replacement = getattr(error, "replacement", None)
            response = self.failure(error, html_ok)
        except BaseException:
            if client is not None:
                self.slots.release(client)
            raise
        else:
            if outcome.error:
                response = self.error(outcome.status, outcome.error, html_ok)
            else:
                remembered = generation.answers.put(key, outcome.answer)
                response = self._response(remembered, fmt, if_none_match)
        if client is not None:
            response.background = BackgroundTask(self._release, client, replacement)
        return response

    async def _release(self, client: str, replacement: asyncio.Future | None) -> None:
        """Free a client's slot once its answer is sent and a worker it cost is replaced."""
        try:
            if replacement is not None:
                await asyncio.wait({replacement}, timeout=60)
        finally:
            self.slots.release(client)

    def _plan(
        self,
        query: queries.SavedQuery,
        values: dict[str, str],
        accept: str,
        html_ok: bool,
        max_bytes: int | None,
        max_rows: int | None = None,
    ) -> Response | tuple[Job, str]:
        """The job for a query (checked once, here) and the format to send; or the error."""
        plain = query.path is None
        try:
            checked = checked_query(
                query.text, query.name, str(query.path) if query.path else None, plain
            )
            queries.bind(query, values)
        except KgError as error:
            return self.error(getattr(error, "status", 400), str(error), html_ok)
        form = checked.form  # SELECT, ASK, CONSTRUCT or DESCRIBE: check refuses the rest
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        offered = ANSWER_GRAPH_TYPES if graph_form else RESULT_TYPES
        fmt = negotiate(accept, offered, "turtle" if graph_form else "json")
        if fmt is None and graph_form:
            fmt = negotiate(accept, GRAPH_FOR_RESULT_TYPE, "")
        if fmt is None:
            return self.error(
                406, f"cannot send {form} results as {accept!r}; ask for " + ", ".join(offered)
            )
        limit = self.settings.max_bytes
        why = "the most this server sends (--max-bytes)"
        if max_bytes is not None and max_bytes < limit:
            limit, why = max_bytes, "the most a page shows; ask /sparql or /api for more"
        job = Job(
            query=checked,
            values=tuple(sorted(values.items())),
            output_format=fmt,
            limits=Limits(min(self.settings.max_rows, max_rows or LARGEST_ROWS), limit, why),
            plain=plain,
        )
        return job, fmt

    def _response(self, remembered: Remembered, fmt: str, if_none_match: str | None) -> Response:
        answer, etag = remembered.answer, remembered.etag
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "X-KG-Rows": str(answer.size)}
        if answer.truncated:
            headers["X-KG-Truncated"] = (
                f"results cut at {self.settings.max_rows} rows (--max-rows); add a LIMIT "
                "or narrow the query"
            )
        if if_none_match is not None and etag_matches(if_none_match, etag):
            return Response(status_code=304, headers=headers)
        body = answer.body
        media = answer.media_type
        charset = "" if media.endswith("json") else "; charset=utf-8"
        return Response(body, media_type=media + charset, headers=headers)

    def failure(self, error: KgError, html: bool = False) -> Response:
        """An error raised on the way to an answer, with its status (and when to retry)."""
        retry = getattr(error, "retry_after", None)
        headers = {"Retry-After": str(retry)} if retry else None
        return self.error(getattr(error, "status", 500), str(error), html, headers)

    def error(
        self, status: int, message: str, html: bool = False, headers: dict | None = None
    ) -> Response:
        """One line, in JSON (or an HTML page): never a traceback, never the server's paths."""
        message = self.catalog.relative(message)
        message = message.replace(str(self.serving.tree.root) + os.sep, "") or "error"
        if html:
            from kg import pages

            page = pages.error_page(status, message)
            return HTMLResponse(page, status_code=status, headers=headers)
        return JSONResponse({"error": message, "status": status}, status, headers)

    # --- SPARQL 1.1 Protocol ------------------------------------------------------------

    async def sparql(self, request: Request) -> Response:
        if "update" in request.query_params:
            return self.error(400, "SPARQL Update is not allowed: this endpoint is read-only")
        if request.method in ("GET", "HEAD"):  # Starlette routes HEAD here too
            text = request.query_params.get("query")
            if text is None:
                return self.service_description(request)
        else:
            text = await self.query_from_body(request)
        if isinstance(text, Response):
            return text
        refused = _dataset_parameters(request.query_params.multi_items())
        if refused:
            return self.error(400, refused)
        if len(text) > self.settings.max_query_length:
            return self.error(
                413,
                f"the query is {len(text):,} characters; at most "
                f"{self.settings.max_query_length:,} are accepted",
            )
        try:
            query = plain_query(text)
        except KgError as error:
            return self.error(400, str(error))
        accept = request.headers.get("accept", "*/*")
        return await self.answer(
            query,
            {},
            accept,
            False,
            client=self.client(request),
            if_none_match=request.headers.get("if-none-match"),
        )

    @staticmethod
    def client(request: Request) -> str:
        """Whom a request counts against: the peer's address (uvicorn trusts no proxy header)."""
        return client_key(request.client.host if request.client else None)

    async def query_from_body(self, request: Request) -> str | Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.settings.max_body:
            return self.error(413, f"request body over {self.settings.max_body:,} bytes")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.settings.max_body:
                return self.error(413, f"request body over {self.settings.max_body:,} bytes")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            decoded = body.decode("utf-8")
        except UnicodeDecodeError:
            return self.error(400, "the request body is not UTF-8")
        if content_type == "application/sparql-query":
            return decoded
        if content_type == "application/x-www-form-urlencoded":
            from urllib.parse import parse_qs

            fields = parse_qs(decoded, keep_blank_values=True)
            if "update" in fields:
                return self.error(400, "SPARQL Update is not allowed: this endpoint is read-only")
            if "query" not in fields:
                return self.error(400, "the form has no 'query' field")
            refused = _dataset_parameters((k, v) for k, values in fields.items() for v in values)
            if refused:
                return self.error(400, refused)
            return fields["query"][0]
        if content_type == "application/sparql-update":
            return self.error(400, "SPARQL Update is not allowed: this endpoint is read-only")
        return self.error(
            415,
            f"POST a query as application/sparql-query or application/x-www-form-urlencoded, "
            f"not {content_type or 'no content type'}",
        )

    def service_description(self, request: Request) -> Response:
        from rdflib import BNode, Graph, Literal, Namespace, URIRef
        from rdflib.namespace import RDF, VOID

        sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
        formats = Namespace("http://www.w3.org/ns/formats/")
        graph = Graph()
        graph.bind("sd", sd)
        graph.bind("void", VOID)
        service = URIRef(f"{self.base_url}/sparql")  # as configured, never the Host header
        graph.add((service, RDF.type, sd.Service))
        graph.add((service, sd.endpoint, service))
        graph.add((service, sd.supportedLanguage, sd.SPARQL11Query))
        for name in (
            "SPARQL_Results_JSON",
            "SPARQL_Results_XML",
            "SPARQL_Results_CSV",
            "SPARQL_Results_TSV",
            "Turtle",
            "N3",
            "JSON-LD",
            "N-Quads",
            "TriG",
            "N-Triples",
            "RDF_XML",
        ):
            graph.add((service, sd.resultFormat, formats[name]))
        dataset, default = BNode("dataset"), BNode("default")
        graph.add((service, sd.defaultDataset, dataset))
        graph.add((dataset, RDF.type, sd.Dataset))
        graph.add((dataset, sd.defaultGraph, default))
        graph.add((default, RDF.type, sd.Graph))
        graph.add((default, VOID.triples, Literal(len(self.loaded.graph))))
        fmt = negotiate(request.headers.get("accept", "*/*"), GRAPH_TYPES, "turtle")
        fmt = fmt or "turtle"
        return Response(
            graph.serialize(format=GRAPH_FORMATS[fmt].rdflib),
            media_type=GRAPH_MEDIA_OF[fmt],
        )

    # --- the saved queries as an API -----------------------------------------------------

    async def api(self, request: Request) -> Response:
        """A saved query by name, with grlc's conventions: `/api/<name>.csv` (or .json, .html,
        .ttl) negotiates as the Accept grlc would send for that suffix; `page=N` is page N of a
        query with `#+ pagination: K` (Link headers as grlc's); grlc's `endpoint=` may only
        name this server's own /sparql (kg never sends a query elsewhere)."""
        name, _, suffix = request.path_params["name"].partition(".")
        accept = request.headers.get("accept", "*/*")
        if suffix:
            if suffix not in GRLC_SUFFIXES:
                formats = ", ".join(f"/api/{name}.{s}" for s in GRLC_SUFFIXES)
                return self.error(404, f"no format '.{suffix}' for a saved query; use {formats}")
            accept = GRLC_SUFFIXES[suffix]
        try:
            query = await run_in_threadpool(self.catalog.get, name)
        except BrokenQuery as error:
            return self.failure(error)
        except KgError as error:
            return self.error(404, str(error))
        values = {}
        for key, value in request.query_params.multi_items():
            if key in values:
                return self.error(400, f"parameter '{key}' is given twice; give it once")
            values[key] = value
        names = {p.name for p in query.parameters}
        if "endpoint" in values and "endpoint" not in names:
            own = f"{self.base_url}/sparql"
            if values.pop("endpoint").strip() != own:
                return self.error(
                    400,
                    "endpoint= names another SPARQL endpoint, and kg answers only from its own "
                    f"graph, never sending a query elsewhere; leave it out (or give {own})",
                )
        page, size = None, query.pagination
        if "page" in values and "page" not in names:
            if size is None:
                return self.error(
                    400, f"query '{name}' has no pages (no `#+ pagination:`); leave out page="
                )
            page = _page_number(values.pop("page"), size)
            if page is None:
                return self.error(400, f"page= takes a whole number from 1 to {most_pages(size):,}")
        if size is not None:
            try:
                query = queries.paged(query, page or 1)
            except KgError as error:
                return self.failure(BrokenQuery(f"saved query '{name}' cannot be paged: {error}"))
        response = await self.answer(
            query,
            values,
            accept,
            False,
            if_none_match=request.headers.get("if-none-match"),
            max_rows=size,
        )
        if size is not None and response.status_code in (200, 304):
            # One row more than a page was asked for: a cut answer means a next page.
            more = "x-kg-truncated" in response.headers
            if size <= self.settings.max_rows:
                del response.headers["x-kg-truncated"]
            path = f"{self.base_url}/api/{quote(name)}" + (f".{suffix}" if suffix else "")
            kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
            response.headers["Link"] = page_links(path, kept, page or 1, more)
        return response

    async def openapi(self, request: Request) -> Response:
        # Reading the saved queries happens in a thread; the document is built again only
        # when one of them changed.
        version, saved = await run_in_threadpool(self.catalog.listing)
        cached, document = self._openapi
        if version != cached:
            document = openapi_document(saved, self.base_url)
            self._openapi = (version, document)
        return JSONResponse(document)

    # --- pages for people: built in threads, never on the event loop ----------------------

    async def home(self, request: Request) -> Response:
        from kg import pages

        _, saved = await run_in_threadpool(self.catalog.listing)
        return HTMLResponse(await self.render(pages.home_page, self.loaded, saved))

    async def entity(self, request: Request) -> Response:
        return await self.render(self._resource, request, "id")

    async def source(self, request: Request) -> Response:
        return await self.render(self._resource, request, "source")

    def _resource(self, request: Request, kind: str) -> Response:
        from kg import pages
        from kg.namespaces import KGR, SRC

        local = request.path_params["local"]
        html_wanted = "text/html" in request.headers.get("accept", "text/html")
        fmt = request.query_params.get("format")
        if fmt is None and not html_wanted:
            fmt = negotiate(request.headers.get("accept", ""), GRAPH_TYPES, "turtle")
        if not pages.LOCAL_NAME.fullmatch(local):  # "..", slashes, odd characters: never looked up
            what = "source record" if kind == "source" else "entity"
            return self.error(404, f"no {what} named '{local}' in the graph", html=fmt is None)
        iri = (SRC if kind == "source" else KGR)[local]
        try:
            if fmt is not None:
                if fmt not in GRAPH_MEDIA_OF:
                    return self.error(
                        400, f"format '{fmt}' is not offered; use " + ", ".join(GRAPH_MEDIA_OF)
                    )
                graph = pages.resource_graph(self.loaded, iri)
                return Response(
                    graph.serialize(format=GRAPH_FORMATS[fmt].rdflib),
                    media_type=GRAPH_MEDIA_OF[fmt],
                )
            render = pages.source_page if kind == "source" else pages.entity_page
            return HTMLResponse(render(self.loaded, iri))
        except NotFoundError as error:
            return self.error(404, str(error), html=fmt is None)

    async def query_page(self, request: Request) -> Response:
        """The SPARQL form and its answer as a table; or a saved query run by name.

        `/query?query=TEXT` runs SPARQL; `/query/books?param=value` runs a saved query with its
        parameters (the name is in the path, so any parameter name is free). An empty field
        takes the parameter's default. Both go through `answer`, as the API does:
        the same typed binding, workers, time limit and row cap.
        """
        from kg import pages

        items = request.query_params.multi_items()
        saved, values, text = None, {}, None
        name = request.path_params.get("name")
        if name is not None:
            try:
                saved = await run_in_threadpool(self.catalog.get, name)
            except KgError as error:
                status = getattr(error, "status", 404) if isinstance(error, BrokenQuery) else 404
                message = self.catalog.relative(str(error))
                return HTMLResponse(pages.query_page(None, None, message, status=status), status)
            for key, value in items:
                if not value.strip():
                    continue
                if key in values:
                    message = f"parameter '{key}' is given twice; give it once"
                    page = pages.query_page(None, None, message, status=400, saved=saved)
                    return HTMLResponse(page, 400)
                values[key] = value
            query = saved
        else:
            text = request.query_params.get("query")
            if text is None or not text.strip():
                return HTMLResponse(pages.query_page(None, None, None))
            if len(text) > self.settings.max_query_length:
                message = (
                    f"the query is {len(text):,} characters; at most "
                    f"{self.settings.max_query_length:,} are accepted"
                )
                return HTMLResponse(pages.query_page(text, None, message, status=413), 413)
            try:
                query = plain_query(text)
            except KgError as error:
                return HTMLResponse(pages.query_page(text, None, str(error), status=400), 400)
        accept = "application/sparql-results+json, text/turtle;q=0.9"
        client = self.client(request) if saved is None else None
        response = await self.answer(query, values, accept, False, client, PAGE_MAX_BYTES)
        status, background = response.status_code, response.background
        headers = {k: v for k, v in response.headers.items() if k == "retry-after"}
        if status != 200:
            message = json.loads(response.body)["error"]
            page = pages.query_page(text, None, message, status=status, saved=saved, values=values)
            return HTMLResponse(page, status, headers, background=background)

        def render() -> str:
            body = response.body.decode("utf-8")
            graph = "json" not in response.headers.get("content-type", "")
            return pages.query_page(
                text,
                {"turtle": body} if graph else json.loads(body),
                None,
                notice=response.headers.get("x-kg-truncated"),
                saved=saved,
                values=values,
            )

        return HTMLResponse(await self.render(render), background=background)


# The values queries.bind accepts, as ECMA-262 patterns (OpenAPI's dialect): an IRI or CURIE,
# bare or in <>, with spaces around it stripped; typed literals in their XSD lexical form.
# Whitespace is spelled out as Python's str.isspace() and re's \s see it (\x1c-\x1f, \x85 are
# space to Python, not to ECMA's \s), so the document accepts exactly what the server does.
_SPACE = "".join(f"\\u{ord(c):04x}" for c in map(chr, range(0x3001)) if c.isspace())
_IRI = queries.IRI_PATTERN
_LEXICAL = queries.LEXICAL


def _parameter_schema(parameter: queries.Parameter) -> dict:
    """The JSON Schema of a parameter's values, so that clients (and fuzzers) send valid ones."""
    schema: dict = {"type": "string"}
    if parameter.kind == "integer":
        schema = {"type": "integer"}
    elif parameter.kind == "iri":
        schema["pattern"] = f"^[{_SPACE}]*({_IRI}|<{_IRI}>)[{_SPACE}]*$"
    elif str(parameter.datatype) in _LEXICAL:
        schema["pattern"] = f"^{_LEXICAL[str(parameter.datatype)]}$"
        if str(parameter.datatype) == "http://www.w3.org/2001/XMLSchema#date":
            schema["format"] = "date"  # the pattern alone lets 2018-02-31 through
    if parameter.choices:
        schema["enum"] = [_typed(parameter, choice) for choice in parameter.choices]
    return schema


def _typed(parameter: queries.Parameter, value: str):
    """A value as the JSON type of its parameter's schema (a number for an integer)."""
    if parameter.kind == "integer" and re.fullmatch(r"[+-]?[0-9]+", value.strip()):
        return int(value)
    return value


def openapi_document(saved: list[queries.SavedQuery], server: str) -> dict:
    """An OpenAPI 3 description of /api/<name>, generated from the saved queries' #+ headers.

    `server` is the configured address, never one taken from a request's Host header."""
    paths: dict[str, dict] = {}
    for query in saved:
        graph_form = query.form in ("CONSTRUCT", "DESCRIBE")
        media = [*GRAPH_MEDIA_OF.values(), "text/csv"] if graph_form else list(MEDIA_OF.values())
        parameters = []
        for parameter in query.parameters:
            described = {
                "name": parameter.name,
                "in": "query",
                "required": parameter.required,
                "description": f"{parameter.type_label}",
                "schema": _parameter_schema(parameter),
            }
            if parameter.default is not None:  # `#+ defaults:` fill forms; they are not bound
                described["example"] = _typed(parameter, parameter.default)
            parameters.append(described)
        if query.pagination is not None:
            parameters.append(
                {
                    "name": "page",
                    "in": "query",
                    "required": False,
                    "description": f"the page, of {query.pagination} rows (1 if left out); "
                    "the Link header names the next, previous and first pages",
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": most_pages(query.pagination),
                    },
                }
            )
        error = {
            "description": "error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        paths[f"/api/{quote(query.name)}"] = {
            "get": {
                "operationId": query.name,
                "summary": query.summary,
                "description": query.description,
                "tags": query.tags,
                "parameters": parameters,
                "responses": {
                    "200": {
                        "description": f"the {query.form} result",
                        "content": {m: {"schema": {"type": "string"}} for m in media}
                        | (
                            {"application/sparql-results+json": {"schema": {"type": "object"}}}
                            if not graph_form
                            else {}
                        ),
                    },
                    "400": error,
                    "406": error,
                    "413": error,
                    "503": error,
                },
            }
        }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "kg: the Randa Kassis knowledge graph",
            "version": __import__("kg").__version__,
            "description": "The saved SPARQL queries of kg as an API (grlc's convention).",
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
                    "required": ["error"],
                }
            }
        },
    }


def pages_graph(tree: Tree, spec: StoreSpec | None) -> LoadedGraph:
    """The graph the pages show: parsed from the tree (memory), else read from the store."""
    from kg.store import parse_spec

    spec = spec or parse_spec("memory")
    if spec.backend.from_tree:
        from kg.load import load

        return load(tree)  # without filling an Oxigraph store the pages do not use
    from kg.store import open_store

    return open_store(spec, tree).loaded()


class Generations:
    """ASGI middleware: a request is answered from the generation current when it arrives,
    and pages show why the last edit is not served (--reload), until a later edit fixes it."""

    def __init__(self, app, state: App) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from kg import pages

        generation = self.state.enter()
        serving = SERVING.set(generation)
        problem = self.state.reload_problem
        banner = pages.BANNER.set(problem)
        if problem is not None:  # API clients learn it too (a header is Latin-1: ASCII here)
            header = (b"x-kg-reload-error", problem.encode("ascii", "replace"))
            plain = send

            async def send(message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message.get("headers", []), header]
                await plain(message)

        try:
            return await self.app(scope, receive, send)
        finally:
            pages.BANNER.reset(banner)
            SERVING.reset(serving)
            self.state.leave(generation)


class SecurityHeaders:
    """ASGI middleware: every response says `nosniff` and carries the pages' CSP."""

    def __init__(self, app) -> None:
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def create_app(
    tree: Tree,
    settings: Settings | None = None,
    spec: StoreSpec | None = None,
    loaded: LoadedGraph | None = None,
    base_url: str = "http://127.0.0.1:8000",
    reload: bool = False,
) -> Starlette:
    """The server. With a store spec other than memory, queries go to that store and pages
    show the graph read from it (`loaded`, if given, is that graph already read). `base_url`
    is where it listens, for the service description and the OpenAPI document. With
    `reload`, an edit to data/ or ontology/ is served once it validates (kg.reload)."""
    state = App(tree, settings or Settings(), spec, loaded, base_url, reload)

    async def not_found(request: Request, exc: HTTPException) -> Response:
        wants_html = "text/html" in request.headers.get("accept", "")
        response = state.error(exc.status_code, exc.detail or "not found", wants_html)
        response.headers.update(exc.headers or {})  # a 405 must say what is Allow-ed
        return response

    async def server_error(request: Request, exc: Exception) -> Response:
        wants_html = "text/html" in request.headers.get("accept", "")
        return state.error(500, f"internal error ({type(exc).__name__})", wants_html)

    routes = [
        Route("/", state.home, methods=["GET"]),
        Route("/sparql", state.sparql, methods=["GET", "POST"], name="sparql"),
        Route("/api/openapi.json", state.openapi, methods=["GET"]),
        Route("/api/{name}", state.api, methods=["GET"]),
        Route("/query", state.query_page, methods=["GET"]),
        Route("/query/{name}", state.query_page, methods=["GET"]),
        Route("/id/{local:path}", state.entity, methods=["GET"]),
        Route("/entity/{local:path}", state.entity, methods=["GET"]),
        Route("/source/{local:path}", state.source, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        lifespan=state.lifespan,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(Generations, state=state),
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "POST"],
                allow_headers=["*"],
                expose_headers=[
                    "X-KG-Rows",
                    "X-KG-Truncated",
                    "X-KG-Reload-Error",
                    "Retry-After",
                    "Link",
                ],
            ),
        ],
        exception_handlers={HTTPException: not_found, Exception: server_error},
    )
    # A redirect from /api/books/ to /api/books would be built from the Host header: no
    # redirects; such paths are 404s.
    app.router.redirect_slashes = False
    app.state.kg = state
    return app


def listen(host: str, port: int):
    """A socket bound to host:port (port 0: a free one), or one error line saying why not."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise KgError(
            f"cannot listen on {host} port {port} ({error.strerror or error}); pick another "
            "--port (0 takes a free one)"
        ) from None
    sock.set_inheritable(True)
    return sock


def serve(
    tree: Tree,
    host: str,
    port: int,
    settings: Settings,
    allow_remote: bool,
    spec: StoreSpec | None = None,
    reload: bool | None = None,
) -> None:
    """Start uvicorn; refuse to bind beyond loopback unless asked to explicitly.

    A store other than memory is opened and read here first, so a missing store or an engine
    that does not answer is one error line before anything listens. The port is bound before
    the line saying where the server listens is printed, so with --port 0 it says which port.
    `reload` None: reload edits when kg.reload.by_default says so.
    """
    import uvicorn

    if host not in LOOPBACK and not allow_remote:
        raise KgError(
            f"--host {host} would expose the server beyond this machine; add --allow-remote "
            "if that is what you want"
        )
    import sys

    from_tree = spec is None or spec.backend.from_tree
    if reload and not from_tree:
        raise KgError(
            f"--reload serves edits to the tree's files, and --store {spec} is not read from "
            "them; rebuild that store instead (kg load, kg push), or leave out --reload"
        )
    if reload is None:
        reload = reloading.by_default(tree, from_tree)
    loaded, what = None, str(tree.root)
    if spec is not None and not spec.backend.from_tree:
        loaded, what = pages_graph(tree, spec), f"{spec} (saved queries from {tree.root})"
    sock = listen(host, port)
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    base_url = f"http://{shown}:{port}"
    watching = ", reloading on edits to data/ and ontology/" if reload else ""
    print(f"kg: serving {what} on {base_url}/{watching} (Ctrl-C stops)", file=sys.stderr)
    sys.stderr.flush()
    app = create_app(tree, settings, spec, loaded, base_url, reload)
    config = uvicorn.Config(
        app,
        log_level="warning",
        proxy_headers=False,  # X-Forwarded-For would let one client pass for many
        server_header=False,
        limit_concurrency=MAX_CONNECTIONS,
        timeout_graceful_shutdown=1,
    )

    class Server(uvicorn.Server):
        async def shutdown(self, sockets=None) -> None:
            # Stop the workers first: queries in flight end now with a 503, so uvicorn need
            # not cancel them (a traceback) when its graceful wait runs out.
            await app.state.kg.stop()
            await super().shutdown(sockets)

    Server(config).run(sockets=[sock])


def _loaded(tree: Tree) -> LoadedGraph:
    """A snapshot's graph for the pages, ready for its first page."""
    from kg import pages
    from kg.load import load

    loaded = load(tree)
    pages.prepare(loaded)
    return loaded


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
