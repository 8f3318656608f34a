"""How busy the machine was during each phase of a bench run, so no figure is read alone.

Each phase (the build, the query timing, the HTTP run...) samples the 1-minute load average at
its start, every few seconds while it runs, and at its end, and keeps the largest. The load
average counts the bench's own processes too (5 gunicorn workers and 8 clients push it far
above 2 on a quiet machine), so each phase also measures the CPU time the rest of the machine
used meanwhile: all CPU time spent (`/proc/stat`) minus the bench's own and its finished
children's (`getrusage`). A phase is too busy to trust when the load average went above the
core count at any sample AND other processes used a real share of a core: then something
else waited for, or took, the cores the figure was measured on.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from .measure import DIGITS

SAMPLE_SECONDS = 5.0
OTHERS_LIMIT = 0.25  # cores used by other processes, on average over the phase
IDLE_FIELDS = (3, 4)  # idle and iowait in the "cpu" line of /proc/stat


def load_1min() -> float:
    return round(os.getloadavg()[0], DIGITS)


def machine_cpu_seconds() -> float | None:
    """CPU seconds every core of the machine spent busy since boot (None off Linux)."""
    try:
        line = Path("/proc/stat").read_text(encoding="utf-8").splitlines()[0]
    except OSError:
        return None
    ticks = [int(value) for value in line.split()[1:]]
    busy = sum(ticks) - sum(ticks[i] for i in IDLE_FIELDS if i < len(ticks))
    return busy / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds of this process and of every child it (or they) waited for."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def is_busy(phase: dict, cores: int) -> bool:
    """Too busy to trust: load above the cores at a sample, with others using the cores."""
    others = phase.get("others_cores")
    return phase["max"] > cores and (others is None or others > OTHERS_LIMIT)


class LoadWatch:
    """The load of each named phase of one run: start, end, max and others' cores."""

    def __init__(self, cores: int | None = None):
        self.cores = cores or os.cpu_count() or 1
        self.phases: dict[str, dict] = {}

    @contextmanager
    def phase(self, name: str):
        """Watch the load while the body runs; the figures go to `self.phases[name]`."""
        samples = [load_1min()]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(SAMPLE_SECONDS):
                samples.append(load_1min())

        sampler = threading.Thread(target=sample, daemon=True)
        machine, own, started = machine_cpu_seconds(), own_cpu_seconds(), time.perf_counter()
        sampler.start()
        try:
            yield
        finally:
            stop.set()
            sampler.join()
            samples.append(load_1min())
            seconds = time.perf_counter() - started
            figures = {"start": samples[0], "end": samples[-1], "max": max(samples)}
            machine_after = machine_cpu_seconds()
            if machine is not None and machine_after is not None and seconds > 0:
                ours = own_cpu_seconds() - own
                others = max(0.0, (machine_after - machine) - ours) / seconds
                figures["ours_cores"] = round(ours / seconds, DIGITS)
                figures["others_cores"] = round(others, DIGITS)
            figures["seconds"] = round(seconds, DIGITS)
            figures["busy"] = is_busy(figures, self.cores)
            self.phases[name] = figures

    def worst(self, names: list[str]) -> dict | None:
        """The largest load of the named phases that ran, and whether any was too busy."""
        found = [self.phases[name] for name in names if name in self.phases]
        if not found:
            return None
        return {"max": max(f["max"] for f in found), "busy": any(f["busy"] for f in found)}

    def summary(self) -> dict:
        """For the JSON document: the cores, every phase, and the warning (None if calm)."""
        busy = [name for name, figures in self.phases.items() if figures["busy"]]
        return {
            "cores": self.cores,
            "rule": (
                f"a phase is too busy to trust when the 1-minute load average exceeded "
                f"{self.cores} (the cores) at a sample and other processes used more than "
                f"{OTHERS_LIMIT} of a core on average"
            ),
            "phases": self.phases,
            "busy_phases": busy,
            "warning": warning(busy, self.phases, self.cores),
        }


def warning(busy: list[str], phases: dict, cores: int) -> str | None:
    """The sentence printed above and below the goals table when some phase was too busy."""
    if not busy:
        return None
    details = ", ".join(
        f"{name} {phases[name]['max']} ({phases[name].get('others_cores', '?')})" for name in busy
    )
    return (
        f"too busy to trust: the 1-minute load went above the {cores} cores while other "
        f"processes used more than {OTHERS_LIMIT} core, during {details} "
        "[phase: load (others' cores)]; run again on a quiet machine"
    )
