"""HTML pages for people: home, entity, source, query and error pages (Jinja2 templates)."""

from __future__ import annotations

from functools import cache
from html import escape

from rdflib import Graph, URIRef

from kg.errors import NotFoundError
from kg.load import LoadedGraph
from kg.namespaces import bind_prefixes


@cache
def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("kg", "templates"), autoescape=select_autoescape())


def error_page(status: int, message: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{status}</title>"
        f"</head><body><h1>{status}</h1><p>{escape(message)}</p><p><a href='/'>Home</a></p>"
        "</body></html>"
    )


def resource_graph(loaded: LoadedGraph, iri: URIRef) -> Graph:
    """The triples about a resource, and the statements (quotes, sources) of those facts."""
    graph = loaded.graph
    if (iri, None, None) not in graph and (None, None, iri) not in graph:
        raise NotFoundError(f"nothing in the graph is named <{iri}>")
    out = bind_prefixes(Graph())
    for triple in graph.triples((iri, None, None)):
        out.add(triple)
    return out


def home_page(loaded: LoadedGraph, saved) -> str:
    raise NotImplementedError


def entity_page(loaded: LoadedGraph, iri: URIRef) -> str:
    raise NotImplementedError


def source_page(loaded: LoadedGraph, iri: URIRef) -> str:
    raise NotImplementedError


def query_page(text, results, message) -> str:
    raise NotImplementedError
