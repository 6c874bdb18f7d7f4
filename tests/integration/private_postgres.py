"""A PostgreSQL server of the test's own (Debian's binaries, a throwaway data directory), so a
test can stop and start it as a restart or fail-over would, without touching the machine's
shared server on 5432 that the other tests use."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from devtools.processes import free_port

# Debian puts the server binaries outside PATH; prefer the newest installed.
_BIN_DIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))


def _binary(name: str) -> str:
    for directory in reversed(_BIN_DIRS):
        if Path(directory, name).exists():
            return str(Path(directory, name))
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian: postgresql)")
    return found


class PrivatePostgres:
    def __init__(self) -> None:
        self.port = free_port()
        # Not under pytest's tmp_path: PostgreSQL refuses to run as root, and the postgres
        # account must be able to reach its data directory.
        self.base = Path(tempfile.mkdtemp(prefix="carebot-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        os.chmod(self.base, 0o755)
        self._as_server_user(
            [_binary("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        start = [_binary("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options]
        self._as_server_user([*start, "-w", "start"])

    def stop(self) -> None:
        """As a restart does: every connection is cut, new ones are refused."""
        self._as_server_user([_binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def remove(self) -> None:
        subprocess.run(
            [_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            user=self._user(),
        )
        shutil.rmtree(self.base, ignore_errors=True)

    def _user(self) -> str | None:
        return "postgres" if os.geteuid() == 0 else None

    def _as_server_user(self, argv: list[str]) -> None:
        if self._user():
            shutil.chown(self.base, "postgres")
        subprocess.run(argv, check=True, capture_output=True, user=self._user(), cwd=self.base)
