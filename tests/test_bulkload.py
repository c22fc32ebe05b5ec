"""`kg --store oxigraph:PATH load` parses with Oxigraph and streams N-Quads to its bulk loader.

The reference is the rdflib loader (`kg.load.load`) written with `kg.store.build_oxigraph`: the
two stores must hold the same quads, blank nodes aside (compared after canonicalisation) — on the
shipped tree, on a synthetic tree, and on literals chosen to trip an N-Triples writer. Errors
must be the rdflib loader's, and a failed load must leave the old store as it was.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import DataSyntaxError
from kg.load import load
from kg.store import bulkload
from kg.store.oxigraph import build_oxigraph
from kg.tree import find_tree
from tests.conftest import REPO

HEADER = """\
@prefix kgr: <https://kg.example.org/kassis/id/> .
@prefix kgv: <https://kg.example.org/kassis/vocab#> .
@prefix claim: <https://kg.example.org/kassis/claim/> .
@prefix src: <https://kg.example.org/kassis/source/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

# Each object is written as rdflib and Oxigraph would disagree about if nothing took care:
# escapes, a newline (rdflib writes triple quotes), a mixed-case language tag (Oxigraph
# lowercases it), an explicit xsd:string, non-canonical numbers and booleans (rdflib rewrites
# them), a relative IRI, and a default-graph blank node.
TRICKY = (
    HEADER
    + r"""
claim:tricky {
    kgr:x schema:name "say \"hi\" \\ back\\slash\r" ,
                      "two\nlines" ,
                      "ends with a quote\"\"\"" ,
                      "Colour"@en-GB ,
                      "zh"@zh-Hant-TW ,
                      "plain"^^xsd:string ,
                      "سوريا"@ar ;
          schema:numberOfPages "0042"^^xsd:integer ;
          schema:price "1.50"^^xsd:decimal ;
          schema:isFamilyFriendly "1"^^xsd:boolean ;
          schema:url <relative/path> .
}
claim:tricky kgv:quote "say hi" ; prov:wasDerivedFrom src:somewhere .
kgr:x schema:address [ schema:addressLocality "Paris"@fr ] .
"""
)


def canonical_quads(path: Path) -> set[str]:
    dataset = ox.Dataset(ox.Store.read_only(str(path)))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(map(str, dataset))


def both_ways(tree_root: Path, tmp_path: Path) -> tuple[set[str], set[str], int]:
    tree = find_tree(tree_root)
    build_oxigraph(tmp_path / "reference", load(tree))
    written = bulkload.write(tmp_path / "bulk", bulkload.plan(tree))
    return canonical_quads(tmp_path / "reference"), canonical_quads(tmp_path / "bulk"), written


def test_the_shipped_tree_loads_to_the_same_quads_as_the_rdflib_loader(tmp_path):
    reference, bulk, written = both_ways(REPO, tmp_path)
    assert bulk == reference
    assert written == len(reference) > 2000
    statements = [
        q for q in bulk if q.endswith("<http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement>")
    ]
    assert len(statements) == len(load(find_tree(REPO)).statements)


def test_a_synthetic_tree_loads_to_the_same_quads(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    generator = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generator
    spec.loader.exec_module(generator)
    generator.generate(tmp_path / "tree", 5_000, seed=3)
    reference, bulk, _ = both_ways(tmp_path / "tree", tmp_path)
    assert bulk == reference and len(bulk) > 5_000


def test_literals_that_trip_writers_load_to_the_same_quads(tree_copy, tmp_path):
    (tree_copy / "data" / "tricky.trig").write_text(TRICKY, encoding="utf-8")
    reference, bulk, _ = both_ways(tree_copy, tmp_path)
    assert bulk == reference
    tricky = [q for q in bulk if "/id/x>" in q.split(" ")[0]]
    assert any('"42"^^<http://www.w3.org/2001/XMLSchema#integer>' in q for q in tricky)
    assert any('"true"^^<http://www.w3.org/2001/XMLSchema#boolean>' in q for q in tricky)
    assert any("<https://kg.example.org/kassis/relative/path>" in q for q in tricky)


def test_statement_iris_do_not_depend_on_an_explicit_xsd_string_or_tag_case(tree_copy, tmp_path):
    data = tree_copy / "data" / "tricky.trig"
    data.write_text(TRICKY, encoding="utf-8")
    before = {str(s) for s in load(find_tree(tree_copy)).statements}
    data.write_text(
        TRICKY.replace('"plain"^^xsd:string', '"plain"').replace("en-GB", "en-gb"),
        encoding="utf-8",
    )
    assert {str(s) for s in load(find_tree(tree_copy)).statements} == before


@pytest.mark.parametrize(
    "broken, expected",
    [
        ('claim:dup { kgr:x schema:name "again" . }\n', "is also written in data/"),
        ('claim:bn { kgr:x schema:knows [ schema:name "anon" ] . }\n', "uses a blank node"),
        ('claim:lonely kgv:quote "no graph" .\n', "has a kgv:quote but no claim graph"),
        ('kgr:x schema:name "unterminated .\n', "data/zz-broken.trig:"),
    ],
    ids=["claim-in-two-files", "blank-node", "quote-without-claim", "syntax"],
)
def test_errors_are_the_rdflib_loaders_and_leave_the_old_store(
    tree_copy, tmp_path, broken, expected
):
    store = tmp_path / "store"
    assert (
        CliRunner()
        .invoke(cli, ["--root", str(tree_copy), "--store", f"oxigraph:{store}", "load"])
        .exit_code
        == 0
    )
    before = canonical_quads(store)
    (tree_copy / "data" / "zz-dup-source.trig").write_text(
        HEADER + 'claim:dup { kgr:x schema:name "first" . }\n', encoding="utf-8"
    )
    (tree_copy / "data" / "zz-broken.trig").write_text(HEADER + broken, encoding="utf-8")
    if "dup" not in broken:
        (tree_copy / "data" / "zz-dup-source.trig").unlink()
    with pytest.raises(DataSyntaxError) as raised:
        bulkload.plan(find_tree(tree_copy))
    with pytest.raises(DataSyntaxError) as reference:
        load(find_tree(tree_copy))
    assert str(raised.value) == str(reference.value)
    assert expected in str(raised.value)

    result = CliRunner().invoke(
        cli, ["--root", str(tree_copy), "--store", f"oxigraph:{store}", "load"]
    )
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
    assert canonical_quads(store) == before  # nothing half-written
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".store.")]


def test_a_failed_write_keeps_the_old_store_and_leaves_no_partial_folder(tmp_path, monkeypatch):
    tree = find_tree(REPO)
    store = tmp_path / "store"
    bulkload.write(store, bulkload.plan(tree))
    before = canonical_quads(store)

    def failing_lines():
        yield "<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n"
        raise OSError("disk full")

    with pytest.raises(Exception, match="disk full"):
        bulkload.write(store, bulkload.BulkLoad(total=2, lines=failing_lines()))
    assert canonical_quads(store) == before
    assert sorted(os.listdir(tmp_path)) == ["store"]


def test_progress_counts_every_quad(tmp_path):
    seen: list[tuple[int, int]] = []
    bulk = bulkload.plan(find_tree(REPO))
    written = bulkload.write(
        tmp_path / "store", bulk, lambda done, total: seen.append((done, total))
    )
    assert seen and seen[-1] == (written, written)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
