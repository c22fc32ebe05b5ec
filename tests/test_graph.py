"""The shipped graph: it conforms, and its provenance holds when checked independently of SHACL."""

from __future__ import annotations

import re

from rdflib import URIRef
from rdflib.namespace import PROV, RDF, RDFS, SDO

from kg.namespaces import KGR, KGV, SRC
from kg.validate import normalise_space

EXEMPT_PREDICATES = {RDF.type, SDO.name, SDO.alternateName, RDFS.label}
ARTICLE = SRC["wikipedia-randa-kassis"]


def test_shipped_graph_conforms(shipped_report):
    messages = [f"{f.where}: {f.focus} {f.message}" for f in shipped_report.findings]
    assert shipped_report.conforms, "\n".join(messages)


def test_counts_are_consistent(shipped_report, loaded):
    counts = shipped_report.counts
    assert counts["triples"] == len(loaded.graph)
    assert counts["sources"] == 37  # the article and the 36 distinct works it cites
    assert counts["statements"] >= counts["facts"] > 45  # "more than 45 distinct atomic facts"
    assert counts["claims"] == counts["quotes"] or counts["quotes"] <= counts["claims"]


def test_every_fact_triple_has_its_statement(loaded):
    graph = loaded.graph
    records = set(graph.subjects(RDF.type, KGV.SourceRecord))
    bibliographic = (
        records
        | set(graph.subjects(RDF.type, SDO.Periodical))
        | set(graph.subjects(RDF.type, SDO.WebSite))
    )
    reified = {
        (graph.value(s, RDF.subject), graph.value(s, RDF.predicate), graph.value(s, RDF.object))
        for s in graph.subjects(RDF.type, RDF.Statement)
    }
    statements = set(graph.subjects(RDF.type, RDF.Statement)) | set(
        graph.subjects(RDF.type, PROV.Derivation)  # a statement's credits: derived with it
    )
    unsourced = [
        (s, p, o)
        for s, p, o in graph
        if p not in EXEMPT_PREDICATES
        and s not in statements
        and s not in bibliographic
        and (s, p, o) not in reified
    ]
    assert unsourced == []
    assert all(triple in graph for triple in reified)


def test_every_statement_quotes_the_article_verbatim(loaded):
    evidence = normalise_space((loaded.tree.data_dir / "randa-kassis.wikipedia.txt").read_text())
    graph = loaded.graph
    statements = list(graph.subjects(RDF.type, RDF.Statement))
    assert statements
    for statement in statements:
        quotes = list(graph.objects(statement, KGV.quote))
        assert len(quotes) == 1, statement
        assert normalise_space(str(quotes[0])) in evidence, (statement, quotes[0])
        sources = set(graph.objects(statement, PROV.wasDerivedFrom))
        assert ARTICLE in sources, statement
        assert all((s, RDF.type, KGV.SourceRecord) in graph for s in sources), statement


def test_every_reference_entry_has_exactly_one_source_record(loaded):
    graph = loaded.graph
    evidence = normalise_space((loaded.tree.data_dir / "randa-kassis.wikipedia.txt").read_text())
    cited = set(graph.objects(ARTICLE, SDO.citation))
    assert len(cited) == 36
    owners: dict[str, URIRef] = {}
    for record in cited:
        texts = [normalise_space(str(t)) for t in graph.objects(record, KGV.citationText)]
        assert texts, record
        for text in texts:
            assert text in evidence, record
            assert owners.setdefault(text, record) == record, text
    # Blank out every entry: what is left of the reference list holds no words.
    spans = [m.span() for t in owners for m in re.finditer(re.escape(t), evidence)]
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    chars = list(evidence)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    assert not re.search(r"\w{2,}", "".join(chars[first:last]))
    # The duplicates of the list are one record each.
    assert len([r for r in cited if "mee-2016-11-24" in r]) == 1
    assert len([r for r in cited if "forbes-kz-2017-12-05" in r]) == 1


def test_kassis_is_named_in_english_and_arabic(loaded):
    names = {(str(n), n.language) for n in loaded.graph.objects(KGR["randa-kassis"], SDO.name)}
    assert ("Randa Kassis", "en") in names
    assert ("رندة قسيس", "ar") in names


def test_the_four_books_and_their_isbns(loaded):
    graph = loaded.graph
    books = [
        b
        for b in graph.subjects(RDF.type, SDO.Book)
        if (b, RDF.type, KGV.SourceRecord) not in graph
    ]
    isbns = sorted(str(graph.value(b, SDO.isbn)) for b in books)
    assert isbns == ["9781492880608", "9782810007318", "9782940523634", "9791093501031"]
    assert all((b, SDO.author, KGR["randa-kassis"]) in graph for b in books)
