"""Read the corpus folder: `.txt` and `.md` files, a `date YYYY-MM-DD Title` header, paragraphs.

Beside an article, ``<name>.meta.json`` may say what its text does not: its address (``url``),
its publisher's site (``publisher_url``) and example questions for the chat page (``examples``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from ingest.errors import CorpusError
from ingest.text import fold_confusables, strip_invisible

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
class ArticleMeta:
    """What ``<name>.meta.json`` says of an article; every field may be missing."""

    url: str | None = None  # the article's own address
    publisher_url: str | None = None  # the outlet's site, when the article's address is not known
    examples: tuple[str, ...] = ()  # questions the chat page offers to click


@dataclass(frozen=True)
class SourceFile:
    """A corpus document: its metadata, original text and paragraphs."""

    name: str
    sha256: str
    title: str
    date: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    meta: ArticleMeta = field(default_factory=ArticleMeta)


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
        meta=read_meta(path),
        name=path.name,
        sha256=hashlib.sha256(raw).hexdigest(),
        title=title,
        date=date,
        text=text,
        paragraphs=paragraphs,
    )


META_SUFFIX = ".meta.json"


def read_meta(article: Path) -> ArticleMeta:
    """The article's ``<name>.meta.json`` (none: an empty :class:`ArticleMeta`).

    Raises:
        CorpusError: the file is not JSON of the expected shape.
    """
    path = Path(article).with_name(Path(article).stem + META_SUFFIX)
    if not path.is_file():
        return ArticleMeta()
    fix = f"fix or remove {path.name}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CorpusError(f"{path.name} is not readable JSON ({type(exc).__name__}); {fix}.") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{path.name} must hold a JSON object; {fix}.")
    urls = {}
    for key in ("url", "publisher_url"):
        value = data.get(key)
        if value is not None and (
            not isinstance(value, str) or urlparse(value).scheme not in ("http", "https") or not urlparse(value).netloc
        ):
            raise CorpusError(f"{path.name}: {key} must be an http(s) address or null; {fix}.")
        urls[key] = value
    examples = data.get("examples", [])
    if not isinstance(examples, list) or not all(isinstance(e, str) and e.strip() for e in examples):
        raise CorpusError(f"{path.name}: examples must be a list of questions; {fix}.")
    return ArticleMeta(examples=tuple(e.strip() for e in examples), **urls)


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
