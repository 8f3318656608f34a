"""`python -m bench`: the speed benchmark (`bench/perf.py`); `python -m bench.relevance` for ranking."""

from .perf import main

main(prog_name="python -m bench")
