"""The floor: a minimal pyoxigraph script, loading an N-Quads file and running one query.

Usage: python bench/floor_pyoxigraph.py GRAPH.nq QUERY.rq

An in-memory Store, bulk-loaded from the file (`kg export --format nq`), queried on its default
graph (kg's graph: the named graphs hold the same facts once more, per claim), the answer printed
as SPARQL JSON results. What a user of pyoxigraph pays for one query, Python start-up included.
"""

import sys

from pyoxigraph import QueryResultsFormat, RdfFormat, Store

graph, query_file = sys.argv[1], sys.argv[2]
store = Store()
store.bulk_load(path=graph, format=RdfFormat.N_QUADS)
with open(query_file, encoding="utf-8") as file:
    text = file.read()
sys.stdout.buffer.write(store.query(text).serialize(format=QueryResultsFormat.JSON))
