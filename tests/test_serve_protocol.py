"""`kg serve` speaks the SPARQL 1.1 Protocol to a client nobody here wrote (SPARQLWrapper).

Every test talks to the session's real `kg serve` subprocess on loopback (`server` fixture):
each result format, with GET, form POST and direct POST, asserting the real answer; graphs
parsed back with rdflib; the service description; CORS; the saved-query API and its OpenAPI.
"""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
import rdflib
from rdflib import Literal, Namespace, URIRef
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    POST,
    POSTDIRECTLY,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from kg import queries

KGR = Namespace("https://kg.example.org/kassis/id/")
SCHEMA = Namespace("https://schema.org/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
PREFIXES = f"PREFIX schema: <{SCHEMA}>\nPREFIX kgr: <{KGR}>\n"

NAMES = {("Randa Kassis", "en"), ("رندة قسيس", "ar")}
NAMES_QUERY = PREFIXES + "SELECT ?name WHERE { kgr:randa-kassis schema:name ?name }"
ISBNS = {"9781492880608", "9791093501031", "9782810007318", "9782940523634"}
ISBN_QUERY = PREFIXES + (
    "SELECT DISTINCT ?isbn WHERE { ?book a schema:Book ; schema:author kgr:randa-kassis ; "
    "schema:isbn ?isbn }"
)
NAME_TRIPLE = (KGR["randa-kassis"], SCHEMA.name, Literal("Randa Kassis", lang="en"))
GRAPH_QUERIES = {
    "CONSTRUCT": PREFIXES
    + "CONSTRUCT { kgr:randa-kassis schema:name ?n } WHERE { kgr:randa-kassis schema:name ?n }",
    "DESCRIBE": PREFIXES + "DESCRIBE kgr:randa-kassis",
}
# How SPARQLWrapper sends a query: GET ?query=, a form POST, or the query as the POST body.
METHODS = {
    "GET": (GET, None),
    "POST-form": (POST, URLENCODED),
    "POST-direct": (POST, POSTDIRECTLY),
}


def client(server, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    sparql = SPARQLWrapper(f"{server.url}/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    http_method, request_method = METHODS[method]
    sparql.setMethod(http_method)
    if request_method:
        sparql.setRequestMethod(request_method)
    sparql.setTimeout(30)
    return sparql


def values_of(fmt: str, converted, variable: str) -> set[tuple[str, str | None]]:
    """(value, language) pairs of one variable, read the way each format writes them."""
    if fmt == JSON:
        return {
            (b[variable]["value"], b[variable].get("xml:lang"))
            for b in converted["results"]["bindings"]
        }
    if fmt == XML:
        found = set()
        for binding in converted.getElementsByTagName("binding"):
            if binding.getAttribute("name") == variable:
                term = binding.getElementsByTagName("literal")[0]
                found.add((term.firstChild.data, term.getAttribute("xml:lang") or None))
        return found
    text = converted.decode("utf-8")
    if fmt == CSV:  # plain values, no language tags
        return {(row[variable], None) for row in csv.DictReader(io.StringIO(text))}
    parsed = rdflib.query.Result.parse(io.StringIO(text), format="tsv")  # terms as in Turtle
    return {(str(row[variable]), row[variable].language) for row in parsed}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select_her_two_names_in_every_format_and_method(server, fmt, method):
    result = client(server, NAMES_QUERY, fmt, method).query()
    assert result.response.status == 200
    found = values_of(fmt, result.convert(), "name")
    if fmt == CSV:
        assert found == {(name, None) for name, _ in NAMES}
    else:
        assert found == NAMES


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select_the_four_isbns_in_every_format_and_method(server, fmt, method):
    found = values_of(fmt, client(server, ISBN_QUERY, fmt, method).query().convert(), "isbn")
    assert {value for value, _ in found} == ISBNS


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (PREFIXES + 'ASK { kgr:randa-kassis schema:name "Randa Kassis"@en }', True),
        (PREFIXES + 'ASK { kgr:randa-kassis schema:name "Nobody"@en }', False),
    ],
)
def test_ask_true_and_false(server, query, expected, fmt, method):
    converted = client(server, query, fmt, method).query().convert()
    if fmt == JSON:
        assert converted["boolean"] is expected
    else:
        (boolean,) = converted.getElementsByTagName("boolean")
        assert boolean.firstChild.data == str(expected).lower()


def test_ask_as_csv_and_tsv_is_a_one_cell_table(server):
    query = PREFIXES + "ASK { kgr:randa-kassis ?p ?o }"
    assert client(server, query, CSV).query().convert() == b"_askResult\r\ntrue\r\n"
    assert client(server, query, TSV).query().convert() == b"?_askResult\ntrue\n"


# SPARQLWrapper has no N-Triples format of its own, so that one is asked for by Accept header.
GRAPH_FORMATS = {
    "turtle": (TURTLE, None, "text/turtle", "turtle"),
    "json-ld": (JSONLD, None, "application/ld+json", "json-ld"),
    "n-triples": (TURTLE, "application/n-triples", "application/n-triples", "nt"),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("graph_format", GRAPH_FORMATS)
@pytest.mark.parametrize("form", GRAPH_QUERIES)
def test_construct_and_describe_parse_back_with_the_triple(server, form, graph_format, method):
    fmt, accept, media, rdflib_format = GRAPH_FORMATS[graph_format]
    sparql = client(server, GRAPH_QUERIES[form], fmt, method)
    if accept:
        sparql.addCustomHttpHeader("Accept", accept)
    response = sparql.query().response
    assert response.headers["Content-Type"].split(";")[0] == media
    graph = rdflib.Graph().parse(data=response.read(), format=rdflib_format)
    assert NAME_TRIPLE in graph
    if form == "CONSTRUCT":
        assert len(graph) == 2  # her two names, nothing else
    else:
        assert len(graph) > 10  # everything said about her


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_jsonld_through_sparqlwrapper_converts_to_a_graph(server):
    graph = client(server, GRAPH_QUERIES["CONSTRUCT"], JSONLD).query().convert()
    assert NAME_TRIPLE in graph


def test_variables_with_underscores_are_plain_sparql_at_the_endpoint(server):
    """?_x is a parameter in a saved query, but a plain variable in SPARQL sent over HTTP."""
    query = PREFIXES + "SELECT ?_name WHERE { kgr:randa-kassis schema:name ?_name }"
    found = values_of(JSON, client(server, query, JSON).query().convert(), "_name")
    assert found == NAMES


def test_service_description_is_turtle_with_its_endpoint(server):
    response = httpx.get(f"{server.url}/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    endpoint = URIRef(f"{server.url}/sparql")
    assert (endpoint, SD.endpoint, endpoint) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph


@pytest.mark.parametrize("params", [{}, {"query": NAMES_QUERY}])
def test_head_answers_like_get_without_a_body(server, params):
    get = httpx.get(f"{server.url}/sparql", params=params)
    head = httpx.head(f"{server.url}/sparql", params=params)
    assert head.status_code == get.status_code == 200
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.content == b""


def test_service_description_in_json_ld_when_asked(server):
    response = httpx.get(f"{server.url}/sparql", headers={"Accept": "application/ld+json"})
    graph = rdflib.Graph().parse(data=response.text, format="json-ld")
    assert any(graph.triples((None, SD.endpoint, None)))


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/*", "text/csv"),
        ("text/tab-separated-values;q=0.9, text/csv;q=0.5", "text/tab-separated-values"),
        ("application/*", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/html, application/xml;q=0.9, */*;q=0.8", "application/sparql-results+xml"),
    ],
)
def test_content_negotiation_honours_ranges_and_quality(server, accept, media):
    response = httpx.get(
        f"{server.url}/sparql", params={"query": NAMES_QUERY}, headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media


def test_cors_on_a_simple_get(server):
    response = httpx.get(
        f"{server.url}/sparql",
        params={"query": NAMES_QUERY},
        headers={"Origin": "https://yasgui.example"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "x-kg-truncated" in response.headers["access-control-expose-headers"].lower()


def test_cors_preflight_for_a_post(server):
    response = httpx.options(
        f"{server.url}/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()


def test_cors_on_a_post_as_yasgui_sends_it(server):
    from urllib.parse import urlencode

    response = httpx.post(
        f"{server.url}/sparql",
        content=urlencode({"query": NAMES_QUERY}),
        headers={
            "Origin": "https://yasgui.example",
            "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
            "Accept": "application/sparql-results+json,*/*;q=0.9",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert {b["name"]["value"] for b in response.json()["results"]["bindings"]} == {
        name for name, _ in NAMES
    }


# --- the saved queries as an API ----------------------------------------------------------


def test_api_books_as_csv_gives_the_four_isbns(server):
    response = httpx.get(f"{server.url}/api/books", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {row["isbn"] for row in rows} == ISBNS
    assert response.headers["x-kg-rows"] == "4"


def test_api_books_defaults_to_sparql_json(server):
    response = httpx.get(f"{server.url}/api/books")
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert {b["isbn"]["value"] for b in response.json()["results"]["bindings"]} == ISBNS


@pytest.mark.parametrize(
    "source",
    [
        "src:wsj-2016-11-23-trump-jr-talks",
        "https://kg.example.org/kassis/source/wsj-2016-11-23-trump-jr-talks",
        "<https://kg.example.org/kassis/source/wsj-2016-11-23-trump-jr-talks>",
    ],
)
def test_api_claims_by_source_with_an_iri_parameter(server, source):
    response = httpx.get(f"{server.url}/api/claims-by-source", params={"source": source})
    assert response.status_code == 200
    rows = response.json()["results"]["bindings"]
    assert {row["objectLabel"]["value"] for row in rows} == {"Donald Trump Jr.", "Randa Kassis"}
    assert all("trump-jr-meeting" in row["claim"]["value"] for row in rows)
    assert {row["reason"]["value"] for row in rows} == {"topic only"}  # the WSJ never names her


def test_api_parameter_is_bound_not_spliced(server):
    """A value that would break out of a spliced query is refused; an IRI naming nothing
    matches nothing (the value is bound as one term, never pasted into the text)."""
    evil = "src:x> } UNION { ?s ?p ?o"
    response = httpx.get(f"{server.url}/api/claims-by-source", params={"source": evil})
    assert response.status_code == 400
    response = httpx.get(f"{server.url}/api/claims-by-source", params={"source": "src:nothing"})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []


@pytest.mark.parametrize("value", ["not an iri", "kgr:has space", "<>", ""])
def test_api_bad_iri_parameter_is_400_json_saying_what_it_accepts(server, value):
    response = httpx.get(f"{server.url}/api/claims-by-source", params={"source": value})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == 400
    assert "parameter 'source' takes an IRI" in body["error"]
    assert "accepts: source (IRI or CURIE" in body["error"]


def test_api_unknown_parameter_is_400_with_a_suggestion(server):
    response = httpx.get(f"{server.url}/api/claims-by-source", params={"sourse": "src:x"})
    assert response.status_code == 400
    assert "did you mean 'source'?" in response.json()["error"]


def test_api_parameter_given_twice_is_400(server):
    response = httpx.get(f"{server.url}/api/claims-by-source?source=src:a&source=src:b")
    assert response.status_code == 400
    assert "given twice" in response.json()["error"]


def test_api_unknown_query_is_404_json_with_did_you_mean(server):
    response = httpx.get(f"{server.url}/api/book")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": "unknown query 'book' — did you mean 'books'?",
        "status": 404,
    }


def test_api_construct_query_gives_turtle(server):
    response = httpx.get(f"{server.url}/api/entity-card", params={"entity": "kgr:randa-kassis"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert NAME_TRIPLE in rdflib.Graph().parse(data=response.text, format="turtle")


def test_api_ask_query_answers_true_and_false(server):
    url = f"{server.url}/api/is-fact-sourced"
    spouse = {"subject": "kgr:randa-kassis", "predicate": "schema:spouse"}
    sourced = spouse | {"object": "kgr:fabien-baussart"}
    assert httpx.get(url, params=sourced).json()["boolean"] is True
    nobody = spouse | {"object": "kgr:nobody"}
    assert httpx.get(url, params=nobody).json()["boolean"] is False


# --- OpenAPI ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi(server) -> dict:
    response = httpx.get(f"{server.url}/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_is_valid_openapi_3(openapi, server):
    import schemathesis

    assert openapi["openapi"].startswith("3.")
    assert openapi["servers"] == [{"url": server.url}]
    schemathesis.openapi.from_dict(openapi).validate()  # the OpenAPI 3.0 meta-schema


def test_openapi_lists_every_saved_query_with_parameters_and_defaults(openapi, shipped):
    saved = queries.list_queries(shipped)
    assert set(openapi["paths"]) == {f"/api/{query.name}" for query in saved}
    for query in saved:
        operation = openapi["paths"][f"/api/{query.name}"]["get"]
        assert operation["operationId"] == query.name
        assert operation["summary"] == query.summary
        documented = {p["name"]: p for p in operation["parameters"]}
        pages = {"page"} if query.pagination else set()
        assert set(documented) == {p.name for p in query.parameters} | pages
        for parameter in query.parameters:
            described = documented[parameter.name]
            assert described["in"] == "query"
            assert described["required"] == parameter.required
            if parameter.default is not None:  # an example for forms, not a server default
                assert str(described["example"]) == parameter.default
                assert "default" not in described["schema"]
        media = set(operation["responses"]["200"]["content"])
        if query.form in ("CONSTRUCT", "DESCRIBE"):
            assert "text/turtle" in media
        else:
            assert "application/sparql-results+json" in media


def test_openapi_examples_of_defaults_really_answer(openapi, server):
    """Each documented operation, called with its examples (the queries' defaults), answers
    200; left out, a required parameter is a 400 that names it."""
    for path, operations in openapi["paths"].items():
        documented = operations["get"]["parameters"]
        examples = {p["name"]: p["example"] for p in documented if "example" in p}
        for parameter in documented:
            if parameter["required"]:
                left_out = {k: v for k, v in examples.items() if k != parameter["name"]}
                refused = httpx.get(f"{server.url}{path}", params=left_out, timeout=30)
                assert refused.status_code == 400, (path, parameter["name"])
                assert f"needs the parameter {parameter['name']}" in refused.json()["error"]
        response = httpx.get(f"{server.url}{path}", params=examples, timeout=30)
        assert response.status_code == 200, (path, response.text)
        if response.headers["content-type"].startswith("application/sparql-results+json"):
            json.loads(response.text)


# --- answers kept in memory: ETag, Cache-Control, 304 ---------------------------------------


def conditional(server, path: str, accept: str, tag: str | None = None) -> httpx.Response:
    headers = {"Accept": accept}
    if tag is not None:
        headers["If-None-Match"] = tag
    return httpx.get(server.url + path, headers=headers, timeout=30)


@pytest.mark.parametrize("kind", ["api", "sparql"])
def test_a_repeated_request_gets_the_same_etag_and_304_when_it_is_current(server, kind):
    from urllib.parse import quote

    path = "/api/books" if kind == "api" else "/sparql?query=" + quote(ISBN_QUERY)
    json_type = "application/sparql-results+json"
    first = conditional(server, path, json_type)
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"') and len(tag) > 10
    assert first.headers["cache-control"] == "public, no-cache"
    again = conditional(server, path, json_type)
    assert (again.headers["etag"], again.content) == (tag, first.content)  # same bytes
    fresh = conditional(server, path, json_type, tag)
    assert fresh.status_code == 304 and fresh.content == b""
    assert fresh.headers["etag"] == tag
    weak = conditional(server, path, json_type, f'"other", W/{tag}')
    assert weak.status_code == 304
    stale = conditional(server, path, json_type, '"not-this-answer"')
    assert stale.status_code == 200 and stale.content == first.content
    csv_answer = conditional(server, path, "text/csv", tag)  # another format, another answer
    assert csv_answer.status_code == 200 and csv_answer.headers["etag"] != tag
    books = {row["isbn"] for row in csv.DictReader(io.StringIO(csv_answer.text))}
    assert books == ISBNS
