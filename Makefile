# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORPUS ?= corpus
INDEX ?= index
STAMP := $(VENV)/.installed
# Browser tests (tests/browser/): Debian's chromium driven by the `playwright` Python package
# (a test extra), and axe-core from npm (package.json, pinned by package-lock.json).
CHROMIUM := /usr/bin/chromium
NODE_STAMP := node_modules/.installed
# The rate limit's shared store (RATE_LIMIT_STORAGE=redis://...) is tested against Debian's
# redis-server, which tests/hardening/test_rate_limit.py starts on a free loopback port.
REDIS_SERVER := /usr/bin/redis-server

.PHONY: run test test-deps lint index build stats clean bench-relevance

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Playwright's own browser download does not work here: the tests launch Debian's chromium.
# Installed only when missing, which needs root (CI runs as root on a fresh machine).
$(CHROMIUM):
	@if [ "$$(id -u)" != 0 ]; then \
	  echo "error: $(CHROMIUM) is missing; the browser tests need Debian's chromium." >&2; \
	  echo "Install it as root: apt-get update && apt-get install -y --no-install-recommends chromium" >&2; \
	  exit 1; \
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
	@test -x $(CHROMIUM) || { echo "error: apt-get installed chromium but $(CHROMIUM) is missing" >&2; exit 1; }

# Installed only when missing, which needs root, as chromium is. The package's own service is
# not used (nor started here): the tests run a redis-server of their own.
$(REDIS_SERVER):
	@if [ "$$(id -u)" != 0 ]; then \
	  echo "error: $(REDIS_SERVER) is missing; the rate-limit tests need Debian's redis-server." >&2; \
	  echo "Install it as root: apt-get update && apt-get install -y --no-install-recommends redis-server" >&2; \
	  exit 1; \
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server
	@test -x $(REDIS_SERVER) || { echo "error: apt-get installed redis-server but $(REDIS_SERVER) is missing" >&2; exit 1; }

# `npm ci` installs exactly package-lock.json (and wipes node_modules first); the stamp makes
# it run again only when package.json or the lock file change.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is missing; the browser tests need Node.js and npm for axe-core" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# Everything `make test` needs beyond the sources; each step is skipped when already done.
test-deps: $(STAMP) $(CHROMIUM) $(REDIS_SERVER) $(NODE_STAMP)

# Build the index when it is missing; re-index the pages that changed since (a no-op
# when nothing did: `update` compares content hashes).
index: $(STAMP)
	$(BIN)/resource-index update --corpus $(CORPUS) --index $(INDEX)

build: $(STAMP)
	$(BIN)/resource-index build --corpus $(CORPUS) --index $(INDEX)

stats: $(STAMP)
	$(BIN)/resource-index stats --index $(INDEX)

# Serve the published index with gunicorn (workers: 2 per core + 1) on HOST:PORT.
HOST ?= 127.0.0.1
PORT ?= 8000
run: index
	$(BIN)/resource-index stats --index $(INDEX)
	$(BIN)/resource-search serve --index $(INDEX) --host $(HOST) --port $(PORT)

# Ranking quality on ../shared/ir (a few minutes): nDCG@10, MAP, recall@100 vs BM25.
bench-relevance: $(STAMP)
	$(BIN)/python -m bench.relevance

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint test-deps
	$(BIN)/pytest

clean:
	rm -rf $(VENV) $(INDEX) .pytest_cache .ruff_cache node_modules test-output

# The speed benchmark (bench/perf.py, `make bench SIZE=100000`): build, update, query and HTTP
# figures beside straightforward Whoosh, SQLite FTS5 and tantivy. The `bench` extra adds tantivy.
# DOCUMENTS is the share of the generated resources that link a real PDF of 10-40 pages
# (bench/documents.py: extraction pages/s beside pdftotext, a cached rebuild extracting nothing;
# `make bench DOCUMENTS=0` for the pages alone).
SIZE ?= 10000
DOCUMENTS ?= 0.2
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

# bench/extraction.py times the PDF libraries beside Debian's pdftotext (poppler-utils),
# installed only when missing, which needs root (as chromium for the browser tests).
PDFTOTEXT := /usr/bin/pdftotext

$(PDFTOTEXT):
	@if [ "$$(id -u)" != 0 ]; then \
	  echo "error: $(PDFTOTEXT) is missing; the extraction bench compares with it." >&2; \
	  echo "Install it as root: apt-get update && apt-get install -y --no-install-recommends poppler-utils" >&2; \
	  exit 1; \
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils
	@test -x $(PDFTOTEXT) || { echo "error: apt-get installed poppler-utils but $(PDFTOTEXT) is missing" >&2; exit 1; }

.PHONY: bench bench-extraction
bench: $(BENCH_STAMP) bench-extraction
	$(BIN)/python -m bench --size $(SIZE) --documents $(DOCUMENTS)

# Hostile load (issue 11, bench/hostile.py, `make bench-hostile SIZE=10000`): the hostile mix
# sent alone (cold and warm), then HOSTILE_SECONDS of 5 hostile clients beside an ordinary one
# against 5 gunicorn workers; the targets table, and bench/out/hostile-SIZE.json.
HOSTILE_SECONDS ?= 60

.PHONY: bench-hostile
bench-hostile: $(STAMP)
	$(BIN)/python -m bench.hostile --size $(SIZE) --seconds $(HOSTILE_SECONDS)

# PDF extraction: pages/s, word order, hyphens and headers of pypdfium2, pdfminer.six, pypdf
# and pdftotext on corpus/files/*.pdf (a few seconds).
bench-extraction: $(BENCH_STAMP) $(PDFTOTEXT)
	$(BIN)/python -m bench.extraction

# The hardening tests made long (tests/hardening/, tests/fuzz/): a minute of load on gunicorn
# while new versions are published, a SIGKILL at every file operation of a build and of an
# update, a minute of atheris per target and 2,000 hypothesis examples per property.
SOAK_SECONDS ?= 60
SOAK_KILLS ?= 1000
FUZZ_SECONDS ?= 60
FUZZ_EXAMPLES ?= 2000

.PHONY: soak
soak: $(STAMP)
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_KILLS=$(SOAK_KILLS) FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/hardening tests/fuzz -p no:cacheprovider
