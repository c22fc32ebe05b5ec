"""Stores: the same graph and the same answers from memory, an Oxigraph store and a SPARQL engine.

A real Oxigraph server (`oxigraph serve`, the test extras install it) runs on a free loopback
port for this module; `kg push` fills it and `kg --store sparql:URL` queries it. An on-disk store
is built with `kg --store oxigraph:PATH load`. Every saved query must answer the same on all
three; failures must be one line and exit 2.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import Literal, NamedNode

from kg import queries
from kg.answer import result_of
from kg.cli import cli
from kg.load import load
from kg.results import Result
from kg.store import GRAPH_IRI, StoreError, open_store, parse_spec
from kg.store.binding import inline_values, with_constants
from kg.tree import find_tree
from tests.conftest import (
    REPO,
    QuietHTTPServer,
    RunningServer,
    ServerProcess,
    fails_with_one_line,
    free_port,
    param_options,
)

TREE = find_tree(REPO)
SAVED = queries.list_queries(TREE)


def kg(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


# --- the stores under test -----------------------------------------------------------------------


class QuietServer(QuietHTTPServer, http.server.HTTPServer):
    pass


class OxigraphServer(ServerProcess):
    """`oxigraph serve` on a free loopback port, with its data in a temporary folder."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which(
            "oxigraph"
        )
        if binary is None:
            pytest.fail("the oxigraph server is not installed: pip install -e '.[test]'")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.query_url, self.gsp_url = f"{self.base}/query", f"{self.base}/store"
        self.update_url = f"{self.base}/update"
        super().__init__(
            [binary, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{self.port}"],
            f"{self.query_url}?query=ASK%7B%7D",
            "oxigraph serve",
            timeout=30,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    @property
    def store(self) -> list[str]:
        """The group options that name this server as the store."""
        return ["--store", f"sparql:{self.query_url}", "--gsp-url", self.gsp_url]

    def count(self, graph: str | None = GRAPH_IRI) -> int:
        """Triples in a named graph (or the default graph), counted by the server itself."""
        pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        query = urllib.parse.quote(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        request = urllib.request.Request(
            f"{self.query_url}?query={query}", headers={"Accept": "application/sparql-results+json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(json.load(response)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def private_cache_for_module(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KG_CACHE_DIR", str(tmp_path_factory.mktemp("kg-cache")))
        yield


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory, private_cache_for_module):
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph-server"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pushed(oxigraph_server) -> OxigraphServer:
    """The server, after `kg --store sparql:URL push`."""
    result = kg(*oxigraph_server.store, "push")
    assert result.exit_code == 0, result.output
    return oxigraph_server


@pytest.fixture(scope="module")
def oxigraph_path(tmp_path_factory, private_cache_for_module) -> Path:
    """An on-disk store, after `kg --store oxigraph:PATH load`."""
    path = tmp_path_factory.mktemp("stores") / "kassis.oxigraph"
    result = kg("--store", f"oxigraph:{path}", "load")
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def stores(oxigraph_path, pushed) -> dict[str, list[str]]:
    """The group options of each store, by name."""
    return {
        "memory": ["--store", "memory"],
        "oxigraph": ["--store", f"oxigraph:{oxigraph_path}"],
        "sparql": pushed.store,
    }


# --- the same answers everywhere -----------------------------------------------------------------


def answers(stores: dict[str, list[str]], *args: str) -> dict[str, tuple[int, str]]:
    """What `kg ... query ARGS` prints on each store, with its exit code."""
    out = {}
    for name, options in stores.items():
        result = kg(*options, "query", *args)
        assert result.exit_code in (0, 1), (name, result.output)
        out[name] = (result.exit_code, result.stdout)
    return out


def assert_alike(saved: queries.SavedQuery, out: dict[str, tuple[int, str]]) -> None:
    """Exact text where the query orders its rows; the same set of lines where it does not."""
    ordered = saved.form == "SELECT" and "ORDER BY" in saved.text.upper()
    memory_code, memory_text = out["memory"]
    assert memory_text.strip(), f"{saved.name} printed nothing on memory"
    for name in ("oxigraph", "sparql"):
        code, text = out[name]
        assert code == memory_code, (saved.name, name)
        if ordered:
            assert text == memory_text, f"{saved.name} on {name} differs from memory"
        else:
            assert sorted(text.splitlines()) == sorted(memory_text.splitlines()), (saved.name, name)


def output_format(saved: queries.SavedQuery) -> list[str]:
    return {"SELECT": ["--format", "tsv"], "ASK": [], "CONSTRUCT": ["--format", "nt"]}[saved.form]


@pytest.mark.parametrize("saved", SAVED, ids=[q.name for q in SAVED])
def test_every_saved_query_answers_alike_on_every_store(stores, saved):
    assert_alike(saved, answers(stores, saved.name, *output_format(saved), *param_options(saved)))


PARAMETERS = [
    ("claims-by-source", {"source": "src:guardian-2016-11-23-trump-son"}),
    ("entities-named", {"name": "syrie"}),
    ("entities-named", {"name": 'x" } } ; DROP ALL ; SELECT * { "\nsyr'}),  # one literal
    ("sources-published-in", {"year": "2015"}),
    ("timeline", {"from": "2014-01-01"}),
    ("timeline", {"from": "2012-08-31", "to": "2016-12-31"}),
    ("claims-by-source", {"source": "src:wikipedia-randa-kassis"}),
    ("entity-card", {"entity": "kgr:fabien-baussart"}),
    (
        "is-fact-sourced",
        {
            "subject": "kgr:randa-kassis",
            "predicate": "schema:spouse",
            "object": "kgr:fabien-baussart",
        },
    ),
    (
        "is-fact-sourced",
        {
            "subject": "kgr:randa-kassis",
            "predicate": "schema:spouse",
            "object": "kgr:sergey-lavrov",
        },
    ),
    (  # the derived inverse of the authored spouse fact answers too
        "is-fact-sourced",
        {
            "subject": "kgr:fabien-baussart",
            "predicate": "schema:spouse",
            "object": "kgr:randa-kassis",
        },
    ),
]


@pytest.mark.parametrize(
    ("name", "values"), PARAMETERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(PARAMETERS)]
)
def test_saved_queries_with_parameters_answer_alike_on_every_store(stores, name, values):
    saved = queries.get_query(TREE, name)
    params = [option for key, value in values.items() for option in ("-p", f"{key}={value}")]
    out = answers(stores, name, *params, *output_format(saved))
    assert_alike(saved, out)
    if saved.form == "ASK":
        expected = (1, "false\n") if "lavrov" in values["object"] else (0, "true\n")
        assert out["sparql"] == expected
    if values == {"from": "2014-01-01"}:  # day ranges compare alike everywhere: 2014 in, 2013 out
        for _, text in out.values():
            assert "book-le-chaos-syrien" in text and "book-crypts-of-the-gods" not in text


def test_a_hostile_parameter_value_is_one_literal_everywhere(stores):
    out = answers(stores, "entities-named", "-p", 'name=a" } } DROP ALL #', "--format", "tsv")
    assert {text for _, text in out.values()} == {"?entity\t?matchedName\t?language\t?types\n"}


def test_every_store_gives_the_same_result_type(oxigraph_path, pushed):
    books = queries.get_query(TREE, "books")
    for spec in ("memory", f"oxigraph:{oxigraph_path}", f"sparql:{pushed.query_url}"):
        result = result_of(open_store(spec, TREE), books)
        assert isinstance(result, Result) and result.form == "SELECT"
        assert sorted(row[-1].value for row in result.rows) == [
            "9781492880608",
            "9782810007318",
            "9782940523634",
            "9791093501031",
        ]


DESCRIBED = [
    "DESCRIBE kgr:randa-kassis",
    "DESCRIBE <https://kg.example.org/kassis/id/astana-platform> kgr:sochi",
    "DESCRIBE ?book WHERE { ?book a schema:Book ; schema:numberOfPages ?n } ORDER BY ?n LIMIT 2",
    "DESCRIBE * WHERE { ?book schema:isbn ?isbn }",
]


@pytest.mark.parametrize("text", DESCRIBED)
def test_describe_is_the_same_bounded_description_on_every_store(stores, text):
    out = answers(stores, "--sparql", text, "--format", "nt")
    assert len({body for _, body in out.values()}) == 1, out  # byte for byte: sorted triples
    _, body = out["memory"]
    subjects = {line.split(" ", 1)[0] for line in body.splitlines()}
    assert subjects and all(s.startswith("<https://kg.example.org/kassis/") for s in subjects)
    if text.startswith("DESCRIBE kgr:randa-kassis"):
        assert subjects == {"<https://kg.example.org/kassis/id/randa-kassis>"}  # no inbound triples


# --- loading and pushing -------------------------------------------------------------------------


def test_load_builds_an_oxigraph_store_and_says_what_it_holds(tmp_path, loaded):
    path = tmp_path / "built"
    result = kg("--store", f"oxigraph:{path}", "load")
    assert result.exit_code == 0, result.output
    claims = len(loaded.claim_names)
    assert re.fullmatch(
        rf"oxigraph:{re.escape(str(path))}: {len(loaded.graph):,} triples in the default graph, "
        rf"{claims} claim graphs \(built in \d+\.\d s\)\n",
        result.stdout,
    )
    again = kg("--store", f"oxigraph:{path}", "load")  # replaces, never adds
    assert again.stdout.split(" (built")[0] == result.stdout.split(" (built")[0]


def test_opening_a_missing_oxigraph_store_says_how_to_build_it(tmp_path):
    missing = tmp_path / "nothing-here"
    result = kg("--store", f"oxigraph:{missing}", "query", "books")
    assert fails_with_one_line(result) == (
        f"Error: no Oxigraph store at {missing}; build it with "
        f"`kg --store oxigraph:{missing} load`\n"
    )


def test_load_refuses_a_folder_that_is_not_a_store(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = kg("--store", f"oxigraph:{tmp_path}", "load")
    fails_with_one_line(result, "not a kg store", "new or empty folder")
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_push_fills_one_named_graph_and_pushing_again_never_duplicates(pushed, loaded):
    triples = len(loaded.graph)
    assert pushed.count() == triples
    assert pushed.count(graph=None) == 0  # nothing in the server's default graph
    result = kg(*pushed.store, "push")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"sparql:{pushed.query_url}: {triples:,} triples in graph <{GRAPH_IRI}> (pushed in "
    )
    assert pushed.count() == triples
    batched = kg(*pushed.store, "push", "--batch", "300")  # a PUT, then POSTs
    assert batched.exit_code == 0, batched.output
    assert pushed.count() == triples
    update = ["--update-url", pushed.update_url]
    by_update = kg(*pushed.store, *update, "push", "--via", "update", "--batch", "700")
    assert by_update.exit_code == 0, by_update.output
    assert pushed.count() == triples


def test_push_and_load_go_with_their_kind_of_store(pushed):
    fails_with_one_line(kg("push"), "give --store sparql:URL")
    fails_with_one_line(kg(*pushed.store, "load"), "push")


def test_load_on_memory_fills_the_cache():
    result = kg("load")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"memory: parsed {REPO}: ")


# --- export, why, validate -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["nt", "nq", "turtle"])
def test_export_from_a_store_equals_the_memory_export(stores, fmt):
    memory = kg("export", "--format", fmt).stdout_bytes
    for name in ("oxigraph", "sparql"):
        assert kg(*stores[name], "export", "--format", fmt).stdout_bytes == memory, name


@pytest.mark.parametrize("store", ["oxigraph", "sparql"])
def test_why_works_on_a_store_without_file_locations(stores, store):
    memory = kg("why", "Randa Kassis")
    result = kg(*stores[store], "why", "Randa Kassis")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Randa Kassis (kgr:randa-kassis): ")
    # A store holds triples, not where they were written: the same text without file:line.
    assert result.stdout == re.sub(r" \(data/[^)]+:\d+\)", "", memory.stdout)


@pytest.mark.parametrize("store", ["oxigraph", "sparql"])
def test_validate_conforms_on_a_store(stores, store):
    memory = kg("validate")
    result = kg(*stores[store], "validate")
    assert result.exit_code == 0, result.output
    assert result.stdout == memory.stdout
    assert result.stdout.startswith("Conforms. The graph holds ")


def test_memory_is_the_default_and_keeps_its_graph_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    plain = kg("query", "books")
    assert kg("--store", "memory", "query", "books").stdout == plain.stdout
    assert kg("query", "books", env={"KG_STORE": "memory"}).stdout == plain.stdout
    assert list((tmp_path / "cache").glob("graph-*.nq"))


def test_kg_store_is_read_from_the_environment(oxigraph_path):
    result = kg("query", "books", env={"KG_STORE": f"oxigraph:{oxigraph_path}"})
    assert result.exit_code == 0
    assert result.stdout == kg("query", "books").stdout


def test_query_on_oxigraph_does_not_import_pyshacl(oxigraph_path, tmp_path):
    from tests.test_lean import imported_by

    args = ("--store", f"oxigraph:{oxigraph_path}", "query", "books", "--format", "csv")
    modules = imported_by(*args, tmp_path=tmp_path)
    assert not [m for m in modules if m.startswith(("pyshacl", "owlrl"))]


def test_query_on_oxigraph_leaves_parsing_to_oxigraph(oxigraph_path, tmp_path):
    """rdflib's SPARQL parser is never imported to answer a query: kg.queries.check reads the
    tokens, Oxigraph parses."""
    from tests.test_lean import imported_by

    args = ("--store", f"oxigraph:{oxigraph_path}", "query", "claims-by-source", "--format", "csv")
    modules = imported_by(*args, tmp_path=tmp_path)
    assert "pyoxigraph" in modules  # the probe sees the run
    assert not [m for m in modules if m.startswith("rdflib.plugins.sparql")]


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o . SERVICE <http://example.org/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT ?s WHERE { ?s ?p ?o .service<http://example.org/>{ ?s ?p ?o } }", "SERVICE"),
        (
            "SELECT ?s WHERE { ?s ?p ?o . \\u0053ERVICE <http://example.org/> { ?s ?p ?o } }",
            "SERVICE",
        ),
        ("SELECT ?s from <http://example.org/> WHERE { ?s ?p ?o }", "FROM"),
        ("SELECT ?s FROM NAMED <http://example.org/> WHERE { ?s ?p ?o }", "FROM"),
        ("SELECT ?s FROMex:g WHERE { ?s ?p ?o }", "FROM"),  # engines read FROM ex:g
    ],
)
def test_service_and_from_are_refused_on_every_store(stores, text, refused):
    for options in stores.values():
        fails_with_one_line(kg(*options, "query", "--sparql", text), refused, "not allowed")


@pytest.mark.parametrize(
    "text",
    [
        "# SERVICE in a comment is fine\nSELECT ?s WHERE { ?s ?p 'from' }",  # and in a string
        "SELECT ?fromDate WHERE { ?s prov:wasDerivedFrom ?fromDate }",
        "SELECT ?s WHERE { ?s <http://example.org/from> ?o }",
    ],
)
def test_words_that_only_look_like_service_or_from_run(text):
    assert queries.check(queries.from_text(text, "--sparql")).form == "SELECT"


def test_malformed_sparql_reads_the_same_on_oxigraph_and_memory(oxigraph_path):
    text = "SELECT ?s WHERE {\n  ?s ?p \n}"
    memory = kg("query", "--sparql", text)
    oxigraph = kg("--store", f"oxigraph:{oxigraph_path}", "query", "--sparql", text)
    line = fails_with_one_line(oxigraph, "--sparql:3:", "malformed SPARQL")
    assert line == fails_with_one_line(memory)


# --- kg serve over a store -----------------------------------------------------------------------


@pytest.mark.parametrize("store", ["oxigraph", "sparql"])
def test_serve_answers_from_a_store(stores, store, monkeypatch):
    """Workers query the store (an oxigraph: one opened read-only in each); pages read its graph.

    The sparql: store's GSP URL is not needed to query, so KG_STORE alone names it."""
    monkeypatch.setenv("KG_STORE", stores[store][1])
    server = RunningServer("--workers", "1")
    try:
        source = "src:guardian-2016-11-23-trump-son"
        request = urllib.request.Request(
            f"{server.url}/api/claims-by-source?source={source}", headers={"Accept": "text/csv"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            served = response.read().decode()
        memory = kg("query", "claims-by-source", "-p", f"source={source}", "--format", "csv")
        assert served.replace("\r\n", "\n") == memory.stdout  # CliRunner reads CRLF as LF
        assert served.count("\r\n") > 2  # a header and rows, not an error
        page = urllib.request.Request(
            f"{server.url}/id/fabien-baussart", headers={"Accept": "text/html"}
        )
        with urllib.request.urlopen(page, timeout=30) as response:
            assert "Kassis is married to Fabien Baussart" in response.read().decode()
    finally:
        server.stop()


# --- failures: one line, exit 2 ------------------------------------------------------------------


def test_an_unknown_store_spec_lists_the_accepted_forms():
    for spec in ("postgres://db", "oxigraph:", "sparql:ftp://host/x", "memory:x"):
        fails_with_one_line(
            kg("--store", spec, "query", "books"),
            f"unknown store '{spec}'",
            "memory, oxigraph:PATH",
            "sparql:URL",
        )
    fails_with_one_line(kg("query", "books", env={"KG_STORE": "nope"}), "unknown store 'nope'")


def test_connection_refused_is_one_line():
    url = f"http://127.0.0.1:{free_port()}/query"  # nothing listens there
    result = kg("--store", f"sparql:{url}", "query", "books")
    assert fails_with_one_line(result) == (
        f"Error: cannot reach {url}: connection refused; is the SPARQL engine running there? "
        "check the URL and port\n"
    )


def test_a_wrong_path_on_a_live_server_is_one_line(oxigraph_server):
    url = f"{oxigraph_server.base}/no-such-endpoint"
    result = kg("--store", f"sparql:{url}", "query", "books")
    fails_with_one_line(result, f"{url} answered HTTP 404", "check the URL")


class Stub:
    """A tiny HTTP server on loopback answering every request with one canned response."""

    def __init__(self, status: int, media: str, body: bytes) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(status)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_PUT = do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub(request):
    made = Stub(*request.param)
    yield made
    made.close()


@pytest.mark.parametrize(
    ("stub", "words"),
    [
        (
            (500, "text/plain", b"boom: the engine fell over\nsecond line"),
            ["failed: HTTP 500", "boom: the engine fell over second line"],
        ),
        (
            (503, "text/html", b"<html><body><h1>Down for maintenance</h1></body></html>"),
            ["failed: HTTP 503", "Down for maintenance"],
        ),
        ((200, "text/html", b"<html>a web page</html>"), ["did not answer with SPARQL results"]),
        (
            (200, "application/json", b'{"hello": 1}'),
            ["not answer with SPARQL JSON results", "'boolean' or a 'results' key"],
        ),
        ((200, "application/sparql-results+json", b"{not json"), ["SPARQL JSON results"]),
    ],
    indirect=["stub"],
    ids=["500", "503-html", "html-page", "json-not-sparql", "broken-json"],
)
def test_an_engine_that_fails_or_answers_nonsense_is_one_line(stub, words):
    result = kg("--store", f"sparql:{stub.url}", "query", "books")
    fails_with_one_line(result, *words)


@pytest.mark.parametrize("stub", [(200, "text/html", b"<html/>")], indirect=True)
def test_a_construct_answered_with_html_is_one_line(stub):
    result = kg("--store", f"sparql:{stub.url}", "query", "entity-card", "-p", "entity=kgr:sochi")
    fails_with_one_line(result, "did not answer with SPARQL results (got text/html)")


@pytest.mark.parametrize("stub", [(500, "text/plain", b"disk full")], indirect=True)
def test_a_failed_push_is_one_line(stub):
    result = kg("--store", f"sparql:{stub.url}", "push")
    fails_with_one_line(result, "failed: HTTP 500", "disk full")


def test_an_engine_that_never_answers_times_out():
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/query"
        began = time.monotonic()
        result = kg("--timeout", "1", "--store", f"sparql:{url}", "query", "books")
        assert time.monotonic() - began < 10
    assert fails_with_one_line(result) == (
        f"Error: {url} did not answer within 1 s; is the engine overloaded? raise --timeout or "
        "narrow the query\n"
    )


def test_a_host_that_does_not_resolve_is_one_line(monkeypatch):
    def no_such_host(host, *args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # the lookup fails, offline
    result = kg("--store", "sparql:http://no-such-host.example/query", "query", "books")
    assert fails_with_one_line(result) == (
        "Error: cannot reach http://no-such-host.example/query: no host named "
        "'no-such-host.example' (DNS lookup failed); check the URL\n"
    )


def test_store_options_belong_to_a_sparql_store():
    with pytest.raises(StoreError, match="goes with a sparql:URL store"):
        parse_spec("memory", gsp_url="http://127.0.0.1:1/store")
    with pytest.raises(StoreError, match="takes an http"):
        parse_spec("sparql:http://127.0.0.1:1/query", update_url="file:///etc/passwd")


def test_every_query_is_checked_before_it_is_sent(pushed, oxigraph_path, loaded):
    for options in (pushed.store, ["--store", f"oxigraph:{oxigraph_path}"]):
        for text, words in (
            ("DELETE WHERE { ?s ?p ?o }", "SPARQL Update (DELETE) is not allowed"),
            ("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }", "SERVICE"),
            ("SELECT * FROM <http://example.org/> WHERE { ?s ?p ?o }", "FROM and FROM NAMED"),
        ):
            fails_with_one_line(kg(*options, "query", "--sparql", text), words)
    assert pushed.count() == len(loaded.graph)  # the update never reached the engine


# --- VALUES for engines that cannot take bindings ------------------------------------------------


def parses(text: str) -> None:
    """Oxigraph parses `text` (on an empty store: nothing to answer)."""
    import pyoxigraph

    pyoxigraph.Store().query(text)


TERM = {"_name_en": Literal('a "b" } { c', language="en")}
VALUES = 'VALUES (?_name_en) { ("a \\"b\\" } { c"@en) }'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "SELECT ?x WHERE { ?x ?p ?_name_en }",
            f"SELECT ?x WHERE {{ {VALUES} ?x ?p ?_name_en }}",
        ),
        (  # no WHERE keyword; 'where' and '{' in comments, strings and names are not syntax
            'PREFIX where: <http://e/#>\nASK { # where {\n ?where where:p "WHERE {" }',
            "PREFIX where: <http://e/#>\n"
            f'ASK {{ {VALUES} # where {{\n ?where where:p "WHERE {{" }}',
        ),
        (  # the template of a CONSTRUCT is skipped
            "CONSTRUCT { ?s ?p ?_name_en } WHERE { ?s ?p ?_name_en }",
            f"CONSTRUCT {{ ?s ?p ?_name_en }} WHERE {{ {VALUES} ?s ?p ?_name_en }}",
        ),
        (  # ... also without WHERE
            "CONSTRUCT { ?s ?p ?_name_en } { ?s ?p ?_name_en }",
            f"CONSTRUCT {{ ?s ?p ?_name_en }} {{ {VALUES} ?s ?p ?_name_en }}",
        ),
        (  # the short form is spelled out
            "CONSTRUCT WHERE { ?s ?p ?_name_en }",
            f"CONSTRUCT {{ ?s ?p ?_name_en }} WHERE {{ {VALUES} ?s ?p ?_name_en }}",
        ),
        (  # a group that is a sub-select is wrapped
            "SELECT * WHERE { SELECT ?x WHERE { ?x ?p ?_name_en } }",
            f"SELECT * WHERE {{ {VALUES} {{ SELECT ?x WHERE {{ ?x ?p ?_name_en }} }} }}",
        ),
        (  # EXISTS in the projection is not the WHERE group
            "SELECT (EXISTS { ?a ?b ?c } AS ?e) WHERE { ?x ?p ?_name_en }",
            f"SELECT (EXISTS {{ ?a ?b ?c }} AS ?e) WHERE {{ {VALUES} ?x ?p ?_name_en }}",
        ),
    ],
)
def test_values_go_first_in_the_outermost_where_group(text, expected):
    written = inline_values(text, TERM)
    assert written == expected
    parses(written)  # still SPARQL


def test_inline_values_keeps_the_term_a_term():
    import pyoxigraph

    store = pyoxigraph.Store()
    for value in ('x" } } ; DROP ALL #', "line\nbreak", 'ends with "', "back\\slash"):
        for term in (Literal(value), Literal(value, language="en")):
            text = inline_values("SELECT ?v WHERE { }", {"v": term})
            [row] = list(store.query(text))
            assert (row["v"].value, row["v"].language) == (value, term.language)
    iri = NamedNode("https://kg.example.org/kassis/id/randa-kassis")
    assert "<https://kg.example.org/kassis/id/randa-kassis>" in inline_values(
        "ASK { ?s ?p ?o }", {"s": iri}
    )


def test_with_constants_writes_each_bound_variable_as_its_term():
    iri = NamedNode("https://kg.example.org/kassis/id/randa-kassis")
    text = (
        "SELECT ?x WHERE { # ?_s in a comment\n"
        '  ?_s ?p ?x . $_s ?q "?_s in a string" . ?_sx ?r <http://e/?_s> }'
    )
    assert with_constants(text, {"_s": iri}) == (
        "SELECT ?x WHERE { # ?_s in a comment\n"
        f'  {iri} ?p ?x . {iri} ?q "?_s in a string" . ?_sx ?r <http://e/?_s> }}'
    )


def test_with_constants_keeps_the_term_a_term():
    import pyoxigraph

    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(*(pyoxigraph.NamedNode("http://e/x") for _ in range(3))))
    for value in ('x" } } ; DROP ALL #', "line\nbreak", 'ends with "', "back\\slash"):
        for term in (Literal(value), Literal(value, language="en")):
            text = with_constants("SELECT ?v WHERE { ?s ?p ?o BIND(?_v AS ?v) }", {"_v": term})
            [row] = list(store.query(text))
            assert (row["v"].value, row["v"].language) == (value, term.language)


def test_a_projected_parameter_is_bound_and_answered_alike(stores):
    """A constant cannot stand in a projection: the store falls back to substitution."""
    text = (
        "PREFIX schema: <https://schema.org/>\n"
        "SELECT ?_person_iri ?name WHERE { ?_person_iri schema:name ?name } ORDER BY STR(?name)"
    )
    person = "person=https://kg.example.org/kassis/id/randa-kassis"
    out = {}
    for name, options in stores.items():
        result = kg(*options, "query", "--sparql", text, "-p", person, "--format", "csv")
        assert result.exit_code == 0, result.output
        out[name] = result.stdout
    assert len(set(out.values())) == 1, out
    assert out["memory"].startswith(
        "_person_iri,name\nhttps://kg.example.org/kassis/id/randa-kassis,"
    )


def test_a_store_holds_what_load_derives(oxigraph_path):
    store = open_store(f"oxigraph:{oxigraph_path}", TREE)
    fresh = load(TREE)
    assert set(store.graph()) == set(fresh.graph)
    assert store.loaded().claim_names == fresh.claim_names


def test_a_store_failing_under_kg_serve_is_a_502_not_a_bad_query():
    from kg.web.workers import Job, _answer, checked_query

    engine_down = open_store(f"sparql:http://127.0.0.1:{free_port()}/query", TREE)
    job = Job(checked_query("ASK { ?s ?p ?o }", "q", None, True), output_format="json")
    outcome = _answer(engine_down, job)
    assert outcome.status == 502
    assert outcome.error.startswith("cannot reach http://127.0.0.1:")
    assert "connection refused" in outcome.error
    bad = Job(checked_query("ASK { ?s ?p }", "q", None, True), output_format="json")
    assert _answer(engine_down, bad).status == 400  # the query itself is wrong: still 400
