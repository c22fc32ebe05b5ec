"""kg timeline: every dated fact about Randa Kassis, each one mark on one time axis.

The expectations come from the graph (SPARQL over the loaded graph), not from lists written here.
"""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from rdflib import URIRef
from rdflib.namespace import RDF, SDO

from kg.cli import cli
from kg.dates import DATE_TYPES
from kg.load import load
from kg.timeline import timeline, timeline_json, timeline_svg
from kg.tree import find_tree
from tests.conftest import fails_with_one_line

SVG = "{http://www.w3.org/2000/svg}"
KASSIS = "https://kg.example.org/kassis/id/randa-kassis"

# The dated statements about her, as the timeline's description defines them: her own, her
# roles', those of the events she took part in (directly or through a schema:Role), of her
# books, of the organisations she founded and of the positions she holds.
DATED_ABOUT_HER = """
PREFIX kgr: <https://kg.example.org/kassis/id/>
PREFIX kgv: <https://kg.example.org/kassis/vocab#>
PREFIX schema: <https://schema.org/>
SELECT DISTINCT ?statement WHERE {
    {
        { BIND (kgr:randa-kassis AS ?node) }
        UNION { kgr:randa-kassis schema:memberOf ?node . ?node a schema:OrganizationRole }
        UNION {
            VALUES ?how { schema:attendee schema:organizer schema:contributor schema:performer
                          kgv:invitedBy }
            { ?node ?how kgr:randa-kassis } UNION { ?node ?how ?role . ?role ?how kgr:randa-kassis }
            ?node a schema:Event
        }
        UNION {
            ?node a schema:Book ; schema:author kgr:randa-kassis .
            FILTER NOT EXISTS { ?node a kgv:SourceRecord }
        }
        UNION { ?node schema:founder kgr:randa-kassis }
        UNION { kgr:randa-kassis kgv:holdsPosition ?node }
    }
    ?statement a rdf:Statement ; rdf:subject ?node ; kgv:earliest ?earliest .
    FILTER NOT EXISTS { ?statement kgv:inverseOf ?authored }
}
"""
ARTICLES_ABOUT_HER = """
PREFIX kgr: <https://kg.example.org/kassis/id/>
PREFIX kgv: <https://kg.example.org/kassis/vocab#>
PREFIX schema: <https://schema.org/>
SELECT DISTINCT ?record WHERE {
    ?record a kgv:SourceRecord ; schema:datePublished ?date .
    { ?record schema:about kgr:randa-kassis }
    UNION { ?record schema:name ?title . FILTER(CONTAINS(LCASE(STR(?title)), "randa kassis")) }
}
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def drawn(loaded):
    return timeline(loaded)


@pytest.fixture(scope="module")
def as_json():
    result = run("timeline", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def svg():
    result = run("timeline")
    assert result.exit_code == 0, result.output
    return result.stdout


def marks(svg_text: str) -> list[ElementTree.Element]:
    root = ElementTree.fromstring(svg_text)
    return [g for g in root.iter(f"{SVG}g") if "mark" in g.get("class", "").split()]


def test_json_lists_every_dated_fact_about_her(loaded, as_json):
    expected = {str(row.statement) for row in loaded.graph.query(DATED_ABOUT_HER)}
    assert expected, "the graph holds dated facts about her"
    listed = [s for item in as_json["items"] for s in item["statements"]]
    assert sorted(listed) == sorted(expected)  # each once
    records = {str(row.record) for row in loaded.graph.query(ARTICLES_ABOUT_HER)}
    assert {i["record"] for i in as_json["items"] if i["kind"] == "article"} == records


def test_each_date_keeps_its_precision_and_support(loaded, as_json):
    graph = loaded.graph
    for item in as_json["items"]:
        if item["kind"] == "article":  # no statement: the record itself, at its publication date
            record = URIRef(item["record"])
            assert item["start"]["value"] == str(graph.value(record, SDO.datePublished))
            assert item["sources"] == 1 and not item["statements"]
            continue
        for statement in item["statements"]:
            value = graph.value(URIRef(statement), RDF.object)
            when = item["end"] if str(graph.value(URIRef(statement), RDF.predicate)).endswith(
                "endDate"
            ) else item["start"]  # fmt: skip
            assert when["value"] == str(value)
            assert when["precision"] == DATE_TYPES[str(value.datatype)]
        sources = {
            str(s)
            for statement in item["statements"]
            for s in graph.objects(URIRef(statement), URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
        }  # fmt: skip
        assert item["sources"] == len(sources)


def test_svg_has_one_linked_titled_mark_per_item(as_json, svg):
    found = marks(svg)
    assert len(found) == len(as_json["items"])
    assert [g.get("data-statement") for g in found] == [
        " ".join(i["statements"]) or i["record"] for i in as_json["items"]
    ]
    root = ElementTree.fromstring(svg)
    links = [(a, g) for a in root.iter(f"{SVG}a") for g in a if "mark" in g.get("class", "")]
    for (link, g), item in zip(links, as_json["items"], strict=True):
        title = g.find(f"{SVG}title").text
        assert item["label"] in title
        assert f"{item['sources']} source" in title
        if item["kind"] == "article":
            assert link.get("href") == f"/source/{item['record'].rsplit('/', 1)[-1]}"
            continue
        anchor = item["statements"][0].rsplit("/", 1)[-1]
        assert link.get("href") == f"/id/{item['subject'].rsplit('/', 1)[-1]}#{anchor}"


def test_month_and_year_are_spans_a_day_is_a_point(as_json, svg):
    shapes = {"span": 0, "point": 0}
    for g in marks(svg):
        precision = g.get("data-precision")
        rect, circle = g.find(f"{SVG}rect"), g.find(f"{SVG}circle")
        if precision in ("year", "month"):
            assert rect is not None and float(rect.get("width")) > 0 and circle is None
            shapes["span"] += 1
        elif g.get("data-shape") == "point":
            assert precision == "day" and circle is not None and rect is None
            shapes["point"] += 1
    precisions = {(i["start"] or i["end"])["precision"] for i in as_json["items"]}
    assert {"year", "month", "day"} <= precisions  # the shipped graph has all three
    assert shapes["span"] and shapes["point"]


def test_a_year_span_is_wider_than_a_month_span(drawn):
    svg = timeline_svg(drawn)
    widths: dict[str, list[float]] = {"year": [], "month": []}
    for g in marks(svg):
        rect = g.find(f"{SVG}rect")
        if rect is not None and "open-start" not in svg_of(g) and "open-end" not in svg_of(g):
            widths.setdefault(g.get("data-precision"), []).append(float(rect.get("width")))
    assert min(widths["year"]) > 10 * max(widths["month"]) > 0


def svg_of(element: ElementTree.Element) -> str:
    return ElementTree.tostring(element, encoding="unicode")


def test_a_role_whose_start_is_not_stated_is_drawn_open(as_json, svg):
    open_roles = [i for i in as_json["items"] if i["kind"] == "role" and i["open_start"]]
    assert open_roles, "the Syrian National Council role states an end and no start"
    by_key = {g.get("data-statement"): g for g in marks(svg)}
    for item in open_roles:
        g = by_key[" ".join(item["statements"])]
        assert g.find(f"{SVG}path[@class='open-start']") is not None
        assert item["start"] is None and item["end"] is not None


def test_an_open_end_and_an_article_about_her(tree_copy):
    """A role with a start and no end runs to the axis's end, marked open; a source record the
    graph says is about her is on the timeline, as is one whose title names her; one whose title
    does not name her (the Guardian's, about "Trump son") is not."""
    data = tree_copy / "data"
    with open(data / "randa-kassis.trig", "a", encoding="utf-8") as trig:
        trig.write(
            "\nclaim:coalition-start {\n"
            "    kgr:randa-kassis-coalition-of-secular-and-democratic-syrians-president\n"
            '        schema:startDate "2013-05"^^xsd:gYearMonth .\n}\n'
            'claim:coalition-start kgv:quote "x" ;\n'
            "    prov:wasDerivedFrom src:wikipedia-randa-kassis .\n"
        )
    with open(data / "sources.ttl", "a", encoding="utf-8") as ttl:
        ttl.write("\nsrc:humanite-2012-10-18-nouveau-parti schema:about kgr:randa-kassis .\n")
    drawn = timeline(load(find_tree(tree_copy)))
    role = next(i for i in drawn.items if i.open_end)
    assert role.kind == "role" and role.start.value == "2013-05" and role.end is None
    articles = [i.record for i in drawn.items if i.kind == "article"]
    said = "https://kg.example.org/kassis/source/humanite-2012-10-18-nouveau-parti"
    titled = "https://kg.example.org/kassis/source/spiegel-2012-07-16-islamist-fighters"
    assert said in articles and titled in articles
    assert "https://kg.example.org/kassis/source/guardian-2016-11-23-trump-son" not in articles
    svg = timeline_svg(drawn)
    g = next(g for g in marks(svg) if g.get("data-statement") == role.key)
    arrow = g.find(f"{SVG}path[@class='open-end']")
    rect = g.find(f"{SVG}rect")
    right = float(rect.get("x")) + float(rect.get("width"))
    axis_end = max(float(line.get("x1")) for line in ElementTree.fromstring(svg).iter(f"{SVG}line"))
    assert arrow is not None and right == pytest.approx(axis_end, abs=0.02)


def test_svg_speaks_to_screen_readers(svg):
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Timeline of Randa Kassis"
    assert "dated facts about Randa Kassis" in root.find(f"{SVG}desc").text


def test_same_graph_same_bytes(svg, as_json, tmp_path):
    assert run("timeline").stdout == svg
    assert json.loads(run("timeline", "kgr:randa-kassis", "--format", "json").stdout) == as_json
    first, second = tmp_path / "1.png", tmp_path / "2.png"
    assert run("timeline", "--format", "png", "--output", str(first)).exit_code == 0
    assert run("timeline", "--format", "png", "-o", str(second)).exit_code == 0
    assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert first.read_bytes() == second.read_bytes()


def test_json_is_the_library_s(drawn, as_json):
    assert json.loads(timeline_json(drawn)) == as_json


def test_names_resolve_as_kg_why_does():
    assert (
        run("timeline", "Randa Kassis", "--format", "json").stdout
        == run("timeline", KASSIS, "--format", "json").stdout
    )


def test_unknown_entity_is_one_line_with_did_you_mean():
    result = run("timeline", "Randa Kasis")
    fails_with_one_line(result, "no entity named 'Randa Kasis'", "did you mean 'Randa Kassis'")


def test_output_to_a_missing_folder_is_one_line(tmp_path):
    result = run("timeline", "--output", str(tmp_path / "none" / "t.svg"))
    fails_with_one_line(result, "does not exist")
    assert not re.search(r"\bTraceback\b", result.output)
