"""The supervisor starts each process as its spec says, priority included."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from devtools.processes import ProcessSpec
from devtools.supervisor import Supervisor

PRINT_NICENESS = "import os, threading; print(os.nice(0)); t = threading.Thread(target=lambda: print(os.nice(0))); t.start(); t.join()"  # noqa: E501


def test_a_process_started_with_niceness_runs_at_lower_priority(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path)
    ours = os.nice(0)
    for name, niceness in (("plain", 0), ("niced", 7)):
        spec = ProcessSpec(
            name=name,
            argv=[sys.executable, "-c", PRINT_NICENESS],
            cwd=tmp_path,
            health_url="",
            niceness=niceness,
        )
        assert supervisor.start(spec).wait(timeout=30) == 0
    supervisor.stop_all()
    plain = (tmp_path / "plain.log").read_text().split()
    niced = (tmp_path / "niced.log").read_text().split()
    assert plain == [str(ours)] * 2
    # The process and the threads it starts (Rasa's TensorFlow threads) alike.
    assert niced == [str(min(ours + 7, 19))] * 2
