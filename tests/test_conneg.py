"""Content negotiation as the SPARQL 1.1 Protocol and the engines (Oxigraph, Jena) do it, and
rdflib's SPARQLStore, a client many RDF users start from, with every return format kg offers."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result

BOOKS = "SELECT ?b WHERE { ?b a <https://schema.org/Book> } ORDER BY ?b"
BOOK_GRAPH = "CONSTRUCT { ?b a <https://schema.org/Book> } WHERE { ?b a <https://schema.org/Book> }"
KASSIS = "https://kg.example.org/kassis/id/randa-kassis"
ASK_FALSE = "ASK { ?b a <https://schema.org/NoSuchClass> }"


def ask_server(server, query: str, accept: str, path: str = "/sparql"):
    """(status, media type, body) of a GET."""
    url = f"{server.url}{path}" + (f"?{urllib.parse.urlencode({'query': query})}" if query else "")
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read()


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/json", "application/ld+json"),  # JSON of a graph is JSON-LD
        ("application/ld+json", "application/ld+json"),
        ("text/n3", "text/turtle"),  # Turtle is N3
        ("text/plain", "application/n-triples"),  # N-Triples is plain text
        ("application/n-quads", "application/n-quads"),
        ("application/trig", "application/trig"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/sparql-results+json", "application/ld+json"),  # rdflib's json
        ("text/turtle;q=0, */*", "application/ld+json"),  # q=0 excludes, even from */*
        ("text/turtle;q=0.5, application/n-triples", "application/n-triples"),
    ],
)
def test_a_graph_answer_in_the_type_asked_for(server, accept, media):
    status, got, body = ask_server(server, BOOK_GRAPH, accept)
    assert (status, got) == (200, media), body
    graph = Graph().parse(data=body, format={"text/turtle": "turtle"}.get(media, media))
    assert len(graph) == 4  # the four books


@pytest.mark.parametrize("accept", ["text/tab-separated-values", "text/turtle;q=0", "image/png"])
def test_a_graph_answer_nothing_fits_is_406(server, accept):
    status, _, body = ask_server(server, BOOK_GRAPH, accept)
    assert status == 406 and "text/turtle" in json.loads(body)["error"]


def test_a_result_set_type_given_q_0_is_not_sent(server):
    status, media, _ = ask_server(server, BOOKS, "application/sparql-results+json;q=0, */*")
    assert (status, media) == (200, "application/sparql-results+xml")


@pytest.mark.parametrize(
    ("accept", "body"),
    [
        ("text/csv", b"_askResult\r\nfalse\r\n"),
        ("text/tab-separated-values", b"?_askResult\nfalse\n"),
    ],
)
def test_ask_in_csv_and_tsv_is_jenas_form_and_reads_back_in_rdflib(server, accept, body):
    status, _, sent = ask_server(server, ASK_FALSE, accept)
    assert (status, sent) == (200, body)
    (row,) = list(Result.parse(io.BytesIO(sent), format="csv" if accept == "text/csv" else "tsv"))
    assert str(row[0]) == "false"


@pytest.mark.parametrize("accept", ["application/json", "application/ld+json"])
def test_an_entity_asked_for_as_json_is_json_ld(server, accept):
    status, media, body = ask_server(server, "", accept, "/id/randa-kassis")
    assert (status, media) == (200, "application/ld+json")
    graph = Graph().parse(data=body, format="json-ld")
    assert (URIRef(KASSIS), None, None) in graph


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("return_format", ["xml", "json", "csv", "tsv"])
def test_rdflib_sparqlstore_reads_result_sets_in_every_result_format(server, return_format, method):
    store = SPARQLStore(f"{server.url}/sparql", returnFormat=return_format, method=method)
    books = [str(row[0]) for row in Graph(store).query(BOOKS)]
    assert len(books) == 4 and all(
        b.startswith("https://kg.example.org/kassis/id/book-") for b in books
    )
    asked = Graph(store).query(ASK_FALSE)
    if return_format in ("xml", "json"):
        assert asked.askAnswer is False
    else:  # CSV/TSV carry a boolean as one row
        assert [str(row[0]) for row in asked] == ["false"]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "return_format", ["xml", "json", "turtle", "n3", "json-ld", "nt", "application/rdf+xml"]
)
def test_rdflib_sparqlstore_reads_graphs_in_every_graph_format(server, return_format, method):
    store = SPARQLStore(f"{server.url}/sparql", returnFormat=return_format, method=method)
    assert len(Graph(store).query(BOOK_GRAPH).graph) == 4
    described = Graph(store).query(f"DESCRIBE <{KASSIS}>").graph
    assert (URIRef(KASSIS), None, None) in described
