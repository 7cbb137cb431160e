"""What `savol eval` prints and draws: the markdown tables and the Recall@k plot of a report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from eval.dataset import LANGS
from eval.metrics import CI_METRICS, K_MAX

# Column names of the interval and not-trained-on tables, for metrics.CI_METRICS.
CI_LABELS = {
    "recall@1": "R@1",
    "recall@5": "R@5",
    "answer_accuracy": "answer acc",
    "first_sentence_accuracy": "first-sentence acc",
    "citation_precision": "citation prec",
    "refusal_recall": "refusal rec",
    "off_topic_refusal": "off-topic refused",
    "false_refusal_rate": "false refusals",
}


def _fmt(value, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _group_cell(s: dict | None) -> str:
    if not s:
        return "—"
    return " / ".join(_fmt(s.get(k)) for k in ("recall@1", "recall@5", "answer_accuracy", "first_sentence_accuracy"))


def shown_path(path: Path) -> str:
    """The dataset as the reader would type it: relative to the current folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def markdown_table(report: dict, command: str, dataset: Path, n_items: int) -> str:
    """The overall and per-language tables, headed by the command and the date."""
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    lines = [
        f"`{command}` — {day}, {n_items} questions from `{shown_path(dataset)}`",
        "",
        "| config | R@1 | R@5 | R@10 | MRR@10 | answer acc | first-sentence acc | sentences | chars | "
        "citation prec | refusal rec | off-topic refused | false refusals | p50 ms | p95 ms | ingest s | peak RSS MB |",
        "|---|" + "---|" * 16,
    ]
    for name, m in report["metrics"].items():
        o = m["overall"]
        lines.append(
            f"| {name} | {_fmt(o.get('recall@1'))} | {_fmt(o.get('recall@5'))} | {_fmt(o.get('recall@10'))} | "
            f"{_fmt(o.get('mrr@10'))} | {_fmt(o.get('answer_accuracy'))} | {_fmt(o.get('first_sentence_accuracy'))} | "
            f"{_fmt(o.get('mean_sentences'), 2)} | {_fmt(o.get('mean_chars'), 0)} | "
            f"{_fmt(o.get('citation_precision'))} | {_fmt(o.get('refusal_recall'))} | "
            f"{_fmt(o.get('off_topic_refusal'))} | {_fmt(o.get('false_refusal_rate'))} | "
            f"{o['latency_p50_ms']:.1f} | {o['latency_p95_ms']:.1f} | {m['ingest_s']:.1f} | {m['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        "Per language (R@1 / R@5 / answer accuracy / first-sentence accuracy):",
        "",
        "| config | " + " | ".join(LANGS) + " | follow-ups |",
        "|---|" + "---|" * (len(LANGS) + 1),
    ]
    for name, m in report["metrics"].items():
        cells = []
        for lang in LANGS:
            s = m["by_lang"].get(lang)
            cells.append(_group_cell(s))
        cells.append(_group_cell(m.get("follow_ups")))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    cis = {name: m["ci95"] for name, m in report["metrics"].items() if m.get("ci95")}
    header = ["| config | " + " | ".join(CI_LABELS[m] for m in CI_METRICS) + " |", "|---|" + "---|" * len(CI_METRICS)]
    if cis:
        lines += ["", "95% intervals (bootstrap over questions, 1,000 resamples, seed 0):", "", *header]
        lines += [
            f"| {name} | " + " | ".join(f"{ci[m][0]:.3f}–{ci[m][1]:.3f}" if m in ci else "—" for m in CI_METRICS) + " |"
            for name, ci in cis.items()
        ]
    unseen = {name: m["not_trained_on"] for name, m in report["metrics"].items() if m.get("not_trained_on")}
    if unseen:
        n = next(iter(unseen.values()))["n"]
        lines += ["", f"The {n} questions the reranker was not trained on:", "", *header]
        lines += [f"| {name} | " + " | ".join(_fmt(o.get(m)) for m in CI_METRICS) + " |" for name, o in unseen.items()]
    lines += duplicate_lines(report)
    if "llm" in report["metrics"]:
        o = report["metrics"]["llm"]["overall"]
        lines += [
            "",
            "LLM answers (post-checked; fallbacks are extractive answers that replaced an LLM answer):",
            "",
            "| config | answer acc | citation prec | supported sentences | fallbacks | p50 ms | p95 ms |",
            "|---|" + "---|" * 6,
            f"| llm | {_fmt(o.get('answer_accuracy'))} | {_fmt(o.get('citation_precision'))} | "
            f"{_fmt(o.get('supported_sentences'))} | {_fmt(o.get('fallback_rate'))} | "
            f"{o['latency_p50_ms']:.1f} | {o['latency_p95_ms']:.1f} |",
        ]
    for note in report["notes"]:
        lines.append(f"\nNote: {note}")
    return "\n".join(lines)


def duplicate_lines(report: dict) -> list[str]:
    """Each configuration's figures on all questions and on those without a training twin, side by
    side, then the flagged questions with their twins."""
    dups = report.get("duplicates")
    if not dups:
        return []
    lines = [
        "",
        f"Near-duplicates of a training question ({', '.join(dups['training'])}): {dups['flagged']} of {dups['of']} "
        f"(folded-text ratio > {dups['ratio_above']}: {dups['by_text']}; e5 cosine > {dups['cosine_above']}: "
        f"{dups['by_e5']}). Each configuration on all questions and on the rest:",
        "",
        "| config | questions | n | R@1 | R@5 | answer acc | "
        + " | ".join(LANGS)
        + " | refusal rec | off-topic refused | false refusals |",
        "|---|" + "---|" * (8 + len(LANGS)),
    ]
    for name, m in report["metrics"].items():
        rest = m.get("non_duplicates") or {}
        for label, o, by_lang in (
            ("all", m["overall"], m["by_lang"]),
            ("non-duplicates", rest.get("overall"), rest.get("by_lang", {})),
        ):
            o = o or {}
            cells = [o.get("n", 0), *(_fmt(o.get(k)) for k in ("recall@1", "recall@5", "answer_accuracy"))]
            cells += [_fmt(by_lang.get(lang, {}).get("answer_accuracy")) for lang in LANGS]
            cells += [_fmt(o.get(k)) for k in ("refusal_recall", "off_topic_refusal", "false_refusal_rate")]
            lines.append(f"| {name} | {label} | " + " | ".join(str(c) for c in cells) + " |")
    if dups["questions"]:
        header = "| question | lang | text | training twin | its text | ratio | cosine | by |"
        lines += ["", header, "|---|" + "---|" * 7]
        for q in dups["questions"]:
            t = q["twin"]
            lines.append(
                f"| {q['id']} | {q['lang']} | {_cell(q['question'])} | {t['id']} ({t['file']}) | "
                f"{_cell(t['question'])} | {t['ratio']:.2f} | {_fmt(t['cosine'], 2)} | {' + '.join(t['by'])} |"
            )
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def plot_recall(report: dict, path: Path) -> None:
    """Recall@k for k = 1..10, one line per configuration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.5, 4.5))
    ks = list(range(1, K_MAX + 1))
    for name, m in report["metrics"].items():
        o = m["overall"]
        if "recall@1" in o:
            ax.plot(ks, [o[f"recall@{k}"] for k in ks], marker="o", label=name)
    ax.set_xlabel("k (passages retrieved)")
    ax.set_ylabel("Recall@k")
    ax.set_xticks(ks)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    # Outside the axes: every corner inside holds some line (the tutorial's runs along the bottom).
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0, frameon=False)
    ax.set_title("savol: Recall@k by configuration")
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
