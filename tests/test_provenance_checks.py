"""The provenance checks of `kg validate`: a quote names what its statement asserts, comes from
the part of the evidence text it claims to, and every credited reference has a reason it can
stand behind (its entry's words, or its topic only, and never a date after it was published).

Each test builds its own small tree (the shipped data/ is not used): an evidence text with a
reference list, its source records, and a TriG file of claims that conforms; a violating test
adds one file, data/zz.trig, and asserts the exact findings with their file:line.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib.namespace import PROV, RDF

from kg.load import load
from kg.namespaces import KGV
from kg.tree import find_tree
from kg.validate import mentions, validate_tree

REPO = Path(__file__).resolve().parent.parent

ARTICLE = """Jane Roe (French: Jeanne Roe) is a French politician. She was a member of the \
Example Council until August 2012. She married John Doe in 2010. She is a former member of the \
Example Council. Roe wrote Example Book (ISBN 978-1-4928-8060-8), 1,256 pages long.

References

"Jane Roe joins the Example Council". Daily Example. 16 September 2011.
Smith, Ann (March 2013). "Roe leaves the council". Weekly Example.
"Roe, a life in politics". Example Monthly. 2014.
"""

HEAD = """@prefix kgr: <https://kg.example.org/kassis/id/> .
@prefix src: <https://kg.example.org/kassis/source/> .
@prefix claim: <https://kg.example.org/kassis/claim/> .
@prefix kgv: <https://kg.example.org/kassis/vocab#> .
@prefix schema: <https://schema.org/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

SOURCES = (
    HEAD
    + """
src:article a kgv:SourceRecord , schema:Article ;
    schema:name "Jane Roe"@en ;
    kgv:evidenceFile "article.txt" ;
    schema:citation src:daily-2011 , src:weekly-2013 , src:monthly-2014 .

src:daily-2011 a kgv:SourceRecord , schema:NewsArticle ;
    schema:name "Jane Roe joins the Example Council"@en ;
    schema:datePublished "2011-09-16"^^xsd:date ;
    kgv:citationText "\\"Jane Roe joins the Example Council\\". Daily Example. 16 September 2011." .

src:weekly-2013 a kgv:SourceRecord , schema:NewsArticle ;
    schema:name "Roe leaves the council"@en ;
    schema:datePublished "2013-03"^^xsd:gYearMonth ;
    kgv:citationText "Smith, Ann (March 2013). \\"Roe leaves the council\\". Weekly Example." .

src:monthly-2014 a kgv:SourceRecord , schema:NewsArticle ;
    schema:name "Roe, a life in politics"@en ;
    schema:datePublished "2014"^^xsd:gYear ;
    kgv:citationText "\\"Roe, a life in politics\\". Example Monthly. 2014." .
"""
)

# Claims that pass every check: a role node typed inside its claim (neither the type nor the
# role needs naming), a month named in words, a credit for the entry's words and one for the
# topic only, a symmetric fact, a reviewed nationality, an ISBN and a page count as written.
CLAIMS = (
    HEAD
    + """
kgr:jane-roe a schema:Person ;
    schema:name "Jane Roe"@en ;
    schema:alternateName "Jeanne Roe"@fr , "Roe"@en .
kgr:john-doe a schema:Person ; schema:name "John Doe"@en .
kgr:example-council a schema:Organization ; schema:name "Example Council"@en .
kgr:example-summit a schema:Event ; schema:name "Example Summit"@en .
kgr:france a schema:Country ; schema:name "France"@en .
kgr:example-book a schema:Book ; schema:name "Example Book"@en .

claim:roe-council {
    kgr:jane-roe schema:memberOf kgr:roe-council-role .
    kgr:roe-council-role a schema:OrganizationRole ;
        schema:memberOf kgr:example-council ;
        schema:endDate "2012-08"^^xsd:gYearMonth .
}
claim:roe-council
    kgv:quote "She was a member of the Example Council until August 2012" ;
    prov:wasDerivedFrom src:article ;
    prov:qualifiedDerivation
        [ prov:entity src:weekly-2013 ; kgv:entryWords "Roe leaves the council" ] ,
        [ prov:entity src:monthly-2014 ; kgv:topicOnly true ] .

claim:roe-spouse { kgr:jane-roe schema:spouse kgr:john-doe . }
claim:roe-spouse
    kgv:quote "She married John Doe in 2010" ;
    prov:wasDerivedFrom src:article .

claim:roe-nationality { kgr:jane-roe schema:nationality kgr:france . }
claim:roe-nationality
    kgv:quote "Jane Roe (French: Jeanne Roe) is a French politician" ;
    kgv:mentionReviewed "\\"French\\" states her nationality, France" ;
    prov:wasDerivedFrom src:article .

claim:roe-job { kgr:jane-roe schema:jobTitle "politician"@en . }
claim:roe-job kgv:quote "is a French politician" ; prov:wasDerivedFrom src:article .

claim:roe-book {
    kgr:example-book schema:author kgr:jane-roe ;
        schema:isbn "9781492880608" ;
        schema:numberOfPages 1256 .
}
claim:roe-book
    kgv:quote "Roe wrote Example Book (ISBN 978-1-4928-8060-8), 1,256 pages long" ;
    prov:wasDerivedFrom src:article .
"""
)

FIX = "quote words that state it, or add kgv:mentionReviewed with the reviewer's reason"


@pytest.fixture
def root(tmp_path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(REPO / "ontology", root / "ontology")
    data = root / "data"
    data.mkdir()
    (data / "article.txt").write_text(ARTICLE, encoding="utf-8")
    (data / "sources.ttl").write_text(SOURCES, encoding="utf-8")
    (data / "claims.trig").write_text(CLAIMS, encoding="utf-8")
    return root


def findings_with(root: Path, body: str) -> list[tuple[str | None, str]]:
    """(file:line, message) of each finding once data/zz.trig holds HEAD + body."""
    (root / "data" / "zz.trig").write_text(HEAD + body, encoding="utf-8")
    return [(f.where, f.message) for f in validate_tree(find_tree(root)).findings]


def test_the_tree_conforms(root):
    report = validate_tree(find_tree(root))
    assert [(f.where, f.message) for f in report.findings] == []
    assert report.conforms


# --- the quote names the object -------------------------------------------------------------


def test_quote_that_does_not_name_an_entity(root):
    body = """
claim:roe-french { kgr:jane-roe schema:nationality kgr:france . }
claim:roe-french
    kgv:quote "She was a member of the Example Council" ;
    prov:wasDerivedFrom src:article .
"""
    assert findings_with(root, body) == [
        (
            "data/zz.trig:9",
            'the quote does not name the object (kgr:france: none of its names "France"); ' + FIX,
        )
    ]


def test_quote_that_does_not_name_a_date(root):
    body = """
claim:summit-date { kgr:example-summit schema:startDate "2012-08"^^xsd:gYearMonth . }
claim:summit-date
    kgv:quote "She was a member of the Example Council" ;
    prov:wasDerivedFrom src:article .
"""
    assert findings_with(root, body) == [
        (
            "data/zz.trig:9",
            'the quote does not name the object ("2012-08"^^xsd:gYearMonth: none of its forms '
            '"August 2012", "Aug 2012", "2012-08"); ' + FIX,
        )
    ]


def test_quote_that_names_a_date_in_words(root):
    body = """
claim:summit-date { kgr:example-summit schema:startDate "2012-08"^^xsd:gYearMonth . }
claim:summit-date
    kgv:quote "Example Council until August 2012" ;
    prov:wasDerivedFrom src:article .
"""
    assert findings_with(root, body) == []


def test_an_untyped_date_is_named_as_the_date_it_spells(root):
    # Only the shape complains: the quote does state the date, the literal lacks its type.
    body = """
claim:summit-date { kgr:example-summit schema:startDate "2012-08" . }
claim:summit-date
    kgv:quote "Example Council until August 2012" ;
    prov:wasDerivedFrom src:article .
"""
    assert findings_with(root, body) == [
        (
            "data/zz.trig:9",
            "An event has at most one schema:startDate, typed xsd:date, xsd:gYearMonth or "
            "xsd:gYear.",
        )
    ]


def test_a_boolean_needs_a_review(root):
    body = """
claim:roe-former { kgr:roe-council-role kgv:isFormer true . }
claim:roe-former
    kgv:quote "She is a former member of the Example Council" ;
    prov:wasDerivedFrom src:article .
"""
    assert findings_with(root, body) == [
        (
            "data/zz.trig:9",
            'the quote cannot name a boolean object ("true"^^xsd:boolean); if it states it, '
            "add kgv:mentionReviewed with the reviewer's reason",
        )
    ]


def test_a_reviewed_boolean_passes(root):
    body = """
claim:roe-former { kgr:roe-council-role kgv:isFormer true . }
claim:roe-former
    kgv:quote "She is a former member of the Example Council" ;
    kgv:mentionReviewed "\\"former member\\" says the membership ended" ;
    prov:wasDerivedFrom src:article .
"""
    assert findings_with(root, body) == []


@pytest.mark.parametrize(
    ("quote", "value", "named"),
    [
        ("kassis present", "en", False),  # not inside a word
        ("the text (en) says", "EN", True),
        ("a parisian café", "Paris", False),
        ("born in paris.", "Paris", True),
        ("the u.s. army", "U.S.", True),  # ends with a dot: no boundary needed after it
        ("august 2012", "August 2012", True),
        ("20120", "2012", False),
    ],
)
def test_names_are_matched_on_word_boundaries(quote, value, named):
    assert mentions(quote, value) is named


# --- time cannot run backwards ----------------------------------------------------------------


def test_reference_published_before_the_date_it_is_credited_for(root):
    body = """
claim:summit-date { kgr:example-summit schema:startDate "2012-08"^^xsd:gYearMonth . }
claim:summit-date
    kgv:quote "Example Council until August 2012" ;
    prov:wasDerivedFrom src:article ;
    prov:qualifiedDerivation
        [ prov:entity src:daily-2011 ; kgv:entryWords "joins the Example Council" ] ,
        [ prov:entity src:weekly-2013 ; kgv:topicOnly true ] .
"""
    assert findings_with(root, body) == [
        (
            "data/zz.trig:9",
            "src:daily-2011 (published 2011-09-16) is credited for a date from 2012-08-01 on; "
            "a source cannot attest what happened after it was published: remove this credit "
            "or split the claim",
        )
    ]


# --- entry words are in the entry -------------------------------------------------------------


def test_entry_words_not_in_the_entry(root):
    body = """
claim:roe-member { kgr:example-council schema:member kgr:jane-roe . }
claim:roe-member
    kgv:quote "Roe wrote Example Book" ;
    prov:wasDerivedFrom src:article ;
    prov:qualifiedDerivation
        [ prov:entity src:daily-2011 ; kgv:entryWords "Roe joins the council" ] .
"""
    assert findings_with(root, body) == [
        (
            "data/zz.trig:9",
            'the entry words "Roe joins the council" are not in the reference-list entry of '
            "src:daily-2011; copy them verbatim from its kgv:citationText, or credit it with "
            "kgv:topicOnly true",
        )
    ]


def test_entry_words_with_a_no_break_space(root):
    body = """
claim:roe-member { kgr:example-council schema:member kgr:jane-roe . }
claim:roe-member
    kgv:quote "Roe wrote Example Book" ;
    prov:wasDerivedFrom src:article ;
    prov:qualifiedDerivation
        [ prov:entity src:daily-2011 ; kgv:entryWords "joins the\u00a0Example Council" ] .
"""
    assert findings_with(root, body) == []


def test_a_credit_with_two_reasons(root):
    body = """
claim:roe-member { kgr:example-council schema:member kgr:jane-roe . }
claim:roe-member
    kgv:quote "Roe wrote Example Book" ;
    prov:wasDerivedFrom src:article ;
    prov:qualifiedDerivation
        [ prov:entity src:daily-2011 ;
            kgv:entryWords "joins the Example Council" ; kgv:topicOnly true ] .
"""
    assert findings_with(root, body) == [
        (
            "data/zz.trig:9",
            "A credit gives exactly one reason: kgv:entryWords (words of the reference's entry "
            "that state the fact) or kgv:topicOnly true (cited there for its topic only).",
        )
    ]


# --- every reference is credited with a reason --------------------------------------------------


def test_a_reference_cited_without_a_reason(root):
    body = """
claim:roe-member { kgr:example-council schema:member kgr:jane-roe . }
claim:roe-member
    kgv:quote "Roe wrote Example Book" ;
    prov:wasDerivedFrom src:article , src:weekly-2013 .
"""
    assert findings_with(root, body) == [
        (
            "data/zz.trig:9",
            "src:weekly-2013 is cited without a reason; write it as prov:qualifiedDerivation "
            '[ prov:entity src:weekly-2013 ; kgv:entryWords "..." ] or '
            "[ prov:entity src:weekly-2013 ; kgv:topicOnly true ]",
        )
    ]


# --- where the quote comes from -----------------------------------------------------------------


def test_a_quote_from_the_reference_list_must_say_so(root):
    body = """
claim:roe-leaves { kgr:example-council schema:member kgr:jane-roe . }
claim:roe-leaves
    kgv:quote "Roe leaves the council" ;
    prov:wasDerivedFrom src:article ;
    prov:qualifiedDerivation
        [ prov:entity src:weekly-2013 ; kgv:entryWords "Roe leaves the council" ] .
"""
    assert findings_with(root, body) == [
        (
            "data/zz.trig:9",
            "this quote is not in the prose of src:article but in its reference list; mark the "
            "claim kgv:quoteIn kgv:referenceList and credit the reference whose entry it quotes",
        )
    ]


def test_a_marked_quote_from_a_credited_entry(root):
    body = """
claim:roe-leaves { kgr:example-council schema:member kgr:jane-roe . }
claim:roe-leaves
    kgv:quote "Roe leaves the council" ;
    kgv:quoteIn kgv:referenceList ;
    prov:wasDerivedFrom src:article ;
    prov:qualifiedDerivation
        [ prov:entity src:weekly-2013 ; kgv:entryWords "Roe leaves the council" ] .
"""
    assert findings_with(root, body) == []


def test_a_marked_quote_from_an_entry_credited_for_its_topic_only(root):
    body = """
claim:roe-leaves { kgr:example-council schema:member kgr:jane-roe . }
claim:roe-leaves
    kgv:quote "Roe leaves the council" ;
    kgv:quoteIn kgv:referenceList ;
    prov:wasDerivedFrom src:article ;
    prov:qualifiedDerivation [ prov:entity src:weekly-2013 ; kgv:topicOnly true ] .
"""
    assert findings_with(root, body) == [
        (
            "data/zz.trig:9",
            "the claim is marked kgv:quoteIn kgv:referenceList, but its quote is in the entry of "
            "no reference it credits with kgv:entryWords; credit the reference whose entry it "
            "quotes, with the entry words that state it",
        )
    ]


def test_a_marked_quote_from_the_prose(root):
    body = """
claim:roe-knows { kgr:jane-roe schema:knows kgr:john-doe . }
claim:roe-knows
    kgv:quote "She married John Doe in 2010" ;
    kgv:quoteIn kgv:referenceList ;
    prov:wasDerivedFrom src:article ;
    prov:qualifiedDerivation [ prov:entity src:weekly-2013 ; kgv:topicOnly true ] .
"""
    assert findings_with(root, body) == [
        (
            "data/zz.trig:9",
            "the claim is marked kgv:quoteIn kgv:referenceList, but its quote is in the prose of "
            "src:article, not in the entry of a reference it credits with kgv:entryWords; remove "
            "the mark",
        )
    ]


def test_a_quote_in_no_part_of_the_text_is_check_quotes_finding_alone(root):
    body = """
claim:roe-knows { kgr:jane-roe schema:knows kgr:john-doe . }
claim:roe-knows
    kgv:quote "She has long known John Doe" ;
    kgv:quoteIn kgv:referenceList ;
    prov:wasDerivedFrom src:article .
"""
    assert findings_with(root, body) == [
        (
            "data/zz.trig:9",
            "the quote does not occur verbatim in the evidence text of src:article "
            "(data/article.txt); copy the words exactly from it",
        )
    ]


# --- a symmetric fact is checked once -----------------------------------------------------------


def test_a_spouse_fact_is_checked_once_not_in_both_directions(root):
    body = """
claim:roe-doe { kgr:jane-roe schema:spouse kgr:john-doe . }
claim:roe-doe
    kgv:quote "She was a member of the Example Council" ;
    prov:wasDerivedFrom src:article , src:monthly-2014 ;
    prov:qualifiedDerivation
        [ prov:entity src:daily-2011 ; kgv:entryWords "Doe" ] .
"""
    assert sorted(findings_with(root, body)) == sorted(
        [
            (
                "data/zz.trig:9",
                'the entry words "Doe" are not in the reference-list entry of src:daily-2011; copy '
                "them verbatim from its kgv:citationText, or credit it with kgv:topicOnly true",
            ),
            (
                "data/zz.trig:9",
                'the quote does not name the object (kgr:john-doe: none of its names "John Doe"); '
                + FIX,
            ),
            (
                "data/zz.trig:9",
                "src:monthly-2014 is cited without a reason; write it as prov:qualifiedDerivation "
                '[ prov:entity src:monthly-2014 ; kgv:entryWords "..." ] or '
                "[ prov:entity src:monthly-2014 ; kgv:topicOnly true ]",
            ),
        ]
    )


# --- file:line for many findings ------------------------------------------------------------------


def test_locate_places_each_node_where_its_description_starts(root):
    loaded = load(find_tree(root))
    graph = loaded.graph
    credits = set(graph.subjects(RDF.type, PROV.Derivation))
    for node in sorted(set(graph.subjects()) - credits):
        where = loaded.locate(node)
        if where is None:
            continue
        path, line = where.rsplit(":", 1)
        anchor = graph.value(node, KGV.fromClaim) or node
        names = {f"<{anchor}>", graph.namespace_manager.curie(anchor, generate=False)}
        text = (root / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
        assert text.split()[0] in names, (node, where, text)
    # A credit is placed with its statement's claim.
    assert credits
    for credit in credits:
        statement = graph.value(None, PROV.qualifiedDerivation, credit)
        assert loaded.locate(credit) == loaded.locate(statement) == "data/claims.trig:18"
