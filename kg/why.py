"""Explain why the graph holds a fact: each statement about an entity, its sources and its quote.

`explain(loaded, "Randa Kassis")` finds the entity (by name in any language, local name, CURIE or
IRI) and returns every sourced statement whose subject or object it is; `explain(loaded, s, p, o)`
returns the statement(s) of one triple; `explain_source(loaded, src)` the facts a source record
is credited for. The result is plain data (dataclasses), rendered by `format_text` and
`format_json` here and reused by anything else that needs to say "why" (the pages).

Each source of a statement carries its reason: the evidence text (the quote is from its prose or
its reference list), or a reference credited by the words of its reference-list entry or by its
topic only (the statement's prov:qualifiedDerivation). Each statement counts its independent
outlets: the distinct outlets (schema:isPartOf, else the record itself) of its credited
references, evidence texts not counted; an outlet credited both ways counts as entry words.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import NoReturn

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SDO
from rdflib.term import Node
from rdflib.util import from_n3

from kg.errors import NotFoundError, SearchError
from kg.load import LoadedGraph, load_ontology
from kg.namespaces import CLAIM, KGR, KGV, PREFIXES, SRC, STMT
from kg.textindex import Document, TextIndex

NAME_PREDICATES = (SDO.name, SDO.alternateName, RDFS.label)
_IRI = re.compile(r"^<?([A-Za-z][A-Za-z0-9+.-]*://[^\s<>]*)>?$")
_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):([^\s]*)$")
_N3_LITERAL = re.compile(
    r'^("(?:[^"\\]|\\.)*")(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(\S+))?$', re.DOTALL
)


@dataclass(frozen=True)
class Term:
    """One end of a fact: an IRI with its human label, or a literal with its value."""

    label: str
    n3: str  # CURIE for an IRI, N3 for a literal: kgr:randa-kassis, "2015"^^xsd:gYear
    iri: str | None = None
    value: str | None = None
    datatype: str | None = None
    language: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        if self.iri is not None:
            return {"iri": self.iri, "label": self.label}
        return {
            "value": self.value,
            "label": self.label,
            "datatype": self.datatype,
            "language": self.language,
        }


ENTRY_WORDS = "entry words"
TOPIC_ONLY = "topic only"
EVIDENCE_TEXT = "evidence text"
PROSE = "prose"
REFERENCE_LIST = "reference list"


@dataclass(frozen=True)
class Reason:
    """Why a source is credited for a statement.

    `kind` is "evidence text" (the text the quote is from; `quote_in` says which part of it:
    "prose" or "reference list"), "entry words" (a reference whose reference-list entry holds
    `words`, which state or name the fact) or "topic only" (a reference cited there, whose entry
    does not state the fact).
    """

    kind: str
    words: str | None = None  # the entry words, for "entry words"
    quote_in: str | None = None  # "prose" or "reference list", for "evidence text"

    @property
    def text(self) -> str:
        """The reason in words: `entry words: "…"`, `topic only`, `evidence text (quote from
        its prose)`."""
        if self.kind == ENTRY_WORDS:
            return f'{ENTRY_WORDS}: "{self.words}"'
        if self.kind == EVIDENCE_TEXT:
            return f"{EVIDENCE_TEXT} (quote in its {self.quote_in})"
        return self.kind

    def to_dict(self) -> dict[str, str]:
        shown = {"kind": self.kind}
        if self.kind == ENTRY_WORDS:
            shown["words"] = str(self.words)
        if self.kind == EVIDENCE_TEXT:
            shown["quote_in"] = str(self.quote_in)
        return shown


@dataclass(frozen=True)
class Source:
    """A source record a statement is derived from, with the fields a reader needs to find it."""

    iri: str
    curie: str
    title: str | None
    outlet: str | None  # name of the periodical or web site it is part of, else of its publisher
    date: str | None
    language: str | None
    kind: str | None  # schema.org type: NewsArticle, WebPage, Book, ...
    is_article: bool  # the evidence text itself (the Wikipedia article)
    reason: Reason | None = None  # None: a source the statement names without crediting it

    def to_dict(self) -> dict[str, object]:
        return {
            "iri": self.iri,
            "title": self.title,
            "language": self.language,
            "date": self.date,
            "outlet": self.outlet,
            "kind": self.kind,
            "reason": self.reason.to_dict() if self.reason is not None else None,
        }


@dataclass(frozen=True)
class Outlets:
    """A statement's independent outlets, by their labels (sorted): those crediting it by the
    words of an entry, and those crediting it by topic only. The evidence text is not one."""

    by_entry_words: tuple[str, ...] = ()
    topic_only: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.by_entry_words) + len(self.topic_only)

    @property
    def names(self) -> tuple[str, ...]:
        """Every independent outlet, by entry words or topic only."""
        return self.by_entry_words + self.topic_only

    @property
    def text(self) -> str:
        """`2 independent outlets: 1 by entry words (Le Monde), 1 topic only (Reuters)`."""
        head = f"{self.count} independent outlet{'' if self.count == 1 else 's'}"
        if not self.count:
            return f"{head} (the evidence text alone)"
        groups = [
            f"{len(names)} {how} ({', '.join(names)})"
            for how, names in (
                ("by entry words", self.by_entry_words),
                (TOPIC_ONLY, self.topic_only),
            )
            if names
        ]
        return f"{head}: {', '.join(groups)}"

    def to_dict(self) -> dict[str, object]:
        return {
            "count": self.count,
            "by_entry_words": list(self.by_entry_words),
            "topic_only": list(self.topic_only),
        }


@dataclass(frozen=True)
class Explained:
    """One sourced statement: the fact, where it was authored, its quote and its sources."""

    subject: Term
    predicate: Term
    object: Term
    statement: str
    claim: str | None
    claim_curie: str | None
    quote: str | None
    sources: tuple[Source, ...]
    where: str | None  # data/file.trig:LINE of its claim
    side: str  # "subject" or "object": which end the asked-for entity is; "triple" otherwise
    outlets: Outlets = Outlets()
    inverse_of: str | None = None  # the authored statement this one is the inverse of

    @property
    def fact(self) -> str:
        return f"{self.subject.label} — {self.predicate.label} — {self.object.label}"

    @property
    def authored_fact(self) -> str | None:
        """For an inverse statement, the fact as authored (its ends swapped back)."""
        if self.inverse_of is None:
            return None
        return f"{self.object.label} — {self.predicate.label} — {self.subject.label}"

    def to_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject.to_dict(),
            "predicate": self.predicate.to_dict(),
            "object": self.object.to_dict(),
            "statement": self.statement,
            "claim": self.claim,
            "quote": self.quote,
            "sources": [source.to_dict() for source in self.sources],
            "independent_outlets": self.outlets.to_dict(),
            "inverse_of": self.inverse_of,
        }


@dataclass(frozen=True)
class Explanation:
    """What `explain` returns: the entity or triple asked about and its sourced statements."""

    statements: tuple[Explained, ...]
    entity: Term | None = None  # set when one entity was asked about
    triple: tuple[Term, Term, Term] | None = None  # set when one triple was asked about
    source: Term | None = None  # set when the statements a source is credited for were asked

    @property
    def as_subject(self) -> list[Explained]:
        return [s for s in self.statements if s.side == "subject"]

    @property
    def as_object(self) -> list[Explained]:
        return [s for s in self.statements if s.side == "object"]

    def to_list(self) -> list[dict[str, object]]:
        return [statement.to_dict() for statement in self.statements]


def explain(
    loaded: LoadedGraph,
    subject: str,
    predicate: str | None = None,
    obj: str | None = None,
    *,
    vocabulary: Graph | None = None,
) -> Explanation:
    """Every sourced statement about an entity, or the statement(s) of one triple.

    Give one term (name, local name, CURIE or IRI) for an entity, or three for a triple; the
    object of a triple may be a literal in N3 (`"2015"^^xsd:gYear`, `"politician"@en`) or a bare
    value matched against the literals the graph holds. `vocabulary` (ontology/vocab.ttl) gives
    the labels of kgv: terms; it is loaded from the tree when not given.
    Raises NotFoundError when a term names nothing, names several things, or the triple has no
    statement.
    """
    if (predicate is None) != (obj is None):
        raise ValueError("explain() takes one entity, or a subject, a predicate and an object")
    if vocabulary is None:
        vocabulary = load_ontology(loaded.tree)
    why = _Why(loaded, vocabulary)
    if predicate is None or obj is None:
        return why.entity(subject)
    return why.triple(subject, predicate, obj)


def explain_source(
    loaded: LoadedGraph, source: str | URIRef, *, vocabulary: Graph | None = None
) -> Explanation:
    """Every statement derived from a source record (prov:wasDerivedFrom): for a reference, the
    statements it is credited for, each with its reason; ordered by subject, predicate and object
    label. Facts as authored: the inverse the loader derives of a symmetric fact (kgv:inverseOf)
    is not listed again, as in the saved query claims-by-source. Raises NotFoundError when
    `source` is no source record."""
    if vocabulary is None:
        vocabulary = load_ontology(loaded.tree)
    return _Why(loaded, vocabulary).source(source)


class Describer:
    """Shows one loaded graph's statements, terms and source records as `kg why` does, for
    anything that describes them outside an explanation (kg diff)."""

    def __init__(self, loaded: LoadedGraph, vocabulary: Graph | None = None) -> None:
        if vocabulary is None:
            vocabulary = load_ontology(loaded.tree)
        self._why = _Why(loaded, vocabulary)

    def statement(self, statement: Node) -> Explained:
        return self._why._explained(statement, "triple")

    def resolve(self, text: str) -> URIRef:
        """The entity `text` names (a name in any language, a local name, a CURIE or an IRI), as
        `kg why` finds it; NotFoundError, with a did-you-mean, when it names none or several."""
        return URIRef(self._why._resolve_entity(text))

    def term(self, node: Node) -> Term:
        return self._why._term(node)

    def predicate(self, node: Node) -> Term:
        """A predicate with its label (`name`, `date published`), wherever it is used."""
        return replace(self._why._term(node), label=self._why._predicate_label(node))

    def source(self, node: Node) -> Source:
        return self._why._source(node)

    def documents(self) -> list[Document]:
        """What a search can find, as documents of a text index (kg.search): every named
        entity, every source record and every fact as authored, with their texts."""
        why = self._why
        return why.entity_documents() + why.source_documents() + why.fact_documents()


def format_text(explanation: Explanation) -> str:
    """The explanation for people: each fact in words, its sources, its quote, its claim."""
    lines: list[str] = []
    count = len(explanation.statements)
    plural = "statement" if count == 1 else "statements"
    if explanation.entity is not None:
        entity = explanation.entity
        head = f"{entity.label} ({entity.n3})"
        if not count:
            return f"{head}: no sourced statement has it as subject or object.\n"
        lines.append(
            f"{head}: {count} sourced {plural}, {len(explanation.as_subject)} as subject, "
            f"{len(explanation.as_object)} as object."
        )
        groups = [("As subject", explanation.as_subject), ("As object", explanation.as_object)]
    elif explanation.source is not None:
        lines.append(f"{explanation.source.n3}: {count} {plural} derived from it.")
        groups = [("", list(explanation.statements))]
    else:
        assert explanation.triple is not None
        lines.append(f"{' '.join(t.n3 for t in explanation.triple)}: {count} sourced {plural}.")
        groups = [("", list(explanation.statements))]
    for title, statements in groups:
        if not statements:
            continue
        if title:
            lines += ["", f"{title} ({len(statements)})"]
        for statement in statements:
            lines += ["", *_statement_lines(statement)]
    return "\n".join(lines) + "\n"


def source_line(source: Source) -> str:
    """A source in words: `"title", outlet, date, language [src:...]`."""
    details = [f'"{source.title}"' if source.title else source.curie]
    details += [d for d in (source.outlet, source.date, source.language) if d]
    return f"{', '.join(details)} [{source.curie}]"


def _statement_lines(statement: Explained) -> list[str]:
    fact = statement.fact
    if statement.authored_fact is not None:
        fact += f" (inverse of the authored fact {statement.authored_fact})"
    lines = [fact]
    for source in statement.sources:
        lines.append(f"    source: {source_line(source)}")
        if source.reason is not None:
            lines.append(f"            {source.reason.text}")
    lines.append(f"    support: {statement.outlets.text}")
    if statement.quote is not None:
        lines.append(f'    quote:  "{statement.quote}"')
    claim = statement.claim_curie or statement.statement
    lines.append(f"    claim:  {claim}" + (f" ({statement.where})" if statement.where else ""))
    return lines


def format_json(explanation: Explanation) -> str:
    """The statements as a JSON list, keys sorted, for machines."""
    return json.dumps(explanation.to_list(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- the work -------------------------------------------------------------------------------


def _key(text: str) -> str:
    """How names are compared: Unicode-normalised, whitespace collapsed, case-folded."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _local_name(iri: str) -> str:
    for namespace in sorted(PREFIXES.values(), key=len, reverse=True):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return iri[len(namespace) :]
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]


def _humanise(local: str) -> str:
    """`datePublished` → `date published`; `isbn` stays `isbn`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("_", " ").lower()


def _preferred(values: Iterable[Node]) -> str | None:
    """The English value if there is one, else an untagged one, else the first by language."""
    literals = [v for v in values if isinstance(v, Literal)]
    if not literals:
        return None
    rank = {"en": 0, None: 1}
    best = min(literals, key=lambda v: (rank.get(v.language, 2), v.language or "", str(v)))
    return str(best)


class _Why:
    """Resolves what the user typed to graph terms and gathers their statements."""

    def __init__(self, loaded: LoadedGraph, vocabulary: Graph) -> None:
        self.loaded = loaded
        self.graph = loaded.graph
        self.vocabulary = vocabulary
        self.nsm = loaded.graph.namespace_manager
        self.records = set(self.graph.subjects(RDF.type, KGV.SourceRecord))
        self.predicates = sorted(set(self.graph.objects(None, RDF.predicate)))
        self.names: dict[str, set[Node]] = defaultdict(set)  # name key -> nodes
        for predicate in NAME_PREDICATES:
            for node, name in self.graph.subject_objects(predicate):
                if isinstance(node, URIRef) and isinstance(name, Literal):
                    key = _key(str(name))
                    self.names[key].add(node)
        self._names_index: TextIndex | None = None  # the entities' names, for did-you-mean
        self.locals: dict[str, set[Node]] = defaultdict(set)
        for node in self._iris():
            if str(node).startswith((str(KGR), str(SRC))):  # entities and source records
                self.locals[_key(_local_name(str(node)))].add(node)

    def _iris(self) -> set[Node]:
        """Every IRI the graph mentions but the derived statements and the claims' names."""
        nodes: set[Node] = set()
        for s, _, o in self.graph:
            nodes.update(n for n in (s, o) if isinstance(n, URIRef))
        return {n for n in nodes if not str(n).startswith((str(STMT), str(CLAIM)))}

    # -- public entry points --

    def entity(self, text: str) -> Explanation:
        node = self._resolve_entity(text)
        statements = [
            self._explained(st, "subject") for st in self.graph.subjects(RDF.subject, node)
        ]
        statements.sort(key=lambda s: self._order(s.predicate, s.object, s))
        as_object = [self._explained(st, "object") for st in self.graph.subjects(RDF.object, node)]
        as_object.sort(key=lambda s: self._order(s.predicate, s.subject, s))
        return Explanation(tuple(statements + as_object), entity=self._term(node))

    def source(self, text: str | URIRef) -> Explanation:
        node = URIRef(text) if isinstance(text, URIRef) else self._as_iri(text)
        if node is None or node not in self.records:
            close = difflib.get_close_matches(
                self._n3(node) if node is not None else str(text),
                sorted(self._n3(r) for r in self.records),
                n=1,
            )
            shown = self._n3(node) if node is not None else f"'{text}'"
            hint = f" — did you mean {close[0]}?" if close else ""
            raise NotFoundError(f"no source record {shown} in the graph{hint}")
        statements = [
            self._explained(st, "source")
            for st in self.graph.subjects(PROV.wasDerivedFrom, node)
            if (st, KGV.inverseOf, None) not in self.graph
        ]
        statements.sort(
            key=lambda s: (
                s.subject.label.casefold(),
                *self._order(s.predicate, s.object, s),
            )
        )
        return Explanation(tuple(statements), source=self._term(node))

    def triple(self, subject: str, predicate: str, obj: str) -> Explanation:
        s = self._resolve_entity(subject)
        p = self._resolve_predicate(predicate)
        candidates = [
            st
            for st in self.graph.subjects(RDF.subject, s)
            if self.graph.value(st, RDF.predicate) == p
        ]
        present = sorted({self.graph.value(st, RDF.object) for st in candidates}, key=self._n3)
        o = self._resolve_object(obj, present)
        found = [st for st in candidates if self.graph.value(st, RDF.object) == o]
        if not found:
            raise NotFoundError(self._no_statement(s, p, o, obj, present))
        statements = sorted((self._explained(st, "triple") for st in found), key=self._by_claim)
        return Explanation(tuple(statements), triple=(self._term(s), self._term(p), self._term(o)))

    # -- resolving what was typed --

    def _in_graph(self, node: Node) -> bool:
        return (node, None, None) in self.graph or (None, None, node) in self.graph

    def _as_iri(self, text: str) -> URIRef | None:
        """The IRI a full IRI or known-prefix CURIE stands for; None when `text` is neither."""
        iri = _IRI.match(text.strip())
        if iri:
            return URIRef(iri.group(1))
        curie = _CURIE.match(text.strip())
        if curie and curie.group(1) in PREFIXES:
            return URIRef(PREFIXES[curie.group(1)] + curie.group(2))
        return None

    def _candidates(self, text: str) -> list[Node]:
        """Every node `text` may name: by IRI/CURIE, else by name, else by local name."""
        iri = self._as_iri(text)
        if iri is not None:
            return [iri] if self._in_graph(iri) else []
        key = _key(text)
        found = self.names.get(key) or self.locals.get(key) or set()
        return sorted(found)

    def _tier(self, node: Node) -> int:
        """Prefer kgr: entities to source records when a name fits both (the article's title)."""
        return 0 if str(node).startswith(str(KGR)) and node not in self.records else 1

    def _resolve_entity(self, text: str, among: list[Node] | None = None) -> Node:
        candidates = self._candidates(text)
        if among is not None:
            candidates = [c for c in candidates if c in among] or candidates
        if candidates:
            best = min(self._tier(c) for c in candidates)
            candidates = [c for c in candidates if self._tier(c) == best]
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            curies = ", ".join(self._n3(c) for c in candidates)
            raise NotFoundError(
                f"'{text}' names {len(candidates)} entities: {curies}; "
                "give the CURIE of the one you mean"
            )
        raise NotFoundError(self._not_found(text))

    def _not_found(self, text: str) -> str:
        iri = self._as_iri(text)
        if iri is not None:
            curie = self._n3(iri)
            known = sorted({self._n3(n) for n in self._iris()})
            close = difflib.get_close_matches(curie, known, n=1)
            hint = f" — did you mean {close[0]}?" if close else ""
            return f"no entity {curie} in the graph{hint}"
        curie = _CURIE.match(text.strip())
        if curie and " " not in text and not self.names.get(_key(text)):
            known = ", ".join(f"{p}:" for p in PREFIXES)
            return (
                f"unknown prefix '{curie.group(1)}:' in '{text}'; use one of {known}, "
                "or give the entity's name"
            )
        suggestion = self._suggestion(text)
        if suggestion:
            return f"no entity named '{text}' — did you mean {suggestion}?"
        return (
            f"no entity named '{text}'; give a name ('Randa Kassis'), a local name "
            "(randa-kassis), a CURIE (kgr:randa-kassis) or an IRI"
        )

    def _suggestion(self, text: str) -> str | None:
        """The entity a search of the names finds first (kg.textindex: words, their starts,
        or the closest words of the names): its name when `kg why` resolves the name to it,
        else its CURIE. None when the search finds nothing."""
        try:
            if self._names_index is None:  # built on the first miss: a found name needs none
                self._names_index = TextIndex.build(self.entity_documents())
            found = self._names_index.search(text, ["entity"], limit=1)
        except SearchError:  # nothing to search for in the text (or no FTS5): no suggestion
            return None
        if not found.hits:
            return None
        hit = found.hits[0]
        try:
            if str(self._resolve_entity(hit.label)) == hit.iri:
                return f"'{hit.label}'"
        except NotFoundError:  # the name is another's too: the CURIE says which is meant
            pass
        return hit.curie

    def _resolve_predicate(self, text: str) -> URIRef:
        iri = self._as_iri(text)
        if iri is not None and iri in self.predicates:
            return iri
        spellings: dict[str, set[URIRef]] = defaultdict(set)  # key -> predicates
        shown: dict[str, str] = {}  # key -> spelling as shown
        for p in self.predicates:
            for spelling in (self._n3(p), self._predicate_label(p), _local_name(str(p))):
                spellings[_key(spelling)].add(p)
                shown.setdefault(_key(spelling), spelling)
        matches = sorted(spellings.get(_key(text), ())) if iri is None else []
        if len(matches) == 1:
            return matches[0]
        if matches:
            self._raise(
                f"'{text}' names {len(matches)} predicates: "
                f"{', '.join(self._n3(p) for p in matches)}; give the CURIE of the one you mean"
            )
        asked = self._n3(iri) if iri is not None else f"'{text}'"
        close = difflib.get_close_matches(_key(text), sorted(shown), n=1)
        suggestion = shown[close[0]] if close else ""
        if suggestion and self._as_iri(suggestion) is None:
            suggestion = f"'{suggestion}'"
        hint = f" — did you mean {suggestion}?" if suggestion else ""
        self._raise(f"no statement uses the predicate {asked}{hint}")

    def _resolve_object(self, text: str, present: list[Node]) -> Node:
        literal = _N3_LITERAL.match(text.strip())
        if literal:
            return self._parse_literal(text.strip(), literal)
        if text.strip().startswith('"'):
            self._raise(
                f"cannot read {text} as a literal; write it as N3, e.g. "
                "'\"2015\"^^xsd:gYear' or '\"politician\"@en', or give the bare value"
            )
        if self._as_iri(text) is None:
            values = [o for o in present if isinstance(o, Literal) and _key(str(o)) == _key(text)]
            if len(values) == 1:
                return values[0]
            if values:
                self._raise(
                    f"'{text}' matches {len(values)} values: "
                    f"{', '.join(self._n3(v) for v in values)}; give the one you mean in N3"
                )
        try:
            return self._resolve_entity(text, among=present)
        except NotFoundError:
            if self._candidates(text) or any(isinstance(o, URIRef) for o in present):
                raise  # ambiguous, or a misspelt entity where entities are expected
            return Literal(text)  # a value the graph does not hold: reported as no statement

    def _parse_literal(self, text: str, match: re.Match[str]) -> Literal:
        value = str(from_n3(match.group(1)))
        if match.group(2):
            return Literal(value, lang=match.group(2))
        if match.group(3):
            datatype = self._as_iri(match.group(3))
            if datatype is None:
                self._raise(
                    f"unknown datatype {match.group(3)} in {text}; write it as xsd:gYear, "
                    "xsd:date, ... or as a full IRI"
                )
            return Literal(value, datatype=datatype)
        return Literal(value)

    def _no_statement(self, s: Node, p: Node, o: Node, typed: str, present: list[Node]) -> str:
        triple = f"{self._n3(s)} {self._n3(p)} {self._n3(o)}"
        if (s, p, o) in self.graph:
            return (
                f"{triple} is in the graph but no sourced statement says it; "
                "run `kg validate` to see which claim it lacks"
            )
        holds = ", ".join(self._n3(v) for v in present)
        also = f" ({self._n3(s)} {self._n3(p)} holds {holds})" if present else ""
        return f"no statement says {triple}{also}; run `kg validate` to check the data"

    @staticmethod
    def _raise(message: str) -> NoReturn:
        raise NotFoundError(message)

    # -- what a search can find --

    def entity_documents(self) -> list[Document]:
        """Every named IRI but the source records: each of its names in every language."""
        names: dict[Node, list[tuple[str, str]]] = defaultdict(list)
        for predicate in NAME_PREDICATES:
            for node, name in self.graph.subject_objects(predicate):
                if isinstance(node, URIRef) and isinstance(name, Literal):
                    names[node].append(("name", str(name)))
        return [
            Document(
                "entity",
                str(node),
                self._n3(node),
                self._label(node),
                detail=", ".join(
                    sorted(_local_name(str(t)) for t in self.graph.objects(node, RDF.type))
                ),
                texts=tuple(sorted(texts)),
            )
            for node, texts in names.items()
            if node not in self.records and not str(node).startswith((str(STMT), str(CLAIM)))
        ]

    def source_documents(self) -> list[Document]:
        """Every source record: its titles, its outlet's and publisher's names in every
        language, its authors' names and its citation text."""
        documents = []
        for node in self.records:
            objects = self.graph.objects
            texts = [
                ("title", str(t)) for p in (SDO.name, SDO.alternateName) for t in objects(node, p)
            ]
            for outlet in (*objects(node, SDO.isPartOf), *objects(node, SDO.publisher)):
                texts += [("outlet", str(n)) for p in NAME_PREDICATES for n in objects(outlet, p)]
            for author in objects(node, SDO.author):
                texts += [("citation", str(n)) for p in NAME_PREDICATES for n in objects(author, p)]
            texts += [("citation", str(c)) for c in objects(node, KGV.citationText)]
            source = self._source(node)
            documents.append(
                Document(
                    "source",
                    source.iri,
                    source.curie,
                    source.title or source.curie,
                    detail=", ".join(d for d in (source.outlet, source.date, source.language) if d),
                    texts=tuple(sorted(texts)),
                )
            )
        return documents

    def fact_documents(self) -> list[Document]:
        """Every statement as authored (not the derived inverse of a symmetric fact): its
        quote, and the fact in words."""
        documents = []
        for statement in self.graph.subjects(RDF.type, RDF.Statement):
            if (statement, KGV.inverseOf, None) in self.graph:
                continue
            fact = self._explained(statement, "triple")
            claim = fact.claim_curie or ""
            texts = [("fact", fact.fact)] + ([("quote", fact.quote)] if fact.quote else [])
            documents.append(
                Document(
                    "fact",
                    fact.statement,
                    self._n3(statement),
                    fact.fact,
                    detail=claim + (f" ({fact.where})" if fact.where else ""),
                    quote=fact.quote or "",
                    texts=tuple(texts),
                )
            )
        return documents

    # -- describing what was found --

    def _n3(self, node: Node) -> str:
        return node.n3(self.nsm)

    def _label(self, node: Node) -> str:
        if isinstance(node, Literal):
            return str(node)
        for predicate in (SDO.name, RDFS.label):
            name = _preferred(self.graph.objects(node, predicate))
            if name:
                return name
        return self._n3(node)

    def _predicate_label(self, node: Node) -> str:
        label = _preferred(self.vocabulary.objects(node, RDFS.label))
        return label or _humanise(_local_name(str(node)))

    def _term(self, node: Node) -> Term:
        if isinstance(node, Literal):
            return Term(
                label=str(node),
                n3=self._n3(node),
                value=str(node),
                datatype=str(node.datatype) if node.datatype else None,
                language=node.language,
            )
        label = self._predicate_label(node) if node in self.predicates else self._label(node)
        return Term(label=label, n3=self._n3(node), iri=str(node))

    def _explained(self, statement: Node, side: str) -> Explained:
        value = self.graph.value
        claim = value(statement, KGV.fromClaim)
        quote = value(statement, KGV.quote)
        inverse_of = value(statement, KGV.inverseOf)
        credits = self._credits(statement)
        reasons = self._reasons(statement, credits)
        sources = sorted(
            (
                replace(self._source(src), reason=reasons.get(src))
                for src in self.graph.objects(statement, PROV.wasDerivedFrom)
            ),
            key=lambda s: (not s.is_article, s.date is None, s.date or "", s.curie),
        )
        return Explained(
            subject=self._term(value(statement, RDF.subject)),
            predicate=self._term(value(statement, RDF.predicate)),
            object=self._term(value(statement, RDF.object)),
            statement=str(statement),
            claim=str(claim) if claim is not None else None,
            claim_curie=self._n3(claim) if claim is not None else None,
            quote=str(quote) if quote is not None else None,
            sources=tuple(sources),
            where=self.loaded.locate(statement),
            side=side,
            outlets=self._outlets(credits),
            inverse_of=str(inverse_of) if inverse_of is not None else None,
        )

    def _is_evidence(self, node: Node) -> bool:
        return (node, KGV.evidenceFile, None) in self.graph

    def _credits(self, statement: Node) -> dict[Node, Reason]:
        """The references a statement credits (its prov:qualifiedDerivation), with their reason:
        entry words when a credit of the reference gives them, else topic only."""
        graph = self.graph
        words: dict[Node, set[str]] = defaultdict(set)
        for derivation in graph.objects(statement, PROV.qualifiedDerivation):
            for entity in graph.objects(derivation, PROV.entity):
                words[entity].update(str(w) for w in graph.objects(derivation, KGV.entryWords))
        return {
            entity: Reason(ENTRY_WORDS, words=" | ".join(sorted(w))) if w else Reason(TOPIC_ONLY)
            for entity, w in words.items()
        }

    def _reasons(self, statement: Node, credits: dict[Node, Reason]) -> dict[Node, Reason]:
        """Each source's reason: the evidence text's (which part the quote is in), else its
        credit's."""
        listed = (statement, KGV.quoteIn, KGV.referenceList) in self.graph
        evidence = Reason(EVIDENCE_TEXT, quote_in=REFERENCE_LIST if listed else PROSE)
        return {
            source: evidence if self._is_evidence(source) else credits[source]
            for source in self.graph.objects(statement, PROV.wasDerivedFrom)
            if self._is_evidence(source) or source in credits
        }

    def _outlets(self, credits: dict[Node, Reason]) -> Outlets:
        """The distinct outlets of the credited references, evidence texts aside, by reason; an
        outlet credited both ways counts as entry words."""
        by_words: set[Node] = set()
        by_topic: set[Node] = set()
        for reference, reason in credits.items():
            if self._is_evidence(reference):
                continue
            outlets = set(self.graph.objects(reference, SDO.isPartOf)) or {reference}
            (by_words if reason.kind == ENTRY_WORDS else by_topic).update(outlets)
        by_topic -= by_words

        def labels(nodes: set[Node]) -> tuple[str, ...]:
            shown = sorted((self._label(n).casefold(), str(n), self._label(n)) for n in nodes)
            return tuple(label for _, _, label in shown)

        return Outlets(by_entry_words=labels(by_words), topic_only=labels(by_topic))

    def _source(self, node: Node) -> Source:
        value = self.graph.value
        language = value(node, SDO.inLanguage)
        names = list(self.graph.objects(node, SDO.name))
        in_own_language = [n for n in names if isinstance(n, Literal) and n.language == language]
        outlet = value(node, SDO.isPartOf) or value(node, SDO.publisher)
        date = value(node, SDO.datePublished)
        kinds = sorted(
            _local_name(str(t))
            for t in self.graph.objects(node, RDF.type)
            if t != KGV.SourceRecord and str(t).startswith(str(SDO))
        )
        return Source(
            iri=str(node),
            curie=self._n3(node),
            title=_preferred(in_own_language) or _preferred(names),
            outlet=self._label(outlet) if outlet is not None else None,
            date=str(date) if date is not None else None,
            language=str(language) if language is not None else None,
            kind=kinds[0] if kinds else None,
            is_article=(node, KGV.evidenceFile, None) in self.graph,
        )

    def _order(self, predicate: Term, other: Term, statement: Explained) -> tuple[str, ...]:
        """By predicate label, then the other end's label, then identifiers to break ties."""
        return (
            predicate.label.casefold(),
            other.label.casefold(),
            other.n3,
            statement.claim or "",
            statement.statement,
        )

    @staticmethod
    def _by_claim(statement: Explained) -> tuple[str, str]:
        return (statement.claim or "", statement.statement)


__all__ = [
    "Describer",
    "Explained",
    "Explanation",
    "Outlets",
    "Reason",
    "Source",
    "Term",
    "explain",
    "explain_source",
    "format_json",
    "format_text",
    "source_line",
]
