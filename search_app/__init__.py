"""The search app: the Flask-free search core (`search`, `query`, `facets`...) and, through
`create_app` (in `app.py`), the web app serving the published index.

The package imports nothing heavy itself: `import search_app.search` (the CLI, the
benchmarks) loads no Flask. `from search_app import create_app` still works: the names of
`app.py` are imported on first use (PEP 562's module `__getattr__`).
"""

from __future__ import annotations

from importlib import import_module

# The app factory's public names, resolved from `search_app.app` when first asked for.
APP_NAMES = frozenset(
    {
        "DEFAULTS",
        "STATIC_MAX_AGE",
        "CONTENT_SECURITY_POLICY",
        "SECURITY_HEADERS",
        "create_app",
        "limit_rate",
        "add_security_headers",
    }
)

__all__ = sorted(APP_NAMES)


def __getattr__(name: str):
    """Import `app.py` (and so Flask) only when one of its names is asked for."""
    if name in APP_NAMES:
        return getattr(import_module(".app", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
