"""The peer: a minimal rdflib script, parsing an N-Quads file and running one query.

Usage: python bench/floor_rdflib.py GRAPH.nq QUERY.rq

An rdflib Dataset parsed from the file (`kg export --format nq`), queried on its default graph
(kg's graph: the named graphs hold the same facts once more, per claim), the answer printed as
SPARQL JSON results. What a user of rdflib pays for one query, Python start-up included.
"""

import sys

from rdflib import Dataset

graph, query_file = sys.argv[1], sys.argv[2]
dataset = Dataset()
dataset.parse(graph, format="nquads")
with open(query_file, encoding="utf-8") as file:
    text = file.read()
sys.stdout.buffer.write(dataset.query(text).serialize(format="json"))
