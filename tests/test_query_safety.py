"""`kg query` is read-only, closed to the network, and safe with any parameter value."""

from __future__ import annotations

import csv
import io
import re

import pytest
from click.testing import CliRunner
from rdflib import Dataset

from kg.cli import cli

LABELS = """#+ summary: Labels of a thing
#+ description: test query
#+ tags: [test]
PREFIX schema: <https://schema.org/>
SELECT ?name WHERE { ?_thing_iri schema:name ?name } ORDER BY ?name
"""

BY_NAME = """#+ summary: Things with this exact English name
PREFIX schema: <https://schema.org/>
SELECT ?thing WHERE { ?thing schema:name ?_name_en } ORDER BY ?thing
"""


def kg(*args):
    return CliRunner().invoke(cli, list(args))


def one_line_error(result, code=2):
    assert result.exit_code == code, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def query_dir(tree_copy):
    (tree_copy / "queries" / "labels.rq").write_text(LABELS)
    (tree_copy / "queries" / "by-name.rq").write_text(BY_NAME)
    return tree_copy


def test_iri_parameter_is_bound_as_a_term(query_dir):
    result = kg(
        "--root",
        str(query_dir),
        "query",
        "labels",
        "-p",
        "thing=kgr:randa-kassis",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout_bytes.decode().split("\r\n")
    assert lines[0] == "name" and lines[-1] == ""
    assert sorted(lines[1:-1]) == ["Randa Kassis", "رندة قسيس"]


def test_binding_means_what_the_query_says(query_dir, loaded):
    # The bound run equals the same query written with the literal term by hand.
    bound = kg(
        "--root", str(query_dir), "query", "by-name", "-p", "name=Randa Kassis", "--format", "tsv"
    )
    by_hand = kg(
        "query",
        "--format",
        "tsv",
        "--sparql",
        'SELECT ?thing WHERE { ?thing schema:name "Randa Kassis"@en } ORDER BY ?thing',
    )
    assert bound.exit_code == 0 and by_hand.exit_code == 0
    assert bound.output == by_hand.output
    assert "<https://kg.example.org/kassis/id/randa-kassis>" in bound.output


@pytest.mark.parametrize(
    "value",
    [
        'Randa Kassis" } ; DROP ALL ; SELECT * { ?s ?p ?o',
        'x" . ?thing ?p ?o } #',
        "{ } > < \n newline 'quote'",
    ],
)
def test_injection_stays_one_literal(query_dir, value):
    result = kg(
        "--root", str(query_dir), "query", "by-name", "-p", f"name={value}", "--format", "csv"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"thing\r\n"  # no row has that name; nothing else ran


def test_iri_parameter_rejects_garbage(query_dir):
    line = one_line_error(
        kg("--root", str(query_dir), "query", "labels", "-p", "thing=<a> } DROP ALL {")
    )
    assert "parameter 'thing' takes an IRI or a CURIE" in line
    assert "accepts: thing (IRI or CURIE, required)" in line


def test_missing_parameter(query_dir):
    line = one_line_error(kg("--root", str(query_dir), "query", "labels"))
    assert line == (
        "Error: query 'labels' needs the parameter thing, e.g. thing=...; it accepts: "
        "thing (IRI or CURIE, required)"
    )


def test_unknown_parameter_with_suggestion(query_dir):
    line = one_line_error(
        kg("--root", str(query_dir), "query", "labels", "-p", "thin=kgr:randa-kassis")
    )
    assert line == (
        "Error: query 'labels' has no parameter 'thin' (did you mean 'thing'?); "
        "it accepts: thing (IRI or CURIE, required)"
    )


def test_duplicated_parameter(query_dir):
    line = one_line_error(
        kg("--root", str(query_dir), "query", "labels", "-p", "thing=kgr:a", "-p", "thing=kgr:b")
    )
    assert line == "Error: --param thing is given twice; give each parameter once"


def test_ill_typed_parameters(tree_copy):
    (tree_copy / "queries" / "typed.rq").write_text(
        "SELECT ?x WHERE { ?x schema:startDate ?_when_xsd_date . ?x ?p ?_n_integer }"
    )
    root = str(tree_copy)
    line = one_line_error(kg("--root", root, "query", "typed", "-p", "when=30 Jan", "-p", "n=1"))
    assert "parameter 'when' takes an xsd:date (e.g. 2018-01-30), not '30 Jan'" in line
    line = one_line_error(
        kg("--root", root, "query", "typed", "-p", "when=2018-01-30", "-p", "n=one")
    )
    assert "parameter 'n' takes an integer, not 'one'" in line


def test_parameter_may_not_be_a_bind_target(tree_copy):
    (tree_copy / "queries" / "rebind.rq").write_text(
        'SELECT ?x WHERE { ?x ?p ?o . BIND ("x" AS ?_name) }'
    )
    line = one_line_error(kg("--root", str(tree_copy), "query", "rebind", "-p", "name=y"))
    assert "?_name is assigned by BIND/VALUES" in line


def test_unknown_query_suggests(shipped):
    line = one_line_error(kg("query", "book"))
    assert line == "Error: unknown query 'book' — did you mean 'books'?"


@pytest.mark.parametrize(
    ("sparql", "expected"),
    [
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "SPARQL Update (INSERT) is not allowed"),
        ("DELETE WHERE { ?s ?p ?o }", "SPARQL Update (DELETE) is not allowed"),
        ("LOAD <http://example.org/x.ttl>", "SPARQL Update (LOAD) is not allowed"),
        ("CLEAR ALL", "SPARQL Update (CLEAR) is not allowed"),
        ("DROP GRAPH <urn:g>", "SPARQL Update (DROP) is not allowed"),
        (
            "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
            "SERVICE is not allowed",
        ),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM and FROM NAMED are not"),
        ("SELECT * FROM NAMED <http://example.org/g> WHERE { ?s ?p ?o }", "FROM and FROM NAMED"),
    ],
)
def test_refused_queries(sparql, expected):
    line = one_line_error(kg("query", "--sparql", sparql))
    assert expected in line


def test_malformed_sparql_gives_line_and_column():
    line = one_line_error(kg("query", "--sparql", "SELECT ?s WHERE {\n  ?s ?p \n ?o ?x }"))
    assert re.match(r"Error: --sparql:3:\d+: malformed SPARQL: expected ", line), line


def test_malformed_query_file_names_the_file(tmp_path):
    path = tmp_path / "bad.rq"
    path.write_text("SELECT * WHERE { ?s ?p ?o . FILTER( }\n")
    line = one_line_error(kg("query", "--file", str(path)))
    assert re.match(rf"Error: {re.escape(str(path))}:\d+:\d+: malformed SPARQL", line), line


@pytest.mark.parametrize("depth", [60, 5000])
def test_absurd_nesting_is_too_complex(depth):
    sparql = "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth
    line = one_line_error(kg("query", "--sparql", sparql))
    assert "query too complex" in line


def test_ask_exit_codes():
    yes = kg("query", "--sparql", "ASK { kgr:randa-kassis schema:spouse kgr:fabien-baussart }")
    assert (yes.exit_code, yes.output) == (0, "true\n")
    no = kg("query", "--sparql", "ASK { kgr:randa-kassis schema:spouse kgr:sergey-lavrov }")
    assert (no.exit_code, no.output) == (1, "false\n")


def test_construct_gives_rdf():
    result = kg(
        "query",
        "--format",
        "nt",
        "--sparql",
        "CONSTRUCT { kgr:randa-kassis schema:spouse ?x } "
        "WHERE { kgr:randa-kassis schema:spouse ?x }",
    )
    assert result.exit_code == 0
    assert result.output.strip() == (
        "<https://kg.example.org/kassis/id/randa-kassis> <https://schema.org/spouse> "
        "<https://kg.example.org/kassis/id/fabien-baussart> ."
    )


def test_format_must_fit_the_query_form():
    result = kg("query", "--format", "turtle", "--sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert result.exit_code == 2
    assert "--format turtle is for CONSTRUCT/DESCRIBE" in result.output


def test_exactly_one_query_source():
    result = kg("query", "books", "--sparql", "ASK {}")
    assert result.exit_code == 2
    assert "give exactly one of NAME, --file FILE or --sparql TEXT" in result.output


def test_select_formats_are_sparql_results():
    sparql = "SELECT ?name WHERE { kgr:randa-kassis schema:name ?name } ORDER BY ?name"
    out = {
        f: kg("query", "--format", f, "--sparql", sparql).output
        for f in ("json", "xml", "tsv", "csv", "markdown", "table")
    }
    import json

    data = json.loads(out["json"])
    assert data["head"]["vars"] == ["name"]
    assert {b["name"]["value"] for b in data["results"]["bindings"]} == {
        "Randa Kassis",
        "رندة قسيس",
    }
    assert 'xml:lang="ar"' in out["xml"]
    head, *rows = out["tsv"].splitlines()
    assert head == "?name" and sorted(rows) == ['"Randa Kassis"@en', '"رندة قسيس"@ar']
    # ORDER BY ?name: Oxigraph orders the literals by their text
    assert out["markdown"] == "| name |\n|---|\n| Randa Kassis |\n| رندة قسيس |\n"
    table = out["table"].splitlines()
    assert table[0] == "name" and table[-1] == "(2 rows)"
    assert table[3] == "\u2068رندة قسيس\u2069"  # isolated so it cannot reorder the row


def test_output_file_is_written_atomically(tmp_path):
    target = tmp_path / "books.csv"
    result = kg("query", "books", "--format", "csv", "--output", str(target))
    assert result.exit_code == 0
    assert target.read_text().startswith("book,title,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["books.csv"]


FETCHING = "SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }"


def test_the_network_guard_is_real(monkeypatch, no_network):
    # rdflib's default: a Dataset query loads FROM IRIs (and swallows the failure); the guard
    # records the attempt, which would fail any other test.
    import rdflib.plugins.sparql

    monkeypatch.setattr(rdflib.plugins.sparql, "SPARQL_LOAD_GRAPHS", True)
    with pytest.raises(Exception, match="Could not load"):
        Dataset().query(FETCHING)
    assert no_network and no_network[0] == "resolve 'example.org'"
    no_network.clear()


def test_kg_turns_rdflib_loading_off(monkeypatch):
    import rdflib.plugins.sparql

    from kg.validate import close_rdflib_to_the_network

    monkeypatch.setattr(rdflib.plugins.sparql, "SPARQL_LOAD_GRAPHS", True)
    close_rdflib_to_the_network()
    assert list(Dataset().query(FETCHING)) == []  # nothing fetched, nothing raised


def test_year_and_date_parameters_are_checked(tree_copy):
    (tree_copy / "queries" / "dated.rq").write_text(
        "SELECT ?x WHERE { ?x schema:startDate ?_when_xsd_gYear . ?x ?p ?__day_xsd_date }"
    )
    root = str(tree_copy)
    line = one_line_error(kg("--root", root, "query", "dated", "-p", "when=twenty"))
    assert "parameter 'when' takes an xsd:gYear (e.g. 2015), not 'twenty'" in line
    line = one_line_error(
        kg("--root", root, "query", "dated", "-p", "when=2018", "-p", "day=2018-02-30")
    )
    assert "parameter 'day' takes an xsd:date (e.g. 2018-01-30), not '2018-02-30'" in line


def test_an_unbound_sort_key_sorts_first_as_sparql_says():
    # rdflib failed on this (STR of an unbound variable in ORDER BY); Oxigraph, as SPARQL 1.1
    # section 15.1 says, orders the unbound values first.
    result = kg(
        "query",
        "--sparql",
        "SELECT ?s ?d WHERE { ?s a schema:Event OPTIONAL { ?s schema:startDate ?d } } "
        "ORDER BY STR(?d) ?s",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    dates = [d for _, d in rows]
    assert "" in dates and dates == sorted(dates) and dates[-1] != ""


def test_an_engine_failure_while_running_is_one_line(monkeypatch):
    from kg.store.memory import MemoryStore

    class Failing:
        def query(self, *args, **kwargs):
            raise RuntimeError("out of\nsorts")

    def opened(self, spec, tree):
        self.spec, self.tree, self.store = spec, tree, Failing()

    monkeypatch.setattr(MemoryStore, "__init__", opened)
    line = one_line_error(kg("query", "books"))
    assert line == "Error: books: the query failed in Oxigraph (out of sorts)"


def test_header_values_stay_strings(tree_copy):
    (tree_copy / "queries" / "coded.rq").write_text(
        "#+ summary: yes\n#+ defaults:\n#+   - code: 0123\n"
        "SELECT ?x WHERE { ?x schema:isbn ?_code }"
    )
    result = CliRunner().invoke(cli, ["--root", str(tree_copy), "queries", "--format", "json"])
    listing = {q["name"]: q for q in __import__("json").loads(result.output)}
    assert listing["coded"]["summary"] == "yes"
    assert listing["coded"]["parameters"][0]["default"] == "0123"
