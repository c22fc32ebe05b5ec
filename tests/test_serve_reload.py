"""`kg serve --reload`: an edit to data/ that validates is served by the pages, the API and every
worker within 2 s; one that does not keeps the last good snapshot and puts a banner on every page.

Real servers on copies of the shipped tree; every wait is a poll with a deadline.
"""

from __future__ import annotations

import concurrent.futures
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from kg.cli import cli
from tests.conftest import RunningServer, copy_tree, fails_with_one_line

DATA = Path("data/people.trig")
QUOTE = "Kazakh Ambassador Baghdad Amreyev"  # of claim:amreyev-job-title, line 54
NEW_QUOTE = "moderated by Kazakh Ambassador Baghdad Amreyev"  # also in the evidence text
PAGE = "/id/baghdad-amreyev"
CARD = "/api/entity-card"  # a saved query whose answer holds the entity's quotes
CARD_OF = {"entity": "kgr:baghdad-amreyev"}
QUOTES = """PREFIX kgv: <https://kg.example.org/kassis/vocab#>
SELECT ?quote WHERE { ?claim kgv:quote ?quote FILTER CONTAINS(?quote, "Ambassador Baghdad") }"""
HTML = {"Accept": "text/html"}
WATCHING = "kg serve: watching data/ and ontology/"


def poll(check, what: str, seconds: float = 30):
    """check() until it returns something true; its value. Fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"no {what} within {seconds:g} s"
        time.sleep(0.05)


def start(tree: Path, log: Path, *options: str) -> RunningServer:
    return RunningServer(*options, root=tree, log=log)


def edit(tree: Path, old: str, new: str) -> float:
    """Replace `old` by `new` in data/people.trig; when it was written (time.monotonic)."""
    path = tree / DATA
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return time.monotonic()


def quote_block(quote: str) -> str:
    return f'<blockquote dir="auto">{quote}</blockquote>'


def client(server: RunningServer) -> httpx.Client:
    """One connection for a test's many requests: polling costs the machine little."""
    return httpx.Client(base_url=server.url, timeout=10)


def page(http: httpx.Client, path: str = PAGE) -> str:
    response = http.get(path, headers=HTML)
    assert response.status_code == 200, response.text
    return response.text


def sparql_quotes(http: httpx.Client) -> list[str]:
    response = http.get(
        "/sparql", params={"query": QUOTES}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    return sorted(row["quote"]["value"] for row in response.json()["results"]["bindings"])


def card(http: httpx.Client, **headers: str) -> httpx.Response:
    return http.get(CARD, params=CARD_OF, headers=headers)


def banner(html: str) -> str | None:
    """The text of the reload banner of a page, or None."""
    start_at = html.find('role="alert"')
    if start_at < 0:
        return None
    return html[start_at : html.index("</div>", start_at)]


def idle_cpus(interval: float = 0.25) -> float:
    """How many CPUs' worth of the machine were idle over `interval` (Linux /proc/stat; where
    it cannot tell, as many as there are)."""

    def counts() -> list[int]:
        with open("/proc/stat") as stream:
            return [int(n) for n in stream.readline().split()[1:]]

    try:
        before = counts()
        time.sleep(interval)
        after = counts()
    except (OSError, ValueError):
        return float(os.cpu_count() or 1)
    spent = [b - a for a, b in zip(before, after, strict=False)]
    idle = spent[3] + (spent[4] if len(spent) > 4 else 0)  # idle, iowait
    return (os.cpu_count() or 1) * idle / max(1, sum(spent))


def wait_for_a_free_cpu(seconds: float = 30) -> None:
    """Wait, at most `seconds`, until a CPU is free (tests beside this one run runaway queries):
    the time then measured is kg's, not its neighbours'. A reload needs about 1.5 CPU-seconds,
    mostly validation."""
    deadline = time.monotonic() + seconds
    while idle_cpus() < 1 and time.monotonic() < deadline:
        pass


def wait_watching(log: Path) -> None:
    poll(lambda: WATCHING in log.read_text(), "watcher ready in the log")


@pytest.fixture
def tree(tmp_path) -> Path:
    return copy_tree(tmp_path / "tree")


def test_an_edited_quote_is_served_by_the_page_the_api_and_every_worker_within_2_s(tree, tmp_path):
    log = tmp_path / "serve.log"
    server = start(tree, log, "--workers", "2", "--per-client", "0")
    try:
        http = client(server)
        first_line = log.read_text().splitlines()[0]
        assert first_line.endswith(", reloading on edits to data/ and ontology/ (Ctrl-C stops)")
        wait_watching(log)
        assert quote_block(QUOTE) in page(http)
        old = card(http)
        assert f'"{QUOTE}"' in old.text

        wait_for_a_free_cpu()
        written = edit(tree, f'kgv:quote "{QUOTE}"', f'kgv:quote "{NEW_QUOTE}"')
        # The API (a remembered answer until the reload) is the cheap thing to ask again and
        # again; pages and API change together, so the page then shows the new quote too.
        poll(lambda: f'"{NEW_QUOTE}"' in card(http).text, "new quote in /api")
        assert quote_block(NEW_QUOTE) in page(http)
        seen = time.monotonic() - written
        print(f"an edited quote was served {seen:.2f} s after it was written")
        busy = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        assert seen < 2, f"the edit took {seen:.2f} s to show ({busy}; validation is most of it)"

        # A client's old ETag does not match the new answer: 200 with it, not 304.
        again = card(http, **{"If-None-Match": old.headers["etag"]})
        assert again.status_code == 200 and f'"{NEW_QUOTE}"' in again.text

        # Every worker of the new generation answers from the new snapshot.
        def asked(_) -> list[str]:
            with client(server) as own:  # a connection each: queries at once
                return sparql_quotes(own)

        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(asked, range(12)))
        assert all(NEW_QUOTE in quotes and QUOTE not in quotes for quotes in answers), answers
        assert "kg serve: reloaded (data/people.trig changed): generation 2, " in log.read_text()
    finally:
        server.stop()
    assert server.process.returncode == 143  # SIGTERM: the watcher stops with the server
    assert "Traceback" not in log.read_text()


def test_a_broken_edit_shows_a_banner_and_the_last_good_snapshot_answers_until_fixed(
    tree, tmp_path
):
    log = tmp_path / "serve.log"
    server = start(tree, log)
    try:
        http = client(server)
        wait_watching(log)
        before = sparql_quotes(http)
        assert QUOTE in before

        # A syntax error: the file does not parse.
        edit(tree, f'kgv:quote "{QUOTE}" ;', f'kgv:quote "{QUOTE}" ;;; <b>oops</b>')
        shown = poll(lambda: banner(page(http, "/")), "banner for the syntax error")
        assert "data/people.trig:" in shown and "<b>" not in shown  # escaped, if quoted
        assert banner(page(http)) == shown  # on an entity page too
        assert sparql_quotes(http) == before
        assert f'"{QUOTE}"' in card(http).text

        # It parses again, but the quote is not in the evidence text: it does not validate.
        edit(tree, f'kgv:quote "{QUOTE}" ;;; <b>oops</b>', f'kgv:quote "{QUOTE} of Mars" ;')
        poll(lambda: "does not occur verbatim" in (banner(page(http)) or ""), "quote banner")
        shown = banner(page(http, "/"))
        assert "data/people.trig:50: the quote does not occur verbatim" in shown, shown
        assert sparql_quotes(http) == before
        answer = card(http)
        assert f'"{QUOTE} of Mars"' not in answer.text
        assert answer.headers["x-kg-reload-error"].startswith("data/people.trig:50: the quote")
        assert quote_block(QUOTE) in page(http)

        # Fixed: the banner goes, and the fix is served.
        edit(tree, f'kgv:quote "{QUOTE} of Mars"', f'kgv:quote "{NEW_QUOTE}"')
        poll(lambda: quote_block(NEW_QUOTE) in page(http), "the fix on the page")
        assert banner(page(http, "/")) is None
        assert "x-kg-reload-error" not in card(http).headers
        assert NEW_QUOTE in sparql_quotes(http)
        printed = log.read_text()
        assert "kg serve: not reloaded (data/people.trig changed): data/people.trig:" in printed
        assert "still serving generation 1" in printed

        # Ctrl-C just after an edit: the server ends as ever, with no traceback.
        edit(tree, f'kgv:quote "{NEW_QUOTE}"', f'kgv:quote "{QUOTE}"')
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(30) == 130
    finally:
        server.stop()
    assert log.read_text().endswith("Interrupted.\n")
    assert "Traceback" not in log.read_text()


def test_no_reload_serves_the_tree_as_started_and_so_does_a_read_only_tree(tree, tmp_path):
    (tree / "data").chmod(0o555)  # a tree not to be edited: reloading is off by default
    try:
        log = tmp_path / "read-only.log"
        server = start(tree, log)
        server.stop()
        assert "reloading" not in log.read_text().splitlines()[0]
        assert WATCHING not in log.read_text()
    finally:
        (tree / "data").chmod(0o755)

    log = tmp_path / "serve.log"
    server = start(tree, log, "--no-reload")
    try:
        http = client(server)
        assert log.read_text().splitlines()[0].endswith("/ (Ctrl-C stops)")
        edit(tree, f'kgv:quote "{QUOTE}" ;', f'kgv:quote "{QUOTE}" ;;; <b>oops</b>')
        # With --reload a syntax error shows its banner within a few tenths of a second.
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            assert banner(page(http, "/")) is None
            assert quote_block(QUOTE) in page(http)
        assert "reloaded" not in log.read_text()
    finally:
        server.stop()


def test_reload_needs_a_store_read_from_the_tree(tmp_path):
    result = CliRunner().invoke(
        cli, ["--store", f"oxigraph:{tmp_path / 'store'}", "serve", "--reload", "--port", "0"]
    )
    fails_with_one_line(result, "--reload", "kg load")


def test_the_watcher_sees_edits_additions_and_removals_not_touches_nor_fifos(tree, tmp_path):
    from kg.tree import Tree
    from kg.web import reload

    watcher = reload.Watcher(Tree(tree))
    frozen = watcher.freeze(tmp_path / "snapshot")
    assert (frozen.root / DATA).read_bytes() == (tree / DATA).read_bytes()
    assert watcher.changes() == []
    os.utime(tree / DATA, ns=(1, 1))  # touched, not edited
    assert watcher.changes() == []
    os.mkfifo(tree / "data" / "pipe.trig")  # never opened for reading: it would block
    assert watcher.changes() == []
    (tree / "data" / "new.trig").write_text("# a new file\n", encoding="utf-8")
    edit(tree, f'kgv:quote "{QUOTE}"', f'kgv:quote "{NEW_QUOTE}"')
    (tree / "ontology" / "context.jsonld").unlink()
    assert watcher.changes() == ["data/new.trig", str(DATA), "ontology/context.jsonld"]
    frozen = watcher.freeze(tmp_path / "next")
    assert watcher.changes() == []
    assert not (frozen.root / "data" / "pipe.trig").exists()
    assert NEW_QUOTE in (frozen.root / DATA).read_text(encoding="utf-8")
