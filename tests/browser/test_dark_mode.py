"""Dark mode in chromium: the page follows `prefers-color-scheme`, and every main state
passes axe-core (contrast included) in the dark scheme too (issue 14, item 10); the light
scheme is checked by test_accessibility.py."""

from __future__ import annotations

import pytest

from .conftest import describe
from .search_page import QUERY, STATES, show_state

BACKGROUND = "() => getComputedStyle(document.documentElement).backgroundColor"


@pytest.mark.parametrize("state", STATES)
def test_every_main_state_passes_axe_in_the_dark(page, live_server, axe, page_errors, state):
    page.emulate_media(color_scheme="dark")
    show_state(page, live_server, state)
    assert page.evaluate(BACKGROUND) == "rgb(20, 23, 28)"
    violations = axe(page)
    assert violations == [], f"{state}:\n{describe(violations)}"
    assert page_errors == []


@pytest.mark.parametrize(
    ("scheme", "background"), [("light", "rgb(255, 255, 255)"), ("dark", "rgb(20, 23, 28)")]
)
def test_the_scheme_follows_the_system(page, live_server, screenshots, scheme, background):
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{live_server}/search?q={QUERY}")
    assert page.evaluate(BACKGROUND) == background
    page.screenshot(path=screenshots / f"results-{scheme}.png")


def test_the_open_filters_panel_passes_axe_in_the_dark(page, live_server, axe):
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto(f"{live_server}/search?q={QUERY}&type=Report")
    page.get_by_role("link", name="Filter results (1) selected").click()
    page.locator("#filters-heading").wait_for()
    violations = axe(page)
    assert violations == [], describe(violations)
