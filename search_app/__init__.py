"""The search app: a Flask app factory (flaskr style) serving the published index.

Settings come from `DEFAULTS`, then environment variables prefixed `SEARCH_` (for example
`SEARCH_INDEX_DIR=/srv/index`), then the `test_config` mapping.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

# Every setting, with its meaning; the README lists the same (a test keeps them in step).
DEFAULTS = {
    # Folder of the published index (the one `resource-index build --index` writes).
    "INDEX_DIR": "index",
    # Most resources one CSV/RIS/BibTeX export streams.
    "EXPORT_LIMIT": 10_000,
    # Related resources shown for a resource.
    "RELATED_COUNT": 5,
    # Most completions /suggest.json returns.
    "SUGGEST_LIMIT": 8,
}


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: settings, the index holder, the views and the error handlers."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("SEARCH")
    if test_config:
        app.config.from_mapping(test_config)

    from .snapshots import IndexHolder
    from .views import bp, register_error_handlers

    app.extensions["index_holder"] = IndexHolder(Path(app.config["INDEX_DIR"]))
    app.register_blueprint(bp)
    register_error_handlers(app)
    return app
