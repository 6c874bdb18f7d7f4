"""`make run`: start the whole assistant on this machine and keep it up until Ctrl-C.

Setup (environments, spaCy pipeline, training) is done by `make setup` before this runs.
"""

from __future__ import annotations

import signal
import sys
import time

from devtools.demo_accounts import describe, seed
from devtools.processes import ROOT, Ports, ProcessSpec, local_stack
from devtools.supervisor import StartFailed, Supervisor
from knowledge.loader import knowledge_base

VAR_DIR = ROOT / "var"


def main() -> int:
    ports = Ports()
    database_url = f"sqlite:///{VAR_DIR / 'service.db'}"
    specs = local_stack(ports, database_url, VAR_DIR)
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
        print(
            f"""
The care leavers' assistant is running.

  Demo council page with the web chat     {base}/demo/lancashire
                                          {base}/demo/northbridge
  Adviser console                         {base}/console/
  Service (web chat API, Twilio webhook)  {base}
    API docs                              {base}/docs
    readiness                             {base}/ready
  Twilio SMS webhook                      {base}/twilio/sms
  Text it as an SMS (phone page)          http://127.0.0.1:{ports.fake_twilio}/
  Fake Twilio Messages API                http://127.0.0.1:{ports.fake_twilio}
  Rasa server                             http://127.0.0.1:{ports.rasa}
  Action server                           http://127.0.0.1:{ports.actions}
  Database                                {database_url}

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
