"""Hostile input, by class (issue "Safe by construction"): each case must end with one line and a
documented exit code, nothing fetched or read outside the tree, no file lost or replaced, no
traceback. Several spellings per class; the network guard (conftest) fails any test that tries
to reach beyond loopback, even when the code swallows the error.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg import queries
from kg.cli import cli
from kg.files import OutputError, write_atomically
from kg.store.memory import graph_key
from kg.tree import find_tree
from tests.conftest import REPO, fails_with_one_line

KG = [sys.executable, "-m", "kg"]


def kg(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def run_kg(*args: str, env: dict | None = None, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KG, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=120,
        **options,
    )


# --- 1. Data loss ----------------------------------------------------------------------------


def test_load_never_replaces_a_folder_kg_did_not_build(tmp_path):
    """A folder that merely looks like a RocksDB store (a CURRENT file) is someone else's."""
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "CURRENT").write_text("MANIFEST-000001\n")
    (folder / "thesis.tex").write_text("years of work")
    result = kg("--store", f"oxigraph:{folder}", "load")
    fails_with_one_line(result, "kg did not build", "new or empty folder")
    assert sorted(p.name for p in folder.iterdir()) == ["CURRENT", "thesis.tex"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious"]  # nothing left beside it


def test_load_replaces_a_store_it_built(tmp_path):
    pytest.importorskip("pyoxigraph")
    store = tmp_path / "store"
    assert kg("--store", f"oxigraph:{store}", "load").exit_code == 0
    assert (store / "kg-store.json").is_file()
    assert kg("--store", f"oxigraph:{store}", "load").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


@pytest.mark.parametrize("kind", ["fifo", "socket", "folder"])
def test_output_never_replaces_what_is_not_a_regular_file(tmp_path, kind):
    target = tmp_path / "target"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "socket":
        import socket

        server = socket.socket(socket.AF_UNIX)
        server.bind(str(target))
    else:
        target.mkdir()
    before = stat.S_IFMT(target.lstat().st_mode)
    result = kg("export", "--format", "nt", "--output", str(target))
    fails_with_one_line(result, str(target))
    assert stat.S_IFMT(target.lstat().st_mode) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]


def test_sigterm_while_writing_removes_the_temporary_file(tmp_path, monkeypatch):
    import kg.files
    from kg.errors import Interrupted

    def terminated(descriptor):
        raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(kg.files.os, "fsync", terminated)
    (tmp_path / "out.ttl").write_text("old")
    with pytest.raises(Interrupted):
        write_atomically(tmp_path / "out.ttl", b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]
    assert (tmp_path / "out.ttl").read_text() == "old"


def test_output_onto_a_device_is_refused():
    # /dev/null as root would be replaced by a regular file if kg renamed onto it.
    with pytest.raises(OutputError, match="not a regular file"):
        write_atomically("/dev/null", b"x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    target = tmp_path / "private.ttl"
    target.write_text("old")
    target.chmod(0o600)
    assert kg("export", "--output", str(target)).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("PREFIX")


def test_output_through_a_link_writes_the_file_and_keeps_the_link(tmp_path):
    real = tmp_path / "real.nt"
    real.write_text("old")
    link = tmp_path / "link.nt"
    link.symlink_to(real)
    assert kg("export", "--format", "nt", "--output", str(link)).exit_code == 0
    assert link.is_symlink() and real.read_text() != "old"


def test_a_long_legal_output_name_works(tmp_path):
    target = tmp_path / ("k" * 240 + ".ttl")  # 244 characters: the most a name may have here
    result = kg("export", "--output", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.is_file()


def test_sigterm_during_an_export_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "out.nt"
    process = subprocess.Popen(
        [*KG, "export", "--format", "nt", "--output", str(target)],
        cwd=REPO,
        env={**os.environ, "KG_CACHE_DIR": ""},
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.3)  # mid-run: importing or loading
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert stderr == "Interrupted.\n"
    assert list(tmp_path.iterdir()) == []


def test_a_signal_whose_exception_was_lost_still_stops_the_write(tmp_path, monkeypatch):
    # CPython can drop what a signal handler raises inside C code (an import compiling a
    # module): the record of the signal alone must keep the old file and leave no temporary one.
    from kg import errors

    target = tmp_path / "out.nt"
    target.write_text("old")
    monkeypatch.setattr(errors, "SIGNALS_RECEIVED", [signal.SIGTERM])
    with pytest.raises(errors.Interrupted) as stopped:
        write_atomically(target, b"new")
    assert stopped.value.exit_code == 128 + signal.SIGTERM
    assert target.read_text() == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["out.nt"]


# --- 2. Network fetch or local file read -------------------------------------------------------


GLUED_SERVICE = [
    "SELECT ?o WHERE { ?s ?p ?o . ?o 224SERVICE <http://example.org/sparql> { ?a ?b ?c } }",
    "SELECT ?o WHERE { ?s ?p ?o FILTER(true) trueSERVICE <http://example.org/sparql> { } }",
    "SELECT ?o WHERE { ?s ?p ?o . 1.5e3SERVICE <http://example.org/sparql> { } }",
    'SELECT ?o WHERE { ?s ?p "x"SERVICE <http://example.org/sparql> { } }',
    "SELECT ?o WHERE { ?s ?p ?o } #\nsErViCe",
    "SELECT ?o FROM<http://example.org/g> WHERE { ?s ?p ?o }",
    "SELECT ?o WHERE { ?s ?p ?o . \\u0053ERVICE <http://example.org/sparql> { } }",
    "SELECT ?o WHERE { ?s ?p ?o . ?s ex:a.SERVICE <http://example.org/sparql> { } }",
    "SELECT ?o WHERE { ?s ?p ?o . ?s ex:a:SERVICE <http://example.org/sparql> { } }",
    "SELECT ?o WHERE { ?s ?p ?o . ?s :SERVICE <http://example.org/sparql> { } }",
]


@pytest.mark.parametrize("text", GLUED_SERVICE)
def test_service_or_from_glued_to_anything_never_runs(text):
    # Refused by kg.queries.check, or not SPARQL to Oxigraph: exit 2 either way, and the
    # no_network fixture fails the test if anything tried to connect.
    fails_with_one_line(kg("query", "--sparql", text))
    if not text.endswith(":SERVICE <http://example.org/sparql> { } }"):  # that one is a name
        with pytest.raises(queries.QueryError, match="not allowed"):
            queries.check(queries.from_text(text, "--sparql"))


@pytest.mark.parametrize("text", GLUED_SERVICE[:3] + GLUED_SERVICE[5:6])
def test_service_glued_to_a_literal_is_refused_on_oxigraph(tmp_path, text):
    pytest.importorskip("pyoxigraph")
    store = tmp_path / "store"
    assert kg("--store", f"oxigraph:{store}", "load").exit_code == 0
    result = kg("--store", f"oxigraph:{store}", "query", "--sparql", text)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stderr.count("\n") == 1


def test_variables_and_prefixed_names_with_from_are_names():
    text = "SELECT ?fromDate ?service WHERE { ?fromDate prov:wasDerivedFrom ?o ; kgv:fromClaim ?c }"
    assert queries.check(queries.from_text(text, "--sparql")).form == "SELECT"


@pytest.mark.parametrize(
    "extra",
    [
        {"@import": "http://example.org/context.jsonld"},
        {"@import": "file:///etc/passwd"},
        {"knows": {"@id": "schema:knows", "@context": "http://example.org/scoped.jsonld"}},
        {"knows": {"@id": "schema:knows", "@context": [{"x": "y"}, "file:///etc/hosts"]}},
    ],
)
def test_a_context_that_loads_another_document_is_refused(tree_copy, extra):
    import json

    path = tree_copy / "ontology" / "context.jsonld"
    document = json.loads(path.read_text())
    document["@context"].update(extra)
    path.write_text(json.dumps(document))
    fails_with_one_line(
        kg("--root", str(tree_copy), "export", "--format", "json-ld"), "never fetches"
    )


SHAPE_WITH_SERVICE = """
kgsh:Sneaky a sh:NodeShape ;
    sh:target [ a sh:SPARQLTarget ; sh:prefixes <https://kg.example.org/kassis/shapes> ;
        sh:select \"\"\"SELECT ?this WHERE {
            SERVICE <http://example.org/sparql> { ?this ?p ?o } }\"\"\" ] ;
    sh:property [ sh:path schema:name ; sh:minCount 1 ; sh:message "x" ] .
"""
SHAPE_CONSTRAINT_WITH_SERVICE = """
kgsh:Sneaky a sh:NodeShape ; sh:targetClass schema:Person ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:message "x" ;
        sh:prefixes <https://kg.example.org/kassis/shapes> ;
        sh:select \"\"\"SELECT $this WHERE {
            $this ?p ?o . sErViCe <http://example.org/s> { ?a ?b ?c } }\"\"\" ] .
"""
SHAPE_WITH_FROM = """
kgsh:Sneaky a sh:NodeShape ; sh:targetClass schema:Person ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:message "x" ;
        sh:select \"\"\"SELECT $this FROM <file:///etc/passwd> WHERE { $this ?p ?o }\"\"\" ] .
"""


@pytest.mark.parametrize(
    ("shape", "words"),
    [
        (SHAPE_WITH_SERVICE, ["kgsh:Sneaky", "SERVICE is not allowed"]),
        (SHAPE_CONSTRAINT_WITH_SERVICE, ["kgsh:Sneaky", "SERVICE is not allowed"]),
        (SHAPE_WITH_FROM, ["kgsh:Sneaky", "FROM and FROM NAMED are not allowed"]),
    ],
)
def test_a_shape_whose_sparql_would_fetch_is_refused(tree_copy, shape, words):
    shapes = tree_copy / "ontology" / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + shape, encoding="utf-8")
    fails_with_one_line(kg("--root", str(tree_copy), "validate"), *words)


def test_a_shape_pyshacl_refuses_to_run_is_an_error(tree_copy):
    """pyshacl returns (not raises) its ValidationFailure for SPARQL that SHACL forbids."""
    shapes = tree_copy / "ontology" / "shapes.ttl"
    shape = """
kgsh:Valued a sh:NodeShape ; sh:targetClass schema:Person ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:message "x" ;
        sh:prefixes <https://kg.example.org/kassis/shapes> ;
        sh:select \"\"\"SELECT $this WHERE { VALUES ?x { 1 } $this a schema:Person }\"\"\" ] .
"""
    shapes.write_text(shapes.read_text(encoding="utf-8") + shape, encoding="utf-8")
    fails_with_one_line(
        kg("--root", str(tree_copy), "validate"),
        "pyshacl cannot run the shapes",
        "must not contain a VALUES clause",
    )


# --- 3. Silently wrong answers ---------------------------------------------------------------


def test_a_data_folder_that_cannot_be_listed_is_an_error(tree_copy, monkeypatch):
    real_walk = os.walk

    def unlistable(top, onerror=None, **kwargs):
        error = PermissionError(13, "Permission denied", str(top))
        onerror(error)
        yield from real_walk(top, **kwargs)

    monkeypatch.setattr(os, "walk", unlistable)
    result = kg("--root", str(tree_copy), "validate")
    fails_with_one_line(result, "cannot list the folder", "Permission denied")


# --- 4. Tracebacks -----------------------------------------------------------------------------


def test_a_claim_outside_the_bound_prefixes_reports_with_a_line(tree_copy):
    (tree_copy / "data" / "zz-odd.trig").write_text(
        "@prefix kgv: <https://kg.example.org/kassis/vocab#> .\n"
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "<http://elsewhere.example/claim> { <http://elsewhere.example/x> "
        "<https://schema.org/name2> <http://elsewhere.example/y> . }\n"
        '<http://elsewhere.example/claim> kgv:quote "Kassis is married" ;\n'
        "    prov:wasDerivedFrom <https://kg.example.org/kassis/source/wikipedia-randa-kassis> .\n",
        encoding="utf-8",
    )
    result = kg("--root", str(tree_copy), "validate")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "data/zz-odd.trig:" in result.stdout


def test_a_claim_outside_the_bound_prefixes_leaves_why_and_pages_working(tree_copy):
    from starlette.testclient import TestClient

    from kg.web.app import create_app

    (tree_copy / "data" / "zz-odd.trig").write_text(
        "@prefix kgv: <https://kg.example.org/kassis/vocab#> .\n"
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "<http://elsewhere.example/claim> { <http://elsewhere.example/x> "
        "<https://schema.org/knows> <https://kg.example.org/kassis/id/fabien-baussart> . }\n"
        '<http://elsewhere.example/claim> kgv:quote "Kassis is married to Fabien Baussart" ;\n'
        "    prov:wasDerivedFrom <https://kg.example.org/kassis/source/wikipedia-randa-kassis> .\n",
        encoding="utf-8",
    )
    result = kg("--root", str(tree_copy), "why", "kgr:fabien-baussart")
    assert result.exit_code == 0 and "data/zz-odd.trig:3" in result.stdout
    with TestClient(create_app(find_tree(tree_copy))) as client:
        page = client.get("/id/fabien-baussart", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "zz-odd.trig:3" in page.text


def test_an_unreadable_data_file_is_one_line(tree_copy, monkeypatch):
    # (Tests run as root here, so a chmod would not stop the read: the read itself fails.)
    for method in ("read_text", "read_bytes"):  # any way of reading it
        real = getattr(Path, method)

        def unreadable(self, *args, real=real, **kwargs):
            if self.name == "books.trig":
                raise PermissionError(13, "Permission denied", str(self))
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Path, method, unreadable)
    fails_with_one_line(
        kg("--root", str(tree_copy), "validate"), "data/books.trig", "Permission denied"
    )


def test_a_corrupted_oxigraph_store_is_one_line(tmp_path):
    pytest.importorskip("pyoxigraph")
    store = tmp_path / "store"
    assert kg("--store", f"oxigraph:{store}", "load").exit_code == 0
    (store / "CURRENT").write_text("garbage\n")
    result = kg("--store", f"oxigraph:{store}", "query", "books")
    fails_with_one_line(result, "cannot open the Oxigraph store", "rebuild it")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["query", "--sparql", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1" + "0" * 30], ["too large"]),
        (["query", "--sparql", "# nothing but a comment"], ["empty"]),
        (["query", "--sparql", ""], ["empty"]),
        (["query", "--sparql", "SELECT \udcff"], ["not valid UTF-8"]),
        (["query", "--file", "/dev/zero"], ["not a regular file"]),
        (["--store", "sparql:http://[::1", "query", "books"], ["unknown store"]),
        (["--store", "sparql:http://x:99999/", "query", "books"], ["unknown store"]),
        (["--store", "oxigraph:", "query", "books"], ["unknown store"]),
    ],
)
def test_bad_input_is_one_line(args, words):
    fails_with_one_line(kg(*args), *words)


def test_an_integer_parameter_past_pythons_limit_is_one_line(tree_copy):
    (tree_copy / "queries" / "count-at-least.rq").write_text(
        "#+ summary: x\nSELECT ?n WHERE { BIND(?_n_integer AS ?m) BIND(1 AS ?n) }\n"
    )
    result = kg("--root", str(tree_copy), "query", "count-at-least", "--param", "n=" + "9" * 5000)
    fails_with_one_line(result, "at most 4300 digits")


def test_a_huge_integer_literal_in_a_query_is_answered_quietly():
    result = run_kg("query", "--sparql", f"SELECT ?x WHERE {{ BIND({'9' * 5000} AS ?x) }}")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


def test_a_bom_is_read_past(tmp_path):
    query = tmp_path / "bom.rq"
    query.write_bytes(b"\xef\xbb\xbfASK { ?s ?p ?o }")
    result = kg("query", "--file", str(query))
    assert result.exit_code == 0 and result.stdout == "true\n"


@pytest.mark.parametrize("kind", ["non-utf8", "dangling"])
def test_a_broken_saved_query_file_is_one_line(tree_copy, kind):
    path = tree_copy / "queries" / "zz-broken.rq"
    if kind == "non-utf8":
        path.write_bytes(b"SELECT ?x WHERE { ?x ?p \xff }")
    else:
        path.symlink_to(tree_copy / "nowhere.rq")
    fails_with_one_line(kg("--root", str(tree_copy), "queries"), "zz-broken.rq")


@pytest.mark.parametrize(
    "header",
    [
        "#+ a: &a [x, x, x, x, x, x, x, x, x]\n#+ b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
        "#+ c: [*b, *b, *b, *b, *b, *b, *b, *b]\n",
        "#+ summary: &s boom\n#+ description: *s\n",
        "#+ description: " + "x" * 70_000 + "\n",
        "#+ summary: " + "[" * 2000 + "\n",
    ],
)
def test_a_header_with_aliases_or_too_large_is_refused(tree_copy, header):
    (tree_copy / "queries" / "zz-bomb.rq").write_text(header + "SELECT * WHERE { ?s ?p ?o }\n")
    fails_with_one_line(kg("--root", str(tree_copy), "queries"), "zz-bomb.rq")


def test_stdout_full_is_one_line():
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*KG, "query", "books"], cwd=REPO, stdout=full, stderr=subprocess.PIPE, text=True
        )
    assert result.returncode == 2
    assert result.stderr == "Error: cannot write the output (No space left on device)\n"


def test_a_closed_pipe_ends_quietly(monkeypatch):
    # (This machine's pipes never report EPIPE to the writer, so the reader going away, as
    # `| head -c 10` does, is played by the write itself failing.)
    import kg.cli

    def gone(*args, **kwargs):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(kg.cli.click, "echo", gone)
    result = CliRunner().invoke(cli, ["query", "books"], catch_exceptions=False)
    assert result.exit_code == 128 + signal.SIGPIPE
    assert result.stderr == ""


# --- 6. Messages and exit codes ----------------------------------------------------------------


def test_ctrl_c_exits_130_with_one_line():
    process = subprocess.Popen(
        [*KG, "validate"],
        cwd=REPO,
        env={**os.environ, "KG_CACHE_DIR": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr == "Interrupted.\n"


# --- 7. The answer cache ------------------------------------------------------------------------


PLANTED = '<https://kg.example.org/kassis/id/x> <https://schema.org/isbn> "0000000000000" .\n'


@pytest.mark.parametrize("mode", [0o777, 0o775])
def test_a_cache_others_can_write_is_never_read(tmp_path, mode):
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(mode)
    key = graph_key(find_tree(REPO))
    (cache / f"graph-{key}.nq").write_text(PLANTED)  # another user's graph, in its place
    result = run_kg("query", "books", "--format", "csv", env={"KG_CACHE_DIR": str(cache)})
    assert result.returncode == 0, result.stderr
    assert "9781492880608" in result.stdout and "0000000000000" not in result.stdout


def test_a_private_cache_is_used(tmp_path):
    cache = tmp_path / "cache"
    first = run_kg("query", "books", "--format", "csv", env={"KG_CACHE_DIR": str(cache)})
    assert first.returncode == 0
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert any(p.name.startswith("graph-") for p in cache.iterdir())
