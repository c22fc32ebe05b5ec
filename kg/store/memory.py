"""The `memory` store (the default): an in-memory Oxigraph store, filled by Oxigraph's own TriG
parser and kg's derivation (kg.store.bulkload, the code `kg load` uses for the disk store). Its
N-Quads are kept in kg's content-keyed cache (kg.cache), so a later start loads them in one
Oxigraph parse and derives nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.store import Progress, StoreSpec
from kg.store.oxigraph import OxigraphEngine
from kg.tree import Tree, data_files

if TYPE_CHECKING:
    from kg.load import LoadedGraph


class MemoryStore(OxigraphEngine):
    """Oxigraph in memory, filled from the tree's files (through the content-keyed cache)."""

    from_tree = True

    def __init__(self, spec: StoreSpec, tree: Tree) -> None:
        super().__init__(spec, tree)
        self.store = memory_store(tree)

    def loaded(self) -> LoadedGraph:
        from kg.load import load

        return load(self.tree)  # parsed afresh: it knows each node's file and line

    def describe(self) -> str:
        return f"memory: {self.tree.root} ({self.triples():,} triples)"

    @classmethod
    def build(cls, spec: StoreSpec, tree: Tree, progress: Progress | None = None) -> str:
        store = cls(spec, tree)  # parses the tree and fills the cache
        return f"memory: parsed {tree.root}: {store.triples():,} triples, cached for later commands"


def graph_key(tree: Tree) -> str:
    """A digest of everything the loaded graph depends on: the data files, the code that derives
    the statements, and the versions of kg and Oxigraph."""
    from kg import __version__, dates, iris
    from kg.store import bulkload

    digest = hashlib.sha256(f"kg {__version__} pyoxigraph {ox.__version__}\n".encode())
    for module in (bulkload, iris, dates):  # a change to the derivation changes the graph
        digest.update(Path(module.__file__).read_bytes())
    for path in data_files(tree):
        digest.update(f"{path.relative_to(tree.data_dir)}\n".encode())
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError as error:
            from kg.errors import DataSyntaxError

            raise DataSyntaxError(
                f"{tree.relative(path)}: cannot read it ({error.strerror}); check its permissions"
            ) from None
    return digest.hexdigest()[:32]


def nquads(tree: Tree) -> bytes:
    """The tree parsed and derived (kg.store.bulkload), as N-Quads."""
    from kg.store import bulkload

    return "".join(bulkload.plan(tree).lines).encode("utf-8")


def cache_graph(tree: Tree) -> tuple[Path | None, bytes | None]:
    """The tree's graph as N-Quads in the cache, built if missing (kg.cache.cached_file): so
    that several workers about to open the same tree do not each build it."""
    from kg.cache import cached_file

    return cached_file(f"graph-{graph_key(tree)}.nq", lambda: nquads(tree))


def memory_store(tree: Tree) -> ox.Store:
    """An in-memory Oxigraph store holding the tree's graph, from the cache when it is there."""
    path, data = cache_graph(tree)
    store = ox.Store()
    # lenient: the lines were written from terms Oxigraph parsed and checked (half the time).
    if path is not None:
        store.load(path=str(path), format=ox.RdfFormat.N_QUADS, lenient=True)
    else:
        store.load(data, format=ox.RdfFormat.N_QUADS, lenient=True)
    return store
