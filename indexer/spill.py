"""The texts of a build kept on disk between parsing and writing, so the build holds none.

Merging needs every page's sighting before any resource is written, and a resource page's
description and body are most of a corpus's bytes. As the pages are read, `TextSpill`
writes each text to one file in the version being built and leaves a `Spilled` stand-in in
its place: a short string, empty exactly when the text is, so merging picks the same
sightings it would pick with the texts. The workers writing the index read each text back
(`SpillReader.restore`) as they make its document. Peak memory no longer grows with the
text of the corpus, only with its number of resources.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from .records import Resource, Sighting

SPILL_FILE = "texts.spill"  # inside the version being built; removed once it is written
_ENCODING, _ERRORS = "utf-8", "surrogatepass"


class Spilled(str):
    """A stand-in for a text in the spill file; its value says where (offset and size)."""

    __slots__ = ()

    @classmethod
    def at(cls, offset: int, size: int) -> Spilled:
        return cls(f"\0spilled {offset} {size}")

    def where(self) -> tuple[int, int]:
        _, offset, size = self.split(" ")
        return int(offset), int(size)


class TextSpill:
    """Appends texts to the spill file, giving back their stand-ins."""

    def __init__(self, path: Path):
        self.path = path
        self.file = open(path, "wb")  # noqa: SIM115  (closed by close(), with the build)
        self.offset = 0

    def keep(self, text: str | None) -> str | None:
        """The stand-in of a text (None and "" stay as they are: merging tells them apart)."""
        if not text:
            return text
        data = text.encode(_ENCODING, _ERRORS)
        self.file.write(data)
        spilled = Spilled.at(self.offset, len(data))
        self.offset += len(data)
        return spilled

    def slim(self, sighting: Sighting) -> Sighting:
        """The sighting with its description and body spilled."""
        if not sighting.description and not sighting.body:
            return sighting
        return replace(
            sighting, description=self.keep(sighting.description), body=self.keep(sighting.body)
        )

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> TextSpill:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def spilled_size(resource: Resource) -> int:
    """The bytes of a resource's spilled texts (what writing its document will read)."""
    return sum(
        text.where()[1]
        for text in (resource.description, resource.body)
        if isinstance(text, Spilled)
    )


class SpillReader:
    """Reads texts back from a spill file (in any process: one `pread` a text)."""

    def __init__(self, path: Path | None):
        self.fd = os.open(path, os.O_RDONLY) if path is not None else None

    def text(self, value: str) -> str:
        if not isinstance(value, Spilled):
            return value
        offset, size = value.where()
        return os.pread(self.fd, size, offset).decode(_ENCODING, _ERRORS)

    def restore(self, resource: Resource) -> Resource:
        """The resource with its texts back."""
        if not isinstance(resource.description, Spilled) and not isinstance(resource.body, Spilled):
            return resource
        return replace(
            resource, description=self.text(resource.description), body=self.text(resource.body)
        )

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
