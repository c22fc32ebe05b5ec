"""The docs do not drift: every command has help and a README section; its numbers are real."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from kg.cli import cli
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_a_readme_section(name):
    command = cli.commands[name]
    assert command.help and "Example:" in command.help, name
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert re.search(rf"^### .*`kg {name}`", README, re.MULTILINE), f"README lacks `kg {name}`"


def test_readme_counts_match_the_graph(shipped_report):
    counts = ", ".join(f"{n:,} {name}" for name, n in shipped_report.counts.items())
    assert f"Conforms. The graph holds {counts}." in README


def test_readme_names_both_setup_commands():
    assert "$ make run " in README and "$ make test " in README
    assert "make test" in (REPO / ".ci" / "run").read_text()
