"""Every saved query gives the answers recorded before kg's switch from rdflib's SPARQL engine
to Oxigraph (tests/answers/recorded.json, written by tests/answers/record.py), on the memory
store and on an oxigraph: store built by `kg load`. A change here is a change of answers: it
goes in the CHANGELOG."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.answer import result_of
from kg.cli import cli
from kg.queries import get_query
from kg.store import open_store
from kg.store.oxigraph import to_rdflib
from kg.tree import find_tree
from tests.answers.record import HERE, cases, term_text
from tests.conftest import REPO, form_values

TREE = find_tree(REPO)
RECORDED = json.loads((HERE / "recorded.json").read_text(encoding="utf-8"))
CASES = cases(TREE)


def key_of(name: str, values: dict[str, str]) -> str:
    return name + "".join(f" {k}={v}" for k, v in sorted(values.items()))


def answer_as_recorded(store, name: str, values: dict[str, str]) -> dict:
    """The answer to a query with its form's values (its `#+ defaults:`) and `values`."""
    query = get_query(TREE, name)
    found = result_of(store, query, form_values(query) | values)
    if found.form == "ASK":
        return {"ask": found.boolean}
    if found.form == "SELECT":
        rows = [[term_text(None if t is None else to_rdflib(t)) for t in row] for row in found.rows]
        ordered = "ORDER BY" in query.text.upper()
        return {
            "vars": list(found.variables),
            "ordered": ordered,
            "rows": rows if ordered else sorted(rows),
        }
    lines = (
        " ".join(term_text(to_rdflib(t)) for t in (x.subject, x.predicate, x.object))
        for x in found.triples
    )
    return {"triples": sorted(lines)}


@pytest.fixture(scope="module")
def memory_store():
    return open_store("memory", TREE)


@pytest.fixture(scope="module")
def oxigraph_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("answers") / "store"
    result = CliRunner().invoke(cli, ["--store", f"oxigraph:{folder}", "load"])
    assert result.exit_code == 0, result.output
    return open_store(f"oxigraph:{folder}", TREE)


def test_every_saved_query_is_recorded():
    assert sorted(RECORDED) == sorted(key_of(name, values) for name, values in CASES)
    assert len({name for name, _ in CASES}) == 25


@pytest.mark.parametrize(("name", "values"), CASES, ids=[key_of(*case) for case in CASES])
def test_memory_store_gives_the_recorded_answer(memory_store, name, values):
    assert answer_as_recorded(memory_store, name, values) == RECORDED[key_of(name, values)]


@pytest.mark.parametrize(("name", "values"), CASES, ids=[key_of(*case) for case in CASES])
def test_oxigraph_store_gives_the_recorded_answer(oxigraph_store, name, values):
    assert answer_as_recorded(oxigraph_store, name, values) == RECORDED[key_of(name, values)]
