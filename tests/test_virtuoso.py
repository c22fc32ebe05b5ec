"""kg on Debian's Virtuoso (virtuoso-opensource-7, 7.2.5; .ci/run installs it): a real server on
loopback ports in a temporary folder, filled with `kg push` through its authenticated endpoints
(HTTP Digest, credentials from the environment and from a netrc file), then every saved query,
every export format, `why`, `validate` and `serve` on it, compared with the memory store.

Its row cap (ResultSetMaxRows) is set to 1,000 here, below the shipped graph's triples, so that
every command that reads the whole graph reads past the cap, as a larger graph would with the
default of 10,000; a query whose answer the cap cuts must fail, never print part of a table.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.load import load
from tests.conftest import (
    RunningServer,
    ServerProcess,
    fails_with_one_line,
    free_port,
    required_program,
)
from tests.test_answers import CASES, RECORDED, TREE, answer_as_recorded, key_of

PASSWORD = "Virt-s3cret-9"  # the dba password the test sets: no output may show it
ROW_CAP = 1_000

# Answers Virtuoso 7.2.5 gets wrong, whatever the query says (each checked by hand against the
# memory store). Not every run: the same query on the same data answers right after one start
# and wrong after another, so these are expected failures, not strict ones; any other query
# that differs fails the test.
VIRTUOSO_DEFECTS = {
    "is-fact-sourced-select": "answers the comparison COUNT(...) > 0 with the integer 1, not true",
    "people-linked": "drops the rows of the Astana platform's rounds (moderators, chairs)",
    "positions-and-criticism": "joins a position to another position's topics",
    "timeline": "adds a row whose event IRI is the number 0",
    "trump-jr-connection": "joins the source titles in its own order, not the sub-select's",
}

INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 10
MaxClientConnections = 10
[SPARQL]
ResultSetMaxRows = {row_cap}
MaxQueryExecutionTime = 60
"""


class Virtuoso(ServerProcess):
    """virtuoso-t in the foreground, its database in `folder`, on two free loopback ports."""

    def __init__(self, folder: Path) -> None:
        binary = required_program("virtuoso-t", "apt-get install virtuoso-opensource-7")
        self.isql = required_program("isql-vt", "apt-get install virtuoso-opensource-7")
        self.sql_port, http_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{http_port}"
        ini = folder / "virtuoso.ini"
        ini.write_text(
            INI.format(folder=folder, sql_port=self.sql_port, http_port=http_port, row_cap=ROW_CAP),
            encoding="utf-8",
        )
        super().__init__(
            [binary, "+foreground", "+configfile", str(ini)],
            f"{self.base}/sparql?query=ASK%7B%7D",
            "virtuoso",
            cwd=folder,
        )
        # A new database's dba password is dba; the test's own is one no output may show.
        self.sql(f"USER_CHANGE_PASSWORD('dba', 'dba', '{PASSWORD}')")

    def sql(self, statement: str, password: str = "dba") -> None:
        subprocess.run(
            [self.isql, f"127.0.0.1:{self.sql_port}", "dba", password, f"exec={statement};"],
            check=True,
            capture_output=True,
            timeout=60,
        )

    @property
    def query_url(self) -> str:
        return f"{self.base}/sparql"


def kg(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def no_password(result) -> None:
    assert PASSWORD not in result.output and PASSWORD not in result.stderr


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()
    assert PASSWORD not in (server.process.stdout.read() or "")  # nor in its own log


@pytest.fixture(scope="module")
def spec(virtuoso) -> str:
    """The store, after a push by the Graph Store Protocol, credentials from the environment."""
    env = {"KG_SPARQL_USER": "dba", "KG_SPARQL_PASSWORD": PASSWORD}
    gsp = f"{virtuoso.base}/sparql-graph-crud-auth"  # Digest, as Virtuoso's /…-auth ask
    result = kg("--store", f"sparql:{virtuoso.query_url}", "--gsp-url", gsp, "push", env=env)
    assert result.exit_code == 0, result.output
    no_password(result)
    return f"sparql:{virtuoso.query_url}"


@pytest.fixture(scope="module")
def triples() -> int:
    return len(load(TREE).graph)


def test_push_by_graph_store_with_digest_credentials_from_the_environment(spec, triples):
    result = kg("--store", spec, "query", "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                "--format", "csv")  # fmt: skip
    assert result.stdout.splitlines() == ["n", str(triples)]


def test_push_by_update_with_credentials_from_a_netrc_file(virtuoso, spec, triples, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login dba password {PASSWORD}\n", encoding="utf-8")
    netrc.chmod(0o600)
    update = f"{virtuoso.base}/sparql-auth"
    result = kg("--store", spec, "--update-url", update, "push", "--via", "update",
                env={"NETRC": str(netrc), "KG_SPARQL_USER": None})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{triples:,} triples in graph" in result.stdout
    no_password(result)


def test_wrong_credentials_are_one_line_naming_their_source(virtuoso, spec):
    wrong = {"KG_SPARQL_USER": "dba", "KG_SPARQL_PASSWORD": "not-it"}
    update = f"{virtuoso.base}/sparql-auth"
    result = kg("--store", spec, "--update-url", update, "push", "--via", "update", env=wrong)
    fails_with_one_line(result, "HTTP 401", "refuses the credentials given for 'dba'",
                        "$KG_SPARQL_USER and $KG_SPARQL_PASSWORD", "offered: digest")  # fmt: skip
    assert "not-it" not in result.output + result.stderr


@pytest.mark.parametrize(("name", "values"), CASES, ids=[key_of(*case) for case in CASES])
def test_every_saved_query_answers_as_on_memory(spec, name, values):
    from kg.store import open_store

    found = answer_as_recorded(open_store(spec, TREE), name, values)
    if found != RECORDED[key_of(name, values)] and name in VIRTUOSO_DEFECTS and not values:
        pytest.xfail(f"Virtuoso 7.2.5 {VIRTUOSO_DEFECTS[name]}")
    assert found == RECORDED[key_of(name, values)]


@pytest.mark.parametrize("output_format", ["turtle", "json-ld", "nt", "nq", "trig", "xml"])
def test_export_past_the_row_cap_is_the_bytes_of_memory(spec, triples, output_format):
    assert triples > ROW_CAP  # the whole graph is read in parts
    remote = kg("--store", spec, "export", "--format", output_format)
    local = kg("export", "--format", output_format)
    assert remote.exit_code == 0, remote.output
    assert remote.stdout_bytes == local.stdout_bytes


def test_why_reads_as_on_memory_without_file_lines(spec):
    remote = kg("--store", spec, "why", "kgr:randa-kassis")
    local = kg("why", "kgr:randa-kassis")
    assert remote.exit_code == 0, remote.output
    # a remote store knows no file:line; the rest is the same words
    assert remote.stdout == re.sub(r" \(data/[^)]*:\d+\)", "", local.stdout)


def test_validate_conforms_as_on_memory(spec):
    remote = kg("--store", spec, "validate")
    local = kg("validate")
    assert (remote.exit_code, local.exit_code) == (0, 0), remote.output
    assert remote.stdout.splitlines()[-1] == local.stdout.splitlines()[-1]


def test_a_table_the_cap_cuts_is_an_error_not_part_of_a_table(spec, triples):
    every = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    result = kg("--store", spec, "query", "--sparql", every)
    fails_with_one_line(result, f"sent {ROW_CAP:,} of the {triples:,} rows this query has",
                        "ResultSetMaxRows", "LIMIT and OFFSET")  # fmt: skip
    paged = kg("--store", spec, "query", "--sparql", every + " ORDER BY ?s ?p ?o LIMIT 500",
               "--format", "csv")  # fmt: skip
    assert paged.exit_code == 0 and len(paged.stdout.splitlines()) == 501


def test_serve_on_virtuoso_answers_as_on_memory(spec, server):
    running = RunningServer(store=spec)
    try:
        fact = "subject=kgr:randa-kassis&predicate=schema:spouse&object=kgr:fabien-baussart"
        for path in ("/api/books", "/api/sources-by-language", f"/api/is-fact-sourced?{fact}"):
            remote, local = (json.load(urllib.request.urlopen(base + path, timeout=30))
                             for base in (running.url, server.url))  # fmt: skip
            assert remote == local, path
    finally:
        running.stop()
