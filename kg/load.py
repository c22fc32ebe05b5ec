"""Find a kg tree, parse its files, and derive the sourced statements from the authored claims.

Authoring convention (docs/authoring.md): each claim is a named graph in a TriG file of data/,
and the claim's IRI carries, in the default graph, one `kgv:quote` and its `prov:wasDerivedFrom`
sources. Loading asserts every claim triple and reifies it as an `rdf:Statement` carrying the
claim's quote and sources, so a fact is written once and its provenance cannot drift from it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD
from rdflib.term import Node

from kg.dates import bounds
from kg.errors import DataSyntaxError, RootError
from kg.namespaces import CLAIM, KGV, SRC, STMT, SYMMETRIC, bind_prefixes

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


def _shipped_root() -> Path:
    package_dir = Path(__file__).resolve().parent
    wheel_copy = package_dir / "_graph"  # where the wheel puts ontology/, data/, queries/
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


def parse_file(path: Path, tree: Tree | None = None, format: str | None = None) -> Dataset:
    """Parse one RDF file into a fresh Dataset, turning syntax errors into `file:line: message`."""
    shown = tree.relative(path) if tree else str(path)
    format = format or DATA_SUFFIXES.get(path.suffix, "turtle")
    dataset = Dataset()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise DataSyntaxError(f"{shown}:{line}: not UTF-8 text; save the file as UTF-8") from None
    except OSError as error:
        raise DataSyntaxError(
            f"{shown}: cannot read it ({error.strerror}); check its permissions"
        ) from None
    try:
        # A fixed base keeps any relative IRI independent of where the file sits on disk.
        dataset.parse(data=text, format=format, publicID=str(CLAIM)[: -len("claim/")])
    except Exception as error:  # rdflib raises many types; all mean "this file does not parse"
        line, message = _syntax_error_position(error, text)
        raise DataSyntaxError(
            f"{shown}:{line}: {message} (fix the {format.upper()} syntax there)"
        ) from None
    return dataset


def _syntax_error_position(error: Exception, text: str) -> tuple[int, str]:
    lines = getattr(error, "lines", None)  # rdflib's notation3 BadSyntax: 0-based line
    why = getattr(error, "_why", None)
    if isinstance(lines, int) and why:
        return lines + 1, str(why)
    message = " ".join(str(error).split()) or type(error).__name__
    found = re.search(r"line (\d+)", message)
    return (int(found.group(1)) if found else 1), message


@dataclass
class LoadedGraph:
    """What `load` returns: the merged graph, its claims, and where each node was written."""

    tree: Tree
    graph: Graph  # facts + entity descriptions + source records + derived statements
    claims: Dataset  # one named graph per claim, as authored
    files: list[Path] = field(default_factory=list)
    declared_in: dict[Node, Path] = field(default_factory=dict)  # subject -> first file
    _line_index: dict[Path, LineIndex] = field(default_factory=dict, repr=False, compare=False)

    def locate(self, node: Node) -> str | None:
        """`data/file.trig:LINE` where a node is written as a subject (or first mentioned); a
        statement is written as its claim, a credit (prov:Derivation) with its statement.
        Each file is read and indexed once per LoadedGraph, however many nodes are located."""
        if not isinstance(node, URIRef):
            return None
        path = self.declared_in.get(node)
        if path is None:
            statement = self.graph.value(None, PROV.qualifiedDerivation, node)
            return self.locate(statement) if statement is not None else None
        anchor = self.graph.value(node, KGV.fromClaim) or node
        if path not in self._line_index:
            self._line_index[path] = LineIndex.of(path)
        return f"{self.tree.relative(path)}:{self._line_index[path].line(anchor, self.graph)}"

    @property
    def claim_names(self) -> list[Node]:
        return sorted(g.identifier for g in self.claims.graphs() if len(g))

    @property
    def statements(self) -> list[Node]:
        return sorted(self.graph.subjects(RDF.type, RDF.Statement))


@dataclass(frozen=True)
class LineIndex:
    """A data file's lines, and the first line each token that can start a line starts (every
    prefix of a line's first word that ends before a character not in [A-Za-z0-9_-])."""

    lines: list[str]
    starts: dict[str, int]

    @classmethod
    def of(cls, path: Path) -> LineIndex:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []  # only a line number is lost; the file's own error is reported elsewhere
        starts: dict[str, int] = {}
        for index, line in enumerate(lines, 1):
            word = line.split(None, 1)[0] if line.strip() else ""
            if not (word.startswith("<") or ":" in word):
                continue
            for end in [m.start() for m in _TOKEN_END.finditer(word)] + [len(word)]:
                starts.setdefault(word[:end], index)
        return cls(lines, starts)

    def line(self, node: Node, graph: Graph) -> int:
        """Where `node` starts a description, else where it is first mentioned, else 1."""
        needles = [f"<{node}>"]
        with contextlib.suppress(KeyError, ValueError):  # an IRI outside every bound prefix
            needles.append(graph.namespace_manager.curie(node, generate=False))
        found = [self.starts[n] for n in needles if n in self.starts]
        if found:
            return min(found)
        return next(
            (i for i, line in enumerate(self.lines, 1) if any(n in line for n in needles)), 1
        )


_TOKEN_END = re.compile(r"(?!^)[^\w-]")  # where a token may end


def _line_of(path: Path, node: URIRef, graph: Graph) -> int:
    """The line of `node` in one file, for a load error (read once: errors are rare)."""
    return LineIndex.of(path).line(node, graph)


def statement_iri(claim: Node, triple: tuple[Node, Node, Node]) -> URIRef:
    """A stable IRI for the statement of `triple` in `claim`: same claim and triple, same IRI."""
    return URIRef(statement_name(claim_key(claim), " ".join(map(_hashed_form, triple))))


def _hashed_form(term: Node) -> str:
    """The term's `.n3()`, for the RDF 1.1 term it is: "x"^^xsd:string is "x", and language
    tags are case-insensitive (Oxigraph lowercases them; so does the IRI, for the same fact)."""
    if isinstance(term, Literal):
        if term.datatype == XSD.string:
            return Literal(str(term)).n3()
        if term.language and term.language != term.language.lower():
            return Literal(str(term), lang=term.language.lower()).n3()
    return term.n3()


def claim_key(claim: Node | str) -> str:
    """The claim's part of its statements' IRIs: its local name, or a digest of an odd IRI."""
    claim_name = str(claim)
    local = claim_name[len(str(CLAIM)) :] if claim_name.startswith(str(CLAIM)) else None
    if not local or not re.fullmatch(r"[A-Za-z0-9._~-]+", local):
        local = hashlib.sha1(claim_name.encode()).hexdigest()[:12]
    return local


def statement_name(key: str, ntriple: str) -> str:
    """The statement IRI for a claim key and the triple in rdflib's `.n3()` form, space-joined."""
    return f"{STMT}{key}-{hashlib.sha1(ntriple.encode()).hexdigest()[:10]}"


def derivation_name(statement: str, entity: str) -> str:
    """The IRI of the prov:Derivation that credits `entity` (a source) for `statement`."""
    local = entity[len(str(SRC)) :] if entity.startswith(str(SRC)) else ""
    if not re.fullmatch(r"[A-Za-z0-9._~-]+", local):
        local = hashlib.sha1(entity.encode()).hexdigest()[:12]
    return f"{statement}/from/{local}"


def data_files(tree: Tree) -> list[Path]:
    """Every .trig and .ttl file under data/, sorted. A folder that cannot be listed is an
    error, never an empty graph (which would validate as "Conforms")."""

    def refuse(error: OSError) -> None:
        where = tree.relative(Path(error.filename)) if error.filename else "data/"
        raise RootError(
            f"{where}: cannot list the folder ({error.strerror}); check its permissions"
        )

    found = []
    for folder, _, names in os.walk(tree.data_dir, onerror=refuse):
        found += [Path(folder) / n for n in names if Path(n).suffix in DATA_SUFFIXES]
    return sorted(p for p in found if p.is_file())


def load(tree: Tree) -> LoadedGraph:
    """Parse every data file of the tree and derive one rdf:Statement per claim triple."""
    loaded = LoadedGraph(tree=tree, graph=bind_prefixes(Graph()), claims=Dataset())
    bind_prefixes(loaded.claims)
    claim_files: dict[Node, Path] = {}
    default_triples: list[tuple[tuple[Node, Node, Node], Path]] = []
    loaded.files = data_files(tree)
    for path in loaded.files:
        parsed = parse_file(path, tree)
        for graph in parsed.graphs():
            name = graph.identifier
            if name == parsed.default_graph.identifier or len(graph) == 0:
                continue

            # Only an error needs the line: finding it scans the file, once per claim.
            def where(path=path, name=name) -> str:
                return f"{tree.relative(path)}:{_line_of(path, name, loaded.graph)}"

            if name in claim_files:
                raise DataSyntaxError(
                    f"{where()}: claim {_short(loaded.graph, name)} is also written in "
                    f"{tree.relative(claim_files[name])}; give each claim its own name"
                )
            claim_files[name] = path
            claim_graph = loaded.claims.graph(name)
            for triple in graph:
                if any(isinstance(term, BNode) for term in triple):
                    raise DataSyntaxError(
                        f"{where()}: claim {_short(loaded.graph, name)} uses a blank node; name "
                        "that node with a kgr: IRI so its statement has a stable identity"
                    )
                claim_graph.add(triple)
                loaded.graph.add(triple)
                loaded.declared_in.setdefault(triple[0], path)
        default_triples.extend((triple, path) for triple in parsed.default_graph)

    metadata = Graph()  # what the files say about claims, consumed into their statements
    described: dict[BNode, list[tuple[tuple[Node, Node, Node], Path]]] = {}
    for triple, path in default_triples:
        subject = triple[0]
        if subject in claim_files:
            metadata.add(triple)
        elif isinstance(subject, BNode):
            described.setdefault(subject, []).append((triple, path))  # a credit, or plain data
        else:
            _add_plain(loaded, triple, path)
    credits: dict[Node, list[tuple[Node, list[tuple[Node, Node]]]]] = {}
    for claim, node in sorted(metadata.subject_objects(PROV.qualifiedDerivation)):
        entities = [o for (_, p, o), _ in described.get(node, []) if p == PROV.entity]
        if not isinstance(node, BNode) or len(entities) != 1 or not isinstance(entities[0], URIRef):
            path = claim_files[claim]
            raise DataSyntaxError(
                f"{tree.relative(path)}:{_line_of(path, claim, loaded.graph)}: claim "
                f"{_short(loaded.graph, claim)} credits a source without naming it once; write "
                'each credit as [ prov:entity src:... ; kgv:entryWords "..." ] or '
                "[ prov:entity src:... ; kgv:topicOnly true ]"
            )
        description = [(p, o) for (_, p, o), _ in described.pop(node)]
        credits.setdefault(claim, []).append((entities[0], sorted(description)))
    for items in described.values():  # blank nodes that are not credits: plain data
        for triple, path in items:
            _add_plain(loaded, triple, path)
    for name, path in claim_files.items():
        loaded.declared_in[name] = path
        _reify_claim(loaded, name, metadata, credits.get(name, []))
    return loaded


def _add_plain(loaded: LoadedGraph, triple: tuple[Node, Node, Node], path: Path) -> None:
    """A default-graph triple that is not about a claim: an entity's type or name, a record."""
    subject, predicate = triple[0], triple[1]
    if predicate == KGV.quote:
        raise DataSyntaxError(
            f"{loaded.tree.relative(path)}:{_line_of(path, subject, loaded.graph)}: "
            f"{_short(loaded.graph, subject)} has a kgv:quote but no claim graph; write "
            "the triples that quote states inside `claim:... { }` next to it"
        )
    loaded.graph.add(triple)
    loaded.declared_in.setdefault(subject, path)


def _short(graph: Graph, node: Node) -> str:
    return node.n3(graph.namespace_manager)


def _reify_claim(
    loaded: LoadedGraph,
    claim: Node,
    metadata: Graph,
    credits: list[tuple[Node, list[tuple[Node, Node]]]],
) -> None:
    """One rdf:Statement per claim triple, carrying the claim's quote and sources; each credited
    reference as a prov:Derivation of its own (with its reason); a dated object's day range;
    and for a symmetric predicate the inverse fact, marked kgv:inverseOf the authored one."""
    about_claim = list(metadata.predicate_objects(claim))
    graph = loaded.graph

    def reify(triple: tuple[Node, Node, Node]) -> URIRef:
        statement = statement_iri(claim, triple)
        graph.add((statement, RDF.type, RDF.Statement))
        graph.add((statement, RDF.subject, triple[0]))
        graph.add((statement, RDF.predicate, triple[1]))
        graph.add((statement, RDF.object, triple[2]))
        graph.add((statement, KGV.fromClaim, claim))
        for predicate, obj in about_claim:
            if predicate != PROV.qualifiedDerivation:
                graph.add((statement, predicate, obj))
        for entity, description in credits:
            derivation = URIRef(derivation_name(str(statement), str(entity)))
            graph.add((statement, PROV.wasDerivedFrom, entity))
            graph.add((statement, PROV.qualifiedDerivation, derivation))
            graph.add((derivation, RDF.type, PROV.Derivation))
            for predicate, obj in description:
                graph.add((derivation, predicate, obj))
        obj = triple[2]
        days = bounds(str(obj), obj.datatype) if isinstance(obj, Literal) else None
        if days:
            graph.add((statement, KGV.earliest, Literal(days[0], datatype=XSD.date)))
            graph.add((statement, KGV.latest, Literal(days[1], datatype=XSD.date)))
        loaded.declared_in[statement] = loaded.declared_in.get(claim) or loaded.declared_in.get(
            triple[0]
        )
        return statement

    for triple in loaded.claims.graph(claim):
        statement = reify(triple)
        subject, predicate, obj = triple
        if predicate in SYMMETRIC and isinstance(obj, URIRef):
            graph.add((obj, predicate, subject))
            graph.add((reify((obj, predicate, subject)), KGV.inverseOf, statement))


def load_ontology(tree: Tree) -> Graph:
    """The vocabulary files of ontology/ (every Turtle file but the shapes)."""
    graph = bind_prefixes(Graph())
    for path in sorted(tree.ontology_dir.glob("*.ttl")):
        if path.name != SHAPES_FILE:
            graph += parse_file(path, tree).default_graph
    return graph


def load_shapes(tree: Tree) -> Graph:
    if not tree.shapes_file.is_file():
        raise RootError(
            f"{tree.relative(tree.shapes_file)}: no shapes file; every kg tree needs "
            "ontology/shapes.ttl"
        )
    graph = bind_prefixes(Graph())
    graph += parse_file(tree.shapes_file, tree).default_graph
    return graph


def iter_quotes(graph: Graph) -> Iterable[tuple[Node, str]]:
    for statement, quote in graph.subject_objects(KGV.quote):
        yield statement, str(quote)


CACHE_ENV = "KG_CACHE_DIR"


def cache_dir() -> Path | None:
    """Where parsed graphs are cached: $KG_CACHE_DIR, else $XDG_CACHE_HOME/kg, else ~/.cache/kg.

    KG_CACHE_DIR set to an empty string turns the cache off.
    """
    if CACHE_ENV in os.environ:
        return Path(os.environ[CACHE_ENV]) if os.environ[CACHE_ENV] else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kg"


def cache_key(tree: Tree) -> str:
    """A digest of everything the loaded graph depends on: the data files and the code."""
    import rdflib

    from kg import __version__

    digest = hashlib.sha256(f"kg {__version__} rdflib {rdflib.__version__}\n".encode())
    digest.update(Path(__file__).read_bytes())  # a change to the loader changes the graph
    for path in data_files(tree):
        digest.update(f"{path.relative_to(tree.data_dir)}\n".encode())
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError as error:
            raise DataSyntaxError(
                f"{tree.relative(path)}: cannot read it ({error.strerror}); check its permissions"
            ) from None
    return digest.hexdigest()[:32]


def private_to_me(path: Path) -> bool:
    """Whether `path` is owned by this user and writable by nobody else: the only cache kg
    trusts, since unpickling a file runs whatever code its writer put in it."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return info.st_uid == os.geteuid() and not info.st_mode & 0o022


def cached(kind: str, key: str, build):
    """`build()`, pickled under cache_dir() as `<kind>-<key>.pickle` and reused while the key holds.

    The key must digest everything the value depends on. Any problem with the cache (missing,
    stale, unreadable, unwritable) only costs a call to `build`. A pickle is code: kg reads one
    only from a folder and file that this user owns and nobody else can write (as ssh treats
    its keys); otherwise the cache is not used at all, neither read nor written.
    """
    import pickle

    folder = cache_dir()
    if folder is None:
        return build()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return build()
    if not private_to_me(folder):
        return build()
    path = folder / f"{kind}-{key}.pickle"
    if private_to_me(path):
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)
        except Exception:  # a stale or unreadable cache only costs a build
            pass
    value = build()
    temporary = folder / f".{kind}-{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(temporary, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        temporary.unlink(missing_ok=True)
    return value


def load_graph_cached(tree: Tree) -> Graph:
    """The merged graph of `load(tree)`, from a pickle keyed by content when one is there.

    Parsing TriG dominates a query's start-up; the pickle loads several times faster.
    """
    return cached("graph", cache_key(tree), lambda: load(tree).graph)
