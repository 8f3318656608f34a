"""The README's screenshots of the search page: desktop (1280 px) and phone (375 px), light
and dark, taken with Debian's chromium from a running search app.

    make index && .venv/bin/resource-search serve --index index --port 5077 &
    .venv/bin/python tools/page_screenshots.py --base http://127.0.0.1:5077 --out docs

PNGs are optimised by chromium only; each stays under 200 KB at these sizes.
"""

from __future__ import annotations

from pathlib import Path

import click

CHROMIUM = "/usr/bin/chromium"
SEARCH = "/search?q=crisis&topic=Mental+Health+and+Crisis+Response&type=Report"
SHOTS = {
    # name -> (viewport, path, open the filters panel)
    "search-page-desktop": ({"width": 1280, "height": 900}, SEARCH, False),
    "search-page-phone": ({"width": 375, "height": 740}, SEARCH, False),
    "search-page-phone-filters": ({"width": 375, "height": 740}, SEARCH, True),
}
SCHEMES = ("light", "dark")


@click.command()
@click.option("--base", default="http://127.0.0.1:5077", show_default=True, help="The app.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs"),
    show_default=True,
)
def main(base: str, out: Path) -> None:
    """Save search-page-{desktop,phone,phone-filters}-{light,dark}.png into OUT."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for scheme in SCHEMES:
            for name, (viewport, path, panel) in SHOTS.items():
                page = browser.new_page(viewport=viewport, color_scheme=scheme)
                page.goto(base + path)
                if panel:
                    page.locator(".filters-link").click()
                    page.locator("#filters-heading").wait_for()
                target = out / f"{name}-{scheme}.png"
                page.screenshot(path=target)
                click.echo(f"{target} {target.stat().st_size // 1024} KB", err=True)
                page.close()
        browser.close()


if __name__ == "__main__":
    main()
