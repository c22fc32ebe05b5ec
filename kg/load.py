"""Find a kg tree, parse its files, and derive the sourced statements from the authored claims.

Authoring convention (docs/authoring.md): each claim is a named graph in a TriG file of data/,
and the claim's IRI carries, in the default graph, one `kgv:quote` and its `prov:wasDerivedFrom`
sources. Loading asserts every claim triple and reifies it as an `rdf:Statement` carrying the
claim's quote and sources, so a fact is written once and its provenance cannot drift from it.
"""

from __future__ import annotations

import bisect
import contextlib
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, ConjunctiveGraph, Dataset, Graph, Literal, URIRef, plugin
from rdflib.namespace import PROV, RDF, XSD
from rdflib.parser import InputSource, Parser
from rdflib.plugins.parsers.notation3 import RDFSink, SinkParser
from rdflib.plugins.parsers.trig import TrigSinkParser
from rdflib.term import Node

from kg.dates import bounds
from kg.errors import DataSyntaxError, RootError
from kg.iris import claim_key, derivation_name, statement_name
from kg.namespaces import CLAIM, KGV, SYMMETRIC, bind_prefixes
from kg.tree import DATA_SUFFIXES, SHAPES_FILE, Tree, data_files

Triple = tuple[Node, Node, Node]


def parse_file(
    path: Path,
    tree: Tree | None = None,
    format: str | None = None,
    lines: dict[Triple, int] | None = None,
) -> Dataset:
    """Parse one RDF file into a fresh Dataset, turning syntax errors into `file:line: message`.

    `lines`, if given, receives the line each triple is written on (where its object starts)."""
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
        base = str(CLAIM)[: -len("claim/")]
        if lines is not None and format in LINE_PARSERS:
            dataset.parse(data=text, format=LINE_PARSERS[format], publicID=base, lines=lines)
        else:
            dataset.parse(data=text, format=format, publicID=base)
    except Exception as error:  # rdflib raises many types; all mean "this file does not parse"
        line, message = _syntax_error_position(error, text)
        raise DataSyntaxError(
            f"{shown}:{line}: {message} (fix the {format.upper()} syntax there)"
        ) from None
    return dataset


class _ObjectLines:
    """Mixed into rdflib's Turtle and TriG parsers: records in `written` the line each triple's
    object starts on (each of a list `o1 , o2` its own). A triple made otherwise (the items of a
    collection) gets the line the parser is on."""

    written: dict[Triple, int]
    _objects: dict[int, tuple[object, int]]  # id(term) -> (term, line), the term kept alive
    _text: str | None = None
    _newlines: list[int]

    def statement(self, argstr: str, i: int) -> int:
        self._objects.clear()  # a statement's terms are done with when the next one starts
        return super().statement(argstr, i)

    def object(self, argstr: str, i: int, res) -> int:
        j = super().object(argstr, i, res)
        if j >= 0 and res:
            if argstr is not self._text:
                self._text, self._newlines = argstr, [m.start() for m in _NEWLINE.finditer(argstr)]
            start = _BLANK.match(argstr, i).end()
            self._objects[id(res[-1])] = (res[-1], bisect.bisect_left(self._newlines, start) + 1)
        return j

    def makeStatement(self, quadruple) -> None:
        super().makeStatement(quadruple)
        context, predicate, subject, obj = quadruple
        term, line = self._objects.get(id(obj), (None, 0))
        if term is not obj:
            line = self.lines + 1
        if not isinstance(obj, Node):  # a number or boolean, as the sink turns it into a literal
            obj = self._store.normalise(context, obj)
        self.written.setdefault((subject, predicate, obj), line)


_NEWLINE = re.compile("\n")
_BLANK = re.compile(r"(?:\s|#[^\n]*)*")  # what the parser skips before a term


class _TurtleSink(_ObjectLines, SinkParser):
    pass


class _TrigSink(_ObjectLines, TrigSinkParser):
    pass


class LineParser(Parser):
    """rdflib's Turtle or TriG parser (as `TurtleParser.parse` and `TrigParser.parse` run it),
    telling the line each triple is written on: registered as `kg-turtle` and `kg-trig`."""

    sink_parser: type = _TurtleSink

    def parse(self, source: InputSource, graph: Graph, lines: dict[Triple, int]) -> None:
        target = graph
        if self.sink_parser is _TrigSink:  # TriG fills the named graphs of graph's store
            with warnings.catch_warnings():  # deprecated, but what rdflib's TrigParser builds
                warnings.simplefilter("ignore", DeprecationWarning)
                target = ConjunctiveGraph(store=graph.store, identifier=graph.identifier)
            target.default_context = graph
            target.namespace_manager = graph.namespace_manager
        base = target.absolutize(source.getPublicId() or source.getSystemId() or "")
        parser = self.sink_parser(RDFSink(target), baseURI=base, turtle=True)
        parser.written, parser._objects = lines, {}
        parser.loadStream(source.getCharacterStream() or source.getByteStream())
        for prefix, namespace in parser._bindings.items():
            target.bind(prefix, namespace)


class TrigLineParser(LineParser):
    sink_parser = _TrigSink


LINE_PARSERS = {"turtle": "kg-turtle", "trig": "kg-trig"}
plugin.register("kg-turtle", Parser, __name__, "LineParser")
plugin.register("kg-trig", Parser, __name__, "TrigLineParser")


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
    written: dict[Path, dict[Triple, int]] = field(default_factory=dict)  # file: triple's line
    _line_index: dict[Path, LineIndex] = field(default_factory=dict, repr=False, compare=False)

    def locate_triple(
        self, subject: Node, predicate: Node | None = None, obj: Node | None = None
    ) -> str | None:
        """`data/file.trig:LINE` where the triple is written (a data file's line, where its
        object starts); with no predicate or no object, the first written of those that match.
        None when none is written (a derived statement's triples, say)."""
        if predicate is None and obj is None:
            return None
        for path, lines in self.written.items():  # the files in load order: the first wins
            found = [lines[t] for t in self.graph.triples((subject, predicate, obj)) if t in lines]
            if found:
                return f"{self.tree.relative(path)}:{min(found)}"
        return None

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


def load(tree: Tree) -> LoadedGraph:
    """Parse every data file of the tree and derive one rdf:Statement per claim triple."""
    loaded = LoadedGraph(tree=tree, graph=bind_prefixes(Graph()), claims=Dataset())
    bind_prefixes(loaded.claims)
    claim_files: dict[Node, Path] = {}
    default_triples: list[tuple[tuple[Node, Node, Node], Path]] = []
    loaded.files = data_files(tree)
    for path in loaded.files:
        loaded.written[path] = {}
        parsed = parse_file(path, tree, lines=loaded.written[path])
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
