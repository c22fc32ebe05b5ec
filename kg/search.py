"""Search the graph: its entities (every name in every language), source records (titles,
outlets, authors, citation text) and facts (quote, and the fact in words), as `kg search` does.

The documents come from kg.why's Describer (the one place that shows terms and facts); the index
is kg.textindex's (SQLite FTS5). For a store parsed from the tree (memory) the index is kept in
kg's content-keyed cache, named by a digest of the graph's inputs, the ontology (the predicates'
labels) and the code that builds it: an edit to data/ misses and rebuilds it. Any other store's
index is built in memory from its graph.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from kg import textindex
from kg.store import StoreSpec, open_store
from kg.textindex import KINDS, Found, Hit, TextIndex
from kg.tree import Tree

if TYPE_CHECKING:
    from kg.load import LoadedGraph

BRACKETS = ("[", "]")
BOLD = ("\x1b[1m", "\x1b[0m")  # on a terminal
PLURALS = {"entity": "entities", "source": "sources", "fact": "facts"}


def open_index(spec: StoreSpec, tree: Tree, loaded: LoadedGraph | None = None) -> TextIndex:
    """The search index of the store `spec` names: from kg's cache when the store is parsed
    from the tree (built and kept there when missing), else built from the store's graph.
    `loaded`, when given, is that graph already read (kg serve's pages' graph): a build then
    does not read it again."""
    if not spec.backend.from_tree:
        return build_index(spec, tree, loaded)
    from kg.cache import cached_file

    path, data = cached_file(
        f"search-{index_key(tree)}.sqlite", lambda: build_index(spec, tree, loaded).to_bytes()
    )
    try:
        index = TextIndex.from_bytes(path.read_bytes() if path is not None else data)
        index.check()
    except (OSError, sqlite3.DatabaseError):  # a damaged cache entry costs a build, no more
        return build_index(spec, tree, loaded)
    return index


def build_index(spec: StoreSpec, tree: Tree, loaded: LoadedGraph | None = None) -> TextIndex:
    from kg.why import Describer

    if loaded is None:
        loaded = open_store(spec, tree).loaded()
    return TextIndex.build(Describer(loaded).documents())


def index_key(tree: Tree) -> str:
    """A digest of everything the index depends on: the graph (kg.store.memory.graph_key), the
    ontology's files, the code that makes documents and indexes them, and SQLite's version."""
    from kg.store.memory import graph_key

    digest = hashlib.sha256(f"{graph_key(tree)} sqlite {sqlite3.sqlite_version}\n".encode())
    for module in ("kg.search", "kg.textindex", "kg.why", "kg.load"):  # found, not imported:
        digest.update(Path(find_spec(module).origin).read_bytes())  # a cached index needs no rdflib
    for path in sorted(tree.ontology_dir.glob("*.ttl")):
        digest.update(f"{path.name}\n".encode() + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:32]


def search(
    spec: StoreSpec, tree: Tree, text: str, kinds: tuple[str, ...] = KINDS, limit: int = 20
) -> Found:
    """The hits of `text` in the graph: at most `limit` of each kind, best first (see
    kg.textindex.TextIndex.search). Raises SearchError for a text with no word or too many."""
    textindex.words_of(text)  # a text that cannot be searched fails before any index is built
    return open_index(spec, tree).search(text, kinds, limit)


# --- rendering ---------------------------------------------------------------------------------


def format_text(found: Found, terminal: bool = False) -> str:
    """The hits for people, grouped by kind, the matching words marked: `[Kurds]`, or in bold
    on a terminal."""
    marks = BOLD if terminal else BRACKETS
    counts = [f"{n} {kind if n == 1 else PLURALS[kind]}" for kind, n in found.totals.items() if n]
    lines = [f"{found.text!r}: {', '.join(counts) if counts else 'nothing'} found."]
    for typed, used in found.corrections:
        shown = " or ".join(repr(word) for word in used)
        lines.append(f"No word in the graph starts with {typed!r}: searched for {shown}.")
    for kind in found.totals:
        hits = found.of_kind(kind)
        if not hits:
            continue
        more = found.totals[kind] - len(hits)
        shown = f"{len(hits)} of {found.totals[kind]}, --limit shows more" if more else len(hits)
        lines += ["", f"{PLURALS[kind].capitalize()} ({shown})"]
        for hit in hits:
            lines += _hit_lines(hit, marks)
    return "\n".join(lines) + "\n"


def _hit_lines(hit: Hit, marks: tuple[str, str]) -> list[str]:
    if hit.kind == "fact":
        fact = next((m.marked(*marks) for m in hit.matches if m.field == "fact"), hit.label)
        quote = next((m.marked(*marks) for m in hit.matches if m.field == "quote"), hit.quote)
        return [
            f"  {hit.curie}",
            f"    {fact}",
            f'    quote: "{quote}"',
            f"    claim: {hit.detail}",
        ]
    detail = f" ({hit.detail})" if hit.detail else ""
    head = f"  {hit.curie}: {hit.label}{detail}"
    return [head] + [f"    {match.field}: {match.marked(*marks)}" for match in hit.matches]


def format_json(found: Found, terminal: bool = False) -> str:
    """The search and its hits as one JSON object, keys sorted: each match with its text,
    the text marked with [ ] and the (start, end) offsets of the matching words."""
    return json.dumps(found.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


FORMATS = {"text": format_text, "json": format_json}
