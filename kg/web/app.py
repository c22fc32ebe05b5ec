"""`kg serve`: a SPARQL 1.1 Protocol endpoint, the saved queries as an API, and pages for people.

Starlette on uvicorn. A query is checked here, once (kg.queries.check), then answered from
memory when the same request was answered before (a generation's graph never changes: an
ETag, and 304 to a conditional GET), else in a killable worker process (kg.web.workers) under a time
limit, a row cap, a byte cap and a memory limit; admission keeps a worker for saved queries,
caps the SPARQL one client may run at once and bounds every wait. Pages are built from the
loaded graph in the server process, in threads, never on the event loop, as saved queries are
read. Read-only: there is no update endpoint, and updates, SERVICE and FROM are refused with 400.

With --reload (kg.web.reload), an edit to data/ or ontology/ that loads and validates becomes the
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
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

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
from kg.answer import Limits
from kg.errors import KgError
from kg.files import MiB
from kg.load import LoadedGraph
from kg.results import Answer
from kg.store import StoreSpec
from kg.textindex import TextIndex
from kg.tree import Tree
from kg.web import api, pages, protocol
from kg.web import reload as reloading
from kg.web.api import LARGEST_ROWS, Catalog, one_line
from kg.web.protocol import (
    ANSWER_GRAPH_TYPES,
    GRAPH_FOR_RESULT_TYPE,
    RESULT_TYPES,
    NotAcceptable,
    Refused,
    etag_matches,
    negotiate,
    wants_html,
)
from kg.web.workers import (
    DEFAULT_MAX_BYTES,
    DEFAULT_WORKER_MEMORY,
    ClientSlots,
    Job,
    QueryPool,
    Spares,
    WorkersBusy,
    checked_query,
)

logger = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "::1")


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


REFILL_AFTER = 1.0  # seconds after a reload before spare workers are started again
PAGE_THREADS = 2  # pages built at once; more wait their turn
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


@dataclass(eq=False)
class Generation:
    """One version of the graph being served: the pages' graph, the workers that answer
    queries on it and the answers they gave. A request is answered from the generation that
    was current when it arrived, to the end (kg.web.reload makes the later ones)."""

    number: int
    tree: Tree  # with --reload, a frozen copy of the tree's data/ and ontology/
    pool: QueryPool
    loaded: LoadedGraph | None = None
    answers: AnswerCache = field(default_factory=AnswerCache)
    requests: int = 0  # in flight: its workers stay until the last one is answered
    retired: bool = False
    index: TextIndex | None = None  # the search index of its graph, once a page asked for it
    indexing: threading.Lock = field(default_factory=threading.Lock)


# The generation a request is answered from, set as it arrives (see Generations).
SERVING: contextvars.ContextVar[Generation | None] = contextvars.ContextVar(
    "kg_serving", default=None
)


class GraphServer:
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

    def search_index(self) -> TextIndex:
        """The search index of the graph this request is answered from (kg.search's: from
        kg's cache, or built from the pages' graph), made once per generation by the first
        page that needs it. Call it in a page's thread (`render`), never on the event loop."""
        from kg import search
        from kg.store import parse_spec

        generation = self.serving
        with generation.indexing:  # a second search waits for the first one's index
            if generation.index is None:
                spec = self.spec or parse_spec("memory")
                generation.index = search.open_index(spec, generation.tree, generation.loaded)
        return generation.index

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
        job, fmt = self._plan(query, values, accept, max_bytes, max_rows)
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
                return self.error_response(busy, html_ok)
        replacement = None
        try:
            outcome = await generation.pool.run(job, deadline)
        except KgError as error:
            replacement = getattr(error, "replacement", None)
            response = self.error_response(error, html_ok)
        except BaseException:
            if client is not None:
                self.slots.release(client)
            raise
        else:
            if outcome.error:
                failed = Refused(outcome.error, outcome.status)
                response = self.error_response(failed, html_ok)
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
        max_bytes: int | None,
        max_rows: int | None = None,
    ) -> tuple[Job, str]:
        """The job for a query (checked once, here) and the format to send. Raises the
        KgError (with its status) of a query that is not SPARQL or not allowed, of a parameter
        that does not bind, or of an Accept nothing fits."""
        plain = query.path is None
        checked = checked_query(
            query.text, query.name, str(query.path) if query.path else None, plain
        )
        queries.bind(query, values)
        form = checked.form  # SELECT, ASK, CONSTRUCT or DESCRIBE: check refuses the rest
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        offered = ANSWER_GRAPH_TYPES if graph_form else RESULT_TYPES
        fmt = negotiate(accept, offered, "turtle" if graph_form else "json")
        if fmt is None and graph_form:
            fmt = negotiate(accept, GRAPH_FOR_RESULT_TYPE, "")
        if fmt is None:
            raise NotAcceptable(
                f"cannot send {form} results as {accept!r}; ask for " + ", ".join(offered)
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

    def message(self, error: KgError) -> str:
        """An error's message on one line, naming files relative to the tree: never the
        server's own paths."""
        message = self.catalog.relative(str(error))
        return message.replace(str(self.serving.tree.root) + os.sep, "") or "error"

    def error_response(self, error: KgError, html: bool = False) -> Response:
        """The one place an error becomes a response: its HTTP status (the error's `status`),
        one line in JSON (or an HTML page for people), when to retry; never a traceback."""
        status = getattr(error, "status", 500)
        headers = dict(getattr(error, "headers", None) or {})
        retry = getattr(error, "retry_after", None)
        if retry:
            headers["Retry-After"] = str(retry)
        message = self.message(error)
        if html:
            page = pages.error_page(status, message)
            return HTMLResponse(page, status_code=status, headers=headers)
        return JSONResponse({"error": message, "status": status}, status, headers)


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

    def __init__(self, app, state: GraphServer) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
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
    `reload`, an edit to data/ or ontology/ is served once it validates (kg.web.reload)."""
    state = GraphServer(tree, settings or Settings(), spec, loaded, base_url, reload)

    async def refused(request: Request, error: KgError) -> Response:
        return state.error_response(error, wants_html(request))

    async def not_routed(request: Request, exc: HTTPException) -> Response:
        # a 405 must say what is Allow-ed
        error = Refused(exc.detail or "not found", exc.status_code, exc.headers)
        return state.error_response(error, wants_html(request))

    async def server_error(request: Request, exc: Exception) -> Response:
        error = Refused(f"internal error ({type(exc).__name__})", 500)
        return state.error_response(error, wants_html(request))

    routes = [
        Route("/", pages.home, methods=["GET"]),
        Route("/sparql", protocol.sparql, methods=["GET", "POST"], name="sparql"),
        Route("/api/openapi.json", api.openapi, methods=["GET"]),
        Route("/api/{name}", api.api, methods=["GET"]),
        Route("/query", pages.query, methods=["GET"]),
        Route("/query/{name}", pages.query, methods=["GET"]),
        Route("/id/{local:path}", pages.entity, methods=["GET"]),
        Route("/entity/{local:path}", pages.entity, methods=["GET"]),
        Route("/source/{local:path}", pages.source, methods=["GET"]),
        Route("/timeline", pages.timeline_route, methods=["GET"]),
        Route("/network/{local:path}", pages.network_route, methods=["GET"]),
        Route("/search", pages.search, methods=["GET"]),
        Route("/article", pages.article, methods=["GET"]),
        Route("/article/{local:path}", pages.article, methods=["GET"]),
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
        exception_handlers={KgError: refused, HTTPException: not_routed, Exception: server_error},
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
    `reload` None: reload edits when kg.web.reload.by_default says so.
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
    from kg.load import load

    loaded = load(tree)
    pages.prepare(loaded)
    return loaded


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
