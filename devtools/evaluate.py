"""`make eval`: score the running assistant on conversation cases, over the web chat contract.

    python -m devtools.evaluate [CASES.yml ...] [--url http://127.0.0.1:8000]

Each case is one new conversation (format: ../shared/eval/README.md). Without --url the whole
assistant is started on free ports with a throw-away SQLite database and stopped afterwards.
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

# Our held-out question per topic, and the published development cases beside the repo.
OUR_CASES = ROOT / "eval" / "topic-questions.yml"
SHARED_CASES = ROOT.parent / "shared" / "eval" / "dev-questions.yml"
# The conversation topic each non-answer kind must reply with (see the conversation contract).
KIND_TOPICS = {"crisis": "crisis", "handoff": "human", "callback": "callback",
               "out_of_scope": "out-of-scope"}  # fmt: skip


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
    elif KIND_TOPICS[expect["kind"]] not in topics:
        outcome.problems.append(f"topic {topics}, expected {KIND_TOPICS[expect['kind']]}")
    for pattern in expect.get("mention", []):
        if not re.search(pattern, text, re.IGNORECASE):
            outcome.problems.append(f"reply does not mention /{pattern}/")
    if expect.get("any") and not any(re.search(p, text, re.IGNORECASE) for p in expect["any"]):
        outcome.problems.append(f"reply matches none of {expect['any']}")
    return outcome


def converse(client: httpx.Client, case: dict[str, Any]) -> list[dict[str, Any]]:
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
    return replies


def evaluate(base_url: str, cases: list[dict[str, Any]]) -> list[Outcome]:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        return [score(case, converse(client, case)) for case in cases]


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
    cases = load_cases(args.cases or [p for p in (OUR_CASES, SHARED_CASES) if p.exists()])
    if args.url:
        outcomes = evaluate(args.url, cases)
    else:
        with tempfile.TemporaryDirectory(prefix="eval-") as tmp:
            var_dir = Path(tmp)
            ports = Ports.free()
            specs = local_stack(ports, f"sqlite:///{var_dir / 'service.db'}", var_dir)
            supervisor = Supervisor(var_dir / "logs")
            try:
                print("Starting the assistant (about 30 seconds)...", flush=True)
                supervisor.start_all(specs)
                outcomes = evaluate(f"http://127.0.0.1:{ports.service}", cases)
            finally:
                supervisor.stop_all()
    print(report(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
