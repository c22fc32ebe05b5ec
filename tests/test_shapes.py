"""Every SHACL node shape of ontology/shapes.ttl has fixtures that conform and violate it.

Fixtures live in tests/shapes/<ShapeName>/ (the shape's local name):

- ``conforms.ttl`` must draw no validation result from that shape;
- each ``violates-<what>.ttl`` starts with the line ``# expect: <sh:message>`` and must draw at
  least one result from that shape whose message is exactly that text (and no other message).

Fixtures are small data graphs in the loaded form (claims already reified as rdf:Statement nodes
with their quote and sources, as kg/load.py derives them). Results of other shapes are ignored, so
a fixture only has to be complete for the shape it tests. A result belongs to a node shape when its
sh:sourceShape is that shape or one of its sh:property shapes.

The value shapes without targets (kgsh:DateValue, ...) are tested through a copy of the shapes
graph in which they target the objects of ``test:value``
(<https://kg.example.org/kassis/test#value>), the predicate their fixtures use.

A new node shape without fixtures fails here, and so does a fixture folder or file that matches no
shape.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

ROOT = Path(__file__).resolve().parent.parent
SHAPES_FILE = ROOT / "ontology" / "shapes.ttl"
FIXTURES = Path(__file__).resolve().parent / "shapes"
KGSH = "https://kg.example.org/kassis/shapes#"
KGSH_NS = Namespace(KGSH)
TEST_VALUE = URIRef("https://kg.example.org/kassis/test#value")
EXPECT = "# expect: "
CONFORMS = "conforms.ttl"
TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target)
# Fixtures that are right but cannot pass until ontology/shapes.ttl is fixed: fixture id -> why.
# Strict xfails, so a fix makes them fail until the entry is removed.
KNOWN_SHAPE_BUGS: dict[str, str] = {}  # fixture id -> why the shape still fails it
# Constraint parameters that make a node shape report results itself (not through a property
# shape); each needs a message on the node shape. sh:sparql is checked on its constraint instead.
NODE_LEVEL = (
    SH["or"],
    SH["and"],
    SH.xone,
    SH["not"],
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.node,
    SH["in"],
    SH.hasValue,
    SH.pattern,
    SH.closed,
)


def _shape_name(shape: Node) -> str:
    return str(shape)[len(KGSH) :] if str(shape).startswith(KGSH) else str(shape)


def _parse_shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


_SHAPES = _parse_shapes()
NODE_SHAPES = sorted(_SHAPES.subjects(RDF.type, SH.NodeShape))
SHAPE_NAMES = [_shape_name(shape) for shape in NODE_SHAPES]
FIXTURE_FILES = sorted(FIXTURES.glob("*/*.ttl"))


def _fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _targetless(shapes: Graph, shape: Node) -> bool:
    return not any((shape, target, None) in shapes for target in TARGETS)


def _expected_message(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0] if path.stat().st_size else ""
    assert first.startswith(EXPECT), (
        f"{path.relative_to(ROOT)}: a violating fixture starts with `{EXPECT}<the sh:message>`"
    )
    return first[len(EXPECT) :].strip()


@pytest.fixture(scope="module")
def shapes() -> dict[str, Graph]:
    """The shapes graph to validate each shape's fixtures with, checked once to load in pyshacl.

    A value shape without targets gets its own copy of the graph in which it (and only it)
    targets the objects of test:value.
    """
    base = _parse_shapes()
    graphs = {}
    for shape in NODE_SHAPES:
        graph = base
        if _targetless(base, shape):
            graph = Graph()
            graph += base
            graph.add((shape, SH.targetObjectsOf, TEST_VALUE))
        graphs[_shape_name(shape)] = graph
    for graph in {id(g): g for g in graphs.values()}.values():
        conforms, _, text = validate(Graph(), shacl_graph=graph, inference="none", advanced=True)
        assert conforms, f"ontology/shapes.ttl does not validate an empty graph:\n{text}"
    return graphs


@pytest.fixture(scope="module")
def run(shapes: dict[str, Graph]):
    """`_run` on the shapes graph of the fixture's folder, each fixture and engine run once."""
    done: dict[tuple[Path, str], list[tuple[Node | None, list[str], str]]] = {}

    def found(path: Path, engine: str = "kg") -> list[tuple[Node | None, list[str], str]]:
        if (path, engine) not in done:
            done[path, engine] = _run(shapes[path.parent.name], path, engine)
        return done[path, engine]

    return found


def _owner(shapes: Graph, source: Node | None) -> Node | None:
    """The node shape a result's sh:sourceShape belongs to."""
    if source in NODE_SHAPES:
        return source
    return shapes.value(None, SH.property, source) if source is not None else None


def _show(results: Graph, node: Node | None) -> str:
    if node is None:
        return "-"
    if isinstance(node, BNode):
        return "[]"
    return node.n3(results.namespace_manager)


ENGINES = ("kg", "pyshacl -a", "pyshacl")


def _run(shapes: Graph, path: Path, engine: str = "kg") -> list[tuple[Node | None, list[str], str]]:
    """Validate a fixture: (owning node shape, messages, description) for each top-level result.

    As `kg validate` runs pyshacl ("kg": focus nodes found by Oxigraph), or plain pyshacl on the
    shapes as written, with SHACL-AF ("pyshacl -a") or SHACL core and SHACL-SPARQL alone
    ("pyshacl"). In all three rdflib parses each SPARQL text once (the same Query object, so the
    same answers; parsing it per focus node made these tests take minutes)."""
    from kg.validate import sparql_parsed_once, with_focus_nodes_found

    data = Graph().parse(path, format="turtle")
    with sparql_parsed_once():
        if engine == "kg":
            narrowed = with_focus_nodes_found(data, shapes)
            _, results, _ = validate(data, shacl_graph=narrowed, inference="none", advanced=True)
        else:
            advanced = engine == "pyshacl -a"
            _, results, _ = validate(data, shacl_graph=shapes, inference="none", advanced=advanced)
    for prefix, namespace in data.namespaces():
        results.bind(prefix, namespace, override=False)
    found = []
    for result in results.objects(None, SH.result):
        owner = _owner(shapes, results.value(result, SH.sourceShape))
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        component = results.value(result, SH.sourceConstraintComponent)
        focus, path, value = (
            _show(results, results.value(result, term))
            for term in (SH.focusNode, SH.resultPath, SH.value)
        )
        shown = (
            f"{_shape_name(owner) if owner else '?'}: focus {focus}, path {path}, value {value}"
            f" ({str(component).rsplit('#', 1)[-1] if component else '?'})"
            + "".join(f"\n      {m!r}" for m in messages)
        )
        found.append((owner, messages, shown))
    return found


def _listing(found: list[tuple[Node | None, list[str], str]]) -> str:
    return "\n".join(f"  - {shown}" for _, _, shown in found) or "  (no results)"


# --- every shape has fixtures -------------------------------------------------------------


def test_shapes_found() -> None:
    assert NODE_SHAPES, f"{SHAPES_FILE.relative_to(ROOT)} declares no sh:NodeShape"
    assert all(str(s).startswith(KGSH) for s in NODE_SHAPES), "node shapes are kgsh: IRIs"


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_shape_has_fixtures(name: str) -> None:
    folder = FIXTURES / name
    where = folder.relative_to(ROOT)
    assert folder.is_dir(), f"kgsh:{name} has no fixture folder {where}/"
    assert (folder / CONFORMS).is_file(), f"kgsh:{name} has no {where}/{CONFORMS}"
    assert sorted(folder.glob("violates-*.ttl")), f"kgsh:{name} has no {where}/violates-*.ttl"


def test_fixtures_match_shapes() -> None:
    stray = [
        str(path.relative_to(ROOT))
        for path in sorted(FIXTURES.glob("*/*"))
        if path.parent.name not in SHAPE_NAMES
        or not (
            path.name == CONFORMS or (path.name.startswith("violates-") and path.suffix == ".ttl")
        )
    ]
    stray += [
        str(path.relative_to(ROOT))
        for path in sorted(FIXTURES.glob("*"))
        if not path.is_dir() or path.name not in SHAPE_NAMES
    ]
    assert not stray, (
        "fixtures must be tests/shapes/<ShapeName>/conforms.ttl or violates-<what>.ttl "
        f"for a node shape of ontology/shapes.ttl; stray: {stray}"
    )


# --- every constraint speaks plain English -------------------------------------------------


def _described(shapes: Graph, node: Node) -> str:
    return ", ".join(
        f"{p.n3(shapes.namespace_manager)} {o.n3(shapes.namespace_manager)}"
        for p, o in sorted(shapes.predicate_objects(node))
        if not isinstance(o, BNode)
    )


def test_every_constraint_has_a_message() -> None:
    """Property shapes, SPARQL constraints and node-level constraints all carry an sh:message."""
    shapes = _parse_shapes()
    names = shapes.namespace_manager
    missing = []
    property_shapes = set(shapes.objects(None, SH.property))
    property_shapes |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    for prop in property_shapes:
        if (prop, SH.message, None) not in shapes:
            owner = _shape_name(shapes.value(None, SH.property, prop))
            missing.append(f"kgsh:{owner} property shape [{_described(shapes, prop)}]")
    constraints = set(shapes.objects(None, SH.sparql))
    constraints |= set(shapes.subjects(RDF.type, SH.SPARQLConstraint))
    for constraint in constraints:
        owner = shapes.value(None, SH.sparql, constraint)
        if (constraint, SH.message, None) not in shapes and (owner, SH.message, None) not in shapes:
            missing.append(f"kgsh:{_shape_name(owner)} SPARQL constraint")
    for node_shape in NODE_SHAPES:
        node_level = [p.n3(names) for p in NODE_LEVEL if (node_shape, p, None) in shapes]
        if node_level and (node_shape, SH.message, None) not in shapes:
            missing.append(f"kgsh:{_shape_name(node_shape)} (node-level {', '.join(node_level)})")
    assert not missing, "constraints without a plain-English sh:message:\n" + "\n".join(
        f"  - {m}" for m in sorted(missing)
    )


# --- the fixtures ----------------------------------------------------------------------------


def _cases(paths: list[Path]) -> list:
    return [
        pytest.param(
            path,
            id=_fixture_id(path),
            marks=[pytest.mark.xfail(reason=KNOWN_SHAPE_BUGS[_fixture_id(path)], strict=True)]
            if _fixture_id(path) in KNOWN_SHAPE_BUGS
            else [],
        )
        for path in paths
    ]


@pytest.mark.parametrize("path", _cases([p for p in FIXTURE_FILES if p.name == CONFORMS]))
def test_conforms(run, path: Path) -> None:
    shape = URIRef(KGSH + path.parent.name)
    found = run(path)
    own = [item for item in found if item[0] == shape]
    assert not own, (
        f"{path.relative_to(ROOT)} should conform to kgsh:{path.parent.name}, but:\n"
        + _listing(own)
    )


@pytest.mark.parametrize(
    "path", _cases([p for p in FIXTURE_FILES if p.name.startswith("violates-")])
)
def test_violates(run, path: Path) -> None:
    expected = _expected_message(path)
    shape = URIRef(KGSH + path.parent.name)
    found = run(path)
    hits = [messages for owner, messages, _ in found if owner == shape and expected in messages]
    assert hits, (
        f"{path.relative_to(ROOT)} should violate kgsh:{path.parent.name} with\n"
        f"  {expected!r}\nbut the results are:\n" + _listing(found)
    )
    assert [expected] in hits, (
        f"{path.relative_to(ROOT)}: the kgsh:{path.parent.name} result carries other messages "
        "besides the expected one (a reader sees only one of them):\n" + _listing(found)
    )


# --- kg's validation gives pyshacl's report, and so does any SHACL engine ---------------------

# Shapes that need SHACL-AF, and why SHACL core cannot say the same (README, "Data model").
SHACL_AF = {
    "FactShape": "SHACL core has no target for the subject of any triple: a subject with no "
    "rdf:type is reached by a SPARQL target only",
}
# Fixtures that SHACL core alone judges differently, by the shapes above.
NEEDS_SHACL_AF = {"FactShape/violates-untyped-subject"}


def test_shacl_af_only_where_core_cannot_say_it() -> None:
    """A SPARQL target (SHACL-AF) is used only by the shapes listed in SHACL_AF."""
    using = {_shape_name(shape) for shape, _ in _SHAPES.subject_objects(SH.target)}
    assert using == set(SHACL_AF)
    header = SHAPES_FILE.read_text(encoding="utf-8").split("\n\n", 2)[1]
    assert all(f"kgsh:{name}" in header for name in SHACL_AF), header


VIOLATING = [p for p in FIXTURE_FILES if p.name.startswith("violates-")]


@pytest.mark.parametrize("path", VIOLATING, ids=[_fixture_id(p) for p in VIOLATING])
def test_kg_finds_what_plain_pyshacl_finds(run, path: Path) -> None:
    """`kg validate` hands pyshacl the focus nodes found by Oxigraph (kg.validate); the report is
    the one `pyshacl -a` gives alone."""
    assert sorted(shown for _, _, shown in run(path)) == sorted(
        shown for _, _, shown in run(path, "pyshacl -a")
    )


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[_fixture_id(p) for p in FIXTURE_FILES])
def test_shacl_core_finds_what_kg_finds(run, path: Path) -> None:
    """pyshacl without SHACL-AF gives kg's report, but where a fixture needs SHACL-AF: there it
    misses exactly the results of the shapes listed in SHACL_AF."""
    core = sorted(shown for _, _, shown in run(path, "pyshacl"))
    found = sorted(shown for _, _, shown in run(path))
    if _fixture_id(path) not in NEEDS_SHACL_AF:
        assert core == found
        return
    missed = [shown for shown in found if shown not in core]
    assert missed and all(shown.split(":")[0] in SHACL_AF for shown in missed), missed
    assert all(shown in found for shown in core)


def test_kg_runs_sparql_only_shapes_where_they_report(loaded) -> None:
    """kg hands pyshacl no SPARQL target, and a shape of SPARQL constraints alone only the nodes
    they report: none on the shipped graph, the book with the wrong check digit in a fixture."""
    from kg.load import load_shapes
    from kg.validate import with_focus_nodes_found

    sparql_only = [
        KGSH_NS[n] for n in ("AssertedStatementShape", "FactShape", "IsbnCheckDigitShape")
    ]
    narrowed = with_focus_nodes_found(loaded.graph, load_shapes(loaded.tree))
    assert not list(narrowed.subjects(RDF.type, SH.SPARQLTarget))
    assert [(s, p) for s in sparql_only for p in TARGETS if (s, p, None) in narrowed] == []
    path = FIXTURES / "IsbnCheckDigitShape" / "violates-isbn-check-digit.ttl"
    narrowed = with_focus_nodes_found(Graph().parse(path), _parse_shapes())
    book = URIRef("https://kg.example.org/kassis/id/book-crypts-of-the-gods")
    assert [(s, p, o) for s in sparql_only for p in TARGETS for o in narrowed.objects(s, p)] == [
        (KGSH_NS.IsbnCheckDigitShape, SH.targetNode, book)
    ]
