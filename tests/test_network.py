"""kg network: the people, organisations and events around Randa Kassis, laid out by Graphviz.

The expectations come from the graph (its statements, read with rdflib and SPARQL), not from
lists written here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from rdflib import URIRef
from rdflib.namespace import RDF, SDO

from kg.cli import cli
from kg.namespaces import KGR, KGV
from tests.conftest import REPO, fails_with_one_line

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
KASSIS = KGR["randa-kassis"]
DRAWN_TYPES = (SDO.Person, SDO.Organization, SDO.GovernmentOrganization, SDO.Event)
ROLE_TYPES = (SDO.Role, SDO.OrganizationRole)

# A statement's independent outlets, as kg why counts them: the outlet (else the record itself)
# of each reference it credits, the evidence text aside.
OUTLETS = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX kgv: <https://kg.example.org/kassis/vocab#>
PREFIX schema: <https://schema.org/>
SELECT DISTINCT ?outlet WHERE {
    ?statement prov:qualifiedDerivation/prov:entity ?reference .
    FILTER NOT EXISTS { ?reference kgv:evidenceFile ?text }
    OPTIONAL { ?reference schema:isPartOf ?partOf }
    BIND (COALESCE(?partOf, ?reference) AS ?outlet)
}
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def said(graph) -> list[tuple]:
    """(subject, predicate, object) of every sourced statement between two IRIs, as authored."""
    found = []
    for statement in graph.subjects(RDF.type, RDF.Statement):
        if (statement, KGV.inverseOf, None) in graph:
            continue
        s, p, o = (graph.value(statement, x) for x in (RDF.subject, RDF.predicate, RDF.object))
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            found.append((s, p, o))
    return found


def neighbours(graph, node) -> set:
    """The people, organisations and events one statement from `node`, or two through a role
    node (schema:Role, schema:OrganizationRole) that repeats the predicate."""
    triples = said(graph)

    def is_a(n, types) -> bool:
        return any((n, RDF.type, t) in graph for t in types)

    found = set()
    for s, p, o in triples:
        if node not in (s, o):
            continue
        other = o if s == node else s
        if is_a(other, ROLE_TYPES):
            for s2, p2, o2 in triples:
                if p2 == p and other in (s2, o2):
                    found.add(o2 if s2 == other else s2)
        else:
            found.add(other)
    return {n for n in found - {node} if is_a(n, DRAWN_TYPES)}


@pytest.fixture(scope="module")
def depth2():
    result = run("network", "kgr:randa-kassis", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def depth1():
    result = run("network", "kgr:randa-kassis", "--depth", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def svg():
    result = run("network", "kgr:randa-kassis")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_dot_holds_every_person_and_organisation_linked_to_her(loaded):
    result = run("network", "kgr:randa-kassis", "--format", "dot")
    assert result.exit_code == 0, result.output
    linked = neighbours(loaded.graph, KASSIS)
    people_and_organisations = {
        n
        for n in linked
        if any((n, RDF.type, t) in loaded.graph for t in DRAWN_TYPES if t != SDO.Event)
    }
    assert people_and_organisations, "she is linked to people and organisations"
    for node in people_and_organisations:
        assert f'URL="/id/{str(node).rsplit("/", 1)[-1]}"' in result.stdout, node
    assert result.stdout.startswith("digraph network {")


def test_depth_one_is_her_and_her_neighbours(loaded, depth1):
    expected = neighbours(loaded.graph, KASSIS)
    assert {n["iri"] for n in depth1["nodes"]} == {str(KASSIS)} | {str(n) for n in expected}
    assert {n["hops"] for n in depth1["nodes"]} == {0, 1}


def test_depth_two_adds_her_neighbours_neighbours(loaded, depth1, depth2):
    first = neighbours(loaded.graph, KASSIS)
    second = set().union(*(neighbours(loaded.graph, n) for n in first)) - first - {KASSIS}
    assert second, "the graph has people two hops from her"
    assert {n["iri"] for n in depth2["nodes"]} == {str(n) for n in {KASSIS} | first | second}
    assert {n["iri"] for n in depth2["nodes"] if n["hops"] == 2} == {str(n) for n in second}
    assert len(depth2["edges"]) > len(depth1["edges"])


def test_every_edge_is_between_drawn_nodes_and_weighted_by_independent_outlets(loaded, depth2):
    drawn = {n["iri"] for n in depth2["nodes"]}
    weights = set()
    for edge in depth2["edges"]:
        assert edge["source"] in drawn and edge["target"] in drawn
        outlets = {
            row.outlet
            for statement in edge["statements"]
            for row in loaded.graph.query(OUTLETS, initBindings={"statement": URIRef(statement)})
        }
        assert edge["weight"] == len(outlets) == len(edge["independent_outlets"]), edge
        weights.add(edge["weight"])
    assert len(weights) > 1, "the weights differ from edge to edge"


def test_the_dot_source_draws_weight_as_line_width(depth2):
    dot = run("network", "kgr:randa-kassis", "--format", "dot").stdout
    heaviest = max(depth2["edges"], key=lambda e: e["weight"])
    assert f"penwidth={1 + heaviest['weight']}" in dot


def test_svg_nodes_link_to_their_pages(depth2, svg):
    root = ElementTree.fromstring(svg)
    nodes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    links = [a.get(f"{XLINK}href") or a.get("href") for g in nodes for a in g.iter(f"{SVG}a")]
    assert sorted(links) == sorted(n["href"] for n in depth2["nodes"])
    assert all(link.startswith("/id/") for link in links)


def test_svg_speaks_to_screen_readers_and_says_nothing_of_graphviz(svg):
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Network of Randa Kassis"
    assert "within 2 hops of Randa Kassis" in root.find(f"{SVG}desc").text
    assert "<!--" not in svg and "Generated by" not in svg and svg.startswith("<svg")


def test_same_graph_same_bytes(svg, tmp_path):
    assert run("network", "Randa Kassis").stdout == svg
    first, second = tmp_path / "1.png", tmp_path / "2.png"
    assert run("network", "kgr:randa-kassis", "--format", "png", "-o", str(first)).exit_code == 0
    assert run("network", KASSIS, "--format", "png", "--output", str(second)).exit_code == 0
    assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert first.read_bytes() == second.read_bytes()


def test_unknown_entity_is_one_line_with_did_you_mean():
    fails_with_one_line(run("network", "Fabien Bausart"), "did you mean 'Fabien Baussart'")
    fails_with_one_line(run("network", "kgr:randa-kasis"), "no entity kgr:randa-kasis")


def test_without_dot_svg_is_one_clear_line_and_dot_source_still_works(tmp_path):
    """Graphviz missing (a PATH without dot): exit 2, one line saying to install it."""
    env = {**os.environ, "PATH": str(tmp_path), "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "kg", "network", "kgr:randa-kassis"]
    drawn = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert drawn.returncode == 2, drawn.stderr
    assert drawn.stdout == "" and drawn.stderr.count("\n") == 1, drawn.stderr
    assert drawn.stderr.startswith("Error: ") and "install Graphviz" in drawn.stderr
    source = subprocess.run(
        [*command, "--format", "dot"], env=env, capture_output=True, text=True, timeout=120
    )
    assert source.returncode == 0 and source.stdout.startswith("digraph"), source.stderr
