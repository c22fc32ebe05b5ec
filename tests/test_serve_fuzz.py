"""Schemathesis fuzzes the saved-query API from the OpenAPI document the server itself serves.

Every operation in /api/openapi.json gets generated parameters, valid ones (positive) and
invalid ones (negative); the server must never answer 5xx, and its answers must match the
document (status codes, content types, the Error schema, valid data accepted and invalid data
rejected). Loopback only: the session's `server` subprocess.

Schemathesis' own pytest loader (`schemathesis.pytest.from_fixture`) does not run under
pytest 9, so each operation is a parametrised test that draws cases with `as_strategy`.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from kg import queries
from kg.tree import find_tree
from tests.conftest import REPO

SAVED = queries.list_queries(find_tree(REPO))
OPERATIONS = [f"/api/{query.name}" for query in SAVED]
# Every operation gets valid parameters; those that take parameters get invalid ones too
# (with nothing to get wrong, there is no invalid request to generate).
CASES = [(f"/api/{q.name}", GenerationMode.POSITIVE) for q in SAVED] + [
    (f"/api/{q.name}", GenerationMode.NEGATIVE) for q in SAVED if q.parameters
]


@pytest.fixture(scope="module")
def api_schema(server):
    return schemathesis.openapi.from_url(f"{server.url}/api/openapi.json", timeout=30)


def test_the_served_document_lists_the_operations_fuzzed_here(api_schema):
    assert sorted(api_schema.raw_schema["paths"]) == sorted(OPERATIONS)


@pytest.mark.parametrize(("path", "mode"), CASES, ids=[f"{p}-{m.value}" for p, m in CASES])
def test_api_operation_conforms_to_its_openapi_document(api_schema, path, mode):
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=20,
        deadline=10_000,  # ms per example: a query runs under the server's 5 s limit
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def fuzz(case):
        case.call_and_validate(timeout=30)

    fuzz()
