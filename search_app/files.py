"""Step four, for documents: a blueprint serving the documents a published version carries.

`/documents/<version>/<source>` answers only for a source listed in the published version's
`documents.json` (`indexer.shelf`): the file is read from `versions/<version>/files/<sha256>`,
a name made of the listing's hash, never of the request's path, so no path from a request
reaches the disk (`..`, other versions' files and unlisted files are all a 404). A link to a
version no longer published is sent to the same document in the published one (302), or is
a 404 once the document is gone.

Byte ranges and conditional requests are Werkzeug's (`send_file(conditional=True)`): PDF
viewers fetch a large document a range at a time. The address names the version and the
file is that version's for good, so browsers and proxies may keep it a year. HTML documents
are sandboxed (their scripts never run on the site's origin); Word files are downloaded.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from flask import Blueprint, current_app, redirect, send_file

from indexer.documents import DOCX, HTML, PDF, TEXT
from indexer.shelf import FILES_DIR, read_listing

from .base import NOT_FOUND, snapshot
from .errors import UserError
from .passages import DOCUMENTS_PATH, document_link

bp = Blueprint("files", __name__)

DOCUMENT_MAX_AGE = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={DOCUMENT_MAX_AGE}, immutable"
MOVED = 302
NOT_PUBLISHED = "There is no such document in the published library."
SHA256 = re.compile(r"[0-9a-f]{64}")
MIMETYPES = {
    PDF: "application/pdf",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    HTML: "text/html",
    TEXT: "text/plain",
}
# The site's policy (`object-src 'none'`) may keep a browser's PDF viewer, a plugin, from
# opening the file: a document gets a policy of its own.
DOCUMENT_POLICY = "frame-ancestors 'none'"
# An HTML document is the corpus's, not ours: no script, a unique origin, its own styles.
HTML_POLICY = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


def listing(version: str, folder: Path) -> dict[str, dict]:
    """A published version's documents listing, read once per version."""
    found = current_app.extensions.get("document_listings", {}).get(version)
    if found is None:
        found = read_listing(folder)
        # Replaced whole (threads may be reading it): only the published version's is kept.
        current_app.extensions["document_listings"] = {version: found}
    return found


@bp.get(f"{DOCUMENTS_PATH}/<version>/<path:source>")
def document_file(version: str, source: str):
    """One document of the published index version, with byte ranges."""
    current = snapshot()
    folder = current_app.extensions["index_holder"].store.versions / current.version
    entry = listing(current.version, folder).get(source)
    if not entry or not entry.get("served") or not SHA256.fullmatch(entry.get("sha256", "")):
        raise UserError(NOT_PUBLISHED, NOT_FOUND)
    if version != current.version:
        response = redirect(document_link(current.version, source), MOVED)
        response.headers["Cache-Control"] = "no-store"
        return response
    path = folder / FILES_DIR / entry["sha256"]
    if not path.is_file():  # the version was pruned under this request
        raise UserError(NOT_PUBLISHED, NOT_FOUND)
    response = send_file(
        path,
        mimetype=MIMETYPES.get(entry["format"], "application/octet-stream"),
        as_attachment=entry["format"] not in (PDF, HTML, TEXT),
        download_name=posixpath.basename(source),
        conditional=True,
        etag=entry["sha256"],
        max_age=DOCUMENT_MAX_AGE,
    )
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["Content-Security-Policy"] = (
        HTML_POLICY if entry["format"] == HTML else DOCUMENT_POLICY
    )
    return response
