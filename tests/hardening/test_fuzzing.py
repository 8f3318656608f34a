"""Fuzzing where tests/fuzz/test_properties.py stops: coverage-guided runs with atheris (the
page parser; any path and query string through the app), and hypothesis properties of what
that module leaves out (numbers in any script, any resource id or static path, RIS and
BibTeX exports, whole builds of random pages).

FUZZ_SECONDS (atheris, per target) and FUZZ_EXAMPLES (hypothesis) are raised by `make soak`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.build import BuildFailed, build
from indexer.pages import parse_page
from search_app import create_app

from .conftest import FUZZ_EXAMPLES, FUZZ_SECONDS

ROOT = Path(__file__).parents[2]
SHIPPED_PAGES = ROOT / "corpus"
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
# Whole builds are slower: a tenth as many.
BUILDS = settings(FUZZ, max_examples=max(5, FUZZ_EXAMPLES // 10))
ERROR_STATUSES = {400, 404, 429, 503}
TEXT = st.characters(codec="utf-8", exclude_categories=("Cs",))


# Coverage-guided (atheris).


def run_atheris(target: str, args: list[str], seeds: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tests.hardening.atheris_targets", target, *args]
        + [f"-max_total_time={FUZZ_SECONDS}", "-rss_limit_mb=4096", str(seeds)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=FUZZ_SECONDS * 10 + 120,
    )


def record(figures, target: str, result: subprocess.CompletedProcess) -> None:
    runs = re.search(r"Done (\d+) runs in (\d+) second", result.stderr)
    coverage = re.findall(r"cov: (\d+)", result.stderr)
    assert result.returncode == 0 and runs, result.stderr[-4000:]
    figures(
        f"atheris {target}",
        f"{runs[1]} inputs in {runs[2]} s, no failure (coverage {coverage[-1]} edges)",
    )


@pytest.fixture
def atheris_installed():
    pytest.importorskip("atheris", reason="atheris installs on x86-64 Linux only (test extra)")


def test_atheris_any_page_bytes(atheris_installed, tmp_path, figures):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for page in sorted(SHIPPED_PAGES.rglob("*.html"))[:20]:
        shutil.copy(page, seeds / page.name)
    record(figures, "page parser", run_atheris("page", [], seeds))


def test_atheris_any_request(atheris_installed, library_index, tmp_path, figures):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    # Inputs start with the index of the path to request, then the rest of the URL.
    for number, tail in enumerate(
        ["q=footage&page=2", "q=crisis+OR+cit&topic=Use+of+Force", "year_from=2015&sort=title"]
    ):
        (seeds / f"seed-{number}").write_bytes(bytes([number]) + tail.encode())
    (seeds / "resource").write_bytes(b"\x05crisis-intervention-team-handbook.json")
    record(figures, "requests", run_atheris("request", [str(library_index)], seeds))


# Property-based (hypothesis).

NUMBER_CHARACTERS = st.sampled_from(list("0123456789-+ .eE_x") + ["\u00b2", "\u00b9", "\u2460", "\u0663", "\uff11", "\u2070", "\x00"])  # fmt: skip


@FUZZ
@given(
    name=st.sampled_from(["page", "per_page", "year_from", "year_to"]),
    value=st.text(NUMBER_CHARACTERS, max_size=8),
)
def test_any_number_in_any_script_gives_a_200_or_a_400(client, name, value):
    response = client.get("/search.json", query_string={name: value})
    assert response.status_code in (200, 400), (value, response.get_json())
    if response.status_code == 400:
        assert response.get_json()["error"]["message"].startswith(f"{name} must be ")


@FUZZ
@given(
    text=st.text(TEXT, max_size=40), suffix=st.sampled_from(["", ".json", "/"]), raw=st.booleans()
)
def test_any_resource_id_gives_a_resource_or_a_404(client, text, suffix, raw):
    path = text if raw and "?" not in text and "#" not in text else quote(text, safe="")
    response = client.get(f"/resources/{path}{suffix}")
    assert response.status_code in (200, 404, 308), (path, response.status_code)
    if response.status_code == 404 and response.is_json:
        assert response.get_json()["error"]["message"] in (
            "There is no resource with that id.",
            "There is no page at this address.",
        )


STATIC = Path(__file__).parents[2] / "search_app" / "static"


@FUZZ
@given(
    parts=st.lists(
        st.one_of(st.sampled_from(["..", ".", "%2e%2e", "%2f", "%5c", "static", "views.py"]), st.text(TEXT, max_size=8)),
        max_size=6,
    )
)  # fmt: skip
def test_any_static_path_serves_a_static_file_or_nothing(client, parts):
    path = "/".join(quote(p, safe="%") for p in parts)
    response = client.get(f"/static/{path}")
    assert response.status_code in (200, 404, 308), (path, response.status_code)
    if response.status_code == 200:
        served = response.get_data()
        assert any(served == f.read_bytes() for f in STATIC.iterdir()), path
    response.close()


PARAMETERS = st.lists(
    st.tuples(
        st.sampled_from(["q", "topic", "type", "year_from", "year_to", "sort", "page", "format"]),
        st.one_of(st.text(TEXT, max_size=20), st.sampled_from(["opensearch", "Report", "2019"])),
    ),
    max_size=5,
)


@FUZZ
@given(pairs=PARAMETERS, path=st.sampled_from(["/search.ris", "/search.bib", "/suggest.json"]))
def test_any_parameters_of_exports_and_suggestions(client, pairs, path):
    response = client.get(f"{path}?{urlencode(pairs)}")
    assert response.status_code in (200, 400)
    body = response.get_data(as_text=True)
    if response.status_code == 400:
        assert response.get_json()["error"]["message"]
    elif path == "/search.bib":
        # Every entry's braces balance: a title cannot end its entry early.
        assert body.count("{") - body.count("\\{") == body.count("}") - body.count("\\}")


@FUZZ
@given(
    title=st.text(TEXT, max_size=60),
    topics=st.lists(st.text(TEXT, max_size=20), max_size=3),
    body=st.text(TEXT, max_size=200),
    canonical=st.text(TEXT, max_size=30),
)
def test_any_resource_page_gives_a_resource_or_a_reported_problem(title, topics, body, canonical):
    items = "".join(f"<li>{escape(t)}</li>" for t in topics)
    page = (
        f'<html><head><link rel="canonical" href="{escape(canonical)}"></head><body>'
        f'<article class="resource"><h1 class="resource-title">{escape(title)}</h1>'
        f'<ul class="resource-topics">{items}</ul>'
        f'<div class="resource-body"><p>{escape(body)}</p></div></article></body></html>'
    )
    parsed = parse_page("resources/fuzz.html", page.encode("utf-8"))
    assert parsed.sightings or parsed.problems
    for sighting in parsed.sightings:
        assert sighting.id and sighting.title and sighting.id == sighting.id.strip("-")


PAGES = st.lists(
    st.one_of(
        st.binary(max_size=300),
        st.builds(
            lambda title, meta: (
                f'<html><body><article class="resource-card"><p class="resource-meta">{escape(meta)}</p>'
                f'<h3 class="resource-title">{escape(title)}</h3></article></body></html>'
            ).encode(),
            st.text(TEXT, max_size=30),
            st.text(TEXT, max_size=15),
        ),
    ),
    min_size=1,
    max_size=6,
)  # fmt: skip


@BUILDS
@given(pages=PAGES)
def test_any_corpus_builds_or_fails_cleanly_and_is_served(tmp_path_factory, pages):
    root = tmp_path_factory.mktemp("any-corpus")
    corpus, index = root / "corpus", root / "index"
    corpus.mkdir()
    for number, data in enumerate(pages):
        (corpus / f"page-{number}.html").write_bytes(data)
    try:
        report = build(corpus, index)
    except BuildFailed as failure:
        assert str(failure) == "no resources found; refusing to publish an empty index"
        return
    # Every page was read, and each gave a resource or a problem naming it.
    assert report.pages_read == len(pages)
    named = {problem.path for problem in report.problems}
    assert report.resources > 0 and report.published
    client = create_app({"INDEX_DIR": str(index), "RATE_LIMIT": ""}).test_client()
    data = client.get("/search.json?per_page=100").get_json()
    assert data["total"] == report.resources
    sources = {source["path"] for r in data["results"] for source in client.get(f"/resources/{r['id']}.json").get_json()["sources"]}  # fmt: skip
    assert {f"page-{n}.html" for n in range(len(pages))} <= sources | named
