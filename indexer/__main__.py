"""`python -m indexer`: the same commands as `resource-index`."""

from .cli import main

main()
