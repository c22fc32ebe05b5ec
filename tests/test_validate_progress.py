"""Validation tells its progress: the library calls back at each phase and SHACL shape."""

from __future__ import annotations

import pytest
from pyshacl.shape import Shape
from pyshacl.shapes_graph import ShapesGraph
from rdflib import Graph
from rdflib.namespace import RDF, SH

from kg import validate as checks
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
    report = checks.validate_tree(shipped, steps.append)
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
