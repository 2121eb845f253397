"""The build's progress display: a live bar with rate and ETA on a terminal, one line per stage
start and end in a log; the clock is injected, so no test waits."""

from __future__ import annotations

import io

import pytest

from solvent.cli.progress import ProgressDisplay, format_duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _log(stages: list[tuple[float, str, int, int]], *, ok: bool = True) -> str:
    clock, out = Clock(), io.StringIO()
    display = ProgressDisplay(out, live=False, clock=clock)
    for at, stage, done, total in stages:
        clock.now = 100.0 + at
        display(stage, done, total)
    clock.now += 1
    display.close(ok=ok)
    return out.getvalue()


def test_a_log_gets_one_line_per_stage_start_and_end() -> None:
    text = _log([
        (0, "read ledger", 0, 1000), (2, "read ledger", 500, 1000), (4, "read ledger", 1000, 1000),
        (5, "sort buckets", 128, 256), (6, "sort buckets", 256, 256),
        (7, "asset trees", 1, 3), (9, "asset trees", 3, 3),
    ])
    assert text.splitlines() == [
        "  read ledger ...",
        "  read ledger: done 1,000/1,000 rows in 4.0 s (250/s)",
        "  sort buckets ...",
        "  sort buckets: done 256/256 buckets in 1.0 s",
        "  asset trees ...",
        "  asset trees: done 3/3 assets in 2.0 s",
    ]
    assert "\r" not in text and "\x1b" not in text


def test_a_stage_without_a_total_ends_when_the_next_one_starts_or_at_close() -> None:
    text = _log([(0, "users.csv", 0, 0), (3, "sign and publish", 0, 0)])
    assert text.splitlines() == [
        "  users.csv ...",
        "  users.csv: done in 3.0 s",
        "  sign and publish ...",
        "  sign and publish: done in 1.0 s",
    ]


def test_a_failed_or_interrupted_stage_says_it_stopped() -> None:
    text = _log([(0, "read ledger", 10, 1000)], ok=False)
    assert text.splitlines()[-1] == "  read ledger: stopped after 1.0 s"


def test_the_context_manager_tells_success_from_failure() -> None:
    out = io.StringIO()
    with pytest.raises(KeyboardInterrupt), ProgressDisplay(out, live=False, clock=Clock()) as display:
        display("read ledger", 1, 10)
        raise KeyboardInterrupt
    assert "stopped" in out.getvalue()


def test_the_live_bar_shows_percent_count_rate_and_eta() -> None:
    clock, out = Clock(), io.StringIO()
    display = ProgressDisplay(out, live=True, clock=clock, width=200)
    display("read ledger", 0, 1_000_000)
    clock.now += 4
    display("read ledger", 400_000, 1_000_000)
    line = out.getvalue().split("\r")[-1]
    assert "read ledger" in line and "[#########..............." in line
    assert " 40%" in line and "400,000/1,000,000 rows" in line and "100,000/s" in line and "ETA 6.0 s" in line
    clock.now += 2  # no progress for 2 s: the rate holds, the ETA counts down
    display("read ledger", 400_000, 1_000_000)
    line = out.getvalue().split("\r")[-1]
    assert "100,000/s" in line and "ETA 4.0 s" in line
    clock.now += 4
    display("read ledger", 1_000_000, 1_000_000)
    assert out.getvalue().endswith("\r  read ledger: done 1,000,000/1,000,000 rows in 10.0 s (100,000/s)\x1b[K\n")
    display.close()


def test_the_live_line_of_a_stage_without_a_total_spins_and_counts_time() -> None:
    clock, out = Clock(), io.StringIO()
    display = ProgressDisplay(out, live=True, clock=clock, width=200)
    display("asset trees", 0, 0)
    clock.now += 2
    display("asset trees", 0, 0)
    last = out.getvalue().split("\r")[-1]
    assert "asset trees" in last and "2.0 s" in last and any(s in last for s in "|/-\\")
    display.close(ok=False)
    assert out.getvalue().endswith("stopped\x1b[K\n")


def test_the_live_line_fits_the_terminal() -> None:
    clock, out = Clock(), io.StringIO()
    display = ProgressDisplay(out, live=True, clock=clock, width=40)
    display("read ledger", 5, 10)
    display.close()
    assert all(len(part.removesuffix("\x1b[K\n").removesuffix("\x1b[K")) <= 40 for part in out.getvalue().split("\r"))


def test_a_broken_stderr_does_not_fail_the_build() -> None:
    out = io.StringIO()
    out.close()
    display = ProgressDisplay(out, live=False, clock=Clock())
    display("read ledger", 1, 2)
    display.close()


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.04, "0.0 s"), (12.34, "12.3 s"), (59.96, "60.0 s"), (245, "4:05"), (3723, "1:02:03")]
)
def test_durations_read_like_a_clock(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
