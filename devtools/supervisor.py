"""Start processes, wait until each answers its health URL, and stop them all cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import httpx

from devtools.processes import ProcessSpec


class StartFailed(RuntimeError):
    pass


class Supervisor:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.specs: dict[str, ProcessSpec] = {}
        self._logs: list[IO[bytes]] = []

    def start(self, spec: ProcessSpec) -> subprocess.Popen[bytes]:
        running = self.running.get(spec.name)
        if running is not None and running.poll() is None:
            # Replacing it would orphan a live process that still answers on its port.
            raise StartFailed(f"{spec.name} is already running")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{spec.name}.log", "ab")  # noqa: SIM115 (closed in stop_all)
        self._logs.append(log)
        process = subprocess.Popen(
            spec.argv,
            cwd=spec.cwd,
            env={**os.environ, **spec.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we stop the children ourselves
            # In the child before it starts, so every thread it makes has the same priority.
            preexec_fn=(lambda: os.nice(spec.niceness)) if spec.niceness else None,
        )
        self.running[spec.name] = process
        self.specs[spec.name] = spec
        return process

    def wait_healthy(self, spec: ProcessSpec, timeout: float = 180.0) -> None:
        process = self.running[spec.name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StartFailed(
                    f"{spec.name} exited with code {process.returncode}; "
                    f"see {self.log_dir / (spec.name + '.log')}"
                )
            try:
                if httpx.get(spec.health_url, timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise StartFailed(f"{spec.name} not healthy after {timeout:.0f}s")

    def start_all(
        self, specs: list[ProcessSpec], on_ready: Callable[[ProcessSpec], None] | None = None
    ) -> None:
        """Start every process, then wait for each: slow starters (Rasa) load in parallel."""
        for spec in specs:
            self.start(spec)
        for spec in specs:
            self.wait_healthy(spec)
            if on_ready:
                on_ready(spec)

    def stop(self, name: str, timeout: float = 15.0) -> None:
        process = self.running.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def kill(self, name: str) -> None:
        """Kill a process outright (SIGKILL), as a crash or an OOM kill would."""
        process = self.running.pop(name, None)
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def restart(self, name: str, timeout: float = 180.0) -> None:
        """Start a process again as it was last started, and wait until it is healthy."""
        spec = self.specs[name]
        self.start(spec)
        self.wait_healthy(spec, timeout=timeout)

    def stop_all(self) -> None:
        for name in reversed(list(self.running)):
            self.stop(name)
        for log in self._logs:
            log.close()
        self._logs.clear()
