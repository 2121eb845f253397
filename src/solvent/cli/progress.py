"""The build's progress on stderr: a live bar with rate and ETA on a terminal, one line per stage elsewhere.

:class:`ProgressDisplay` is the ``progress(stage, done, total)`` callback of
:func:`solvent.pipeline.build_v2.build_snapshot_v2` (``total`` is 0 when the stage does
not know it in advance).  A stage starts with its first report and ends when the next
stage starts, when it reports ``done == total``, or when the display is closed.

* On a terminal a single line is redrawn in place, at most a few times a second (a
  timer thread keeps the clock and the spinner moving while a stage reports nothing):
  ``read ledger  [#######.......]  48%  480,000/1,000,000 rows  95,000/s  ETA 0:06``.
  A stage without a total shows a spinner, its count and the time spent.
* Anywhere else (CI logs, a redirected stderr) each stage writes one line when it starts
  and one when it ends, with its count, time and rate: no carriage returns, nothing to
  garble a log.

Standard library only: the ``operator`` extra brings no terminal library, and this is
all a build needs.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

__all__ = ["ProgressDisplay", "format_duration"]

#: What a known stage counts, for the messages; a stage not listed shows bare numbers.
UNITS = {"read ledger": "rows", "sort buckets": "buckets", "asset trees": "assets"}
_SPINNER = "|/-\\"
_REDRAW = 0.2  # seconds between redraws of the live line
_BAR = 24


def format_duration(seconds: float) -> str:
    """``0.4 s``, ``12.3 s``, ``4:05``, ``1:02:03``: short, and never in scientific notation."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _count(n: int) -> str:
    return f"{n:,}"


class _Stage:
    def __init__(self, name: str, now: float) -> None:
        self.name = name
        self.started = now
        self.reported = now  # when ``done`` was last reported
        self.done = 0
        self.total = 0

    def unit(self) -> str:
        return UNITS.get(self.name, "")

    def rate(self) -> float | None:
        """Units per second from the start to the last report (not decaying while nothing reports)."""
        elapsed = self.reported - self.started
        if self.done <= 0 or elapsed <= 0:
            return None
        return self.done / elapsed

    def eta(self, now: float) -> float | None:
        """Seconds left: the estimate at the last report, counting down since."""
        rate = self.rate()
        if rate is None or self.total <= 0:
            return None
        return max((self.total - self.done) / rate - (now - self.reported), 0.0)

    def counted(self) -> str:
        unit = f" {self.unit()}" if self.unit() else ""
        if self.total > 0:
            return f"{_count(self.done)}/{_count(self.total)}{unit}"
        return f"{_count(self.done)}{unit}" if self.done else ""


def _rate(rate: float) -> str:
    return f"{rate:,.0f}/s" if rate >= 10 else f"{rate:.1f}/s"


class ProgressDisplay:
    """A ``progress(stage, done, total)`` callback that draws on ``stream``.

    ``live``: redraw one line in place (default: when ``stream`` is a terminal).
    ``clock`` is injected for tests.  Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        width: int | None = None,
    ) -> None:
        self.stream = stream
        self.live = _is_terminal(stream) if live is None else live
        self.clock = clock
        self.width = width
        self._stage: _Stage | None = None
        self._lock = threading.Lock()
        self._last_draw = 0.0
        self._spin = 0
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None

    # -- the callback ------------------------------------------------------------------------

    def __call__(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            now = self.clock()
            current = self._stage
            if current is None or current.name != stage:
                if current is not None:
                    self._finish(current, now)
                current = self._stage = _Stage(stage, now)
                self._start(current)
            if done != current.done:
                current.reported = now
            current.done, current.total = max(done, 0), max(total, 0)
            if current.total and current.done >= current.total:
                self._finish(current, now)
                self._stage = None
            elif self.live and now - self._last_draw >= _REDRAW:
                self._draw(current, now)

    def close(self, *, ok: bool = True) -> None:
        """End the current stage (``ok``: it finished; otherwise it was stopped) and the timer."""
        self._stop.set()
        if self._timer is not None:
            self._timer.join()
            self._timer = None
        with self._lock:
            stage, self._stage = self._stage, None
            if stage is None:
                return
            now = self.clock()
            if ok:
                self._finish(stage, now)
            elif self.live:
                # Failed or interrupted mid-stage: keep the last state visible, end the line.
                self._draw(stage, now)
                self._write("  stopped\x1b[K\n")
            else:
                self._write(f"  {stage.name}: stopped after {format_duration(now - stage.started)}\n")

    def __enter__(self) -> ProgressDisplay:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None) -> None:
        self.close(ok=t is None)

    # -- drawing -----------------------------------------------------------------------------

    def _start(self, stage: _Stage) -> None:
        if self.live:
            self._draw(stage, stage.started)
            self._ensure_timer()
        else:
            self._write(f"  {stage.name} ...\n")

    def _finish(self, stage: _Stage, now: float) -> None:
        elapsed = now - stage.started
        counted = stage.counted()
        parts = [f"  {stage.name}: done"]
        if counted:
            parts.append(counted)
        parts.append(f"in {format_duration(elapsed)}")
        if stage.done > 0 and stage.unit() == "rows" and elapsed >= 0.1:
            parts.append(f"({_rate(stage.done / elapsed)})")
        line = " ".join(parts)
        if self.live:
            self._write("\r" + self._fit(line) + "\x1b[K\n")
        else:
            self._write(line + "\n")

    def _line(self, stage: _Stage, now: float) -> str:
        elapsed = now - stage.started
        rate = stage.rate()
        eta = stage.eta(now)
        counted = stage.counted()
        if stage.total > 0:
            fraction = min(stage.done / stage.total, 1.0)
            filled = int(fraction * _BAR)
            bar = "#" * filled + "." * (_BAR - filled)
            parts = [f"  {stage.name}", f"[{bar}]", f"{fraction * 100:3.0f}%", counted]
            if rate is not None and eta is not None:
                parts += [_rate(rate), f"ETA {format_duration(eta)}"]
            else:
                parts.append(format_duration(elapsed))
            return "  ".join(p for p in parts if p)
        self._spin = (self._spin + 1) % len(_SPINNER)
        parts = [f"  {stage.name}", _SPINNER[self._spin], counted, format_duration(elapsed)]
        if rate is not None and stage.unit() == "rows":
            parts.append(_rate(rate))
        return "  ".join(p for p in parts if p)

    def _draw(self, stage: _Stage, now: float) -> None:
        self._last_draw = now
        self._write("\r" + self._fit(self._line(stage, now)) + "\x1b[K")

    def _fit(self, line: str) -> str:
        width = self.width or shutil.get_terminal_size((100, 24)).columns
        return line[: max(width - 1, 10)]

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken stderr must not fail the build

    def _ensure_timer(self) -> None:
        if self._timer is not None:
            return
        self._timer = threading.Thread(target=self._tick, name="solvent-progress", daemon=True)
        self._timer.start()

    def _tick(self) -> None:
        while not self._stop.wait(_REDRAW):
            with self._lock:
                if self._stage is not None:
                    self._draw(self._stage, self.clock())


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
