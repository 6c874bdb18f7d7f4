"""JSON logs: one object per line with the fields a collector needs, and an exception logged
by its type and place only (its message could repeat a young person's words)."""

from __future__ import annotations

import json
import logging
import sys

from sms_gateway.logs import JsonFormatter


def record(
    message: str, *args: object, exc_info: object = None, extra: dict | None = None
) -> logging.LogRecord:
    return logging.getLogger("sms_gateway.flow").makeRecord(
        "sms_gateway.flow", logging.WARNING, __file__, 1, message, args, exc_info, extra=extra
    )


def test_a_line_is_one_json_object_with_time_level_logger_and_message() -> None:
    line = JsonFormatter().format(record("message %s answered with %d reply(s)", 42, 2))
    event = json.loads(line)
    assert event["level"] == "WARNING" and event["logger"] == "sms_gateway.flow"
    assert event["message"] == "message 42 answered with 2 reply(s)"
    assert event["time"].endswith("+00:00") and "\n" not in line


def test_an_exception_is_logged_by_type_and_place_not_by_its_message() -> None:
    try:
        raise ValueError("my number is 07700 900123")
    except ValueError:
        line = JsonFormatter().format(record("failed", exc_info=sys.exc_info()))
    event = json.loads(line)
    assert event["error"] == "ValueError" and event["where"].startswith("test_logs.py:")
    assert "07700" not in line


def test_ids_and_statuses_are_fields_of_their_own_and_nothing_else_passed_along_is() -> None:
    extra = {"message_id": 42, "conversation_id": "c-1", "status": "waiting",
             "phone": "+447700900123", "text": "help me"}  # fmt: skip
    event = json.loads(JsonFormatter().format(record("message waiting", extra=extra)))
    assert event["message_id"] == 42 and event["conversation_id"] == "c-1"
    assert event["status"] == "waiting"
    assert "phone" not in event and "text" not in event
