"""`make run`: start the whole assistant on this machine and keep it up until Ctrl-C.

Setup (environments, spaCy pipeline, training) is done by `make setup` before this runs.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

from sqlalchemy import make_url

from devtools.databases import ensure_database, shared_stores
from devtools.demo_accounts import describe, seed
from devtools.processes import ROOT, Ports, ProcessSpec, SharedStores, free_port, local_stack
from devtools.supervisor import StartFailed, Supervisor
from knowledge.loader import knowledge_base

VAR_DIR = ROOT / "var"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make run", description="Run the whole assistant on this machine."
    )
    parser.add_argument(
        "--rasa-processes",
        type=int,
        default=1,
        help="Rasa servers to start (more than one needs --postgres: they share the tracker "
        "store there and a Redis lock store, as in docker-compose.yml)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server (e.g. postgresql://postgres@127.0.0.1:5432/postgres): the "
        "service's data and Rasa's conversations go in databases carebot_service and "
        "carebot_rasa there, created if missing, instead of SQLite",
    )
    parser.add_argument(
        "--redis",
        metavar="URL",
        default="redis://127.0.0.1:6379/0",
        help="the Redis for Rasa's lock store with --postgres (default: %(default)s)",
    )
    parser.add_argument(
        "--sms-intake",
        action="store_true",
        help="texts go to a separate SMS intake process that only stores and acknowledges "
        "them (sms_gateway.intake), as in docker-compose.yml",
    )
    arguments = parser.parse_args(argv)
    if arguments.rasa_processes < 1:
        parser.error("--rasa-processes must be at least 1")
    if arguments.rasa_processes > 1 and not arguments.postgres:
        parser.error("several Rasa processes need --postgres (a shared tracker store)")
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    ports = Ports()
    stores: SharedStores | None = None
    database_url = f"sqlite:///{VAR_DIR / 'service.db'}"
    if arguments.postgres:
        database_url = ensure_database(arguments.postgres, "carebot_service")
        stores = shared_stores(arguments.postgres, "carebot_rasa", arguments.redis)
    extra_rasa = tuple(free_port() for _ in range(arguments.rasa_processes - 1))
    specs = local_stack(
        ports,
        database_url,
        VAR_DIR,
        extra_rasa_ports=extra_rasa,
        stores=stores,
        sms_intake=arguments.sms_intake,
    )
    logins = seed(database_url, sorted(knowledge_base()[1]), VAR_DIR / "demo-logins.json")
    supervisor = Supervisor(VAR_DIR / "logs")

    def ready(spec: ProcessSpec) -> None:
        print(f"  ready: {spec.name:<12} {spec.health_url}", flush=True)

    def shutdown(*_: object) -> None:
        # Stop once: a second Ctrl-C (or uv forwarding the same signal) must not cut the
        # clean stop of the children short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)  # also when started with SIGINT ignored (nohup, &)
    print("Starting the fake Twilio API, action server, Rasa server and service...", flush=True)
    print(f"(logs in {VAR_DIR / 'logs'}; Rasa takes about 20 seconds to load)", flush=True)
    try:
        supervisor.start_all(specs, on_ready=ready)
        base = f"http://127.0.0.1:{ports.service}"
        shown_database = make_url(database_url).render_as_string(hide_password=True)
        rasa_urls = ", ".join(f"http://127.0.0.1:{p}" for p in (ports.rasa, *extra_rasa))
        sms_url = f"http://127.0.0.1:{ports.intake if arguments.sms_intake else ports.service}"
        print(
            f"""
The care leavers' assistant is running.

  Demo council page with the web chat     {base}/demo/lancashire
                                          {base}/demo/northbridge
  Adviser console                         {base}/console/
  Service (web chat API, Twilio webhook)  {base}
    API docs                              {base}/docs
    readiness                             {base}/ready
  Twilio SMS webhook                      {sms_url}/twilio/sms
  Text it as an SMS (phone page)          http://127.0.0.1:{ports.fake_twilio}/
  Fake Twilio Messages API                http://127.0.0.1:{ports.fake_twilio}
  Rasa server(s)                          {rasa_urls}
  Action server                           http://127.0.0.1:{ports.actions}
  Database                                {shown_database}

Log in to the adviser console as (demo accounts; each sees only its own council):
{describe(logins)}

Try it (in another terminal):
  curl -s -X POST {base}/api/chat/sessions -H 'content-type: application/json' \\
       -d '{{"council": "lancashire"}}'
  open http://127.0.0.1:{ports.fake_twilio}/ and text as a young person would, or:
  uv run python -m devtools.send_sms "can I stay with my foster carers after 18"
  uv run python -m devtools.send_sms --show-replies

Press Ctrl-C to stop everything.""",
            flush=True,
        )
        while True:
            for name, process in supervisor.running.items():
                if process.poll() is not None:
                    raise StartFailed(f"{name} stopped unexpectedly (code {process.returncode})")
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    except StartFailed as error:
        print(f"\nError: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        supervisor.stop_all()
        print("All processes stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
