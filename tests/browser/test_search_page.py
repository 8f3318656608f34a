"""The search page in chromium, used as a person would: search, filter, page, sort, recover
from no results, open a resource. Every state is checked against `/search.json`."""

from __future__ import annotations

import re

from .search_page import (
    EXCLUDING_FILTERS,
    MISSPELLING,
    QUERY,
    TOPIC,
    facets_in,
    facets_on,
    get_json,
    json_of_page,
    params_of,
    result_titles,
    search_box,
    submit_query,
)


def count_text(total: int, q: str, per_page: int = 10, page: int = 1) -> str:
    """The summary line the page shows for a search with results."""
    first = (page - 1) * per_page + 1
    last = min(total, page * per_page)
    noun = "resource" if total == 1 else "resources"
    shown = f", showing {first}–{last}" if total > per_page else ""
    return f"{total:,} {noun} for “{q}”{shown}"


def test_typing_a_query_and_pressing_enter_shows_results(
    page, live_server, expect, screenshots, page_errors
):
    page.goto(live_server + "/")
    assert result_titles(page) != [], "the home page lists every resource"
    box = submit_query(page, QUERY)

    assert params_of(page.url) == {"q": [QUERY]}
    expected = json_of_page(page, live_server)
    assert expected["total"] == 27
    summary = count_text(expected["total"], QUERY)
    expect(page.locator("#result-count")).to_have_text(summary)
    assert result_titles(page) == [result["title"] for result in expected["results"]]
    expect(page).to_have_title(
        f"{QUERY} – Resource search · National Law Enforcement Knowledge Lab"
    )
    expect(box).to_have_value(QUERY)
    # The polite live region announces the count once the page has loaded.
    status = page.get_by_role("status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text(summary)
    page.screenshot(path=screenshots / "search-results.png", full_page=True)
    assert page_errors == []


def test_ticking_a_facet_filters_and_its_chip_removes_it(
    page, live_server, expect, screenshots, page_errors
):
    page.goto(f"{live_server}/search?q={QUERY}")
    before = facets_on(page)
    assert before == facets_in(json_of_page(page, live_server))
    box = page.get_by_role("checkbox", name=re.compile(rf"^{TOPIC} \d+ results?$"))
    expect(box).not_to_be_checked()
    # With JavaScript no button is needed: the form submits when a box is ticked.
    box.check()
    page.wait_for_url(re.compile(r"topic="))

    assert params_of(page.url) == {"q": [QUERY], "topic": [TOPIC]}
    expect(box).to_be_checked()
    expect(box).to_be_focused()
    page.reload()
    expect(box).to_be_checked()
    after = facets_on(page)
    expected = json_of_page(page, live_server)
    assert after == facets_in(expected)
    assert after["type"] != before["type"], "ticking a topic changes the type counts"
    expect(page.locator("#result-count")).to_have_text(count_text(expected["total"], QUERY))
    chip = page.get_by_role("link", name=f"Topic: {TOPIC} (remove this filter)")
    expect(chip).to_be_visible()
    expect(page.locator(".facet__item.is-selected")).to_have_count(1)
    page.screenshot(path=screenshots / "facet-selected.png", full_page=True)

    chip.click()
    page.wait_for_url(lambda url: "topic=" not in url)
    assert params_of(page.url) == {"q": [QUERY]}
    assert facets_on(page) == before
    expect(page.locator(".chip")).to_have_count(0)
    expect(page.get_by_role("link", name="Clear all filters")).to_have_count(0)
    page.screenshot(path=screenshots / "filters-cleared.png", full_page=True)
    assert page_errors == []


def test_a_typed_year_range_applies_with_its_button(page, live_server, expect):
    page.goto(f"{live_server}/search?q={QUERY}")
    page.get_by_role("spinbutton", name="From", exact=True).fill("2016")
    page.get_by_role("spinbutton", name="To", exact=True).fill("2020")
    assert params_of(page.url) == {"q": [QUERY]}, "typing a year does not submit"
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"year_from=2016"))

    assert params_of(page.url) == {"q": [QUERY], "year_from": ["2016"], "year_to": ["2020"]}
    expect(page.get_by_role("link", name="Year: 2016–2020 (remove this filter)")).to_be_visible()
    expected = json_of_page(page, live_server)
    assert result_titles(page) == [r["title"] for r in expected["results"]]
    assert expected["results"] and all(2016 <= r["year"] <= 2020 for r in expected["results"])


def test_clear_all_filters_keeps_the_query(page, live_server, expect):
    page.goto(f"{live_server}/search?q={QUERY}&topic={TOPIC}&type=Report&year_from=2015")
    expect(page.locator(".chip")).to_have_text(
        [
            re.compile(rf"Topic:\s+{TOPIC}"),
            re.compile(r"Type:\s+Report"),
            re.compile(r"Year:\s+2015–…"),
        ]
    )
    page.get_by_role("link", name="Clear all filters").click()
    page.wait_for_url(lambda url: "topic=" not in url)

    assert params_of(page.url) == {"q": [QUERY]}
    expect(search_box(page)).to_have_value(QUERY)
    expect(page.locator(".facets input:checked")).to_have_count(0)
    expect(page.locator("#year_from")).to_have_value("")
    expect(page.locator(".chip")).to_have_count(0)


def test_paging_through_and_back_keeps_every_page_a_url(page, live_server, expect, screenshots):
    page.goto(f"{live_server}/search?q={QUERY}")
    position = page.locator(".pagination__position")
    expect(position).to_have_text("Page 1 of 3")
    first_page = result_titles(page)
    expect(page.get_by_role("link", name=re.compile("Previous page"))).to_have_count(0)

    page.get_by_role("link", name=re.compile("Next page")).click()
    page.wait_for_url(re.compile(r"page=2"))
    assert params_of(page.url) == {"q": [QUERY], "page": ["2"]}
    expect(position).to_have_text("Page 2 of 3")
    second_page = result_titles(page)
    assert second_page == [r["title"] for r in json_of_page(page, live_server)["results"]]
    assert len(second_page) == 10 and not set(second_page) & set(first_page)
    expect(page.locator("#result-count")).to_have_text(count_text(27, QUERY, page=2))
    page.screenshot(path=screenshots / "page-2.png", full_page=True)

    page.reload()
    assert result_titles(page) == second_page
    page.get_by_role("link", name=re.compile("Previous page")).click()
    page.wait_for_url(lambda url: "page=" not in url)
    assert result_titles(page) == first_page

    page.go_back()
    expect(position).to_have_text("Page 2 of 3")
    assert result_titles(page) == second_page
    page.go_forward()
    expect(position).to_have_text("Page 1 of 3")
    assert result_titles(page) == first_page


def test_sort_and_per_page_apply_when_changed(page, live_server, expect):
    page.goto(f"{live_server}/search?q={QUERY}")
    # With JavaScript the menus apply at once: their Apply button is not shown.
    expect(page.get_by_role("button", name="Apply", exact=True)).to_be_hidden()
    relevance = result_titles(page)
    page.get_by_label("Sort by").select_option(label="Newest first")
    page.wait_for_url(re.compile(r"sort=newest"))

    # The form sends both menus, so the URL names the page size too.
    assert params_of(page.url) == {"q": [QUERY], "sort": ["newest"], "per_page": ["10"]}
    expected = json_of_page(page, live_server)
    newest = result_titles(page)
    assert newest == [r["title"] for r in expected["results"]] != relevance
    years = [r["year"] for r in expected["results"] if r["year"]]
    assert years == sorted(years, reverse=True)
    expect(page.get_by_label("Sort by")).to_have_value("newest")

    page.get_by_label("Per page").select_option("20")
    page.wait_for_url(re.compile(r"per_page=20"))
    assert params_of(page.url) == {"q": [QUERY], "sort": ["newest"], "per_page": ["20"]}
    expect(page.locator(".result")).to_have_count(20)
    assert result_titles(page)[:10] == newest
    expect(page.locator(".pagination__position")).to_have_text("Page 1 of 2")
    expect(page.get_by_label("Per page")).to_have_value("20")


def test_a_misspelling_offers_did_you_mean(page, live_server, expect, screenshots, page_errors):
    page.goto(live_server + "/")
    submit_query(page, MISSPELLING)

    expect(page.locator("#result-count")).to_have_text(f"No resources found for “{MISSPELLING}”")
    expect(page.get_by_role("status")).to_have_text(f"No resources found for “{MISSPELLING}”")
    expect(page.locator(".result")).to_have_count(0)
    suggestion = json_of_page(page, live_server)["suggestions"]["did_you_mean"]
    # "crises": one resource's title, and one report's text.
    assert (suggestion["q"], suggestion["total"]) == ("crises", 2)
    notice = page.locator(".notice--suggestion")
    expect(notice).to_have_text("Did you mean crises? (2 resources)")
    page.screenshot(path=screenshots / "no-results.png", full_page=True)

    notice.get_by_role("link", name=suggestion["q"]).click()
    page.wait_for_url(re.compile(r"q=crises"))
    assert params_of(page.url) == {"q": ["crises"]}
    expect(page.locator(".result")).to_have_count(suggestion["total"])
    expect(search_box(page)).to_have_value("crises")
    assert page_errors == []


def test_filters_that_exclude_everything_offer_their_removal(page, live_server, expect):
    page.goto(live_server + EXCLUDING_FILTERS)
    expect(page.locator("#result-count")).to_have_text(f"No resources found for “{QUERY}”")
    removals = get_json(page, live_server, "/search.json?" + EXCLUDING_FILTERS.split("?")[1])[
        "suggestions"
    ]["remove_filters"]
    assert [(r["facet"], r["value"], r["total"]) for r in removals] == [
        ("type", "Video", 8),  # 3 of them by their documents' text
        ("topic", TOPIC, 1),
    ]
    offers = page.locator(".notice--suggestion li")
    expect(offers).to_have_text(
        [
            f"Remove {r['facet']} “{r['value']}” ({r['total']} {'resource' if r['total'] == 1 else 'resources'})"
            for r in removals
        ]
    )
    page.get_by_role("link", name="Remove type “Video”").click()
    page.wait_for_url(lambda url: "type=" not in url)
    assert params_of(page.url) == {"q": [QUERY], "topic": [TOPIC]}
    expect(page.locator(".result")).to_have_count(removals[0]["total"])
    # Eight results (since the full-text resources joined the shipped corpus) are not few:
    # suggestions come under 5 results, so no removal is offered any more.
    expect(offers).to_have_count(0)


def test_a_result_opens_its_resource_page(page, live_server, expect, screenshots, page_errors):
    page.goto(f"{live_server}/search?q={QUERY}")
    first = json_of_page(page, live_server)["results"][0]
    page.get_by_role("link", name=first["title"], exact=True).click()
    page.wait_for_url(re.compile(r"/resources/"))

    assert page.url == f"{live_server}/resources/{first['id']}"
    resource = get_json(page, live_server, f"/resources/{first['id']}.json")
    expect(page.get_by_role("heading", level=1)).to_have_text(resource["title"])
    facts = page.locator(".resource__facts > div")
    expect(facts.locator("dt")).to_have_text(["Type", "Year", "Topics"])
    expect(facts.locator("dd").nth(0)).to_have_text(", ".join(resource["types"]))
    expect(facts.locator("dd").nth(1)).to_have_text(str(resource["year"]))
    expect(facts.locator("dd").nth(2).get_by_role("link")).to_have_text(resource["topics"])
    listed = page.get_by_role("region", name="Where it is listed").locator("li")
    expect(listed).to_have_count(len(resource["sources"]))
    related = page.get_by_role("region", name="Related resources").get_by_role("link")
    expect(related).to_have_text([item["title"] for item in resource["related"]])
    assert resource["related"], "the first crisis result has related resources"
    page.screenshot(path=screenshots / "resource.png", full_page=True)

    related.first.click()
    page.wait_for_url(f"{live_server}/resources/{resource['related'][0]['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(resource["related"][0]["title"])
    page.go_back()
    page.get_by_role("link", name="Resource search", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find resources")
    assert page_errors == []
