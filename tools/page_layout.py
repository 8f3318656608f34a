"""Where the first result of the search page lands, and how many Tab stops lead to it, on a
desktop, a desktop at 200 % zoom and a phone: the figures of the README's "The search page".

    .venv/bin/resource-search serve --index index --port 5077 &
    .venv/bin/python tools/page_layout.py --base http://127.0.0.1:5077
"""

from __future__ import annotations

import click

CHROMIUM = "/usr/bin/chromium"
MAX_TAB_STOPS = 200
CASES = [
    ("desktop 1280x900", {"width": 1280, "height": 900}, "/search?q=crisis"),
    ("desktop at 200% (640x450)", {"width": 640, "height": 450}, "/search?q=crisis"),
    (
        "phone 375x667, 2 filters",
        {"width": 375, "height": 667},
        "/search?q=crisis&type=Report&year_from=2010",
    ),
    (
        "phone 375x667, topic+type",
        {"width": 375, "height": 667},
        "/search?q=crisis&topic=Mental+Health+and+Crisis+Response&type=Report",
    ),
]


@click.command()
@click.option("--base", default="http://127.0.0.1:5077", show_default=True, help="The app.")
def main(base: str) -> None:
    """Print, for each case, where the first result's title ends and the Tab stops to it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for name, viewport, path in CASES:
            page = browser.new_page(viewport=viewport)
            page.goto(base + path)
            box = page.locator(".result__title").first.bounding_box()
            stops = 0
            while stops < MAX_TAB_STOPS:
                page.keyboard.press("Tab")
                stops += 1
                if page.evaluate("() => !!document.activeElement.closest('.result__title')"):
                    break
            bottom = box["y"] + box["height"]
            click.echo(
                f"{name}: first result title ends at {bottom:.0f} px of {viewport['height']}; "
                f"{stops} Tab stops to the first result"
            )
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
