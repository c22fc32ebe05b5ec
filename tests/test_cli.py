"""The `kg` command as users call it: exit codes, output and one-line errors."""

from __future__ import annotations

import json

from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import SH

from kg.cli import cli


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_validate_conforms_and_prints_counts(shipped_report):
    result = run("validate")
    assert result.exit_code == 0, result.output
    counts = shipped_report.counts
    assert result.output == (
        "Conforms. The graph holds "
        + ", ".join(f"{n:,} {name}" for name, n in counts.items())
        + ".\n"
    )
    for word in ("triples", "facts", "sources", "statements", "quotes"):
        assert f" {word}" in result.output


def test_validate_json(shipped_report):
    result = run("validate", "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["conforms"] is True
    assert report["results"] == []
    assert report["counts"] == shipped_report.counts


def test_validate_turtle_is_a_shacl_report():
    result = run("validate", "--format", "turtle")
    assert result.exit_code == 0
    graph = Graph().parse(data=result.output, format="turtle")
    assert [c.toPython() for c in graph.objects(None, SH.conforms)] == [True]


def test_violations_exit_1_with_file_and_line(tree_copy):
    bad = tree_copy / "data" / "zz-bad.trig"
    bad.write_text(
        "@prefix kgr: <https://kg.example.org/kassis/id/> .\n"
        "@prefix schema: <https://schema.org/> .\n"
        "\n"
        "kgr:randa-kassis schema:birthPlace kgr:paris .\n"
    )
    result = run("--root", str(tree_copy), "validate")
    assert result.exit_code == 1
    assert "data/zz-bad.trig:4: kgr:randa-kassis schema:birthPlace" in result.output or (
        "kgr:randa-kassis schema:birthPlace" in result.output
    )
    assert "This fact has no sourced statement" in result.output
    assert result.output.rstrip().splitlines()[-1].startswith("Does not conform: 1 violation.")


def test_malformed_trig_gives_file_line_and_exit_2(tree_copy):
    (tree_copy / "data" / "zz-broken.trig").write_text(
        "@prefix kgr: <https://kg.example.org/kassis/id/> .\n"
        "@prefix schema: <https://schema.org/> .\n"
        "kgr:x a schema:Person ;\n"
        '    schema:name "unterminated\n'
    )
    result = CliRunner().invoke(cli, ["--root", str(tree_copy), "validate"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: data/zz-broken.trig:4: ")
    assert "Traceback" not in result.output


def test_unknown_prefix_gives_file_line(tree_copy):
    (tree_copy / "data" / "zz-prefix.trig").write_text(
        "@prefix kgr: <https://kg.example.org/kassis/id/> .\n\nkgr:x schema2:name kgr:y .\n"
    )
    result = CliRunner().invoke(cli, ["--root", str(tree_copy), "validate"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: data/zz-prefix.trig:3: ")
    assert "schema2" in result.output


def test_missing_root_is_one_line_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["--root", str(tmp_path / "nowhere"), "validate"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "is not a directory" in result.output and "--root" in result.output


def test_root_without_data_folder(tmp_path):
    (tmp_path / "ontology").mkdir()
    result = CliRunner().invoke(cli, ["--root", str(tmp_path), "validate"])
    assert result.exit_code == 2
    assert "has no data/ folder" in result.output


def test_kg_root_environment_variable(tmp_path):
    result = CliRunner().invoke(cli, ["validate"], env={"KG_ROOT": str(tmp_path / "none")})
    assert result.exit_code == 2
    assert result.output.startswith("Error: $KG_ROOT: ")


def test_unknown_format_is_a_usage_error():
    result = CliRunner().invoke(cli, ["validate", "--format", "xml"])
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.output


def test_help_teaches():
    result = run("validate", "-h")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "kg validate --format json" in result.output
    top = run("--help")
    assert "Exit codes: 0 success, 1 violations found, 2 usage or load error." in top.output
