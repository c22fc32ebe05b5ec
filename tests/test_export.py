"""`kg export`: every format reads back as the same graph, the same bytes on every run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from pyld import jsonld
from rdflib import Dataset, Graph, Literal
from rdflib.compare import graph_diff, isomorphic
from rdflib.namespace import XSD

import kg.export
import kg.files
from kg.cli import cli
from kg.export import FORMATS, NETWORK, ExportError, export
from kg.files import OutputError, write_atomically
from kg.load import load
from kg.tree import find_tree

REPO = Path(__file__).resolve().parent.parent
TRIPLE_FORMATS = [name for name, spec in FORMATS.items() if not spec.quads]
QUAD_FORMATS = [name for name, spec in FORMATS.items() if spec.quads]
PARSE_AS = {"turtle": "turtle", "json-ld": "json-ld", "nt": "nt", "xml": "xml"}
PARSE_QUADS_AS = {"nq": "nquads", "trig": "trig"}


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def assert_same_graph(expected: Graph, actual: Graph, what: str) -> None:
    if isomorphic(expected, actual):
        return
    _, only_expected, only_actual = graph_diff(expected, actual)
    pytest.fail(
        f"{what} is not the loaded graph.\n"
        f"missing ({len(only_expected)}):\n{only_expected.serialize(format='nt')}\n"
        f"extra ({len(only_actual)}):\n{only_actual.serialize(format='nt')}"
    )


def claim_graphs(loaded) -> dict:
    return {g.identifier: g for g in loaded.claims.graphs() if len(g)}


# --- every format is the loaded graph -----------------------------------------------------------


def test_formats_table():
    assert list(FORMATS) == ["turtle", "json-ld", "nt", "nq", "trig", "xml"]
    assert {name: spec.media_type for name, spec in FORMATS.items()} == {
        "turtle": "text/turtle",
        "json-ld": "application/ld+json",
        "nt": "application/n-triples",
        "nq": "application/n-quads",
        "trig": "application/trig",
        "xml": "application/rdf+xml",
    }
    assert QUAD_FORMATS == ["nq", "trig"]


@pytest.mark.parametrize("fmt", TRIPLE_FORMATS)
def test_triple_format_parses_back_to_the_loaded_graph(loaded, fmt):
    data = export(loaded, fmt)
    parsed = Graph().parse(data=data, format=PARSE_AS[fmt])
    assert len(parsed) == len(loaded.graph)
    assert_same_graph(loaded.graph, parsed, f"{fmt} export")


@pytest.mark.parametrize("fmt", QUAD_FORMATS)
def test_quad_format_keeps_default_graph_and_every_claim_graph(loaded, fmt):
    dataset = Dataset().parse(data=export(loaded, fmt), format=PARSE_QUADS_AS[fmt])
    assert_same_graph(loaded.graph, dataset.default_graph, f"{fmt} default graph")
    expected = claim_graphs(loaded)
    named = {g.identifier: g for g in dataset.graphs() if len(g)}
    named.pop(dataset.default_graph.identifier)
    assert sorted(named) == sorted(expected)
    assert len(named) == len(loaded.claim_names) > 80
    for name, claim in expected.items():
        assert_same_graph(claim, named[name], f"{fmt} graph {name}")


# --- same bytes under any hash seed -------------------------------------------------------------


def cli_export_under_seeds(args: list[str], cwd: Path, seeds=("0", "1", "2")) -> dict[str, bytes]:
    """Run `kg export ARGS` in fresh interpreters, one per PYTHONHASHSEED, side by side."""
    env = {k: v for k, v in os.environ.items() if k != "KG_ROOT"}
    processes = {
        seed: subprocess.Popen(
            [sys.executable, "-c", "from kg.cli import main; main()", *args],
            cwd=cwd,
            env={**env, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for seed in seeds
    }
    outputs = {}
    for seed, process in processes.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
        outputs[seed] = out
    return outputs


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_same_bytes_under_any_hash_seed(loaded, tmp_path, fmt):
    outputs = cli_export_under_seeds(["--root", str(REPO), "export", "--format", fmt], tmp_path)
    assert outputs["0"] == outputs["1"] == outputs["2"]
    assert outputs["0"] == export(loaded, fmt)  # the CLI prints exactly what the library makes


ODD_TREE_FILE = """\
@prefix schema: <https://schema.org/> .
@prefix src: <https://kg.example.org/kassis/source/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

src:wikipedia-randa-kassis
    schema:publisher [ schema:name "Wikimedia"@en ;
                       schema:address [ schema:addressLocality "San Francisco"@en ] ] ;
    schema:sponsor [ schema:name "Anonymous"@en ] ;
    schema:ratingValue "1.5E0"^^xsd:double , "2.50"^^xsd:decimal ;
    schema:version "7"^^xsd:string , "abc"^^xsd:integer , 12 , true .
"""


@pytest.fixture
def odd_tree(tree_copy) -> Path:
    """The shipped tree plus blank nodes (allowed outside claims) and literals JSON mangles."""
    (tree_copy / "data" / "zz-odd.ttl").write_text(ODD_TREE_FILE, encoding="utf-8")
    return tree_copy


def test_blank_nodes_get_stable_labels(odd_tree, tmp_path):
    script = (
        "import hashlib, sys\n"
        "from kg.export import FORMATS, export\n"
        "from kg.load import load\nfrom kg.tree import find_tree\n"
        "loaded = load(find_tree(sys.argv[1]))\n"
        "for fmt in FORMATS:\n"
        "    print(fmt, hashlib.sha256(export(loaded, fmt)).hexdigest())\n"
    )
    outputs = {}
    for seed in ("0", "1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", script, str(odd_tree)],
            cwd=tmp_path,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=True,
        )
        outputs[seed] = done.stdout
    assert outputs["0"] == outputs["1"] == outputs["2"]
    assert len(outputs["0"].splitlines()) == len(FORMATS)


@pytest.mark.parametrize("fmt", TRIPLE_FORMATS)
def test_blank_nodes_and_typed_literals_survive(odd_tree, fmt):
    loaded = load(find_tree(odd_tree))
    parsed = Graph().parse(data=export(loaded, fmt), format=PARSE_AS[fmt])
    assert_same_graph(loaded.graph, parsed, f"{fmt} export with blank nodes")


def test_jsonld_describes_blank_nodes_behind_id_terms(odd_tree, no_fetching):
    loaded = load(find_tree(odd_tree))
    document = json.loads(export(loaded, "json-ld"))
    wikipedia = next(n for n in document["@graph"] if n["@id"] == "src:wikipedia-randa-kassis")
    publishers = wikipedia["publisher"]  # one value (a string) or several (a list)
    blank = [
        p for p in ([publishers] if isinstance(publishers, str) else publishers) if p[:2] == "_:"
    ]
    assert len(blank) == 1  # `publisher` is an @id term: the node is referenced by its label...
    publisher = next(n for n in document["@graph"] if n["@id"] == blank[0])
    assert publisher["name"] == {"@language": "en", "@value": "Wikimedia"}  # ...and described
    assert 12 in wikipedia["version"] and True in wikipedia["version"]
    assert {"@type": "xsd:string", "@value": "7"} in wikipedia["version"]
    assert {"@type": "xsd:integer", "@value": "abc"} in wikipedia["version"]
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    parsed = Graph().parse(data=nquads, format="nquads")
    # RDF 1.1: "7"^^xsd:string and "7" are one term; pyld writes the short form, rdflib keeps
    # them apart, so compare with xsd:string spelt out on both sides.
    assert_same_graph(
        explicit_strings(loaded.graph), explicit_strings(parsed), "pyld's reading of the JSON-LD"
    )


def explicit_strings(graph: Graph) -> Graph:
    def spell(term):
        plain = isinstance(term, Literal) and term.datatype is None and term.language is None
        return Literal(str(term), datatype=XSD.string) if plain else term

    result = Graph()
    for s, p, o in graph:
        result.add((s, p, spell(o)))
    return result


def test_ntriples_and_nquads_lines_are_sorted(loaded):
    for fmt in ("nt", "nq"):
        lines = export(loaded, fmt).decode().splitlines()
        assert lines == sorted(lines)
        assert all(line.endswith(" .") for line in lines)


# --- JSON-LD ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def document(loaded) -> dict:
    return json.loads(export(loaded, "json-ld"))


def test_jsonld_embeds_the_context_object_inline(document, shipped):
    context_file = json.loads((shipped.ontology_dir / "context.jsonld").read_text())
    assert document["@context"] == context_file["@context"]
    assert isinstance(document["@context"], dict)  # never a URL to fetch


def test_jsonld_reads_with_short_keys(document):
    keys = {key for node in document["@graph"] for key in node}
    assert {"name", "author", "datePublished", "wasDerivedFrom", "quote"} <= keys
    assert not any(key.startswith("http") for key in keys)
    kassis = next(n for n in document["@graph"] if n["@id"] == "kgr:randa-kassis")
    assert kassis["@type"] == "Person"
    assert kassis["spouse"] == "kgr:fabien-baussart"
    assert kassis["nationality"] == ["kgr:france", "kgr:syria"]


def test_jsonld_graph_and_arrays_are_sorted(document):
    ids = [node["@id"] for node in document["@graph"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids))

    def check(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key != "@list":
                    check(item)
        elif isinstance(value, list):
            dumped = [json.dumps(v, sort_keys=True, ensure_ascii=False) for v in value]
            assert dumped == sorted(dumped)
            for v in value:
                check(v)

    check(document["@graph"])
    assert any(isinstance(v, list) for node in document["@graph"] for v in node.values())


def test_jsonld_text_is_sorted_pretty_utf8(loaded, document):
    text = export(loaded, "json-ld").decode("utf-8")
    assert text == json.dumps(document, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    assert "رندة قسيس" in text  # not \u-escaped


@pytest.fixture
def no_fetching():
    """Make pyld fail loudly if it tries to load any document."""
    calls = []

    def refuse(url, options=None):
        calls.append(url)
        raise RuntimeError(f"pyld tried to fetch {url}")

    previous = jsonld.get_document_loader()
    jsonld.set_document_loader(refuse)
    yield calls
    jsonld.set_document_loader(previous)


def test_pyld_expands_the_export_without_fetching(loaded, document, no_fetching):
    # the guard works: a remote context would fail
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand({"@context": "https://example.org/context.jsonld", "name": "x"})
    no_fetching.clear()

    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    assert no_fetching == []
    parsed = Graph().parse(data=nquads, format="nquads")
    assert len(parsed) == len(loaded.graph)
    assert_same_graph(loaded.graph, parsed, "pyld's reading of the JSON-LD export")


MODES = ["json-ld-1.0", "json-ld-1.1"]


def pyld_graph(document: dict, mode: str) -> Graph:
    """The graph a JSON-LD processor of that version reads from the document."""
    nquads = jsonld.to_rdf(document, {"processingMode": mode, "format": "application/n-quads"})
    return Graph().parse(data=nquads, format="nquads")


@pytest.mark.parametrize("mode", MODES)
def test_jsonld_export_reads_in_json_ld_1_0_and_1_1(loaded, document, no_fetching, mode):
    """The context uses nothing of JSON-LD 1.1, so it says no "@version": 1.0 processors,
    which refuse a document that does, read it too."""
    assert "@version" not in document["@context"]
    assert_same_graph(loaded.graph, pyld_graph(document, mode), f"a {mode} reading of the export")
    assert no_fetching == []


@pytest.mark.parametrize(
    ("context", "features"),
    [
        ({"@vocab": "https://schema.org/", "kgr": "https://kg.example.org/kassis/id/"}, []),
        ({"knows": {"@id": "schema:knows", "@type": "@id"}}, []),
        ({"kind": {"@id": "kgv:kind", "@type": "@vocab"}}, []),
        ({"names": {"@id": "schema:name", "@container": "@language"}}, []),
        ({"@protected": True}, ["@protected"]),
        ({"@propagate": False, "@direction": "rtl"}, ["@propagate", "@direction"]),
        ({"@type": {"@container": "@set"}}, ["@type"]),
        ({"knows": {"@id": "schema:knows", "@protected": True}}, ["knows: @protected"]),
        ({"kgr": {"@id": "https://kg.example.org/kassis/id/", "@prefix": True}}, ["kgr: @prefix"]),
        ({"knows": {"@id": "schema:knows", "@context": {}}}, ["knows: @context"]),
        ({"place": {"@id": "schema:location", "@nest": "@nest"}}, ["place: @nest"]),
        ({"by": {"@id": "schema:author", "@container": "@graph"}}, ['by: @container "@graph"']),
        (
            {"by": {"@id": "schema:author", "@container": ["@set", "@index"]}},
            ['by: @container ["@set", "@index"]'],
        ),
        ({"data": {"@id": "kgv:data", "@type": "@json"}}, ["data: @type @json"]),
    ],
)
def test_jsonld_11_features_are_found(context, features):
    assert kg.export.jsonld_11_features(context) == features


def test_jsonld_says_version_1_1_only_for_a_1_1_context(tree_copy, no_fetching):
    path = tree_copy / "ontology" / "context.jsonld"
    context = json.loads(path.read_text())["@context"]
    path.write_text(json.dumps({"@context": {"@version": 1.1, **context}}))
    said = json.loads(run("--root", str(tree_copy), "export", "--format", "json-ld").stdout)
    assert said["@context"] == context  # the file's "@version" is dropped: nothing needs it

    context["knows"] = {"@id": "schema:knows", "@type": "@id", "@protected": True}
    path.write_text(json.dumps({"@context": context}))
    document = json.loads(run("--root", str(tree_copy), "export", "--format", "json-ld").stdout)
    assert document["@context"] == {"@version": 1.1, **context}
    loaded = load(find_tree(tree_copy))
    assert_same_graph(loaded.graph, pyld_graph(document, "json-ld-1.1"), "a 1.1 reading")
    with pytest.raises(jsonld.JsonLdError):  # refused, rather than read without @protected
        pyld_graph(document, "json-ld-1.0")
    assert no_fetching == []


DESCRIBE_KASSIS = "DESCRIBE%20%3Chttps://kg.example.org/kassis/id/randa-kassis%3E"


@pytest.mark.parametrize(
    "url",
    [
        "/id/randa-kassis?format={}",  # pages: rdflib's writer
        "/source/wikipedia-randa-kassis?format={}",
        "/sparql?query=" + DESCRIBE_KASSIS,  # query answers: Oxigraph's writer, by Accept
        "/sparql",  # the service description
    ],
)
def test_the_servers_jsonld_reads_in_1_0_and_1_1_as_its_turtle(url, no_fetching):
    from starlette.testclient import TestClient

    from kg.web.app import create_app

    def fetch(fmt: str, media: str) -> str:
        response = client.get(url.format(fmt), headers={"Accept": media})
        assert response.status_code == 200, response.text[:500]
        assert response.headers["content-type"].split(";")[0] == media
        return response.text

    with TestClient(create_app(find_tree(REPO))) as client:
        turtle = Graph().parse(data=fetch("turtle", "text/turtle"), format="turtle")
        document = json.loads(fetch("json-ld", "application/ld+json"))
    assert "@version" not in json.dumps(document)
    assert len(turtle) > 0
    for mode in MODES:
        assert_same_graph(turtle, pyld_graph(document, mode), f"a {mode} reading of {url}")
    assert no_fetching == []


def test_jsonld_without_a_context_file_is_a_kg_error(tree_copy):
    (tree_copy / "ontology" / "context.jsonld").unlink()
    result = run("--root", str(tree_copy), "export", "--format", "json-ld")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: ontology/context.jsonld: no JSON-LD context; a kg tree needs it to export JSON-LD\n"
    )


def test_jsonld_with_a_context_url_is_refused(tree_copy):
    (tree_copy / "ontology" / "context.jsonld").write_text(
        '{"@context": "https://schema.org/"}', encoding="utf-8"
    )
    result = run("--root", str(tree_copy), "export", "--format", "json-ld")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "URLs are not fetched" in result.stderr


# --- the command ----------------------------------------------------------------------------------


def test_default_is_turtle_on_stdout(loaded):
    result = run("export")
    assert result.exit_code == 0
    assert result.stdout_bytes == export(loaded, "turtle")
    assert result.stdout_bytes.startswith(b"PREFIX ")
    assert result.stderr == ""


def test_format_option_is_a_choice_of_the_formats():
    option = next(p for p in cli.commands["export"].params if p.name == "output_format")
    assert isinstance(option.type, click.Choice)
    assert list(option.type.choices) == [*FORMATS, *NETWORK]  # RDF, then the network formats


def test_unknown_format_exits_2():
    result = run("export", "--format", "yaml")
    assert result.exit_code == 2
    assert "Invalid value for '--format': 'yaml' is not one of" in result.stderr
    assert result.stdout == ""


def test_unknown_format_in_the_library_is_a_kg_error(loaded):
    with pytest.raises(ExportError, match="unknown export format 'yaml'; choose one of turtle"):
        export(loaded, "yaml")


@pytest.mark.parametrize("fmt", ["turtle", "trig"])
def test_output_writes_the_file_and_nothing_else(loaded, tmp_path, fmt):
    target = tmp_path / f"kassis{FORMATS[fmt].suffix}"
    target.write_text("old contents")  # overwritten whole
    result = run("export", "--format", fmt, "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert target.read_bytes() == export(loaded, fmt)
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]
    triples = len(loaded.graph)
    if fmt == "turtle":
        assert result.stderr == f"wrote {triples:,} triples to {target}\n"
    else:
        claims = claim_graphs(loaded)
        quads = triples + sum(len(g) for g in claims.values())
        assert result.stderr == (
            f"wrote {quads:,} quads ({triples:,} in the default graph, {len(claims)} claims) "
            f"to {target}\n"
        )


def test_output_in_a_missing_folder_exits_2_with_one_line(tmp_path):
    target = tmp_path / "missing" / "kassis.ttl"
    result = run("export", "--output", str(target))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {target}: folder '{target.parent}' does not exist; "
        "create it first or write elsewhere\n"
    )
    assert result.stdout == ""
    assert not target.parent.exists()
    assert list(tmp_path.iterdir()) == []


def test_output_onto_a_folder_exits_2(tmp_path):
    result = run("export", "--output", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path}: is a folder; give a file name to write to\n"
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "kassis.ttl"
    target.write_bytes(b"old")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kg.files.os, "replace", fail)
    with pytest.raises(OutputError, match=r"cannot write there \(No space left on device\)"):
        write_atomically(target, b"new contents")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kassis.ttl"]


def test_interrupted_write_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "kassis.ttl"

    def interrupt(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(kg.files.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, b"new contents")
    assert list(tmp_path.iterdir()) == []


def test_written_file_follows_the_umask(tmp_path):
    target = tmp_path / "kassis.nt"
    previous = os.umask(0o022)
    try:
        write_atomically(target, b"x")
    finally:
        os.umask(previous)
    assert target.stat().st_mode & 0o777 == 0o644
