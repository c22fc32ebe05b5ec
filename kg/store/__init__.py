"""Where the graph lives: Oxigraph in memory, an Oxigraph store on disk, or any SPARQL 1.1 engine.

`open_store(spec, tree)` reads a store spec — `memory` (the default), `oxigraph:PATH` or
`sparql:URL` — and returns a Store with one interface for every backend:

    store.run(checked, bindings, most) -> kg.results.Result  (kg.answer renders it)
    store.graph() -> rdflib.Graph                          (the whole graph, for export/why/pages)
    store.loaded() -> LoadedGraph                          (for export, validate, why, pages)
    store.describe() -> str                                (one line: what it holds)
    Backend.build(spec, tree, progress) / store.push(...)  (`kg load` / `kg push`)

BACKENDS is the one registry of store kinds: nothing outside this package asks which kind a
store is; it asks the backend's properties (`local`, `maps_memory`, `from_tree`).

Every query reaching a store has been cleared by `queries.check` (the one authority: read-only,
no SERVICE, no FROM). Parameters are bound as RDF terms from `queries.bind`, never from the
user's text (kg.store.binding). Both local stores run Oxigraph; a sparql: store sends the query
to the engine. pyoxigraph is imported by every backend; rdflib only by graph() and loaded().
"""

from __future__ import annotations

import importlib
import os
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from kg.errors import KgError
from kg.tree import Tree

if TYPE_CHECKING:
    from rdflib import Dataset, Graph

    from kg.load import LoadedGraph
    from kg.queries import CheckedQuery, Term
    from kg.results import Result

STORE_ENV = "KG_STORE"
GRAPH_IRI = "https://kg.example.org/kassis/graph"  # the named graph a sparql: store holds
DEFAULT_TIMEOUT = 30.0
# Triples per request when pushing, by way: an update's text stays under the 10,000 lines
# Virtuoso parses (SP031), a Graph Store request is one N-Triples body, which engines stream.
PUSH_BATCH = {"gsp": 50_000, "update": 5_000}
FORMS = "memory, oxigraph:PATH (a folder), or sparql:URL (an http:// or https:// query endpoint)"

Progress = Callable[[int, int], None]  # (done, total)


class StoreError(KgError):
    """A store cannot be opened, built or filled as asked."""

    status = 502  # over HTTP: the store, not the request, failed


class EndpointError(StoreError):
    """A SPARQL endpoint could not be reached, failed, or did not answer in SPARQL."""


# --- the registry ------------------------------------------------------------------------------

# kind -> "module:Class", imported when a store of that kind is opened.
BACKENDS: dict[str, str] = {
    "memory": "kg.store.memory:MemoryStore",
    "oxigraph": "kg.store.oxigraph:OxigraphStore",
    "sparql": "kg.store.sparql:SparqlStore",
}


def backend(kind: str) -> type[Store]:
    module, _, name = BACKENDS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


# --- specs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreSpec:
    """A parsed `--store` value and the options that go with it (picklable, for workers)."""

    kind: str  # a key of BACKENDS
    target: str = ""  # the folder or the query URL
    update_url: str | None = None
    gsp_url: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    def __str__(self) -> str:
        return self.kind if not self.target else f"{self.kind}:{redact_url(self.target)}"

    @property
    def backend(self) -> type[Store]:
        return backend(self.kind)


def parse_spec(
    text: str | None,
    *,
    update_url: str | None = None,
    gsp_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> StoreSpec:
    """Read `memory`, `oxigraph:PATH` or `sparql:URL`, or say which forms are accepted."""
    text = (text or "memory").strip()
    kind, colon, target = text.partition(":")
    kind = kind.lower()
    if kind == "memory" and not target:
        spec = StoreSpec("memory", timeout=timeout)
    elif kind == "oxigraph" and colon and target:
        spec = StoreSpec("oxigraph", os.path.expanduser(target), timeout=timeout)
    elif kind == "sparql" and colon and is_http(target):
        spec = StoreSpec("sparql", target, update_url, gsp_url, timeout)
    else:
        shown = re.sub(r"(?<=://).*@", "***@", text)  # whatever the URL, never echo a password
        raise StoreError(f"unknown store '{shown}'; use {FORMS}")
    for option, url in (("--update-url", update_url), ("--gsp-url", gsp_url)):
        if url is not None and not is_http(url):
            raise StoreError(f"{option} takes an http:// or https:// URL, not '{url}'")
        if url is not None and spec.kind != "sparql":
            raise StoreError(f"{option} goes with a sparql:URL store, not with {spec}")
    return spec


def is_http(url: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 -- raises on a port that is not a number
    except ValueError:  # "http://[::1" and other URLs urllib cannot read
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def redact_url(url: str) -> str:
    """`url` as messages may show it: the password in its userinfo as ***, and a user alone
    (often a token) as ***. Works on URLs urllib cannot read too."""

    def hide(match: re.Match) -> str:
        user, colon, _ = match.group(2).partition(":")
        return f"{match.group(1)}{user + ':***' if colon else '***'}@"

    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)@", hide, url)


def open_store(spec: str | StoreSpec | None, tree: Tree, **options) -> Store:
    """The store a spec names, opened for reading; options are parse_spec's keywords."""
    if not isinstance(spec, StoreSpec):
        spec = parse_spec(spec, **options)
    return spec.backend(spec, tree)


# --- the interface -----------------------------------------------------------------------------


class Store:
    """One backend holding the loaded graph of a tree."""

    local: ClassVar[bool] = True  # answers in this process, with no network
    maps_memory: ClassVar[bool] = False  # maps files when opened (RocksDB): see kg.web.workers
    from_tree: ClassVar[bool] = False  # parsed from the tree's files each time it is opened

    def __init__(self, spec: StoreSpec, tree: Tree) -> None:
        self.spec = spec
        self.tree = tree

    def run(
        self, query: CheckedQuery, bindings: dict[str, Term], most: int | None = None
    ) -> Result:
        """Run a checked query with its parameters bound; its answer, in kg's order. With
        `most`, at most that many rows or triples, the Result marked truncated if there were
        more (an engine that streams stops there)."""
        raise NotImplementedError

    def graph(self) -> Graph:
        """The whole graph (facts, entities, source records and statements), for rdflib."""
        raise NotImplementedError

    def loaded(self) -> LoadedGraph:
        """The graph with its claims, as kg.load.load returns it (without file:line locations)."""
        from kg.load import LoadedGraph

        graph = self.graph()
        return LoadedGraph(tree=self.tree, graph=graph, claims=claims_from_statements(graph))

    def describe(self) -> str:
        raise NotImplementedError

    @classmethod
    def build(cls, spec: StoreSpec, tree: Tree, progress: Progress | None = None) -> str:
        """`kg load`: build the store from the tree; one line saying what it now holds."""
        raise NotImplementedError

    def push(self, graph: Graph, progress: Progress | None = None, **options) -> int:
        raise StoreError(
            f"push sends the graph to a SPARQL engine: give --store sparql:URL (not {self.spec}); "
            "an oxigraph: store is built with `kg load`"
        )


def claims_from_statements(graph: Graph) -> Dataset:
    """The claim graphs, rebuilt from the statements: each claim holds the triples its
    statements reify (kg.load derives exactly one statement per claim triple, and the derived
    inverse of a symmetric fact, kgv:inverseOf it, which is not in the claim)."""
    from rdflib import Dataset
    from rdflib.namespace import RDF

    from kg.namespaces import KGV, bind_prefixes

    claims = bind_prefixes(Dataset())
    for statement, claim in graph.subject_objects(KGV.fromClaim):
        if graph.value(statement, KGV.inverseOf) is not None:
            continue
        triple = (
            graph.value(statement, RDF.subject),
            graph.value(statement, RDF.predicate),
            graph.value(statement, RDF.object),
        )
        if None not in triple:
            claims.graph(claim).add(triple)
    return claims
