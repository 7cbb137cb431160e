"""Where SUPPORT_THRESHOLD comes from: ``python -m eval.calibrate_llm``.

Each answerable question of eval/qa_dev.jsonl becomes a claim, "question — gold answer.",
scored (as the post-check scores it) against the passage holding its evidence (should
be supported) and against the best-ranked passage that does not hold it (should not).
Prints the share of each that passes, per language, for thresholds around the chosen one.
"""

from __future__ import annotations

import numpy as np

from answering.chain import Savol
from answering.llm.check import SUPPORT_THRESHOLD, SupportChecker
from eval.dataset import load_dataset
from eval.metrics import relevant
from ingest.lang import LANGS
from ingest.settings import PROJECT_ROOT, Settings
from retriever.hybrid import make_query


def main() -> None:
    app = Savol(Settings.from_env())
    app.ensure_index()
    retriever = app.retriever
    checker = SupportChecker(app.store, app.embedder)
    rows = []  # (lang, score with the evidence passage, score with the best passage without it)
    for item in load_dataset(PROJECT_ROOT / "eval" / "qa_dev.jsonl"):
        if not item.answerable:
            continue
        docs = retriever.search(make_query(item.question), k=10)
        claim = f"{item.question.rstrip('?')} — {item.answers[0]}."
        good = [d for d in docs if relevant(d.text, item.evidence)]
        bad = [d for d in docs if not relevant(d.text, item.evidence)]
        if not good or not bad:
            continue
        (vector,) = checker.embed_claims([claim])
        rows.append((item.lang, checker.support(claim, vector, good[0])[0], checker.support(claim, vector, bad[0])[0]))
    print(f"{len(rows)} claims; passes with evidence / passes without it")
    for t in np.round(np.arange(SUPPORT_THRESHOLD - 0.02, SUPPORT_THRESHOLD + 0.021, 0.01), 3):
        cells = []
        for lang in (*LANGS, "all"):
            sel = [r for r in rows if lang in (r[0], "all")]
            if sel:
                cells.append(f"{lang} {np.mean([r[1] >= t for r in sel]):.2f}/{np.mean([r[2] >= t for r in sel]):.2f}")
        print(f"{t:.3f}{' *' if abs(t - SUPPORT_THRESHOLD) < 1e-9 else '  '} " + "  ".join(cells))


if __name__ == "__main__":
    main()
