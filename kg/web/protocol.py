"""The SPARQL 1.1 Protocol: `/sparql` (GET and POST, the service description) and the content
negotiation every answer of the server goes through.

A query sent here is plain SPARQL text: checked once, then answered by the server
(`GraphServer.answer`) from memory or in a worker. Updates, FROM and the protocol's dataset
parameters are refused: kg answers only from its own graph. Errors are raised, with the HTTP
status they carry; kg.web.app turns them into responses in one place.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from kg.errors import KgError
from kg.formats import (
    GRAPH_FOR_RESULT_TYPE,
    GRAPH_FORMATS,
    RESULT_FORMATS,
    SERVED_GRAPH_FORMATS,
    SERVED_RESULT_FORMATS,
    offered,
)
from kg.web.workers import client_key, plain_query

if TYPE_CHECKING:
    from kg.web.app import GraphServer

__all__ = ["GRAPH_FOR_RESULT_TYPE", "negotiate", "sparql"]


class BadRequest(KgError):
    """The request itself is wrong."""

    status = 400


class NotAcceptable(KgError):
    """Nothing the server can send fits the request's Accept header."""

    status = 406


class TooLarge(KgError):
    """A query or request body over the server's limits."""

    status = 413


class UnsupportedMediaType(KgError):
    """A POST body of a type the protocol does not define."""

    status = 415


class Refused(KgError):
    """An error known only by its HTTP status: a worker's, or a route Starlette refused."""

    def __init__(self, message: str, status: int, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


READ_ONLY = "SPARQL Update is not allowed: this endpoint is read-only"


def wants_html(request: Request) -> bool:
    """Whether an error goes to a person (an HTML page) rather than a program (JSON): a browser's
    request for a page; never for /sparql, /api or a page asked for as data (`?format=`)."""
    if request.url.path.startswith(("/sparql", "/api/")) or "format" in request.query_params:
        return False
    return "text/html" in request.headers.get("accept", "")


# `format=` on /sparql: a link cannot set Accept, so a query's download link names its format
# (as Fuseki's `format=` and Virtuoso's `format=` do). It stands for that format's media type.
# `xml` is SPARQL XML results, which a CONSTRUCT answers as RDF/XML (GRAPH_FOR_RESULT_TYPE).
FORMAT_PARAMETER = {name: GRAPH_FORMATS[name].media_type for name in SERVED_GRAPH_FORMATS} | {
    name: RESULT_FORMATS[name].media_type for name in SERVED_RESULT_FORMATS
}


def accept_of(request: Request) -> str:
    """What a request accepts. `format=` naming one of kg's formats is for links: it decides for
    a browser (an Accept with text/html) or a request with no Accept (curl). A client that sends
    an Accept of its own gets what it accepts: SPARQLWrapper sends its `format=` (`turtle`,
    `n3`, a media type) beside the Accept it means."""
    accept = request.headers.get("accept", "*/*")
    linked = FORMAT_PARAMETER.get(request.query_params.get("format", ""))
    if linked is not None and (accept.strip() in ("", "*/*") or "text/html" in accept):
        return linked
    return accept


def served(request: Request) -> GraphServer:
    """The server a request is answered by (kg.web.app.create_app keeps it in the app's state)."""
    return request.app.state.kg


# What each query form can be sent as, by media type (first one is the default): kg.formats.
RESULT_TYPES = offered(SERVED_RESULT_FORMATS, RESULT_FORMATS)
GRAPH_TYPES = offered(SERVED_GRAPH_FORMATS, GRAPH_FORMATS)
# grlc's forms ask every query for text/csv first (its Swagger lists text/csv, application/json,
# text/html, and grlc passes the choice on as Accept): a CONSTRUCT or DESCRIBE answer is also
# sent as CSV, one triple a row (kg.render). Pages' RDF stays RDF.
ANSWER_GRAPH_TYPES = GRAPH_TYPES | {"text/csv": "csv"}
MEDIA_OF = {name: RESULT_FORMATS[name].media_type for name in SERVED_RESULT_FORMATS}
GRAPH_MEDIA_OF = {name: GRAPH_FORMATS[name].media_type for name in SERVED_GRAPH_FORMATS}


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (or is `*`); weak tags compare equal."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


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


def _dataset_parameters(items) -> str | None:
    """Why a request naming its own dataset (the protocol's FROM) is refused, or None."""
    for key, value in items:
        if key in ("default-graph-uri", "named-graph-uri") and value.strip():
            return (
                f"{key} is not allowed: kg queries only the loaded graph and never reads other "
                f"files or URLs; remove {key}"
            )
    return None


async def sparql(request: Request) -> Response:
    server = served(request)
    if "update" in request.query_params:
        raise BadRequest(READ_ONLY)
    if request.method in ("GET", "HEAD"):  # Starlette routes HEAD here too
        text = request.query_params.get("query")
        if text is None:
            return service_description(request)
    else:
        text = await query_from_body(request)
    refused = _dataset_parameters(request.query_params.multi_items())
    if refused:
        raise BadRequest(refused)
    if len(text) > server.settings.max_query_length:
        raise TooLarge(
            f"the query is {len(text):,} characters; at most "
            f"{server.settings.max_query_length:,} are accepted",
        )
    query = plain_query(text)  # a KgError (400) when it is not one SPARQL query
    accept = accept_of(request)
    return await server.answer(
        query,
        {},
        accept,
        False,
        client=client(request),
        if_none_match=request.headers.get("if-none-match"),
    )


def client(request: Request) -> str:
    """Whom a request counts against: the peer's address (uvicorn trusts no proxy header)."""
    return client_key(request.client.host if request.client else None)


async def query_from_body(request: Request) -> str:
    server = served(request)
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > server.settings.max_body:
        raise TooLarge(f"request body over {server.settings.max_body:,} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > server.settings.max_body:
            raise TooLarge(f"request body over {server.settings.max_body:,} bytes")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the request body is not UTF-8") from None
    if content_type == "application/sparql-query":
        return decoded
    if content_type == "application/x-www-form-urlencoded":
        from urllib.parse import parse_qs

        fields = parse_qs(decoded, keep_blank_values=True)
        if "update" in fields:
            raise BadRequest(READ_ONLY)
        if "query" not in fields:
            raise BadRequest("the form has no 'query' field")
        refused = _dataset_parameters((k, v) for k, values in fields.items() for v in values)
        if refused:
            raise BadRequest(refused)
        return fields["query"][0]
    if content_type == "application/sparql-update":
        raise BadRequest(READ_ONLY)
    raise UnsupportedMediaType(
        f"POST a query as application/sparql-query or application/x-www-form-urlencoded, "
        f"not {content_type or 'no content type'}",
    )


def service_description(request: Request) -> Response:
    server = served(request)
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF, VOID

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    formats = Namespace("http://www.w3.org/ns/formats/")
    graph = Graph()
    graph.bind("sd", sd)
    graph.bind("void", VOID)
    service = URIRef(f"{server.base_url}/sparql")  # as configured, never the Host header
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
    graph.add((default, VOID.triples, Literal(len(server.loaded.graph))))
    fmt = negotiate(request.headers.get("accept", "*/*"), GRAPH_TYPES, "turtle")
    fmt = fmt or "turtle"
    return Response(
        graph.serialize(format=GRAPH_FORMATS[fmt].rdflib),
        media_type=GRAPH_MEDIA_OF[fmt],
    )
