"""Fill in an article's missing translations with an LLM, one sentence per call, kept as they come.

:func:`fill_translations` reads ``<name>.<lang>.jsonl`` beside each article (or starts an empty
one), asks the chat model for every title or sentence whose ``text`` is empty, and writes the
file again (atomically) after each one, so an interrupted run loses nothing and a rerun
continues where it stopped. A reply that is empty or plainly not a translation of the sentence
(the source echoed, the wrong script, far longer or shorter than the source, notes added) is
asked for once more with the reason, then the sentence is skipped and reported: it stays empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from answering.llm.answerer import describe_failure
from ingest.corpus import list_corpus, read_source
from ingest.errors import SavolError
from ingest.split import split_sentences
from ingest.text import strip_invisible
from ingest.translations import LANGUAGE_NAMES, VIEW_LANGUAGES, read_translation, translation_path, write_translation

RETRIES = 1  # one more request (told why the first reply was rejected), then the sentence is skipped
MAX_LENGTH_RATIO = 3.0  # Russian and English run at most ~1.5x an Uzbek sentence; 3x means text was added
MIN_LENGTH_RATIO = 0.3  # well under a third of the source means something was dropped
LENGTH_SLACK = 40  # characters of leeway either way, so short titles and names are not judged by ratio
MIN_WORDS_TO_ECHO = 3  # "Komatsu." may rightly stay as it is; a sentence of 3+ words may not
SOURCE_SCRIPT_SHARE = 0.3  # English with more than 30% Cyrillic letters was not translated
SCRIPT_DROP = 0.3  # Russian keeps the source's Cyrillic share, less Latin names: far fewer means another language
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)  # reasoning models' scratchpad
_LABEL = re.compile(r"^\s*(?:translation|english|russian|перевод|русский)\s*:\s*", re.IGNORECASE)
_QUOTES = {"«": "»", '"': '"', "“": "”", "'": "'"}
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_UZBEK_ONLY = re.compile("[ўқғҳЎҚҒҲ]")  # letters Uzbek Cyrillic has and Russian does not

SYSTEM = (
    "You are a professional translator. You translate one sentence of an Uzbek news article into {language}. "
    "Translate faithfully: keep every fact, name, number, date and quotation; add nothing, drop nothing, "
    "no explanations, notes, comments or alternatives. Write names as {language} news media write them. "
    "Output only the {language} translation of the sentence, on one line."
)


class TranslationStopped(SavolError):
    """The LLM backend failed (cannot connect, refuses, times out): the run stops, what was written stays."""


@dataclass(frozen=True)
class Skipped:
    """A sentence whose translation was rejected twice; it stays empty."""

    file: str
    line: int  # its line in the translation file (1 is the title)
    source: str
    reason: str


@dataclass
class TranslationReport:
    """What a run did: translations written, sentences skipped, files touched."""

    translated: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Gap:
    """One translation file and the lines it still misses (0 is the title, n is sentence n)."""

    article: Path
    lang: str
    missing: tuple[int, ...]


def build_messages(source: str, lang: str, previous: tuple[str, str] | None = None, rejected: str = "") -> list:
    """The prompt for one sentence; ``previous`` is the sentence before and its translation (context only)."""
    language = LANGUAGE_NAMES[lang]
    parts = []
    if previous and previous[0]:
        parts.append(f"Previous sentence, for context only (do not translate it again):\n{previous[0]}")
        if previous[1]:
            parts.append(f"Its {language} translation:\n{previous[1]}")
    parts.append(f"Translate this sentence into {language}:\n{source}")
    if rejected:
        parts.append(f"Your previous reply was rejected: {rejected}. Reply with the {language} translation only.")
    return [SystemMessage(SYSTEM.format(language=language)), HumanMessage("\n\n".join(parts))]


def clean_reply(reply: str) -> str:
    """The translation inside a reply: no reasoning block, no "Translation:" label, no wrapping quotes."""
    text = _THINK.sub("", strip_invisible(reply)).strip()
    text = _LABEL.sub("", text).strip()
    if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1] and not {text[0], text[-1]} & set(text[1:-1]):
        text = text[1:-1].strip()
    return text


def rejection(source: str, translation: str, lang: str) -> str | None:
    """Why ``translation`` is plainly not a translation of ``source`` into ``lang``, or None when it may be."""
    if not translation:
        return "it was empty"
    if len([line for line in translation.splitlines() if line.strip()]) > 1:
        return "it had several lines (only the translation, on one line, is wanted)"
    flat, original = " ".join(translation.split()), " ".join(source.split())
    if flat.casefold() == original.casefold() and len(original.split()) >= MIN_WORDS_TO_ECHO:
        return "it repeated the sentence untranslated"
    if len(flat) > MAX_LENGTH_RATIO * len(original) + LENGTH_SLACK:
        return f"it was {len(flat)} characters for a {len(original)}-character sentence (text was added)"
    if len(flat) < MIN_LENGTH_RATIO * len(original) - LENGTH_SLACK:
        return f"it was {len(flat)} characters for a {len(original)}-character sentence (text was dropped)"
    if lang == "en" and _cyrillic_share(flat) > SOURCE_SCRIPT_SHARE:
        return "it was not in English (Cyrillic letters)"
    if lang == "ru" and (_UZBEK_ONLY.search(flat) or _cyrillic_share(flat) < _cyrillic_share(original) - SCRIPT_DROP):
        return "it was not in Russian"
    return None


def _cyrillic_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if _CYRILLIC.match(c)) / len(letters) if letters else 0.0


def translate_sentence(
    model: BaseChatModel, source: str, lang: str, previous: tuple[str, str] | None, timeout: float
) -> tuple[str, str]:
    """``(translation, "")``, or ``("", reason)`` when both attempts were rejected.

    Raises:
        TranslationStopped: the backend failed (its reason, in words).
    """
    reason = ""
    for _ in range(1 + RETRIES):
        try:
            reply = model.invoke(build_messages(source, lang, previous, rejected=reason))
        except Exception as exc:  # any backend error: the run cannot go on
            raise TranslationStopped(describe_failure(exc, timeout)[0]) from exc
        text = clean_reply(reply.content if isinstance(reply.content, str) else str(reply.content))
        reason = rejection(source, text, lang) or ""
        if not reason:
            return " ".join(text.split()), ""
    return "", reason


def find_gaps(corpus_dir: Path, langs: Iterable[str] = VIEW_LANGUAGES) -> list[Gap]:
    """Every article's translation files that are missing or have empty lines.

    Raises:
        CorpusError: an article cannot be read, or a translation does not align with it.
    """
    gaps = []
    for article in list_corpus(corpus_dir):
        source = read_source(article)
        sentences = split_sentences(source)
        for lang in langs:
            path = translation_path(article, lang)
            if not path.is_file():
                gaps.append(Gap(article, lang, tuple(range(len(sentences) + 1))))
                continue
            found = read_translation(path, source, sentences)
            texts = [found.title] + [found.texts[s.id] for s in sentences]
            missing = tuple(i for i, text in enumerate(texts) if not text)
            if missing:
                gaps.append(Gap(article, lang, missing))
    return gaps


def fill_translations(
    gaps: Iterable[Gap],
    model: BaseChatModel,
    timeout: float,
    on_step: Callable[[], None] | None = None,
    report: TranslationReport | None = None,
) -> TranslationReport:
    """Translate every missing line of ``gaps``, writing the file after each one.

    ``report`` (when given) is filled as the run goes, so a caller still has the counts after an
    interruption or a :class:`TranslationStopped`.
    """
    report = report if report is not None else TranslationReport()
    for gap in gaps:
        source = read_source(gap.article)
        sentences = split_sentences(source)
        path = translation_path(gap.article, gap.lang)
        if path.is_file():
            found = read_translation(path, source, sentences)
            texts = [found.title] + [found.texts[s.id] for s in sentences]
        else:
            texts = [""] * (len(sentences) + 1)
        originals = [source.title] + [s.text for s in sentences]
        for line in gap.missing:
            previous = (originals[line - 1], texts[line - 1]) if line > 1 else None
            text, reason = translate_sentence(model, originals[line], gap.lang, previous, timeout)
            if reason:
                report.skipped.append(Skipped(path.name, line + 1, originals[line], reason))
            else:
                texts[line] = text
                write_translation(
                    gap.article, gap.lang, source, sentences, texts[0], {s.id: t for s, t in zip(sentences, texts[1:])}
                )
                report.translated += 1
                if path not in report.files:
                    report.files.append(path)
            if on_step:
                on_step()
    return report
