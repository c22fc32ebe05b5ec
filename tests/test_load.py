"""The loader: claims become asserted triples plus sourced rdf:Statements, deterministically."""

from __future__ import annotations

import pytest
from rdflib import Literal
from rdflib.namespace import PROV, RDF, SDO

from kg.errors import DataSyntaxError
from kg.load import load, statement_iri
from kg.namespaces import CLAIM, KGR, KGV, SRC
from kg.tree import find_tree

PREFIXES = """@prefix kgr: <https://kg.example.org/kassis/id/> .
@prefix src: <https://kg.example.org/kassis/source/> .
@prefix claim: <https://kg.example.org/kassis/claim/> .
@prefix kgv: <https://kg.example.org/kassis/vocab#> .
@prefix schema: <https://schema.org/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
"""


def tiny_tree(tmp_path, body: str):
    (tmp_path / "ontology").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "facts.trig").write_text(PREFIXES + body)
    return find_tree(tmp_path)


def test_claim_is_asserted_and_reified(tmp_path):
    tree = tiny_tree(
        tmp_path,
        """
kgr:a a schema:Person ; schema:name "A"@en .
claim:a-spouse { kgr:a schema:spouse kgr:b . }
claim:a-spouse kgv:quote "A is married to B" ; prov:wasDerivedFrom src:x , src:y .
""",
    )
    graph = load(tree).graph
    triple = (KGR.a, SDO.spouse, KGR.b)
    assert triple in graph
    statement = statement_iri(CLAIM["a-spouse"], triple)
    assert str(statement).startswith("https://kg.example.org/kassis/statement/a-spouse-")
    assert (statement, RDF.type, RDF.Statement) in graph
    assert graph.value(statement, RDF.subject) == KGR.a
    assert graph.value(statement, RDF.predicate) == SDO.spouse
    assert graph.value(statement, RDF.object) == KGR.b
    assert graph.value(statement, KGV.quote) == Literal("A is married to B")
    assert set(graph.objects(statement, PROV.wasDerivedFrom)) == {SRC.x, SRC.y}
    assert graph.value(statement, KGV.fromClaim) == CLAIM["a-spouse"]
    # The claim's own metadata is consumed, not asserted as a fact about the claim.
    assert (CLAIM["a-spouse"], KGV.quote, None) not in graph


def test_statement_iris_are_stable(loaded, shipped):
    again = load(shipped)
    assert loaded.statements == again.statements


def test_claim_in_two_files_is_an_error(tmp_path):
    tree = tiny_tree(tmp_path, "claim:c { kgr:a schema:spouse kgr:b . }\n")
    (tmp_path / "data" / "more.trig").write_text(
        PREFIXES + "\nclaim:c { kgr:a schema:knows kgr:b . }\n"
    )
    with pytest.raises(DataSyntaxError, match=r"data/more.trig:8: claim claim:c is also written"):
        load(tree)


def test_blank_node_in_claim_is_an_error(tmp_path):
    tree = tiny_tree(tmp_path, "claim:c { kgr:a schema:memberOf [ schema:roleName 'x' ] . }\n")
    with pytest.raises(DataSyntaxError, match="uses a blank node"):
        load(tree)


def test_quote_without_claim_graph_is_an_error(tmp_path):
    tree = tiny_tree(tmp_path, '\nclaim:lonely kgv:quote "words" .\n')
    with pytest.raises(DataSyntaxError, match=r"facts.trig:8: claim:lonely has a kgv:quote"):
        load(tree)


def test_non_utf8_file(tmp_path):
    tree = tiny_tree(tmp_path, "")
    (tmp_path / "data" / "latin1.ttl").write_bytes(
        b'@prefix a: <http://a/> .\na:x a:y "caf\xe9" .\n'
    )
    with pytest.raises(DataSyntaxError, match=r"latin1.ttl:2: not UTF-8"):
        load(tree)


def test_locate_points_at_the_claim_line(loaded):
    statement = next(
        s for s in loaded.statements if loaded.graph.value(s, RDF.predicate) == SDO.spouse
    )
    where = loaded.locate(statement)
    path, line = where.rsplit(":", 1)
    text = (loaded.tree.root / path).read_text().splitlines()[int(line) - 1]
    claim = loaded.graph.value(statement, KGV.fromClaim)
    assert text.lstrip().startswith(loaded.graph.namespace_manager.curie(claim))
