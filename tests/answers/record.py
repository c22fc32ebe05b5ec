"""Record every saved query's answer on the shipped graph, as tests/answers/recorded.json.

Run once, before a change of engine (`python tests/answers/record.py`); tests/test_answers.py
compares every later answer with the recording. Terms are written in N-Triples (RDF 1.1: a
plain literal is an xsd:string), blank nodes as `_:` (their labels are the engine's own).
Rows keep the engine's order where the query orders them (ORDER BY), else they are sorted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent.parent

# Every saved query with its defaults, and more values for the ones with parameters.
CASES: list[tuple[str, dict[str, str]]] = [
    ("claims-by-source", {"source": "src:astanaplatform-com"}),
    ("entities-named", {"name": "Kassis"}),
    ("entities-named", {"name": "no such name at all"}),
    ("entity-card", {"entity": "kgr:randa-kassis"}),
    ("is-fact-sourced", {"predicate": "schema:knows"}),
    ("sources-published-in", {"year": "2017"}),
    ("timeline", {"from": "2015-01-01", "to": "2016-12-31"}),
    ("timeline", {"from": "2017-01-01"}),
]


def cases(tree) -> list[tuple[str, dict[str, str]]]:
    from kg import queries

    return [(q.name, {}) for q in queries.list_queries(tree)] + CASES


def term_text(term) -> str:
    """A term from an rdflib Result in N-Triples, RDF 1.1 style."""
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import XSD

    if term is None:
        return ""
    if isinstance(term, BNode):
        return "_:"
    if isinstance(term, URIRef):
        return f"<{term}>"
    assert isinstance(term, Literal)
    if term.datatype == XSD.string:
        term = Literal(str(term))
    return term.n3()


def record() -> dict:
    sys.path.insert(0, str(ROOT))
    from kg import queries
    from kg.load import find_tree
    from kg.store import open_store

    tree = find_tree(ROOT)
    store = open_store("memory", tree)
    recorded = {}
    for name, values in cases(tree):
        query = queries.get_query(tree, name)
        result = store.query(query, values)
        key = name + "".join(f" {k}={v}" for k, v in sorted(values.items()))
        if result.type == "ASK":
            recorded[key] = {"ask": bool(result.askAnswer)}
        elif result.type == "SELECT":
            rows = [[term_text(row[i]) for i in range(len(result.vars))] for row in result]
            ordered = "ORDER BY" in query.text.upper()
            recorded[key] = {
                "vars": [str(v) for v in result.vars],
                "ordered": ordered,
                "rows": rows if ordered else sorted(rows),
            }
        else:
            lines = sorted(" ".join(term_text(t) for t in triple) for triple in result.graph)
            recorded[key] = {"triples": lines}
    return recorded


if __name__ == "__main__":
    out = HERE / "recorded.json"
    out.write_text(json.dumps(record(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")
