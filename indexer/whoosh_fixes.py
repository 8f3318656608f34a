"""Two fixes to Whoosh's file layer, applied on import (by `indexer.schema`).

- `W3PerDocReader.has_column` asks the storage whether a column file exists on every call,
  and writing a segment calls it for every posting of a field that keeps no lengths
  (keyword fields, spelling words): a `stat` per posting, a fifth of a build's time. A
  segment's files never change once written, so the answer is remembered per reader.
- `BufferFile`, the file Whoosh reads a segment's parts through (a view of the memory-mapped
  segment), copies its whole view into a `BytesIO` when it is opened: at 100,000 resources
  every searcher opened read about 1.5 GB into memory first, in every server worker. It
  reads from the view instead, without copying it.
"""

from __future__ import annotations

from whoosh.codec import whoosh3
from whoosh.filedb import structfile

_original_has_column = whoosh3.W3PerDocReader.has_column


def _remembered_has_column(self, fieldname: str) -> bool:
    known = self.__dict__.setdefault("_known_columns", {})
    if fieldname not in known:
        known[fieldname] = _original_has_column(self, fieldname)
    return known[fieldname]


class ViewReader:
    """A read-only file over a buffer (bytes or a memoryview), reading without copying it."""

    def __init__(self, buffer):
        self._buffer = buffer
        self._position = 0

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._buffer)
        if size is not None and size >= 0:
            end = min(end, self._position + size)
        data = bytes(self._buffer[self._position : end])
        self._position = max(self._position, end)
        return data

    def readinto(self, target) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        end = len(self._buffer)
        if size is not None and size >= 0:
            end = min(end, self._position + size)
        view = memoryview(self._buffer)[self._position : end]
        found = bytes(view).find(b"\n") if len(view) < 4096 else _find_newline(view)
        stop = self._position + found + 1 if found >= 0 else end
        return self.read(stop - self._position)

    def seek(self, position: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._position, 2: len(self._buffer)}[whence]
        self._position = max(0, base + position)
        return self._position

    def tell(self) -> int:
        return self._position

    def write(self, data) -> int:
        raise OSError("read-only file")

    def close(self) -> None:
        """The buffer belongs to the segment's storage, which releases it."""

    def __iter__(self):
        while line := self.readline():
            yield line


def _find_newline(view: memoryview) -> int:
    step = 4096
    for start in range(0, len(view), step):
        found = bytes(view[start : start + step]).find(b"\n")
        if found >= 0:
            return start + found
    return -1


def _buffer_file_init(self, buf, name=None, onclose=None):
    self._buf = buf
    self._name = name
    self.file = ViewReader(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


whoosh3.W3PerDocReader.has_column = _remembered_has_column
structfile.BufferFile.__init__ = _buffer_file_init
