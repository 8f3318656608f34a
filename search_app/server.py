"""The production server: gunicorn running `create_app`, configured from the CLI."""

from __future__ import annotations

import gc
from pathlib import Path

from gunicorn.app.base import BaseApplication

from .app import create_app

# gunicorn's largest allowed request line: queries up to about 8,000 characters.
MAX_REQUEST_LINE = 8190
TIMEOUT_SECONDS = 30
# gunicorn believes X-Forwarded-Proto (and -Ssl) from loopback unless told otherwise: the app
# alone decides which forwarded headers to believe (PROXY_COUNT, search_app/edge.py).
TRUSTED_FORWARDERS = ""
# Never debug or testing mode in production, whatever SEARCH_DEBUG or SEARCH_TESTING say.
PRODUCTION = {"DEBUG": False, "TESTING": False}


class SearchServer(BaseApplication):
    """gunicorn serving the search app; options come from the CLI, not a config file."""

    def __init__(self, options: dict, index: Path):
        self.options = options
        self.index = index
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # With preload_app this runs once, in gunicorn's master: the index's derived data
        # is read there, and every worker forked from it shares it instead of reading it.
        app = create_app({"INDEX_DIR": str(self.index), **PRODUCTION})
        app.extensions["index_holder"].warm(app.config["WARM_TERMS"])
        # Everything made so far lives as long as the server: moved out of the garbage
        # collector's generations, a worker's collections neither scan it (a full one took
        # 50-100 ms of a worker's first queries) nor write to its pages (copying them).
        gc.collect()
        gc.freeze()
        return app


def run_server(host: str, port: int, workers: int, index: Path) -> None:
    """Serve until stopped (Ctrl-C or SIGTERM)."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "timeout": TIMEOUT_SECONDS,
        "limit_request_line": MAX_REQUEST_LINE,
        "forwarded_allow_ips": TRUSTED_FORWARDERS,
        "preload_app": True,
        "accesslog": "-",
    }
    SearchServer(options, index.resolve()).run()
