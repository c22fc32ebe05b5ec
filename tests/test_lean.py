"""`kg query` stays lean: it never imports pyshacl, and reuses a content-keyed graph cache."""

from __future__ import annotations

import os
import subprocess
import sys

from kg.load import cache_key, find_tree, load, load_graph_cached
from tests.conftest import REPO

PROBE = """
import sys
from kg.cli import main
try:
    main()
except SystemExit:
    pass
watched = ('pyshacl', 'owlrl', 'yaml', 'rdflib', 'pyoxigraph')
heavy = sorted(m for m in sys.modules if m.split('.')[0] in watched)
print('IMPORTED', ' '.join(heavy), file=sys.stderr)
"""


def imported_by(*args: str, tmp_path) -> list[str]:
    env = {**os.environ, "KG_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    line = [x for x in done.stderr.splitlines() if x.startswith("IMPORTED")][-1]
    return line.split()[1:]


def test_query_does_not_import_pyshacl(tmp_path):
    modules = imported_by("query", "books", "--format", "csv", tmp_path=tmp_path)
    assert not [m for m in modules if m.startswith(("pyshacl", "owlrl"))]


def test_validate_does_import_pyshacl(tmp_path):
    # The probe can see pyshacl when it is there: the test above cannot pass vacuously.
    modules = imported_by("validate", tmp_path=tmp_path)
    assert "pyshacl" in modules


def test_cache_returns_the_same_graph_and_follows_edits(tree_copy, monkeypatch, tmp_path):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    tree = find_tree(tree_copy)
    fresh = load(tree).graph
    first = load_graph_cached(tree)  # parses and writes the cache
    assert list((tmp_path / "cache").glob("graph-*.pickle"))
    second = load_graph_cached(tree)  # reads it back
    assert set(first) == set(fresh) == set(second)
    key = cache_key(tree)
    books = tree_copy / "data" / "books.trig"
    books.write_text(books.read_text().replace("numberOfPages 438", "numberOfPages 439"))
    assert cache_key(tree) != key


def test_cache_can_be_turned_off(monkeypatch, tmp_path):
    monkeypatch.setenv("KG_CACHE_DIR", "")
    graph = load_graph_cached(find_tree(REPO))
    assert len(graph) > 1000


def test_cached_answers_equal_fresh_ones_and_follow_edits(tree_copy, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli

    def books(cache: str) -> str:
        monkeypatch.setenv("KG_CACHE_DIR", cache)
        result = CliRunner().invoke(cli, ["--root", str(tree_copy), "query", "books"])
        assert result.exit_code == 0, result.output
        return result.output

    fresh = books("")
    assert books(str(tmp_path / "c")) == fresh  # fills the cache
    assert list((tmp_path / "c").glob("answer-*.pickle"))
    assert books(str(tmp_path / "c")) == fresh  # served from it
    path = tree_copy / "data" / "books.trig"
    path.write_text(path.read_text().replace("numberOfPages 438", "numberOfPages 439"))
    changed = books(str(tmp_path / "c"))
    assert "439" in changed and "438" not in changed and changed != fresh
