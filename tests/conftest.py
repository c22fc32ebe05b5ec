"""Shared fixtures: the shipped tree, loaded and validated once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.load import load
from kg.tree import Tree, find_tree
from kg.validate import validate_tree

REPO = Path(__file__).resolve().parent.parent


def fails_with_one_line(result, *words: str) -> str:
    """An error as users see it: exit 2, one `Error:` line on stderr, no traceback."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, result.stderr
    return result.stderr


@pytest.fixture(scope="session")
def shipped() -> Tree:
    return find_tree(REPO)


@pytest.fixture(scope="session")
def loaded(shipped):
    return load(shipped)


@pytest.fixture(scope="session")
def shipped_report(shipped):
    return validate_tree(shipped)


def form_values(query) -> dict[str, str]:
    """The values a form starts from: a saved query's `#+ defaults:` (kg binds none by itself,
    as grlc does not)."""
    return {p.name: p.default for p in query.parameters if p.default is not None}


def param_options(query) -> list[str]:
    """`--param name=value` options for a query's defaults, as `kg query` takes them."""
    return [f"--param={name}={value}" for name, value in form_values(query).items()]


def run_query(where, query, values: dict[str, str] | None = None):
    """A saved query's answer from the memory store (Oxigraph) of `where` (a Tree, a root, or a
    LoadedGraph), through kg's one query path, in rdflib terms for the assertions: an
    rdflib.query.Result (rows with attribute access, `.askAnswer`, `.graph`)."""
    from rdflib import Graph, Variable
    from rdflib.query import Result

    from kg.answer import result_of
    from kg.store import open_store
    from kg.store.oxigraph import rdflib_triple, to_rdflib

    tree = getattr(where, "tree", where)
    tree = tree if isinstance(tree, Tree) else find_tree(tree)
    found = result_of(open_store("memory", tree), query, values)
    converted = Result(found.form)
    if found.form == "ASK":
        converted.askAnswer = found.boolean
    elif found.form == "SELECT":
        converted.vars = [Variable(name) for name in found.variables]
        converted.bindings = [
            {v: to_rdflib(t) for v, t in zip(converted.vars, row, strict=True) if t is not None}
            for row in found.rows
        ]
    else:
        converted.graph = Graph()
        for triple in found.triples:
            converted.graph.add(rdflib_triple(triple))
    return converted


def copy_tree(root: Path) -> Path:
    """A writable copy of the shipped tree (ontology/, data/, queries/) at `root`."""
    for name in ("ontology", "data", "queries"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    return root


@pytest.fixture
def tree_copy(tmp_path) -> Path:
    """A writable copy of the shipped tree, to break on purpose."""
    return copy_tree(tmp_path / "tree")


class NetworkAccessError(AssertionError):
    """Raised when code under test tries to reach anything but loopback."""


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail any test that tries to reach beyond loopback (rdflib fetches by default).

    Attempts are refused and recorded; a test with any attempt fails at teardown, even when
    the code under test swallowed the error (rdflib does). A test that provokes an attempt on
    purpose empties the list it gets from this fixture.
    """
    import socket

    attempts: list[str] = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if self.family == socket.AF_UNIX or (
            isinstance(host, str) and (host.startswith("127.") or host in ("::1", "localhost"))
        ):
            return real_connect(self, address)
        attempts.append(f"connect {address!r}")
        raise NetworkAccessError(f"network access attempted: {address!r}")

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host in ("localhost", "127.0.0.1", "::1", None):
            return real_getaddrinfo(host, *args, **kwargs)
        attempts.append(f"resolve {host!r}")
        raise NetworkAccessError(f"DNS lookup attempted: {host!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield attempts
    assert attempts == [], f"the test tried to use the network: {attempts}"


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """Each test session caches parsed graphs in its own folder, never the user's; and tests
    use the memory store unless they name another (a KG_STORE of the user's does not leak in),
    with no credentials but those a test gives."""
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "kg-cache"))
    monkeypatch.delenv("KG_STORE", raising=False)
    # nor the user's credentials for SPARQL engines: tests that need some give their own
    for name in ("KG_SPARQL_USER", "KG_SPARQL_PASSWORD", "KG_SPARQL_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path_factory.getbasetemp() / "no-netrc"))


class QuietHTTPServer:
    """Mixed into http.server's servers in tests: a client that hangs up mid-answer (as kg's
    deadlines make it) is expected, and socketserver would print its traceback to whatever
    sys.stderr is then (another test's captured output)."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """A server the tests start (kg serve, oxigraph serve, Virtuoso, grlc, a proxy): the
    process, and a wait until `ready_url` answers (no fixed sleep), or a failure with what it
    printed. The one helper every real server in the tests is started with; `popen` goes to
    subprocess.Popen (stdout/stderr default to one pipe; a file keeps a log instead)."""

    def __init__(self, command: list[str], ready_url: str, name: str, timeout: float = 60,
                 probe_timeout: float = 2, **popen) -> None:  # fmt: skip
        import subprocess
        import time
        import urllib.error
        import urllib.request

        self.name = name
        popen.setdefault("stdout", subprocess.PIPE)
        popen.setdefault("stderr", subprocess.STDOUT)
        self.process = subprocess.Popen(command, text=True, **popen)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                printed = self.process.stdout or self.process.stderr
                raise RuntimeError(f"{name} exited: {printed.read() if printed else ''}")
            try:
                with urllib.request.urlopen(ready_url, timeout=probe_timeout):
                    return
            except urllib.error.HTTPError:
                return  # it answers, if not with 2xx
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{name} did not answer within {timeout:g} s")

    def stop(self) -> None:
        import subprocess

        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def required_program(name: str, how: str) -> str:
    """The path of a program a test starts; missing, the test fails on CI (CI=true: .ci/run
    installs it) and is skipped elsewhere, saying how to install it."""
    import os
    import shutil

    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed ({how})"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(message + "; CI must run this test")
        pytest.skip(message)
    return found


class RunningServer(ServerProcess):
    """A `kg serve` subprocess on a free loopback port; `url` is its base URL. `store` is a
    --store spec for the group; `log`, a file that gets what it prints."""

    def __init__(self, *args: str, root: Path | None = None, store: str | None = None,
                 log: Path | None = None) -> None:  # fmt: skip
        import os
        import subprocess
        import sys

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "kg.cli"]
        if root is not None:
            command += ["--root", str(root)]
        if store is not None:
            command += ["--store", store]
        command += ["serve", "--port", str(self.port), *args]
        env = {k: v for k, v in os.environ.items() if k != "KG_ROOT"}
        popen: dict = {}
        self.log = log.open("w") if log is not None else None
        if self.log is not None:  # what it prints, to read while it runs (a pipe nobody reads)
            popen = {"stdout": self.log, "stderr": subprocess.STDOUT}
        super().__init__(command, f"{self.url}/sparql", "kg serve", env=env, **popen)

    def stop(self) -> None:
        super().stop()
        if self.log is not None:
            self.log.close()


@pytest.fixture(scope="session")
def server():
    """The shipped graph served on loopback for the whole session (5 s limit, 1,000 rows); the
    tests never edit it, so it does not watch for edits (no checker, no spare workers)."""
    running = RunningServer("--timeout", "5", "--max-rows", "1000", "--no-reload")
    yield running
    running.stop()
