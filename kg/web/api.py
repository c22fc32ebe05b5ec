"""The saved queries of `queries/` as an API, with grlc's conventions (`/api/<name>`, its format
suffixes, `page=` and Link headers), and their OpenAPI document (`/api/openapi.json`).

`Catalog` reads the query files in threads and keeps each until its file changes; the pages'
forms and the home page read the same catalog. A query is answered as any other, by
`GraphServer.answer`. Errors are raised with their HTTP status (kg.web.app translates them).
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kg import queries
from kg.errors import KgError, NotFoundError
from kg.tree import Tree
from kg.web.protocol import GRAPH_MEDIA_OF, MEDIA_OF, BadRequest, served

logger = logging.getLogger(__name__)


def one_line(message: str) -> str:
    """A message on one line (YAML's and pyparsing's span several, with a caret under the spot)."""
    return " ".join(line.strip() for line in message.splitlines() if line.strip())


class BrokenQuery(KgError):
    """A saved query's file cannot be used (not UTF-8, a bad header, a dangling link)."""

    status = 500


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
        """A saved query by name: NotFoundError (404) if there is none, BrokenQuery (500) if its
        file cannot be used."""
        try:
            path = queries.query_path(self.tree, name)
        except KgError as error:
            raise NotFoundError(str(error)) from None
        found = self._read(path)
        if isinstance(found, str):
            raise BrokenQuery(f"saved query '{name}' cannot be used: {found}")
        return found


# grlc's /api-local/<name>.<suffix> sends its endpoint these Accept headers (grlc 1.3.11,
# grlc/static.py `mimetypes`); kg's /api/<name>.<suffix> negotiates with the same ones.
GRLC_SUFFIXES = {
    "csv": "text/csv; q=1.0, */*; q=0.1",
    "json": "application/json; q=1.0, application/sparql-results+json; q=0.8, */*; q=0.1",
    "html": "text/html; q=1.0, */*; q=0.1",
    "ttl": "text/turtle",
    "tsv": "text/tab-separated-values",  # kg's own, beside grlc's: the pages' TSV download
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


async def api(request: Request) -> Response:
    """A saved query by name, with grlc's conventions: `/api/<name>.csv` (or .json, .html,
    .ttl) negotiates as the Accept grlc would send for that suffix; `page=N` is page N of a
    query with `#+ pagination: K` (Link headers as grlc's); grlc's `endpoint=` may only
    name this server's own /sparql (kg never sends a query elsewhere)."""
    server = served(request)
    name, _, suffix = request.path_params["name"].partition(".")
    accept = request.headers.get("accept", "*/*")
    if suffix:
        if suffix not in GRLC_SUFFIXES:
            formats = ", ".join(f"/api/{name}.{s}" for s in GRLC_SUFFIXES)
            raise NotFoundError(f"no format '.{suffix}' for a saved query; use {formats}")
        accept = GRLC_SUFFIXES[suffix]
    query = await run_in_threadpool(server.catalog.get, name)
    values = {}
    for key, value in request.query_params.multi_items():
        if key in values:
            raise BadRequest(f"parameter '{key}' is given twice; give it once")
        values[key] = value
    names = {p.name for p in query.parameters}
    if "endpoint" in values and "endpoint" not in names:
        own = f"{server.base_url}/sparql"
        if values.pop("endpoint").strip() != own:
            raise BadRequest(
                "endpoint= names another SPARQL endpoint, and kg answers only from its own "
                f"graph, never sending a query elsewhere; leave it out (or give {own})",
            )
    page, size = None, query.pagination
    if "page" in values and "page" not in names:
        if size is None:
            raise BadRequest(f"query '{name}' has no pages (no `#+ pagination:`); leave out page=")
        page = _page_number(values.pop("page"), size)
        if page is None:
            raise BadRequest(f"page= takes a whole number from 1 to {most_pages(size):,}")
    if size is not None:
        try:
            query = queries.paged(query, page or 1)
        except KgError as error:
            raise BrokenQuery(f"saved query '{name}' cannot be paged: {error}") from None
    response = await server.answer(
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
        if size <= server.settings.max_rows:
            del response.headers["x-kg-truncated"]
        path = f"{server.base_url}/api/{quote(name)}" + (f".{suffix}" if suffix else "")
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
        response.headers["Link"] = page_links(path, kept, page or 1, more)
    return response


async def openapi(request: Request) -> Response:
    server = served(request)
    # Reading the saved queries happens in a thread; the document is built again only
    # when one of them changed.
    version, saved = await run_in_threadpool(server.catalog.listing)
    cached, document = server._openapi
    if version != cached:
        document = openapi_document(saved, server.base_url)
        server._openapi = (version, document)
    return JSONResponse(document)


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
