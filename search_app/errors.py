"""The one user-facing error: a message and an HTTP status, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Something the visitor can fix (400) or that they must wait for (503)."""

    def __init__(self, message: str, status: int = 400, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        # What an operator needs besides (server paths, causes): the log and the local CLI
        # show it, HTTP clients never do.
        self.detail = detail

    def to_dict(self) -> dict:
        """The JSON body of the error response."""
        return {"error": {"status": self.status, "message": self.message}}
