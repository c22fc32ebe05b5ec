"""A plain `pip install .` carries the graph: `kg validate` works from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_wheel_ships_the_graph_and_validates_elsewhere(tmp_path):
    wheels, target, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "cwd"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    # No build isolation and no index: the build uses the hatchling already installed.
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", wheels, REPO],
        check=True,
    )
    (wheel,) = wheels.glob("*.whl")
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "--target", target, wheel], check=True
    )
    assert (target / "kg" / "_graph" / "data" / "randa-kassis.wikipedia.txt").is_file()
    assert (target / "kg" / "_graph" / "ontology" / "shapes.ttl").is_file()
    env = {k: v for k, v in os.environ.items() if k != "KG_ROOT"}
    env["PYTHONPATH"] = str(target)
    result = subprocess.run(
        [sys.executable, "-c", "from kg.cli import main; main()", "validate"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Conforms. The graph holds ")
    assert (
        str(Path(target).resolve())
        in subprocess.run(
            [sys.executable, "-c", "import kg.tree as t; print(t.find_tree().root)"],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
    )
