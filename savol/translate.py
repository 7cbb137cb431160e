"""`savol translate`: fill in the corpus's missing Russian and English translations with an LLM.

Every translation is written as soon as it arrives, so Ctrl-C or a failing server loses
nothing: a rerun asks only for what is still missing.
"""

from __future__ import annotations

import argparse
import sys

from ingest.settings import Settings, add_llm_arguments
from ingest.translations import LANGUAGE_NAMES, VIEW_LANGUAGES

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
NO_BACKEND = (
    "savol: no LLM backend is configured, so {what} stay{s} Uzbek-only (Russian and English questions are "
    "matched against the Uzbek text); pass --llm ollama:MODEL, openai:MODEL or gguf:PATH, or set SAVOL_LLM."
)


def add_parser(sub) -> None:
    """The ``translate`` subcommand and its flags."""
    parser = sub.add_parser("translate", help="fill in missing Russian/English translations of the corpus with an LLM")
    parser.add_argument("--corpus", metavar="DIR", help="corpus folder (env SAVOL_CORPUS; default the bundled one)")
    parser.add_argument(
        "--lang",
        nargs="+",
        choices=VIEW_LANGUAGES,
        default=list(VIEW_LANGUAGES),
        metavar="LANG",
        help="languages to fill in: ru, en or both (default: ru en)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_llm_arguments(parser)


def cmd_translate(args: argparse.Namespace) -> int:
    from answering.llm.translate import TranslationReport, TranslationStopped, fill_translations, find_gaps

    settings = Settings.from_args(args)
    langs = list(dict.fromkeys(args.lang))
    gaps = find_gaps(settings.corpus_dir, langs)
    if not gaps:
        names = "/".join(LANGUAGE_NAMES[lang] for lang in langs)
        print(f"Every article's {names} translation is complete; nothing to translate.")
        return 0
    if not settings.llm:
        articles = sorted({gap.article.name for gap in gaps})
        what = articles[0] if len(articles) == 1 else f"{len(articles)} articles"
        print(NO_BACKEND.format(what=what, s="s" if len(articles) == 1 else ""), file=sys.stderr)
        return EXIT_ERROR
    from answering.llm import check_backend, load_chat_model

    check_backend(settings.llm)
    model = load_chat_model(settings.llm, settings.llm_timeout)
    total = sum(len(gap.missing) for gap in gaps)
    report = TranslationReport()
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=total, desc="translating", unit="sentence", file=sys.stderr, leave=False)
    try:
        fill_translations(gaps, model, settings.llm_timeout, on_step=bar.update if bar else None, report=report)
    except TranslationStopped as exc:
        print(f"savol: translation stopped: {exc}. {_saved(report)}; rerun savol translate to go on.", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"savol: interrupted. {_saved(report)}; rerun savol translate to go on.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if bar:
            bar.close()
    for skip in report.skipped:
        print(f"Skipped {skip.file} line {skip.line} «{_short(skip.source)}»: {skip.reason}.", file=sys.stderr)
    print(f"{_saved(report)} with {settings.llm}.")
    if report.skipped:
        print(
            f"savol: {len(report.skipped)} sentence(s) were left untranslated (see above); "
            "rerun savol translate to try them again, or fill them in by hand.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return 0


def _saved(report) -> str:
    files = ", ".join(p.name for p in report.files) or "no file"
    return f"{report.translated} translation(s) saved ({files})"


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "…"
