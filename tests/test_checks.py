"""`kg validate` catches each kind of defect the issue names, with a message that says the fix."""

from __future__ import annotations

from kg.tree import find_tree
from kg.validate import validate_tree

HEAD = """@prefix kgr: <https://kg.example.org/kassis/id/> .
@prefix src: <https://kg.example.org/kassis/source/> .
@prefix claim: <https://kg.example.org/kassis/claim/> .
@prefix kgv: <https://kg.example.org/kassis/vocab#> .
@prefix schema: <https://schema.org/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def findings_after(root, name: str, body: str):
    (root / "data" / name).write_text(HEAD + body)
    report = validate_tree(find_tree(root))
    assert not report.conforms
    return report.findings


def messages(findings):
    return [(f.where, f.message) for f in findings]


def test_quote_not_in_the_article(tree_copy):
    findings = findings_after(
        tree_copy,
        "zz-quote.trig",
        """
claim:invented { kgr:randa-kassis schema:birthPlace kgr:paris . }
claim:invented kgv:quote "Kassis was born in Paris" ;
    prov:wasDerivedFrom src:wikipedia-randa-kassis .
""",
    )
    assert messages(findings) == [
        (
            "data/zz-quote.trig:9",
            "the quote does not occur verbatim in the evidence text of src:wikipedia-randa-kassis "
            "(data/randa-kassis.wikipedia.txt); copy the words exactly from it",
        )
    ]


def test_a_quote_citing_no_evidence_text_says_how_to_cite_one(tree_copy):
    findings = findings_after(
        tree_copy,
        "zz-quote.trig",
        """
claim:uncited { kgr:randa-kassis schema:birthPlace kgr:paris . }
claim:uncited kgv:quote "Kassis was born in Paris" .
""",
    )
    assert (
        "data/zz-quote.trig:9",
        "the statement cites no source with an evidence text, so its quote cannot be checked; "
        "add prov:wasDerivedFrom the source record (with kgv:evidenceFile) whose text it quotes",
    ) in messages(findings)


def test_untyped_date(tree_copy):
    findings = findings_after(
        tree_copy,
        "zz-date.trig",
        """
kgr:test-event a schema:Event ; schema:name "Test event"@en .
claim:untyped-date { kgr:test-event schema:startDate "2011-03-15" . }
claim:untyped-date kgv:quote "the Syrian Civil War on March 15, 2011" ;
    prov:wasDerivedFrom src:wikipedia-randa-kassis .
""",
    )
    assert [f.message for f in findings] == [
        "An event has at most one schema:startDate, typed xsd:date, xsd:gYearMonth or xsd:gYear."
    ]
    assert findings[0].where == "data/zz-date.trig:10"  # the date's line, not the event's


def test_bad_isbn_check_digit(tree_copy):
    books = tree_copy / "data" / "books.trig"
    books.write_text(books.read_text().replace('"9781492880608"', '"9781492880609"'))
    report = validate_tree(find_tree(tree_copy))
    # The quote still reads ...608, so it no longer states the fact either: both are caught.
    assert sorted(f.message for f in report.findings) == [
        "The ISBN-13 check digit is wrong: the weighted digit sum (1,3,1,3,...) must be a "
        "multiple of 10.",
        'the quote does not name the object ("9781492880609": not its digits, with or without '
        "hyphens and spaces); quote words that state it, or add kgv:mentionReviewed with the "
        "reviewer's reason",
    ]
    assert all(f.where.startswith("data/books.trig:") for f in report.findings)


def test_fact_without_statement(tree_copy):
    findings = findings_after(
        tree_copy, "zz-fact.trig", "\nkgr:randa-kassis schema:knows kgr:donald-trump-jr .\n"
    )
    assert len(findings) == 1
    assert findings[0].message.startswith("This fact has no sourced statement")
    assert str(findings[0].path) == "https://schema.org/knows"
    assert findings[0].where == "data/zz-fact.trig:9"  # not data/randa-kassis.trig:14


def test_reference_entry_without_record(tree_copy):
    sources = tree_copy / "data" / "sources.ttl"
    text = sources.read_text()
    entry = '"Speakers". Retrieved 26 October 2014.'
    assert entry in text
    sources.write_text(text.replace(entry, '"Speakers (moved)".'))
    report = validate_tree(find_tree(tree_copy))
    found = {f.message for f in report.findings}
    assert any(m.startswith("this reference-list entry has no source record") for m in found)
    assert any(m.startswith("the citation text does not occur verbatim") for m in found)


def test_undeclared_vocabulary_term(tree_copy):
    findings = findings_after(
        tree_copy,
        "zz-vocab.trig",
        """
claim:typo { kgr:randa-kassis kgv:closeToo kgr:vatican . }
claim:typo kgv:quote "an organisation closed to the Vatican" ;
    prov:wasDerivedFrom src:wikipedia-randa-kassis .
""",
    )
    assert [f.message for f in findings] == [
        "kgv:closeToo is not declared in ontology/; fix the spelling or declare it with "
        "rdfs:label and rdfs:comment"
    ]
