"""Fixtures of the browser tests: the app served on localhost, and Debian's chromium driving it.

- `library` -> `library_index` -> `app` (session; the shared chain of
  `tests.conftest.define_app_fixtures`): the shipped corpus built into a temporary index,
  and the search app over it.
- `live_server` (session): the app served on 127.0.0.1 with a free port, in a thread;
  yields the base URL.
- `browser` (session) and `page` (function): Playwright (`playwright.sync_api`) launching
  `/usr/bin/chromium`. Playwright's own browser download does not work on this project's
  machines (no network but package registries), so `make test` installs Debian's chromium
  with apt-get and the tests launch that one.
- `screenshots`: the folder `test-output/screenshots/` (git-ignored) where tests save PNGs.
- `axe`: `run_axe(page)`, the serious and critical violations axe-core finds on the page.
- `expect`: Playwright's `expect` (assertions that wait), imported only when playwright is.
- `page_errors`: the list the page's problems are appended to as they happen: console errors
  (chromium reports Content-Security-Policy violations and failed loads there) and uncaught
  exceptions.
- `no_js_page`: a page in a context with JavaScript switched off.

`make test` installs everything these need. Run by hand without chromium (a developer
machine), the tests are skipped with the reason; with the environment variable `CI` set
(`.ci/run` sets it), they fail instead, so CI never passes without running them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import define_app_fixtures

ROOT = Path(__file__).parents[2]
CORPUS = ROOT / "corpus"
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
# Pages of the live server load in well under a second: a step that waits longer is a failure,
# reported in seconds rather than after Playwright's default 30.
ACTION_TIMEOUT_MS = 10_000
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # The machine's network is closed: without these, chromium's background connections
    # (updates, sync, safe browsing...) are refused many at a time.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# What `run_axe` reports: axe's impacts are minor, moderate, serious and critical.
AXE_IMPACTS = ("serious", "critical")
# axe's default rules, plus WCAG 2.2's target size (24 px, 2.5.8), which it leaves off.
AXE_OPTIONS = {"rules": {"target-size": {"enabled": True}}}


def missing(what: str) -> None:
    """Fail when running in CI (`CI` set), else skip: a browser test never passes unrun in CI."""
    message = f"{what}; `make test` installs it"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"browser tests cannot run in CI: {message}", pytrace=False)
    pytest.skip(message)


# The shipped corpus (read where it is), its index, and the app. One browser makes many
# requests a minute from one address: no rate limit here (its own tests are in
# tests/search/test_app.py).
library, library_index, app, client = define_app_fixtures(
    lambda folder: CORPUS, {"RATE_LIMIT": ""}, "browser"
)


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The search app serving the shipped corpus's index at the yielded base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live_server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def playwright():
    """The started Playwright driver (its sync API)."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing (Debian's chromium package)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright Python package is missing (the `test` extra)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright):
    """Debian's chromium, headless, started once for the session."""
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def _fresh_page(browser, **options):
    """A new page in a fresh context (no cookies or storage shared between tests)."""
    context = browser.new_context(viewport=VIEWPORT, **options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def page(browser):
    """A new page in a fresh context."""
    yield from _fresh_page(browser)


@pytest.fixture
def no_js_page(browser):
    """A new page in a fresh context with JavaScript switched off (the plain-forms path)."""
    yield from _fresh_page(browser, java_script_enabled=False)


@pytest.fixture
def expect(playwright):
    """Playwright's `expect`: assertions on locators and pages that retry until a timeout."""
    from playwright.sync_api import expect

    return expect


@pytest.fixture
def page_errors(page) -> list[str]:
    """The problems `page` reports from now on: console errors and uncaught exceptions.

    Chromium logs a Content-Security-Policy violation as a console error ("Refused to ...
    because it violates the following Content Security Policy directive"), so CSP
    violations land here too; so do failed loads of scripts, styles and images.
    """
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            errors.append(f"console {message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


@pytest.fixture
def screenshots() -> Path:
    """The folder where tests save screenshots (PNG), `test-output/screenshots/`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The text of axe-core's `axe.min.js`, from node_modules (package.json pins it)."""
    if not AXE_JS.exists():
        missing(f"{AXE_JS.relative_to(ROOT)} is missing (run `npm ci`)")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source: str) -> Callable[..., list[dict]]:
    """`run_axe(page)`: the violations of impact serious or critical axe-core finds on `page`,
    with its default rules and WCAG 2.2's target size (`AXE_OPTIONS`).

    The app sends a Content-Security-Policy without 'unsafe-inline' for scripts, so axe is
    not added as an inline `<script>` tag (`page.add_script_tag(content=...)`): chromium would
    block it. Nor is CSP switched off (`bypass_csp=True`, or a route stripping the header),
    which would change the page under test and hide the CSP errors it is meant to show. Instead
    axe's source is evaluated by Playwright over the DevTools protocol (`page.evaluate`), which
    a page's CSP does not govern; it is how the official @axe-core/playwright injects axe.
    tests/browser/test_smoke.py checks that this works on a page with a strict CSP.
    """

    def run_axe(page) -> list[dict]:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(axe_source)
        violations = page.evaluate(
            "async options => (await axe.run(document, options)).violations", AXE_OPTIONS
        )
        return [violation for violation in violations if violation["impact"] in AXE_IMPACTS]

    return run_axe


def describe(violations: list[dict]) -> str:
    """Axe violations as readable lines: rule, impact, help and the offending elements."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['html']}" for node in violation["nodes"][:5])
    return "\n".join(lines)
