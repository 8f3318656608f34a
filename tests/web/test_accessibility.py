"""Static accessibility checks of the pages' structure (templates/, static/style.css): headings,
language, skip link, labels, the live region, the combobox, and selection not by colour alone.
The browser tests run axe-core on the rendered pages; these read the HTML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import search_app
from tests.search.conftest import HANDBOOK, USE_OF_FORCE

from .conftest import HOSTILE, facet_items, text

STYLESHEET = Path(search_app.__file__).parent / "static" / "style.css"
PAGES = [
    ("/", 200),
    ("/search?q=footage&topic=Use+of+Force", 200),
    ("/search?q=marmalaid", 200),
    ("/search?per_page=3&page=2", 200),
    (f"/resources/{HANDBOOK}", 200),
    (f"/resources/{HOSTILE}", 200),
    ("/resources/no-such-resource", 404),
    ("/search?page=abc", 400),
]
SEARCH_PAGES = [url for url, status in PAGES if status == 200 and not url.startswith("/resources/")]
# Controls a visitor fills in or operates (hidden inputs and buttons name themselves).
CONTROLS = "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea"


def label_of(soup: BeautifulSoup, control) -> str:
    """A control's accessible name from a label, aria-labelledby or aria-label ("" if none)."""
    if control.get("id"):
        label = soup.find("label", attrs={"for": control["id"]})
        if label is not None:
            return text(label)
    if control.get("aria-labelledby"):
        return " ".join(text(soup.find(id=i)) for i in control["aria-labelledby"].split())
    wrapping = control.find_parent("label")
    return text(wrapping) if wrapping is not None else control.get("aria-label", "")


@pytest.mark.parametrize(("url", "status"), PAGES)
def test_page_structure(page, url, status):
    soup = page(url, status=status)
    assert soup.html["lang"] == "en"
    assert len(soup.find_all("h1")) == 1
    assert text(soup.title) != ""
    skip = soup.body.find("a")
    assert (skip["href"], text(skip)) == ("#main", "Skip to main content")
    assert soup.find(id="main").name == "main"
    assert len(soup.find_all("main")) == 1


@pytest.mark.parametrize(("url", "status"), PAGES)
def test_every_control_has_a_label(page, url, status):
    soup = page(url, status=status)
    controls = soup.select(CONTROLS)
    assert [(c.get("name"), label_of(soup, c)) for c in controls if not label_of(soup, c)] == []
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)), "ids are unique, so each label points at one control"
    buttons = soup.find_all("button")
    assert [b for b in buttons if not text(b)] == []


def test_label_of_finds_a_missing_label():
    """The miss of the label test: an unlabelled control is reported."""
    soup = BeautifulSoup(
        '<form><input id="x" name="x"><label for="y">Y</label></form>', "html.parser"
    )
    assert label_of(soup, soup.find("input")) == ""


@pytest.mark.parametrize("url", SEARCH_PAGES)
def test_the_live_region_announces_politely(page, url):
    regions = page(url).find_all(attrs={"role": "status"})
    assert [(r["id"], r["aria-live"], r.get("aria-atomic")) for r in regions] == [
        ("live-status", "polite", "true")
    ]
    # search.js copies the count into it; the count it copies exists.
    assert text(page(url).find(id="result-count")) != ""


@pytest.mark.parametrize(
    ("url", "status"),
    [("/", 200), ("/search?q=footage", 200), ("/resources/no-such-resource", 404)],
)
def test_the_search_box_is_an_aria_combobox(page, url, status):
    soup = page(url, status=status)
    box = soup.find("input", attrs={"name": "q"})
    assert {name: box.get(name) for name in ("role", "aria-expanded", "aria-autocomplete")} == {
        "role": "combobox",
        "aria-expanded": "false",
        "aria-autocomplete": "list",
    }
    listbox = soup.find(id=box["aria-controls"])
    assert (listbox.name, listbox["role"], listbox.has_attr("hidden")) == ("ul", "listbox", True)
    assert listbox["aria-label"] == "Suggestions"
    assert soup.find(id=box["aria-describedby"]) is not None
    assert box.find_parent(attrs={"data-suggest-url": "/suggest.json"}) is not None


def test_selected_facets_are_checked_and_marked_with_a_class(page):
    soup = page("/search?topic=Use+of+Force&type=Report")
    items = [
        (
            item.find("input")["name"],
            item.find("input")["value"],
            item.find("input").has_attr("checked"),
            "is-selected" in item["class"],
        )
        for item in soup.select("li.facet__item")
    ]
    assert [(name, value) for name, value, checked, marked in items if checked or marked] == [
        ("topic", USE_OF_FORCE),
        ("type", "Report"),
    ]
    assert all(checked == marked for _, _, checked, marked in items)
    assert len(items) > 2
    assert soup.select("li.facet__item.is-selected") == [
        item for item in soup.select("li.facet__item") if item.find("input", checked=True)
    ]
    assert [value for value, _, checked in facet_items(page("/search"), "topic") if checked] == []
    assert page("/search").select(".is-selected") == []


def css_rules(css: str) -> dict[str, str]:
    """A stylesheet's plain rules as {selector: declarations} (at-rules' blocks are skipped)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules = {}
    for selectors, body in re.findall(r"([^{}@]+)\{([^{}]*)\}", css):
        for selector in selectors.split(","):
            rules[" ".join(selector.split())] = rules.get(" ".join(selector.split()), "") + body
    return rules


def test_the_stylesheet_makes_selected_facets_bold_not_only_coloured():
    rules = css_rules(STYLESHEET.read_text(encoding="utf-8"))
    bold = re.compile(r"font-weight:\s*(bold|[6-9]00)")
    assert bold.search(rules[".facet__item.is-selected label"])
    assert bold.search(rules[".histogram__row.is-selected .histogram__label"])
    assert not bold.search(rules.get(".facet__item label", ""))


def test_the_stylesheet_shows_focus():
    rules = css_rules(STYLESHEET.read_text(encoding="utf-8"))
    focus = {selector: body for selector, body in rules.items() if ":focus" in selector}
    assert re.search(r"outline:\s*\dpx solid", focus[":focus-visible"])
    # Only the main region (the skip link's target, focusable by script alone) hides it.
    hidden = {selector for selector, body in focus.items() if re.search(r"outline:\s*none", body)}
    assert hidden == {".page:focus"}
