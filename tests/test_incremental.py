"""After an edit, `kg validate` checks only what the edit can reach (kg.incremental), and its
report is the one a full run gives: every edit below is validated both ways and compared, in
text and JSON, file:line included; the run must really have been incremental (or, for what it
cannot bound, say why it ran everything)."""

from __future__ import annotations

import shutil

import pytest

from kg import validate as checks
from kg.incremental import snapshot_name
from kg.tree import find_tree
from tests.conftest import copy_tree

ASTANA = "data/astana-platform.trig"
PEOPLE = "data/people.trig"
BOOKS = "data/books.trig"
SOURCES = "data/sources.ttl"

# (file, old text, new text): each breaks, fixes or changes something a check reads.
EDITS = {
    "a quote no longer verbatim": (
        ASTANA,
        '"Randa Kassis initiated the Astana platform"',
        '"Randa Kassis invented the Astana platform"',
    ),
    "a quote changed to other words of the text": (
        ASTANA,
        'kgv:quote "Randa Kassis initiated the Astana platform" ;',
        'kgv:quote "Randa Kassis initiated the Astana platform in 2015" ;',
    ),
    "a claim removed": (
        ASTANA,
        "claim:astana-platform-founding-date {\n"
        '    kgr:astana-platform schema:foundingDate "2015"^^xsd:gYear .\n}\n'
        "claim:astana-platform-founding-date\n"
        '    kgv:quote "initiated the Astana platform in 2015" ;\n'
        "    prov:wasDerivedFrom src:wikipedia-randa-kassis ;\n"
        "    prov:qualifiedDerivation\n"
        "        [ prov:entity src:diplomat-2015-05-29-opposition-kazakhstan ; "
        "kgv:topicOnly true ] .\n",
        "",
    ),
    "a claim added": (
        PEOPLE,
        "# People named in the evidence text\n",
        "# People named in the evidence text\n"
        "claim:baussart-moderated-round-2 {\n"
        "    kgr:astana-platform-round-2 kgv:moderator kgr:fabien-baussart .\n}\n"
        "claim:baussart-moderated-round-2\n"
        '    kgv:quote "The second round was moderated by Fabien Baussart, President" ;\n'
        "    prov:wasDerivedFrom src:wikipedia-randa-kassis .\n",
    ),
    "a name the quotes use changed": (
        PEOPLE,
        'schema:name "Sergey Lavrov"@en .',
        'schema:name "Sergei Lavrov"@en .',
    ),
    "a name removed": (PEOPLE, 'schema:name "Baghdad Amreyev"@en .', 'rdfs:comment "x" .'),
    "a type removed": (
        PEOPLE,
        "kgr:alexandre-del-valle a schema:Person ;",
        "kgr:alexandre-del-valle",
    ),
    "an ISBN check digit wrong": (BOOKS, '"9781492880608"', '"9781492880609"'),
    "entry words not in the entry": (
        BOOKS,
        'kgv:entryWords "France: L\'artilleur"',
        'kgv:entryWords "France: L\'Artilleur"',
    ),
    "a source published after what it is credited for": (
        SOURCES,
        'schema:datePublished "2015-05-29"^^xsd:date ;',
        'schema:datePublished "2014-05-29"^^xsd:date ;',
    ),
    "an undeclared kgv: term": (
        PEOPLE,
        'schema:name "Sergey Lavrov"@en .',
        'schema:name "Sergey Lavrov"@en ; kgv:nickname "Sergey"@en .',
    ),
    "an unsourced fact": (
        SOURCES,
        "src:diplomat-2015-05-29-opposition-kazakhstan a kgv:SourceRecord",
        "kgr:randa-kassis schema:knows kgr:fabien-baussart .\n"
        "src:diplomat-2015-05-29-opposition-kazakhstan a kgv:SourceRecord",
    ),
    "lines moved down in a file": (
        ASTANA,
        "# Founding of the platform (2015)",
        "\n\n\n# Founding of the platform (2015)",
    ),
}

# What kg.incremental cannot bound: the run says why and checks everything.
UNBOUNDED = {
    "a reference-list entry changed": (
        SOURCES,
        '"Why Was Syria\'s Opposition in Kazakhstan?". The diplomat."""',
        '"Why Was Syria\'s Opposition in Kazakhstan?". The Diplomat."""',
        "reference list changed",
    ),
}


def edit(root, name, old, new):
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def validated(root, full=False):
    steps = []
    report = checks.validate_tree(find_tree(root), steps.append, full=full)
    return report, steps


def shown(report) -> tuple[str, str]:
    return checks.format_text(report), report.to_json()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """The shipped tree, validated once, and the cache that run left (its snapshot)."""
    folder = tmp_path_factory.mktemp("pristine")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KG_CACHE_DIR", str(folder / "cache"))
        validated(copy_tree(folder / "tree"))
    return folder


@pytest.fixture
def tree(tmp_path, pristine, monkeypatch):
    """A copy of the pristine tree and its cache: the run an edit starts from."""
    root = tmp_path / "tree"
    shutil.copytree(pristine / "tree", root)
    shutil.copytree(pristine / "cache", tmp_path / "cache")
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    # the snapshot is the last run's of a tree where it is: this copy is that tree
    (tmp_path / "cache" / snapshot_name(find_tree(pristine / "tree"))).rename(
        tmp_path / "cache" / snapshot_name(find_tree(root))
    )
    return root


def incremental(root):
    report, steps = validated(root)
    phases = [s.phase for s in steps]
    assert phases[0] == checks.INCREMENTAL, [(s.phase, s.item) for s in steps]
    assert checks.EVERYTHING not in phases
    return report


# The edits that leave the tree conforming; every other one breaks something.
CONFORMING = {
    "a quote changed to other words of the text",
    "a claim removed",
    "a claim added",
    "lines moved down in a file",
}


@pytest.mark.parametrize("case", sorted(EDITS))
def test_an_edit_gets_the_full_runs_report(tree, case):
    edit(tree, *EDITS[case])
    fast = incremental(tree)
    full, _ = validated(tree, full=True)
    assert shown(fast) == shown(full)
    assert fast.counts == full.counts
    assert full.conforms == (case in CONFORMING)


def test_edit_break_fix_in_a_row_each_step_as_a_full_run(tree):
    """Each run starts from the one before (an incremental run leaves a snapshot too)."""
    steps = [
        EDITS["a quote no longer verbatim"],
        EDITS["an ISBN check digit wrong"],
        EDITS["lines moved down in a file"],
        (
            ASTANA,
            '"Randa Kassis invented the Astana platform"',
            '"Randa Kassis initiated the Astana platform"',
        ),
        (BOOKS, '"9781492880609"', '"9781492880608"'),
        EDITS["a claim added"],
    ]
    for step in steps:
        edit(tree, *step)
        fast = incremental(tree)
        assert shown(fast) == shown(validated(tree, full=True)[0])
    assert fast.conforms


@pytest.mark.parametrize("case", sorted(UNBOUNDED))
def test_what_it_cannot_bound_runs_everything_and_says_why(tree, case):
    name, old, new, why = UNBOUNDED[case]
    edit(tree, name, old, new)
    report, steps = validated(tree)
    said = [s.item for s in steps if s.phase == checks.EVERYTHING]
    assert len(said) == 1 and why in said[0]
    assert shown(report) == shown(validated(tree, full=True)[0])


def test_an_evidence_text_edit_runs_everything(tree):
    edit(tree, "data/randa-kassis.wikipedia.txt", "close friend", "good friend")
    report, steps = validated(tree)
    said = [s.item for s in steps if s.phase == checks.EVERYTHING]
    assert said == ["data/randa-kassis.wikipedia.txt changed (not a .trig or .ttl file)"]
    assert not report.conforms


def test_a_file_that_does_not_parse_fails_as_in_a_full_run(tree):
    from click.testing import CliRunner

    from kg.cli import cli

    edit(tree, ASTANA, 'kgv:quote "Randa Kassis initiated', 'kgv:quote "Randa Kassis\ninitiated')
    results = [
        CliRunner().invoke(cli, ["--root", str(tree), "validate", *full])
        for full in ([], ["--full"])
    ]
    assert [r.exit_code for r in results] == [2, 2]
    assert results[0].stderr == results[1].stderr
    assert results[0].stderr.startswith("Error: data/astana-platform.trig:")


def test_a_shape_it_cannot_bound_runs_everything_and_says_why(tree):
    shapes = tree / "ontology" / "shapes.ttl"
    shapes.write_text(
        shapes.read_text(encoding="utf-8")
        + "\nkgsh:ReachShape a sh:NodeShape ; sh:targetClass schema:Person ;\n"
        "    sh:property [ sh:path [ sh:zeroOrMorePath schema:knows ] ;"
        " sh:class schema:Person ] .\n",
        encoding="utf-8",
    )
    _, steps = validated(tree)
    assert [s.item for s in steps if s.phase == checks.EVERYTHING] == [
        "ontology/, kg's code or a library changed"
    ]
    edit(tree, *EDITS["a quote no longer verbatim"])
    report, steps = validated(tree)
    (why,) = [s.item for s in steps if s.phase == checks.EVERYTHING]
    assert "repetition" in why
    assert shown(report) == shown(validated(tree, full=True)[0])


def test_a_shape_of_sparql_constraints_without_targets_finds_no_focus_node(shipped):
    from rdflib import Graph
    from rdflib.namespace import SH

    from kg.load import load, load_shapes

    shapes = load_shapes(shipped)
    untargeted = Graph()
    untargeted += shapes
    for predicate in (SH.targetClass, SH.targetSubjectsOf, SH.target):
        untargeted.remove((None, predicate, None))
    narrowed = checks.with_focus_nodes_found(load(shipped).graph, untargeted)
    assert (None, SH.targetNode, None) not in narrowed
