"""Validate after an edit by checking only what the edit can change: the findings a full run
gives, in seconds where a full run takes minutes.

After every run that finishes, `kg validate` leaves a snapshot in kg's cache: the digests of the
files under data/, the graph it checked (the memory store's N-Quads, kept in the cache anyway),
its report, and what each finding is about. The next run, if only .trig and .ttl files changed:

1. loads the new graph into Oxigraph (kg.store.memory, from the cache when it is there) and
   diffs its quads with the snapshot's graph: the triples added and removed;
2. finds every node whose SHACL result can change (`Reach`, read off the shapes): a node that
   reads a changed triple through the shapes' paths (each property path a step, sh:class a read
   of rdf:type, sh:node and the logical constraints a shape on the value), or, for a SPARQL
   constraint or target, a node within the query's reach of a changed triple (how many triple
   patterns away from $this the farthest pattern is);
3. runs pyshacl with every shape's targets narrowed to those nodes, on the part of the graph
   they can read (forward from a core shape's focus node as deep as its shapes go; all around a
   node a SPARQL constraint finds, as far as its query reaches);
4. runs kg's own checks on the claims the change touches (their statements, quotes and credits,
   the names and types of their objects, the records they credit), and the reference-list and
   vocabulary checks on the whole new graph;
5. keeps every other finding of the snapshot, places every finding at its file:line again, and
   counts the new graph.

Anything it cannot bound, it does not guess: an evidence text, the ontology or kg's code
changed; a shape it cannot read (a repeated path, a constraint component it does not know, a
SPARQL text with property paths or with a pattern not joined to $this that a changed triple
could match); a change to rdfs:subClassOf, to a source's evidence file or reference list; a
blank node in the change. Then `attempt` says why and the caller runs every check.
tests/test_incremental.py edits, breaks and fixes the shipped tree and compares every report
with a full run's; bench/validate_incremental.py does so on a synthetic tree of 2.5x10^5
triples.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.namespace import PROV, RDF, RDFS, SH
from rdflib.term import Node

from kg.cache import cached_path, forget_cached, read_cached, write_cached
from kg.load import LoadedGraph, load_ontology, load_shapes, parse_file
from kg.namespaces import CLAIM, KGV, SDO, bind_prefixes
from kg.store.oxigraph import to_oxigraph, to_rdflib
from kg.tree import Tree, data_files
from kg.validate import (
    INCREMENTAL,
    NAME_PREDICATES,
    TARGETS,
    Finding,
    Report,
    Step,
    active_constraints,
    check_claim_credits,
    check_mentions,
    check_quote_part,
    check_quotes,
    check_reference_list,
    declared_prefixes,
    finished,
    focus_nodes_pattern,
    in_order,
    index_sources,
    owning_shape,
    report_data,
    report_from_data,
    retarget,
    run_shacl,
    show,
    sparql_only,
    subject_order,
    targets_of,
    term_from_record,
    term_record,
    vocabulary_findings,
)

SNAPSHOT_VERSION = 2
ANY = None  # a read of every predicate (sh:closed)
DEFAULT = ox.DefaultGraph()
Triple = tuple[Node, Node, Node]


class Unbounded(Exception):
    """The change, or the shapes, are beyond what an incremental run can bound; run them all."""


# --- the snapshot a run leaves -------------------------------------------------------------


@dataclass
class Snapshot:
    setup: str  # validate.setup_digest
    files: dict[str, str]  # every file under data/ -> its SHA-256
    graph: str  # the cache file of the memory store's N-Quads that was checked
    report: Report
    kinds: list[str]  # per finding: "shacl", "shacl-sparql" or a key of validate.KINDS
    scopes: list[Node | None]  # per finding: its focus node (shacl), its claim (claims)

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "version": SNAPSHOT_VERSION,
                "setup": self.setup,
                "files": self.files,
                "graph": self.graph,
                "report": report_data(self.report),
                "kinds": self.kinds,
                "scopes": [term_record(s) for s in self.scopes],
            },
            ensure_ascii=False,
        ).encode("utf-8")

    @classmethod
    def of(cls, setup: str, files, graph: str, report: Report, tagged) -> Snapshot:
        """The snapshot of a report whose findings come (finding, kind, scope) in `tagged`, in
        any order: kinds and scopes are kept in the report's order."""
        ordered = sorted(tagged, key=lambda t: in_order(t[0]))
        kinds = [kind for _, kind, _ in ordered]
        scopes = [scope for _, _, scope in ordered]
        return cls(setup, files, graph, report, kinds, scopes)

    @classmethod
    def from_bytes(cls, data: bytes) -> Snapshot:
        found = json.loads(data)
        if found["version"] != SNAPSHOT_VERSION:
            raise ValueError("another version's snapshot")
        return cls(
            setup=found["setup"],
            files=found["files"],
            graph=found["graph"],
            report=report_from_data(found["report"]),
            kinds=found["kinds"],
            scopes=[term_from_record(s) for s in found["scopes"]],
        )


def snapshot_name(tree: Tree) -> str:
    import hashlib

    where = str(tree.root.resolve()).encode("utf-8", "surrogateescape")
    return f"validate-last-{hashlib.sha256(where).hexdigest()[:16]}.json"


def read_snapshot(tree: Tree) -> Snapshot | None:
    data = read_cached(snapshot_name(tree))
    if data is None:
        return None
    try:
        return Snapshot.from_bytes(data)
    except (ValueError, KeyError, TypeError):  # damaged or of another version: a full run
        return None


def write_snapshot(tree: Tree, snapshot: Snapshot) -> None:
    """Leave the snapshot; the graph of the one it replaces leaves the cache (tens of MB for a
    large tree: one per edit would pile up). The memory store rebuilds it if it is asked for."""
    earlier = read_snapshot(tree)
    write_cached(snapshot_name(tree), snapshot.to_bytes())
    if earlier is not None and earlier.graph != snapshot.graph:
        forget_cached(earlier.graph)


def remember_full_run(
    tree: Tree,
    loaded: LoadedGraph,
    parts: dict,
    report: Report,
    setup: str,
    files: dict[str, str],
) -> None:
    """Leave the snapshot of a full run of the inputs with these digests: its graph in the
    cache, where each file writes what."""
    kinds, scopes = scopes_of(loaded, parts, load_shapes(tree), setup)
    every = [f for found in parts.values() for f in found]
    remember_places(setup, loaded, files, tree)
    tagged = zip(every, kinds, scopes, strict=True)
    write_snapshot(tree, Snapshot.of(setup, files, graph_file(tree), report, tagged))


def graph_file(tree: Tree) -> str:
    """The memory store's cache file for the tree's graph (made now if it is not there)."""
    from kg.store.memory import graph_key, memory_store

    name = f"graph-{graph_key(tree)}.nq"
    if cached_path(name) is None:
        memory_store(tree)
    return name


def scopes_of(
    loaded: LoadedGraph, parts: dict[str, list[Finding]], shapes: Graph, setup: str
) -> tuple[list, list]:
    """The kind and scope of each finding of `parts`, in the order validate_parts lists them:
    a SHACL finding is of the group of shapes that reported it, about its focus node; one of
    kg's claim checks is about its claim."""
    try:
        groups = Reach.remembered(shapes, setup)
    except Unbounded:
        groups = []
    kinds, scopes = [], []
    for kind, found in parts.items():
        for finding in found:
            if kind == "shacl":
                try:
                    kinds.append("shacl:" + group_of(shapes, groups, finding.shape))
                except Unbounded:
                    kinds.append("shacl")  # an incremental run cannot start from it
                scopes.append(finding.focus)
                continue
            kinds.append(kind)
            if kind == "claims":
                scopes.append(loaded.graph.value(finding.focus, KGV.fromClaim) or finding.focus)
            else:
                scopes.append(None)
    return kinds, scopes


# --- what a shape reads --------------------------------------------------------------------


# Parameters of core constraint components that read nothing beyond the value nodes themselves.
VALUE_ONLY = {
    SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minLength, SH.maxLength,
    SH.pattern, SH.flags, SH.languageIn, SH.uniqueLang, SH["in"], SH.hasValue,
    SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive,
    SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint,
}  # fmt: skip
ANNOTATIONS = {
    RDF.type, RDFS.label, RDFS.comment, SH.message, SH.severity, SH.name, SH.description,
    SH.order, SH.group, SH.defaultValue, SH.deactivated, SH.path,
}  # fmt: skip
NESTED = {SH.node, SH["not"], SH.qualifiedValueShape}
LISTS = {SH["or"], SH["and"], SH.xone}
OTHER_PREDICATE = {SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals}
MAX_DEPTH = 8


@dataclass
class Reach:
    """What the shapes read, as chains: (steps, read) reads the triples `read` names at every
    node reached from a focus node along `steps`. A step or a read is (predicate, forward): a
    forward one reads (x, predicate, *), an inverse one (*, predicate, x); predicate ANY: every
    predicate (sh:closed). `sparql`: for each pattern of a SPARQL text, its predicate (None: a
    variable) and how many patterns from $this it is."""

    chains: set[tuple[tuple, tuple]] = field(default_factory=set)
    sparql: list[tuple[Node | None, int]] = field(default_factory=list)
    unjoined: set[Node | None] = field(default_factory=set)  # patterns' predicates, not joined
    depth: int = 0  # the most steps of a chain
    objects_of: set[Node] = field(default_factory=set)  # sh:targetObjectsOf: the object reads
    tops: list[Node] = field(default_factory=list)  # the shapes with targets it is the reach of
    shapes: set[Node] = field(default_factory=set)  # every shape those apply, themselves too

    @property
    def name(self) -> str:
        """The group's name in a snapshot: its first shape with targets."""
        return str(min(self.tops))

    @property
    def radius(self) -> int:
        """How far from its focus node a SPARQL text of the group reads (-1: none)."""
        return max((k for _, k in self.sparql), default=-1)

    @property
    def inverse(self) -> set[Node]:
        """The predicates some chain reads or steps along backwards."""
        return {
            predicate
            for steps, read in self.chains
            for predicate, forward in (*steps, read)
            if not forward
        }

    @classmethod
    def remembered(cls, shapes: Graph, setup: str) -> list[Reach]:
        """Reach.groups of the shapes, kept in the cache under the setup digest (which holds
        the shapes): reading the SPARQL texts takes a second of pyparsing."""
        name = f"validate-reach-{setup}.json"
        data = read_cached(name)
        if data is not None:
            try:
                record = json.loads(data)
                if "unbounded" in record:
                    raise Unbounded(record["unbounded"])
                return [cls.from_record(group) for group in record["groups"]]
            except (ValueError, KeyError, TypeError):
                pass
        try:
            groups = cls.groups(shapes)
        except Unbounded as why:
            write_cached(name, json.dumps({"unbounded": str(why)}).encode())
            raise
        record = {"groups": [group.to_record() for group in groups]}
        write_cached(name, json.dumps(record).encode())
        return groups

    @classmethod
    def groups(cls, shapes: Graph) -> list[Reach]:
        """The reach of each group of shapes with targets that apply a shape in common (so a
        finding is of one group, whichever of its shapes reported it), in name order."""
        tops = sorted({s for p in TARGETS for s in shapes.subjects(p, None)})
        reaches = [cls.of(shapes, top) for top in tops]
        merged: list[Reach] = []
        for reach in reaches:
            overlapping = [m for m in merged if m.shapes & reach.shapes]
            for other in overlapping:
                merged.remove(other)
                reach.merge(other)
            merged.append(reach)
        return sorted(merged, key=lambda group: group.name)

    def merge(self, other: Reach) -> None:
        self.chains |= other.chains
        self.sparql += other.sparql
        self.unjoined |= other.unjoined
        self.objects_of |= other.objects_of
        self.tops = sorted({*self.tops, *other.tops})
        self.shapes |= other.shapes
        self.depth = max(self.depth, other.depth)

    def to_record(self) -> dict:
        def iri(node):  # "" for ANY and a variable predicate: sortable
            return "" if node is None else str(node)

        return {
            "chains": sorted(
                [[[iri(p), f] for p, f in steps], [iri(read[0]), read[1]]]
                for steps, read in self.chains
            ),
            "sparql": sorted([iri(p), k] for p, k in self.sparql),
            "unjoined": sorted(iri(p) for p in self.unjoined),
            "objects_of": sorted(iri(p) for p in self.objects_of),
            "tops": sorted(str(t) for t in self.tops),
            "shapes": sorted(n.n3() for n in self.shapes if isinstance(n, URIRef)),
        }

    @classmethod
    def from_record(cls, record: dict) -> Reach:
        def node(text):
            return URIRef(text) if text else None

        reach = cls(
            chains={
                (tuple((node(p), f) for p, f in steps), (node(read[0]), read[1]))
                for steps, read in record["chains"]
            },
            sparql=[(node(p), k) for p, k in record["sparql"]],
            unjoined={node(p) for p in record["unjoined"]},
            objects_of={node(p) for p in record["objects_of"]},
            tops=[URIRef(t) for t in record["tops"]],
            shapes={URIRef(n[1:-1]) for n in record["shapes"]},
        )
        reach.depth = max((len(steps) for steps, _ in reach.chains), default=0)
        return reach

    @classmethod
    def of(cls, shapes: Graph, top: Node) -> Reach:
        """What one shape with targets reads, its targets too."""
        reach = cls(tops=[top])
        if shapes.value(top, SH.deactivated) == Literal(True):
            return reach
        for predicate, target in shapes.predicate_objects(top):
            if predicate == SH.targetClass:
                reach.chains.add(((), (RDF.type, True)))
            elif predicate == SH.targetSubjectsOf:
                reach.chains.add(((), (target, True)))
            elif predicate == SH.targetObjectsOf:
                reach.objects_of.add(target)
            elif predicate == SH.target:
                reach.add_sparql(shapes, target, "this")
        reach.add_shape(shapes, top, (), set())
        reach.depth = max((len(steps) for steps, _ in reach.chains), default=0)
        return reach

    def add_shape(self, shapes: Graph, shape: Node, prefix: tuple, seen: set) -> None:
        """What `shape`, applied to the nodes at the end of `prefix`, reads."""
        if len(prefix) > MAX_DEPTH or (shape, prefix) in seen:
            raise Unbounded(f"{_shown(shape)} nests too deep")
        seen = seen | {(shape, prefix)}
        self.shapes.add(shape)
        path = shapes.value(shape, SH.path)
        for steps in path_steps(shapes, path) if path is not None else [()]:
            self.add_constraints(shapes, shape, prefix, (*prefix, *steps), seen)

    def add_constraints(self, shapes: Graph, shape, prefix: tuple, values: tuple, seen) -> None:
        """What the constraints of `shape` read, its value nodes at the end of `values`."""
        for i in range(len(prefix), len(values)):
            self.add_chain(values[:i], values[i])
        for predicate, obj in shapes.predicate_objects(shape):
            if predicate in VALUE_ONLY or predicate in ANNOTATIONS or predicate in TARGETS:
                continue
            if predicate == SH["class"]:
                self.add_chain(values, (RDF.type, True))  # rdfs:subClassOf never changes here
            elif predicate in NESTED or predicate == SH.property:
                self.add_shape(shapes, obj, values, seen)
            elif predicate in LISTS:
                for member in Graph.items(shapes, obj):
                    self.add_shape(shapes, member, values, seen)
            elif predicate in OTHER_PREDICATE:
                self.add_chain(prefix, (obj, True))
            elif predicate == SH.closed:
                if obj == Literal(True):
                    self.add_chain(values, (ANY, True))
            elif predicate == SH.ignoredProperties:
                continue
            elif predicate == SH.sparql and not values:
                if shapes.value(obj, SH.deactivated) != Literal(True):
                    self.add_sparql(shapes, obj, "this")
            else:
                raise Unbounded(f"{_shown(shape)} uses {_shown(predicate)}")

    def add_chain(self, steps: tuple, read: tuple) -> None:
        self.chains.add((steps, read))
        for i in range(len(steps)):  # reaching along a chain reads each of its steps
            self.chains.add((steps[:i], steps[i]))

    def add_sparql(self, shapes: Graph, holder: Node, this: str) -> None:
        text = shapes.value(holder, SH.select)
        if text is None:
            raise Unbounded(f"{_shown(holder)}: a SPARQL constraint that is not a SELECT")
        patterns = sparql_patterns(declared_prefixes(shapes) + str(text))
        distance = {Variable(this): 0}
        joined: dict[int, int] = {}
        changed = True
        while changed:  # each pattern is as far as the nearer of its ends; its other end +1
            changed = False
            for index, (s, _, o) in enumerate(patterns):
                known = [distance[t] for t in (s, o) if t in distance]
                if not known:
                    continue
                near = min(known)
                if joined.get(index, near + 1) > near:
                    joined[index] = near
                    changed = True
                for term in (s, o):  # a predicate's IRI is no node next to s or o
                    if (
                        isinstance(term, Variable | BNode)
                        and distance.get(term, near + 2) > near + 1
                    ):
                        distance[term] = near + 1
                        changed = True
        for index, (_, p, _) in enumerate(patterns):
            predicate = p if isinstance(p, URIRef) else None
            if index in joined:
                self.sparql.append((predicate, joined[index]))
            else:
                self.unjoined.add(predicate)


def path_steps(shapes: Graph, path: Node) -> list[tuple]:
    """The step sequences a SHACL path can take, one per alternative: a predicate is a forward
    step; sh:inversePath reverses a path, sh:alternativePath joins its members' sequences, a
    list (a sequence path) chains its members'. Repetition (zeroOrMore ...) is unbounded."""
    if isinstance(path, URIRef):
        return [((path, True),)]
    if (path, RDF.first, None) in shapes:
        sequences = [()]
        for member in Graph.items(shapes, path):
            sequences = [(*a, *b) for a in sequences for b in path_steps(shapes, member)]
        return sequences
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return [
            tuple((p, not forward) for p, forward in reversed(steps))
            for steps in path_steps(shapes, inverse)
        ]
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        members = Graph.items(shapes, alternatives)
        return [steps for member in members for steps in path_steps(shapes, member)]
    raise Unbounded(f"a path kg cannot bound ({_shown(path)}: repetition)")


@functools.lru_cache(maxsize=256)
def sparql_patterns(text: str) -> tuple[tuple[Node, Node, Node], ...]:
    """Every triple pattern of a SPARQL query: in its groups, OPTIONALs, UNIONs, sub-queries
    and (NOT) EXISTS. Read from rdflib's parse, with names and paths resolved as its algebra
    does first (its algebra drops the filters nested in an EXISTS)."""
    from rdflib.paths import Path
    from rdflib.plugins.sparql.algebra import (
        translatePath,
        translatePName,
        translatePrologue,
        traverse,
        triples,
    )
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery(text)
        prologue = translatePrologue(parsed[0], None)
        body = traverse(parsed[1], visitPost=functools.partial(translatePName, prologue=prologue))
        body = traverse(body, visitPost=translatePath)
    except Exception as error:  # rdflib cannot read it: kg cannot bound it
        raise Unbounded(f"a SPARQL text rdflib cannot read ({type(error).__name__})") from None
    found: list[tuple[Node, Node, Node]] = []
    stack: list = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if getattr(item, "name", None) == "TriplesBlock":
                for triple in triples(item.get("triples", [])):
                    if isinstance(triple[1], Path):
                        raise Unbounded("a SPARQL text with a property path")
                    found.append(tuple(triple))
            stack.extend(item.values())
        elif isinstance(item, list | tuple) or type(item).__name__ == "ParseResults":
            stack.extend(item)
    return tuple(found)


def _shown(node: Node) -> str:
    return show(node) or "?"


# --- the incremental run -------------------------------------------------------------------


@dataclass
class Change:
    """Triples of the checked graph (the default graph) added and removed, and the claims whose
    graphs changed."""

    added: set[Triple]
    removed: set[Triple]
    claims: set[Node]

    @property
    def triples(self) -> set[Triple]:
        return self.added | self.removed


def graph_change(old: bytes, new: bytes) -> Change:
    """What differs between two N-Quads texts written by kg.store.bulkload."""
    old_lines, new_lines = set(old.splitlines()), set(new.splitlines())
    added, removed, claims = set(), set(), set()
    for lines, into in ((new_lines - old_lines, added), (old_lines - new_lines, removed)):
        for quad in ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_QUADS):
            terms = (quad.subject, quad.predicate, quad.object)
            if any(isinstance(t, ox.BlankNode) for t in terms):
                raise Unbounded("a blank node changed")
            if quad.graph_name == DEFAULT:
                into.add(tuple(map(to_rdflib, terms)))
            else:
                claims.add(to_rdflib(quad.graph_name))
    return Change(added, removed, claims)


class Neighbourhood:
    """Triples of an Oxigraph store around nodes, as rdflib terms."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def out(self, node: Node, predicate: Node | None = None) -> list[Triple]:
        if isinstance(node, Literal):
            return []
        pattern = (to_oxigraph(node), to_oxigraph(predicate) if predicate else None, None)
        return [_triple(q) for q in self.store.quads_for_pattern(*pattern, DEFAULT)]

    def into(self, node: Node, predicate: Node | None = None) -> list[Triple]:
        pattern = (None, to_oxigraph(predicate) if predicate else None, to_oxigraph(node))
        return [_triple(q) for q in self.store.quads_for_pattern(*pattern, DEFAULT)]

    def around(self, nodes: Iterable[Node], radius: int) -> set[Node]:
        """The nodes within `radius` triples of `nodes`, either way."""
        found = set(nodes)
        frontier = set(found)
        for _ in range(radius):
            following = set()
            for node in frontier:
                following |= {t[0] for t in self.into(node)} | {t[2] for t in self.out(node)}
            frontier = following - found
            found |= frontier
        return found

    def forward(self, nodes: Iterable[Node], depth: int, inverse: set[Node]) -> set[Triple]:
        """Every triple on a path of at most `depth` + 1 steps from `nodes`: forward along any
        predicate, backward along those of `inverse`."""
        triples: set[Triple] = set()
        frontier, seen = set(nodes), set(nodes)
        for _ in range(depth + 1):
            following = set()
            for node in frontier:
                for triple in self.out(node):
                    triples.add(triple)
                    following.add(triple[2])
                for predicate in inverse:
                    for triple in self.into(node, predicate):
                        triples.add(triple)
                        following.add(triple[0])
            frontier = following - seen
            seen |= frontier
        return triples

    def touching(self, nodes: Iterable[Node]) -> set[Triple]:
        triples: set[Triple] = set()
        for node in nodes:
            triples.update(self.out(node))
            triples.update(self.into(node))
        return triples


def _triple(quad) -> Triple:
    return to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)


def attempt(
    tree: Tree, progress, setup: str, files: dict[str, str]
) -> tuple[Report, Snapshot] | str:
    """The report of the tree (its inputs with these digests) from the last run's snapshot,
    checking only what changed, with the snapshot to leave; or why it cannot (then run every
    check)."""
    snapshot = read_snapshot(tree)
    if snapshot is None:
        return "no earlier run to start from"
    if snapshot.setup != setup:
        return "ontology/, kg's code or a library changed"
    changed = {n for n in set(files) | set(snapshot.files) if files.get(n) != snapshot.files.get(n)}
    if not changed:
        return "nothing changed, but the report is not remembered"
    texts = sorted(n for n in changed if not n.endswith((".trig", ".ttl")))
    if texts:
        return f"data/{texts[0]} changed (not a .trig or .ttl file)"
    if cached_path(snapshot.graph) is None:
        return "the last run's graph is no longer in the cache"
    try:
        return _run(tree, progress, snapshot, setup, files, changed)
    except Unbounded as why:
        return str(why)


def _run(tree, progress, snapshot: Snapshot, setup: str, files, changed) -> tuple:
    from kg.store.memory import memory_store

    tell = progress or (lambda step: None)
    tell(Step(INCREMENTAL, item=", ".join(f"data/{n}" for n in sorted(changed))))
    tell(Step("load"))
    store = memory_store(tree)  # a file that does not parse stops here, as in a full run
    name = graph_file(tree)
    old_graph, new_graph = cached_path(snapshot.graph), cached_path(name)
    if old_graph is None or new_graph is None:
        raise Unbounded("the cache cannot hold the graphs to compare")
    change = graph_change(old_graph.read_bytes(), new_graph.read_bytes())
    predicates = {t[1] for t in change.triples}
    if RDFS.subClassOf in predicates:
        raise Unbounded("rdfs:subClassOf changed")
    if predicates & {KGV.evidenceFile, SDO.citation, KGV.citationText}:
        raise Unbounded("a source's evidence file or reference list changed")
    around = Neighbourhood(store)
    shapes, ontology = load_shapes(tree), load_ontology(tree)
    groups = Reach.remembered(shapes, setup)
    for group in groups:
        for predicate in group.unjoined:
            if predicate is None or predicate in predicates:
                raise Unbounded("a SPARQL pattern not joined to $this could match the change")

    tell(Step("shapes"))
    focus = {group.name: affected_nodes(change, group, around) for group in groups}
    narrowed, data = narrowed_shapes(shapes, store, groups, focus, around)
    subclasses = store.quads_for_pattern(None, to_oxigraph(RDFS.subClassOf), None, DEFAULT)
    data |= {_triple(q) for q in subclasses}
    partial = _partial(tree, data)
    targeted = (None, SH.targetNode, None) in narrowed
    found_shacl = run_shacl(partial, narrowed) if targeted else []

    tell(Step("quotes"))
    claims = affected_claims(change, around)
    context = claim_context(claims, around, store)
    checked = _partial(tree, context)
    sources = index_sources(checked)
    found_claims = (
        check_quotes(checked, sources)
        + check_quote_part(checked, sources)
        + check_mentions(checked, sources)
        + check_claim_credits(checked, sources)
    )
    tell(Step("references"))
    found_references = check_reference_list(checked, sources.texts, sources.cited)
    tell(Step("vocabulary"))
    found_vocabulary = vocabulary_findings(checked, first_uses(store, ontology), ontology)

    kept = []
    for finding, kind, scope in zip(
        snapshot.report.findings, snapshot.kinds, snapshot.scopes, strict=True
    ):
        if kind.startswith("shacl:"):
            if kind.removeprefix("shacl:") not in focus:
                raise Unbounded("the snapshot's groups of shapes are not these")
            if scope not in focus[kind.removeprefix("shacl:")]:
                kept.append((finding, kind, scope))
        elif kind == "claims" and scope not in claims:
            kept.append((finding, kind, scope))
        elif kind not in ("claims", "reference-list", "vocabulary"):
            raise Unbounded(f"a finding of the snapshot of a kind it does not know ({kind})")
    fresh = (
        [(f, "shacl:" + group_of(shapes, groups, f.shape), f.focus) for f in found_shacl]
        + [(f, "claims", claim_of(f.focus, around)) for f in found_claims]
        + [(f, "reference-list", None) for f in found_references]
        + [(f, "vocabulary", None) for f in found_vocabulary]
    )
    every = kept + fresh
    placed = place([f for f, _, _ in every], tree, files, setup, around)
    report = finished(placed, counts(store))
    tagged = ((f, kind, scope) for f, (_, kind, scope) in zip(placed, every, strict=True))
    return report, Snapshot.of(setup, files, name, report, tagged)


def affected_nodes(change: Change, group: Reach, around: Neighbourhood) -> set[Node]:
    """The nodes whose results for a group of shapes may differ: a node that reads a changed
    triple along the group's paths, or within its SPARQL texts' reach of it."""
    found: set[Node] = set()
    for s, p, o in change.triples:
        found.add(s)
        if p in group.objects_of:
            found.add(o)  # it became, or stopped being, a focus node
        for steps, (read, forward) in group.chains:
            if read is not ANY and read != p:
                continue
            nodes = {s if forward else o}
            for predicate, step_forward in reversed(steps):
                if step_forward:
                    nodes = {t[0] for n in nodes for t in around.into(n, predicate)}
                else:
                    nodes = {t[2] for n in nodes for t in around.out(n, predicate)}
            found |= nodes
        radius = max((k for q, k in group.sparql if q is None or q == p), default=-1)
        if radius >= 0:
            found |= around.around([s, o], radius)
    found = {n for n in found if not isinstance(n, Literal)}
    if any(isinstance(n, BNode) for n in found):
        raise Unbounded("a blank node may read the change")
    return found


def group_of(shapes: Graph, groups: list[Reach], shape: Node | None) -> str:
    """The name of the group whose shapes reported a finding (its source shape, or the named
    shape an anonymous one hangs from)."""
    named = owning_shape(shapes, shape) if shape is not None else None
    for group in groups:
        if named in group.shapes:
            return group.name
    raise Unbounded(f"a finding of {_shown(named)}, a shape of no group")


def narrowed_shapes(
    shapes: Graph, store: ox.Store, groups: list[Reach], focus: dict, around: Neighbourhood
) -> tuple[Graph, set[Triple]]:
    """The shapes with every target replaced by its group's focus nodes among them (on the
    whole new graph); a shape of SPARQL constraints alone keeps only the nodes its queries find
    something on (kg.validate's way). And the triples those nodes' shapes can read."""
    header = declared_prefixes(shapes)
    narrowed = bind_prefixes(Graph())
    narrowed += shapes
    data: set[Triple] = set()
    for group in groups:
        nodes = focus[group.name]
        values = " ".join(str(to_oxigraph(n)) for n in sorted(nodes, key=subject_order))
        core: set[Node] = set()
        failing: set[Node] = set()
        for shape in group.tops:
            replaced = targets_of(shapes, shape)
            union = " UNION ".join(focus_nodes_pattern(shapes, p, o) for p, o in replaced)
            targets = f"SELECT DISTINCT ?this WHERE {{ VALUES ?this {{ {values} }} {{ {union} }} }}"
            found: set[Node] = set()
            if nodes and sparql_only(shapes, shape):
                for constraint in active_constraints(shapes, shape):
                    text = str(shapes.value(constraint, SH.select))
                    lateral = (
                        f"SELECT DISTINCT ?this WHERE {{ {{ {targets} }} LATERAL {{ {text}\n}} }}"
                    )
                    found |= _nodes(store, header + lateral)
                failing |= found
            elif nodes:
                found = _nodes(store, header + targets)
                core |= found
            retarget(narrowed, shape, replaced, found)
        data |= around.forward(core, group.depth, group.inverse)
        if group.radius >= 0:  # all around: a SPARQL text reads either way
            data |= around.touching(around.around(core | failing, group.radius))
    return narrowed, data


def _nodes(store: ox.Store, query: str) -> set[Node]:
    return {to_rdflib(row["this"]) for row in store.query(query) if row["this"] is not None}


# affected_claims and claim_context know what kg.validate's own checks read (check_quotes,
# check_quote_part, check_mentions, check_claim_credits): a check that reads anything else must
# be added to both, or an incremental run will miss what it finds (tests/test_incremental.py
# compares every edit it makes with a full run).
def affected_claims(change: Change, around: Neighbourhood) -> set[Node]:
    """The claims kg's own checks must look at again: those whose statements, credits, objects'
    names and types, or credited records' dates changed (what those checks read)."""
    claims = set(change.claims)
    subjects = {t[0] for t in change.triples}
    for _, p, o in change.triples:
        if p == KGV.fromClaim:
            claims.add(o)
    for subject in subjects:
        claims |= {t[2] for t in around.out(subject, KGV.fromClaim)}
        for statement, _, _ in around.into(subject, PROV.qualifiedDerivation):  # a credit
            claims |= {t[2] for t in around.out(statement, KGV.fromClaim)}
    named = {t[0] for t in change.triples if t[1] in (*NAME_PREDICATES, RDF.type)}
    dated = {t[0] for t in change.triples if t[1] == SDO.datePublished}
    for node in named:
        for statement, _, _ in around.into(node, RDF.object):
            claims |= {t[2] for t in around.out(statement, KGV.fromClaim)}
    for record in dated:
        for derivation, _, _ in around.into(record, PROV.entity):
            for statement, _, _ in around.into(derivation, PROV.qualifiedDerivation):
                claims |= {t[2] for t in around.out(statement, KGV.fromClaim)}
    return claims


def claim_context(claims: set[Node], around: Neighbourhood, store: ox.Store) -> set[Triple]:
    """What kg's own checks read of these claims: their statements and credits, the names,
    types, dates and entries of what those cite, credit or state; and every evidence source
    with the entries of its reference list."""
    described = (*NAME_PREDICATES, RDF.type, SDO.datePublished, KGV.citationText)
    triples: set[Triple] = set()
    for claim in claims:
        for statement, _, _ in around.into(claim, KGV.fromClaim):
            own = around.out(statement)
            triples.update(own)
            nodes = [o for _, p, o in own if p in (RDF.object, PROV.wasDerivedFrom)]
            for _, p, derivation in own:
                if p == PROV.qualifiedDerivation:
                    credit = around.out(derivation)
                    triples.update(credit)
                    nodes += [o for _, q, o in credit if q == PROV.entity]
            for node in nodes:
                for predicate in described:
                    triples.update(around.out(node, predicate))
    evidence = store.quads_for_pattern(None, to_oxigraph(KGV.evidenceFile), None, DEFAULT)
    for source in {to_rdflib(q.subject) for q in evidence}:
        triples.update(around.out(source))
        for _, _, record in around.out(source, SDO.citation):
            triples.update(around.out(record, KGV.citationText))
    return triples


def claim_of(node: Node, around: Neighbourhood) -> Node:
    found = around.out(node, KGV.fromClaim)
    return found[0][2] if found else node


def first_uses(store: ox.Store, ontology: Graph) -> dict[URIRef, Node]:
    """Each kgv: term the graph uses (as a predicate or a type) that ontology/ does not
    declare, and its first subject (validate.check_vocabulary's order)."""
    declared = {s for s in ontology.subjects(RDFS.label, None) if str(s).startswith(str(KGV))}
    query = f"""SELECT DISTINCT ?term WHERE {{
        {{ ?s ?term ?o }} UNION {{ ?s a ?term }}
        FILTER (isIRI(?term) && STRSTARTS(STR(?term), "{KGV}"))
    }}"""
    first: dict[URIRef, Node] = {}
    for row in store.query(query):
        term = to_rdflib(row["term"])
        if term in declared:
            continue
        using = store.quads_for_pattern(None, row["term"], None, DEFAULT)
        typed = store.quads_for_pattern(None, to_oxigraph(RDF.type), row["term"], DEFAULT)
        subjects = {to_rdflib(q.subject) for q in [*using, *typed]}
        first[term] = min(subjects, key=subject_order)
    return first


def counts(store: ox.Store) -> dict[str, int]:
    """What validate.count says of the loaded graph, asked of the store that holds it."""
    statement = f"<{RDF.Statement}>"
    queries = {
        "triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "facts": f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{
            ?st a {statement} ; <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ;
                <{RDF.object}> ?o }} }}""",
        "claims": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        "statements": f"SELECT (COUNT(DISTINCT ?st) AS ?n) WHERE {{ ?st a {statement} }}",
        "quotes": f"SELECT (COUNT(DISTINCT STR(?q)) AS ?n) WHERE {{ ?st <{KGV.quote}> ?q }}",
        "sources": f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{KGV.SourceRecord}> }}",
        "entities": f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{
            ?s a ?type .
            FILTER (isBlank(?s) || !STRSTARTS(STR(?s), "{KGV}"))
            FILTER NOT EXISTS {{ ?s a ?other .
                FILTER (?other IN ({statement}, <{PROV.Derivation}>, <{KGV.SourceRecord}>)) }}
        }}""",
    }
    return {name: int(next(iter(store.query(query)))["n"].value) for name, query in queries.items()}


# --- where each finding is written ----------------------------------------------------------


def _partial(tree: Tree, triples: Iterable[Triple]) -> LoadedGraph:
    graph = bind_prefixes(Graph())
    for triple in triples:
        graph.add(triple)
    return LoadedGraph(tree=tree, graph=graph, claims=Dataset())


def place(findings: list[Finding], tree: Tree, files, setup: str, around: Neighbourhood) -> list:
    """The findings with their file:line as a full run gives it (the same rules: a SHACL
    result at its triple, else its focus node; kg's own checks at their focus node)."""
    if not findings:
        return []
    from dataclasses import replace

    nodes = {f.focus for f in findings} | {f.anchor[0] for f in findings if f.anchor}
    if any(isinstance(n, BNode) for n in nodes):  # its label is the parse's: no file:line
        raise Unbounded("a finding about a blank node")
    nodes = {n for n in nodes if n is not None and not isinstance(n, Literal)}
    triples: set[Triple] = set()
    for node in nodes:
        triples.update(around.out(node))
        for statement, _, _ in around.into(node, PROV.qualifiedDerivation):
            triples.update(around.out(statement, KGV.fromClaim))
            triples.update(around.out(statement, RDF.subject))
            triples.add((statement, PROV.qualifiedDerivation, node))
    located = _partial(tree, triples)
    located.files, located.declared_in, located.written = where_written(tree, files, setup)
    _declare_statements(located)
    placed = []
    for finding in findings:
        if finding.anchor is not None:  # a SHACL result: where its triple is written
            where = located.locate_triple(*finding.anchor) or located.locate(finding.focus)
        else:
            where = located.locate(finding.focus)
        placed.append(replace(finding, where=where))
    return placed


def where_written(tree: Tree, files: dict[str, str], setup: str) -> tuple:
    """(data files, each node's file, each file's triples and lines) as kg.load.load records
    them. What each file declares comes from its record in the cache, or from Oxigraph's parse
    of it; its triples' lines are read (kg.load's parser) only when a finding asks for them."""
    paths = data_files(tree)
    places = {
        path: FilePlaces(tree, path, files[path.relative_to(tree.data_dir).as_posix()], setup)
        for path in paths
    }
    claims = {claim: path for path, found in places.items() for claim in found.claims}
    declared: dict[Node, object] = {}
    for path, found in places.items():
        for subject in found.claim_subjects:
            declared.setdefault(subject, path)
    for path, found in places.items():
        for subject in found.subjects:
            if subject not in claims:
                declared.setdefault(subject, path)
    declared.update(claims)
    return paths, declared, places


def _declare_statements(located: LoadedGraph) -> None:
    """A statement is written as its claim (else as its subject), as kg.load records it."""
    for statement, claim in located.graph.subject_objects(KGV.fromClaim):
        subject = located.graph.value(statement, RDF.subject)
        path = located.declared_in.get(claim) or located.declared_in.get(subject)
        if path is not None:
            located.declared_in[statement] = path


class FilePlaces:
    """What kg.load records of one data file, as LoadedGraph.written holds it (a triple -> the
    line it is written on), and what the file declares: its claims, the subjects of their
    triples, every IRI it writes as a subject. Kept in the cache under the file's digest: the
    declarations and the lines apart, as the lines are seldom needed and ten times larger."""

    def __init__(self, tree: Tree, path, digest: str, setup: str) -> None:
        self.tree, self.path = tree, path
        self.name = places_name(setup, digest)
        self._lines: dict[Triple, int] | None = None
        record = _cached_json(f"{self.name}.json")
        if record is None:
            record = self._declarations()
            write_cached(f"{self.name}.json", json.dumps(record).encode("utf-8"))
        self.claims = {URIRef(n) for n in record["claims"]}
        self.claim_subjects = {URIRef(n) for n in record["claim_subjects"]}
        self.subjects = {URIRef(n) for n in record["subjects"]}

    def _declarations(self) -> dict:
        """Read off Oxigraph's parse of the file (kg.load's would take seconds more)."""
        from kg.tree import DATA_SUFFIXES

        formats = {"trig": ox.RdfFormat.TRIG, "turtle": ox.RdfFormat.TURTLE}
        claims, claim_subjects, subjects = set(), set(), set()
        quads = ox.parse(
            path=str(self.path),
            format=formats[DATA_SUFFIXES[self.path.suffix]],
            base_iri=BASE_IRI,
        )
        for quad in quads:
            subject = quad.subject
            if quad.graph_name != DEFAULT:
                claims.add(quad.graph_name.value)
                if isinstance(subject, ox.NamedNode):
                    claim_subjects.add(subject.value)
            if isinstance(subject, ox.NamedNode):
                subjects.add(subject.value)
        return {
            "claims": sorted(claims),
            "claim_subjects": sorted(claim_subjects),
            "subjects": sorted(subjects),
        }

    @property
    def lines(self) -> dict[Triple, int]:
        if self._lines is None:
            record = _cached_json(f"{self.name}-lines.json")
            if record is not None:
                self._lines = {tuple(map(term_from_record, t)): n for *t, n in record}
            else:
                self._lines = {}
                parse_file(self.path, self.tree, lines=self._lines)
                remember_lines(self.name, self._lines)
        return self._lines

    # what LoadedGraph.locate_triple asks of a file's lines
    def __contains__(self, triple: Triple) -> bool:
        return isinstance(triple[0], URIRef) and triple[0] in self.subjects and triple in self.lines

    def __getitem__(self, triple: Triple) -> int:
        return self.lines[triple]


BASE_IRI = str(CLAIM)[: -len("claim/")]  # kg.load.parse_file's fixed base


def places_name(setup: str, digest: str) -> str:
    """The cache name of a data file's places (its digest's), for this code and ontology."""
    return f"validate-places-{setup[:16]}-{digest[:32]}"


def _cached_json(name: str):
    data = read_cached(name)
    if data is None:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None


def remember_lines(name: str, lines: dict[Triple, int]) -> None:
    record = [[*map(term_record, t), n] for t, n in lines.items()]
    write_cached(f"{name}-lines.json", json.dumps(record, ensure_ascii=False).encode("utf-8"))


def remember_places(setup: str, loaded: LoadedGraph, files: dict[str, str], tree: Tree) -> None:
    """The places of every file of a tree just loaded in full, from what the load recorded."""
    claims: dict = {path: set() for path in loaded.written}
    claim_subjects: dict = {path: set() for path in loaded.written}
    for graph in loaded.claims.graphs():
        path = loaded.declared_in.get(graph.identifier)
        if path in claims and len(graph):
            claims[path].add(str(graph.identifier))
            claim_subjects[path] |= {str(t[0]) for t in graph if isinstance(t[0], URIRef)}
    for path, lines in loaded.written.items():
        name = (
            f"validate-places-{setup[:16]}-{files[path.relative_to(tree.data_dir).as_posix()][:32]}"
        )
        if cached_path(f"{name}.json") is not None:
            continue
        subjects = {str(t[0]) for t in lines if isinstance(t[0], URIRef)}
        record = {
            "claims": sorted(claims[path]),
            "claim_subjects": sorted(claim_subjects[path]),
            "subjects": sorted(subjects),
        }
        remember_lines(name, lines)
        write_cached(f"{name}.json", json.dumps(record).encode("utf-8"))
