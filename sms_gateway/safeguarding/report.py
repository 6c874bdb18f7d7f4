"""`python -m sms_gateway.safeguarding.report`: recall and false alarms of the screen on the
labelled set (eval/safeguarding-cases.yml), per category, with every miss listed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from sms_gateway.safeguarding.screen import default_screen

CASES = Path(__file__).resolve().parents[2] / "eval" / "safeguarding-cases.yml"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sms_gateway.safeguarding.report")
    parser.add_argument("--cases", type=Path, default=CASES)
    cases = yaml.safe_load(parser.parse_args(argv).cases.read_text())
    screen = default_screen()
    missed_any = False
    print("Recall on risk messages (target 100%)")
    for category, messages in cases["risk"].items():
        missed = [m for m in messages if not screen.screen(m)]
        missed_any = missed_any or bool(missed)
        caught = len(messages) - len(missed)
        print(
            f"  {category:<26} {caught:>4}/{len(messages):<4} {100 * caught / len(messages):6.1f}%"
        )
        for message in missed:
            print(f"      MISSED: {message}")
    print("False alarms on ordinary messages (aim below 3%)")
    for group, messages in cases["ordinary"].items():
        alarms = [(m, screen.screen(m)) for m in messages]
        alarms = [(m, hits) for m, hits in alarms if hits]
        rate = 100 * len(alarms) / len(messages)
        print(f"  {group:<26} {len(alarms):>4}/{len(messages):<4} {rate:6.1f}%")
        for message, hits in alarms:
            print(f"      alarm ({hits[0].category}: {hits[0].pattern}): {message}")
    return 1 if missed_any else 0


if __name__ == "__main__":
    sys.exit(main())
