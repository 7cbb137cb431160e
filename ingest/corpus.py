"""Read the corpus folder: `.txt` and `.md` files, a `date YYYY-MM-DD Title` header, paragraphs."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.text import fold_confusables, strip_invisible
from savol.errors import CorpusError

SUFFIXES = (".txt", ".md")
_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s+(.+?)\s*$")


@dataclass(frozen=True)
class Paragraph:
    """One non-empty line of the body; ``start``/``end`` index the original file text."""

    number: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class SourceFile:
    """A corpus document: its metadata, original text and paragraphs."""

    name: str
    sha256: str
    title: str
    date: str
    text: str
    paragraphs: tuple[Paragraph, ...]


# A news dateline opens the body: "ASTANA. Kazinform – ..." (a city in capitals, a full stop,
# the outlet in up to three words without digits, a dash).
_LETTERS = r"[^\W\d_]"
_DATELINE = re.compile(
    rf"^\s*({_LETTERS}{{2,}}(?:[ -]{_LETTERS}+)*)\.\s+"
    rf"({_LETTERS}[^\W\d_.&'-]*(?:[.&'-]?{_LETTERS}+)*(?: {_LETTERS}[^\W\d]*){{0,2}}?)\s*[–—‒−-](?:\s|$)"
)


def dateline_outlet(body: str) -> str | None:
    """The outlet a dateline names ("ASTANA. Kazinform – Today ..." -> "Kazinform"), else None.

    Look-alike letters from the other script are folded first ("Кazinform" -> "Kazinform").
    """
    found = _DATELINE.match(fold_confusables(body))
    return found.group(2) if found and found.group(1).isupper() else None


def list_corpus(corpus_dir: Path) -> list[Path]:
    """The readable documents of a corpus folder, sorted by name."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"Corpus folder {corpus_dir} does not exist; create it or pass --corpus DIR.")
    files = sorted(p for p in corpus_dir.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not files:
        raise CorpusError(f"Corpus folder {corpus_dir} has no .txt or .md files; add the article there.")
    return files


def read_source(path: Path) -> SourceFile:
    """Decode one file (UTF-8, strictly), parse its header and split it into paragraphs."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path.name} is not UTF-8 (bad byte at position {exc.start}); "
            "re-save it as UTF-8 or remove it from the corpus."
        ) from None
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # a BOM: same length, so offsets stay true
    title, date = path.stem, ""
    body_start = 0
    first_line_end = text.find("\n")
    first_line = text if first_line_end < 0 else text[:first_line_end]
    header = _HEADER.match(strip_invisible(first_line))
    if header:
        date, title = header.group(1), header.group(2)
        body_start = len(text) if first_line_end < 0 else first_line_end + 1
    paragraphs = tuple(_paragraphs(text, body_start))
    if not any(strip_invisible(p.text).strip() for p in paragraphs):
        raise CorpusError(f"{path.name} has no text after its header; add the article body or remove the file.")
    return SourceFile(
        name=path.name,
        sha256=hashlib.sha256(raw).hexdigest(),
        title=title,
        date=date,
        text=text,
        paragraphs=paragraphs,
    )


def _paragraphs(text: str, start: int):
    number = 0
    for match in re.finditer(r"[^\n]+", text[start:]):
        line = match.group(0)
        stripped = line.strip()
        if not strip_invisible(stripped).strip():
            continue
        number += 1
        lead = len(line) - len(line.lstrip())
        begin = start + match.start() + lead
        yield Paragraph(number=number, start=begin, end=begin + len(stripped), text=stripped)
