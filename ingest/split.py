"""Sentences and chunks of whole sentences, each with offsets into the original file.

Chunks follow the article's own structure: a paragraph is one chunk when it fits;
a heading or a lead-in line ("... he said:") joins the paragraph after it; a short
paragraph joins the one before it; a paragraph longer than the target is cut into
windows of whole sentences that overlap by a few sentences.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ingest.corpus import SourceFile
from ingest.text import strip_invisible

TokenCounter = Callable[[str], int]

_DASHES = "-–—"
_OPEN_QUOTES = "«\"“„'"
_END = re.compile(r"[.!?…]+[\"»”’')\]]*")
_ABBREVIATIONS = {"т", "б", "ш", "г", "им", "млн", "млрд", "ва", "ҳ.к", "проф", "акад", "mr", "dr", "no", "vs", "etc"}


@dataclass(frozen=True)
class Sentence:
    """A sentence of a paragraph; ``text`` is ``file_text[start:end]`` minus invisible characters."""

    id: str
    source: str
    paragraph: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Chunk:
    """A passage of whole sentences: the unit that is embedded, retrieved and cited."""

    id: str
    source: str
    title: str
    date: str
    paragraphs: tuple[int, ...]
    start: int
    end: int
    text: str
    sentence_ids: tuple[str, ...] = field(default=())

    @property
    def paragraph(self) -> int:
        return self.paragraphs[0]


def content_id(*parts: object) -> str:
    """A stable id: the first 16 hex digits of a SHA-256 over the parts."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return digest.hexdigest()[:16]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split one paragraph into ``(start, end)`` spans of sentences.

    Does not break at initials ("Л.Н."), dotted names ("Alem.ai"), decimal commas
    ("3,7"), hyphenated numbers ("1990-йилларга"), or inside direct speech opened by
    a quote or a dash; does break before a dash or quote that opens a new sentence.
    """
    spans, begin = [], 0
    for match in _END.finditer(text):
        end = match.end()
        if not _is_boundary(text, match.start(), end):
            continue
        if text[begin:end].strip():
            spans.append(_trim(text, begin, end))
        begin = end
    if text[begin:].strip():
        spans.append(_trim(text, begin, len(text)))
    return _merge_single_words(text, spans)


def _merge_single_words(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A one-word "sentence" (a dateline such as "ASTANА.") belongs to the next one."""
    merged: list[tuple[int, int]] = []
    pending = None
    for start, end in spans:
        if pending is not None:
            start, pending = pending, None
        if len(text[start:end].split()) < 2 and (start, end) != spans[-1]:
            pending = start
            continue
        merged.append((start, end))
    if pending is not None:
        merged.append((pending, spans[-1][1]))
    return merged


def _is_boundary(text: str, punct_start: int, end: int) -> bool:
    rest = text[end:]
    gap = len(rest) - len(rest.lstrip())
    if gap == 0 or not rest.strip():
        return False  # "Alem.ai", "3.7", or the paragraph's end (handled by the caller)
    nxt = rest.lstrip()
    first = nxt[0]
    if first in _DASHES or first in _OPEN_QUOTES:
        after = nxt[1:].lstrip()
        starts_new = bool(after) and (after[0].isupper() or after[0].isdigit())
    else:
        starts_new = first.isupper() or first.isdigit()
    if not starts_new:
        return False
    if text[punct_start] == ".":
        word = re.search(r"([^\s.]+(?:\.[^\s.]+)*)$", text[:punct_start])
        token = word.group(1) if word else ""
        last = token.rsplit(".", 1)[-1]
        if len(last) == 1 and last.isalpha() and last.isupper():
            return False  # an initial: "Л.Н. Гумилёв"
        if token.lower() in _ABBREVIATIONS:
            return False
    return True


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(source: SourceFile) -> list[Sentence]:
    """All sentences of a document, in order, with file offsets and paragraph numbers."""
    sentences = []
    for para in source.paragraphs:
        for start, end in sentence_spans(para.text):
            text = strip_invisible(para.text[start:end]).strip()
            if not text:
                continue
            begin = para.start + start
            sentences.append(
                Sentence(
                    id=content_id(source.sha256, begin, text),
                    source=source.name,
                    paragraph=para.number,
                    start=begin,
                    end=para.start + end,
                    text=text,
                )
            )
    return sentences


HEADING_MAX_WORDS = 12  # a heading is short; a long line without a full stop is a sentence cut short


def looks_like_heading(text: str) -> bool:
    """A heading or a question-like title: short, and without a sentence's closing punctuation.

    It names a topic and is never an answer; a one-line paragraph that looks like one joins the
    paragraph after it."""
    return bool(text) and text[-1] not in '.!…»"' and len(text.split()) <= HEADING_MAX_WORDS


def _is_heading(sentences: Sequence[Sentence]) -> bool:
    return len(sentences) == 1 and looks_like_heading(sentences[0].text)


def _opens_with_dash(sentences: Sequence[Sentence]) -> bool:
    return sentences[0].text[0] in _DASHES


def chunk_sentences(
    source: SourceFile,
    sentences: Sequence[Sentence],
    count_tokens: TokenCounter,
    target_tokens: int = 300,
    max_tokens: int = 512,
    overlap: int = 1,
    min_tokens: int = 80,
) -> list[Chunk]:
    """Group sentences into chunks of whole sentences that fit the embedder's window.

    Args:
        source: the document the sentences come from.
        sentences: ``split_sentences(source)``.
        count_tokens: the embedder's token counter (prefix and special tokens included).
        target_tokens: a chunk grows to about this size; longer paragraphs are cut.
        max_tokens: the embedder's window; no chunk of two or more sentences exceeds it.
        overlap: sentences repeated at the start of the next window of a cut paragraph.
        min_tokens: a paragraph shorter than this joins the previous one when they fit.
    """
    by_para: dict[int, list[Sentence]] = {}
    for sentence in sentences:
        by_para.setdefault(sentence.paragraph, []).append(sentence)
    paras = [by_para[n] for n in sorted(by_para)]
    limit = min(target_tokens, max_tokens)

    units: list[list[Sentence]] = []
    carry: list[Sentence] = []  # headings and lead-ins waiting for their paragraph
    for i, para in enumerate(paras):
        nxt = paras[i + 1] if i + 1 < len(paras) else None
        lead_in = nxt is not None and _opens_with_dash(nxt) and len(para) == 1 and not _opens_with_dash(para)
        if nxt is not None and (_is_heading(para) or lead_in):
            carry.extend(para)
            continue
        unit = carry + para
        carry = []
        joined = " ".join(s.text for s in unit)
        if (
            units
            and count_tokens(" ".join(s.text for s in para)) < min_tokens
            and count_tokens(" ".join(s.text for s in units[-1]) + " " + joined) <= limit
            and not _opens_with_dash(unit)
            and len(unit) == len(para)
        ):
            units[-1].extend(unit)
        else:
            units.append(list(unit))
    if carry:
        units.append(carry)

    chunks = []
    for unit in units:
        for window in _windows(unit, count_tokens, limit, overlap):
            chunks.append(_make_chunk(source, window))
    return chunks


def _windows(unit: list[Sentence], count: TokenCounter, limit: int, overlap: int) -> list[list[Sentence]]:
    if count(" ".join(s.text for s in unit)) <= limit:
        return [unit]
    windows: list[list[Sentence]] = []
    current: list[Sentence] = []
    for sentence in unit:
        candidate = [*current, sentence]
        if current and count(" ".join(s.text for s in candidate)) > limit:
            windows.append(current)
            keep = current[-overlap:] if overlap else []
            current = [*keep, sentence]
            while len(current) > 1 and count(" ".join(s.text for s in current)) > limit:
                current = current[1:]  # the overlap itself must not overflow the window
        else:
            current = candidate
    if current:
        windows.append(current)
    return windows


def _make_chunk(source: SourceFile, window: list[Sentence]) -> Chunk:
    start, end = window[0].start, window[-1].end
    text = strip_invisible(source.text[start:end])
    paragraphs = tuple(dict.fromkeys(s.paragraph for s in window))
    return Chunk(
        id=content_id(source.sha256, start, end, text),
        source=source.name,
        title=source.title,
        date=source.date,
        paragraphs=paragraphs,
        start=start,
        end=end,
        text=text,
        sentence_ids=tuple(s.id for s in window),
    )
