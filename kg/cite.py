"""Citations of the graph's sources and books: CSL-JSON, BibTeX and RIS.

What can be cited: every source record (`kgv:SourceRecord`, data/sources.ttl) and every book
(`schema:Book`, data/books.trig). `reference(loaded, describer, node)` reads one of them into a
`Reference` holding only what the node's own triples say (its authors, its title with the
language it is in, its outlet, its date at the precision it is written, ISBN, the outlet's ISSN,
OCLC, URL, archive and retrieval dates); the three writers render that and nothing else, so a
field the record lacks is never filled in. A year stays a year: CSL `date-parts: [[2017]]`,
BibTeX `year` alone, RIS `PY  - 2017`.

The writers are the ecosystem's own: bibtexparser (v2's writer API) for BibTeX and rispy for
RIS; CSL-JSON is plain JSON that validates against the CSL-JSON schema kg/schemas/csl-data.json.
The same graph gives the same bytes: citations are sorted by IRI, JSON keys sorted.

Labels (an author's name, an outlet's, a publisher's) come from kg.why's Describer, English
first, as everywhere else in kg. Names are written as the graph holds them (`Jay Solomon`): CSL
as a `literal` name, BibTeX as written (an organisation braced so it is not split), RIS as
written; kg never guesses which part is the family name. RDF keeps no order among a record's
authors, so they are listed by name.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SDO
from rdflib.term import Node

from kg import terms
from kg.dates import DATE_TYPES, bounds
from kg.errors import KgError, NotFoundError
from kg.formats import CITATION_FORMATS
from kg.load import LoadedGraph
from kg.namespaces import KGV

if TYPE_CHECKING:
    from kg.why import Describer

FORMATS = CITATION_FORMATS  # kg.formats: names, media types, suffixes

# What each kind of citable thing is called in each format: schema.org type -> (CSL type,
# BibTeX entry type, RIS type). The first type of a node found here (in this order) wins;
# a source record of another type is a generic document.
KINDS: dict[URIRef, tuple[str, str, str]] = {
    SDO.Book: ("book", "book", "BOOK"),
    SDO.NewsArticle: ("article-newspaper", "article", "NEWS"),
    SDO.VideoObject: ("motion_picture", "misc", "VIDEO"),
    SDO.Report: ("report", "misc", "RPRT"),
    SDO.WebPage: ("webpage", "misc", "ELEC"),
    SDO.Article: ("article", "misc", "GEN"),
}
GENERIC = ("document", "misc", "GEN")


class CitationError(KgError):
    """A citation cannot be produced as asked."""


@dataclass(frozen=True)
class Date:
    """A date at the precision it is written: (2017,), (2017, 3) or (2017, 3, 19); or, for a
    date kg cannot read as one of those, its text alone."""

    parts: tuple[int, ...] = ()
    text: str = ""

    @property
    def iso(self) -> str:
        """`2017`, `2017-03`, `2017-03-19` (or the text as written)."""
        if not self.parts:
            return self.text
        year, *rest = self.parts
        return "-".join([f"{year:04d}", *(f"{n:02d}" for n in rest)])

    @property
    def year(self) -> str | None:
        return f"{self.parts[0]:04d}" if self.parts else None


@dataclass(frozen=True)
class Name:
    """An author as the graph names it; `person` is False for an organisation."""

    text: str
    person: bool


@dataclass(frozen=True)
class Reference:
    """What a source record or a book says about itself, ready to be written as a citation."""

    iri: str
    key: str  # its CURIE: the CSL id, the BibTeX key, the RIS ID
    kind: tuple[str, str, str]  # (CSL type, BibTeX entry type, RIS type)
    title: str | None = None
    language: str | None = None  # schema:inLanguage, else the title's language tag
    authors: tuple[Name, ...] = ()
    container: str | None = None  # the outlet it is part of (schema:isPartOf)
    series: str | None = None  # the book series it is part of (schema:isPartOf a BookSeries)
    publisher: str | None = None
    place: str | None = None  # kgv:placeOfPublication
    issued: Date | None = None  # schema:datePublished
    edition: str | None = None
    pages: str | None = None  # schema:numberOfPages
    isbn: tuple[str, ...] = ()
    issn: tuple[str, ...] = ()  # its outlet's
    oclc: tuple[str, ...] = ()
    url: str | None = None
    archived: Date | None = None  # kgv:archivedOn
    accessed: Date | None = None  # kgv:retrievedOn

    @property
    def notes(self) -> tuple[str, ...]:
        """What no format has a field for, in words: the OCLC number, the archive date."""
        notes = [f"OCLC: {number}" for number in self.oclc]
        if self.archived is not None:
            notes.append(f"Archived from the original on {self.archived.iso}")
        return tuple(notes)


# --- what can be cited, and reading one -----------------------------------------------------


def citable(loaded: LoadedGraph) -> list[URIRef]:
    """Every source record and book, sorted by IRI."""
    graph = loaded.graph
    found = set(graph.subjects(RDF.type, KGV.SourceRecord)) | set(
        graph.subjects(RDF.type, SDO.Book)
    )
    return sorted(node for node in found if isinstance(node, URIRef))


def resolve(loaded: LoadedGraph, text: str) -> URIRef:
    """The source record or book `text` names (a CURIE or an IRI); NotFoundError with a
    did-you-mean otherwise."""
    nodes = citable(loaded)
    expanded = terms.expand(text)
    if expanded is not None and URIRef(expanded) in nodes:
        return URIRef(expanded)
    known = sorted(terms.curie(node) for node in nodes)
    asked = terms.curie(expanded) if expanded is not None else text.strip()
    # a name cut short (`src:wsj-2016`) first, else the closest spelling, else a local name
    close = [c for c in known if c.startswith(asked)][:1]
    close = close or difflib.get_close_matches(asked, known, n=1, cutoff=0.5)
    if not close:
        locals_ = {curie.partition(":")[2]: curie for curie in known}
        close = [locals_[c] for c in difflib.get_close_matches(asked, sorted(locals_), n=1)]
    hint = f" — did you mean {close[0]}?" if close else "; `kg cite --all` cites them all"
    if expanded is None:
        message = (
            f"'{text}' is not a CURIE or an IRI; name a source record or a book as src:NAME, "
            f"kgr:NAME or its IRI{hint}"
        )
    elif (URIRef(expanded), None, None) in loaded.graph:
        message = f"{asked} is not a source record or a book{hint}"
    else:
        message = f"no source record or book {asked} in the graph{hint}"
    raise NotFoundError(message)


def reference(loaded: LoadedGraph, describer: Describer, node: URIRef) -> Reference:
    """What `node` (a source record or a book) says about itself. `describer` is a
    kg.why.Describer of `loaded`: it gives every label."""
    graph = loaded.graph
    types = set(graph.objects(node, RDF.type))
    kind = next((KINDS[t] for t in KINDS if t in types), GENERIC)
    source = describer.source(node)  # title in the node's own language first, as kg why shows
    names = [n for n in graph.objects(node, SDO.name) if isinstance(n, Literal)]
    title_literal = next((n for n in sorted(names) if str(n) == source.title), None)
    language = source.language or (title_literal.language if title_literal is not None else None)
    container = series = None
    for outlet in sorted(graph.objects(node, SDO.isPartOf)):
        label = describer.term(outlet).label
        if (outlet, RDF.type, SDO.BookSeries) in graph:
            series = series or label
        else:
            container = container or label
    outlets = list(graph.objects(node, SDO.isPartOf))

    def label_of(predicate: URIRef) -> str | None:
        values = sorted(graph.objects(node, predicate))
        return describer.term(values[0]).label if values else None

    def texts(subject: Node, predicate: URIRef) -> tuple[str, ...]:
        return tuple(sorted({str(v) for v in graph.objects(subject, predicate)}))

    def date(predicate: URIRef) -> Date | None:
        values = sorted(graph.objects(node, predicate))
        return _date(values[0]) if values else None

    authors = sorted(
        graph.objects(node, SDO.author), key=lambda a: (describer.term(a).label, str(a))
    )
    return Reference(
        iri=str(node),
        key=terms.curie(node),
        kind=kind,
        title=source.title,
        language=language,
        authors=tuple(
            Name(describer.term(a).label, (a, RDF.type, SDO.Person) in graph) for a in authors
        ),
        container=container,
        series=series,
        publisher=label_of(SDO.publisher),
        place=label_of(KGV.placeOfPublication),
        issued=date(SDO.datePublished),
        edition=(texts(node, SDO.bookEdition) or (None,))[0],
        pages=(texts(node, SDO.numberOfPages) or (None,))[0],
        isbn=texts(node, SDO.isbn),
        issn=tuple(sorted({i for outlet in outlets for i in texts(outlet, SDO.issn)})),
        oclc=texts(node, KGV.oclc),
        url=(texts(node, SDO.url) or (None,))[0],
        archived=date(KGV.archivedOn),
        accessed=date(KGV.retrievedOn),
    )


def _date(value: Node) -> Date:
    """A date literal at its precision: a gYear is a year, a gYearMonth a month, a date a day."""
    datatype = str(value.datatype) if isinstance(value, Literal) and value.datatype else None
    if datatype in DATE_TYPES and bounds(str(value), datatype) is not None:
        return Date(parts=tuple(int(part) for part in str(value).strip().split("-")))
    return Date(text=str(value))


# --- the writers ----------------------------------------------------------------------------


def csl_item(ref: Reference) -> dict[str, object]:
    """One CSL-JSON item (CSL 1.0.2 input schema)."""
    item: dict[str, object] = {"id": ref.key, "type": ref.kind[0]}
    fields: dict[str, object | None] = {
        "title": ref.title,
        "language": ref.language,
        "author": [{"literal": name.text} for name in ref.authors] or None,
        "container-title": ref.container,
        "collection-title": ref.series,
        "publisher": ref.publisher,
        "publisher-place": ref.place,
        "issued": _csl_date(ref.issued),
        "edition": ref.edition,
        "number-of-pages": ref.pages,
        "ISBN": " ".join(ref.isbn) or None,
        "ISSN": " ".join(ref.issn) or None,
        "URL": ref.url,
        "accessed": _csl_date(ref.accessed),
        "note": "\n".join(ref.notes) or None,
    }
    item.update({key: value for key, value in fields.items() if value is not None})
    return item


def _csl_date(date: Date | None) -> dict[str, object] | None:
    if date is None:
        return None
    if not date.parts:
        return {"literal": date.text}
    return {"date-parts": [list(date.parts)]}


def _bibtex_text(text: str) -> str:
    """Text inside a BibTeX value: LaTeX's special characters escaped."""
    return re.sub(r"([\\{}%&$#_])", lambda m: "\\" + m.group(1), text)


def bibtex_fields(ref: Reference) -> list[tuple[str, str]]:
    """The fields of one BibTeX entry, as (name, value) in a fixed order; values unbraced."""
    entry_type = ref.kind[1]
    outlet_field = "journal" if entry_type == "article" else "howpublished"

    def author(name: Name) -> str:
        text = _bibtex_text(name.text)
        return text if name.person else "{" + text + "}"  # an organisation is one name

    fields: list[tuple[str, str | None]] = [
        ("author", " and ".join(author(n) for n in ref.authors) or None),
        ("title", "{" + _bibtex_text(ref.title) + "}" if ref.title else None),  # keep its case
        (outlet_field, _bibtex_text(ref.container) if ref.container else None),
        ("series", _bibtex_text(ref.series) if ref.series else None),
        ("publisher", _bibtex_text(ref.publisher) if ref.publisher else None),
        ("address", _bibtex_text(ref.place) if ref.place else None),
        ("edition", _bibtex_text(ref.edition) if ref.edition else None),
        ("year", ref.issued.year if ref.issued else None),
        # biblatex's ISO date, only when it says more than the year
        ("date", _bibtex_date(ref.issued)),
        ("pagetotal", ref.pages),
        ("isbn", ", ".join(ref.isbn) or None),
        ("issn", ", ".join(ref.issn) or None),
        ("language", ref.language),
        ("url", ref.url),
        ("urldate", ref.accessed.iso if ref.accessed else None),
        ("note", _bibtex_text(". ".join(ref.notes)) or None),
    ]
    return [(name, value) for name, value in fields if value]


def _bibtex_date(date: Date | None) -> str | None:
    if date is None or len(date.parts) == 1:
        return None
    return _bibtex_text(date.iso)


def ris_record(ref: Reference) -> dict[str, object]:
    """One RIS record as rispy's keys (TY, ID, AU, TI, T2, ...)."""
    record: dict[str, object] = {"type_of_reference": ref.kind[2], "id": ref.key}
    fields: dict[str, object | None] = {
        "authors": [name.text for name in ref.authors] or None,
        "title": ref.title,
        "secondary_title": ref.container,  # T2: the periodical or web site
        "tertiary_title": ref.series,  # T3: the series
        "publisher": ref.publisher,
        "place_published": ref.place,
        "edition": ref.edition,
        "year": ref.issued.year if ref.issued else None,  # PY: the year alone
        "date": _ris_date(ref.issued) if ref.issued and len(ref.issued.parts) != 1 else None,
        "issn": "; ".join(ref.isbn + ref.issn) or None,  # SN: ISBN or ISSN
        "language": ref.language,
        "urls": [ref.url] if ref.url else None,
        "access_date": _ris_date(ref.accessed),
        "notes": list(ref.notes) or None,
    }
    record.update({key: value for key, value in fields.items() if value is not None})
    return record


def _ris_date(date: Date | None) -> str | None:
    """RIS's `YYYY/MM/DD/`, as far as the date goes (`2017/03//`)."""
    if date is None:
        return None
    if not date.parts:
        return date.text
    year, month, day = (*date.parts, None, None)[:3]
    return f"{year:04d}/{f'{month:02d}' if month else ''}/{f'{day:02d}' if day else ''}/"


def write_csl_json(refs: Iterable[Reference]) -> str:
    items = [csl_item(ref) for ref in refs]
    return json.dumps(items, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_bibtex(refs: Iterable[Reference]) -> str:
    import bibtexparser
    from bibtexparser.model import Entry, Field

    library = bibtexparser.Library()
    for ref in refs:
        fields = [Field(name, value) for name, value in bibtex_fields(ref)]
        library.add(Entry(ref.kind[1], ref.key, fields))
    return bibtexparser.write_string(library)


def write_ris(refs: Iterable[Reference]) -> str:
    import rispy

    class Writer(rispy.RisWriter):
        """rispy's writer without its `1.` line before each record (not RIS)."""

        def set_header(self, count: int) -> str:
            return ""

    return rispy.dumps([ris_record(ref) for ref in refs], implementation=Writer)


WRITERS: dict[str, Callable[[Iterable[Reference]], str]] = {
    "csl-json": write_csl_json,
    "bibtex": write_bibtex,
    "ris": write_ris,
}


# --- entry points ---------------------------------------------------------------------------


def references(loaded: LoadedGraph, nodes: Iterable[URIRef] | None = None) -> list[Reference]:
    """The references of `nodes` (every citable node when None), sorted by IRI."""
    from kg.why import Describer

    describer = Describer(loaded)
    chosen = citable(loaded) if nodes is None else sorted(set(nodes))
    return [reference(loaded, describer, node) for node in chosen]


def cite(loaded: LoadedGraph, fmt: str, source: str | None = None) -> str:
    """Citations in `fmt` (a key of FORMATS): of the source record or book `source` (a CURIE
    or an IRI), or of every one when None."""
    if fmt not in WRITERS:
        raise CitationError(f"unknown citation format '{fmt}'; choose one of {', '.join(WRITERS)}")
    nodes = None if source is None else [resolve(loaded, source)]
    return WRITERS[fmt](references(loaded, nodes))


def citations(
    loaded: LoadedGraph, iri: str | URIRef, describer: Describer | None = None
) -> dict[str, str]:
    """One source record's or book's citation in every format: {format name: text}, for the
    web layer's "Cite this". `describer` (a kg.why.Describer of `loaded`) is made when not
    given. NotFoundError when `iri` is neither."""
    if describer is None:
        from kg.why import Describer

        describer = Describer(loaded)
    ref = reference(loaded, describer, resolve(loaded, str(iri)))
    return {name: write([ref]) for name, write in WRITERS.items()}


__all__ = [
    "FORMATS",
    "CitationError",
    "Date",
    "Name",
    "Reference",
    "citable",
    "citations",
    "cite",
    "references",
    "resolve",
]
