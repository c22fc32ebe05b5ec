"""Compare two kg trees: the facts, source records and unsourced triples one has and the other
has not, each in words with its quote and sources, grouped by entity.

A side is a folder holding a kg tree, or a git revision of the repository the tree kg uses lives
in (exported with `git archive` into a temporary folder, so the work tree is never touched).

What is compared (claim names and statement IRIs are not: renaming a claim changes nothing):
- a *fact* is the (subject, predicate, object) of an authored statement (the inverse the loader
  derives of a symmetric fact is left out); its *evidence* is the set of (quote, sources) of the
  statements that say it (one per claim saying it), each source with what its credit says
  (entry words, topic only).
- a fact only in NEW is added, only in OLD removed. When a subject and predicate lose exactly one
  object and gain exactly one, that pair is one change of object; with more on either side they
  stay added and removed, as no pairing would be more than a guess.
- a fact in both with other evidence is changed (a new quote, new sources, or a source credited
  for another reason).
- a source record (kgv:SourceRecord) is added, removed, or changed when any of its own triples
  differ (the fields that differ are listed).
- every other triple (an entity's type or name, written outside claims) is added or removed;
  blank nodes are compared by structure (rdflib's canonical form), never by label.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph
from rdflib.compare import to_canonical_graph
from rdflib.namespace import PROV, RDF
from rdflib.term import Node

from kg import terms
from kg.errors import RevisionError, RootError
from kg.load import LoadedGraph, load, load_ontology
from kg.namespaces import KGV
from kg.tree import Tree, find_tree
from kg.why import Describer, Explained, Source, Term, source_line

Triple = tuple[Node, Node, Node]
Evidence = frozenset[tuple[str | None, frozenset[tuple[Node, frozenset]]]]

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
OBJECT, PROVENANCE = "object", "provenance"  # how a fact changed
_KIND_ORDER = {REMOVED: 0, OBJECT: 1, PROVENANCE: 2, ADDED: 3}


@dataclass(frozen=True)
class FactChange:
    """A fact added, removed or changed, with the statements saying it on each side."""

    kind: str  # added, removed, object (same subject and predicate, new object), provenance
    old: tuple[Explained, ...]  # empty when added
    new: tuple[Explained, ...]  # empty when removed

    @property
    def shown(self) -> Explained:
        return (self.new or self.old)[0]

    @property
    def fact(self) -> str:
        if self.kind == OBJECT:
            return f"{self.old[0].fact} → {self.new[0].object.label}"
        return self.shown.fact

    @property
    def what(self) -> str:
        """What changed, in words: `added`, `new object`, `new quote and sources`..."""
        if self.kind == OBJECT:
            return "new object"
        if self.kind != PROVENANCE:
            return self.kind
        parts = []
        if _quotes(self.old) != _quotes(self.new):
            parts.append("quote")
        if _sources(self.old) != _sources(self.new):
            parts.append("sources")
        elif _reasons(self.old) != _reasons(self.new):
            parts.append("credit reasons")
        return "new " + " and ".join(parts or ["claims"])

    def to_dict(self) -> dict[str, object]:
        return {
            "change": self.kind if self.kind in (ADDED, REMOVED) else CHANGED,
            "what": self.what,
            "fact": self.fact,
            "old": [_statement_dict(s) for s in self.old],
            "new": [_statement_dict(s) for s in self.new],
        }


@dataclass(frozen=True)
class TripleChange:
    """An unsourced triple (an entity's type or name) added or removed."""

    kind: str  # added or removed
    subject: Term
    predicate: Term
    object: Term

    @property
    def fact(self) -> str:
        return f"{self.subject.label} — {self.predicate.label} — {self.object.label}"

    def to_dict(self) -> dict[str, object]:
        return {
            "change": self.kind,
            "fact": self.fact,
            "subject": self.subject.to_dict(),
            "predicate": self.predicate.to_dict(),
            "object": self.object.to_dict(),
        }


@dataclass(frozen=True)
class EntityChanges:
    """What changed about one entity: the facts and unsourced triples it is the subject of."""

    entity: Term
    facts: tuple[FactChange, ...] = ()
    triples: tuple[TripleChange, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "entity": self.entity.to_dict(),
            "facts": [f.to_dict() for f in self.facts],
            "unsourced": [t.to_dict() for t in self.triples],
        }


@dataclass(frozen=True)
class SourceChange:
    """A source record added, removed or changed (with the fields that differ)."""

    kind: str  # added, removed or changed
    source: Source  # as NEW has it (as OLD has it when removed)
    fields: tuple[tuple[str, str, str], ...] = ()  # (field, old values, new values)

    def to_dict(self) -> dict[str, object]:
        return {
            "change": self.kind,
            "source": self.source.iri,
            "title": self.source.title,
            "fields": [{"field": f, "old": old, "new": new} for f, old, new in self.fields],
        }


@dataclass(frozen=True)
class Diff:
    """What `diff` returns: the two sides' names and what differs, sorted."""

    old: str
    new: str
    entities: tuple[EntityChanges, ...]
    sources: tuple[SourceChange, ...]

    @property
    def same(self) -> bool:
        return not self.entities and not self.sources

    def count(self, kind: str) -> int:
        """Facts added, removed or changed."""
        facts = [f for e in self.entities for f in e.facts]
        if kind == CHANGED:
            return sum(f.kind in (OBJECT, PROVENANCE) for f in facts)
        return sum(f.kind == kind for f in facts)

    @property
    def summary(self) -> str:
        """`facts: 1 added, 1 removed, 1 changed; sources: 0 added, ...; unsourced triples: ...`"""
        sources = [sum(s.kind == k for s in self.sources) for k in (ADDED, REMOVED, CHANGED)]
        triples = [t.kind for e in self.entities for t in e.triples]
        return (
            f"facts: {self.count(ADDED)} added, {self.count(REMOVED)} removed, "
            f"{self.count(CHANGED)} changed; sources: {sources[0]} added, {sources[1]} removed, "
            f"{sources[2]} changed; unsourced triples: {triples.count(ADDED)} added, "
            f"{triples.count(REMOVED)} removed"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "old": self.old,
            "new": self.new,
            "same": self.same,
            "facts": {k: self.count(k) for k in (ADDED, REMOVED, CHANGED)},
            "entities": [e.to_dict() for e in self.entities],
            "sources": [s.to_dict() for s in self.sources],
        }


# --- sides ----------------------------------------------------------------------------------


def _git(repository: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(repository), *args], capture_output=True)
    except FileNotFoundError:
        raise RevisionError("git is not installed; give two folders instead") from None


def repository_of(tree: Tree) -> Path:
    """The top folder of the git repository holding `tree`."""
    found = _git(tree.root, "rev-parse", "--show-toplevel")
    if found.returncode != 0:
        raise RevisionError(
            f"{tree.root} is not in a git repository, so a revision names nothing there; "
            "give a folder, or point --root at a tree inside a git repository"
        )
    return Path(found.stdout.decode().strip()).resolve()


@contextlib.contextmanager
def opened_side(side: str, base: Tree) -> Iterator[Tree]:
    """The tree `side` names: a folder (a kg tree, used as it is), else a revision of the git
    repository holding `base`, exported into a temporary folder removed afterwards."""
    folder = Path(side).expanduser()
    if folder.is_dir():
        yield find_tree(folder, origin=side)
        return
    repository = repository_of(base)
    commit = _git(repository, "rev-parse", "--verify", "--quiet", f"{side}^{{commit}}")
    if commit.returncode != 0 or side.startswith("-"):
        raise RevisionError(
            f"'{side}' is neither a folder nor a revision of the git repository at "
            f"{repository}; give a folder, a branch, a tag or a commit (HEAD~1)"
        )
    archive = _git(repository, "archive", "--format=tar", commit.stdout.decode().strip())
    if archive.returncode != 0:
        message = " ".join(archive.stderr.decode(errors="replace").split())
        raise RevisionError(f"git archive {side}: {message}")
    within = base.root.relative_to(repository) if base.root.is_relative_to(repository) else Path()
    with tempfile.TemporaryDirectory(prefix="kg-diff-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            # git archive writes paths inside the repository only; where Python has the data
            # filter (3.10.12+), it also refuses links that point out of the folder.
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(folder, **safe)
        try:
            tree = find_tree(Path(folder) / within)
        except RootError:
            raise RevisionError(
                f"revision {side} has no kg tree at {within}/ (no ontology/ or data/ folder); "
                "give a revision made after the tree was added"
            ) from None
        yield tree


def diff_sides(old: str, new: str, base: Tree) -> Diff:
    """Load the trees OLD and NEW name (folders or revisions of `base`'s repository) and diff
    them."""
    with opened_side(old, base) as old_tree, opened_side(new, base) as new_tree:
        return diff(load(old_tree), load(new_tree), old, new)


# --- the comparison -------------------------------------------------------------------------


class _Side:
    """One loaded graph cut into facts (with their statements), records and the rest."""

    def __init__(self, loaded: LoadedGraph) -> None:
        graph = self.graph = loaded.graph
        self.describe = Describer(loaded, load_ontology(loaded.tree))
        self.facts: dict[Triple, list[Node]] = defaultdict(list)
        reified: set[Triple] = set()
        for statement in loaded.statements:
            triple = (
                graph.value(statement, RDF.subject),
                graph.value(statement, RDF.predicate),
                graph.value(statement, RDF.object),
            )
            reified.add(triple)
            if (statement, KGV.inverseOf, None) not in graph:
                self.facts[triple].append(statement)
        self.records = set(graph.subjects(RDF.type, KGV.SourceRecord))
        # Statements and credits are derived from claims: compared as facts, not as triples.
        derived = set(loaded.statements) | set(graph.subjects(RDF.type, PROV.Derivation))
        derived |= self.records
        self.rest = Graph()
        for triple in graph:
            if triple[0] not in derived and triple not in reified:
                self.rest.add(triple)

    def evidence(self, triple: Triple) -> Evidence:
        return frozenset(
            (_text(self.graph.value(st, KGV.quote)), frozenset(self.credits(st)))
            for st in self.facts[triple]
        )

    def credits(self, statement: Node) -> set[tuple[Node, frozenset[tuple[Node, Node]]]]:
        """Each source of a statement with what its credit says (entry words, topic only)."""
        found = {
            (source, frozenset()) for source in self.graph.objects(statement, PROV.wasDerivedFrom)
        }
        for derivation in self.graph.objects(statement, PROV.qualifiedDerivation):
            source = self.graph.value(derivation, PROV.entity)
            said = frozenset(
                (p, o)
                for p, o in self.graph.predicate_objects(derivation)
                if p not in (RDF.type, PROV.entity)
            )
            found.discard((source, frozenset()))
            found.add((source, said))
        return found

    def explained(self, triple: Triple) -> tuple[Explained, ...]:
        found = (self.describe.statement(st) for st in self.facts[triple])
        return tuple(sorted(found, key=lambda e: (e.claim or "", e.statement)))

    def record(self, node: Node) -> dict[Node, set[Node]]:
        fields: dict[Node, set[Node]] = defaultdict(set)
        for predicate, obj in self.graph.predicate_objects(node):
            fields[predicate].add(obj)
        return fields


def _text(node: Node | None) -> str | None:
    return str(node) if node is not None else None


def _canonical(graph: Graph) -> set[Triple]:
    """The triples, with blank nodes named by structure (only paid for when there are any)."""
    if any(isinstance(term, BNode) for triple in graph for term in triple):
        return set(to_canonical_graph(graph))
    return set(graph)


def diff(old: LoadedGraph, new: LoadedGraph, old_name: str = "OLD", new_name: str = "NEW") -> Diff:
    """What differs between two loaded graphs (see the module's docstring for the rules)."""
    a, b = _Side(old), _Side(new)
    by_entity: dict[Node, list[tuple[tuple, FactChange | TripleChange]]] = defaultdict(list)
    subjects: dict[Node, Term] = {}

    def note(subject: Node, side: _Side, change: FactChange | TripleChange, key: tuple) -> None:
        subjects.setdefault(subject, side.describe.term(subject))
        by_entity[subject].append((key, change))

    def fact_key(change: FactChange) -> tuple:
        s = change.shown
        return (s.predicate.label.casefold(), s.object.label.casefold(), s.object.n3, "")

    removed = {t for t in a.facts if t not in b.facts}
    added = {t for t in b.facts if t not in a.facts}
    lost: dict[tuple[Node, Node], list[Triple]] = defaultdict(list)
    gained: dict[tuple[Node, Node], list[Triple]] = defaultdict(list)
    for triple in removed:
        lost[triple[:2]].append(triple)
    for triple in added:
        gained[triple[:2]].append(triple)
    for pair, old_triples in lost.items():
        if len(old_triples) == 1 and len(gained.get(pair, [])) == 1:
            (was,), (now,) = old_triples, gained[pair]
            removed.discard(was)
            added.discard(now)
            change = FactChange(OBJECT, a.explained(was), b.explained(now))
            note(pair[0], b, change, fact_key(change))
    for triple in removed:
        change = FactChange(REMOVED, a.explained(triple), ())
        note(triple[0], a, change, fact_key(change))
    for triple in added:
        change = FactChange(ADDED, (), b.explained(triple))
        note(triple[0], b, change, fact_key(change))
    for triple in a.facts.keys() & b.facts.keys():
        if a.evidence(triple) != b.evidence(triple):
            change = FactChange(PROVENANCE, a.explained(triple), b.explained(triple))
            note(triple[0], b, change, fact_key(change))

    old_rest, new_rest = _canonical(a.rest), _canonical(b.rest)
    for kind, side, triples in ((REMOVED, a, old_rest - new_rest), (ADDED, b, new_rest - old_rest)):
        for s, p, o in triples:
            d = side.describe
            change = TripleChange(kind, d.term(s), d.predicate(p), d.term(o))
            label = change.predicate.label.casefold(), change.object.label.casefold()
            note(s, side, change, (*label, "~", kind, change.object.n3))

    entities = []
    for subject, changes in by_entity.items():
        changes.sort(key=lambda item: (item[0], _KIND_ORDER[item[1].kind]))
        entities.append(
            EntityChanges(
                subjects[subject],
                tuple(c for _, c in changes if isinstance(c, FactChange)),
                tuple(c for _, c in changes if isinstance(c, TripleChange)),
            )
        )
    entities.sort(key=lambda e: (e.entity.label.casefold(), e.entity.n3))
    return Diff(old_name, new_name, tuple(entities), tuple(_record_changes(a, b)))


def _record_changes(a: _Side, b: _Side) -> list[SourceChange]:
    changes = [SourceChange(REMOVED, a.describe.source(r)) for r in a.records - b.records]
    changes += [SourceChange(ADDED, b.describe.source(r)) for r in b.records - a.records]
    for record in a.records & b.records:
        was, now = a.record(record), b.record(record)
        fields = tuple(
            sorted(
                (
                    b.describe.predicate(predicate).label,
                    ", ".join(sorted(terms.short(o) for o in was.get(predicate, ()))),
                    ", ".join(sorted(terms.short(o) for o in now.get(predicate, ()))),
                )
                for predicate in was.keys() | now.keys()
                if was.get(predicate, set()) != now.get(predicate, set())
            )
        )
        if fields:
            changes.append(SourceChange(CHANGED, b.describe.source(record), fields))
    return sorted(changes, key=lambda c: (c.source.curie, c.kind))


def _quotes(statements: tuple[Explained, ...]) -> set[str | None]:
    return {s.quote for s in statements}


def _sources(statements: tuple[Explained, ...]) -> set[str]:
    return {source.iri for s in statements for source in s.sources}


def _reasons(statements: tuple[Explained, ...]) -> set[tuple[str, str | None]]:
    return {
        (source.iri, source.reason.text if source.reason else None)
        for s in statements
        for source in s.sources
    }


def _statement_dict(statement: Explained) -> dict[str, object]:
    return {
        "claim": statement.claim,
        "quote": statement.quote,
        "sources": [
            {"iri": source.iri, "reason": source.reason.to_dict() if source.reason else None}
            for source in statement.sources
        ],
        "where": statement.where,
    }


# --- rendering ------------------------------------------------------------------------------

_MARKS = {ADDED: "+", REMOVED: "-", OBJECT: "~", PROVENANCE: "~"}


def _evidence_lines(statements: tuple[Explained, ...], indent: str) -> list[str]:
    lines = []
    for statement in statements:
        if statement.quote is not None:
            lines.append(f'{indent}quote:  "{statement.quote}"')
        for source in statement.sources:
            lines.append(f"{indent}source: {source_line(source)}")
            if source.reason is not None:
                lines.append(f"{indent}        {source.reason.text}")
        claim = statement.claim_curie or statement.statement
        where = f" ({statement.where})" if statement.where else ""
        lines.append(f"{indent}claim:  {claim}{where}")
    return lines


def _fact_lines(change: FactChange) -> list[str]:
    head = f"  {_MARKS[change.kind]} {change.fact}"
    if change.kind in (ADDED, REMOVED):
        return [head, *_evidence_lines(change.new or change.old, "      ")]
    return [
        f"{head} ({change.what})",
        "      was:",
        *_evidence_lines(change.old, "        "),
        "      now:",
        *_evidence_lines(change.new, "        "),
    ]


def _source_lines(change: SourceChange) -> list[str]:
    mark = {ADDED: "+", REMOVED: "-", CHANGED: "~"}[change.kind]
    lines = [f"  {mark} {source_line(change.source)}"]
    lines += [
        f"      {field}: {old or '(none)'} → {new or '(none)'}" for field, old, new in change.fields
    ]
    return lines


def format_text(diff: Diff) -> str:
    """The diff for people: each entity's changed facts in words with quote and sources, then
    the source records."""
    if diff.same:
        return f"{diff.old} and {diff.new} hold the same facts and sources.\n"
    lines = [f"{diff.old} → {diff.new}: {diff.summary}."]
    for entity in diff.entities:
        lines += ["", f"{entity.entity.label} ({entity.entity.n3})"]
        for change in entity.facts:
            lines += _fact_lines(change)
        for triple in entity.triples:
            lines.append(f"  {_MARKS[triple.kind]} {triple.fact} (unsourced)")
    if diff.sources:
        lines += ["", "Sources"]
        for change in diff.sources:
            lines += _source_lines(change)
    return "\n".join(lines) + "\n"


def format_json(diff: Diff) -> str:
    """The diff as one JSON object, keys sorted, for machines."""
    return json.dumps(diff.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _md(text: str) -> str:
    """Text safe inside a Markdown line: no stray emphasis, table or HTML."""
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def _md_evidence(statements: tuple[Explained, ...], indent: str) -> list[str]:
    lines = []
    for statement in statements:
        if statement.quote is not None:
            lines.append(f"{indent}> {_md(statement.quote)}")
            lines.append("")
        for source in statement.sources:
            reason = f" — {source.reason.text}" if source.reason is not None else ""
            lines.append(f"{indent}- source: {_md(source_line(source) + reason)}")
        claim = statement.claim_curie or statement.statement
        where = f" ({_md(statement.where)})" if statement.where else ""
        lines.append(f"{indent}- claim: `{claim}`{where}")
    return lines


def format_markdown(diff: Diff) -> str:
    """The diff as Markdown, to paste in a review: a heading per entity, quotes as block quotes."""
    lines = [f"## kg diff `{diff.old}` → `{diff.new}`", ""]
    if diff.same:
        return "\n".join([*lines, "The same facts and sources."]) + "\n"
    lines.append(_md(diff.summary[0].upper() + diff.summary[1:]) + ".")
    for entity in diff.entities:
        lines += ["", f"### {_md(entity.entity.label)} (`{entity.entity.n3}`)", ""]
        for change in entity.facts:
            if change.kind in (ADDED, REMOVED):
                lines.append(f"- **{change.kind}** {_md(change.fact)}")
                lines += ["", *_md_evidence(change.new or change.old, "  ")]
            else:
                lines.append(f"- **changed ({change.what})** {_md(change.fact)}")
                lines += ["", "  was:", "", *_md_evidence(change.old, "  ")]
                lines += ["", "  now:", "", *_md_evidence(change.new, "  ")]
            lines.append("")
        for triple in entity.triples:
            lines.append(f"- **{triple.kind}** {_md(triple.fact)} (unsourced)")
    if diff.sources:
        lines += ["", "### Sources", ""]
        for change in diff.sources:
            lines.append(f"- **{change.kind}** {_md(source_line(change.source))}")
            for field, old, new in change.fields:
                lines.append(f"  - {_md(field)}: {_md(old or '(none)')} → {_md(new or '(none)')}")
    while lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


FORMATS = {"text": format_text, "json": format_json, "markdown": format_markdown}
