"""The NLU cross-validation summary printed by `make nlu-report`."""

from __future__ import annotations

import json
from pathlib import Path

from devtools.nlu_report import fallback_threshold, summarise


def test_summary_gives_overall_scores_and_the_weakest_intents(tmp_path: Path) -> None:
    report = {
        "greet": {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 10},
        "kb_staying_put": {"precision": 0.9, "recall": 0.8, "f1-score": 0.847, "support": 30},
        "kb_staying_close": {"precision": 0.5, "recall": 0.6, "f1-score": 0.545, "support": 30},
        "accuracy": 0.8,
        "macro avg": {"precision": 0.8, "recall": 0.8, "f1-score": 0.797, "support": 70},
        "weighted avg": {"precision": 0.8, "recall": 0.8, "f1-score": 0.75, "support": 70},
    }
    (tmp_path / "intent_report.json").write_text(json.dumps(report))
    errors = [
        {"text": "a", "intent": "kb_staying_put", "intent_prediction": {"confidence": 0.9}},
        {"text": "b", "intent": "kb_staying_put", "intent_prediction": {"confidence": 0.2}},
        {"text": "c", "intent": "greet", "intent_prediction": {"confidence": 0.3}},
    ]
    (tmp_path / "intent_errors.json").write_text(json.dumps(errors))
    summary = summarise(tmp_path, worst=2, threshold=0.4)
    assert "of 3 errors, 1 were at or above the fallback threshold (0.4)" in summary
    assert "intent: accuracy 0.800, macro F1 0.797, weighted F1 0.750 (70 examples)" in summary
    lowest = summary.split("lowest F1 of 3:")[1]
    assert lowest.index("kb_staying_close") < lowest.index("kb_staying_put")
    assert "greet" not in lowest
    assert "response selection: none in this pipeline" in summary


def test_the_threshold_is_read_from_the_pipeline() -> None:
    assert 0.0 < fallback_threshold() < 1.0
