"""A kg tree: where its ontology/, data/ and queries/ are, found without importing rdflib."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kg.errors import RootError

DATA_SUFFIXES = {".trig": "trig", ".ttl": "turtle"}
SHAPES_FILE = "shapes.ttl"
CONTEXT_FILE = "context.jsonld"
ROOT_ENV = "KG_ROOT"


@dataclass(frozen=True)
class Tree:
    """A kg tree: ontology/, data/ and queries/ under one root."""

    root: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / SHAPES_FILE

    def relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


def _wheel_copy() -> Path:
    """Where the wheel puts ontology/, data/ and queries/: inside the package."""
    return Path(__file__).resolve().parent / "_graph"


def is_installed(tree: Tree) -> bool:
    """Whether a tree is the graph installed with the wheel (read, never edited in place)."""
    return tree.root == _wheel_copy()


def _shipped_root() -> Path:
    package_dir = Path(__file__).resolve().parent
    wheel_copy = _wheel_copy()
    if wheel_copy.is_dir():
        return wheel_copy
    return package_dir.parent  # a source checkout or an editable install


def find_tree(root: str | os.PathLike[str] | None = None, origin: str = "--root") -> Tree:
    """Resolve the tree to use: the given root, else $KG_ROOT, else the shipped graph.

    `origin` names where `root` came from, for the error message.
    """
    if root is None:
        root = os.environ.get(ROOT_ENV) or None
        where = f"${ROOT_ENV}" if root else "the installed package"
    else:
        where = origin
    path = Path(root).expanduser() if root is not None else _shipped_root()
    if not path.is_dir():
        raise RootError(
            f"{where}: '{path}' is not a directory; point --root (or ${ROOT_ENV}) at a kg tree "
            "with ontology/ and data/ in it"
        )
    missing = [name for name in ("ontology", "data") if not (path / name).is_dir()]
    if missing:
        raise RootError(
            f"{where}: '{path}' has no {' or '.join(n + '/' for n in missing)} folder; "
            "a kg tree holds ontology/ (shapes, vocabulary) and data/ (TriG facts)"
        )
    return Tree(path.resolve())


def data_files(tree: Tree) -> list[Path]:
    """Every .trig and .ttl file under data/, sorted. A folder that cannot be listed is an
    error, never an empty graph (which would validate as "Conforms")."""
    return [p for p in files_under(tree, tree.data_dir) if p.suffix in DATA_SUFFIXES]


def files_under(tree: Tree, top: Path) -> list[Path]:
    """Every regular file under a folder of the tree, sorted; a folder that cannot be listed
    is an error (RootError), never left out."""

    def refuse(error: OSError) -> None:
        where = tree.relative(Path(error.filename)) if error.filename else tree.relative(top)
        raise RootError(
            f"{where}: cannot list the folder ({error.strerror}); check its permissions"
        )

    found = []
    for folder, _, names in os.walk(top, onerror=refuse):
        found += [Path(folder) / n for n in names]
    return sorted(p for p in found if p.is_file())
