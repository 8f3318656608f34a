"""Safety in chromium: the watcher of console errors catches Content-Security-Policy
violations and exceptions (test_accessibility.py runs it on every main state), and a query
with markup in it shows as text."""

from __future__ import annotations

import re

from search_app import CONTENT_SECURITY_POLICY

from .search_page import submit_query

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# A page under the app's CSP with an inline script (refused) and a script that throws.
BROKEN_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Broken</title>
<script>window.inlineRan = true;</script>
<script src="/boom.js"></script>
</head><body><main><h1>Broken</h1></main></body></html>
"""


def test_page_errors_reports_csp_violations_and_exceptions(page, page_errors):
    """The miss to every `page_errors == []`: the watcher sees what it is meant to catch."""
    origin = "http://csp.invalid"  # answered by the routes below, never by the network
    headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY}
    page.route(
        origin + "/page",
        lambda route: route.fulfill(
            status=200, content_type="text/html", headers=headers, body=BROKEN_PAGE
        ),
    )
    page.route(
        origin + "/boom.js",
        lambda route: route.fulfill(
            status=200, content_type="text/javascript", body="throw new Error('boom');"
        ),
    )
    page.goto(origin + "/page")
    assert page.evaluate("() => window.inlineRan") is None
    assert len(page_errors) == 2, page_errors
    assert any("Content Security Policy" in error for error in page_errors), page_errors
    assert any(error.startswith("uncaught: ") and "boom" in error for error in page_errors)


def test_a_query_with_markup_shows_as_text(page, live_server, expect, page_errors):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(live_server + "/")
    box = submit_query(page, MARKUP)

    expect(page.locator("#result-count")).to_contain_text(f"“{MARKUP}”")
    expect(box).to_have_value(MARKUP)
    expect(page).to_have_title(re.compile("^" + re.escape(MARKUP)))
    # The page's only script is its own file, and the markup made no image.
    expect(page.locator("script")).to_have_count(1)
    expect(page.locator("script")).to_have_attribute("src", re.compile(r"^/static/search\.js"))
    expect(page.locator('img[src="x"]')).to_have_count(0)
    assert dialogs == []
    assert page_errors == []
