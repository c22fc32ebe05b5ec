"""The peer: a minimal hand-written rdflib script that parses the same files and runs one query.

Usage: python plain_rdflib.py ROOT QUERY.rq
"""

import sys
from pathlib import Path

from rdflib import Dataset

root, query_file = Path(sys.argv[1]), Path(sys.argv[2])
dataset = Dataset(default_union=True)
for path in sorted((root / "data").glob("*.trig")) + sorted((root / "data").glob("*.ttl")):
    dataset.parse(path, format="trig")
result = dataset.query(query_file.read_text(encoding="utf-8"))
for row in result:
    print("\t".join("" if term is None else term.n3() for term in row))
