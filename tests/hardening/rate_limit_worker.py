"""A second app in a process of its own, as a second gunicorn worker would be.

    python -m tests.hardening.rate_limit_worker INDEX RATE_LIMIT RATE_LIMIT_STORAGE

Reads one request a line on stdin (`PATH CLIENT-ADDRESS`) and answers each with its status
on stdout, so a test can interleave its requests with those of an app in its own process.
"""

from __future__ import annotations

import sys

from search_app import create_app


def main(index: str, limit: str, storage: str) -> None:
    app = create_app({"INDEX_DIR": index, "RATE_LIMIT": limit, "RATE_LIMIT_STORAGE": storage})
    client = app.test_client()
    print("ready", flush=True)
    for line in sys.stdin:
        path, address = line.split()
        response = client.get(path, environ_base={"REMOTE_ADDR": address})
        print(response.status_code, flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
