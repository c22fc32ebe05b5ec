"""grlc 1.3.11 over kg's saved queries: each one works there and gives the rows of kg's /api.

A real grlc (PyPI `grlc==1.3.11`, in its own venv `.venv-grlc` made by `make
.venv-grlc/.installed`: it pins its own rdflib and Flask) serves a copy of queries/ in local-folder
mode, from a temporary folder holding its config.ini, on a free loopback port, with the session's
real `kg serve` as its SPARQL endpoint. When grlc is missing the test fails on CI (CI=true) and is
skipped elsewhere. grlc runs with a sitecustomize that refuses, and records, every connection
beyond loopback: a test fails if grlc tried one (in local mode it needs no GitHub).

The rest checks grlc's conventions in kg itself (pages, suffixes, `endpoint`, enumerations).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from kg import queries
from kg.iris import PREFIXES

from .conftest import REPO, RunningServer, ServerProcess, free_port

GRLC_VENV = REPO / ".venv-grlc"
KGR, SRC, SCHEMA = PREFIXES["kgr"], PREFIXES["src"], PREFIXES["schema"]
RDF_TYPE = PREFIXES["rdf"] + "type"
JSON_RESULTS = "application/sparql-results+json"
# What grlc's page (Swagger UI) offers for every query; it sends the one picked, the first by
# default, as Accept, and grlc passes that on to the endpoint unchanged.
GRLC_PRODUCES = ["text/csv", "application/json", "text/html"]

# Values beyond each query's `#+ defaults:`, for the parameterised queries.
EXPLICIT: list[tuple[str, dict[str, str]]] = [
    ("claims-by-source", {"source": SRC + "astanaplatform-com"}),
    ("entities-named", {"name": "Kassis"}),
    ("entities-named", {"name": "no such name at all"}),
    ("entity-card", {"entity": KGR + "randa-kassis"}),
    ("is-fact-sourced-select", {"object": KGR + "sergey-lavrov"}),
    ("is-fact-sourced-select", {"predicate": SCHEMA + "knows"}),
    ("sources-published-in", {"year": "2017"}),
    ("timeline", {"from": "2015-01-01", "to": "2016-12-31"}),
    ("timeline", {"from": "2017-01-01"}),
    ("facts-with-sources", {"page": "2"}),
    ("facts-with-sources", {"page": "3"}),
]

SHIPPED = {q.name: q for q in queries.list_queries(__import__("kg.tree").tree.find_tree(REPO))}


def examples(query: queries.SavedQuery) -> dict[str, str]:
    """The values a form starts from: the query's `#+ defaults:`."""
    return {p.name: p.default for p in query.parameters if p.default is not None}


def cases() -> list[tuple[str, dict[str, str]]]:
    found = [(q.name, examples(q)) for q in SHIPPED.values() if q.form != "ASK"]
    return found + [(name, examples(SHIPPED[name]) | values) for name, values in EXPLICIT]


def case_id(case: tuple[str, dict[str, str]]) -> str:
    name, values = case
    return name + "".join(f" {k}={v.rsplit('/', 1)[-1]}" for k, v in sorted(values.items()))


# --- a real grlc --------------------------------------------------------------------------

# Loaded into grlc's Python before grlc: a connection beyond loopback is refused and written down.
GUARD = """
import os, socket

_log = os.environ["KG_TEST_NETWORK_LOG"]
_connect, _getaddrinfo = socket.socket.connect, socket.getaddrinfo


def _local(host):
    return isinstance(host, str) and (host.startswith("127.") or host in ("::1", "localhost"))


def _note(what):
    with open(_log, "a") as out:
        out.write(what + "\\n")
    raise OSError("kg's test refused a connection beyond loopback: " + what)


def connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if self.family == socket.AF_UNIX or _local(host):
        return _connect(self, address)
    _note("connect %r" % (address,))


def getaddrinfo(host, *args, **kwargs):
    if host is None or _local(host):
        return _getaddrinfo(host, *args, **kwargs)
    _note("resolve %r" % (host,))


socket.socket.connect, socket.getaddrinfo = connect, getaddrinfo
"""


class Grlc(ServerProcess):
    """grlc's server (gunicorn, one worker) on a free loopback port, in local-folder mode."""

    def __init__(self, folder: Path, endpoint: str) -> None:
        self.folder = folder
        shutil.copytree(REPO / "queries", folder / "queries")
        (folder / "guard").mkdir()
        (folder / "guard" / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
        self.network_log = folder / "network.log"
        self.network_log.touch()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # grlc reads config.ini from its working folder (grlc/static.py).
        (folder / "config.ini").write_text(
            "[defaults]\n"
            f"sparql_endpoint = {endpoint}\n"
            f"server_name = 127.0.0.1:{self.port}\n"
            "debug = False\n"
            "[local]\n"
            f"local_sparql_dir = {folder / 'queries'}\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GRLC", "PYTHON"))}
        env |= {"PYTHONPATH": str(folder / "guard"), "KG_TEST_NETWORK_LOG": str(self.network_log)}
        env["HOME"] = str(folder)  # gunicorn keeps a control socket there
        command = [
            str(GRLC_VENV / "bin" / "gunicorn"),
            *("--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "2"),
            *("--timeout", "60", "grlc.server:app"),
        ]
        self.log = open(folder / "grlc.log", "w")  # noqa: SIM115 (closed in stop)
        try:  # its landing page: the API's description takes seconds to build
            super().__init__(
                command, f"{self.url}/", "grlc", probe_timeout=5,
                cwd=folder, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        except RuntimeError as error:
            self.log.close()
            raise RuntimeError(f"{error}: {(folder / 'grlc.log').read_text()}") from None

    def get(self, name: str, values: dict[str, str], accept: str = JSON_RESULTS):
        query = f"?{urlencode(values)}" if values else ""
        return httpx.get(
            f"{self.url}/api-local/{name}{query}", headers={"Accept": accept}, timeout=60
        )

    def stop(self) -> None:
        super().stop()
        self.log.close()


@pytest.fixture(scope="module")
def grlc(server, tmp_path_factory):
    if not (GRLC_VENV / "bin" / "gunicorn").exists():
        message = f"grlc is missing: `make .venv-grlc/.installed` installs it in {GRLC_VENV.name}"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(message + " (CI must run the grlc test)")
        pytest.skip(message)
    running = Grlc(tmp_path_factory.mktemp("grlc"), f"{server.url}/sparql")
    yield running
    running.stop()
    assert running.network_log.read_text() == "", "grlc tried to reach beyond loopback"


@pytest.fixture(scope="module")
def swagger(grlc) -> dict:
    # grlc parses every query with rdflib's parser for this: seconds, more on a busy machine.
    response = httpx.get(f"{grlc.url}/api-local/swagger", timeout=300)
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def openapi(server) -> dict:
    return httpx.get(f"{server.url}/api/openapi.json", timeout=30).json()


def kg_api(server, name: str, values: dict[str, str], accept: str = JSON_RESULTS):
    query = f"?{urlencode(values)}" if values else ""
    return httpx.get(f"{server.url}/api/{name}{query}", headers={"Accept": accept}, timeout=60)


def rows(response: httpx.Response) -> dict:
    """SPARQL JSON results' variables and rows, from an answer that must be one."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(JSON_RESULTS), response.text[:300]
    document = response.json()
    return {"vars": document["head"]["vars"], "rows": document["results"]["bindings"]}


# --- grlc runs every saved query ----------------------------------------------------------


def test_grlc_publishes_every_saved_query_but_the_ask(swagger):
    published = {path.strip("/") for path in swagger["paths"]}
    asks = {name for name, q in SHIPPED.items() if q.form == "ASK"}
    assert asks == {"is-fact-sourced"}
    assert published == set(SHIPPED) - asks
    # grlc says why it leaves the ASK out; its SELECT twin is published.
    assert (
        "is-fact-sourced: Query of type AskQuery is currently unsupported"
        in (swagger["info"]["description"])
    )
    assert "is-fact-sourced-select" in published


def test_grlc_and_kg_document_the_same_parameters(swagger, openapi):
    """Required in one is required in the other; the same examples (as grlc's `default`, which
    only fills its form) and the same enumerations; a `page` exactly where kg paginates."""
    for path, operation in swagger["paths"].items():
        name = path.strip("/")
        theirs = {p["name"]: p for p in operation["get"]["parameters"] if p["name"] != "endpoint"}
        ours = {p["name"]: p for p in openapi["paths"][f"/api/{name}"]["get"]["parameters"]}
        assert set(theirs) == set(ours), name
        for key, parameter in theirs.items():
            assert bool(parameter.get("required")) == ours[key]["required"], (name, key)
            assert parameter.get("default") == ours[key].get("example"), (name, key)
            assert sorted(parameter.get("enum", [])) == sorted(ours[key]["schema"].get("enum", []))
        assert operation["get"]["produces"] == GRLC_PRODUCES


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_grlc_gives_the_rows_of_kg_api(grlc, server, case):
    name, values = case
    if SHIPPED[name].form in ("CONSTRUCT", "DESCRIBE"):
        ours = kg_api(server, name, values, "text/turtle")
        theirs = grlc.get(name, values, "text/turtle")
        assert ours.status_code == theirs.status_code == 200, theirs.text
        assert theirs.headers["content-type"].startswith("text/turtle"), theirs.text[:300]
        assert theirs.content == ours.content  # kg sorts triples: the same bytes
        assert ours.headers["x-kg-rows"] != "0"
        return
    ours = rows(kg_api(server, name, values))
    assert rows(grlc.get(name, values)) == ours
    if values == examples(SHIPPED[name]) and name != "entities-named":
        assert ours["rows"], f"{name} answers nothing with its defaults"


@pytest.mark.parametrize("suffix", ["csv", "json", "html", "ttl"])
def test_grlc_suffixes_mean_the_same_in_kg(grlc, server, suffix):
    """`/api-local/<name>.csv` in grlc and `/api/<name>.csv` in kg: the same Accept reaches
    kg's engine, so the same bytes come back (or the same refusal)."""
    for name in ("books", "entity-card", "sources-published-in"):
        values = examples(SHIPPED[name])
        query = f"?{urlencode(values)}" if values else ""
        theirs = httpx.get(f"{grlc.url}/api-local/{name}.{suffix}{query}", timeout=60)
        ours = httpx.get(f"{server.url}/api/{name}.{suffix}{query}", timeout=60)
        # grlc answers 200 whatever the endpoint said, with the endpoint's body and type.
        assert theirs.content == ours.content, (name, suffix, ours.text[:200])
        assert theirs.headers["content-type"] == ours.headers["content-type"]
        assert ours.status_code == (406 if suffix == "ttl" and name != "entity-card" else 200)


@pytest.mark.parametrize("accept", ["text/csv", "text/turtle", "*/*"])
def test_a_construct_runs_from_grlc_as_its_form_asks(grlc, server, accept):
    """grlc's page asks every query for text/csv first: kg sends a graph as CSV, one triple a
    row (application/json, the second choice, is JSON-LD; text/html has no result format)."""
    values = examples(SHIPPED["entity-card"])
    theirs = grlc.get("entity-card", values, accept)
    ours = kg_api(server, "entity-card", values, accept)
    assert ours.status_code == 200 and theirs.content == ours.content
    if accept == "text/csv":
        header, *triples = csv.reader(io.StringIO(theirs.text))
        assert header == ["subject", "predicate", "object"]
        assert len(triples) == int(ours.headers["x-kg-rows"]) > 0
        assert [values["entity"], RDF_TYPE, SCHEMA + "Organization"] in triples


def test_a_required_parameter_left_out_is_refused_by_both(grlc, server):
    for query in SHIPPED.values():
        required = [p.name for p in query.parameters if p.required]
        if not required or query.form == "ASK":
            continue
        values = examples(query)
        values.pop(required[0])
        ours = kg_api(server, query.name, values)
        assert ours.status_code == 400
        assert f"needs the parameter {required[0]}" in ours.json()["error"]
        assert grlc.get(query.name, values).status_code == 500  # grlc's assertion, as a 500


def test_the_select_twin_of_the_ask_agrees_with_it(grlc, server):
    for extra in ({}, {"object": KGR + "sergey-lavrov"}, {"predicate": SCHEMA + "knows"}):
        values = examples(SHIPPED["is-fact-sourced"]) | extra
        asked = kg_api(server, "is-fact-sourced", values).json()["boolean"]
        twin = rows(grlc.get("is-fact-sourced-select", values))["rows"]
        assert len(twin) == 1 and twin[0]["sourced"]["value"] == str(asked).lower(), extra
    assert asked is False and extra  # the last one is a false case: the twin says false too


def test_pages_in_kg_follow_grlc(grlc, server):
    """`#+ pagination: 100` on facts-with-sources: page N is rows 100(N-1)+1..100N in both, and
    kg's Link header leads from the first page to the last; together the pages are the rows of
    the query without pages."""
    text = (REPO / "queries" / "facts-with-sources.rq").read_text(encoding="utf-8")
    whole = httpx.post(
        f"{server.url}/sparql",
        content=text.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": JSON_RESULTS},
        timeout=60,
    )
    everything = rows(whole)["rows"]
    assert len(everything) > 200  # three pages at least
    url, seen, number = f"{server.url}/api/facts-with-sources", [], 1
    while url is not None:
        response = httpx.get(url, headers={"Accept": JSON_RESULTS}, timeout=60)
        page = rows(response)["rows"]
        assert page == rows(grlc.get("facts-with-sources", {"page": str(number)}))["rows"]
        links = parse_links(response.headers["link"])
        assert links["first"] == f"{server.url}/api/facts-with-sources?page=1"
        assert ("prev" in links) == (number > 1)
        assert "last" not in links
        assert "x-kg-truncated" not in response.headers
        seen += page
        url, number = links.get("next"), number + 1
        assert url is None or url.endswith(f"?page={number}")
    assert seen == everything
    assert len(page) == len(everything) % 100 or len(page) == 100


def parse_links(header: str) -> dict[str, str]:
    found = {}
    for part in header.split(","):
        target, _, rel = part.partition(";")
        found[rel.strip().removeprefix("rel=")] = target.strip().strip("<>")
    return found


# --- grlc's conventions in kg -------------------------------------------------------------


def test_every_iri_default_is_a_full_iri():
    """grlc writes a value as given between < and >: `src:x` would be the IRI <src:x>."""
    for query in SHIPPED.values():
        for parameter in query.parameters:
            if parameter.kind == "iri" and parameter.default is not None:
                assert parameter.default.startswith(("https://", "http://")), query.name


def test_defaults_fill_forms_and_are_never_bound(server, shipped):
    query = SHIPPED["claims-by-source"]
    assert [p.required for p in query.parameters] == [True]
    with pytest.raises(queries.QueryError, match="needs the parameter source"):
        queries.bind(query, {})
    curie = {"source": "src:mee-2016-11-24-trump-son"}  # kg still takes a CURIE
    assert rows(kg_api(server, "claims-by-source", curie)) == rows(
        kg_api(server, "claims-by-source", examples(query))
    )
    optional = SHIPPED["timeline"]
    assert [p.required for p in optional.parameters] == [False, False]
    assert queries.bind(optional, {}) == {}


def test_page_numbers_are_checked(server):
    base = f"{server.url}/api/facts-with-sources"
    for bad in ("0", "-1", "two", "1.5", "99999999999999999999"):
        response = httpx.get(base, params={"page": bad}, timeout=30)
        assert response.status_code == 400, bad
        assert "page= takes a whole number from 1" in response.json()["error"]
    beyond = httpx.get(base, params={"page": "1000"}, headers={"Accept": JSON_RESULTS})
    assert rows(beyond)["rows"] == []
    assert parse_links(beyond.headers["link"]).keys() == {"prev", "first"}
    unpaged = httpx.get(f"{server.url}/api/books", params={"page": "2"}, timeout=30)
    assert unpaged.status_code == 400
    assert "has no pages" in unpaged.json()["error"]


def test_an_unknown_suffix_is_a_404_that_names_the_known_ones(server):
    response = httpx.get(f"{server.url}/api/books.xml", timeout=30)
    assert response.status_code == 404
    assert "/api/books.csv" in response.json()["error"]


def test_an_enumerated_parameter_takes_only_its_values(server):
    response = kg_api(server, "sources-published-in", {"year": "2099"})
    assert response.status_code == 400
    assert "takes one of 2011, 2012" in response.json()["error"]


def test_the_enumerated_years_are_the_years_sources_are_dated(server):
    """A guard against drift: the list in sources-published-in.rq is the graph's."""
    years = {
        row["year"]["value"]
        for row in rows(kg_api(server, "sources-by-year", {}))["rows"]
        if row["year"]["value"].isdigit()
    }
    (year,) = SHIPPED["sources-published-in"].parameters
    assert set(year.choices) == years


def test_kg_never_contacts_an_endpoint_a_query_or_a_request_names(tree_copy):
    """`#+ endpoint:` is grlc's: kg answers from its own graph and never opens a connection to
    it; grlc's `endpoint=` is refused unless it names kg's own /sparql."""
    with socket.socket() as elsewhere:
        elsewhere.bind(("127.0.0.1", 0))
        elsewhere.listen(8)
        elsewhere.setblocking(False)
        other = f"http://127.0.0.1:{elsewhere.getsockname()[1]}/sparql"
        books = (tree_copy / "queries" / "books.rq").read_text(encoding="utf-8")
        (tree_copy / "queries" / "books-elsewhere.rq").write_text(
            f"#+ endpoint: {other}\n#+ endpoint_in_url: False\n{books}", encoding="utf-8"
        )
        running = RunningServer(root=tree_copy)
        try:
            answered = rows(kg_api(running, "books-elsewhere", {}))
            assert answered == rows(kg_api(running, "books", {}))
            refused = kg_api(running, "books", {"endpoint": other})
            assert refused.status_code == 400
            assert "never sending a query elsewhere" in refused.json()["error"]
            own = kg_api(running, "books", {"endpoint": f"{running.url}/sparql"})
            assert rows(own) == answered
        finally:
            running.stop()
        with pytest.raises(BlockingIOError):
            elsewhere.accept()  # nobody came


def test_openapi_documents_pages_examples_and_enumerations(openapi):
    operation = openapi["paths"]["/api/facts-with-sources"]["get"]
    (page,) = operation["parameters"]
    assert page["name"] == "page" and page["schema"]["minimum"] == 1
    (year,) = openapi["paths"]["/api/sources-published-in"]["get"]["parameters"]
    assert year["required"] is True and year["example"] == "2016"
    assert "2016" in year["schema"]["enum"] and "default" not in year["schema"]
    json.dumps(openapi)
