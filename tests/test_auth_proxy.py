"""Credentials for an engine that asks for them: an authenticating proxy (HTTP Basic or Digest,
as GraphDB, Stardog and Virtuoso's /sparql-auth ask) in front of a real `oxigraph serve`. kg
pushes and queries through it with credentials from the environment and from a netrc file;
no message and no log line shows the password."""

from __future__ import annotations

import hashlib
import http.client
import http.server
import json
import secrets
import threading
import urllib.request

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.load import load
from kg.tree import find_tree
from tests.conftest import REPO, QuietHTTPServer, RunningServer, fails_with_one_line
from tests.test_store import OxigraphServer

USER, PASSWORD = "curator", "Pr0xy-pa55word"
REALM = "kg-test"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class QuietServer(QuietHTTPServer, http.server.ThreadingHTTPServer):
    pass


class AuthProxy:
    """Forwards every request to `upstream` once it carries the right credentials in `scheme`
    (basic or digest, qop=auth); else answers 401 with that scheme's challenge. Records the
    Authorization schemes it was sent."""

    def __init__(self, upstream: str, scheme: str) -> None:
        self.scheme = scheme
        self.schemes_seen: list[str] = []
        self.nonce = secrets.token_hex(8)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                given = self.headers.get("Authorization", "")
                outer.schemes_seen.append(given.split(" ")[0] if given else "none")
                if not outer.accepts(self.command, self.path, given, scheme):
                    challenge = (
                        f'Basic realm="{REALM}"'
                        if scheme == "basic"
                        else f'Digest realm="{REALM}", nonce="{outer.nonce}", qop="auth", '
                        'algorithm="MD5", opaque="x1"'
                    )
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", challenge)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                connection = http.client.HTTPConnection(upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
                connection.request(self.command, self.path, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for name in ("Content-Type",):
                    if answer.getheader(name):
                        self.send_header(name, answer.getheader(name))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                connection.close()

            do_POST = do_PUT = do_GET

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def accepts(self, method: str, path: str, given: str, scheme: str) -> bool:
        if scheme == "basic":
            import base64

            return given == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if not given.startswith("Digest "):
            return False
        fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(given[7:]))
        expected = md5(
            ":".join(
                [
                    md5(f"{USER}:{REALM}:{PASSWORD}"),
                    self.nonce,
                    fields.get("nc", ""),
                    fields.get("cnonce", ""),
                    "auth",
                    md5(f"{method}:{path}"),
                ]
            )
        )
        return fields.get("uri") == path and fields.get("response") == expected

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    server = OxigraphServer(tmp_path_factory.mktemp("behind-proxy"))
    yield server
    server.stop()


@pytest.fixture(params=["basic", "digest"])
def proxy(request, oxigraph):
    made = AuthProxy(f"127.0.0.1:{oxigraph.port}", request.param)
    yield made
    made.close()


def kg(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def no_password(*texts: str) -> None:
    for text in texts:
        assert PASSWORD not in text


FROM_ENVIRONMENT = {"KG_SPARQL_USER": USER, "KG_SPARQL_PASSWORD": PASSWORD, "NETRC": None}


def test_push_and_query_with_credentials_from_the_environment(proxy):
    store = ["--store", f"sparql:{proxy.base}/query", "--gsp-url", f"{proxy.base}/store"]
    pushed = kg(*store, "push", env=FROM_ENVIRONMENT)
    assert pushed.exit_code == 0, pushed.output
    assert f"{len(load(find_tree(REPO)).graph):,} triples in graph" in pushed.stdout
    books = kg(*store, "query", "books", "--format", "csv", env=FROM_ENVIRONMENT)
    assert books.exit_code == 0, books.output
    assert len(books.stdout.splitlines()) == 5  # the four books
    no_password(pushed.output, pushed.stderr, books.output, books.stderr)
    # Each kg run sends nothing before the engine asks, then answers in its scheme throughout.
    assert proxy.schemes_seen.count("none") == 2 and proxy.schemes_seen[0] == "none"
    assert set(proxy.schemes_seen) == {"none", proxy.scheme.capitalize()}


def test_push_by_update_and_query_with_credentials_from_a_netrc_file(proxy, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1\n  login {USER}\n  password {PASSWORD}\n")
    netrc.chmod(0o600)
    env = {"NETRC": str(netrc), "KG_SPARQL_USER": None, "KG_SPARQL_TOKEN": None}
    store = ["--store", f"sparql:{proxy.base}/query", "--update-url", f"{proxy.base}/update"]
    pushed = kg(*store, "push", "--via", "update", env=env)
    assert pushed.exit_code == 0, pushed.output
    fact = ["-p", "subject=kgr:randa-kassis", "-p", "object=kgr:fabien-baussart"]
    asked = kg(*store, "query", "is-fact-sourced", *fact, "-p", "predicate=schema:spouse", env=env)
    assert (asked.exit_code, asked.stdout) == (0, "true\n"), asked.output
    other = kg(*store, "query", "is-fact-sourced", *fact, "-p", "predicate=schema:knows", env=env)
    assert (other.exit_code, other.stdout) == (1, "false\n"), other.output
    no_password(pushed.output, pushed.stderr, asked.output, asked.stderr, other.output)


def test_a_wrong_password_is_one_line_without_it(proxy):
    env = {"KG_SPARQL_USER": USER, "KG_SPARQL_PASSWORD": "wrong-" + PASSWORD}
    result = kg("--store", f"sparql:{proxy.base}/query", "query", "books", env=env)
    fails_with_one_line(result, "HTTP 401", f"refuses the credentials given for '{USER}'",
                        "from $KG_SPARQL_USER and $KG_SPARQL_PASSWORD")  # fmt: skip
    no_password(result.output, result.stderr)


def test_a_netrc_file_that_cannot_be_read_is_one_line_with_its_line(proxy, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER}\nmashine other\n")  # a misspelt keyword
    env = {"NETRC": str(netrc), "KG_SPARQL_USER": None}
    result = kg("--store", f"sparql:{proxy.base}/query", "query", "books", env=env)
    fails_with_one_line(result, f"{netrc}:", "cannot read the netrc file", "$NETRC")


def test_serve_through_the_proxy_logs_no_password(proxy):
    kg("--store", f"sparql:{proxy.base}/query", "--gsp-url", f"{proxy.base}/store", "push",
       env=FROM_ENVIRONMENT)  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KG_SPARQL_USER", USER)
        patch.setenv("KG_SPARQL_PASSWORD", PASSWORD)
        running = RunningServer(store=f"sparql:{proxy.base}/query")
    try:
        with urllib.request.urlopen(f"{running.url}/api/books", timeout=30) as response:
            assert len(json.load(response)["results"]["bindings"]) == 4
    finally:
        running.stop()
    log = running.process.stdout.read()
    assert f"serving sparql:{proxy.base}/query" in log  # the store it names, not its credentials
    no_password(log)
