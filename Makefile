# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORPUS ?= corpus
INDEX ?= index
STAMP := $(VENV)/.installed

.PHONY: run test lint index build stats clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Build the index when it is missing; re-index the pages that changed since (a no-op
# when nothing did: `update` compares content hashes).
index: $(STAMP)
	$(BIN)/resource-index update --corpus $(CORPUS) --index $(INDEX)

build: $(STAMP)
	$(BIN)/resource-index build --corpus $(CORPUS) --index $(INDEX)

stats: $(STAMP)
	$(BIN)/resource-index stats --index $(INDEX)

run: index
	$(BIN)/resource-index stats --index $(INDEX)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) $(INDEX) .pytest_cache .ruff_cache
