"""`make nlu-report`: cross-validate the NLU pipeline and print a summary.

    python -m devtools.nlu_report [--folds 3]

Runs `rasa test nlu --cross-validation` on the training data generated from knowledge/ plus
bot/data/, with bot/config.yml. Each fold trains a model, so this takes about as long as
training once per fold (see docs/architecture.md). Rasa's full reports (per intent, confusion
matrix, errors) are saved in bot/results/nlu-cv/; the summary is printed and saved beside
them as summary.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from devtools.processes import BOT_DIR, RASA_BIN, RASA_ENV

OUT_DIR = BOT_DIR / "results" / "nlu-cv"
REPORTS = {"intent": "intent_report.json", "response selection": "response_selection_report.json"}


def fallback_threshold(config: Path = BOT_DIR / "config.yml") -> float:
    """The FallbackClassifier's threshold: below it the assistant offers options instead."""
    pipeline = yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]
    return float(next(c for c in pipeline if c["name"] == "FallbackClassifier")["threshold"])


def confident_errors(out_dir: Path, threshold: float) -> str | None:
    """Cross-validation reports the classifier's top intent even where the running assistant
    would not answer; split the errors by the fallback threshold."""
    path = out_dir / "intent_errors.json"
    if not path.exists():
        return None
    errors = json.loads(path.read_text(encoding="utf-8"))
    confident = sum(1 for e in errors if e["intent_prediction"]["confidence"] >= threshold)
    return (
        f"  of {len(errors)} errors, {confident} were at or above the fallback threshold "
        f"({threshold}) and would be answered wrongly; {len(errors) - confident} below it would "
        "be offered as options or said not understood"
    )


def summarise(out_dir: Path, worst: int = 12, threshold: float | None = None) -> str:
    lines = []
    for name, filename in REPORTS.items():
        path = out_dir / filename
        if not path.exists():
            lines.append(f"{name}: none in this pipeline (answers come from knowledge/)")
            continue
        report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        macro, weighted = report["macro avg"], report["weighted avg"]
        lines.append(
            f"{name}: accuracy {report['accuracy']:.3f}, macro F1 {macro['f1-score']:.3f}, "
            f"weighted F1 {weighted['f1-score']:.3f} ({int(weighted['support'])} examples)"
        )
        per_label = {
            label: scores
            for label, scores in report.items()
            if isinstance(scores, dict) and "f1-score" in scores and label not in
            ("macro avg", "weighted avg", "micro avg")
        }  # fmt: skip
        if name == "intent":
            split = confident_errors(out_dir, threshold or fallback_threshold())
            if split:
                lines.append(split)
        lowest = sorted(per_label.items(), key=lambda item: item[1]["f1-score"])[:worst]
        lines.append(f"  lowest F1 of {len(per_label)}:")
        for label, scores in lowest:
            lines.append(
                f"    {label:<34} F1 {scores['f1-score']:.3f}  precision "
                f"{scores['precision']:.3f}  recall {scores['recall']:.3f}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args(argv)
    command = [
        str(RASA_BIN), "test", "nlu", "--nlu", "data", "--config", "config.yml",
        "--cross-validation", "--folds", str(args.folds), "--out", str(OUT_DIR),
    ]  # fmt: skip
    print(f"Cross-validating the NLU pipeline ({args.folds} folds)...", flush=True)
    subprocess.run(command, cwd=BOT_DIR, env={**os.environ, **RASA_ENV}, check=True)
    summary = summarise(OUT_DIR)
    (OUT_DIR / "summary.txt").write_text(summary + "\n", encoding="utf-8")
    print(summary)
    print(f"\nFull reports: {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
