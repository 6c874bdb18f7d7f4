"""`python -m sms_gateway.safeguarding.report`: recall and false alarms of the screen on a
labelled set (eval/safeguarding-cases.yml unless --cases), per category and overall, with every
miss and false alarm listed. Exits 1 when any risk message is missed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from knowledge.loader import knowledge_base
from sms_gateway.safeguarding.screen import default_screen, screen_for

EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"
CASES = EVAL_DIR / "safeguarding-cases.yml"
# Every labelled set: the tuning set and the held-out sets, each written without sight of
# the phrases and measured before the phrases were broadened from it (docs/safeguarding.md).
ALL_CASES = sorted(EVAL_DIR.glob("safeguarding-*.yml"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sms_gateway.safeguarding.report")
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument(
        "--council", help="also use this council's own phrases (its file's safeguarding block)"
    )
    args = parser.parse_args(argv)
    cases = yaml.safe_load(args.cases.read_text())
    if args.council:
        _, councils = knowledge_base()
        screen = screen_for(councils.values())
    else:
        screen = default_screen()
    missed_total = risk_total = 0
    print(f"{args.cases.name}: recall on risk messages (target 100%)")
    for category, messages in cases["risk"].items():
        missed = [m for m in messages if not screen.screen(m, args.council)]
        missed_total += len(missed)
        risk_total += len(messages)
        caught = len(messages) - len(missed)
        print(f"  {category:<26} {caught:>4}/{len(messages):<4} {_percent(caught, len(messages))}")
        for message in missed:
            print(f"      MISSED: {message}")
    caught_total = risk_total - missed_total
    print(
        f"  {'all risk':<26} {caught_total:>4}/{risk_total:<4} {_percent(caught_total, risk_total)}"
    )
    print("False alarms on ordinary messages (aim below 3%)")
    alarm_total = ordinary_total = 0
    for group, messages in cases["ordinary"].items():
        alarms = [(m, screen.screen(m, args.council)) for m in messages]
        alarms = [(m, hits) for m, hits in alarms if hits]
        alarm_total += len(alarms)
        ordinary_total += len(messages)
        rate = _percent(len(alarms), len(messages))
        print(f"  {group:<26} {len(alarms):>4}/{len(messages):<4} {rate}")
        for message, hits in alarms:
            print(f"      alarm ({hits[0].category}: {hits[0].pattern}): {message}")
    print(
        f"  {'all ordinary':<26} {alarm_total:>4}/{ordinary_total:<4} "
        f"{_percent(alarm_total, ordinary_total)}"
    )
    return 1 if missed_total else 0


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:6.1f}%" if whole else "     -"


if __name__ == "__main__":
    sys.exit(main())
