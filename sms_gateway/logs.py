"""How the service logs: readable lines, or one JSON object per line for a log collector.

What goes in is ids, statuses, counts and error types: never a phone number or the text of a
message (each call site keeps to that). An exception is logged by its type and traceback
position only, because exception messages can repeat input.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Fields a call site may attach (`extra=`), so a collector can filter by them. Only these are
# written: anything else passed as extra is left out, whatever it holds.
FIELDS = ("message_id", "conversation_id", "council", "status")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, int | str):
                event[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            event["error"] = record.exc_info[0].__name__
            if record.exc_info[2] is not None:
                frame = record.exc_info[2]
                while frame.tb_next is not None:
                    frame = frame.tb_next
                code = frame.tb_frame.f_code
                event["where"] = f"{code.co_filename.rsplit('/', 1)[-1]}:{frame.tb_lineno}"
        return json.dumps(event, ensure_ascii=False)


def configure(level: str, log_format: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
