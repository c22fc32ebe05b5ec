"""Check the graph: SHACL shapes (pyshacl) plus the checks SHACL cannot make on its own.

The extra checks read files outside the graph: every quote must occur verbatim in the evidence
text of a source it cites, every reference-list entry must have exactly one source record, and
every kgv: term used must be declared in the vocabulary. The provenance checks hold each claim
to what its words and sources can support: its quote names each statement's object, comes from
the text's prose (or, marked kgv:quoteIn kgv:referenceList, from a credited reference's entry),
and every reference it cites is credited with a reason (entry words found in the entry, or
topic only), never for a date after the reference was published.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SH, XSD
from rdflib.term import Node

from kg.dates import bounds, spoken_forms
from kg.errors import KgError, one_line
from kg.load import LoadedGraph, load, load_ontology, load_shapes
from kg.namespaces import KGSH, KGV, SDO, bind_prefixes
from kg.tree import Tree, files_under


@dataclass(frozen=True)
class Finding:
    """One violation, in the terms of a SHACL validation result."""

    focus: Node
    path: Node | None
    value: Node | None
    message: str
    shape: Node | None
    where: str | None  # data/file.trig:LINE, when it can tell
    severity: str = "Violation"
    # The triple pattern `where` is looked up by (a SHACL result's), for kg.incremental.
    anchor: tuple[Node | None, Node | None, Node | None] | None = field(
        default=None, compare=False, repr=False
    )

    def to_dict(self) -> dict[str, str | None]:
        return {
            "focus": show(self.focus),
            "path": show(self.path),
            "value": show(self.value),
            "message": self.message,
            "shape": show(self.shape),
            "file": self.where,
            "severity": self.severity,
        }


_NAMES = bind_prefixes(Graph()).namespace_manager


def show(node: Node | None) -> str | None:
    """A node as a reader wants it: a CURIE where a prefix fits, `[]` for anonymous nodes."""
    if node is None:
        return None
    if isinstance(node, BNode):
        return "[]"  # pyshacl's anonymous shapes and complex paths
    return _shown(node)


@functools.lru_cache(maxsize=1 << 16)
def _shown(node: Node) -> str:
    return node.n3(_NAMES)  # rdflib splits the IRI anew each time: slow for many findings


@dataclass
class Report:
    conforms: bool
    counts: dict[str, int]
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "conforms": self.conforms,
                "counts": self.counts,
                "results": [f.to_dict() for f in self.findings],
            },
            ensure_ascii=False,
            indent=2,
        )


def normalise_space(text: str) -> str:
    return " ".join(text.split())


PHASES = ("load", "shapes", "quotes", "references", "vocabulary")
REMEMBERED = "remembered"  # the one step of a run that finds its report remembered
INCREMENTAL = "incremental"  # a run that checks what changed (item: the files)
EVERYTHING = "everything"  # why a run checks everything (item: the reason), when not asked to


@dataclass(frozen=True)
class Step:
    """What a validation run starts next, for a progress display.

    The phases come in the order of PHASES. In "shapes", a first step (index 0) says pyshacl
    starts, then one step per shape pyshacl runs, as it starts it: index from 1 to total, item
    the shape (a CURIE, `[]` when anonymous). If `shape_steps` cannot hook into pyshacl, only
    the first step comes.
    """

    phase: str
    index: int = 0
    total: int = 0
    item: str | None = None


Progress = Callable[[Step], None]


def validate_tree(tree: Tree, progress: Progress | None = None, *, full: bool = False) -> Report:
    """Load a tree and check it; raises KgError only when something cannot be loaded.

    `progress`, if given, is called with a Step as each phase (and each SHACL shape) starts.
    The report of a tree whose every input is unchanged since a run that finished (the files
    under data/ and ontology/, kg's code, the libraries' versions) is the remembered one, from
    kg's content-keyed cache: the same report, byte for byte. After an edit to data/'s .trig
    and .ttl files, only what the edit can change is checked again (kg.incremental), with the
    findings a full run gives. `full` runs every check anyway.
    """
    from kg import incremental
    from kg.cache import cache_dir, read_cached, write_cached

    tell = progress or (lambda step: None)
    if cache_dir() is None:  # nothing can be remembered
        return _run_everything(tree, progress)[0]
    setup, files = setup_digest(tree), data_digests(tree)  # read once: the key, the snapshot
    key = key_of(setup, files)
    name = f"validate-{key}.json"
    outcome: tuple | str = "--full"
    if not full:
        record = read_cached(name)
        try:
            report = report_from_record(record) if record is not None else None
        except (ValueError, KeyError, TypeError):  # damaged: it only costs a run
            report = None
        if report is not None:
            tell(Step(REMEMBERED))
            return report
        outcome = incremental.attempt(tree, progress, setup, files)
        if isinstance(outcome, str):
            tell(Step(EVERYTHING, item=outcome))
    if isinstance(outcome, str):
        report, remember = _run_everything(tree, progress, setup, files)
    else:
        report, snapshot = outcome
        remember = functools.partial(incremental.write_snapshot, tree, snapshot)
    record = report_record(report)
    if report_key(tree) == key:  # what was checked is what is there: remember it
        remember()
        write_cached(name, record)
    return report_from_record(record)  # as a remembered one reads


def _run_everything(
    tree: Tree, progress: Progress | None, setup: str = "", files: dict[str, str] | None = None
) -> tuple[Report, Callable]:
    """The report of every check, and how to leave the snapshot an incremental run needs (of
    the inputs with these digests)."""
    from kg import incremental

    if progress is not None:
        progress(Step("load"))
    loaded = load(tree)
    parts = validate_parts(loaded, load_shapes(tree), load_ontology(tree), progress)
    report = finished([f for found in parts.values() for f in found], count(loaded))
    remember = functools.partial(
        incremental.remember_full_run, tree, loaded, parts, report, setup, files or {}
    )
    return report, remember


def report_key(tree: Tree) -> str:
    """A digest of everything a validation reads: every file under data/ (evidence texts too)
    and ontology/, kg's own code, and the versions of Python and the libraries it runs."""
    return key_of(setup_digest(tree), data_digests(tree))


def key_of(setup: str, files: dict[str, str]) -> str:
    """report_key from the setup digest and the data files' digests."""
    import hashlib

    digest = hashlib.sha256(setup.encode())
    for name, file_digest in files.items():
        digest.update(f"{name}\n{file_digest}\n".encode())
    return digest.hexdigest()[:32]


def setup_digest(tree: Tree) -> str:
    """A digest of what a validation reads besides data/: ontology/ (the shapes too), kg's
    own code, and the versions of Python and the libraries it runs."""
    import hashlib
    import platform
    from importlib.metadata import version
    from pathlib import Path

    digest = hashlib.sha256(f"kg validate, Python {platform.python_version()}\n".encode())
    for package in ("pyshacl", "rdflib", "pyoxigraph"):
        digest.update(f"{package} {version(package)}\n".encode())
    code = Path(__file__).parent
    inputs = [(code, p) for p in sorted(code.rglob("*.py"))]
    inputs += [(tree.root, p) for p in files_under(tree, tree.ontology_dir)]
    for base, path in inputs:
        digest.update(f"{path.relative_to(base)}\n{_file_digest(tree, path)}\n".encode())
    return digest.hexdigest()[:32]


def data_digests(tree: Tree) -> dict[str, str]:
    """Every file under data/ (its path within data/) and the SHA-256 of its bytes."""
    return {
        path.relative_to(tree.data_dir).as_posix(): _file_digest(tree, path)
        for path in files_under(tree, tree.data_dir)
    }


def _file_digest(tree: Tree, path) -> str:
    import hashlib

    from kg.errors import DataSyntaxError

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise DataSyntaxError(
            f"{tree.relative(path)}: cannot read it ({error.strerror}); check its permissions"
        ) from None


def term_record(node: Node | None) -> dict | None:
    if node is None:
        return None
    if isinstance(node, Literal):
        return {"literal": str(node), "datatype": node.datatype, "language": node.language}
    return {"bnode" if isinstance(node, BNode) else "iri": str(node)}


def term_from_record(record: dict | None) -> Node | None:
    if record is None:
        return None
    if "literal" in record:
        datatype = record["datatype"]
        return Literal(
            record["literal"],
            lang=record["language"],
            datatype=URIRef(datatype) if datatype else None,
        )
    return BNode(record["bnode"]) if "bnode" in record else URIRef(record["iri"])


def report_record(report: Report) -> bytes:
    """The report as JSON that gives back the same terms (report_from_record), to remember."""
    return json.dumps(report_data(report), ensure_ascii=False).encode("utf-8")


def report_from_record(record: bytes) -> Report:
    return report_from_data(json.loads(record))


def report_data(report: Report) -> dict:
    """The report as JSON data, every term kept whole (report_from_data reads it back)."""
    return {
        "conforms": report.conforms,
        "counts": report.counts,
        "findings": [
            {
                "focus": term_record(f.focus),
                "path": term_record(f.path),
                "value": term_record(f.value),
                "message": f.message,
                "shape": term_record(f.shape),
                "where": f.where,
                "severity": f.severity,
                "anchor": [term_record(t) for t in f.anchor] if f.anchor else None,
            }
            for f in report.findings
        ],
    }


def report_from_data(data: dict) -> Report:
    findings = [
        Finding(
            focus=term_from_record(f["focus"]),
            path=term_from_record(f["path"]),
            value=term_from_record(f["value"]),
            message=f["message"],
            shape=term_from_record(f["shape"]),
            where=f["where"],
            severity=f["severity"],
            anchor=tuple(map(term_from_record, f["anchor"])) if f.get("anchor") else None,
        )
        for f in data["findings"]
    ]
    return Report(conforms=data["conforms"], counts=data["counts"], findings=findings)


def validate_store(store, progress: Progress | None = None) -> Report:
    """Check the graph a store holds (a kg.store.Store); shapes and vocabulary come from its tree.

    Findings carry no file:line: a store keeps the triples, not where they were written.
    """
    if progress is not None:
        progress(Step("load"))
    loaded = store.loaded()
    return validate_loaded(loaded, load_shapes(store.tree), load_ontology(store.tree), progress)


def validate_loaded(
    loaded: LoadedGraph, shapes: Graph, ontology: Graph, progress: Progress | None = None
) -> Report:
    parts = validate_parts(loaded, shapes, ontology, progress)
    return finished([f for found in parts.values() for f in found], count(loaded))


def validate_parts(
    loaded: LoadedGraph, shapes: Graph, ontology: Graph, progress: Progress | None = None
) -> dict[str, list[Finding]]:
    """The findings of each kind of check (the keys of KINDS), in the order they run."""
    tell = progress or (lambda step: None)
    tell(Step("shapes"))
    parts = {"shacl": run_shacl(loaded, shapes, progress)}
    tell(Step("quotes"))
    sources = index_sources(loaded)  # texts, entries and names indexed once
    parts["claims"] = check_quotes(loaded, sources)
    parts["claims"] += check_quote_part(loaded, sources)
    parts["claims"] += check_mentions(loaded, sources)
    tell(Step("references"))
    parts["reference-list"] = check_reference_list(loaded, sources.texts, sources.cited)
    parts["claims"] += check_claim_credits(loaded, sources)
    tell(Step("vocabulary"))
    parts["vocabulary"] = check_vocabulary(loaded, ontology)
    return parts


# What each kind of finding is about, for kg.incremental: a SHACL focus node, a claim (its
# statements, their quotes and credits), an evidence text's reference list, the vocabulary.
# kg.incremental.affected_claims and claim_context list what the claim checks read: a claim
# check that reads anything more must be added there too.
KINDS = ("shacl", "claims", "reference-list", "vocabulary")


def check_claim_credits(loaded: LoadedGraph, sources: Sources) -> list[Finding]:
    """What each claim credits its references for: a reason, its entry words, no later date."""
    return (
        check_credits(loaded, sources)
        + check_entry_words(loaded, sources)
        + check_credit_dates(loaded, sources)
    )


def finished(findings: list[Finding], counts: dict[str, int]) -> Report:
    """The report of these findings, in the order every run gives them."""
    return Report(conforms=not findings, counts=counts, findings=sorted(findings, key=in_order))


def in_order(finding: Finding) -> tuple:
    return (
        finding.where or "~",
        str(finding.focus),
        str(finding.path or ""),
        finding.message,
    )


def run_shacl(
    loaded: LoadedGraph,
    shapes: Graph,
    progress: Progress | None = None,
) -> list[Finding]:
    from pyshacl import validate  # heavy: imported only when validating

    check_shape_queries(shapes)  # SHACL-SPARQL must pass the same authority as `kg query`
    close_rdflib_to_the_network()  # and rdflib, which pyshacl runs it with, reads no FROM

    # Parsed graphs only (never paths or URLs), no inference, no owl:imports: nothing is fetched.
    try:
        with shape_steps(progress), sparql_parsed_once():
            _, results, _ = validate(
                loaded.graph,
                shacl_graph=with_focus_nodes_found(loaded.graph, shapes),
                inference="none",
                advanced=True,
                do_owl_imports=False,
                allow_warnings=False,
                # Without inference or rules nothing is added to the data graph, so pyshacl
                # need not copy it first (a second of the run per 3x10^4 triples).
                inplace=(None, SH.rule, None) not in shapes,
            )
    except RecursionError:
        raise
    except Exception as error:  # pyshacl's own errors (a malformed shape): one line, not a trace
        message = one_line(error) or type(error).__name__
        raise KgError(f"ontology/shapes.ttl: pyshacl cannot run the shapes ({message})") from None
    if not isinstance(results, Graph):  # a ValidationFailure, returned rather than raised
        message = one_line(results) or type(results).__name__
        raise KgError(f"ontology/shapes.ttl: pyshacl cannot run the shapes ({message})")
    findings = []
    # Only top-level results: sh:detail children repeat what their parent already says.
    for result in results.objects(None, SH.result):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        severity = results.value(result, SH.resultSeverity)
        anchor = written_as(results, focus, path, value)
        findings.append(
            Finding(
                focus=focus,
                path=path,
                value=value,
                message=messages[0] if messages else "constraint violated",
                shape=results.value(result, SH.sourceShape),
                where=loaded.locate_triple(*anchor) or loaded.locate(focus),
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                anchor=anchor,
            )
        )
    return findings


def written_as(
    results: Graph, focus: Node, path: Node | None, value: Node | None
) -> tuple[Node | None, Node | None, Node | None]:
    """The triple a SHACL result is about, to find where it is written: (focus, path, value);
    for an inverse path (value, path, focus); with no value (sh:maxCount), the first
    (focus, path, _); with a value but a complex path or none (a SPARQL constraint's), the
    first (focus, _, value)."""
    inverse = results.value(path, SH.inversePath) if isinstance(path, BNode) else None
    if isinstance(inverse, URIRef) and value is not None:
        return value, inverse, focus
    return focus, path if isinstance(path, URIRef) else None, value


SPARQL_IN_SHAPES = (SH.select, SH.ask, SH.construct, SH.update)
TARGETS = (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
# What a node shape may say besides its targets and SPARQL constraints and still have kg find the
# nodes those constraints report (anything else may constrain, and pyshacl runs it everywhere).
SPARQL_ONLY = {RDF.type, RDFS.label, RDFS.comment, SH.message, SH.severity, SH.sparql, *TARGETS}


def with_focus_nodes_found(graph: Graph, shapes: Graph) -> Graph:
    """The shapes with some targets replaced by the nodes Oxigraph finds for them, as
    `sh:targetNode`s, for the report pyshacl alone gives, faster (a test compares them):

    - a SHACL-AF SPARQL target (`sh:target [ a sh:SPARQLTarget ; sh:select ... ]`) by the nodes
      its SELECT finds (rdflib, which pyshacl runs it with, took seconds);
    - all targets of a node shape whose only constraints are SPARQL constraints by those of its
      focus nodes on which one of them selects a row. pyshacl would find nothing on the others,
      but runs a SPARQL constraint in rdflib once per focus node, ms each (kg validate took 3.5
      times as long at 5x10^4 triples). Oxigraph runs each constraint once, on all focus nodes,
      as SHACL pre-binds `$this`: `LATERAL` substitutes each node into the query (SEP-0006).
    """
    import pyoxigraph as ox

    from kg.store.oxigraph import to_oxigraph, to_rdflib

    shapes_to_find = sorted(
        shape
        for shape in set(shapes.subjects(SH.target, None)) | set(shapes.subjects(SH.sparql, None))
        if sparql_targets(shapes, shape) or sparql_only(shapes, shape)
    )
    if not shapes_to_find:
        return shapes
    store = ox.Store()
    store.extend(ox.Quad(*map(to_oxigraph, triple)) for triple in graph)
    header = declared_prefixes(shapes)

    def found_by(shape: Node, text: str, what: str) -> set[Node]:
        try:
            rows = store.query(header + text)
            return {to_rdflib(row["this"]) for row in rows if row["this"] is not None}
        except (SyntaxError, ValueError, RuntimeError) as error:
            raise KgError(
                f"ontology/shapes.ttl ({show(shape)} {what}): the SPARQL does not run in "
                f"Oxigraph ({one_line(error)}); fix its sh:select"
            ) from None

    narrowed = Graph()
    for prefix, namespace in shapes.namespaces():
        narrowed.bind(prefix, namespace)
    narrowed += shapes
    for shape in shapes_to_find:
        found: set[Node] = set()
        if sparql_only(shapes, shape):
            replaced = targets_of(shapes, shape)
            union = " UNION ".join(focus_nodes_pattern(shapes, p, o) for p, o in replaced)
            focus = f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"
            # no target, no focus node (an empty union would leave $this free: every node)
            for constraint in active_constraints(shapes, shape) if replaced else []:
                text = str(shapes.value(constraint, SH.select))
                lateral = f"SELECT DISTINCT ?this WHERE {{ {focus} LATERAL {{ {text}\n}} }}"
                found |= found_by(shape, lateral, "sh:sparql")
        else:
            replaced = [(SH.target, o) for o in sparql_targets(shapes, shape)]
            for _, target in replaced:
                found |= found_by(shape, str(shapes.value(target, SH.select)), "sh:target")
        retarget(narrowed, shape, replaced, found)
    return narrowed


def targets_of(shapes: Graph, shape: Node) -> list[tuple[Node, Node]]:
    """The shape's targets, as (target predicate, its object) pairs."""
    return [(p, o) for p in TARGETS for o in shapes.objects(shape, p)]


def retarget(narrowed: Graph, shape: Node, replaced: list[tuple[Node, Node]], nodes) -> None:
    """In `narrowed`, replace the shape's targets `replaced` ((predicate, target) pairs, a
    SPARQL target's description too) by one sh:targetNode for each of `nodes`."""
    for predicate, target in replaced:
        narrowed.remove((shape, predicate, target))
        if predicate == SH.target:
            narrowed.remove((target, None, None))
    for node in nodes:
        narrowed.add((shape, SH.targetNode, node))


def focus_nodes_pattern(shapes: Graph, predicate: Node, target: Node) -> str:
    """A SPARQL group that binds ?this to a target's focus nodes, as SHACL defines them; terms
    written as Oxigraph writes them (an IRI it accepts, never text from the shapes)."""
    from kg.store.oxigraph import to_oxigraph

    if predicate == SH.target:
        return f"{{ {shapes.value(target, SH.select)}\n}}"
    term = to_oxigraph(target)
    if predicate == SH.targetNode:
        return f"{{ VALUES ?this {{ {term} }} }}"
    if predicate == SH.targetSubjectsOf:
        return f"{{ ?this {term} ?object }}"
    if predicate == SH.targetObjectsOf:
        return f"{{ ?subject {term} ?this }}"
    return f"{{ ?this <{RDF.type}>/<{RDFS.subClassOf}>* {term} }}"


def sparql_targets(shapes: Graph, shape: Node) -> list[Node]:
    return [t for t in shapes.objects(shape, SH.target) if (t, RDF.type, SH.SPARQLTarget) in shapes]


# A SELECT's projection; kg's LATERAL substitutes $this only where the SELECT projects it.
_PROJECTION = re.compile(r"(?is)^\s*SELECT\s+(.*?)\s*(?:WHERE\s*)?\{")


def sparql_only(shapes: Graph, shape: Node) -> bool:
    """Whether the shape constrains with SPARQL constraints alone, each a SELECT that projects
    `$this` and has no other variable pre-bound ($currentShape, $shapesGraph), and kg can write
    all its focus nodes: no implicit class target, its sh:target SPARQL targets, its other
    targets IRIs (a sh:targetNode an IRI or a literal)."""
    from kg.queries import strip_comments_and_strings

    if (shape, SH.sparql, None) not in shapes or (shape, SH.deactivated, None) in shapes:
        return False
    if any(p not in SPARQL_ONLY for p in shapes.predicates(shape, None)):
        return False
    if (shape, RDF.type, RDFS.Class) in shapes:  # an implicit class target
        return False
    targets = list(shapes.objects(shape, SH.target))
    if len(targets) != len(sparql_targets(shapes, shape)):
        return False
    core = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
    if not all(isinstance(o, URIRef) for p in core for o in shapes.objects(shape, p)):
        return False
    if any(isinstance(o, BNode) for o in shapes.objects(shape, SH.targetNode)):
        return False
    for constraint in shapes.objects(shape, SH.sparql):
        text = shapes.value(constraint, SH.select)
        if text is None or re.search(r"[?$](currentShape|shapesGraph)\b", str(text)):
            return False
        projection = _PROJECTION.match(strip_comments_and_strings(str(text)))
        if not projection or not re.search(r"(^|\s)([?$]this\b|\*$)", projection.group(1)):
            return False
    return True


def active_constraints(shapes: Graph, shape: Node) -> list[Node]:
    return [
        c
        for c in shapes.objects(shape, SH.sparql)
        if shapes.value(c, SH.deactivated) != Literal(True)
    ]


@functools.lru_cache(maxsize=512)
def _prepared(text: str, base: str | None, namespaces: tuple):
    """rdflib's parse of a SPARQL text, as its own prepareQuery makes it: a Query object that is
    evaluated again and again, never changed."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    return translateQuery(parseQuery(text), base, dict(namespaces))


@contextlib.contextmanager
def sparql_parsed_once():
    """While pyshacl runs: each SPARQL text its constraints hand rdflib is parsed once in this
    process, not once per focus node (a SPARQL constraint on 45 nodes took 4.6 s of pyparsing)."""
    from rdflib.plugins.sparql.processor import SPARQLProcessor

    original = SPARQLProcessor.query

    def query(self, query, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(query, str):
            query = _prepared(query, base, tuple(sorted((initNs or {}).items())))
        return original(self, query, initBindings or {}, initNs or {}, base, DEBUG)

    SPARQLProcessor.query = query
    try:
        yield
    finally:
        SPARQLProcessor.query = original


def declared_prefixes(shapes: Graph) -> str:
    """PREFIX lines for every sh:declare in the shapes graph."""
    declared = {
        str(prefix): str(namespace)
        for declaration in shapes.objects(None, SH.declare)
        for prefix in shapes.objects(declaration, SH.prefix)
        for namespace in shapes.objects(declaration, SH.namespace)
    }
    return "".join(f"PREFIX {p}: <{n}>\n" for p, n in sorted(declared.items()))


def close_rdflib_to_the_network() -> None:
    """rdflib loads FROM/FROM NAMED IRIs over the network or disk by default; turn that off.

    `queries.check` refuses such queries outright; this is the second lock on the same door.
    """
    import rdflib.plugins.sparql

    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False


def check_shape_queries(shapes: Graph) -> None:
    """Every SPARQL text in the shapes (targets, constraints, rules) is read-only and touches
    nothing but the graph: the same `queries.check` that decides whether `kg query` may run a
    query refuses SERVICE, FROM and updates here, so pyshacl never sends a request."""
    from kg import queries

    header = declared_prefixes(shapes)
    for predicate in SPARQL_IN_SHAPES:
        for node, text in sorted(shapes.subject_objects(predicate)):
            where = f"ontology/shapes.ttl ({show(owning_shape(shapes, node))} {show(predicate)})"
            if predicate == SH.update:
                raise KgError(f"{where}: SPARQL Update in a shape is not allowed; kg is read-only")
            queries.check(queries.from_text(header + str(text), where))


def owning_shape(shapes: Graph, node: Node) -> Node:
    """The nearest named node a (possibly anonymous) SPARQL holder hangs from, for messages."""
    seen = {node}
    while isinstance(node, BNode):
        parent = next((s for s in shapes.subjects(None, node) if s not in seen), None)
        if parent is None:
            break
        seen.add(parent)
        node = parent
    return node


# pyshacl has no progress callback. Its Validator runs each shape by calling Shape.validate with
# no focus node (nested shapes get theirs), so wrapping that method tells when a shape starts.
# It is pyshacl's internals: if they do not look as expected, shape_steps tells nothing and the
# "shapes" phase shows as one step (tests/test_validate_progress.py notices).
_counter: ContextVar[_ShapeCounter | None] = ContextVar("kg_shape_counter", default=None)
_hook_lock = threading.Lock()
_hook_users = 0
_unhooked: Callable | None = None  # pyshacl's own Shape.validate while the wrapper is in place


class _ShapeCounter:
    def __init__(self, progress: Progress) -> None:
        self.progress, self.index, self.total = progress, 0, 0

    def start(self, shape) -> None:
        if self.total < 0:
            return
        if not self.total:
            try:
                self.total = len(shape.sg.shapes)  # what the Validator iterates
            except (AttributeError, TypeError):
                self.total = -1  # cannot count: say nothing rather than something wrong
                return
        self.index += 1
        if self.index <= self.total:
            self.progress(Step("shapes", self.index, self.total, show(shape.node)))


def _pyshacl_shape():
    """pyshacl's Shape class if its validate method is what the wrapper expects, else None."""
    try:
        from pyshacl.shape import Shape

        parameters = list(inspect.signature(Shape.validate).parameters)
    except (ImportError, AttributeError, TypeError, ValueError):
        return None
    if parameters[:4] != ["self", "executor", "target_graph", "focus"]:
        return None
    return Shape


def _wrap(validate: Callable) -> Callable:
    @functools.wraps(validate)
    def validate_telling(self, executor, target_graph, focus=None, *args, **kwargs):
        if focus is None:  # the Validator starting a shape; a nested call has focus nodes
            counter = _counter.get()
            if counter is not None:
                counter.start(self)
        return validate(self, executor, target_graph, focus, *args, **kwargs)

    return validate_telling


@contextlib.contextmanager
def shape_steps(progress: Progress | None) -> Iterator[bool]:
    """While pyshacl validates in this context, call `progress` as each shape starts.

    Yields whether it can; the wrapper is removed when the last concurrent user leaves, and
    calls from other threads or contexts pass straight through.
    """
    global _hook_users, _unhooked
    shape = _pyshacl_shape() if progress is not None else None
    if shape is None:
        yield False
        return
    with _hook_lock:
        if _hook_users == 0:
            _unhooked = shape.validate
            shape.validate = _wrap(_unhooked)
        _hook_users += 1
    token = _counter.set(_ShapeCounter(progress))
    try:
        yield True
    finally:
        _counter.reset(token)
        with _hook_lock:
            _hook_users -= 1
            if _hook_users == 0:
                shape.validate = _unhooked
                _unhooked = None


def evidence_texts(loaded: LoadedGraph) -> dict[Node, str]:
    """The whitespace-normalised evidence text of every source that has one."""
    texts = {}
    for source, name in loaded.graph.subject_objects(KGV.evidenceFile):
        path = loaded.tree.data_dir / str(name)
        if not path.resolve().is_relative_to(loaded.tree.data_dir.resolve()):
            raise KgError(f"kgv:evidenceFile '{name}' points outside data/; keep evidence in data/")
        if not path.is_file():
            where = loaded.locate(source) or loaded.tree.relative(loaded.tree.data_dir)
            raise KgError(
                f"{where}: evidence file '{name}' is not in data/; add it or fix the name"
            )
        texts[source] = normalise_space(path.read_text(encoding="utf-8"))
    return texts


def check_quotes(loaded: LoadedGraph, sources: Sources | None = None) -> list[Finding]:
    """Every statement's quote occurs verbatim in the evidence text of a source it cites."""
    sources = index_sources(loaded) if sources is None else sources
    findings = []
    for statements in sources.claims.values():
        for statement in statements:
            cited = [
                s for s in sources.values(statement, PROV.wasDerivedFrom) if s in sources.texts
            ]
            for quote in sources.values(statement, KGV.quote):
                if not cited:
                    message = (
                        "the statement cites no source with an evidence text, so its quote "
                        "cannot be checked; add prov:wasDerivedFrom the source record (with "
                        "kgv:evidenceFile) whose text it quotes"
                    )
                elif not any(sources.in_text(normalise_space(str(quote)), s) for s in cited):
                    # Name each text searched: the claim may cite another text than the article.
                    searched = ", ".join(f"{show(s)} ({sources.files[s]})" for s in cited)
                    message = (
                        f"the quote does not occur verbatim in the evidence text of {searched}; "
                        "copy the words exactly from it"
                    )
                else:
                    continue
                findings.append(
                    Finding(
                        focus=statement,
                        path=KGV.quote,
                        value=quote,
                        message=message,
                        shape=None,
                        where=loaded.locate(statement),
                    )
                )
    return findings


@dataclass(frozen=True)
class CitedEntries:
    """The reference-list entries an evidence text's records quote, and where each occurs."""

    entries: list[tuple[Node, Literal, str]]  # (record, kgv:citationText, normalised)
    starts: dict[str, list[int]]  # normalised entry -> its starts in the normalised text

    def spans(self) -> list[tuple[int, int]]:
        return [
            (start, start + len(text)) for text, starts in self.starts.items() for start in starts
        ]


def cited_entries(loaded: LoadedGraph, texts: dict[Node, str]) -> dict[Node, CitedEntries]:
    """For each evidence text whose source cites records (`schema:citation`), their entries."""
    graph = loaded.graph
    found = {}
    for article, text in sorted(texts.items()):
        entries = [
            (record, entry, normalise_space(str(entry)))
            for record in sorted(graph.objects(article, SDO.citation))
            for entry in graph.objects(record, KGV.citationText)
        ]
        if entries:
            # One pass over the text for all entries, not one per entry (that was ~N^2).
            found[article] = CitedEntries(entries, find_all(text, {e for _, _, e in entries}))
    return found


def check_reference_list(
    loaded: LoadedGraph,
    texts: dict[Node, str] | None = None,
    cited: dict[Node, CitedEntries] | None = None,
) -> list[Finding]:
    """Each entry of a source's reference list is the kgv:citationText of one source record.

    The records cited by an article (`schema:citation`) must each quote their entry verbatim,
    and removing all those entries from the span they cover must leave no words behind: a
    leftover is an entry nobody recorded.
    """
    texts = evidence_texts(loaded) if texts is None else texts
    cited = cited_entries(loaded, texts) if cited is None else cited
    findings = []
    for article in sorted(cited):
        found = cited[article]
        text, starts = texts[article], found.starts
        spans = []
        for record, entry, entry_text in found.entries:
            if not starts[entry_text]:
                findings.append(
                    Finding(
                        focus=record,
                        path=KGV.citationText,
                        value=entry,
                        message="the citation text does not occur verbatim in the reference "
                        f"list of {show(article)}; copy the entry exactly",
                        shape=None,
                        where=loaded.locate(record),
                    )
                )
            spans += [(start, start + len(entry_text)) for start in starts[entry_text]]
        if not spans:
            continue
        for piece in uncovered(text, spans):
            if re.search(r"\w{2,}", piece):
                findings.append(
                    Finding(
                        focus=article,
                        path=SDO.citation,
                        value=Literal(piece.strip()),
                        message="this reference-list entry has no source record; add one to "
                        "data/sources.ttl with this kgv:citationText",
                        shape=None,
                        where=loaded.locate(article),
                    )
                )
    return findings


ANCHOR = 8  # characters of an entry that find_all indexes it by


def find_all(text: str, needles: Iterable[str]) -> dict[str, list[int]]:
    """Where each needle occurs in text, as `re.finditer` finds it: left to right, no overlaps.

    One pass over the text for all needles: each is indexed by its first ANCHOR characters, and
    only a position where an anchor starts is compared with the needles of that anchor (one
    slice and one set lookup per length). Needles shorter than an anchor are searched for one
    by one.
    """
    starts: dict[str, list[int]] = {}
    by_anchor: dict[str, dict[int, set[str]]] = {}
    for needle in needles:
        if len(needle) < ANCHOR:
            starts[needle] = [m.start() for m in re.finditer(re.escape(needle), text)]
        else:
            starts[needle] = []
            by_anchor.setdefault(needle[:ANCHOR], {}).setdefault(len(needle), set()).add(needle)
    if not by_anchor:
        return starts
    free = dict.fromkeys(starts, 0)  # where a needle's next match may start: none overlap
    # re walks a trie of the anchors at every position in C (1.1 MB: 0.1 s; a Python loop 0.4 s).
    for match in re.finditer(f"(?={trie_pattern(by_anchor)})", text):
        i = match.start()
        for length, group in by_anchor[text[i : i + ANCHOR]].items():
            needle = text[i : i + length]
            if needle in group and i >= free[needle]:
                starts[needle].append(i)
                free[needle] = i + length
    return starts


def trie_pattern(words: Iterable[str]) -> str:
    """A regular expression matching any of the (non-empty) words, as a trie of alternatives:
    at each position re tries only the branches the text so far agrees with."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # the end of a word

    def pattern(node: dict) -> str:
        if not node:
            return ""
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items())]
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return pattern(trie)


def uncovered(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """The pieces of text between the first span's start and the last one's end that no span
    covers, in order. A NUL in the text also splits a piece, as it always has (same findings)."""
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    pieces, position = [], first
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if start > position:
            pieces += text[position:start].split("\0")
        position = max(position, end)
    if last > position:
        pieces += text[position:last].split("\0")
    return pieces


# --- Provenance: what a quote states, and what each credited reference can attest -----------


NAME_PREDICATES = (SDO.name, SDO.alternateName, RDFS.label)
ROLE_TYPES = (SDO.Role, SDO.OrganizationRole)  # structural nodes: their own triples are checked
# What the checks read of statements and credits: one pass over each predicate, not one lookup
# per statement (rdflib's store answers a pattern in ~20 µs; 2.5e5 triples hold 24k statements).
INDEXED = (
    RDF.predicate,
    RDF.object,
    KGV.fromClaim,
    KGV.inverseOf,
    KGV.quote,
    KGV.quoteIn,
    KGV.mentionReviewed,
    KGV.earliest,
    PROV.wasDerivedFrom,
    PROV.qualifiedDerivation,
    PROV.entity,
    KGV.entryWords,
)
REVIEW = "add kgv:mentionReviewed with the reviewer's reason"
NUMERIC = {
    XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long, XSD.short, XSD.byte,
    XSD.nonNegativeInteger, XSD.positiveInteger, XSD.negativeInteger, XSD.nonPositiveInteger,
    XSD.unsignedInt, XSD.unsignedLong, XSD.unsignedShort, XSD.unsignedByte,
}  # fmt: skip
# A plain string shaped like a date is named as the date it spells (the shapes ask for its type).
UNTYPED_DATES = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}
DIGITS = re.compile(r"\d{5,}[\dX]?")  # an ISBN, OCLC or similar number kept as a string
DIGIT_JOINS = re.compile(r"(?<=\d)[\s\-\u2010\u2011\u2012]+(?=[\dXx])")  # 978-1 4928
DIGIT_GROUPS = re.compile(r"(?<=\d)[,\s](?=\d{3}(?!\d))")  # 12,500 or 12 500


@dataclass
class Sources:
    """What the quote and provenance checks look up, indexed once per run: no graph scan and
    no search of an evidence text per statement."""

    texts: dict[Node, str]  # evidence source -> its text, whitespace-normalised
    cited: dict[Node, CitedEntries]  # evidence source -> the entries of its reference list
    blanked: dict[Node, str]  # evidence source -> its text, reference entries overwritten by NUL
    quotes: dict[Node, dict[str, list[int]]]  # evidence source -> normalised quote -> starts
    entries: dict[Node, list[str]]  # record -> its kgv:citationText values, normalised
    published: dict[Node, tuple[Literal, str]]  # record -> (schema:datePublished, its last day)
    names: dict[Node, list[str]]  # node -> its names (schema:name, alternateName, rdfs:label)
    roles: set[Node]  # nodes typed schema:Role or schema:OrganizationRole
    facts: dict[Node, dict[Node, list[Node]]]  # predicate of INDEXED -> subject -> sorted objects
    claims: dict[Node, list[Node]]  # claim -> its statements, sorted, without derived inverses
    files: dict[Node, str]  # evidence source -> its evidence file as messages show it (data/x.txt)

    def values(self, node: Node, predicate: Node) -> list[Node]:
        """The objects of (node, predicate), sorted; predicate is one of INDEXED."""
        return self.facts[predicate].get(node, [])

    def value(self, node: Node, predicate: Node) -> Node | None:
        found = self.values(node, predicate)
        return found[0] if found else None

    def credits(self, statement: Node) -> list[tuple[Node, Node | None]]:
        """(derivation, its prov:entity) for each reference credited for a statement."""
        return [
            (derivation, self.value(derivation, PROV.entity))
            for derivation in self.values(statement, PROV.qualifiedDerivation)
        ]

    def starts(self, quote: str, source: Node) -> list[int]:
        """Where a normalised quote occurs in a source's evidence text (as find_all finds it)."""
        found = self.quotes.setdefault(source, {})
        if quote not in found:  # not a quote of the graph: searched now
            found[quote] = find_all(self.texts[source], [quote])[quote]
        return found[quote]

    def in_text(self, quote: str, source: Node) -> bool:
        return bool(self.starts(quote, source))

    def in_prose(self, quote: str, source: Node) -> bool:
        """Whether the quote occurs in the source's text outside every reference-list entry."""
        text = self.blanked[source]
        return any("\0" not in text[i : i + len(quote)] for i in self.starts(quote, source))


def index_sources(
    loaded: LoadedGraph,
    texts: dict[Node, str] | None = None,
) -> Sources:
    """Read the evidence texts and index what the checks look up, once."""
    graph = loaded.graph
    texts = evidence_texts(loaded) if texts is None else texts
    cited = cited_entries(loaded, texts)
    blanked = {
        source: blank_out(text, cited[source].spans()) if source in cited else text
        for source, text in texts.items()
    }
    facts: dict[Node, dict[Node, list[Node]]] = {}
    for predicate in INDEXED:
        table: dict[Node, list[Node]] = {}
        for subject, obj in graph.subject_objects(predicate):
            table.setdefault(subject, []).append(obj)
        for objects in table.values():
            if len(objects) > 1:
                objects.sort()
        facts[predicate] = table
    # One pass over each text for all quotes, as for the reference entries.
    every_quote = {normalise_space(str(q)) for qs in facts[KGV.quote].values() for q in qs}
    quotes = {source: find_all(text, every_quote) for source, text in texts.items()}
    entries: dict[Node, list[str]] = {}
    for record, entry in graph.subject_objects(KGV.citationText):
        entries.setdefault(record, []).append(normalise_space(str(entry)))
    published: dict[Node, tuple[Literal, str]] = {}
    for record, date in graph.subject_objects(SDO.datePublished):
        days = bounds(str(date), date.datatype) if isinstance(date, Literal) else None
        if days and (record not in published or days[1] > published[record][1]):
            published[record] = (date, days[1])
    names: dict[Node, list[str]] = {}
    for predicate in NAME_PREDICATES:
        for node, name in graph.subject_objects(predicate):
            names.setdefault(node, []).append(normalise_space(str(name)))
    roles = {node for kind in ROLE_TYPES for node in graph.subjects(RDF.type, kind)}
    claims: dict[Node, list[Node]] = {}
    for statement in loaded.statements:
        if statement in facts[KGV.inverseOf]:
            continue  # the other direction of an authored statement: same quote and credits
        claim = (facts[KGV.fromClaim].get(statement) or [statement])[0]
        claims.setdefault(claim, []).append(statement)
    files = {
        source: loaded.tree.relative(loaded.tree.data_dir / str(name))
        for source, name in graph.subject_objects(KGV.evidenceFile)
        if source in texts
    }
    return Sources(
        texts, cited, blanked, quotes, entries, published, names, roles, facts, claims, files
    )


def blank_out(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with every character of each span overwritten by NUL (no quote holds one), so
    positions stay those of the text."""
    pieces, position = [], 0
    for start, end in sorted(spans):
        if end <= position:
            continue
        start = max(start, position)
        pieces += [text[position:start], "\0" * (end - start)]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def check_quote_part(loaded: LoadedGraph, sources: Sources | None = None) -> list[Finding]:
    """A quote comes from the prose of its evidence text, or, when its claim is marked
    kgv:quoteIn kgv:referenceList, from the entry of a reference credited with kgv:entryWords.

    A quote found nowhere in its evidence text is left to check_quotes.
    """
    sources = index_sources(loaded) if sources is None else sources
    findings = []
    for claim, statements in sources.claims.items():
        statement = statements[0]  # a claim's statements share quote, sources and credits
        evidence = [s for s in sources.values(statement, PROV.wasDerivedFrom) if s in sources.texts]
        marked = KGV.referenceList in sources.values(statement, KGV.quoteIn)
        for quote in sources.values(statement, KGV.quote):
            text = normalise_space(str(quote))
            in_text = [s for s in evidence if sources.in_text(text, s)]
            if not in_text:
                continue
            in_prose = [s for s in in_text if sources.in_prose(text, s)]
            if marked:
                worded = [
                    entity
                    for derivation, entity in sources.credits(statement)
                    if sources.values(derivation, KGV.entryWords)
                ]
                if any(text in entry for e in worded for entry in sources.entries.get(e, [])):
                    continue
                if in_prose:
                    message = (
                        "the claim is marked kgv:quoteIn kgv:referenceList, but its quote is in "
                        f"the prose of {show(in_prose[0])}, not in the entry of a reference it "
                        "credits with kgv:entryWords; remove the mark"
                    )
                else:
                    message = (
                        "the claim is marked kgv:quoteIn kgv:referenceList, but its quote is in "
                        "the entry of no reference it credits with kgv:entryWords; credit the "
                        "reference whose entry it quotes, with the entry words that state it"
                    )
            elif in_prose:
                continue
            else:
                message = (
                    f"this quote is not in the prose of {show(in_text[0])} but in its reference "
                    "list; mark the claim kgv:quoteIn kgv:referenceList and credit the reference "
                    "whose entry it quotes"
                )
            findings.append(
                Finding(
                    focus=claim,
                    path=KGV.quote,
                    value=quote,
                    message=message,
                    shape=None,
                    where=loaded.locate(statement),
                )
            )
    return findings


def check_mentions(loaded: LoadedGraph, sources: Sources | None = None) -> list[Finding]:
    """Each statement's quote names its object, unless a reviewer says why it need not
    (kgv:mentionReviewed). Derived inverses, rdf:type and role nodes are not checked."""
    sources = index_sources(loaded) if sources is None else sources
    findings = []
    for statements in sources.claims.values():
        for statement in statements:
            if sources.values(statement, KGV.mentionReviewed):
                continue
            obj = sources.value(statement, RDF.object)
            if obj is None or sources.value(statement, RDF.predicate) == RDF.type:
                continue
            for quote in sources.values(statement, KGV.quote):
                message = unnamed(obj, normalise_space(str(quote)).casefold(), sources)
                if message:
                    findings.append(
                        Finding(
                            focus=statement,
                            path=RDF.object,
                            value=obj,
                            message=message,
                            shape=None,
                            where=loaded.locate(statement),
                        )
                    )
    return findings


def unnamed(obj: Node, quote: str, sources: Sources) -> str | None:
    """Why a (normalised, casefolded) quote does not name the object, or None when it does."""
    shown = show(obj)
    if isinstance(obj, URIRef):
        if obj in sources.roles:
            return None
        names = distinct(sorted(sources.names.get(obj, []), key=lambda n: (n.casefold(), n)))
        if not names:
            return (
                f"the quote cannot name the object ({shown} has no schema:name, "
                f"schema:alternateName or rdfs:label); give it the name the quote uses, or {REVIEW}"
            )
        if any(mentions(quote, name) for name in names):
            return None
        what = f"none of its names {listed(names)}"
    elif not isinstance(obj, Literal):
        return None
    elif obj.datatype == XSD.boolean:
        return f"the quote cannot name a boolean object ({shown}); if it states it, {REVIEW}"
    elif forms := spoken_forms(str(obj), date_type(obj)):
        if any(mentions(quote, form) for form in forms):
            return None
        what = f"none of its forms {listed(forms)}"
    elif obj.datatype in NUMERIC:
        value = normalise_space(str(obj))
        if mentions(quote, value) or mentions(DIGIT_GROUPS.sub("", quote), value):
            return None
        what = "not its digits"
    else:
        value = normalise_space(str(obj))
        if mentions(quote, value):
            return None
        if DIGITS.fullmatch(value):
            if mentions(DIGIT_JOINS.sub("", quote), value):
                return None
            what = "not its digits, with or without hyphens and spaces"
        else:
            what = "not its whole text"
    return (
        f"the quote does not name the object ({shown}: {what}); quote words that state it, "
        f"or {REVIEW}"
    )


def date_type(literal: Literal) -> str | None:
    """The literal's datatype; for a plain string shaped like a date, the date type it spells."""
    if literal.datatype is not None or literal.language:
        return literal.datatype
    return UNTYPED_DATES.get(len(literal))


def mentions(quote: str, value: str) -> bool:
    """Whether a casefolded quote contains the value, on word boundaries where the value starts
    or ends with a word character ("en" is not in "present", but is in "(EN)")."""
    value = value.casefold()
    if not value:
        return True
    starts_word, ends_word = is_word(value[0]), is_word(value[-1])
    index = quote.find(value)
    while index >= 0:
        end = index + len(value)
        if not (starts_word and index and is_word(quote[index - 1])) and not (
            ends_word and end < len(quote) and is_word(quote[end])
        ):
            return True
        index = quote.find(value, index + 1)
    return False


def is_word(char: str) -> bool:
    """What `\\w` matches in a regular expression: a letter, a digit or an underscore."""
    return char.isalnum() or char == "_"


def distinct(values: Iterable[str]) -> list[str]:
    """The values in order, without repeats that differ only in case."""
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return list(seen.values())


def listed(values: Iterable[str]) -> str:
    return ", ".join(f'"{value}"' for value in values)


def check_credits(loaded: LoadedGraph, sources: Sources | None = None) -> list[Finding]:
    """Every reference a claim cites is credited with a reason (a prov:qualifiedDerivation)."""
    sources = index_sources(loaded) if sources is None else sources
    findings = []
    for claim, statements in sources.claims.items():
        statement = statements[0]  # a claim's statements share sources and credits
        reasoned = {entity for _, entity in sources.credits(statement)}
        for source in sources.values(statement, PROV.wasDerivedFrom):
            if source in sources.texts or source in reasoned:
                continue
            findings.append(
                Finding(
                    focus=claim,
                    path=PROV.wasDerivedFrom,
                    value=source,
                    message=f"{show(source)} is cited without a reason; write it as "
                    f"prov:qualifiedDerivation [ prov:entity {show(source)} ; "
                    f'kgv:entryWords "..." ] or [ prov:entity {show(source)} ; '
                    "kgv:topicOnly true ]",
                    shape=None,
                    where=loaded.locate(statement),
                )
            )
    return findings


def check_entry_words(loaded: LoadedGraph, sources: Sources | None = None) -> list[Finding]:
    """Each credit's kgv:entryWords occur verbatim in the credited record's kgv:citationText.

    That a credit gives exactly one reason is kgsh:DerivationShape's part.
    """
    sources = index_sources(loaded) if sources is None else sources
    findings = []
    for claim, statements in sources.claims.items():
        statement = statements[0]  # a claim's statements carry the same credits
        for derivation, entity in sources.credits(statement):
            entries = sources.entries.get(entity, []) if entity is not None else []
            for words in sources.values(derivation, KGV.entryWords):
                text = normalise_space(str(words))
                if text and any(text in entry for entry in entries):
                    continue
                if entries:
                    message = (
                        f'the entry words "{text}" are not in the reference-list entry of '
                        f"{show(entity)}; copy them verbatim from its kgv:citationText, or "
                        "credit it with kgv:topicOnly true"
                    )
                else:
                    message = (
                        f"{show(entity)} has no reference-list entry (kgv:citationText) to hold "
                        f'the entry words "{text}"; credit the record of the entry they come from'
                    )
                findings.append(
                    Finding(
                        focus=claim,
                        path=KGV.entryWords,
                        value=words,
                        message=message,
                        shape=None,
                        where=loaded.locate(statement),
                    )
                )
    return findings


def check_credit_dates(loaded: LoadedGraph, sources: Sources | None = None) -> list[Finding]:
    """No reference is credited for a date after the last day it was published."""
    sources = index_sources(loaded) if sources is None else sources
    findings = []
    for statements in sources.claims.values():
        for statement in statements:
            earliest = sources.value(statement, KGV.earliest)
            if earliest is None:
                continue
            for _, entity in sources.credits(statement):
                if entity in sources.texts or entity not in sources.published:
                    continue
                date, last = sources.published[entity]
                if last < str(earliest):
                    findings.append(
                        Finding(
                            focus=statement,
                            path=PROV.wasDerivedFrom,
                            value=entity,
                            message=f"{show(entity)} (published {date}) is credited for a date "
                            f"from {earliest} on; a source cannot attest what happened after it "
                            "was published: remove this credit or split the claim",
                            shape=None,
                            where=loaded.locate(statement),
                        )
                    )
    return findings


def check_vocabulary(loaded: LoadedGraph, ontology: Graph) -> list[Finding]:
    """Every kgv: term the data uses is declared (with a label) in ontology/; an undeclared one
    is reported on the first subject using it, in IRI order (the same however it was loaded)."""
    first: dict[URIRef, Node] = {}
    for s, p, o in loaded.graph:
        for term in (p, o if p == RDF.type else None):
            if not isinstance(term, URIRef) or not str(term).startswith(str(KGV._NS)):
                continue
            if term not in first or subject_order(s) < subject_order(first[term]):
                first[term] = s
    return vocabulary_findings(loaded, first, ontology)


def subject_order(node: Node) -> tuple[bool, str]:
    return isinstance(node, BNode), str(node)


def vocabulary_findings(
    loaded: LoadedGraph, first: dict[URIRef, Node], ontology: Graph
) -> list[Finding]:
    """A finding for each used term (with the first subject using it) ontology/ does not declare."""
    declared = {s for s in ontology.subjects(RDFS.label, None) if str(s).startswith(str(KGV._NS))}
    return [
        Finding(
            focus=subject,
            path=None,
            value=term,
            message=f"{show(term)} is not declared in ontology/; fix the spelling or "
            "declare it with rdfs:label and rdfs:comment",
            shape=None,
            where=loaded.locate(subject),
        )
        for term, subject in sorted(first.items())
        if term not in declared
    ]


def count(loaded: LoadedGraph) -> dict[str, int]:
    graph = loaded.graph
    statements = loaded.statements
    facts = {
        (graph.value(s, RDF.subject), graph.value(s, RDF.predicate), graph.value(s, RDF.object))
        for s in statements
    }
    return {
        "triples": len(graph),
        "facts": len(facts),
        "claims": len(loaded.claim_names),
        "statements": len(statements),
        "quotes": len({str(q) for q in graph.objects(None, KGV.quote)}),
        "sources": len(set(graph.subjects(RDF.type, KGV.SourceRecord))),
        "entities": len(
            {s for s in graph.subjects(RDF.type, None) if not str(s).startswith(str(KGV._NS))}
            - set(statements)
            - set(graph.subjects(RDF.type, PROV.Derivation))
            - set(graph.subjects(RDF.type, KGV.SourceRecord))
        ),
    }


def report_graph(report: Report) -> Graph:
    """The report as a SHACL ValidationReport graph (for --format turtle)."""
    graph = bind_prefixes(Graph())
    node = KGSH["report"]
    graph.add((node, RDF.type, SH.ValidationReport))
    graph.add((node, SH.conforms, Literal(report.conforms)))
    for index, finding in enumerate(report.findings, 1):
        result = KGSH[f"result-{index}"]
        graph.add((node, SH.result, result))
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.resultSeverity, SH[finding.severity]))
        graph.add((result, SH.resultMessage, Literal(finding.message)))
        graph.add((result, SH.focusNode, finding.focus))
        if finding.shape is not None and not isinstance(finding.shape, BNode):
            graph.add((result, SH.sourceShape, finding.shape))
        if finding.path is not None and not isinstance(finding.path, BNode):
            graph.add((result, SH.resultPath, finding.path))
        if finding.value is not None:
            graph.add((result, SH.value, finding.value))
        if finding.where:
            graph.add((result, RDFS.seeAlso, Literal(finding.where)))
    return graph


def format_text(report: Report) -> str:
    lines = []
    for finding in report.findings:
        head = finding.where or "(graph)"
        path = f" {show(finding.path)}" if finding.path is not None else ""
        lines.append(f"{head}: {show(finding.focus)}{path}")
        lines.append(f"  {finding.message}")
        if finding.value is not None:
            lines.append(f"  value: {show(finding.value)}")
    counts = ", ".join(f"{n:,} {name}" for name, n in report.counts.items())
    if report.conforms:
        lines.append(f"Conforms. The graph holds {counts}.")
    else:
        noun = "violation" if len(report.findings) == 1 else "violations"
        lines.append(f"Does not conform: {len(report.findings)} {noun}. The graph holds {counts}.")
    return "\n".join(lines) + "\n"
