"""Adding a source: an evidence text copied into data/ and its record appended to data/sources.ttl.

The record uses the vocabulary of the existing ones (kgv:SourceRecord, schema:name, schema:isPartOf,
schema:datePublished at the precision given, schema:inLanguage, schema:url, kgv:evidenceFile), so
claims can quote the new text and `kg validate` checks their quotes against it. kg refuses a text
or URL already recorded, never overwrites a file, and when the tree does not load or the new
record does not validate it puts back what it wrote: nothing is left half-written.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.dates import XSD, bounds
from kg.errors import KgError
from kg.files import read_limited, write_atomically
from kg.tree import Tree

if TYPE_CHECKING:
    from kg.validate import Report

SOURCES_FILE = "sources.ttl"
SRC = "https://kg.example.org/kassis/source/"
KGR = "https://kg.example.org/kassis/id/"
SECTION = "# ==== Evidence texts added with `kg source add` " + "=" * 44
HEADER = """@prefix kgr:    <https://kg.example.org/kassis/id/> .
@prefix src:    <https://kg.example.org/kassis/source/> .
@prefix kgv:    <https://kg.example.org/kassis/vocab#> .
@prefix schema: <https://schema.org/> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
"""
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")  # as SourceRecordShape checks it
URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
# Words left out of a node name, as the hand-written names leave them out.
SMALL_WORDS = {"a", "an", "the", "of", "and", "in", "on", "to", "for", "with", "by", "at"}
SMALL_WORDS |= {"le", "la", "les", "l", "de", "des", "du", "d", "et", "un", "une", "en"}
TITLE_WORDS = 4
DATE_TYPES = {10: "date", 7: "gYearMonth", 4: "gYear"}  # by the length of the text


class DuplicateSourceError(KgError):
    """The text or the URL of a source to add is already recorded."""


@dataclass(frozen=True)
class NewSource:
    """What to add: the text's path and the record's fields as the user gives them."""

    file: Path
    title: str
    url: str | None = None
    published: str | None = None
    language: str = "en"
    publisher: str | None = None
    name: str | None = None  # the src: local name, when not derived from the fields


@dataclass(frozen=True)
class Added:
    """What `add_source` wrote, and the validation report of the tree with it."""

    node: str  # src:local-name
    evidence: str  # data/<name>.txt
    record_file: str  # data/sources.ttl
    record_line: int  # where the record starts in it
    record: str  # the Turtle appended
    report: Report  # of the whole tree, the new record in it


def slug(text: str) -> str:
    """Lower-case ASCII kebab-case: "Le Monde diplomatique" -> "le-monde-diplomatique"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def node_name(title: str, publisher: str | None, published: str | None) -> str:
    """outlet-date-title-words, as data/sources.ttl names records (src:guardian-2018-01-30-...)."""
    words = [w for w in slug(title).split("-") if w and w not in SMALL_WORDS][:TITLE_WORDS]
    parts = [slug(publisher) if publisher else "", published or "", "-".join(words)]
    return "-".join(p for p in parts if p)


def date_literal(text: str) -> str:
    """`"2024-05-01"^^xsd:date`, `"2024-05"^^xsd:gYearMonth` or `"2024"^^xsd:gYear`."""
    kind = DATE_TYPES.get(len(text))
    if kind is None or bounds(text, XSD + kind) is None:
        raise KgError(
            f"--published '{text}' is not a date; write it at the precision the source gives: "
            "2024-05-01, 2024-05 or 2024"
        )
    return f'"{text}"^^xsd:{kind}'


def turtle_string(text: str) -> str:
    """A Turtle string literal, escaped the way rdflib writes one."""
    from rdflib import Literal

    return Literal(text).n3()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def add_source(tree: Tree, new: NewSource) -> Added:
    """Copy `new.file` into data/, append its record to data/sources.ttl, and validate the tree.

    Refuses (DuplicateSourceError, exit 2) a text whose SHA-256 or a URL an existing record
    has, naming that record; refuses a taken node or file name. Raises KgError and restores
    data/ as it was when the tree with the new record does not load or the record does not
    validate. Findings elsewhere in the tree are only reported.
    """
    from rdflib import URIRef

    from kg.load import load
    from kg.namespaces import KGV, SDO
    from kg.validate import show, validate_tree

    title = " ".join(new.title.split())
    if not title:
        raise KgError("--title is empty; give the source's title as it is written")
    if not LANGUAGE.fullmatch(new.language):
        raise KgError(
            f"--language '{new.language}' is not a BCP 47 language code; write it as en, fr, pt-BR"
        )
    if new.url is not None and not URL.fullmatch(new.url):
        raise KgError(f"--url '{new.url}' is not an http(s) URL; give the address of the source")
    published = date_literal(new.published) if new.published is not None else None
    text = read_limited(new.file, "plain-text evidence")
    if not re.search(r"\w", text):
        raise KgError(f"{new.file}: holds no words; give the text of the source")

    before = load(tree)  # the tree must load before kg adds to it
    graph = before.graph
    digest = sha256(text)
    for record, evidence in sorted(graph.subject_objects(KGV.evidenceFile)):
        path = tree.data_dir / str(evidence)
        if path.is_file() and sha256(read_limited(path, "evidence text")) == digest:
            raise DuplicateSourceError(
                f"{new.file}: the same text (SHA-256 {digest[:12]}…) is already the evidence of "
                f"{show(record)} ({tree.relative(path)}); cite that record"
            )
    if new.url is not None:
        for record in sorted(graph.subjects(SDO.url, URIRef(new.url))):
            raise DuplicateSourceError(
                f"--url {new.url} is already the URL of {show(record)}; cite that record"
            )

    local = new.name or node_name(title, new.publisher, new.published)
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", local):
        raise KgError(
            f"'{local}' cannot name a source; give --name in lower-case kebab-case "
            "(guardian-2018-01-30-sochi-farce)"
        )
    node = URIRef(SRC + local)
    if (node, None, None) in graph or (None, None, node) in graph:
        raise KgError(f"src:{local} is already taken; give another --name for the new source")
    evidence = tree.data_dir / f"{local}.txt"
    if evidence.exists() or evidence.is_symlink():
        raise KgError(f"{tree.relative(evidence)} already exists; give another --name")

    lines = [f"src:{local} a kgv:SourceRecord , schema:Article ;"]
    lines.append(f"    schema:name {turtle_string(title)}@{new.language} ;")
    outlet_lines: list[str] = []
    if new.publisher is not None:
        outlet, outlet_lines = _outlet(graph, new.publisher, new.language)
        lines.append(f"    schema:isPartOf {outlet} ;")
    if published:
        lines.append(f"    schema:datePublished {published} ;")
    lines.append(f"    schema:inLanguage {turtle_string(new.language)} ;")
    if new.url is not None:
        lines.append(f"    schema:url <{new.url}> ;")
    lines.append(f"    kgv:evidenceFile {turtle_string(evidence.name)} .")
    record = "\n".join([f"# {title} (the evidence text {tree.relative(evidence)})", *lines])
    record += "\n" + "".join(f"\n{line}" for line in outlet_lines) + "\n"

    records = tree.data_dir / SOURCES_FILE
    old = records.read_bytes() if records.is_file() else None
    kept = HEADER.encode() if old is None else old
    head = kept if kept.endswith(b"\n") or not kept else kept + b"\n"
    if SECTION.encode() not in head:
        head += f"\n{SECTION}\n".encode()
    data = head + b"\n" + record.encode("utf-8")
    record_line = head.count(b"\n") + 3  # the node: after a blank line and its comment
    write_atomically(evidence, text.encode("utf-8"))
    try:
        write_atomically(records, data)
        report = validate_tree(tree)
        own = [f for f in report.findings if _about(f, node, records, tree, record_line)]
        if own:
            first = own[0]
            raise KgError(
                f"{first.where or tree.relative(records)}: {show(first.focus)} does not validate: "
                f"{first.message}; nothing was added"
            )
    except BaseException:
        # Put back what kg wrote, and only that: the old records file, or none if kg made it.
        if old is None:
            records.unlink(missing_ok=True)
        else:
            write_atomically(records, old)
        evidence.unlink(missing_ok=True)
        raise
    return Added(
        node=f"src:{local}",
        evidence=tree.relative(evidence),
        record_file=tree.relative(records),
        record_line=record_line,
        record=record,
        report=report,
    )


def _outlet(graph, publisher: str, language: str) -> tuple[str, list[str]]:
    """The outlet named `publisher` (schema:isPartOf), and the lines that declare it if new."""
    from rdflib import URIRef
    from rdflib.namespace import RDF

    from kg.namespaces import SDO

    kinds = (SDO.Periodical, SDO.WebSite, SDO.Organization)
    wanted = " ".join(publisher.split())
    for kind in kinds:
        for outlet in sorted(graph.subjects(RDF.type, kind)):
            names = graph.objects(outlet, SDO.name)
            if any(str(n).casefold() == wanted.casefold() for n in names):
                local = outlet.removeprefix(KGR)
                return (f"kgr:{local}" if local != outlet else f"<{outlet}>"), []
    local = slug(wanted)
    if not local:
        raise KgError(f"--publisher '{publisher}' has no letters or digits to name it by")
    outlet = URIRef(KGR + local)
    if (outlet, None, None) in graph:
        raise KgError(
            f"kgr:{local} is already taken by something that is not an outlet; give --publisher "
            "as an existing outlet's schema:name"
        )
    return f"kgr:{local}", [
        f"kgr:{local} a schema:Organization ;",
        f"    schema:name {turtle_string(wanted)}@{language} .",
    ]


def _about(finding, node, records: Path, tree: Tree, first_line: int) -> bool:
    """Whether a finding is about the new record: its node, or a line kg appended."""
    if finding.focus == node:
        return True
    where = finding.where or ""
    prefix = tree.relative(records) + ":"
    return (
        where.startswith(prefix)
        and where[len(prefix) :].isdigit()
        and (int(where[len(prefix) :]) >= first_line)
    )
