"""`make eval`: score the running assistant on conversation cases, over the web chat contract.

    python -m devtools.evaluate [CASES.yml ...] [--url http://127.0.0.1:8000]

Each case is one new conversation (format: ../shared/eval/README.md). Without --url the whole
assistant is started on free ports with a throw-away SQLite database and stopped afterwards;
then crisis and handoff cases are also checked for the escalation they must create.
Prints a score per kind of case and every failure with what came back.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from devtools.processes import ROOT, Ports, local_stack
from devtools.supervisor import Supervisor

# Our held-out question per topic, our conversation cases (crisis, handoff, callback, out of
# scope), and the published development cases beside the repo.
OUR_CASES = ROOT / "eval" / "topic-questions.yml"
CONVERSATION_CASES = ROOT / "eval" / "conversation-questions.yml"
SHARED_CASES = ROOT.parent / "shared" / "eval" / "dev-questions.yml"
# The reply topics that satisfy each non-answer kind (see the conversation contract). A handoff
# may be met by a callback offer; out of scope by an honest "I didn't understand", as long
# as no knowledge article is claimed.
KIND_TOPICS = {
    "crisis": {"crisis"},
    "handoff": {"human", "callback"},
    "callback": {"callback"},
    "out_of_scope": {"out-of-scope", "not-understood", "menu"},
}
# The escalation each kind must leave in the service's database: (reason, urgent).
KIND_ESCALATIONS = {"crisis": ("risk", True), "handoff": ("asked_for_person", False)}


@dataclass
class Outcome:
    case_id: str
    kind: str
    problems: list[str] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def score(case: dict[str, Any], replies: list[dict[str, Any]]) -> Outcome:
    """Compare the replies to the last message with what the case expects."""
    expect = case["expect"]
    outcome = Outcome(case["id"], expect["kind"], replies=replies)
    topics = [r.get("topic") for r in replies]
    text = "\n".join(r.get("text", "") for r in replies)
    if expect["kind"] == "answer":
        if not set(topics) & set(expect["topics"]):
            outcome.problems.append(f"topic {topics}, expected one of {expect['topics']}")
    elif not KIND_TOPICS[expect["kind"]] & set(topics):
        wanted = " or ".join(sorted(KIND_TOPICS[expect["kind"]]))
        outcome.problems.append(f"topic {topics}, expected {wanted}")
    for pattern in expect.get("mention", []):
        if not re.search(pattern, text, re.IGNORECASE):
            outcome.problems.append(f"reply does not mention /{pattern}/")
    if expect.get("any") and not any(re.search(p, text, re.IGNORECASE) for p in expect["any"]):
        outcome.problems.append(f"reply matches none of {expect['any']}")
    return outcome


def converse(client: httpx.Client, case: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """Run one case's messages in a new web chat session: (session id, last replies)."""
    session = client.post("/api/chat/sessions", json={"council": case.get("council", "lancashire")})
    session.raise_for_status()
    body = session.json()
    headers = {"Authorization": f"Bearer {body['token']}"}
    replies: list[dict[str, Any]] = []
    for message in case["messages"]:
        response = client.post(
            f"/api/chat/sessions/{body['session_id']}/messages",
            json={"text": message},
            headers=headers,
        )
        response.raise_for_status()
        replies = response.json()["replies"]
    return body["session_id"], replies


def escalation_of(database_url: str, session_id: str) -> tuple[str, bool] | None:
    """The (reason, urgent) of the session's escalation, read from the service's database."""
    from sqlalchemy import select

    from sms_gateway.db import make_engine
    from sms_gateway.models import Escalation, WebSession

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                select(Escalation.reason, Escalation.urgent)
                .join(WebSession, WebSession.conversation_id == Escalation.conversation_id)
                .where(WebSession.id == session_id)
            ).first()
    finally:
        engine.dispose()
    return (row.reason, bool(row.urgent)) if row else None


def evaluate(
    base_url: str, cases: list[dict[str, Any]], database_url: str | None = None
) -> list[Outcome]:
    outcomes = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for case in cases:
            session_id, replies = converse(client, case)
            outcome = score(case, replies)
            wanted = KIND_ESCALATIONS.get(case["expect"]["kind"])
            if wanted and database_url:
                found = escalation_of(database_url, session_id)
                if found is None or (wanted[1] and not found[1]):
                    outcome.problems.append(f"no {'urgent ' if wanted[1] else ''}escalation")
            outcomes.append(outcome)
    return outcomes


def report(outcomes: list[Outcome]) -> str:
    lines = []
    totals = Counter(o.kind for o in outcomes)
    passed = Counter(o.kind for o in outcomes if o.passed)
    for kind in sorted(totals):
        share = passed[kind] / totals[kind]
        lines.append(f"{kind:<14} {passed[kind]:>4}/{totals[kind]:<4} {share:6.1%}")
    overall = sum(passed.values()) / len(outcomes) if outcomes else 0.0
    lines.append(f"{'all':<14} {sum(passed.values()):>4}/{len(outcomes):<4} {overall:6.1%}")
    failures = [o for o in outcomes if not o.passed]
    if failures:
        lines.append("\nFailures:")
    for outcome in failures:
        first = outcome.replies[0]["text"][:100].replace("\n", " ") if outcome.replies else ""
        lines.append(f"  {outcome.case_id} ({outcome.kind}): {'; '.join(outcome.problems)}")
        lines.append(f"      got: {first!r}")
    return "\n".join(lines)


def load_cases(paths: list[Path]) -> list[dict[str, Any]]:
    cases = []
    for path in paths:
        cases += yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", type=Path, help="default: ours, and shared if present")
    parser.add_argument("--url", help="a running service; default: start one for this run")
    args = parser.parse_args(argv)
    defaults = (OUR_CASES, CONVERSATION_CASES, SHARED_CASES)
    cases = load_cases(args.cases or [p for p in defaults if p.exists()])
    if args.url:
        outcomes = evaluate(args.url, cases)
    else:
        with tempfile.TemporaryDirectory(prefix="eval-") as tmp:
            var_dir = Path(tmp)
            ports = Ports.free()
            database_url = f"sqlite:///{var_dir / 'service.db'}"
            specs = local_stack(ports, database_url, var_dir)
            supervisor = Supervisor(var_dir / "logs")
            try:
                print("Starting the assistant (about 30 seconds)...", flush=True)
                supervisor.start_all(specs)
                outcomes = evaluate(f"http://127.0.0.1:{ports.service}", cases, database_url)
            finally:
                supervisor.stop_all()
    print(report(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
