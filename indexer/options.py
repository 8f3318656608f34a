"""The command-line options both CLIs share (`resource-index`, `resource-search`): the
corpus and index folders, with their defaults.

Only click is imported here, so `resource-search` (which needs `--index`) loads neither the
build nor BeautifulSoup.
"""

from __future__ import annotations

from pathlib import Path

import click

DEFAULT_CORPUS = Path("corpus")
DEFAULT_INDEX = Path("index")

corpus_option = click.option(
    "--corpus",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_CORPUS,
    show_default=True,
    help="Folder of resource pages.",
)
index_option = click.option(
    "--index",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_INDEX,
    show_default=True,
    help="Index folder.",
)
