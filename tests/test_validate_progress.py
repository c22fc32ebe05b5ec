"""`kg validate` tells its progress: the library calls back at each phase and SHACL shape, and the
CLI shows it on stderr only when asked or on a terminal, never touching stdout."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from pyshacl.shape import Shape
from pyshacl.shapes_graph import ShapesGraph
from rdflib import Graph
from rdflib.namespace import RDF, SH

from kg import cli as cli_module
from kg import validate as checks
from kg.cli import cli
from kg.load import load_ontology, load_shapes

SMALL_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix schema: <https://schema.org/> .
@prefix ex: <http://example.org/shapes#> .

ex:PersonHasEmail a sh:NodeShape ;
    sh:targetClass schema:Person ;
    sh:property [ sh:path schema:email ; sh:minCount 1 ; sh:message "no email" ] .

ex:KassisIsAnIri a sh:NodeShape ;
    sh:targetNode <https://kg.example.org/kassis/id/randa-kassis> ;
    sh:nodeKind sh:IRI .
"""


def shape_steps(steps):
    return [s for s in steps if s.phase == "shapes" and s.index]


def phases(steps):
    seen = []
    for step in steps:
        if not seen or seen[-1] != step.phase:
            seen.append(step.phase)
    return seen


def test_steps_come_in_phase_order_with_one_per_shape(shipped, shipped_report):
    steps = []
    report = checks.validate_tree(shipped, steps.append, full=True)
    assert phases(steps) == list(checks.PHASES)
    assert steps[:2] == [checks.Step("load"), checks.Step("shapes")]  # before pyshacl's first
    shapes_graph = load_shapes(shipped)
    total = len(ShapesGraph(shapes_graph).shapes)  # what pyshacl's Validator runs
    ticks = shape_steps(steps)
    assert [s.index for s in ticks] == list(range(1, total + 1))
    assert {s.total for s in ticks} == {total}
    named = [s.item for s in ticks if s.item != "[]"]
    node_shapes = {checks.show(s) for s in shapes_graph.subjects(RDF.type, SH.NodeShape)}
    assert sorted(named) == sorted(node_shapes)  # each named shape once
    assert "kgsh:StatementShape" in named
    assert report == shipped_report  # telling changes nothing


def test_one_step_per_shape_of_a_small_shapes_graph(loaded):
    shapes = Graph().parse(data=SMALL_SHAPES, format="turtle")
    quiet = checks.run_shacl(loaded, shapes)
    steps = []
    told = checks.run_shacl(loaded, shapes, steps.append)
    # two node shapes and the anonymous property shape
    assert [(s.index, s.total) for s in steps] == [(1, 3), (2, 3), (3, 3)]
    assert sorted(s.item for s in steps) == [
        "<http://example.org/shapes#KassisIsAnIri>",
        "<http://example.org/shapes#PersonHasEmail>",
        "[]",
    ]
    assert quiet and {f.message for f in quiet} == {"no email"}
    assert told == quiet


def test_a_changed_pyshacl_falls_back_to_the_phase_alone(monkeypatch, loaded, shipped):
    original = Shape.validate

    def validate(self, *args, **kwargs):  # not the signature the per-shape hook expects
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Shape, "validate", validate)
    steps = []
    report = checks.validate_loaded(
        loaded, load_shapes(shipped), load_ontology(shipped), steps.append
    )
    assert report.conforms
    assert steps == [checks.Step(phase) for phase in checks.PHASES[1:]]
    assert Shape.validate is validate


def test_the_hook_is_gone_after_a_run_even_a_failed_one(loaded, shipped):
    original = Shape.__dict__["validate"]
    shapes = load_shapes(shipped)
    with checks.shape_steps(lambda step: None) as telling:
        assert telling
        assert Shape.__dict__["validate"] is not original
    assert Shape.__dict__["validate"] is original

    def stop(step):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        checks.run_shacl(loaded, shapes, stop)
    assert Shape.__dict__["validate"] is original
    assert checks._counter.get() is None


def run(*args, **kwargs):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)


LINE = re.compile(r"validate: (.*) \((\d+\.\d) s\)")


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_progress_goes_to_stderr_and_leaves_stdout_alone(output_format, shipped):
    plain = run("validate", "--format", output_format)
    told = run("validate", "--format", output_format, "--progress", "--full")
    assert plain.exit_code == told.exit_code == 0
    assert plain.stderr == ""  # off a terminal, nothing by default
    assert told.stdout == plain.stdout
    lines = [LINE.fullmatch(line) for line in told.stderr.splitlines()]
    assert all(lines), told.stderr
    said = [m.group(1) for m in lines]
    total = len(ShapesGraph(load_shapes(shipped)).shapes)
    assert said[:2] == ["loading the graph", "running pyshacl with the shapes"]
    assert [re.sub(r" \S+$", "", s) for s in said[2 : 2 + total]] == [
        f"shape {i}/{total}" for i in range(1, total + 1)
    ]
    assert said[2 + total :] == [
        "checking the quotes against the evidence texts and the facts they state",
        "checking the reference lists and what each reference is credited for",
        "checking the vocabulary",
        "done",
    ]
    seconds = [float(m.group(2)) for m in lines]
    assert seconds == sorted(seconds)


def test_no_progress_and_the_default_write_nothing_off_a_terminal():
    for args in (["validate"], ["validate", "--no-progress"], ["validate", "--format", "json"]):
        result = run(*args)
        assert result.exit_code == 0
        assert result.stderr == ""


class FakeStream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("wanted", "tty", "mode"),
    [
        (None, True, "terminal"),
        (None, False, None),
        (True, True, "terminal"),
        (True, False, "lines"),
        (False, True, None),
        (False, False, None),
    ],
)
def test_progress_mode(monkeypatch, wanted, tty, mode):
    monkeypatch.setattr(cli_module.sys, "stderr", FakeStream(tty))
    assert cli_module.progress_mode(wanted) == mode


def forced_terminal(monkeypatch):
    """As if stderr were a terminal (CliRunner's never is)."""
    monkeypatch.setattr(
        cli_module, "progress_mode", lambda wanted=None: "terminal" if wanted is not False else None
    )


def test_on_a_terminal_one_line_is_redrawn_then_cleared(monkeypatch):
    plain = run("validate")
    forced_terminal(monkeypatch)
    told = run("validate", "--full", color=True)
    assert told.stdout == plain.stdout
    assert "\n" not in told.stderr
    assert told.stderr.startswith("\rvalidate: loading the graph (")
    assert told.stderr.endswith("\x1b[K\r\x1b[K")  # nothing left on the line for the report
    assert "\rvalidate: shape 1/" in told.stderr
    assert run("validate", "--no-progress", color=True).stderr == ""


def test_on_a_terminal_an_error_starts_its_own_line(monkeypatch, tree_copy):
    (tree_copy / "data" / "zz-broken.trig").write_text(
        "@prefix kgr: <https://kg.example.org/kassis/id/> .\nkgr:x kgr:y \n"
    )
    forced_terminal(monkeypatch)
    result = CliRunner().invoke(cli, ["--root", str(tree_copy), "validate"], color=True)
    assert result.exit_code == 2
    assert result.stdout == ""
    drawn, error = result.stderr.rsplit("\r\x1b[K", 1)
    assert "\rvalidate: loading the graph (" in drawn
    assert error.startswith("Error: data/zz-broken.trig:")
    assert error.count("\n") == 1


def test_every_step_is_named_in_the_cli():
    assert set(cli_module.STEP_NAMES) == {
        *checks.PHASES,
        checks.REMEMBERED,
        checks.INCREMENTAL,
        checks.EVERYTHING,
    }
