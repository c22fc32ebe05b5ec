"""A reader's paths through the pages in a real browser (Playwright driving Debian's chromium).

- Home page → fill and submit a saved query's form → follow a result link → the entity page
  shows the quote of a fact.
- Search from the home page's header → open a hit; on /article, follow a highlight to its
  statement; download a result table as CSV, byte for byte what `kg query --format csv` writes.
- Her page shows the timeline and the network; no page is wider than a 390 px phone.

Screenshots go to tests/artifacts/ on every run; with KG_UPDATE_DOCS=1 they are also written
to docs/ for the README (so a test run leaves the tree as it was).

chromium must be at /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it). When it
is missing the test fails on CI (CI=true) and is skipped elsewhere. Playwright's own browser
download (`playwright install`) is never used.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "tests" / "artifacts"
ARTIFACT = ARTIFACTS / "entity-page.png"
DOCS = REPO / "docs"
MAX_README_BYTES = 400 * 1024
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def screenshot(page, name: str, **options) -> None:
    """A screenshot in tests/artifacts/, and in docs/ (for the README) with KG_UPDATE_DOCS=1."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), **options)
    assert (ARTIFACTS / name).stat().st_size > 10_000
    if os.environ.get("KG_UPDATE_DOCS") == "1":
        page.screenshot(path=str(DOCS / name), **options)
        assert (DOCS / name).stat().st_size < MAX_README_BYTES


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(message + " (CI must run the browser test)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def test_from_a_saved_query_to_a_quoted_fact(page, server):
    from playwright.sync_api import expect

    page.goto(server.url + "/")
    expect(page.locator("h1")).to_contain_text("A sourced knowledge graph of Randa Kassis")

    # The form of the saved query `entities-named`: one text field, `name`.
    section = page.locator("section#q-entities-named")
    section.get_by_label("name").fill("Baussart")
    section.get_by_role("button", name="Run").click()
    page.wait_for_url("**/query/entities-named?name=Baussart")
    expect(page.locator("table.results")).to_be_visible()
    expect(page.locator("p.count")).to_have_text(re.compile(r"^[1-9][0-9]* rows?$"))

    # A result links to the entity's page.
    page.locator("table.results a[href='/id/fabien-baussart']").first.click()
    page.wait_for_url("**/id/fabien-baussart")
    expect(page.locator("h1")).to_have_text("Fabien Baussart")

    # The spouse fact (as authored; its derived inverse is marked .inverse): its quote is
    # visible, its source links to the source's page.
    fact = page.locator("li.fact:not(.inverse)", has_text="Kassis is married to Fabien Baussart")
    expect(fact.locator("blockquote")).to_be_visible()
    expect(fact.locator("blockquote")).to_have_text("Kassis is married to Fabien Baussart")
    expect(fact.locator("a[href='/source/lemonde-2017-03-19-baussart']")).to_be_visible()

    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACT), full_page=True)
    assert ARTIFACT.stat().st_size > 10_000

    # The README's picture: the same page, small enough to commit.
    page.set_viewport_size({"width": 1000, "height": 1400})
    screenshot(page, "screenshot-entity-page.png")


def test_a_source_link_opens_the_source_page(page, server):
    from playwright.sync_api import expect

    page.goto(server.url + "/id/fabien-baussart")
    fact = page.locator("li.fact.inverse", has_text="Kassis is married to Fabien Baussart")
    expect(fact.locator(".inverse-of a")).to_be_visible()  # the inverse links to the authored fact
    fact.locator("a[href='/source/lemonde-2017-03-19-baussart']").click()
    page.wait_for_url("**/source/lemonde-2017-03-19-baussart")
    expect(page.locator("h1 [lang=fr]")).to_contain_text("Fabien Baussart, l'intermédiaire")
    expect(page.locator("blockquote.citation")).to_contain_text("Le Monde (in French)")
    spouse = page.locator("li.fact", has_text="Randa Kassis — spouse — Fabien Baussart")
    expect(spouse).to_be_visible()


def test_arabic_reads_right_to_left(page, server):
    from playwright.sync_api import expect

    page.goto(server.url + "/id/randa-kassis")
    arabic = page.locator(".names [lang=ar]")
    expect(arabic).to_have_text("رندة قسيس")
    assert arabic.get_attribute("dir") == "rtl"
    assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
    english = page.locator(".names [lang=en]").first
    assert english.evaluate("e => getComputedStyle(e).direction") == "ltr"


def test_pages_need_no_javascript(browser, server):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(server.url + "/query")
        page.get_by_role("button", name="Run").click()
        page.wait_for_url("**/query?query=*")
        expect(
            page.locator("table.results td", has_text="Kassis is married to").first
        ).to_be_visible()
    finally:
        context.close()


def test_search_open_a_hit_follow_a_highlight_download_a_table(page, server, tmp_path):
    from click.testing import CliRunner
    from playwright.sync_api import expect

    from kg.cli import cli

    # Search from the home page's header; the platform is among the entities found.
    page.goto(server.url + "/")
    box = page.locator("header.site form[role=search] input[name=q]")
    box.fill("Astana")
    box.press("Enter")
    page.wait_for_url("**/search?q=Astana")
    entities = page.locator("section#entities li.hit > a")
    expect(entities.filter(has_text="Astana Platform").first).to_be_visible()
    expect(page.locator("mark", has_text="Astana").first).to_be_visible()
    first = entities.first
    target = first.get_attribute("href")
    first.click()
    page.wait_for_url(f"**{target}")
    expect(page.locator("h1")).to_be_visible()

    # On the annotated article, a highlight leads to the statement that quotes it.
    page.goto(server.url + "/article")
    highlight = page.locator("div.annotated span.q > a").first
    expect(highlight.locator("mark")).to_be_visible()
    quoted = " ".join(highlight.inner_text().split())
    href = highlight.get_attribute("href")
    anchor = href.rsplit("#", 1)[1]
    highlight.click()
    page.wait_for_url(f"**{href}")
    card = page.locator(f"li.fact#{anchor}")
    expect(card).to_be_visible()
    assert quoted in " ".join(card.locator("blockquote").inner_text().split())

    # A saved query's table, downloaded as CSV: exactly what `kg query --format csv` writes.
    page.goto(server.url + "/query/books")
    expect(page.locator("table.results")).to_be_visible()
    with page.expect_download() as download:
        page.locator("p.downloads a[data-format=csv]").click()
    saved = tmp_path / "books.csv"
    download.value.save_as(saved)
    expected = CliRunner().invoke(cli, ["--root", str(REPO), "query", "books", "--format", "csv"])
    assert expected.exit_code == 0, expected.output
    assert saved.read_bytes() == expected.stdout_bytes
    rows = page.locator("table.results tbody tr").count()
    assert rows == len(expected.stdout_bytes.decode().strip().splitlines()) - 1


def test_her_page_shows_the_timeline_and_the_network(browser, server):
    from playwright.sync_api import expect

    from kg.load import load
    from kg.namespaces import KGR
    from kg.timeline import timeline
    from kg.tree import find_tree

    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(server.url + "/id/randa-kassis")
        pictures = page.locator("figure.picture svg[role=img]")
        expect(pictures).to_have_count(2)
        drawn = timeline(load(find_tree(REPO)), KGR["randa-kassis"])
        expect(page.locator("svg.timeline g.mark")).to_have_count(len(drawn.items))
        for picture in pictures.all():
            box = picture.bounding_box()
            assert box["width"] > 300 and box["height"] > 100
        expect(page.locator("aside.summary")).to_be_visible()
        screenshot(page, "screenshot-kassis-1280.png", full_page=False)
        # The two pictures, from the timeline's heading to the end of the network.
        top = page.locator("h2#timeline").bounding_box()
        bottom = page.locator("figure.picture").nth(1).bounding_box()
        clip = {"x": 0, "y": top["y"], "width": DESKTOP["width"]}
        clip["height"] = bottom["y"] + bottom["height"] - top["y"]
        screenshot(page, "screenshot-kassis-pictures.png", full_page=True, clip=clip)
    finally:
        context.close()


PHONE_PAGES = [
    "/",
    "/id/randa-kassis",
    "/id/fabien-baussart",
    "/source/wikipedia-randa-kassis",
    "/source/lemonde-2017-03-19-baussart",
    "/query",
    "/query/books",
    "/query/claims-by-source?source=src:astanaplatform-com",
    "/query?query=SELECT+*+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D+LIMIT+40",
    "/search?q=Astana",
    "/article",
    "/timeline",
    "/network/randa-kassis",
    "/id/no-such-entity",
]


def test_no_page_is_wider_than_a_phone(browser, server):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=PHONE, locale="en-GB", device_scale_factor=1)
    page = context.new_page()
    try:
        wider = {}
        for path in PHONE_PAGES:
            page.goto(server.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wider[path] = width
        assert wider == {}
        # A result table reflows into one block per row, each value under its column's name.
        page.goto(server.url + "/query/books")
        cell = page.locator("table.results td").first
        assert cell.evaluate("e => getComputedStyle(e).display") == "block"
        label = cell.evaluate("e => getComputedStyle(e, '::before').content")
        assert label.strip('"') == cell.get_attribute("data-label")
        page.goto(server.url + "/id/randa-kassis")
        expect(page.locator("aside.summary")).to_be_visible()
        screenshot(page, "screenshot-kassis-390.png", full_page=False)
    finally:
        context.close()
