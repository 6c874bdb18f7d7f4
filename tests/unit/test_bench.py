"""The benchmark's arithmetic: quantiles by nearest rank, throughput, and memory read from
/proc for a whole process group, and its CPU time."""

from __future__ import annotations

import os

from devtools.bench import Run, cpu_seconds, rss_mb


def test_quantiles_and_throughput() -> None:
    run = Run("x", 10, latencies=[i / 1000 for i in range(1, 101)], seconds=2.0)
    assert run.quantile(0.5) == 51.0 and run.quantile(0.99) == 100.0
    assert run.throughput == 50.0
    assert "nan" in Run("empty", 1).row()


def test_memory_of_this_process_group_is_read() -> None:
    assert rss_mb(os.getpgrp()) > 10


def test_cpu_time_of_this_process_group_grows_with_work() -> None:
    before = cpu_seconds(os.getpgrp())
    sum(i * i for i in range(3_000_000))
    assert cpu_seconds(os.getpgrp()) > before
