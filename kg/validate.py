"""Check the graph: SHACL shapes (pyshacl) plus the checks SHACL cannot make on its own.

The extra checks read files outside the graph: every quote must occur verbatim in the evidence
text of a source it cites, every reference-list entry must have exactly one source record, and
every kgv: term used must be declared in the vocabulary.
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
from rdflib.namespace import PROV, RDF, RDFS, SH
from rdflib.term import Node

from kg.errors import KgError
from kg.load import LoadedGraph, Tree, load, load_ontology, load_shapes
from kg.namespaces import KGSH, KGV, SDO, bind_prefixes


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
    return node.n3(_NAMES)


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


def validate_tree(tree: Tree, progress: Progress | None = None) -> Report:
    """Load a tree and check it; raises KgError only when something cannot be loaded.

    `progress`, if given, is called with a Step as each phase (and each SHACL shape) starts.
    """
    if progress is not None:
        progress(Step("load"))
    loaded = load(tree)
    return validate_loaded(loaded, load_shapes(tree), load_ontology(tree), progress)


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
    tell = progress or (lambda step: None)
    tell(Step("shapes"))
    findings = run_shacl(loaded, shapes, progress)
    tell(Step("quotes"))
    texts = evidence_texts(loaded)  # read and normalised once for both checks
    findings += check_quotes(loaded, texts)
    tell(Step("references"))
    findings += check_reference_list(loaded, texts)
    tell(Step("vocabulary"))
    findings += check_vocabulary(loaded, ontology)
    findings.sort(key=lambda f: (f.where or "~", str(f.focus), str(f.path or ""), f.message))
    return Report(conforms=not findings, counts=count(loaded), findings=findings)


def run_shacl(
    loaded: LoadedGraph, shapes: Graph, progress: Progress | None = None
) -> list[Finding]:
    from pyshacl import validate  # heavy: imported only when validating

    # Parsed graphs only (never paths or URLs), no inference, no owl:imports: nothing is fetched.
    with shape_steps(progress):
        _, results, _ = validate(
            loaded.graph,
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            do_owl_imports=False,
            allow_warnings=False,
        )
    findings = []
    # Only top-level results: sh:detail children repeat what their parent already says.
    for result in results.objects(None, SH.result):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        severity = results.value(result, SH.resultSeverity)
        findings.append(
            Finding(
                focus=focus,
                path=path,
                value=value,
                message=messages[0] if messages else "constraint violated",
                shape=results.value(result, SH.sourceShape),
                where=loaded.locate(focus) if isinstance(focus, URIRef) else None,
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            )
        )
    return findings


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


def check_quotes(loaded: LoadedGraph, texts: dict[Node, str] | None = None) -> list[Finding]:
    """Every statement's quote occurs verbatim in the evidence text of a source it cites."""
    texts = evidence_texts(loaded) if texts is None else texts
    graph = loaded.graph
    findings = []
    found: dict[tuple[str, Node], bool] = {}  # a claim's statements share quote and sources

    def occurs(quote: str, source: Node) -> bool:
        key = (quote, source)
        if key not in found:
            found[key] = normalise_space(quote) in texts[source]
        return found[key]

    for statement in loaded.statements:
        sources = [s for s in graph.objects(statement, PROV.wasDerivedFrom) if s in texts]
        for quote in graph.objects(statement, KGV.quote):
            if not sources:
                message = (
                    "the statement cites no source with an evidence text, so its quote cannot "
                    "be checked; add prov:wasDerivedFrom the article"
                )
            elif not any(occurs(str(quote), s) for s in sources):
                message = (
                    "the quote does not occur verbatim in the evidence text; copy the words "
                    "exactly from the article"
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


def check_reference_list(
    loaded: LoadedGraph, texts: dict[Node, str] | None = None
) -> list[Finding]:
    """Each entry of a source's reference list is the kgv:citationText of one source record.

    The records cited by an article (`schema:citation`) must each quote their entry verbatim,
    and removing all those entries from the span they cover must leave no words behind: a
    leftover is an entry nobody recorded.
    """
    texts = evidence_texts(loaded) if texts is None else texts
    graph = loaded.graph
    findings = []
    for article, text in sorted(texts.items()):
        cited = [
            (record, entry, normalise_space(str(entry)))
            for record in sorted(graph.objects(article, SDO.citation))
            for entry in graph.objects(record, KGV.citationText)
        ]
        if not cited:
            continue
        # One pass over the text for all entries, not one per entry (that was ~N^2).
        starts = find_all(text, {entry_text for _, _, entry_text in cited})
        spans = []
        for record, entry, entry_text in cited:
            if not starts[entry_text]:
                findings.append(
                    Finding(
                        focus=record,
                        path=KGV.citationText,
                        value=entry,
                        message="the citation text does not occur verbatim in the "
                        "article's reference list; copy the entry exactly",
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


def check_vocabulary(loaded: LoadedGraph, ontology: Graph) -> list[Finding]:
    """Every kgv: term the data uses is declared (with a label) in ontology/."""
    declared = {s for s in ontology.subjects(RDFS.label, None) if str(s).startswith(str(KGV._NS))}
    used: dict[URIRef, Node] = {}
    for s, p, o in loaded.graph:
        for term in (p, o if p == RDF.type else None):
            if isinstance(term, URIRef) and str(term).startswith(str(KGV._NS)):
                used.setdefault(term, s)
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
        for term, subject in sorted(used.items())
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
