"""The Oxigraph stores: `oxigraph:PATH` (a RocksDB store on disk, built by `kg load`, opened
read-only), and what it shares with `memory` (kg.store.memory): how a query runs in Oxigraph, and
the conversion between rdflib's terms and Oxigraph's. The merged graph is the default graph,
each claim a named graph; queries see the default graph only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg import queries, results
from kg.errors import one_line
from kg.iris import PREFIXES
from kg.store import Progress, Store, StoreError, StoreSpec
from kg.store.binding import inline_values, with_constants
from kg.tree import Tree

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

    from kg.load import LoadedGraph


class OxigraphEngine(Store):
    """What both local stores share: a pyoxigraph Store in `self.store`, and how to ask it."""

    store: ox.Store

    def run(self, query, bindings, most=None):
        """Run a checked query in Oxigraph, parameters in the form it plans best first (see
        `attempts`); errors as one line (a parse error with the query's own line:col)."""
        failure: Exception | None = None
        for text, substitutions in attempts(query.text, bindings):
            try:
                answer = self.store.query(
                    text,
                    prefixes=dict(PREFIXES),
                    named_graphs=[],  # the default graph only
                    substitutions=substitutions,
                )
                return results.from_oxigraph(answer, query.form, query.star, most)
            except OSError as error:
                raise StoreError(f"{self.spec}: cannot read the store: {one_line(error)}") from None
            except (SyntaxError, RuntimeError, ValueError) as error:
                failure = failure or error
        if isinstance(failure, SyntaxError):
            try:  # the query as written: its own line and column
                self.store.query(query.text, prefixes=dict(PREFIXES), named_graphs=[])
            except SyntaxError as error:
                failure = error
            except Exception:
                pass
            raise queries.syntax_error(query.query, failure) from None
        raise queries.QueryError(
            f"{query.name}: the query failed in Oxigraph ({one_line(failure)})"
        ) from None

    def graph(self) -> Graph:
        from rdflib import Graph

        from kg.namespaces import bind_prefixes

        graph = bind_prefixes(Graph())
        for quad in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            graph.add(rdflib_triple(quad))
        return graph

    def triples(self) -> int:
        # Counted by Oxigraph: iterating the quads in Python took 12 s at 10^6 triples.
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        return int(next(iter(self.store.query(count, named_graphs=[])))["n"].value)


def attempts(text: str, bindings: dict) -> Iterator[tuple[str, dict | None]]:
    """The query with its parameters bound, best plan first: each bound variable written as
    its term (as grlc does; Oxigraph's planner uses the constants: `is-fact-sourced` 0.8 s
    by substitution, 2 ms so); where a constant is not syntax (a projected variable),
    SEP-0007 substitution; where that is refused (a SELECT not projecting it), VALUES."""
    if not bindings:
        yield text, None
        return
    yield with_constants(text, bindings), None
    yield text, {ox.Variable(k): v for k, v in bindings.items()}
    yield inline_values(text, bindings), None


# --- on disk -----------------------------------------------------------------------------------


def is_oxigraph_store(path: Path) -> bool:
    return path.is_dir() and (path / "CURRENT").is_file()  # RocksDB's marker file


# kg's own mark in every store folder `kg load` builds: only such a folder is ever replaced
# (and so deleted) by kg. RocksDB ignores files it does not know.
STORE_MARKER = "kg-store.json"


def is_kg_store(path: Path) -> bool:
    return is_oxigraph_store(path) and (path / STORE_MARKER).is_file()


def mark_store(path: Path) -> None:
    """Write kg's marker into a store folder kg has just built."""
    from kg import __version__

    (path / STORE_MARKER).write_text(
        json.dumps({"built_by": "kg load", "kg_version": __version__}) + "\n", encoding="utf-8"
    )


class OxigraphStore(OxigraphEngine):
    """A pyoxigraph Store on disk, opened read-only."""

    maps_memory = True

    def __init__(self, spec: StoreSpec, tree: Tree) -> None:
        super().__init__(spec, tree)
        path = Path(spec.target)
        if not is_oxigraph_store(path):
            raise StoreError(
                f"no Oxigraph store at {spec.target}; build it with "
                f"`kg --store oxigraph:{spec.target} load`"
            )
        try:
            self.store = ox.Store.read_only(str(path))
        except (OSError, RuntimeError, ValueError) as error:  # RocksDB's "Corruption: ..."
            raise StoreError(
                f"cannot open the Oxigraph store at {path} ({one_line(error)}); rebuild it "
                f"with `kg --store oxigraph:{path} load`"
            ) from None

    def loaded(self) -> LoadedGraph:
        from rdflib import Dataset

        from kg.load import LoadedGraph
        from kg.namespaces import bind_prefixes

        claims = bind_prefixes(Dataset())
        for name in self.store.named_graphs():
            named = claims.graph(to_rdflib(name))
            for quad in self.store.quads_for_pattern(None, None, None, name):
                named.add(rdflib_triple(quad))
        return LoadedGraph(tree=self.tree, graph=self.graph(), claims=claims)

    def describe(self) -> str:
        claims = sum(1 for _ in self.store.named_graphs())
        return (
            f"{self.spec}: {self.triples():,} triples in the default graph, {claims:,} claim graphs"
        )

    @classmethod
    def build(cls, spec: StoreSpec, tree: Tree, progress: Progress | None = None) -> str:
        """`kg load`: parse and derive the tree, bulk-load it into the folder (replacing a
        store kg built there); what the store now holds."""
        from kg.store import bulkload

        bulk = bulkload.plan(tree)
        bulkload.write(spec.target, bulk, progress)
        return cls(spec, tree).describe()


def prepare_oxigraph_folder(path: str | os.PathLike[str]) -> Path:
    """The folder to build a store in: new, empty, or a store kg built (carrying STORE_MARKER),
    which it may replace. Anything else is refused: kg never deletes what it did not create."""
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise StoreError(
            f"{path} is a file or a link; an Oxigraph store is a folder: give a new folder"
        )
    if path.is_dir() and any(path.iterdir()) and not is_kg_store(path):
        what = (
            "an Oxigraph store kg did not build (it has no kg-store.json)"
            if is_oxigraph_store(path)
            else "a folder with other files in it, not a kg store"
        )
        raise StoreError(
            f"{path} is {what}; kg replaces only stores it built: give a new or empty folder"
        )
    return path


def build_oxigraph(path: str | os.PathLike[str], loaded: LoadedGraph, progress=None) -> int:
    """Fill the Oxigraph store at `path` (created if missing) with a loaded graph, replacing
    what it held: the merged graph as the default graph, each claim as a named graph.

    `kg load` uses the faster kg.store.bulkload; this straightforward path from the rdflib
    loader is what tests/test_bulkload.py checks it against. Returns the quads written.
    """
    path = prepare_oxigraph_folder(path)
    claims = [g for g in loaded.claims.graphs() if len(g)]
    total = len(loaded.graph) + sum(len(g) for g in claims)
    try:
        store = ox.Store(str(path))
    except OSError as error:
        raise StoreError(
            f"cannot open {path} for writing ({one_line(error)}); is a server using it? "
            "stop it first"
        ) from None

    def quads() -> Iterator:
        done = 0
        default = ox.DefaultGraph()
        for graph, name in [(loaded.graph, default)] + [
            (g, to_oxigraph(g.identifier)) for g in claims
        ]:
            for s, p, o in graph:
                yield ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), name)
                done += 1
                if progress and done % 500 == 0:
                    progress(done, total)
        if progress:
            progress(done, total)

    try:
        store.clear()
        store.bulk_extend(quads())
        store.flush()
        store.optimize()
        mark_store(path)
    except OSError as error:
        raise StoreError(f"cannot write the Oxigraph store at {path}: {error}") from None
    finally:
        del store  # closes the database, so readers may open it
    return total


# --- between rdflib and Oxigraph ---------------------------------------------------------------


def to_oxigraph(term: Node):
    """An rdflib term as a pyoxigraph term."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise StoreError(f"cannot store the term {term!r} in Oxigraph")


def to_rdflib(term) -> Node:
    """A pyoxigraph term as an rdflib term (xsd:string literals become plain literals, as
    rdflib parses them from Turtle)."""
    from rdflib import BNode, Literal, URIRef

    from kg.iris import XSD

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD + "string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise StoreError(f"cannot read the term {term!r} from Oxigraph")


def rdflib_triple(quad) -> tuple:
    """A pyoxigraph Triple or Quad's subject, predicate and object as rdflib terms."""
    return to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)
