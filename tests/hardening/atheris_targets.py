"""Coverage-guided fuzz targets (atheris, libFuzzer's engine), run in a subprocess by
`test_fuzzing.py`: libFuzzer owns the process and exits when its budget is spent.

    python -m tests.hardening.atheris_targets page [libFuzzer options] [SEED_DIR]
    python -m tests.hardening.atheris_targets request INDEX_DIR [libFuzzer options] [SEED_DIR]

`page`: any bytes through the page parser give a resource or a reported problem.
`request`: any path and query string through the app give a 200, or a 4xx/503 with the
error JSON; never a 500 or an exception. Only this project's modules are instrumented (bs4,
lxml, Whoosh and Flask are exercised, not steered), which keeps the runs short.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["indexer", "search_app"]):
    # create_app imports its views lazily: import them here so they are instrumented too.
    import search_app.views
    import search_app.web  # noqa: F401
    from indexer.pages import parse_page
    from search_app import create_app

# Paths the request target picks from; the fuzzer writes the rest of the URL.
PATHS = ["/search.json", "/search", "/search.csv", "/search.ris", "/suggest.json", "/resources/"]
MAX_URL_CHARS = 2000
# What any request may get: results, a redirect of a doubled slash, or a user error.
ANSWERS = {200, 308, 400, 404, 503}


def fuzz_page(data: bytes) -> None:
    """Any bytes: at least one sighting or problem, and every sighting has an id and title."""
    parsed = parse_page("fuzz.html", data)
    if not (parsed.sightings or parsed.problems):
        raise AssertionError(f"no sighting and no problem for {data[:200]!r}")
    for sighting in parsed.sightings:
        if not (sighting.id and sighting.title):
            raise AssertionError(f"a sighting without id or title: {sighting}")


def request_target(index_dir: str):
    """A fuzz target sending any path and query string to an app serving `index_dir`."""
    app = create_app({"INDEX_DIR": index_dir, "RATE_LIMIT": ""})
    app.logger.disabled = True
    client = app.test_client()

    def fuzz_request(data: bytes) -> None:
        provider = atheris.FuzzedDataProvider(data)
        path = PATHS[provider.ConsumeIntInRange(0, len(PATHS) - 1)]
        tail = provider.ConsumeUnicodeNoSurrogates(MAX_URL_CHARS)
        url = path + tail if path.endswith("/") else f"{path}?{tail}"
        response = client.get(url)
        status = response.status_code
        if status not in ANSWERS:
            raise AssertionError(f"{url!r} answered {status}")
        if status >= 400 and response.is_json:
            error = response.get_json()["error"]
            if error["status"] != status or not error["message"]:
                raise AssertionError(f"{url!r} answered {status} with {error}")

    return fuzz_request


def main(argv: list[str]) -> None:
    target, rest = argv[1], argv[2:]
    if target == "page":
        test_one = fuzz_page
    else:
        test_one, rest = request_target(rest[0]), rest[1:]
    atheris.Setup([argv[0], *rest], test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
