"""Translations of an article, aligned sentence by sentence: the data behind the reader-language views.

Beside ``<name>.txt`` a translation lives in ``<name>.<lang>.jsonl`` (``lang`` is ``ru`` or ``en``;
Uzbek Latin is made by alifbo and never stored). Line 1 is the title, then one line per sentence of
the article in order, as :func:`ingest.split.split_sentences` cuts it::

    {"paragraph": 0, "source": "<the title>", "text": "<its translation>"}
    {"paragraph": 1, "source": "<sentence 1, as in the article>", "text": "<its translation>"}

``source`` repeats the original, so a translation that no longer lines up with its article (the
article was edited, a line was dropped or merged) is caught at ingest and named, line and sentence,
instead of putting one sentence's translation beside another. ``text`` may be empty: not translated
yet (``savol translate`` fills those in).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.corpus import SourceFile
from ingest.errors import CorpusError
from ingest.records import IndexedSentence
from ingest.split import Sentence
from ingest.text import strip_invisible

VIEW_LANGUAGES = ("ru", "en")
LANGUAGE_NAMES = {"ru": "Russian", "en": "English"}


@dataclass(frozen=True)
class Translation:
    """One language's translation of one article: the title and each sentence's text, by sentence id."""

    lang: str
    path: Path
    source: str  # the article's file name
    sha256: str
    title: str
    texts: dict[str, str]  # sentence id -> its translation ("" where not translated yet)

    @property
    def complete(self) -> bool:
        return bool(self.title) and all(self.texts.values())


def translation_path(article: Path, lang: str) -> Path:
    return Path(article).with_name(f"{Path(article).stem}.{lang}.jsonl")


def _same(a: str, b: str) -> bool:
    return " ".join(strip_invisible(a).split()) == " ".join(strip_invisible(b).split())


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "…"


Sentences = Sequence[Sentence | IndexedSentence]


def read_translation(path: Path, source: SourceFile, sentences: Sentences) -> Translation:
    """Read and check ``path`` against its article's title and sentences.

    Raises:
        CorpusError: one line naming the file, the line and the sentence that do not align.
    """
    lang = path.suffixes[-2][1:] if len(path.suffixes) >= 2 else ""
    fix = f"fix {path.name} or remove it (savol translate rewrites it)"
    try:
        raw = path.read_bytes()
        lines = raw.decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        raise CorpusError(f"{path.name} is not readable UTF-8 text; {fix}.") from None
    expected = [(0, source.title)] + [(s.paragraph, s.text) for s in sentences]
    rows = [line for line in lines if line.strip()]
    texts: list[str] = []
    for number, (line, (paragraph, original)) in enumerate(zip(rows, expected), start=1):
        where = f"{path.name} line {number}"
        what = "the title" if number == 1 else f"sentence {number - 1} (paragraph {paragraph}) «{_short(original)}»"
        try:
            row = json.loads(line)
        except ValueError:
            raise CorpusError(f"{where} is not JSON; it should translate {what}; {fix}.") from None
        if not isinstance(row, dict) or not isinstance(row.get("source"), str) or not isinstance(row.get("text"), str):
            raise CorpusError(f'{where} needs "source" and "text" strings; it should translate {what}; {fix}.')
        if not _same(row["source"], original):
            raise CorpusError(
                f"{where} does not align: it translates «{_short(row['source'])}», the article has {what} there; {fix}."
            )
        texts.append(" ".join(row["text"].split()))
    if len(rows) != len(expected):
        missing = len(expected) - len(rows)
        if missing > 0:
            paragraph, original = expected[len(rows)]
            first = f"sentence {len(rows)} (paragraph {paragraph}) «{_short(original)}»" if rows else "the title"
            raise CorpusError(f"{path.name} stops early: {missing} line(s) missing from {first} on; {fix}.")
        raise CorpusError(f"{path.name} has {-missing} line(s) more than the article has sentences; {fix}.")
    return Translation(
        lang=lang,
        path=path,
        source=source.name,
        sha256=hashlib.sha256(raw).hexdigest(),
        title=texts[0],
        texts={s.id: t for s, t in zip(sentences, texts[1:])},
    )


def read_translations(article: Path, source: SourceFile, sentences: Sentences) -> dict[str, Translation]:
    """Every translation of ``article`` that exists, by language."""
    found = {}
    for lang in VIEW_LANGUAGES:
        path = translation_path(article, lang)
        if path.is_file():
            found[lang] = read_translation(path, source, sentences)
    return found


def write_translation(
    article: Path, lang: str, source: SourceFile, sentences: Sentences, title: str, texts: dict[str, str]
) -> Path:
    """Write ``<name>.<lang>.jsonl`` atomically (a temp file, then a rename): a crash keeps the old one."""
    path = translation_path(article, lang)
    rows = [{"paragraph": 0, "source": source.title, "text": title}]
    rows += [{"paragraph": s.paragraph, "source": s.text, "text": texts.get(s.id, "")} for s in sentences]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def untranslated_note(corpus_dir: Path) -> str | None:
    """One line naming the articles without any translation file, for ``savol ingest`` to print once.

    None when every article has at least one view (or the corpus folder cannot be listed:
    ingest itself reports that).
    """
    from ingest.corpus import list_corpus

    try:
        articles = list_corpus(corpus_dir)
    except CorpusError:
        return None
    bare = [a.name for a in articles if not any(translation_path(a, lang).is_file() for lang in VIEW_LANGUAGES)]
    if not bare:
        return None
    names = "/".join(LANGUAGE_NAMES[lang] for lang in VIEW_LANGUAGES)
    shown = (
        bare[0] if len(bare) == 1 else f"{', '.join(bare[:3])}{' …' if len(bare) > 3 else ''} ({len(bare)} articles)"
    )
    return (
        f"{shown}: no {names} translation; Russian and English questions are matched against the Uzbek text "
        "(run savol translate --llm SPEC to add them)"
    )
