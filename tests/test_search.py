"""`kg search`: entities, sources and facts found by their words, from an FTS5 index kept in
kg's cache; and `kg why`'s did-you-mean, which searches the names."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from rdflib.namespace import RDF

from kg.cli import cli
from kg.namespaces import KGV

from .conftest import REPO, fails_with_one_line


def run(*args, root=REPO):
    return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)


def found(*args, root=REPO) -> dict:
    result = run("search", *args, "--format", "json", root=root)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def curies(answer: dict, kind: str) -> list[str]:
    return [hit["curie"] for hit in answer["hits"] if hit["kind"] == kind]


def test_kurds_lists_every_fact_whose_quote_says_kurds_with_its_quote(loaded):
    # Every fact as authored (not a derived inverse) whose quote holds a word starting "Kurds".
    graph = loaded.graph
    expected = {
        graph.namespace_manager.curie(statement): str(quote)
        for statement, quote in graph.subject_objects(KGV.quote)
        if (statement, RDF.type, RDF.Statement) in graph
        and (statement, KGV.inverseOf, None) not in graph
        and re.search(r"\bkurds", str(quote), re.IGNORECASE)
    }
    assert len(expected) == 7
    answer = found("Kurds")
    facts = {hit["curie"]: hit["quote"] for hit in answer["hits"] if hit["kind"] == "fact"}
    assert facts == expected
    text = run("search", "Kurds").stdout
    for curie, quote in expected.items():
        marked = quote.replace("Kurds", "[Kurds]")
        assert f"  {curie}\n" in text and f'    quote: "{marked}"\n' in text


def test_entities_are_listed_with_their_curie_and_the_matching_name_marked():
    result = run("search", "Kurds", "--type", "entity")
    assert result.exit_code == 0
    assert result.stdout == (
        "'Kurds': 2 entities found.\n"
        "\n"
        "Entities (2)\n"
        "  kgr:kurds: Kurds (Thing)\n"
        "    name: [Kurds]\n"
        "  kgr:position-involving-kurds: involving Kurds in any political process in Syria"
        " (Position)\n"
        "    name: involving [Kurds] in any political process in Syria\n"
    )


def test_a_misspelt_name_finds_its_entity():
    result = run("search", "Kasis")
    assert result.exit_code == 0
    assert "No word in the graph starts with 'Kasis': searched for 'kassis'." in result.stdout
    answer = found("Kasis")
    assert answer["corrections"] == {"Kasis": ["kassis"]}
    assert curies(answer, "entity")[0] == "kgr:randa-kassis"


def test_a_first_name_finds_her_first():
    assert curies(found("Randa", "--type", "entity"), "entity")[0] == "kgr:randa-kassis"


@pytest.mark.parametrize("text", ["astana", "ASTANA", "astan", "Astana platform"])
def test_words_match_whatever_their_case_and_as_the_start_of_longer_ones(text):
    # Astana Platform before Moscow-Astana Group: a name that begins with the word comes first.
    assert curies(found(text, "--type", "entity"), "entity")[0] == "kgr:astana-platform"


@pytest.mark.parametrize("text", ["geneve", "Genève", "GENEVE"])
def test_accents_do_not_matter(text):
    hit = found(text, "--type", "entity")["hits"][0]
    assert hit["curie"] == "kgr:geneva"
    assert hit["matches"] == [
        {"field": "name", "marked": "[Genève]", "spans": [[0, 6]], "text": "Genève"}
    ]


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("Conseil National Syrien", "kgr:syrian-national-council"),  # French
        ("Сочи", "kgr:sochi"),  # Russian
        ("رندة قسيس", "kgr:randa-kassis"),  # Arabic
    ],
)
def test_a_name_in_another_language_finds_its_entity(text, entity):
    assert curies(found(text, "--type", "entity"), "entity")[0] == entity


def test_a_source_is_found_by_the_words_of_its_title_and_by_its_outlet():
    wsj = "src:wsj-2016-11-23-trump-jr-talks"
    by_title = found("Held Talks on Syria", "--type", "source")
    assert curies(by_title, "source") == [wsj]
    assert by_title["hits"][0]["matches"][0]["field"] == "title"
    by_outlet = found("wall street journal", "--type", "source")
    assert wsj in curies(by_outlet, "source")
    hit = next(hit for hit in by_outlet["hits"] if hit["curie"] == wsj)
    assert {"field": "outlet", "text": "Wall Street Journal"} in [
        {"field": m["field"], "text": m["text"]} for m in hit["matches"]
    ]


def test_type_fact_lists_facts_only():
    answer = found("Astana", "--type", "fact", "--limit", "100")
    assert answer["hits"] and {hit["kind"] for hit in answer["hits"]} == {"fact"}
    assert list(answer["totals"]) == ["fact"]
    assert all(hit["curie"].startswith("stmt:") and hit["quote"] for hit in answer["hits"])


def test_limit_caps_each_kind_and_says_so():
    result = run("search", "Kassis", "--limit", "1")
    assert result.exit_code == 0
    assert "Entities (1 of 8, --limit shows more)" in result.stdout
    assert len(found("Kassis", "--limit", "1")["hits"]) == 3


def test_json_has_stable_keys_and_the_output_is_the_same_bytes_each_time():
    first = run("search", "Trump", "--format", "json").stdout
    assert first == run("search", "Trump", "--format", "json").stdout
    assert run("search", "Trump").stdout == run("search", "Trump").stdout
    answer = json.loads(first)
    assert list(answer) == ["corrections", "hits", "query", "totals", "words"]
    assert answer["totals"] == {"entity": 2, "fact": 4, "source": 5}
    assert sorted(answer["hits"][0]) == ["curie", "detail", "iri", "kind", "label", "matches"]
    fact = next(hit for hit in answer["hits"] if hit["kind"] == "fact")
    assert sorted(fact) == ["curie", "detail", "iri", "kind", "label", "matches", "quote"]
    for hit in answer["hits"]:
        for match in hit["matches"]:
            for start, end in match["spans"]:
                assert match["text"][start:end].casefold().startswith("trump")


def test_nothing_found_exits_1_like_grep():
    result = run("search", "xylophone")
    assert result.exit_code == 1
    assert result.stdout == "'xylophone': nothing found.\n"
    assert found("xylophone")["hits"] == []


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "*",
        "-",
        "",
        "   ",
        "AND OR NOT",
        "NEAR(",
        "NEAR(a b, 3)",
        'a" OR "b',
        "title:x",
        "^kassis",
        "{name quote}: kassis",
        "x" * 10_240,
        "kassis " * 40,
        "\x00",
        "ـ",
    ],
)
def test_hostile_text_is_no_hits_or_one_line_never_a_traceback(text):
    result = run("search", text)
    if result.exit_code == 2:
        fails_with_one_line(result)
    else:
        assert result.exit_code in (0, 1), result.output


def test_the_index_is_rebuilt_when_the_data_changes(tree_copy, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("KG_CACHE_DIR", str(cache))
    assert run("search", "Zenobie", root=tree_copy).exit_code == 1
    assert run("search", "Zenobie", root=tree_copy).exit_code == 1  # from the cache
    assert len(list(cache.glob("search-*.sqlite"))) == 1
    with (tree_copy / "data" / "people.trig").open("a", encoding="utf-8") as data:
        data.write('\nkgr:zenobia a schema:Person ;\n    schema:name "Zénobie"@fr .\n')
    assert curies(found("Zenobie", root=tree_copy), "entity") == ["kgr:zenobia"]
    assert len(list(cache.glob("search-*.sqlite"))) == 2


def test_search_works_with_the_cache_off(monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", "")
    assert curies(found("Kasis", "--type", "entity"), "entity")[0] == "kgr:randa-kassis"


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("Randa", "'Randa Kassis'"),
        ("Trump", "'Donald Trump Jr.'"),
        ("Baussart F", "'Fabien Baussart'"),
    ],
)
def test_why_suggests_what_a_search_of_the_names_finds(text, suggestion):
    result = CliRunner().invoke(cli, ["--root", str(REPO), "why", text])
    assert fails_with_one_line(result) == (
        f"Error: no entity named '{text}' — did you mean {suggestion}?\n"
    )


def test_a_damaged_index_in_the_cache_costs_a_build(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("KG_CACHE_DIR", str(cache))
    assert run("search", "Kurds").exit_code == 0
    (index,) = cache.glob("search-*.sqlite")
    index.write_bytes(index.read_bytes()[:5000])
    assert curies(found("Kasis", "--type", "entity"), "entity")[0] == "kgr:randa-kassis"
    index.write_bytes(b"not an index")
    assert curies(found("Kasis", "--type", "entity"), "entity")[0] == "kgr:randa-kassis"


@pytest.mark.parametrize(
    "args",
    [("kasis", "--type", "entity", "--limit", "2"), ("wall street journal", "--type", "source")],
)
def test_the_readme_shows_real_output(args):
    shown = " ".join(f'"{a}"' if " " in a else a for a in args)
    output = run("search", *args).stdout
    assert f"$ kg search {shown}\n{output}" in (REPO / "README.md").read_text(encoding="utf-8")
