"""Step one and a half, run safely: documents extracted in worker processes, cached by hash.

The build reads each linked file itself (safely: `documents.read_document`) and hashes its
bytes. A document whose hash (and format) is in the cache is never extracted again: the
cache is a folder the caller gives, one JSON file per document, written atomically, keyed
by `EXTRACTOR_VERSION` too so that a change to extraction starts a fresh cache. The others
go to worker processes forked from the build (they die with it, as `parallel.py`'s do), one
document at a time, each under a time limit (`TIME_LIMIT`: the worker is killed and a fresh
one started) and a memory limit (`MEMORY_LIMIT` more address space than the worker had at its
start, set with `RLIMIT_AS`: a library that runs out raises MemoryError or dies). A timed-out
or killed worker costs one document, reported as `ExtractionTimedOut` or `ExtractionCrashed`
with its file; the build goes on. Timeouts and crashes are not cached (load may cause them);
every other outcome, readable or not, is.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import posixpath
import resource
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, replace
from multiprocessing.connection import wait
from pathlib import Path

from . import documents
from .documents import (
    LINK,
    Document,
    DocumentError,
    ExtractionCrashed,
    ExtractionTimedOut,
    read_document,
)
from .parallel import workers_of_this_process

EXTRACTOR_VERSION = 1  # raise when extraction changes: cached texts are then made again
TIME_LIMIT = 30.0  # seconds one document may take; the 21-page EO takes 0.05 s
MEMORY_LIMIT = 1024 * 1024 * 1024  # bytes of address space a worker may add while extracting
UNCACHED = (ExtractionTimedOut.__name__, ExtractionCrashed.__name__)

Extractor = Callable[[str, bytes], tuple[str, ...]]
OnDocument = Callable[[Document, bool], None]


def _address_space() -> int:
    """This process's virtual memory size in bytes (Linux), or 0 when it cannot be read."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _serve(connection, memory_limit: int, extract: Extractor) -> None:
    """A worker: cap its memory, then extract each (format, bytes) it is sent, until told to stop."""
    limit = _address_space() + memory_limit
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        if job is None:
            return
        format, data = job
        try:
            answer = ("pages", extract(format, data))
        except DocumentError as error:
            answer = ("error", type(error).__name__, str(error))
        except MemoryError:
            connection.send(("error", ExtractionCrashed.__name__, "ran out of its memory limit"))
            return  # a library that ran out of memory may be left broken: start afresh
        except Exception as error:  # a library's own failure on a damaged file
            answer = (
                "error",
                documents.CorruptDocument.__name__,
                f"unreadable ({type(error).__name__})",
            )
        connection.send(answer)


class _Worker:
    """One worker process, its pipe, and the document it is extracting with its deadline."""

    def __init__(self, context, memory_limit: int, extract: Extractor):
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child, memory_limit, extract), daemon=True
        )
        self.process.start()
        child.close()
        self.job: Document | None = None
        self.deadline = 0.0

    def start(self, pending: Document, data: bytes, time_limit: float) -> None:
        self.job, self.deadline = pending, time.monotonic() + time_limit
        self.connection.send((pending.format, data))

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            with contextlib.suppress(OSError):  # the worker already gone
                self.connection.send(None)
        self.process.join()
        self.connection.close()


class DocumentCache:
    """Extracted documents by content hash and format, as JSON files in one folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder) / f"v{EXTRACTOR_VERSION}"

    def _file(self, sha256: str, format: str) -> Path:
        return self.folder / sha256[:2] / f"{sha256}.{format}.json"

    def get(self, pending: Document) -> Document | None:
        """The cached outcome for this document's bytes, under its own source; None if absent."""
        try:
            saved = json.loads(self._file(pending.sha256, pending.format).read_text("utf-8"))
            return replace(
                pending,
                pages=tuple(saved["pages"]),
                problem=saved["problem"],
                level=saved["level"],
                message=saved["message"],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent, or damaged: extract again

    def put(self, document: Document) -> None:
        """Remember an outcome (not a timeout or crash), atomically."""
        if document.problem in UNCACHED or not document.sha256:
            return
        path = self._file(document.sha256, document.format)
        path.parent.mkdir(parents=True, exist_ok=True)
        saved = {
            k: v
            for k, v in asdict(document).items()
            if k in ("pages", "problem", "level", "message")
        }
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)


def _prepare(corpus: Path, source: str) -> tuple[Document, bytes | None]:
    """A document's record before extraction (its size and hash), or its failure to be read."""
    format = posixpath.splitext(source)[1].lstrip(".").lower()  # until format_of says
    try:
        format = documents.format_of(source)
        if format == LINK:
            return Document(source, LINK), None
        data = read_document(corpus, source)
    except DocumentError as error:
        return Document.failed(source, format, error), None
    return Document(source, format, size=len(data), sha256=documents.sha256(data)), data


def extract_all(
    sources: Iterable[str],
    corpus: Path,
    cache_dir: Path,
    processes: int = 1,
    on_document: OnDocument | None = None,
    *,
    time_limit: float = TIME_LIMIT,
    memory_limit: int = MEMORY_LIMIT,
    extract: Extractor = documents.extract_pages,
) -> dict[str, Document]:
    """Every document's text, by source: from the cache, else from `processes` workers.

    `sources` are corpus-relative paths or outside addresses (`documents.locate`). Each
    finished document is passed to `on_document(document, from_cache)` as it comes.
    """
    cache = DocumentCache(cache_dir)
    results: dict[str, Document] = {}
    queue: list[tuple[Document, bytes]] = []

    def finish(document: Document, cached: bool) -> None:
        results[document.source] = document
        if not cached:
            cache.put(document)
        if on_document:
            on_document(document, cached)

    for source in dict.fromkeys(sources):
        pending, data = _prepare(corpus, source)
        known = cache.get(pending) if data is not None else None
        if data is None or known is not None:
            finish(known or pending, known is not None)
        else:
            queue.append((pending, data))
    if queue:
        _run_workers(
            queue, max(1, min(processes, len(queue))), time_limit, memory_limit, extract, finish
        )
    return results


def _run_workers(queue, processes, time_limit, memory_limit, extract, finish) -> None:
    """Extract the queued documents in `processes` workers, replacing any that time out or die."""
    context = multiprocessing.get_context("fork")
    queue = list(reversed(queue))
    with workers_of_this_process():
        workers = [_Worker(context, memory_limit, extract) for _ in range(processes)]
        try:
            while queue or any(worker.job for worker in workers):
                for worker in workers:
                    if worker.job is None and queue:
                        worker.start(*queue.pop(), time_limit)
                busy = [worker for worker in workers if worker.job]
                timeout = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
                ready = wait([worker.connection for worker in busy], timeout)
                for index, worker in enumerate(workers):
                    if not worker.job:
                        continue
                    job = worker.job
                    if worker.connection in ready:
                        try:
                            answer = worker.connection.recv()
                        except (EOFError, OSError):
                            answer = (
                                "error",
                                ExtractionCrashed.__name__,
                                "the worker died (a crash, or over its memory limit)",
                            )
                    elif time.monotonic() >= worker.deadline:
                        answer = (
                            "error",
                            ExtractionTimedOut.__name__,
                            f"took over the {time_limit:g} s time limit; stopped",
                        )
                    else:
                        continue
                    worker.job = None
                    finish(_outcome(job, answer), False)
                    if answer[0] == "error" and answer[1] in UNCACHED:
                        worker.stop(kill=True)
                        workers[index] = _Worker(context, memory_limit, extract)
        finally:
            for worker in workers:
                worker.stop(kill=worker.job is not None)


def _outcome(job: Document, answer: tuple) -> Document:
    if answer[0] == "pages":
        return replace(job, pages=tuple(answer[1]))
    _, name, message = answer
    error = getattr(documents, name, documents.CorruptDocument)(message)
    return Document.failed(job.source, job.format, error, size=job.size, sha256=job.sha256)
