"""A reader's path through the pages in a real browser (Playwright driving Debian's chromium).

Home page → fill and submit a saved query's form → follow a result link → the entity page shows
the quote of a fact. Saves a full-page screenshot of that page: tests/artifacts/entity-page.png
for CI, and docs/screenshot-entity-page.png for the README.

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
ARTIFACT = REPO / "tests" / "artifacts" / "entity-page.png"
README_SCREENSHOT = REPO / "docs" / "screenshot-entity-page.png"
MAX_README_BYTES = 400 * 1024


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
    page.set_viewport_size({"width": 1000, "height": 800})
    page.screenshot(path=str(README_SCREENSHOT), full_page=True)
    assert README_SCREENSHOT.stat().st_size < MAX_README_BYTES


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
