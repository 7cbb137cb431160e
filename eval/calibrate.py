"""Calibrate the refusal threshold on raw evidence scores from the dev set.

    python -m eval.calibrate [--dataset eval/qa_dev.jsonl] [--max-false-refusals 0.05]

For every question the answerer's best evidence score is recorded (cosine of the
question with the sentence plus the lexical bonus: raw scores, not LangChain's
relevance conversion, which assumes a distance and is wrong for inner product).
Prints refusal recall and false refusals for each threshold and recommends the one
with the most refusals minus false refusals, false refusals within the limit (the
strictest of equally good thresholds). The chosen
value lives in ``savol.answer.REFUSAL_THRESHOLD``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from eval.benchmark import CALIBRATION_DATASET, build_settings
from eval.dataset import load_dataset
from savol.settings import Settings


def evidence_scores(items, settings: Settings) -> list[tuple[bool, float | None]]:
    """``(answerable, best score or None when the answer-type check already refuses)`` per item."""
    from retriever.hybrid import make_query
    from savol.answer import ExtractiveAnswerer
    from savol.chain import Savol

    app = Savol(settings)
    answerer = ExtractiveAnswerer(app.store, threshold=None, k=settings.k)
    retriever = app.retriever  # one load of the index for all the questions
    out = []
    for item in items:
        query = make_query(item.question, list(item.history), settings.max_history_turns)
        docs = retriever.search(query, k=10)
        scored, best = answerer.best_evidence(" ".join(query.texts), docs)
        out.append((item.answerable, None if best is None else scored[best][0]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=CALIBRATION_DATASET)
    parser.add_argument("--max-false-refusals", type=float, default=0.05)
    args = parser.parse_args(argv)
    items = load_dataset(args.dataset)
    with tempfile.TemporaryDirectory(prefix="savol-calibrate-") as tmp:
        settings, _ = build_settings(Settings.from_env(), Path(tmp))
        scores = evidence_scores(items, settings)
    answerable = [s for a, s in scores if a]
    unanswerable = [s for a, s in scores if not a]
    print(f"{len(answerable)} answerable, {len(unanswerable)} unanswerable questions from {args.dataset}")
    print("threshold  refusal-recall  false-refusals")
    rows = []
    for threshold in np.round(np.arange(0.76, 0.90, 0.005), 3):
        recall = np.mean([s is None or s < threshold for s in unanswerable]) if unanswerable else 0.0
        false = np.mean([s is None or s < threshold for s in answerable])
        print(f"{threshold:9.3f}  {recall:14.3f}  {false:14.3f}")
        if false <= args.max_false_refusals:
            rows.append((round(recall - false, 6), threshold))
    if not rows:
        print(f"no threshold keeps false refusals <= {args.max_false_refusals}")
        return 1
    best_gain = max(gain for gain, _ in rows)
    tied = [t for gain, t in rows if gain == best_gain]
    # Of equally good thresholds take the strictest: a reader is better served by "the article
    # does not say" than by a confident quote that does not answer the question.
    best = tied[-1]
    print(f"recommended REFUSAL_THRESHOLD = {best} (most refusals minus false refusals, "
          f"false refusals <= {args.max_false_refusals}; strictest of {tied[0]}..{tied[-1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
