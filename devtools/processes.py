"""How each process of the assistant is started: the one definition used by the run command,
the integration tests, and checked against docker-compose.yml.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT_DIR = ROOT / "bot"
RASA_BIN = BOT_DIR / ".venv" / "bin" / "rasa"
MODEL_PATH = "models/care-leavers.tar.gz"  # relative to bot/

# Quieter TensorFlow start-up; no telemetry from Rasa.
RASA_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYTHONWARNINGS": "ignore",
    "RASA_TELEMETRY_ENABLED": "false",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}
# A Rasa server on one thread of TensorFlow ops: several Rasa processes (one per core) scale
# better than one process spreading each small request over every core, and the service
# and the SMS intake keep a core to run on. docker-compose.yml sets the same.
RASA_SERVER_ENV = {
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
}
# Where everything shares a machine, Rasa gives way for CPU: acknowledging Twilio and the
# service's own work come first (docker-compose.yml: a lower cpu_shares for Rasa). The
# service gives way to the SMS intake, whose acknowledgement Twilio is waiting for, and
# which needs a few milliseconds per text.
RASA_NICENESS = 10
SERVICE_NICENESS = 5


@dataclass(frozen=True)
class Ports:
    service: int = 8000
    rasa: int = 5005
    actions: int = 5055
    fake_twilio: int = 8090
    intake: int = 8001

    @classmethod
    def free(cls) -> Ports:
        """Ports nothing is listening on now (tests and `make eval` run beside `make run`)."""
        return cls(*(free_port() for _ in range(5)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: list[str]
    cwd: Path
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    niceness: int = 0  # added to the process's nice value: lower CPU priority


def rasa_command(port: int, interface: str, endpoints: str = "endpoints.yml") -> list[str]:
    """endpoints.yml: SQLite tracker store (local); endpoints.production.yml: PostgreSQL
    tracker store and Redis lock store (docker-compose.yml)."""
    return [
        "rasa", "run",
        "--interface", interface,
        "--port", str(port),
        "--model", MODEL_PATH,
        "--endpoints", endpoints,
        "--credentials", "credentials.yml",
    ]  # fmt: skip


def actions_command(port: int) -> list[str]:
    return ["rasa", "run", "actions", "--actions", "actions", "--port", str(port)]


def service_command() -> list[str]:
    return ["python", "-m", "sms_gateway"]


def intake_command() -> list[str]:
    return ["python", "-m", "sms_gateway.intake"]


def fake_twilio_command(port: int, webhook_url: str) -> list[str]:
    """`webhook_url`: the service's inbound SMS webhook, where the fake posts texts."""
    return [
        "python", "-m", "devtools.fake_twilio",
        "--port", str(port),
        "--webhook-url", webhook_url,
    ]  # fmt: skip


def _local(argv: list[str]) -> list[str]:
    """Resolve a command's program to the right environment on this machine."""
    program = {"rasa": str(RASA_BIN), "python": sys.executable}[argv[0]]
    return [program, *argv[1:]]


def service_env(ports: Ports, database_url: str, internal_token: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SERVICE_HOST": "127.0.0.1",
        "SERVICE_PORT": str(ports.service),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{ports.service}",
        "RASA_URL": f"http://127.0.0.1:{ports.rasa}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports.actions}",
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{ports.fake_twilio}",
        "INTERNAL_API_TOKEN": internal_token,
    }


@dataclass(frozen=True)
class SharedStores:
    """What several Rasa processes share, as in docker-compose.yml: the tracker store in
    PostgreSQL and the lock store in Redis (endpoints.production.yml)."""

    tracker_host: str
    tracker_port: int
    tracker_db: str
    tracker_user: str
    tracker_password: str
    redis_host: str
    redis_port: int
    redis_db: int

    def rasa_env(self) -> dict[str, str]:
        return {
            "RASA_TRACKER_DB_HOST": self.tracker_host,
            "RASA_TRACKER_DB_PORT": str(self.tracker_port),
            "RASA_TRACKER_DB_NAME": self.tracker_db,
            "RASA_TRACKER_DB_USER": self.tracker_user,
            "RASA_TRACKER_DB_PASSWORD": self.tracker_password,
            "REDIS_HOST": self.redis_host,
            "REDIS_PORT": str(self.redis_port),
            "REDIS_DB": str(self.redis_db),
        }

    def tracker_url(self) -> str:
        """The tracker database as the service's privacy tools reach it."""
        password = f":{self.tracker_password}" if self.tracker_password else ""
        return (
            f"postgresql+psycopg://{self.tracker_user}{password}@{self.tracker_host}:"
            f"{self.tracker_port}/{self.tracker_db}"
        )


def _rasa_processes(
    ports: Ports,
    actions_url: str,
    var_dir: Path,
    extra_ports: tuple[int, ...],
    stores: SharedStores | None,
) -> list[ProcessSpec]:
    """One Rasa server on a SQLite tracker (the default), or several sharing `stores`."""
    if extra_ports and stores is None:
        raise ValueError("several Rasa processes need a shared tracker and lock store")
    if stores is None:
        endpoints, store_env = (
            "endpoints.yml",
            {"RASA_TRACKER_DB": str(var_dir / "rasa-tracker.db")},
        )
    else:
        endpoints, store_env = "endpoints.production.yml", stores.rasa_env()
    return [
        ProcessSpec(
            name="rasa" if index == 0 else f"rasa-{index + 1}",
            argv=_local(rasa_command(port, interface="127.0.0.1", endpoints=endpoints)),
            cwd=BOT_DIR,
            env={**RASA_ENV, **RASA_SERVER_ENV, "ACTION_SERVER_URL": actions_url, **store_env},
            health_url=f"http://127.0.0.1:{port}/",
            niceness=RASA_NICENESS,
        )
        for index, port in enumerate((ports.rasa, *extra_ports))
    ]


def local_stack(
    ports: Ports,
    database_url: str,
    var_dir: Path,
    internal_token: str | None = None,
    extra_rasa_ports: tuple[int, ...] = (),
    stores: SharedStores | None = None,
    sms_intake: bool = False,
) -> list[ProcessSpec]:
    """Every process, in start order, for one machine without Docker.

    `var_dir` holds their local files: Rasa's SQLite tracker store (without `stores`) and
    the service's and intake's spools for texts taken while the database is down.
    The action server and the service share `internal_token` (the service's internal API);
    a new one is made per call, so callers that build the stack in several calls pass one.
    With `stores`, Rasa keeps conversations in PostgreSQL and locks them in Redis, and
    `extra_rasa_ports` start more Rasa processes that the service sends requests round.
    With `sms_intake`, texts from the fake Twilio go to a separate SMS intake process
    (sms_gateway.intake), started after the service (which migrates the database).
    """
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    token = internal_token or secrets.token_urlsafe(32)
    rasa = _rasa_processes(
        ports, f"http://127.0.0.1:{ports.actions}", var_dir, extra_rasa_ports, stores
    )
    tracker_url = stores.tracker_url() if stores else f"sqlite:///{var_dir / 'rasa-tracker.db'}"
    receiver = ports.intake if sms_intake else ports.service
    intake = [_intake_process(ports, database_url, var_dir)] if sms_intake else []
    return [
        ProcessSpec(
            name="fake-twilio",
            argv=_local(
                fake_twilio_command(ports.fake_twilio, f"http://127.0.0.1:{receiver}/twilio/sms")
            ),
            cwd=ROOT,
            health_url=f"http://127.0.0.1:{ports.fake_twilio}/health",
        ),
        ProcessSpec(
            name="actions",
            argv=_local(actions_command(ports.actions)),
            cwd=BOT_DIR,
            env={
                **RASA_ENV,
                "PYTHONPATH": python_path,
                "SERVICE_URL": f"http://127.0.0.1:{ports.service}",
                "INTERNAL_API_TOKEN": token,
            },
            health_url=f"http://127.0.0.1:{ports.actions}/health",
        ),
        *rasa,
        ProcessSpec(
            name="service",
            argv=_local(service_command()),
            cwd=ROOT,
            env={
                **service_env(ports, database_url, token),
                "RASA_URL": ",".join(
                    f"http://127.0.0.1:{p}" for p in (ports.rasa, *extra_rasa_ports)
                ),
                # So `python -m sms_gateway.privacy` also purges and erases Rasa's copy.
                "RASA_TRACKER_DB_URL": tracker_url,
                "SMS_SPOOL_PATH": str(var_dir / "spool" / "service.sqlite3"),
            },
            health_url=f"http://127.0.0.1:{ports.service}/health",
            niceness=SERVICE_NICENESS,
        ),
        *intake,
    ]


def _intake_process(ports: Ports, database_url: str, var_dir: Path) -> ProcessSpec:
    """The SMS intake: the same database and Twilio settings as the service; Twilio's
    signature covers the URL it posts to, which here is the intake's own."""
    return ProcessSpec(
        name="sms-intake",
        argv=_local(intake_command()),
        cwd=ROOT,
        env={
            "DATABASE_URL": database_url,
            "INTAKE_HOST": "127.0.0.1",
            "INTAKE_PORT": str(ports.intake),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{ports.intake}",
            # Its own spool: texts taken while the database is down.
            "SMS_SPOOL_PATH": str(var_dir / "spool" / "intake.sqlite3"),
        },
        health_url=f"http://127.0.0.1:{ports.intake}/health",
    )
