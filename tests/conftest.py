"""Shared fixtures: the shipped tree, loaded and validated once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.load import Tree, find_tree, load
from kg.validate import validate_tree

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shipped() -> Tree:
    return find_tree(REPO)


@pytest.fixture(scope="session")
def loaded(shipped):
    return load(shipped)


@pytest.fixture(scope="session")
def shipped_report(shipped):
    return validate_tree(shipped)


@pytest.fixture
def tree_copy(tmp_path) -> Path:
    """A writable copy of the shipped tree, to break on purpose."""
    root = tmp_path / "tree"
    for name in ("ontology", "data", "queries"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    return root
