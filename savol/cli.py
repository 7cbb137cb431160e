"""`savol` command line: ingest, ask, serve, translate, eval.

Library errors become one-line messages here; a traceback is never shown unless
``SAVOL_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

from answering.errors import BadQuestion
from ingest.errors import SavolError
from ingest.progress import progress_bar
from ingest.settings import Settings, add_index_arguments, add_llm_arguments, configure_runtime, help_default
from savol import translate

if TYPE_CHECKING:
    from answering.answer import Answer

EXIT_ERROR = 1
SNIPPET_CHARS = 160  # of each closest passage printed under a refusal
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="savol", description="Ask questions about the article; answers quote their sources."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = sub.add_parser("ingest", help="build or update the index from the corpus folder")
    add_index_arguments(ingest)
    ingest.add_argument("--rebuild", action="store_true", help="embed everything again")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")

    ask = sub.add_parser("ask", help="answer a question ('-' reads one question per line from stdin)")
    add_index_arguments(ask)
    ask.add_argument("question", help="the question, or - for batch mode")
    ask.add_argument("--k", type=int, metavar="N", help=f"passages the answer may cite (default {Settings().k})")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON (one object per line)")
    ask.add_argument(
        "--history", action="append", metavar="TURN", help="an earlier question, for follow-ups (repeatable)"
    )
    add_llm_arguments(ask)

    serve = sub.add_parser("serve", help="open the chat page")
    add_index_arguments(serve)
    serve.add_argument("--host", help=f"address to bind ({help_default('host')})")
    serve.add_argument("--port", type=int, help=f"port ({help_default('port')})")
    add_llm_arguments(serve)

    translate.add_parser(sub)
    feedback = sub.add_parser("feedback", help="readers' votes: 'export' writes them as JSON lines")
    feedback.add_argument("action", choices=["export"])
    feedback.add_argument("--out", help="file to write (default: standard output)")

    ev = sub.add_parser("eval", help="run the Q&A benchmark", add_help=False)
    ev.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def cmd_ingest(args) -> int:
    # Only the ingest modules: an unchanged corpus is checked in well under a second.
    from ingest.embeddings import get_embedder
    from ingest.index import build_index
    from ingest.translations import untranslated_note

    settings = Settings.from_args(args)
    progress = None if args.quiet else progress_bar("embedding")
    report = build_index(settings, get_embedder(settings.embedder), rebuild=args.rebuild, progress=progress)
    if report.changed:
        print(
            f"Indexed {report.files} file(s): {report.chunks} passages, {report.sentences} sentences "
            f"({report.embedded} embedded, {report.reused} reused) in {report.seconds:.1f} s -> {report.index_dir}"
        )
        if report.removed_files:
            print("Removed from the index: " + ", ".join(report.removed_files))
    else:
        print(
            f"Index is up to date ({report.chunks} passages, checked in {report.seconds:.2f} s); "
            f"nothing to embed. {report.index_dir}"
        )
    note = untranslated_note(settings.corpus_dir)
    if note:
        print(f"Note: {note}")
    return 0


def _print_answer(result: Answer, as_json: bool) -> None:
    """The answer, then its sources under one heading per article, in the reader's language: the
    cited paragraphs (the quoted sentences' own), or a refusal's closest passages."""
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        return
    from page.render import CLOSEST_SHOWN, paragraph_numbers
    from page.text import page_text

    t = page_text(result.lang)
    print(result.answer)
    if result.translation:
        print(f"\n{t.translation}: {result.translation}")
    by_article: dict[tuple[str, str], list[str]] = {}
    if result.refused:
        heading = t.closest
        for hit in result.retrieved[:CLOSEST_SHOWN]:
            where = t.paragraph.format(paragraph_numbers(hit.passage.paragraphs))
            snippet = " ".join(hit.text.split())
            snippet = snippet if len(snippet) <= SNIPPET_CHARS else snippet[:SNIPPET_CHARS] + "…"
            by_article.setdefault((hit.passage.title, hit.passage.date), []).append(f"  - {where}: {snippet}")
    else:
        heading = t.sources
        by_n: dict[int, list] = {}
        for c in result.citations:
            by_n.setdefault(c.n, []).append(c)
        for n, group in by_n.items():
            where = t.paragraph.format(paragraph_numbers(c.paragraph for c in group))
            by_article.setdefault((group[0].title, group[0].date), []).append(f"  [{n}] {where}")
    for (title, date), lines in by_article.items():
        print(f"\n{heading}: {title} ({date})")
        print("\n".join(lines))
    for warning in result.warnings:
        print(f"{t.note}: {warning}")


def _check_llm(settings: Settings) -> Settings:
    """A missing extra or model file is reported before any work is done."""
    if settings.llm:
        from answering.llm import check_backend

        check_backend(settings.llm)
    return settings


def cmd_ask(args) -> int:
    from answering.chain import Savol

    app = Savol(_check_llm(Settings.from_args(args)))
    app.ensure_index(progress=progress_bar("building the index"))
    if args.question != "-":
        result = app.ask(args.question, history=args.history)
        _print_answer(result, args.json)
        return 0
    failed = total = 0
    limit = app.settings.max_question_chars * 4 + 2  # UTF-8 takes at most 4 bytes a character
    for number, (line, whole) in enumerate(_stdin_lines(sys.stdin.buffer, limit), start=1):
        total = number
        try:
            if not whole:
                raise BadQuestion(
                    f"line {number} is longer than {app.settings.max_question_chars:,} characters; shorten it."
                )
            try:
                question = line.decode("utf-8")
            except UnicodeDecodeError:
                raise BadQuestion(f"line {number} is not valid UTF-8; re-save the input as UTF-8.") from None
            result = app.ask(question)
        except BadQuestion as exc:
            failed += 1
            error = {"line": number, "question": line.decode("utf-8", "replace"), "error": str(exc)}
            if args.json:
                print(json.dumps(error, ensure_ascii=False), flush=True)
            else:
                print(f"line {number}: {exc}", file=sys.stderr)
            continue
        _print_answer(result, args.json)
    if failed:
        where = 'the objects with an "error" key on standard output' if args.json else 'the "line N: …" messages above'
        print(f"savol: {failed} of {total} line(s) could not be answered; the reasons are in {where}.", file=sys.stderr)
        return EXIT_ERROR
    return 0


def _stdin_lines(stream, limit: int):
    """``(line, whole)`` per input line, never holding more than ``limit`` bytes of one line."""
    while True:
        chunk = stream.readline(limit)
        if not chunk:
            return
        if chunk.endswith(b"\n") or len(chunk) < limit:
            yield chunk.rstrip(b"\r\n"), True
            continue
        while chunk and not chunk.endswith(b"\n"):  # drop the rest of an over-long line
            chunk = stream.readline(limit)
        yield b"", False


def cmd_serve(args) -> int:
    from page.serve import main as serve

    return serve(_check_llm(Settings.from_args(args)))


def cmd_eval(args) -> int:
    from eval.benchmark import main as eval_main

    return eval_main(args.rest)


def cmd_feedback(args) -> int:
    """Write every stored vote (SAVOL_FEEDBACK) as one JSON line each."""
    from page.feedback import export_jsonl

    folder = Settings.from_env().feedback_dir
    if not args.out:
        n = export_jsonl(folder, sys.stdout)
    else:
        with open(args.out, "w", encoding="utf-8") as out:
            n = export_jsonl(folder, out)
    print(f"savol: exported {n} votes from {folder}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    configure_runtime()
    parser = build_parser()
    if argv[:1] == ["eval"]:
        # The benchmark owns its flags (`savol eval --help` shows them).
        args = argparse.Namespace(command="eval", rest=argv[1:])
    else:
        args = parser.parse_args(argv)
    handlers = {
        "ingest": cmd_ingest,
        "ask": cmd_ask,
        "serve": cmd_serve,
        "eval": cmd_eval,
        "translate": translate.cmd_translate,
        "feedback": cmd_feedback,
    }
    try:
        return handlers[args.command](args)
    except SavolError as exc:
        print(f"savol: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("savol: interrupted; the previous index (if any) is untouched.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the edge: a person never sees a traceback
        if os.environ.get("SAVOL_DEBUG"):
            raise
        print(
            f"savol: unexpected error ({type(exc).__name__}: {exc}); rerun with SAVOL_DEBUG=1 for details.",
            file=sys.stderr,
        )
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
