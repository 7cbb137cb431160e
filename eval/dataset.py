"""The Q&A dataset format (eval/*.jsonl) and its validation.

Each line: ``id``, ``lang``, ``question``, ``answers`` (short strings, any of which a right
answer contains), ``evidence`` (strings that mark a passage that answers), ``answerable``,
and optionally ``history`` (earlier questions, for follow-ups) and ``off_topic`` (an
unanswerable question that has nothing to do with the article).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import SavolError
from ingest.lang import LANGS

REQUIRED = ("id", "lang", "question", "answers", "evidence", "answerable")


@dataclass(frozen=True)
class Item:
    """One benchmark question."""

    id: str
    lang: str
    question: str
    answers: tuple[str, ...]
    evidence: tuple[str, ...]
    answerable: bool
    history: tuple[str, ...] = field(default=())
    off_topic: bool = False


class DatasetError(SavolError):
    """A dataset file that does not follow the schema."""


def load_dataset(path: Path) -> list[Item]:
    """Read and check a dataset file; a bad line is named with its number and the problem."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DatasetError(f"Dataset {path} does not exist; pass --dataset FILE.") from None
    except UnicodeDecodeError:
        raise DatasetError(f"Dataset {path} is not UTF-8; re-save it as UTF-8.") from None
    items, seen = [], set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {number}"
        try:
            raw = json.loads(line)
        except ValueError:
            raise DatasetError(f"{where} is not valid JSON; fix or remove it.") from None
        if not isinstance(raw, dict) or any(k not in raw for k in REQUIRED):
            raise DatasetError(f"{where} needs the keys {', '.join(REQUIRED)}.")
        if raw["lang"] not in LANGS:
            raise DatasetError(f"{where}: lang must be one of {', '.join(LANGS)}, not {raw['lang']!r}.")
        lists = [raw["answers"], raw["evidence"], raw.get("history", [])]
        if not all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in lists):
            raise DatasetError(f"{where}: answers, evidence and history must be lists of strings.")
        if not isinstance(raw["question"], str) or not isinstance(raw["answerable"], bool):
            raise DatasetError(f"{where}: question must be text and answerable true or false.")
        if raw["answerable"] and not (raw["answers"] and raw["evidence"]):
            raise DatasetError(f"{where}: an answerable item needs answers and evidence.")
        off_topic = raw.get("off_topic", False)
        if not isinstance(off_topic, bool) or (off_topic and raw["answerable"]):
            raise DatasetError(f"{where}: off_topic must be true or false, and true only for an unanswerable item.")
        if raw["id"] in seen:
            raise DatasetError(f"{where}: duplicate id {raw['id']!r}.")
        seen.add(raw["id"])
        items.append(
            Item(
                id=str(raw["id"]),
                lang=raw["lang"],
                question=raw["question"],
                answers=tuple(raw["answers"]),
                evidence=tuple(raw["evidence"]),
                answerable=raw["answerable"],
                history=tuple(raw.get("history", [])),
                off_topic=off_topic,
            )
        )
    if not items:
        raise DatasetError(f"Dataset {path} has no items.")
    return items
