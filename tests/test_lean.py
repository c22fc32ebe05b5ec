"""`kg query` stays lean: Oxigraph answers it, without rdflib's SPARQL engine, pyshacl or
Starlette; the memory store reuses a content-keyed cache of its N-Quads."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kg.store.memory import graph_key, memory_store
from kg.tree import find_tree
from tests.conftest import REPO

PROBE = """
import sys
from kg.cli import main
try:
    main()
except SystemExit:
    pass
watched = ('pyshacl', 'owlrl', 'yaml', 'rdflib', 'pyoxigraph', 'starlette', 'uvicorn')
heavy = sorted(m for m in sys.modules if m.split('.')[0] in watched)
print('IMPORTED', ' '.join(heavy), file=sys.stderr)
"""


def imported_by(*args: str, tmp_path, cache: str = "on") -> list[str]:
    env = {**os.environ, "KG_CACHE_DIR": str(tmp_path / "cache") if cache == "on" else ""}
    if cache == "on":  # warm: the second run reads the cache the first one wrote
        subprocess.run([sys.executable, "-c", PROBE, *args], env=env, cwd=tmp_path, check=False)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    line = [x for x in done.stderr.splitlines() if x.startswith("IMPORTED")][-1]
    return line.split()[1:]


@pytest.mark.parametrize("cache", ["on", "off"])
def test_query_imports_neither_rdflib_sparql_nor_pyshacl_nor_starlette(tmp_path, cache):
    modules = imported_by("query", "books", "--format", "csv", tmp_path=tmp_path, cache=cache)
    assert "pyoxigraph" in modules  # the probe sees imports: this cannot pass vacuously
    assert not [m for m in modules if m.startswith(("pyshacl", "owlrl", "starlette", "uvicorn"))]
    assert not [m for m in modules if m.startswith("rdflib.plugins.sparql")]
    assert "rdflib" not in modules  # the shipped graph's literals need no rdflib at all


def test_a_query_that_constructs_needs_no_rdflib_either(tmp_path):
    modules = imported_by("query", "entity-card", "--format", "turtle", tmp_path=tmp_path)
    assert "pyoxigraph" in modules and "rdflib" not in modules


def test_a_search_from_the_cached_index_needs_no_rdflib(tmp_path):
    modules = imported_by("search", "Kurds", tmp_path=tmp_path)
    assert "pyoxigraph" in modules  # graph_key's version of Oxigraph: the probe sees imports
    assert "rdflib" not in modules


def test_validate_does_import_pyshacl(tmp_path):
    # The probe can see pyshacl when it is there: the tests above cannot pass vacuously.
    modules = imported_by("validate", "--full", tmp_path=tmp_path)
    assert "pyshacl" in modules


def quads(store) -> set[str]:
    return {str(quad) for quad in store}


def test_cache_holds_the_same_graph_and_follows_edits(tree_copy, monkeypatch, tmp_path):
    monkeypatch.setenv("KG_CACHE_DIR", "")
    tree = find_tree(tree_copy)
    fresh = quads(memory_store(tree))
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    first = quads(memory_store(tree))  # parses and writes the cache
    (written,) = (tmp_path / "cache").glob("graph-*.nq")
    assert written.name == f"graph-{graph_key(tree)}.nq"
    second = quads(memory_store(tree))  # reads it back
    assert first == fresh == second and len(fresh) > 2000
    key = graph_key(tree)
    books = tree_copy / "data" / "books.trig"
    books.write_text(books.read_text().replace("numberOfPages 438", "numberOfPages 439"))
    assert graph_key(tree) != key
    edited = quads(memory_store(tree))
    assert edited != first and any('"439"' in quad for quad in edited)
    assert len(list((tmp_path / "cache").glob("graph-*.nq"))) == 2


def test_cache_can_be_turned_off(monkeypatch, tmp_path):
    monkeypatch.setenv("KG_CACHE_DIR", "")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert len(memory_store(find_tree(REPO))) > 2000
    assert list(tmp_path.iterdir()) == []  # nothing written anywhere


def test_answers_follow_edits(tree_copy, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli

    def books(cache: str) -> str:
        monkeypatch.setenv("KG_CACHE_DIR", cache)
        result = CliRunner().invoke(cli, ["--root", str(tree_copy), "query", "books"])
        assert result.exit_code == 0, result.output
        return result.output

    fresh = books("")
    assert books(str(tmp_path / "c")) == fresh  # fills the cache
    assert books(str(tmp_path / "c")) == fresh  # served from it
    path = tree_copy / "data" / "books.trig"
    path.write_text(path.read_text().replace("numberOfPages 438", "numberOfPages 439"))
    changed = books(str(tmp_path / "c"))
    assert "439" in changed and "438" not in changed and changed != fresh
