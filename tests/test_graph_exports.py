"""`kg export --format graphml|gexf|csv-edges`: the network of entities and the facts between
them, read back with networkx and the csv module and counted against the graph by SPARQL."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib.namespace import SDO

from kg.cli import cli
from kg.export import NETWORK, describe, export
from kg.namespaces import KGR, PREFIXES
from kg.why import Describer, explain

REPO = Path(__file__).resolve().parent.parent
PREFIX_LINES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
ENTITY = (
    "isIRI(?{v}) && STRSTARTS(STR(?{v}), STR(kgr:)) && NOT EXISTS {{ ?{v} a kgv:SourceRecord }}"
)
NODES = f"""
SELECT (COUNT(DISTINCT ?n) AS ?count) WHERE {{
    {{ ?n ?p ?o }} UNION {{ ?s ?p ?n }}
    FILTER({ENTITY.format(v="n")})
}}"""
EDGES = f"""
SELECT (COUNT(*) AS ?count) WHERE {{
    ?s ?p ?o
    FILTER({ENTITY.format(v="s")} && {ENTITY.format(v="o")})
}}"""
# The fact of the data picked for a known edge: the Astana Platform was founded by Randa Kassis.
KNOWN = (KGR["astana-platform"], SDO.founder, KGR["randa-kassis"])
SUBJECT, PREDICATE, OBJECT = "kgr:astana-platform", "schema:founder", "kgr:randa-kassis"


def count(loaded, query: str) -> int:
    (row,) = loaded.graph.query(PREFIX_LINES + query)
    return int(row[0])


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def read(fmt: str, data: bytes) -> nx.MultiDiGraph:
    stream = io.BytesIO(data)
    graph = nx.read_graphml(stream) if fmt == "graphml" else nx.read_gexf(stream)
    return nx.MultiDiGraph(graph)


@pytest.fixture(scope="module")
def exported(loaded) -> dict[str, bytes]:
    return {fmt: run("export", "--format", fmt).stdout_bytes for fmt in NETWORK}


@pytest.fixture(scope="module")
def counts(loaded) -> tuple[int, int]:
    return count(loaded, NODES), count(loaded, EDGES)


@pytest.fixture(scope="module")
def known_quotes(loaded) -> list[str]:
    s, p, o = KNOWN
    query = f"""SELECT DISTINCT ?quote WHERE {{
        ?st rdf:subject <{s}> ; rdf:predicate <{p}> ; rdf:object <{o}> ; kgv:quote ?quote }}"""
    return sorted(str(row[0]) for row in loaded.graph.query(PREFIX_LINES + query))


def test_the_network_formats_are_in_kg_export_help():
    result = run("export", "--help")
    assert result.exit_code == 0
    choices = result.stdout.split("--format [")[1].split("]")[0]
    assert choices.replace("\n", "").replace(" ", "").split("|")[-3:] == list(NETWORK)


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_reads_back_with_the_graphs_node_and_edge_counts(exported, counts, fmt):
    graph = read(fmt, exported[fmt])
    nodes, edges = counts
    assert nodes  # the shipped graph has entities and facts between them
    assert edges
    assert graph.number_of_nodes() == nodes
    assert graph.number_of_edges() == edges


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_a_known_edge_carries_its_predicate_label_and_quote(loaded, exported, known_quotes, fmt):
    _, p, o = KNOWN
    graph = read(fmt, exported[fmt])
    (edge,) = graph.get_edge_data(SUBJECT, OBJECT).values()
    describer = Describer(loaded)
    assert edge["predicate"] == PREDICATE
    assert edge["label"] == describer.predicate(p).label
    assert known_quotes
    assert edge["quote"].split(" | ") == known_quotes
    # kg why's own answer for the same fact: its independent outlets
    (explained,) = explain(loaded, SUBJECT, PREDICATE, OBJECT).statements
    assert explained.outlets.count  # credited by other outlets than the article
    assert int(edge["sources"]) == explained.outlets.count
    node = graph.nodes[OBJECT]
    assert node["label"] == describer.term(o).label
    assert "schema:Person" in node["types"].split()


def test_csv_edges_has_one_row_per_edge(exported, counts, known_quotes):
    rows = list(csv.reader(io.StringIO(exported["csv-edges"].decode("utf-8"), newline="")))
    assert rows[0] == ["source", "target", "predicate", "label", "quote", "sources"]
    assert len(rows) - 1 == counts[1]
    assert rows[1:] == sorted(rows[1:], key=lambda r: (r[0], r[1], r[2]))  # deterministic order
    (known,) = [r for r in rows if r[:3] == [SUBJECT, OBJECT, PREDICATE]]
    assert known[4].split(" | ") == known_quotes


def test_gexf_has_no_date_of_writing(exported):
    assert b"lastmodifieddate" not in exported["gexf"]


def test_output_names_what_was_written(loaded, tmp_path, counts):
    target = tmp_path / "kassis.gexf"
    result = run("export", "--format", "gexf", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == export(loaded, "gexf")
    nodes, edges = counts
    assert result.stderr == f"wrote {nodes:,} nodes and {edges:,} edges to {target}\n"
    assert describe(loaded, "gexf") == f"{nodes:,} nodes and {edges:,} edges"


def test_same_bytes_on_every_run_whatever_the_hash_seed(tmp_path, exported):
    env = {k: v for k, v in os.environ.items() if k != "KG_ROOT"}
    runs = {
        (fmt, seed): subprocess.Popen(
            [sys.executable, "-m", "kg", "--root", str(REPO), "export", "--format", fmt],
            cwd=tmp_path,
            env={**env, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for fmt in NETWORK
        for seed in ("1", "2")
    }
    out = {}
    for key, process in runs.items():
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()
        out[key] = stdout
    for fmt in NETWORK:
        assert out[fmt, "1"] == out[fmt, "2"] == exported[fmt]
