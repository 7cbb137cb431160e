"""How many of a question's words its gold sentence holds: ``python -m eval.overlap``.

    python -m eval.overlap [DATASET ...] [--corpus DIR] [--output overlap.json]

For each answerable question, the share of its content words that occur in its gold sentence
(the sentence holding its evidence, :mod:`eval.gold`). A content word is a word with a term
(:func:`ingest.terms.terms`: question and function words of every language are none); it
occurs when one of its terms (its stem, folded across scripts, or its 6-letter prefix) is
among the sentence's. Follow-ups are measured on their own words, as a reader types them.
An item with several evidence strings counts its best gold sentence.

A set whose questions repeat the article's words is easier than one that paraphrases them;
the mean per set and per language lets sets be compared. Default: every ``eval/*.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from statistics import mean

from eval.dataset import LANGS, Item, load_dataset
from eval.gold import Corpus
from eval.report import shown_path
from ingest.errors import SavolError
from ingest.lang import detect_language, words
from ingest.settings import PROJECT_ROOT, Settings, configure_runtime
from ingest.terms import terms
from ingest.text import match_key


def content_words(text: str, lang: str) -> list[set[str]]:
    """The terms of each content word of ``text``, in order."""
    found = (set(terms(word, lang)) for word in words(match_key(text, fold=False)))
    return [t for t in found if t]


def overlap(item: Item, corpus: Corpus) -> float | None:
    """Share of ``item``'s content words found in its best gold sentence; None when it has no
    gold sentence in the corpus or no content word."""
    asked = content_words(item.question, item.lang)
    if not asked:
        return None
    shares = []
    for gold in corpus.gold(item):
        held = set(terms(gold.text, detect_language(gold.text)))
        shares.append(sum(bool(word & held) for word in asked) / len(asked))
    return max(shares, default=None)


def measure(items: list[Item], corpus: Corpus) -> dict:
    """Mean overlap over a set's answerable questions, overall and per language, with their counts."""
    scores = {item.id: overlap(item, corpus) for item in items if item.answerable}
    measured = [(item.lang, scores[item.id]) for item in items if scores.get(item.id) is not None]
    out: dict = {
        "answerable": len(scores),
        "measured": len(measured),
        "not_measured": sorted(i for i, s in scores.items() if s is None),
        "mean": round(mean(s for _, s in measured), 3) if measured else None,
        "by_lang": {},
    }
    for lang in LANGS:
        values = [s for lang_, s in measured if lang_ == lang]
        if values:
            out["by_lang"][lang] = {"n": len(values), "mean": round(mean(values), 3)}
    out["questions"] = {i: None if s is None else round(s, 3) for i, s in scores.items()}
    return out


def table(results: dict[str, dict]) -> str:
    """One row per set: its measured questions and mean overlap, overall and per language."""
    lines = [
        "| set | answerable | measured | mean overlap | " + " | ".join(LANGS) + " |",
        "|---|" + "---|" * (3 + len(LANGS)),
    ]
    for name, r in results.items():
        cells = ["—" if (g := r["by_lang"].get(lang)) is None else f"{g['mean']:.3f} ({g['n']})" for lang in LANGS]
        shown = "—" if r["mean"] is None else f"{r['mean']:.3f}"
        lines.append(f"| {name} | {r['answerable']} | {r['measured']} | {shown} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    configure_runtime()
    parser = argparse.ArgumentParser(prog="python -m eval.overlap", description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, nargs="*", help="JSONL datasets (default: every eval/*.jsonl)")
    parser.add_argument("--corpus", metavar="DIR", help="corpus folder (default ./corpus)")
    parser.add_argument("--output", type=Path, help="write the figures, per question too, as JSON")
    args = parser.parse_args(argv)
    paths = args.dataset or sorted((PROJECT_ROOT / "eval").glob("*.jsonl"))
    try:
        corpus = Corpus(Settings.from_args(args).corpus_dir)
        results = {shown_path(p): measure(load_dataset(p), corpus) for p in paths}
    except SavolError as exc:
        print(f"python -m eval.overlap: {exc}", file=sys.stderr)
        return 1
    print(table(results))
    for name, r in results.items():
        if r["not_measured"]:
            print(
                f"\n{name}: not measured (no gold sentence in the corpus, or no content word): "
                + ", ".join(r["not_measured"])
            )
    if args.output:
        args.output.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nFigures: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
