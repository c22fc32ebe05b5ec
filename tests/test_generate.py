"""bench/generate.py: a synthetic tree of ~10^4 loaded triples validates, answers every saved
query with rows, counts its own triples exactly, and is byte-for-byte reproducible from its seed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import PROV, RDF, SDO

from kg.load import load
from kg.namespaces import KGR, KGV
from kg.queries import get_query, list_queries
from kg.tree import find_tree
from kg.validate import format_text, validate_tree
from tests.conftest import REPO, form_values, run_query

TARGET = 10_000


def _load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


generator = _load_generator()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic") / "tree"
    counts = generator.generate(root, TARGET, seed=1)
    return root, counts


@pytest.fixture(scope="module")
def synthetic_graph(synthetic):
    return load(find_tree(synthetic[0])).graph


def files_of(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_the_tree_has_the_layout_of_a_kg_tree(synthetic):
    root, _ = synthetic
    data = sorted(p.name for p in (root / "data").iterdir())
    assert "synthetic-article.txt" in data and "article.ttl" in data
    assert any(name.startswith("part-") and name.endswith(".trig") for name in data)
    assert any(name.startswith("sources-") and name.endswith(".ttl") for name in data)
    for name in ("ontology", "queries"):
        assert files_of(root / name) == files_of(REPO / name)


def test_the_tree_validates_at_the_size_asked_for(synthetic):
    root, counts = synthetic
    report = validate_tree(find_tree(root))  # what `kg --root DIR validate` runs
    assert report.conforms, format_text(report)[:3000]
    assert abs(report.counts["triples"] - TARGET) <= 0.2 * TARGET
    # The generator counts what the loader builds (derived statements included) exactly.
    assert report.counts["triples"] == counts["loaded_triples"]
    assert report.counts["statements"] == counts["statements"]
    assert report.counts["claims"] == counts["claims"]


def test_books_has_her_four_books_and_every_saved_query_returns_rows(synthetic, synthetic_graph):
    tree = find_tree(synthetic[0])
    books = list(run_query(tree, get_query(tree, "books")))
    assert len(books) == 4
    assert {str(row.isbn) for row in books} == {
        "9781492880608",
        "9791093501031",
        "9782810007318",
        "9782940523634",
    }
    assert len(run_query(tree, get_query(tree, "counts-by-class"))) > 0
    empty = []
    for query in list_queries(tree):  # with the values the forms start from
        result = run_query(tree, query, form_values(query))
        if not (result.askAnswer if result.type == "ASK" else len(result)):
            empty.append(query.name)
    assert empty == []


def test_the_graph_has_the_shape_of_the_real_one(synthetic_graph):
    graph = synthetic_graph
    for cls in (
        SDO.Person,
        SDO.Organization,
        SDO.OrganizationRole,
        SDO.Role,
        SDO.Event,
        SDO.Book,
        SDO.City,
        SDO.Country,
        SDO.Thing,
        SDO.NewsArticle,
        SDO.CreativeWork,  # book citations, each schema:about one book
        SDO.Periodical,
        RDF.Statement,
        PROV.Derivation,
    ):
        assert len(set(graph.subjects(RDF.type, cls))) >= 2, cls
    hub = KGR["randa-kassis"]
    assert (hub, SDO.name, Literal("Randa Kassis", lang="en")) in graph
    assert (hub, SDO.alternateName, Literal("Kassis", lang="en")) in graph
    assert len(set(graph.subjects(SDO.attendee, hub))) >= 2  # events she attended
    # Credits with either reason, quotes from the reference list, reviewed mentions, rounds of
    # the Astana platform, and the loader's derived inverse of a spouse, as in the real graph.
    for predicate in (KGV.entryWords, KGV.topicOnly, KGV.quoteIn, KGV.mentionReviewed):
        assert len(set(graph.subjects(predicate, None))) >= 2, predicate
    assert len(set(graph.subjects(KGV.roundOf, KGR["astana-platform"]))) == 2
    assert (KGR["fabien-baussart"], SDO.spouse, hub) in graph
    assert not set(graph.subjects(SDO.publisher, None)) & set(
        graph.subjects(RDF.type, KGV.SourceRecord)
    )


def test_the_same_seed_gives_the_same_bytes(synthetic, tmp_path):
    root, _ = synthetic
    generator.generate(tmp_path / "again", TARGET, seed=1)
    assert files_of(tmp_path / "again") == files_of(root)
    generator.generate(tmp_path / "other", TARGET, seed=2)
    other = files_of(tmp_path / "other")
    assert other["data/synthetic-article.txt"] != files_of(root)["data/synthetic-article.txt"]


def test_the_command_line_refuses_a_tree_that_is_there(synthetic, capsys):
    with pytest.raises(SystemExit):
        generator.main(["--triples", "1e4", "--out", str(synthetic[0])])
    assert "--force" in capsys.readouterr().err
