"""`kg serve`: a SPARQL 1.1 Protocol endpoint, the saved queries as an API, and pages for people.

Starlette on uvicorn. User SPARQL runs in killable worker processes (kg.workers) under a time
limit and a row cap; pages are built in the server process from the loaded graph. Read-only:
there is no update endpoint, and updates, SERVICE and FROM are refused with 400.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from dataclasses import dataclass
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from kg import queries
from kg.errors import KgError, NotFoundError
from kg.load import LoadedGraph, Tree, load
from kg.store import StoreSpec
from kg.workers import Job, QueryPool, QueryTimeout

LOOPBACK = ("127.0.0.1", "localhost", "::1")

# What each query form can be rendered as, by media type (first one is the default).
RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
MEDIA_OF = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_MEDIA_OF = {fmt: media for media, fmt in GRAPH_TYPES.items()}


@dataclass(frozen=True)
class Settings:
    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = 2
    max_query_length: int = 20_000  # characters
    max_body: int = 64 * 1024  # bytes


class BadRequest(KgError):
    """The request itself is wrong (HTTP 400)."""


def negotiate(accept: str, offered: dict[str, str], default: str) -> str | None:
    """The format for the best media type in an Accept header, or None if nothing fits."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                with contextlib.suppress(ValueError):
                    quality = float(value)
        if media and quality > 0:
            choices.append((-quality, index, media))
    if not choices:
        return default
    for _, _, media in sorted(choices):
        if media in offered:
            return offered[media]
        if media == "*/*":
            return default
        if media.endswith("/*"):  # text/* must get a text/ type, not the JSON default
            fitting = [fmt for name, fmt in offered.items() if name.startswith(media[:-1])]
            if fitting:
                return default if default in fitting else fitting[0]
    return None


def _dataset_parameters(items) -> str | None:
    """Why a request naming its own dataset (the protocol's FROM) is refused, or None."""
    for key, value in items:
        if key in ("default-graph-uri", "named-graph-uri") and value.strip():
            return (
                f"{key} is not allowed: kg queries only the loaded graph and never reads other "
                f"files or URLs; remove {key}"
            )
    return None


class App:
    """The server's state: the tree, its loaded graph (for pages) and the query workers."""

    def __init__(
        self,
        tree: Tree,
        settings: Settings,
        spec: StoreSpec | None = None,
        loaded: LoadedGraph | None = None,
    ) -> None:
        self.tree = tree
        self.settings = settings
        self.spec = spec
        self.pool = QueryPool(tree.root, settings.workers, settings.timeout, spec)
        self.loaded: LoadedGraph | None = loaded
        self._openapi: tuple[tuple | None, dict] = (None, {})  # (files and address, document)

    @contextlib.asynccontextmanager
    async def lifespan(self, app):
        if self.loaded is None:
            self.loaded = pages_graph(self.tree, self.spec)
        await self.pool.start()
        try:
            yield
        finally:
            await self.pool.stop()

    # --- running queries ------------------------------------------------------------------

    async def answer(
        self, query: queries.SavedQuery, values: dict[str, str], accept: str, html_ok: bool
    ) -> Response:
        """Check a query and its parameters here, run it in a worker, send what fits Accept.

        A query sent as text (no file) is plain SPARQL: nothing can bind its ?_x variables over
        HTTP, so they are ordinary variables there, not required parameters.
        """
        plain = query.path is None
        if plain:
            query = dataclasses.replace(query, parameters=[])
        try:
            queries.bind(query, values)
            form = query.form
            if form not in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                queries.prepare(query)  # says why: an update, or malformed SPARQL
                raise BadRequest(f"{query.name}: not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
        except KgError as error:
            return self.error(400, str(error), html_ok)
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        offered = GRAPH_TYPES if graph_form else RESULT_TYPES
        fmt = negotiate(accept, offered, "turtle" if graph_form else "json")
        if fmt is None:
            return self.error(
                406, f"cannot send {form} results as {accept!r}; ask for " + ", ".join(offered)
            )
        render_as = fmt if (form != "ASK" or fmt in ("json", "xml")) else "json"
        job = Job(
            text=query.text,
            name=query.name,
            values=tuple(sorted(values.items())),
            output_format=render_as,
            max_rows=self.settings.max_rows,
            path=str(query.path) if query.path else None,
            plain=plain,
        )
        try:
            outcome = await self.pool.run(job)
        except QueryTimeout as error:
            return self.error(503, str(error), html_ok)
        except KgError as error:
            return self.error(500, str(error), html_ok)
        if outcome.error:
            return self.error(outcome.status, outcome.error, html_ok)
        body = outcome.body
        if form == "ASK" and fmt in ("csv", "tsv"):  # as Jena writes a boolean in CSV/TSV
            body = (
                f"{'_askResult' if fmt == 'csv' else '?_askResult'}\n{str(outcome.ask).lower()}\n"
            )
        media = GRAPH_MEDIA_OF[fmt] if graph_form else MEDIA_OF[fmt]
        headers = {"X-KG-Rows": str(outcome.rows)}
        if outcome.truncated:
            headers["X-KG-Truncated"] = (
                f"results cut at {self.settings.max_rows} rows (--max-rows); add a LIMIT "
                "or narrow the query"
            )
        charset = "" if media.endswith("json") else "; charset=utf-8"
        return Response(body, media_type=media + charset, headers=headers)

    def error(self, status: int, message: str, html: bool = False) -> Response:
        if html:
            from kg import pages

            return HTMLResponse(pages.error_page(status, message), status_code=status)
        return JSONResponse({"error": message, "status": status}, status_code=status)

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
        return await self.answer(
            queries.from_text(text, "query"), {}, request.headers.get("accept", "*/*"), False
        )

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
        service = URIRef(str(request.url_for("sparql")))
        graph.add((service, RDF.type, sd.Service))
        graph.add((service, sd.endpoint, service))
        graph.add((service, sd.supportedLanguage, sd.SPARQL11Query))
        for name in (
            "SPARQL_Results_JSON",
            "SPARQL_Results_XML",
            "SPARQL_Results_CSV",
            "SPARQL_Results_TSV",
            "Turtle",
            "JSON-LD",
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
        from kg.render import GRAPH_FORMATS

        return Response(
            graph.serialize(format=GRAPH_FORMATS[fmt]),
            media_type=GRAPH_MEDIA_OF[fmt],
        )

    # --- the saved queries as an API -----------------------------------------------------

    async def api(self, request: Request) -> Response:
        name = request.path_params["name"]
        try:
            query = queries.get_query(self.tree, name)
        except KgError as error:
            return self.error(404, str(error))
        values = {}
        for key, value in request.query_params.multi_items():
            if key in values:
                return self.error(400, f"parameter '{key}' is given twice; give it once")
            values[key] = value
        return await self.answer(query, values, request.headers.get("accept", "*/*"), False)

    async def openapi(self, request: Request) -> Response:
        # Building the document parses every query file (~30 ms, in the event loop): build it
        # again only when a query file or the server's address changed, not on every request.
        server = str(request.base_url).rstrip("/")
        try:
            files = sorted(self.tree.queries_dir.glob(f"*{queries.QUERY_SUFFIX}"))
            key = (server, tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files))
        except OSError:
            key = None
        cached_key, document = self._openapi
        if key is None or key != cached_key:
            document = openapi_document(self.tree, server)
            self._openapi = (key, document)
        return JSONResponse(document)

    # --- pages for people -------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        from kg import pages

        return HTMLResponse(pages.home_page(self.loaded, queries.list_queries(self.tree)))

    async def entity(self, request: Request) -> Response:
        return self._resource(request, "id")

    async def source(self, request: Request) -> Response:
        return self._resource(request, "source")

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
                from kg.render import GRAPH_FORMATS

                graph = pages.resource_graph(self.loaded, iri)
                return Response(
                    graph.serialize(format=GRAPH_FORMATS[fmt]), media_type=GRAPH_MEDIA_OF[fmt]
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
                saved = queries.get_query(self.tree, name)
            except KgError as error:
                return HTMLResponse(pages.query_page(None, None, str(error), status=404), 404)
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
            query = queries.from_text(text, "query")
        accept = "application/sparql-results+json, text/turtle;q=0.9"
        response = await self.answer(query, values, accept, False)
        status = response.status_code
        if status != 200:
            message = json.loads(response.body)["error"]
            page = pages.query_page(text, None, message, status=status, saved=saved, values=values)
            return HTMLResponse(page, status)
        body = response.body.decode("utf-8")
        graph = "json" not in response.headers.get("content-type", "")
        page = pages.query_page(
            text,
            {"turtle": body} if graph else json.loads(body),
            None,
            notice=response.headers.get("x-kg-truncated"),
            saved=saved,
            values=values,
        )
        return HTMLResponse(page)


# The values queries.bind accepts, as ECMA-262 patterns (OpenAPI's dialect): an IRI or CURIE,
# bare or in <>, with spaces around it stripped; typed literals in their XSD lexical form.
# Whitespace is spelled out as Python's str.isspace() and re's \s see it (\x1c-\x1f, \x85 are
# space to Python, not to ECMA's \s), so the document accepts exactly what the server does.
_SPACE = "".join(f"\\u{ord(c):04x}" for c in map(chr, range(0x3001)) if c.isspace())
_EXCLUDED = "".join(f"\\u{ord(c):04x}" for c in queries.IRI_EXCLUDED)
_IRI = f"[A-Za-z][A-Za-z0-9+.-]*:[^{_EXCLUDED}]*"
_LEXICAL = {str(datatype): pattern.pattern for datatype, pattern in queries.LEXICAL.items()}


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
    if parameter.default is not None:
        schema["default"] = parameter.default
        if parameter.kind == "integer" and re.fullmatch(r"[+-]?[0-9]+", parameter.default.strip()):
            schema["default"] = int(parameter.default)
    return schema


def openapi_document(tree: Tree, server: str) -> dict:
    """An OpenAPI 3 description of /api/<name>, generated from the saved queries' #+ headers."""
    paths: dict[str, dict] = {}
    for query in queries.list_queries(tree):
        graph_form = query.form in ("CONSTRUCT", "DESCRIBE")
        media = list(GRAPH_MEDIA_OF.values()) if graph_form else list(MEDIA_OF.values())
        parameters = []
        for parameter in query.parameters:
            parameters.append(
                {
                    "name": parameter.name,
                    "in": "query",
                    "required": parameter.required and parameter.default is None,
                    "description": f"{parameter.type_label}",
                    "schema": _parameter_schema(parameter),
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
    if spec is None or spec.kind == "memory":
        return load(tree)
    from kg.store import open_store

    return open_store(spec, tree).loaded()


def create_app(
    tree: Tree,
    settings: Settings | None = None,
    spec: StoreSpec | None = None,
    loaded: LoadedGraph | None = None,
) -> Starlette:
    """The server. With a store spec other than memory, queries go to that store and pages
    show the graph read from it (`loaded`, if given, is that graph already read)."""
    state = App(tree, settings or Settings(), spec, loaded)

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
    return Starlette(
        routes=routes,
        lifespan=state.lifespan,
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "POST"],
                allow_headers=["*"],
                expose_headers=["X-KG-Rows", "X-KG-Truncated"],
            )
        ],
        exception_handlers={HTTPException: not_found, Exception: server_error},
    )


def serve(
    tree: Tree,
    host: str,
    port: int,
    settings: Settings,
    allow_remote: bool,
    spec: StoreSpec | None = None,
) -> None:
    """Start uvicorn; refuse to bind beyond loopback unless asked to explicitly.

    A store other than memory is opened and read here first, so a missing store or an engine
    that does not answer is one error line before anything listens.
    """
    import uvicorn

    if host not in LOOPBACK and not allow_remote:
        raise KgError(
            f"--host {host} would expose the server beyond this machine; add --allow-remote "
            "if that is what you want"
        )
    import sys

    loaded, what = None, str(tree.root)
    if spec is not None and spec.kind != "memory":
        loaded, what = pages_graph(tree, spec), f"{spec} (saved queries from {tree.root})"
    shown = f"[{host}]" if ":" in host else host
    print(f"kg: serving {what} on http://{shown}:{port}/ (Ctrl-C stops)", file=sys.stderr)
    app = create_app(tree, settings, spec, loaded)
    uvicorn.run(app, host=host, port=port, log_level="warning")
