"""Cross-validation folds grouped by gold paragraph, for :mod:`eval.train`.

Folds drawn by question put paraphrases of one question, and other questions answered by the
same sentence, on both sides of a split: the model is then scored on what it memorised. Here
a question's group is the paragraph of the sentence that holds its evidence
(:class:`eval.gold.Corpus`); an unanswerable question, which has none, joins the paragraph of
its top retrieved passage (a near miss about Komatsu goes with the Komatsu questions it
resembles). No paragraph's questions then sit in both a training and a test fold.
"""

from __future__ import annotations

import numpy as np

from eval.gold import Corpus

SEED = 0


def paragraph_group(record: dict, corpus: Corpus) -> tuple[str, int]:
    """``(source, paragraph)`` of a training record (from :func:`eval.train.collect`)."""
    gold = corpus.gold(record["item"]) if record["item"].answerable else []
    if gold:
        return gold[0].source, gold[0].paragraph
    if record["hits"]:
        passage = record["hits"][0].passage
        return passage.source, passage.paragraph
    return "", -1  # nothing retrieved: a group of its own kind


def grouped_folds(records: list[dict], corpus: Corpus, folds: int, seed: int = SEED) -> list[np.ndarray]:
    """Test folds (arrays of record indexes) that keep each gold paragraph's questions together,
    with answerable and unanswerable questions spread over the folds as evenly as groups allow."""
    from sklearn.model_selection import StratifiedGroupKFold

    groups = [paragraph_group(r, corpus) for r in records]
    codes = {g: i for i, g in enumerate(dict.fromkeys(groups))}
    if len(codes) < folds:
        raise ValueError(f"only {len(codes)} paragraphs for {folds} folds")
    labels = np.array([r["item"].answerable for r in records])
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [test for _, test in splitter.split(np.zeros(len(records)), labels, [codes[g] for g in groups])]
