"""Results people can take away: every results table and fact list of the pages links to CSV,
TSV and JSON downloads that hold exactly its rows; our IRIs inside literal cells are links."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from rdflib.namespace import PROV, RDF
from starlette.testclient import TestClient

from kg.cli import cli
from kg.namespaces import KGR, SRC
from kg.tree import find_tree
from kg.web.app import create_app
from kg.web.pages import linked_pieces

from .conftest import REPO
from .test_pages import HTML, Page

SELECT = "SELECT ?book ?isbn WHERE { ?book a schema:Book ; schema:isbn ?isbn } ORDER BY ?isbn"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(find_tree(REPO))) as client:
        yield client


def kg_query(*args: str) -> str:
    result = CliRunner().invoke(cli, ["--root", str(REPO), "query", *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode("utf-8")  # .output turns CSV's CRLF into LF


def downloads(page: Page) -> dict[str, str]:
    (paragraph,) = page.find("p", class_="downloads meta")
    links = [a for a in page.find("a") if a.parent is paragraph]
    return {a.attrs["data-format"]: a.attrs["href"] for a in links}


def table_rows(page: Page) -> list[list[str]]:
    return [
        [td.text for td in page.find("td") if td.parent is tr]
        for tr in page.find("tr")
        if tr.parent is not None and tr.parent.tag == "tbody"
    ]


@pytest.mark.parametrize(
    ("url", "cli_args"),
    [
        (f"/query?query={quote(SELECT)}", ["--sparql", SELECT]),
        ("/query/entities-named?name=Baussart", ["entities-named", "--param", "name=Baussart"]),
        ("/query/books", ["books"]),
        ("/query/facts-with-sources", ["facts-with-sources"]),
    ],
    ids=["sparql", "saved-with-a-parameter", "saved", "saved-with-pages"],
)
def test_a_tables_downloads_hold_exactly_its_rows(client, url, cli_args):
    page = Page(client.get(url, headers=HTML).text)
    links = downloads(page)
    assert sorted(links) == ["csv", "json", "tsv"]
    shown = table_rows(page)
    assert shown

    as_csv = client.get(links["csv"])
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text == kg_query(*cli_args, "--format", "csv")  # byte for byte

    as_tsv = client.get(links["tsv"])
    assert as_tsv.headers["content-type"].startswith("text/tab-separated-values")
    assert as_tsv.text == kg_query(*cli_args, "--format", "tsv")
    tsv_rows = as_tsv.text.rstrip("\n").split("\n")[1:]
    csv_rows = list(csv.reader(io.StringIO(as_csv.text)))[1:]
    assert len(tsv_rows) == len(csv_rows) == len(shown)

    as_json = client.get(links["json"]).json()
    columns = as_json["head"]["vars"]
    assert columns == [th.text for th in page.find("th")]
    values = [
        [row.get(c, {}).get("value", "") for c in columns] for row in as_json["results"]["bindings"]
    ]
    assert values == csv_rows  # the same rows, in the same order


def fact_ids(page: Page) -> set[str]:
    return {li.attrs["id"] for li in page.find("li") if "fact" in li.attrs.get("class", "").split()}


@pytest.mark.parametrize("entity", ["randa-kassis", "fabien-baussart", "astana-platform"])
def test_an_entity_pages_fact_download_holds_its_fact_cards(client, entity):
    page = Page(client.get(f"/id/{entity}", headers=HTML).text)
    link = downloads(page)["csv"]
    assert link == f"/api/entity-facts.csv?entity={quote(str(KGR[entity]), safe='/')}"
    rows = list(csv.DictReader(io.StringIO(client.get(link).text)))
    assert {row["statement"].rsplit("/", 1)[-1] for row in rows} == fact_ids(page)


@pytest.mark.parametrize(
    "source", ["lemonde-2017-03-19-baussart", "astanaplatform-com", "guardian-2016-11-23-trump-son"]
)
def test_a_source_pages_fact_download_holds_its_fact_cards(client, source):
    page = Page(client.get(f"/source/{source}", headers=HTML).text)
    link = downloads(page)["tsv"]
    assert link.startswith("/api/claims-by-source.tsv?source=")
    lines = client.get(link).text.rstrip("\n").split("\n")
    column = lines[0].split("\t").index("?statement")
    listed = {line.split("\t")[column].strip("<>").rsplit("/", 1)[-1] for line in lines[1:]}
    assert listed == fact_ids(page)


def test_sparql_takes_a_format_parameter_for_links(client):
    asked = client.get("/sparql", params={"query": SELECT, "format": "tsv"})
    assert asked.status_code == 200
    assert asked.headers["content-type"].startswith("text/tab-separated-values")
    as_xml = client.get("/sparql", params={"query": SELECT, "format": "xml"})
    assert as_xml.headers["content-type"].startswith("application/sparql-results+xml")
    graph = client.get(
        "/sparql", params={"query": "CONSTRUCT WHERE { ?s a schema:Book }", "format": "nt"}
    )
    assert graph.headers["content-type"].startswith("application/n-triples")
    # A browser following a link sends text/html: format= decides.
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    linked = client.get("/sparql", params={"query": SELECT, "format": "csv"}, headers=browser)
    assert linked.headers["content-type"].startswith("text/csv")
    # A client's own Accept decides (SPARQLWrapper sends a format= of its own beside it).
    theirs = {"query": SELECT, "format": "text/tab-separated-values"}
    chosen = client.get("/sparql", params=theirs, headers={"accept": "text/csv"})
    assert chosen.headers["content-type"].startswith("text/csv")
    ours = {"query": SELECT, "format": "tsv"}
    chosen = client.get("/sparql", params=ours, headers={"accept": "text/csv"})
    assert chosen.headers["content-type"].startswith("text/csv")


def test_our_iris_inside_a_literal_are_links_and_nothing_else_is():
    text = (
        "src:lemonde-2017-03-19-baussart; https://kg.example.org/kassis/id/randa-kassis, "
        "notsrc:x kgr:a/b"
    )
    assert linked_pieces(text) == (
        ("src:lemonde-2017-03-19-baussart", "/source/lemonde-2017-03-19-baussart"),
        ("; ", None),
        ("https://kg.example.org/kassis/id/randa-kassis", "/id/randa-kassis"),
        (", notsrc:x kgr:a/b", None),
    )
    assert linked_pieces("Randa Kassis, src: and https://example.org/x") == ()


def test_a_literal_cell_naming_sources_links_each_to_its_page(client, loaded):
    query = (
        "SELECT (GROUP_CONCAT(DISTINCT STR(?source); separator=' ') AS ?sources) WHERE { "
        "?s rdf:subject kgr:fabien-baussart ; prov:wasDerivedFrom ?source }"
    )
    page = Page(client.get(f"/query?query={quote(query)}", headers=HTML).text)
    (cell,) = page.find("td")
    linked = {a.attrs["href"] for a in page.find("a") if a.parent and a.parent.parent is cell}
    sources = {
        source
        for statement in loaded.graph.subjects(RDF.subject, KGR["fabien-baussart"])
        for source in loaded.graph.objects(statement, PROV.wasDerivedFrom)
    }
    assert linked == {f"/source/{str(s)[len(str(SRC)) :]}" for s in sources}
    for url in linked:
        assert client.get(url, headers=HTML).status_code == 200
