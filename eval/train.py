"""Train the reranker and the answerability model: ``python -m eval.train``.

    python -m eval.train [--dataset FILE ...] [--output retriever/reranker.json] [--folds 5]

1. A fresh index of the corpus; every training question is retrieved as savol does, and
   each sentence of its top passages becomes a row of general features
   (:mod:`retriever.features`), labelled by whether it holds an accepted answer.
2. The sentence model, a logistic regression, is cross-validated by question (its
   out-of-fold scores feed step 3, so the answerability model learns from scores like
   those it will meet), then fitted on everything.
3. The answerability model, a class-balanced logistic regression over question-level
   features, is cross-validated the same way; the refusal threshold is the highest whose
   out-of-fold false refusals stay within ``--max-false-refusals``.
4. The second-sentence margin is the one that answers most questions right out of fold
   while keeping answers to ``--max-sentences`` on average.

The weights, the threshold and the cross-validated figures go to one JSON file (no pickle).
The figures are given twice: with folds drawn by question (those the weights are chosen
with) and with folds grouped by gold paragraph (:mod:`eval.grouped`: no paragraph's questions
on both sides), which says how much of the first is memorised.
The untouched test sets (eval/qa_test.jsonl, eval/qa_holdout.jsonl) are never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from eval.dataset import Item, load_dataset
from eval.gold import Corpus
from eval.grouped import grouped_folds
from eval.metrics import answer_correct, relevant
from ingest.errors import SavolError
from ingest.lang import LANGS
from ingest.settings import PROJECT_ROOT, Settings, configure_runtime
from retriever.features import (
    CANDIDATE_PASSAGES,
    PER_LANGUAGE,
    QUESTION_FEATURES,
    SENTENCE_FEATURES,
    answerability_features,
)
from retriever.hybrid import make_query
from retriever.rerank import LinearModel, RerankerWeights, feature_matrix

TRAINING_SETS = (PROJECT_ROOT / "eval" / "qa.jsonl", PROJECT_ROOT / "eval" / "qa_train.jsonl")
UNTOUCHED_SETS = ("qa_test.jsonl", "qa_holdout.jsonl", "qa_fresh.jsonl", "qa_fresh2.jsonl", "qa_fresh3.jsonl")
SENTENCE_C = 1.0  # inverse L2 strength; 0.1-10 score alike out of fold
ANSWERABLE_C = 0.1  # its features are correlated (similarities); strong regularisation keeps their signs sensible
MAX_FALSE_REFUSALS = 0.03  # out of fold; the product target is 5% on questions never seen
MAX_MEAN_SENTENCES = 1.7  # quote a second sentence only as often as this allows (the target is <= 2)
FOLDS = 5
SEED = 0


def collect(app, items: list[Item]) -> list[dict]:
    """Retrieve each question as the chain does and build its candidates' features and labels."""
    settings = app.settings
    retriever, reranker = app.retriever, app.reranker
    out = []
    for item in items:
        query = make_query(item.question, list(item.history), settings.max_history_turns)
        hits = retriever.search(query, k=max(10, CANDIDATE_PASSAGES))
        evidence = reranker.rank(query, hits)  # without weights: the candidates, hits in retrieval order
        labels = [item.answerable and answer_correct(c.sentence.text, item.answers) for c in evidence.candidates]
        out.append(
            {"item": item, "q": evidence.question, "hits": hits, "candidates": evidence.candidates, "labels": labels}
        )
    return out


def _fit(rows: list[dict], labels, names, c: float, balanced: bool = False) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    x, y = feature_matrix(rows, names), np.asarray(labels, dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced" if balanced else None)
    model.fit((x - mean) / scale, y)
    return LinearModel(tuple(names), mean, scale, model.coef_[0].astype(float), float(model.intercept_[0]))


def _fit_sentence(records: list[dict]) -> LinearModel:
    rows = [c.features for r in records for c in r["candidates"]]
    return _fit(rows, [lab for r in records for lab in r["labels"]], SENTENCE_FEATURES, SENTENCE_C)


def _fit_answerable(records: list[dict], stats: dict) -> LinearModel:
    rows = [answerability_features(r["qf"], r["item"].lang, stats) for r in records]
    return _fit(rows, [r["item"].answerable for r in records], QUESTION_FEATURES, ANSWERABLE_C, balanced=True)


def _folds(n: int, folds: int) -> list[np.ndarray]:
    order = np.random.default_rng(SEED).permutation(n)
    return [order[i::folds] for i in range(folds)]


def _rest(records: list[dict], test: np.ndarray) -> list[dict]:
    """The records outside the fold ``test``."""
    held = set(test.tolist())
    return [r for i, r in enumerate(records) if i not in held]


def language_stats(records: list[dict]) -> dict[str, dict[str, list[float]]]:
    """Mean and spread of PER_LANGUAGE features over the answerable questions of each language."""
    stats = {}
    for lang in LANGS:
        rows = [r["qf"] for r in records if r["item"].lang == lang and r["item"].answerable]
        stats[lang] = {}
        for name in PER_LANGUAGE:
            values = [f[name] for f in rows if f[name] is not None]
            if len(values) >= 2:
                stats[lang][name] = [round(float(np.mean(values)), 6), round(float(np.std(values) or 1.0), 6)]
    return stats


def train(
    records: list[dict],
    builder,
    folds: int = FOLDS,
    max_false_refusals: float = MAX_FALSE_REFUSALS,
    max_mean_sentences: float = MAX_MEAN_SENTENCES,
    splits: list[np.ndarray] | None = None,
) -> tuple[RerankerWeights, dict]:
    """Fit both models on ``records`` (from :func:`collect`); returns the weights and the out-of-fold figures.

    ``splits``: the test folds (record indexes); by default ``folds`` drawn at random by question.
    """
    splits = splits if splits is not None else _folds(len(records), folds)
    # 1. sentence model, out of fold by question
    for test in splits:
        model = _fit_sentence(_rest(records, test))
        for i in test:
            r = records[i]
            for c, logit in zip(r["candidates"], model.logits([c.features for c in r["candidates"]])):
                c.logit = float(logit)
    for r in records:
        order = sorted(range(len(r["candidates"])), key=lambda j: -r["candidates"][j].logit)
        r["ranked"] = [r["candidates"][j] for j in order]
        r["ranked_labels"] = [r["labels"][j] for j in order]
        r["qf"] = builder.question_features(r["q"], r["ranked"], r["hits"])
    # 2. answerability, out of fold (per-language statistics from the training folds only)
    p_oof = np.zeros(len(records))
    for test in splits:
        stats = language_stats(_rest(records, test))
        model = _fit_answerable(_rest(records, test), stats)
        p_oof[test] = model.probabilities(
            [answerability_features(records[i]["qf"], records[i]["item"].lang, stats) for i in test]
        )
    answerable = np.array([r["item"].answerable for r in records])
    threshold = _threshold(p_oof[answerable], max_false_refusals)
    margin = _margin([r for r in records if r["item"].answerable], max_mean_sentences)
    # The reported figures choose the threshold and the margin without the fold they are applied to.
    thresholds, margins = np.zeros(len(records)), np.zeros(len(records))
    for test in splits:
        rest = np.ones(len(records), dtype=bool)
        rest[test] = False
        thresholds[test] = _threshold(p_oof[rest & answerable], max_false_refusals)
        margins[test] = _margin(
            [r for i, r in enumerate(records) if rest[i] and r["item"].answerable], max_mean_sentences
        )
    figures = cross_validated(records, p_oof, thresholds, margins)
    # 3. the final models, on everything
    stats = language_stats(records)
    weights = RerankerWeights(
        _fit_sentence(records), _fit_answerable(records, stats), threshold, margin, stats, embedder=""
    )
    return weights, figures


def _threshold(p_answerable: np.ndarray, max_false_refusals: float) -> float:
    """The highest refusal threshold whose share of answerable questions refused stays within the limit."""
    allowed = int(np.floor(max_false_refusals * len(p_answerable)))
    ordered = np.sort(p_answerable)
    return 1.0 if allowed >= len(ordered) else float(ordered[allowed]) - 1e-9


def _margin(records: list[dict], max_mean: float) -> float:
    """The second-sentence margin with the most right answers whose mean answer length stays within ``max_mean``."""
    best = (0.0, -1.0)
    for margin in np.round(np.arange(0.0, 4.01, 0.1), 2):
        right = lengths = 0
        for r in records:
            quoted = _quoted(r, margin)
            right += any(r["ranked_labels"][:quoted])
            lengths += quoted
        if lengths / max(1, len(records)) <= max_mean and right > best[1]:
            best = (float(margin), right)
    return best[0]


def cross_validated(records: list[dict], p_oof: np.ndarray, thresholds: np.ndarray, margins: np.ndarray) -> dict:
    """Out-of-fold figures of the whole answerer: what the product would do on questions it was not
    fitted on (each question with the threshold and margin chosen without its fold)."""
    out: dict = {"questions": len(records)}
    answerable = [i for i, r in enumerate(records) if r["item"].answerable]
    unanswerable = [i for i, r in enumerate(records) if not r["item"].answerable]
    off_topic = [i for i in unanswerable if records[i]["item"].off_topic]

    def right(i, first_only=False):
        quoted = 1 if first_only else _quoted(records[i], margins[i])
        return p_oof[i] >= thresholds[i] and any(records[i]["ranked_labels"][:quoted])

    refused = p_oof < thresholds

    def relevant_first(i):
        r = records[i]
        return bool(r["ranked"]) and relevant(r["ranked"][0].hit.text, r["item"].evidence)

    out["answer_accuracy"] = float(np.mean([right(i) for i in answerable]))
    out["first_sentence_accuracy"] = float(np.mean([right(i, True) for i in answerable]))
    out["recall@1"] = float(np.mean([relevant_first(i) for i in answerable]))
    out["mean_sentences"] = float(np.mean([_quoted(records[i], margins[i]) for i in answerable if not refused[i]]))
    out["false_refusals"] = float(np.mean(refused[answerable]))
    out["refusal_recall"] = float(np.mean(refused[unanswerable])) if unanswerable else None
    out["off_topic_refused"] = float(np.mean(refused[off_topic])) if off_topic else None
    out["by_lang_answer_accuracy"] = {
        lang: round(float(np.mean([right(i) for i in answerable if records[i]["item"].lang == lang])), 4)
        for lang in LANGS
        if any(records[i]["item"].lang == lang for i in answerable)
    }
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


def _quoted(record: dict, margin: float) -> int:
    """How many sentences the answer quotes: the second too when its score is within ``margin``."""
    logits = [c.logit for c in record["ranked"]]
    return 2 if len(logits) > 1 and logits[1] >= logits[0] - margin else 1


def main(argv: list[str] | None = None) -> int:
    configure_runtime()
    parser = argparse.ArgumentParser(prog="python -m eval.train", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset",
        type=Path,
        nargs="+",
        default=list(TRAINING_SETS),
        help="training sets (default: eval/qa.jsonl eval/qa_train.jsonl)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="where the weights go (JSON; default: the reranker setting, SAVOL_RERANKER or retriever/reranker.json)",
    )
    parser.add_argument("--folds", type=_at_least_two, default=FOLDS, help="cross-validation folds (2 or more)")
    args = parser.parse_args(argv)
    from answering.chain import Savol
    from eval.benchmark import build_settings

    try:
        untouched = [p for p in args.dataset if p.name in UNTOUCHED_SETS]
        if untouched:
            raise SavolError(f"{untouched[0]} is an untouched test set; it must never be trained on.")
        items = [item for path in args.dataset for item in load_dataset(path)]
        answerable = sum(item.answerable for item in items)
        if not 0 < answerable < len(items) or len(items) < 2 * args.folds:
            raise SavolError(
                f"Training needs answerable and unanswerable questions, at least {2 * args.folds} in "
                f"all; the datasets hold {len(items)}, {answerable} of them answerable."
            )
        base = replace(Settings.from_env(), llm=None)  # training never asks an LLM
        output = args.output or base.reranker
        with tempfile.TemporaryDirectory(prefix="savol-train-") as tmp:
            settings, _ = build_settings(base, Path(tmp))
            app = Savol(settings, rerank=False)
            records = collect(app, items)
            grouped_splits = grouped_folds(records, Corpus(settings.corpus_dir), args.folds)
            _, grouped = train(records, app.reranker.builder, splits=grouped_splits)
            # Last, so that what the weights are fitted on is left by the by-question folds.
            weights, figures = train(records, app.reranker.builder, folds=args.folds)
            weights.embedder = app.embedder.id
    except (SavolError, ImportError) as exc:
        print(f"python -m eval.train: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # scikit-learn: a fold without one of the classes
        print(
            f"python -m eval.train: cannot fit ({exc}); add unanswerable questions or use fewer --folds.",
            file=sys.stderr,
        )
        return 1
    weights.about = {
        "trained_on": [_shown(p) for p in args.dataset],
        "questions": len(items),
        "cross_validated": figures,
        "cross_validated_grouped": grouped,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": "python -m eval.train " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    try:
        output.write_text(json.dumps(weights.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        print(f"python -m eval.train: cannot write {output} ({exc.strerror}); pass --output FILE.", file=sys.stderr)
        return 1
    print(side_by_side(figures, grouped))
    print(f"threshold {weights.threshold:.4f}, second-sentence margin {weights.second_margin:.2f}; wrote {output}")
    return 0


FIGURES = (
    ("answer acc", "answer_accuracy"),
    ("first-sentence acc", "first_sentence_accuracy"),
    ("R@1", "recall@1"),
    ("sentences", "mean_sentences"),
    ("false refusals", "false_refusals"),
    ("refusal rec", "refusal_recall"),
    ("off-topic refused", "off_topic_refused"),
)


def side_by_side(by_question: dict, by_paragraph: dict) -> str:
    """The two cross-validated figures as a markdown table, one row per way of drawing the folds."""
    langs = [lang for lang in LANGS if lang in by_question["by_lang_answer_accuracy"]]
    lines = [
        "| folds | " + " | ".join(label for label, _ in FIGURES) + " | " + " / ".join(langs) + " answer acc |",
        "|---|" + "---|" * (len(FIGURES) + 1),
    ]
    for name, figures in (("by question", by_question), ("grouped by gold paragraph", by_paragraph)):
        cells = ["—" if figures.get(key) is None else f"{figures[key]:.3f}" for _, key in FIGURES]
        per_lang = " / ".join(f"{figures['by_lang_answer_accuracy'].get(lang, float('nan')):.3f}" for lang in langs)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {per_lang} |")
    return "\n".join(lines)


def _at_least_two(value: str) -> int:
    if not value.isdigit() or int(value) < 2:
        raise argparse.ArgumentTypeError(f"must be a whole number of 2 or more, not {value!r}")
    return int(value)


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
