"""Smoke tests of the browser plumbing: chromium reaches the live server, and axe runs."""

from __future__ import annotations

import json

import pytest

from search_app import CONTENT_SECURITY_POLICY

from .conftest import describe

# A small page that should pass axe: a language, a title, a main landmark, a labelled form.
LABELLED_FORM = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Search the resource library</title></head>
<body>
<main>
  <h1>Search the resource library</h1>
  <form role="search" action="/search" method="get">
    <label for="q">Search terms</label>
    <input id="q" name="q" type="search">
    <button type="submit">Search</button>
  </form>
</main>
</body>
</html>
"""

# The same kind of page with what axe must report: an input without a label (critical) and
# a button without a name (critical).
UNLABELLED_FORM = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Unlabelled</title></head>
<body><main><h1>Unlabelled</h1>
<form><input name="q" type="text"><button type="submit"></button></form>
</main></body>
</html>
"""


def test_healthz_in_the_browser(page, live_server, screenshots):
    response = page.goto(live_server + "/healthz")
    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    health = json.loads(page.locator("body").inner_text())
    assert health["status"] == "ok"
    page.screenshot(path=screenshots / "smoke-healthz.png")


def test_axe_passes_a_labelled_form(page, axe):
    page.set_content(LABELLED_FORM)
    violations = axe(page)
    assert violations == [], describe(violations)


def test_axe_reports_an_unlabelled_form(page, axe):
    page.set_content(UNLABELLED_FORM)
    rules = {violation["id"] for violation in axe(page)}
    assert {"label", "button-name"} <= rules


def test_axe_runs_under_a_strict_csp(page, axe):
    """The app forbids inline scripts: axe must still run, and the CSP must still hold."""
    url = "http://csp.invalid/page"  # answered by the route below, never by the network
    page.route(
        url,
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
            body=LABELLED_FORM,
        ),
    )
    page.goto(url)
    # The CSP is in force: an inline script tag is refused (so axe cannot come in as one)...
    with pytest.raises(Exception, match="Content Security Policy"):
        page.add_script_tag(content="window.inlineRan = true;")
    assert page.evaluate("() => window.inlineRan") is None
    # ...and axe runs all the same.
    violations = axe(page)
    assert violations == [], describe(violations)
