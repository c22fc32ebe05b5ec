"""A hostile or careless SPARQL endpoint: redirects elsewhere, credentials in the URL, and an
engine that drips its answer a byte at a time.

kg talks only to the endpoint the user named (a redirect is followed only within its scheme,
host and port), never shows a password (`user:***@`), and --timeout bounds each request as a
whole. Every failure is one line, exit 2. The servers here are tiny loopback servers in threads,
each stopped by its fixture.
"""

from __future__ import annotations

import base64
import http.server
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.load import load
from kg.store import GRAPH_IRI, open_store, parse_spec, redact_url
from kg.store.sparql import AUTH_SCHEMES, GET_LIMIT, Endpoint
from kg.tree import find_tree
from tests.conftest import REPO, QuietHTTPServer, fails_with_one_line, free_port

ASK = "ASK { ?s ?p ?o }"
TRUE = b'{"head": {}, "boolean": true}'
SECRET = "s3cret-Pa55"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
COUNT_7 = (
    '{"head": {"vars": ["n"]}, "results": {"bindings": '
    f'[{{"n": {{"type": "literal", "value": "7", "datatype": "{XSD_INTEGER}"}}}}]}}}}'
).encode()


def kg(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def no_secret(result) -> None:
    assert SECRET not in result.output
    assert SECRET not in result.stderr


# --- servers -------------------------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = TRUE


class QuietServer(QuietHTTPServer, http.server.ThreadingHTTPServer):
    pass


class Loopback:
    """An HTTP server on 127.0.0.1 that records every request and answers with `answer(seen)`."""

    def __init__(self, answer) -> None:
        self.seen: list[Seen] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, self.path, dict(self.headers), self.rfile.read(length))
                outer.seen.append(seen)
                reply = answer(seen)
                self.send_response(reply.status)
                headers = {"Content-Type": "application/sparql-results+json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_PUT = do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers():
    """Make Loopback servers; all are stopped at the end of the test."""
    made: list[Loopback] = []

    def make(answer=lambda seen: Reply()) -> Loopback:
        made.append(Loopback(answer))
        return made[-1]

    yield make
    for server in made:
        server.close()


class Drip:
    """A raw TCP server on 127.0.0.1 that reads a request, then sends `reply` one byte every
    `interval` seconds until the client goes away, the test ends or `limit` seconds have
    passed (so a kg that never gives up fails the test instead of hanging it)."""

    def __init__(self, reply: bytes, interval: float = 0.2, limit: float = 10) -> None:
        self.ends = time.monotonic() + limit
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/sparql"
        self.reply, self.interval = reply, interval
        self.stop = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    connection.recv(65536)
                    for byte in self.reply:
                        if self.stop.wait(self.interval) or time.monotonic() > self.ends:
                            return
                        connection.sendall(bytes([byte]))
                        self.sent += 1
                except OSError:  # the client hung up: what kg should do at its deadline
                    continue

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()


@pytest.fixture
def drip(request):
    made = Drip(request.param)
    yield made
    made.close()


# --- redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_port_is_refused_and_the_other_server_hears_nothing(servers, code):
    other = servers()
    there = f"{other.base}/sparql"
    named = servers(lambda seen: Reply(code, {"Location": there}, b""))
    result = kg("--store", f"sparql:{named.base}/sparql", "query", "books")
    assert fails_with_one_line(result) == (
        f"Error: {named.base}/sparql redirected to {there}; kg only talks to the endpoint you "
        "named (it follows redirects only within its scheme, host and port): give that URL "
        "instead\n"
    )
    assert len(named.seen) == 1
    assert other.seen == []


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "ftp://127.0.0.1/graph", "https://127.0.0.1:{port}/sparql", "//x/y"],
    ids=["file", "ftp", "https-same-host-and-port", "scheme-relative-elsewhere"],
)
def test_a_redirect_to_another_scheme_is_refused(servers, location):
    named = servers(lambda seen: Reply(307, {"Location": location.format(port=named.port)}))
    result = kg("--store", f"sparql:{named.base}/sparql", "query", "--sparql", ASK)
    fails_with_one_line(result, "redirected to", "give that URL instead")
    assert len(named.seen) == 1


def test_a_redirect_elsewhere_never_shows_a_password_it_carries(servers):
    other = servers()
    named = servers(lambda seen: Reply(302, {"Location": f"http://u:{SECRET}@x.invalid/q?k=v"}))
    result = kg("--store", f"sparql:http://me:{SECRET}@127.0.0.1:{named.port}/q", "query", "books")
    fails_with_one_line(
        result, f"http://me:***@127.0.0.1:{named.port}/q redirected to http://u:***@x.invalid/q;"
    )
    no_secret(result)
    assert other.seen == []


def test_a_redirect_within_the_origin_is_followed_with_method_body_and_credentials(servers):
    def answer(seen: Seen) -> Reply:
        if seen.path.startswith("/old"):
            return Reply(308, {"Location": "/sparql/?moved=1"}, b"")
        if "Authorization" not in seen.headers:
            return Reply(401, {"WWW-Authenticate": 'Basic realm="kg"'}, b"")
        return Reply()

    named = servers(answer)
    long_ask = ASK + " " * GET_LIMIT  # too long for a GET: a form-encoded POST
    result = kg("--store", f"sparql:http://me:{SECRET}@127.0.0.1:{named.port}/old", "query",
                "--sparql", long_ask)  # fmt: skip
    assert (result.exit_code, result.stdout) == (0, "true\n"), result.output
    first, second, third = named.seen
    assert [s.method for s in named.seen] == ["POST", "POST", "POST"]
    assert second.path.startswith("/sparql/?moved=1") and third.path == second.path
    assert first.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert third.body == first.body and ASK in parse_qs(third.body.decode())["query"][0]
    assert third.headers["Authorization"] == basic("me", SECRET)


def test_a_short_query_is_a_get_and_a_long_one_a_form_post(servers):
    named = servers()
    store = open_store(f"sparql:{named.base}/sparql?key=1", find_tree(REPO))
    assert store.send(ASK, "ASK").boolean is True
    assert store.send(ASK + " " * GET_LIMIT, "ASK").boolean is True
    short, long = named.seen
    assert short.method == "GET" and short.body == b""
    fields = parse_qs(urlsplit(short.path).query)
    assert fields == {"key": ["1"], "query": [ASK], "default-graph-uri": [GRAPH_IRI]}
    assert long.method == "POST" and long.path == "/sparql?key=1"
    assert parse_qs(long.body.decode())["query"] == [ASK + " " * GET_LIMIT]


def test_an_engine_that_refuses_the_form_is_sent_the_query_itself(servers):
    def answer(seen: Seen) -> Reply:
        if seen.headers.get("Content-Type", "").startswith("application/sparql-query"):
            return Reply()
        return Reply(415 if seen.method == "POST" else 405, {}, b"")

    named = servers(answer)
    store = open_store(f"sparql:{named.base}/sparql", find_tree(REPO))
    assert store.send(ASK, "ASK").boolean is True
    assert [s.method for s in named.seen] == ["GET", "POST", "POST"]
    assert named.seen[-1].body == ASK.encode()
    assert parse_qs(urlsplit(named.seen[-1].path).query) == {"default-graph-uri": [GRAPH_IRI]}


def test_endless_redirects_within_the_origin_stop(servers):
    hops = iter(range(100))
    named = servers(lambda seen: Reply(307, {"Location": f"/hop{next(hops)}"}, b""))
    result = kg("--store", f"sparql:{named.base}/sparql", "query", "--sparql", ASK)
    fails_with_one_line(result, "redirected more than 5 times")
    assert len(named.seen) == 6


def test_a_redirect_without_a_location_is_one_line(servers):
    named = servers(lambda seen: Reply(302, {}, b""))
    result = kg("--store", f"sparql:{named.base}/sparql", "query", "--sparql", ASK)
    fails_with_one_line(result, "HTTP 302", "without a Location")


# --- credentials in the URL ------------------------------------------------------------------


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def guarded(servers):
    """An engine that answers only to HTTP Basic as `reader` with SECRET (or `p@ss:word`)."""
    accepted = {basic("reader", SECRET), basic("reader", "p@ss:word")}

    def answer(seen: Seen) -> Reply:
        if seen.headers.get("Authorization") in accepted:
            return Reply()
        given = seen.headers.get("Authorization", "Basic ").split()[-1]
        said = base64.b64decode(given).decode() if given != "Basic" else "nothing"
        body = f"<p>no entry for <b>{said}</b></p>".encode()  # a careless page echoes it
        challenge = {"WWW-Authenticate": 'Basic realm="kg"'}
        return Reply(401, {"Content-Type": "text/html", **challenge}, body)

    return servers(answer)


def test_credentials_in_the_url_answer_the_challenge_and_are_not_in_the_request(guarded):
    url = f"http://reader:{SECRET}@127.0.0.1:{guarded.port}/sparql"
    result = kg("--store", f"sparql:{url}", "query", "--sparql", ASK)
    assert (result.exit_code, result.stdout) == (0, "true\n"), result.output
    challenged, seen = guarded.seen
    assert "Authorization" not in challenged.headers  # nothing is sent before it is asked for
    assert seen.headers["Authorization"] == basic("reader", SECRET)
    assert seen.headers["Host"] == f"127.0.0.1:{guarded.port}"
    assert SECRET not in seen.path and "reader" not in seen.path


def test_a_percent_encoded_password_is_decoded(guarded):
    url = f"http://reader:p%40ss%3Aword@127.0.0.1:{guarded.port}/sparql"
    result = kg("--store", f"sparql:{url}", "query", "--sparql", ASK)
    assert (result.exit_code, result.stdout) == (0, "true\n"), result.output


def test_wrong_credentials_are_one_line_with_401_and_no_password(guarded):
    result = kg("--store", f"sparql:http://reader:wrong-{SECRET}@127.0.0.1:{guarded.port}/sparql",
                "query", "books")  # fmt: skip
    message = fails_with_one_line(
        result,
        f"http://reader:***@127.0.0.1:{guarded.port}/sparql answered HTTP 401 Unauthorized",
        "refuses the credentials given for 'reader' (from the URL; schemes offered: basic)",
        "check the user and password",
    )
    no_secret(result)
    assert "wrong-" not in message


def test_no_credentials_where_they_are_needed_says_how_to_give_them(guarded):
    result = kg("--store", f"sparql:{guarded.base}/sparql", "query", "books")
    fails_with_one_line(result, "HTTP 401", "asks for credentials", "USER:PASSWORD@",
                        "$KG_SPARQL_USER", "$KG_SPARQL_TOKEN", "~/.netrc")  # fmt: skip
    no_secret(result)


def test_an_unreachable_url_with_credentials_is_refused_not_a_dns_failure():
    port = free_port()  # nothing listens there
    result = kg("--store", f"sparql:http://reader:{SECRET}@127.0.0.1:{port}/sparql", "query",
                "books")  # fmt: skip
    assert fails_with_one_line(result) == (
        f"Error: cannot reach http://reader:***@127.0.0.1:{port}/sparql: connection refused; "
        "is the SPARQL engine running there? check the URL and port\n"
    )
    no_secret(result)


def test_a_failed_push_with_credentials_shows_no_password(servers):
    named = servers(lambda seen: Reply(500, {"Content-Type": "text/plain"}, b"disk full"))
    result = kg("--store", f"sparql:http://reader:{SECRET}@127.0.0.1:{named.port}/store", "push")
    fails_with_one_line(result, "reader:***@", "failed: HTTP 500", "disk full")
    no_secret(result)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"http://reader:{SECRET}@h:8080/q?x=1", "http://reader:***@h:8080/q?x=1"),
        (f"https://{SECRET}@h/q", "https://***@h/q"),  # a user alone is often a token
        (f"http://a:b/{SECRET}@h/q", f"http://a:b/{SECRET}@h/q"),  # '/' ends the authority
        (f"http://u:{SECRET}@[::1/q", "http://u:***@[::1/q"),  # unreadable to urllib: still hid
        ("http://h/q", "http://h/q"),
    ],
)
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_a_store_spec_never_shows_its_password():
    spec = parse_spec(f"sparql:http://reader:{SECRET}@127.0.0.1:1/sparql")
    assert str(spec) == "sparql:http://reader:***@127.0.0.1:1/sparql"
    assert SECRET not in repr(Endpoint.parse(spec.target))


def test_other_endpoints_of_the_same_origin_take_the_query_urls_credentials():
    query = Endpoint.parse(f"http://reader:{SECRET}@h:8080/ds/query")
    assert query.url == "http://h:8080/ds/query"
    assert Endpoint.parse("http://h:8080/ds/update", query).credentials == query.credentials
    assert Endpoint.parse("http://h:8081/ds/update", query).credentials is None
    assert Endpoint.parse("https://h:8080/ds/update", query).credentials is None
    own = Endpoint.parse("http://other:pw@h:8080/ds/update", query).credentials
    assert (own.user, own.password) == ("other", "pw")


def test_a_scheme_the_engine_challenges_for_is_one_more_entry(servers, monkeypatch):
    """An auth scheme is answered from the engine's challenge (as Digest is, with its nonce);
    later requests to the same origin carry it without being asked again."""
    monkeypatch.setitem(
        AUTH_SCHEMES, "toy", lambda creds, challenge: lambda method, path: f"Toy {challenge}"
    )

    def answer(seen: Seen) -> Reply:
        if seen.headers.get("Authorization") == 'Toy nonce="n1"':
            return Reply(body=COUNT_7)
        return Reply(401, {"WWW-Authenticate": 'Toy nonce="n1"'}, b"")

    named = servers(answer)
    store = open_store(f"sparql:http://reader:{SECRET}@127.0.0.1:{named.port}/q", find_tree(REPO))
    assert store.count() == 7
    assert store.count() == 7
    sent = [s.headers.get("Authorization", "none").split()[0] for s in named.seen]
    assert sent == ["none", "Toy", "Toy"]


# --- a total deadline --------------------------------------------------------------------------

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"


@pytest.mark.parametrize(
    "drip",
    [
        HEADERS * 100,  # never gets past the headers
        HEADERS + b"Content-Length: 100000\r\n\r\n" + b" " * 100_000,  # a body, forever
    ],
    ids=["headers", "body"],
    indirect=True,
)
def test_an_engine_that_drips_a_byte_at_a_time_is_cut_off_at_the_timeout(drip):
    began = time.monotonic()
    result = kg("--store", f"sparql:{drip.url}", "--timeout", "1", "query", "books")
    took = time.monotonic() - began
    assert fails_with_one_line(result) == (
        f"Error: {drip.url} did not answer within 1 s; is the engine overloaded? raise "
        "--timeout or narrow the query\n"
    )
    assert took < 3, took
    assert drip.sent >= 2  # it was dripping, not silent


def test_the_timeout_covers_redirects_too(servers):
    def answer(seen: Seen) -> Reply:
        time.sleep(0.2)  # the drip interval, per hop
        return Reply(307, {"Location": f"{seen.path}x"}, b"")

    named = servers(answer)
    began = time.monotonic()
    result = kg("--store", f"sparql:{named.base}/q", "--timeout", "0.5", "query", "--sparql", ASK)
    assert time.monotonic() - began < 2
    fails_with_one_line(result, "did not answer within 0.5 s")
    assert len(named.seen) <= 3


def test_a_push_that_wrote_everything_exits_0_though_the_count_after_it_fails(servers):
    def answer(seen: Seen) -> Reply:
        if seen.method == "PUT":
            return Reply(201, {}, b"")
        return Reply(503, {"Content-Type": "text/plain"}, b"busy")

    named = servers(answer)
    result = kg("--store", f"sparql:{named.base}/store", "push")
    assert result.exit_code == 0, result.output
    triples = len(load(find_tree(REPO)).graph)
    assert f"pushed {triples:,} triples; the engine's count afterwards failed" in result.stdout
    assert [s.method for s in named.seen][:1] == ["PUT"]


def test_a_bearer_token_from_the_environment_goes_with_every_request(servers):
    named = servers(
        lambda seen: (
            Reply()
            if seen.headers.get("Authorization") == f"Bearer {SECRET}"
            else Reply(401, {"WWW-Authenticate": 'Bearer realm="kg"'}, b"")
        )
    )
    store = ["--store", f"sparql:{named.base}/q"]
    result = CliRunner().invoke(
        cli, [*store, "query", "--sparql", ASK], env={"KG_SPARQL_TOKEN": SECRET}
    )
    assert (result.exit_code, result.stdout) == (0, "true\n"), result.output
    assert [s.headers.get("Authorization") for s in named.seen] == [f"Bearer {SECRET}"]
    wrong = {"KG_SPARQL_TOKEN": "other-" + SECRET}
    refused = CliRunner().invoke(cli, [*store, "query", "books"], env=wrong)
    fails_with_one_line(refused, "HTTP 401", "refuses the bearer token in $KG_SPARQL_TOKEN")
    no_secret(refused)
