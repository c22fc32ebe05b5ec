"""`kg serve` under abuse: read-only, capped, time-limited, never a traceback, never a file.

All traffic stays on loopback: the session's `server` (5 s, 1,000 rows) and one more server
started here with `--timeout 2 --max-rows 5` on a copy of the tree, to break on purpose.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningServer, copy_tree, free_port

KGR = "https://kg.example.org/kassis/id/"
SIMPLE = f"SELECT ?name WHERE {{ <{KGR}randa-kassis> <https://schema.org/name> ?name }}"
# Counting a triple cross product: Oxigraph must run it all (10^10 rows) before it answers.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
PASSWD_LINE = re.compile(r"root:[^:\n]*:0:0:")
WORKERS = 3  # --workers 2, and --saved-workers 1 kept for saved queries


@pytest.fixture(scope="module")
def strict_root(tmp_path_factory) -> Path:
    return copy_tree(tmp_path_factory.mktemp("strict") / "tree")


@pytest.fixture(scope="module")
def strict(strict_root, tmp_path_factory):
    """A second server, on a copy of the tree, with a 2 s time limit and a 5-row cap."""
    with pytest.MonkeyPatch.context() as patch:  # its workers cache graphs in the test's folder
        patch.setenv("KG_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "kg-cache"))
        # --no-reload: the processes counted here are the pool's, with no spares beside them
        running = RunningServer(
            "--timeout", "2", "--max-rows", "5", "--no-reload", root=strict_root
        )
    yield running
    running.stop()


def assert_json_error(response: httpx.Response, status: int, *fragments: str) -> str:
    """The response is a JSON error with this status and a message containing each fragment."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert "Traceback" not in response.text
    body = response.json()
    assert body["status"] == status
    message = body["error"]
    assert isinstance(message, str) and message.strip()
    for fragment in fragments:
        assert fragment in message
    return message


def get_query(server, text: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{server.url}/sparql", params={"query": text}, headers=headers, timeout=30)


def post_form(server, **fields: str) -> httpx.Response:
    return httpx.post(f"{server.url}/sparql", data=fields, timeout=30)


def post_body(server, body: bytes | str, content_type: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/sparql", content=body, headers={"Content-Type": content_type}, timeout=30
    )


# --- read-only ---------------------------------------------------------------------------

UPDATES = {
    "INSERT": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE": "DELETE WHERE { ?s ?p ?o }",
    "LOAD": "LOAD <file:///etc/passwd>",
    "CLEAR": "CLEAR ALL",
    "DROP": "DROP ALL",
}


@pytest.mark.parametrize("keyword", UPDATES)
def test_update_as_form_update_field_is_refused(server, keyword):
    assert_json_error(post_form(server, update=UPDATES[keyword]), 400, "read-only")


@pytest.mark.parametrize("keyword", UPDATES)
def test_update_as_sparql_update_body_is_refused(server, keyword):
    response = post_body(server, UPDATES[keyword], "application/sparql-update")
    assert_json_error(response, 400, "read-only")


@pytest.mark.parametrize("keyword", UPDATES)
def test_update_as_get_update_parameter_is_refused(server, keyword):
    response = httpx.get(f"{server.url}/sparql", params={"update": UPDATES[keyword]})
    assert_json_error(response, 400, "read-only")


@pytest.mark.parametrize("how", ["get", "form", "body"])
@pytest.mark.parametrize("keyword", UPDATES)
def test_update_sent_as_a_query_is_refused_by_name(server, keyword, how):
    text = UPDATES[keyword]
    response = {
        "get": lambda: get_query(server, text),
        "form": lambda: post_form(server, query=text),
        "body": lambda: post_body(server, text, "application/sparql-query"),
    }[how]()
    assert_json_error(response, 400, f"SPARQL Update ({keyword}) is not allowed")


def test_the_graph_is_unchanged_after_the_update_attempts(server):
    response = get_query(server, "ASK { <urn:a> <urn:b> <urn:c> }")
    assert response.json()["boolean"] is False
    response = get_query(server, f"ASK {{ <{KGR}randa-kassis> ?p ?o }}")
    assert response.json()["boolean"] is True


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM"),
        ("SELECT * FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM"),
        ("ASK FROM <file:///etc/passwd> { ?s ?p ?o }", "FROM"),
    ],
)
def test_service_and_from_are_refused(server, query, fragment):
    assert_json_error(get_query(server, query), 400, f"{fragment} ")
    assert_json_error(post_form(server, query=query), 400, f"{fragment} ")


@pytest.mark.parametrize("key", ["default-graph-uri", "named-graph-uri"])
def test_protocol_dataset_parameters_are_refused_like_from(server, key):
    response = httpx.get(
        f"{server.url}/sparql", params={"query": SIMPLE, key: "file:///etc/passwd"}
    )
    assert_json_error(response, 400, f"{key} is not allowed")
    assert_json_error(post_form(server, query=SIMPLE, **{key: "file:///etc/passwd"}), 400, key)


# --- malformed and oversized requests ------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ("SELECT * WHERE { ?s ?p }", "1:25"),  # where Oxigraph found the query incomplete
        ("SELECT *\nWHERE {\n  ?s ?p ?o .\n  FILTER(\n}", "5:2"),
        ("SELEC * WHERE { ?s ?p ?o }", "1:1"),
    ],
)
def test_malformed_sparql_is_400_with_line_and_column(server, query, position):
    assert_json_error(get_query(server, query), 400, f"query:{position}: malformed SPARQL")


def test_too_deeply_nested_query_is_400(server):
    query = "SELECT * WHERE " + "{ " * 200 + "?s ?p ?o" + " }" * 200
    assert_json_error(get_query(server, query), 400, "too complex")


def test_query_over_the_length_cap_is_413(server):
    text = SIMPLE + " #" + "x" * 20_000
    assert_json_error(get_query(server, text), 413, "at most 20,000")
    assert_json_error(post_body(server, text, "application/sparql-query"), 413, "at most 20,000")
    assert_json_error(post_form(server, query=text), 413, "at most 20,000")


def test_body_over_the_cap_is_413(server):
    body = b"x" * (64 * 1024 + 1)
    assert_json_error(post_body(server, body, "application/sparql-query"), 413, "65,536 bytes")


def test_chunked_body_over_the_cap_is_413_without_reading_it_all(server):
    def chunks():  # no Content-Length: the server must count as it reads
        for _ in range(200):
            yield b"x" * 1024

    response = httpx.post(
        f"{server.url}/sparql",
        content=chunks(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert_json_error(response, 413, "65,536 bytes")


def test_body_that_is_not_utf8_is_400(server):
    response = post_body(server, b"SELECT \xff\xfe", "application/sparql-query")
    assert_json_error(response, 400, "not UTF-8")


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", ""])
def test_unsupported_content_type_is_415(server, content_type):
    response = post_body(server, SIMPLE, content_type)
    assert_json_error(response, 415, "application/sparql-query")


def test_form_without_query_is_400(server):
    assert_json_error(post_form(server, q=SIMPLE), 400, "no 'query' field")


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (SIMPLE, "image/png"),
        (SIMPLE, "text/turtle"),
        ("ASK { ?s ?p ?o }", "application/ld+json"),
        (f"DESCRIBE <{KGR}randa-kassis>", "text/tab-separated-values"),
        (f"DESCRIBE <{KGR}randa-kassis>", "application/ld+json;q=0"),
    ],
)
def test_accept_nobody_can_satisfy_is_406(server, query, accept):
    response = get_query(server, query, Accept=accept)
    assert_json_error(response, 406, accept, "ask for")


def test_wrong_method_is_405_with_allow(server):
    response = httpx.post(f"{server.url}/api/books")
    assert_json_error(response, 405)
    assert "GET" in response.headers["allow"]
    response = httpx.delete(f"{server.url}/sparql")
    assert_json_error(response, 405)
    assert "POST" in response.headers["allow"]


# --- the time limit --------------------------------------------------------------------------


def query_workers(pid: int) -> set[int]:
    """The pids of a server's query worker processes (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        if parent == pid and b"spawn_main" in cmdline:
            found.add(int(entry.name))
    return found


def wait_until_idle(pid: int, deadline: float) -> None:
    """Wait until a process sleeps and has used no CPU for half a second (Linux /proc)."""
    last, quiet_since = None, time.monotonic()
    while time.monotonic() < deadline:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        state, ticks = fields[0], int(fields[11]) + int(fields[12])  # state, utime + stime
        if state != "S" or ticks != last:
            last, quiet_since = ticks, time.monotonic()
        elif time.monotonic() - quiet_since >= 0.5:
            return
        time.sleep(0.1)
    raise AssertionError(f"worker {pid} did not settle")


def runaway_beside_a_simple_query(server) -> tuple[httpx.Response, float, httpx.Response, float]:
    """Send the runaway query, and while it runs a simple one from another thread and another
    client address (one client runs one SPARQL query at a time: --per-client)."""
    outcome: dict = {}

    def simple() -> None:
        started = time.monotonic()
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(transport=transport, timeout=30) as other_client:
            outcome["simple"] = other_client.get(f"{server.url}/sparql", params={"query": SIMPLE})
        outcome["simple_seconds"] = time.monotonic() - started

    thread = threading.Thread(target=simple)
    started = time.monotonic()
    with ThreadPoolExecutor(1) as pool:
        runaway = pool.submit(get_query, server, RUNAWAY)
        time.sleep(0.3)  # let the runaway take a worker first
        thread.start()
        response = runaway.result()
    seconds = time.monotonic() - started
    thread.join(30)
    return response, seconds, outcome["simple"], outcome["simple_seconds"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts workers in /proc")
def test_runaway_query_is_stopped_and_its_worker_replaced(strict):
    before = query_workers(strict.process.pid)
    assert len(before) == WORKERS

    response, seconds, simple, simple_seconds = runaway_beside_a_simple_query(strict)
    assert_json_error(response, 503, "2 s time limit", "stopped")
    assert 1.8 <= seconds < 6, f"the runaway query took {seconds:.1f} s to stop"
    assert simple.status_code == 200
    assert simple_seconds < 1.5, f"a simple query beside it took {simple_seconds:.1f} s"
    print(f"\nrunaway stopped after {seconds:.2f} s; a query beside it took {simple_seconds:.2f} s")

    deadline = time.monotonic() + 30  # the killed worker is gone and a fresh one took its place
    while time.monotonic() < deadline:
        after = query_workers(strict.process.pid)
        if len(after) == WORKERS and after != before:
            break
        time.sleep(0.1)
    assert len(after) == WORKERS and len(after & before) == WORKERS - 1, (before, after)
    (fresh,) = after - before
    wait_until_idle(fresh, deadline)  # it has loaded the graph and waits for a job

    # With the replacement in place, it all works again: the pool did not shrink.
    response, seconds, simple, simple_seconds = runaway_beside_a_simple_query(strict)
    assert response.status_code == 503
    assert simple.status_code == 200 and simple_seconds < 1.5
    assert get_query(strict, SIMPLE).status_code == 200


def wait_for_full_pool(server, deadline: float) -> set[int]:
    while time.monotonic() < deadline:
        workers = query_workers(server.process.pid)
        if len(workers) == WORKERS:
            for pid in workers:
                wait_until_idle(pid, deadline)
            return workers
        time.sleep(0.1)
    raise AssertionError(f"the pool did not get back to {WORKERS} workers")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts workers in /proc")
def test_pool_recovers_when_a_replacement_cannot_start(strict, strict_root):
    """With the data broken mid-run, replacements fail: queries get a 503, never hang, and the
    pool refills by itself once the data is fixed."""
    wait_for_full_pool(strict, time.monotonic() + 30)
    data = strict_root / "data" / "places.trig"
    original = data.read_bytes()
    try:
        data.write_bytes(original + b"\nthis is not TriG .\n")
        for _ in range(2):  # each runaway kills a worker, whose replacement cannot load the data
            assert_json_error(get_query(strict, RUNAWAY), 503, "time limit")
        started = time.monotonic()
        response = get_query(strict, SIMPLE + "\n# not asked before: no kept answer")
        waited = time.monotonic() - started
        assert_json_error(response, 503, "no query worker came free within 4 s")
        assert waited < 8, f"a query on an empty pool waited {waited:.1f} s"
    finally:
        data.write_bytes(original)
    wait_for_full_pool(strict, time.monotonic() + 60)  # the retries, 5 s apart, now succeed
    assert get_query(strict, SIMPLE).status_code == 200


# --- the row cap -----------------------------------------------------------------------------


def test_select_rows_are_capped_with_a_notice(strict):
    response = get_query(strict, "SELECT * WHERE { ?s ?p ?o }")
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 5
    assert response.headers["x-kg-rows"] == "5"
    assert "cut at 5 rows" in response.headers["x-kg-truncated"]
    csv_rows = get_query(strict, "SELECT * WHERE { ?s ?p ?o }", Accept="text/csv").text
    assert len(csv_rows.strip().splitlines()) == 1 + 5


def test_graph_results_are_capped_too(strict):
    import rdflib

    response = get_query(strict, "CONSTRUCT WHERE { ?s ?p ?o }", Accept="application/n-triples")
    assert response.status_code == 200
    assert len(rdflib.Graph().parse(data=response.text, format="nt")) == 5
    assert "cut at 5 rows" in response.headers["x-kg-truncated"]


def test_results_within_the_cap_carry_no_notice(strict):
    response = get_query(strict, "SELECT * WHERE { ?s ?p ?o } LIMIT 5")
    assert len(response.json()["results"]["bindings"]) == 5
    assert "x-kg-truncated" not in response.headers


def test_openapi_follows_the_queries_folder(strict, strict_root):
    """The document is built once, then again only when a query file changes."""

    def documented() -> set[str]:
        return set(httpx.get(f"{strict.url}/api/openapi.json").json()["paths"])

    before = documented()
    assert documented() == before  # served again from the same build
    added = strict_root / "queries" / "her-names.rq"
    added.write_text("#+ summary: Her names\n" + SIMPLE + "\n", encoding="utf-8")
    try:
        assert documented() == before | {"/api/her-names"}
        response = httpx.get(f"{strict.url}/api/her-names")
        assert len(response.json()["results"]["bindings"]) == 2
    finally:
        added.unlink()
    assert documented() == before


# --- load -------------------------------------------------------------------------------


def test_fifty_concurrent_clients(server):
    clients, each = 50, 20

    def client(number: int) -> list[int]:
        statuses = []
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for request in range(each):
                if (number + request) % 2:
                    response = http.get("/api/books", headers={"Accept": "text/csv"})
                    ok = response.text.count("\r\n") == 5  # a header and the four books
                else:
                    response = http.get("/sparql", params={"query": SIMPLE})
                    ok = len(response.json()["results"]["bindings"]) == 2
                statuses.append(response.status_code if ok else -response.status_code)
        return statuses

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        statuses = [s for batch in pool.map(client, range(clients)) for s in batch]
    seconds = time.monotonic() - started
    print(f"\n{len(statuses)} requests from {clients} clients in {seconds:.1f} s")
    assert len(statuses) == clients * each
    assert set(statuses) == {200}
    assert seconds < 90


# --- no file outside the graph, no traceback -------------------------------------------------

TRICKS = [
    "/api/..%2F..%2Fetc%2Fpasswd",
    "/api/%2e%2e",
    "/api/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/api/..%5c..%5cetc%5cpasswd",
    "/api/books.rq",
    "/api/..",
    "/api/books/../../../../etc/passwd",
    "/id/../../etc/passwd",
    "/id/..%2F..%2Fetc%2Fpasswd",
    "/source/../../../etc/passwd",
    "/entity/%2e%2e/%2e%2e/etc/passwd",
    "/../../etc/passwd",
    "/sparql/../../etc/passwd",
    "/api/openapi.json/../../../etc/passwd",
]


@pytest.mark.parametrize("path", TRICKS)
def test_path_tricks_never_read_a_file(server, path):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", path)  # sent as written: no client-side normalisation
    response = connection.getresponse()
    body = response.read().decode("utf-8", "replace")
    connection.close()
    assert response.status < 500
    assert not PASSWD_LINE.search(body)
    assert "Traceback" not in body
    if response.status >= 400 and response.getheader("content-type") == "application/json":
        assert json.loads(body)["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/claims-by-source?source=file:///etc/passwd",
        "/api/claims-by-source?source=%3Cfile:///etc/passwd%3E",
        "/api/entity-card?entity=file:///etc/passwd",
    ],
)
def test_a_parameter_is_an_iri_never_a_file(server, path):
    response = httpx.get(f"{server.url}{path}")
    assert response.status_code == 200
    assert not PASSWD_LINE.search(response.text)


ERRORS = [
    ("GET", "/api/nope", {}, None, 404),
    ("GET", "/api/claims-by-source?source=a%20b", {}, None, 400),
    ("GET", "/api/books?limit=5", {}, None, 400),
    ("GET", "/api/books", {"Accept": "image/png"}, None, 406),
    ("GET", "/nowhere", {}, None, 404),
    ("GET", "/sparql?query=SELECT", {}, None, 400),
    ("POST", "/sparql", {"Content-Type": "text/plain"}, b"ASK {}", 415),
    ("PUT", "/sparql", {}, b"", 405),
    ("GET", "/sparql?query=" + "%20" * 20_001, {}, None, 413),
]


@pytest.mark.parametrize(("method", "path", "headers", "body", "status"), ERRORS)
def test_every_api_error_is_json_with_a_message(server, method, path, headers, body, status):
    response = httpx.request(method, f"{server.url}{path}", headers=headers, content=body)
    assert_json_error(response, status)


def test_page_errors_are_html_with_a_message(server):
    response = httpx.get(f"{server.url}/nowhere", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text and "Not Found" in response.text


# --- binding beyond loopback -----------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1"])
def test_serving_beyond_loopback_needs_allow_remote(host):
    env = {k: v for k, v in os.environ.items() if k != "KG_ROOT"}
    result = subprocess.run(
        [sys.executable, "-m", "kg.cli", "serve", "--host", host, "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        f"Error: --host {host} would expose the server beyond this machine; add --allow-remote "
        "if that is what you want"
    ]
    assert "Traceback" not in result.stderr
