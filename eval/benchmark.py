"""`savol eval`: run retrieval/answer configurations side by side on one dataset.

    savol eval [--dataset FILE] [--output report.json] [--config NAME ...] [--plot FILE.png] [--llm SPEC]
    python -m eval.benchmark  (same flags)

Configurations:
    bm25           lexical only (BM25 over script-folded keys); fixed sentence score, no refusals
    dense          FAISS only (multilingual-e5-small, passages and sentences); fixed score, no refusals
    hybrid         the default: dense + coverage-weighted BM25 + the embedder's latent terms, then
                   the learned reranker and answerability model (retriever/reranker.json)
    hybrid-norerank  hybrid retrieval with the fixed sentence score and no refusals: what the
                   learned reranker adds
    hybrid-nolatent  hybrid-norerank without the latent terms (the sparse head)
    hybrid-nofold  hybrid-norerank without script folding (Latin questions miss Cyrillic terms)
    hybrid-noview  hybrid-norerank without the translated views (ru/en questions read the Uzbek only)
    tutorial       the usual LangChain tutorial: RecursiveCharacterTextSplitter(1000, 200),
                   all-MiniLM-L6-v2 via sentence-transformers, FAISS, top-4 (needs [st])
    llm            hybrid retrieval, answers written by the LLM of --llm / SAVOL_LLM and
                   post-checked (skipped when neither is given); also reports the share of
                   answer sentences supported by their citation and how often it fell back
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from answering.llm.check import MARKER
from eval.dataset import LANGS, Item, load_dataset
from eval.duplicates import TRAINING_SETS, Training, Twin, duplicates_report, find_twins, non_duplicate_summary
from eval.metrics import (
    K_MAX,
    answer_correct,
    bootstrap_ci,
    ranking_metrics,
    relevant,
    summarize,
)
from eval.report import markdown_table, plot_recall
from eval.tutorial import TutorialConfig, st_available
from ingest.embeddings import get_embedder
from ingest.errors import SavolError
from ingest.settings import PROJECT_ROOT, Settings, add_llm_arguments, configure_runtime

DEFAULT_DATASET = PROJECT_ROOT / "eval" / "qa.jsonl"
SAVOL_CONFIGS = {
    "bm25": {"mode": "bm25", "fold": True},
    "dense": {"mode": "dense", "fold": True},
    "hybrid": {"mode": "hybrid", "fold": True},
    "hybrid-norerank": {"mode": "hybrid", "fold": True, "rerank": False},
    "hybrid-nolatent": {"mode": "hybrid", "fold": True, "rerank": False, "settings": {"latent_weight": 0.0}},
    "hybrid-nofold": {"mode": "hybrid", "fold": False, "rerank": False},
    "hybrid-noview": {"mode": "hybrid", "fold": True, "rerank": False, "settings": {"views": False}},
    "llm": {"mode": "hybrid", "fold": True},
}
MARKERS = re.compile(r"\s*" + MARKER.pattern)  # an answer's [n] markers, left out of its length
ALL_CONFIGS = (
    "bm25",
    "dense",
    "hybrid-norerank",
    "hybrid-nolatent",
    "hybrid-nofold",
    "hybrid-noview",
    "hybrid",
    "tutorial",
    "llm",
)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class SavolConfig:
    """One of savol's own configurations over a freshly built index."""

    def __init__(self, name: str, settings: Settings, ingest_s: float):
        from answering.chain import Savol

        self.name = name
        self.ingest_s = ingest_s
        config = dict(SAVOL_CONFIGS[name])
        self.app = Savol(settings.with_overrides(**config.pop("settings", {})), **config)

    def run(self, item: Item) -> dict:
        started = time.perf_counter()
        result = self.app.ask(item.question, history=list(item.history))
        latency = (time.perf_counter() - started) * 1000
        data = result.to_dict()
        out = {
            "answer": data["answer"],
            "refused": data["refused"],
            "citations": data["citations"],
            "retrieved": data["retrieved"],
            "latency_ms": latency,
            # How long the answer is: quoted sentences, and characters without the markers.
            "first_sentence": result.sentences[0][0] if result.sentences else None,
            "sentences": len(result.sentences),
            "chars": len(MARKERS.sub("", result.answer).strip()),
        }
        if self.name == "llm":
            # support: per answer sentence, verified against its citation; None when the LLM's answer
            # was replaced by the extractive one (the warnings say why).
            # A refusal is the reranker's, not a fallback: it carries the LLM's name and no sentences.
            out.update(
                answerer=data["answerer"],
                warnings=data["warnings"],
                support=None if result.answerer == "extractive" or result.refused else list(result.support),
            )
        return out


def _record(config, item: Item) -> dict:
    out = config.run(item)
    flags = [relevant(r["text"], item.evidence) for r in out["retrieved"][:K_MAX]]
    record = {
        "config": config.name,
        "id": item.id,
        "lang": item.lang,
        "question": item.question,
        "answerable": item.answerable,
        "off_topic": item.off_topic,
        **out,
        "ranking": ranking_metrics(flags) if item.answerable else None,
        "answer_correct": None,
        "first_correct": None,
        "citation_relevant": [],
    }
    if item.history:
        record["history"] = list(item.history)
    if out["answer"] is not None and item.answerable:
        answered = not out["refused"]
        record["answer_correct"] = answered and answer_correct(out["answer"], item.answers)
        record["first_correct"] = answered and answer_correct(out["first_sentence"] or "", item.answers)
        record["citation_relevant"] = [relevant(c["text"], item.evidence) for c in out["citations"]]
    return record


def _badness(record: dict) -> tuple:
    """Sort key, worst first: wrong or missing answers, then poorly ranked evidence."""
    if not record["answerable"]:
        return (0 if record["refused"] is False else 2, 0.0)
    wrong = record["answer_correct"] is False
    return (0 if wrong else 1, record["ranking"]["mrr@10"])


def build_settings(base: Settings, workdir: Path) -> tuple[Settings, float]:
    """A fresh index of the corpus in ``workdir``; returns the settings and the ingest time."""
    from answering.chain import Savol

    settings = base.with_overrides(index_dir=workdir / "index")
    started = time.perf_counter()
    Savol(settings).ingest()
    return settings, time.perf_counter() - started


def trained_keys(weights: Path | None = None) -> set[tuple]:
    """``(question, history)`` of every question the reranker (its weights file) was trained on."""
    from retriever.rerank import MODEL_PATH

    try:
        about = json.loads(Path(weights or MODEL_PATH).read_text(encoding="utf-8")).get("about", {})
    except (OSError, ValueError):
        return set()
    keys = set()
    for name in about.get("trained_on", []):
        path = PROJECT_ROOT / name
        if path.exists():
            keys |= {(item.question, item.history) for item in load_dataset(path)}
    return keys


def run_benchmark(
    items: list[Item],
    configs: list[str],
    base: Settings | None = None,
    notes: list[str] | None = None,
    trained: set[tuple] | None = None,
    twins: dict[str, Twin] | None = None,
) -> dict:
    """Run ``configs`` on ``items``; returns ``{"metrics": ..., "questions": [...], "notes": [...]}``.

    ``trained`` (``(question, history)`` pairs, :func:`trained_keys`): the questions the reranker was
    trained on. When the dataset mixes them with others, the others are also summarised alone under
    ``not_trained_on``; the share that was trained on is reported either way.
    ``twins`` (:func:`eval.duplicates.find_twins`): the questions that near-duplicate a training
    question; every configuration is also summarised without them under ``non_duplicates``.
    """
    base = base or Settings.from_env()
    notes = notes if notes is not None else []
    trained = trained or set()
    unseen = {item.id for item in items if (item.question, item.history) not in trained}
    seen_share = (len(items) - len(unseen)) / len(items) if items else 0.0
    if seen_share and {"hybrid", "llm"} & set(configs):
        notes.append(
            f"{seen_share:.0%} of these questions trained the reranker (the hybrid and llm configurations), "
            "so those figures are optimistic; its cross-validated figures are in retriever/reranker.json"
        )
    if len(unseen) in (0, len(items)):
        unseen = set()  # all or none trained on: the overall figures say it all
    metrics, questions = {}, []
    if "llm" in configs and not base.llm:
        configs = [c for c in configs if c != "llm"]
        notes.append("llm skipped: no LLM configured (pass --llm SPEC or set SAVOL_LLM)")
    with tempfile.TemporaryDirectory(prefix="savol-eval-") as tmp:
        settings, ingest_s = (None, 0.0)
        if any(c in SAVOL_CONFIGS for c in configs):
            settings, ingest_s = build_settings(replace(base, llm=None), Path(tmp))
        for name in configs:
            if name == "tutorial":
                try:
                    config = TutorialConfig(base)
                except SavolError as exc:
                    notes.append(f"tutorial skipped: {exc}")
                    continue
            else:
                config = SavolConfig(name, replace(settings, llm=base.llm) if name == "llm" else settings, ingest_s)
                try:  # loads the reranker (and the LLM) now: a missing weights file or extra is a note
                    config.app.chain()
                except SavolError as exc:
                    notes.append(f"{name} skipped: {exc}")
                    continue
            records = [_record(config, item) for item in items]
            by_lang = {
                lang: summarize([r for r in records if r["lang"] == lang])
                for lang in LANGS
                if any(r["lang"] == lang for r in records)
            }
            follow_ups = [r for r in records if r.get("history")]
            metrics[name] = {
                "overall": summarize(records) | (llm_metrics(records) if name == "llm" else {}),
                "by_lang": by_lang,
                "follow_ups": summarize(follow_ups) if follow_ups else None,
                "not_trained_on": summarize([r for r in records if r["id"] in unseen]) if unseen else None,
                "non_duplicates": non_duplicate_summary(records, twins) if twins is not None else None,
                "trained_on_share": seen_share,
                "ci95": bootstrap_ci(records),
                "ingest_s": config.ingest_s,
                "peak_rss_mb": _peak_rss_mb(),
            }
            questions.extend(records)
    questions.sort(key=_badness)
    for q in questions:
        if q["ranking"] is None:
            del q["ranking"]
    return {"metrics": metrics, "questions": questions, "notes": notes}


def llm_metrics(records: list[dict]) -> dict:
    """Share of LLM answer sentences supported by their citation, and how often the LLM's answer was
    replaced by the extractive one (among questions the reranker did not refuse: those never reach it)."""
    asked = [r for r in records if not r["refused"]]
    answered = [r for r in asked if r.get("support") is not None]
    sentences = [ok for r in answered for ok in r["support"]]
    return {
        "supported_sentences": sum(sentences) / len(sentences) if sentences else None,
        "fallback_rate": 1 - len(answered) / len(asked) if asked else None,
        "llm": next((r["answerer"] for r in records if r["answerer"] != "extractive"), None),
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="savol eval", description="Run the Q&A benchmark.")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET, help="JSONL dataset (default eval/qa.jsonl)")
    parser.add_argument("--output", type=Path, help="write the full report as JSON")
    parser.add_argument(
        "--config",
        nargs="+",
        action="extend",
        choices=ALL_CONFIGS,
        metavar="NAME",
        help=f"configurations to run (default: all of {', '.join(ALL_CONFIGS)})",
    )
    parser.add_argument("--plot", type=Path, help="draw Recall@k per configuration to this PNG")
    parser.add_argument("--corpus", metavar="DIR", help="corpus folder (default ./corpus)")
    parser.add_argument(
        "--training",
        type=Path,
        nargs="+",
        default=list(TRAINING_SETS),
        metavar="FILE",
        help="training sets whose near-duplicates are flagged and also left out "
        "(default: eval/qa.jsonl eval/qa_train.jsonl eval/qa_dev.jsonl)",
    )
    add_llm_arguments(parser)  # for the llm config
    return parser


def main(argv: list[str] | None = None) -> int:
    configure_runtime()
    args = build_parser().parse_args(argv)
    command = "savol eval " + " ".join(argv if argv is not None else sys.argv[1:])
    try:
        items = load_dataset(args.dataset)
        configs = list(dict.fromkeys(args.config or ALL_CONFIGS))
        notes: list[str] = []
        if "tutorial" in configs and not st_available():
            configs.remove("tutorial")
            notes.append(
                "tutorial skipped: the [st] extra is not installed "
                "(pip install torch==2.13.0 && pip install -e '.[st]')"
            )
        base = Settings.from_args(args)
        training = Training.load(args.training)
        twins = find_twins(items, args.dataset, training, get_embedder(base.embedder))
        report = run_benchmark(items, configs, base, notes, trained=trained_keys(base.reranker), twins=twins)
        report["duplicates"] = duplicates_report(items, twins, training)
    except SavolError as exc:
        print(f"savol eval: {exc}", file=sys.stderr)
        return 1
    table = markdown_table(report, command.strip(), args.dataset, len(items))
    report["table"] = table
    report["command"] = command.strip()
    print(table)
    if args.output:
        args.output.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nReport: {args.output}")
    if args.plot:
        plot_recall(report, args.plot)
        print(f"Plot: {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
