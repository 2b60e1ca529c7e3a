"""The shared progress helper: plain lines at most every 30 s off a terminal, a bar on one, the ETA."""

import io
import re

import pytest

from badminima.experiments.progress import Progress, estimate_remaining, format_duration
from badminima.experiments.sweep import task_work

LINE = re.compile(r"^job: (\d+)/10 runs \((\d+)%\), (\d+:\d\d:\d\d) elapsed, about (\d+:\d\d:\d\d|\?) left(, .*)?$")


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def _lines(stream):
    return [line for line in stream.getvalue().splitlines() if line]


def test_plain_lines_at_most_every_30_s_with_a_last_line():
    clock, stream = FakeClock(), io.StringIO()
    with Progress(10, "job", "runs", stream=stream, clock=clock) as progress:
        for _ in range(10):
            clock.now += 12.0  # one task every 12 s: lines are due at 36, 72, 108 s
            progress.update(note="n=5")
    lines = _lines(stream)
    assert len(lines) == 4
    parsed = [LINE.match(line) for line in lines[:3]]
    assert all(parsed), lines
    assert [int(m.group(1)) for m in parsed] == [3, 6, 9]
    assert [m.group(3) for m in parsed] == ["0:00:36", "0:01:12", "0:01:48"]
    assert parsed[0].group(4) == "0:01:24"  # 36 s for 3 tasks: 7 left take 84 s
    assert parsed[0].group(5) == ", n=5"
    assert lines[3] == "job: 10/10 runs in 0:02:00"


def test_a_short_job_off_a_terminal_prints_nothing():
    clock, stream = FakeClock(), io.StringIO()
    with Progress(10, "job", "runs", stream=stream, clock=clock) as progress:
        for _ in range(10):
            clock.now += 2.0
            progress.update()
    assert stream.getvalue() == ""


def test_disabled_progress_prints_nothing():
    clock, stream = FakeClock(), io.StringIO()
    with Progress(3, "job", stream=stream, clock=clock, enabled=False) as progress:
        clock.now += 100
        progress.update()
    assert stream.getvalue() == ""


def test_ticking_writes_the_elapsed_time_of_a_job_without_updates():
    clock, stream = FakeClock(), io.StringIO()
    progress = Progress(None, "preparing cifar10", stream=stream, clock=clock)
    for _ in range(7):
        clock.now += 10.0
        progress.tick()
    progress.close()
    assert _lines(stream) == ["preparing cifar10: 0:00:30 elapsed", "preparing cifar10: 0:01:00 elapsed",
                              "preparing cifar10 in 0:01:10"]


def test_a_terminal_gets_a_bar_with_the_estimate():
    stream = FakeTerminal()
    with Progress(4, "job", "runs", stream=stream) as progress:
        progress.update(2, note="n=5")
    text = stream.getvalue()
    assert "2/4 runs" in text and "left, n=5" in text and "\r" in text


def test_estimate_uses_the_work_per_size_not_the_first_run():
    # a sweep of sizes 1000, 500, 100 (2 seeds each) starts with its largest run: 10 s for n = 1000.
    works = [1000, 1000, 500, 500, 100, 100]
    left = sum(works) - 1000
    assert estimate_remaining(10.0, 1000, left, task_seconds=10.0, parallel=1) == pytest.approx(22.0)
    assert estimate_remaining(10.0, 1000, left, task_seconds=10.0, parallel=2) == pytest.approx(11.0)
    # counting runs instead would say 5 runs x 10 s = 50 s
    assert estimate_remaining(10.0, 1000, left) == pytest.approx(22.0)  # throughput, no task times


def test_estimate_edge_cases():
    assert estimate_remaining(5.0, 0, 10) is None
    assert estimate_remaining(5.0, 10, 0) == 0.0
    assert format_duration(None) == "?"
    assert format_duration(3725.2) == "1:02:05"


def test_progress_weighs_tasks_by_their_work():
    clock, stream = FakeClock(), io.StringIO()
    progress = Progress(6, "sweep", "runs", work_total=3200, parallel=2, stream=stream, clock=clock)
    clock.now += 10.0
    progress.update(1, work=1000, seconds=10.0)
    assert progress.remaining_s() == pytest.approx(11.0)
    progress.close()


def test_sweep_task_work_is_n_times_runs():
    assert task_work({"n": 300, "seeds": [0, 1, 2]}) == 900
