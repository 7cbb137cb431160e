"""English words glossed into Uzbek through the ``uz-en-dictionary`` package's data.

When an article has no English view, an English question shares no word with the Uzbek text but
its names. Glossing its content words into Uzbek ("meet" -> "uchrashmoq", "company" ->
"kompaniya") gives the lexical matcher something to find. The package's own API builds Windows
paths (``"\\"``-joined) and fails on Linux, so its JSON files are read here directly:

* ``database/en-uz/<letter>.json``: ~12.6k English headwords (14.5k entries: a word may come
  once per part of speech), each an Uzbek Latin definition such as
  ``" vt, vi (pt, met, pp met) 1) uchratmoq; 2) uchrashmoq, uchrashuvga chiqmoq"``. The keys repeat,
  so every entry is kept, not the last one. A few files are Windows-1252, not UTF-8.
* ``database/uz-en/<letter>.json``: ~25.8k Uzbek headwords with English senses
  (``"vazir": "(Arabic) vizier, minister."``). Read backwards it says which Uzbek words an English
  word names, and it ranks the en-uz senses: "company" is first "o'rtog'lik" (companionship) there,
  but "kompaniya" is the word whose English sense is "company".

The data is loaded once, on the first call, and every lookup is cached.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import json
import re
import threading
from pathlib import Path

from ingest.errors import SavolError
from ingest.lang import stopwords, words

PACKAGE = "uz_en_dictionary"
INSTALL_HINT = "the English fallback needs the uz-en-dictionary package: pip install uz-en-dictionary==0.0.4"
MAX_GLOSSES = 3  # Uzbek words per English word: the senses the two sides agree on come first; more is noise
MAX_SENSES_PER_ENTRY = 4  # the first senses of an Uzbek headword are its main ones; later ones are idioms
MIN_GLOSS_CHARS = 3  # "es", "im": fragments of a definition, not words
MAX_ENGLISH_WORDS = 2  # uz-en senses of up to two words are read backwards: english_to_uzbek("prime minister")

_LABELS = re.compile(
    r"\((?:pl|pt|pp)[^)]*\)|\[[^\]]*\]|\((?:Arabic|Persian|Russian|Tajik|Turkish|Mongolian|French|German|English)\)"
    r"|\b(?:vt|vi|v\.t\.|v\.i\.|n|adj|adv|prep|cj|conj|pron|int|num|obs\.|arch\.|coll\.|lit\.|dial\.|pol\.)(?=[\s,.;]|$)"
)
_NUMBER = re.compile(r"\d+\s*\)|\b\d+\b")
_PAREN = re.compile(r"\([^)]*\)")
_IRREGULAR = re.compile(r"\(pt[, ]+(?:-en\s+)?([a-z]+)?[, ]*pp[, ]+([a-z]+)")  # "(pt, met, pp met)" -> met, met
_SEE = re.compile(r"^\s*(?:qarang\s+([a-z]+)|([a-z]+)\s+ga\s+qarang)\b")  # a cross-reference entry
_LOCK = threading.Lock()


class DictionaryUnavailable(SavolError):
    """``uz-en-dictionary`` is not installed, or its data cannot be read."""


def _database() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DictionaryUnavailable(INSTALL_HINT)
    folder = Path(next(iter(spec.submodule_search_locations))) / "database"
    if not (folder / "en-uz").is_dir() or not (folder / "uz-en").is_dir():
        raise DictionaryUnavailable(f"{folder} has no en-uz and uz-en data; reinstall: {INSTALL_HINT}")
    return folder


def _entries(folder: Path) -> list[tuple[str, str]]:
    """Every (headword, definition) pair of one side, repeated keys included."""
    pairs: list[tuple[str, str]] = []
    for path in sorted(folder.glob("*.json")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")  # a.json, c.json, f.json … were saved by a Windows editor
        try:
            pairs += json.loads(text, object_pairs_hook=list)
        except ValueError as exc:
            raise DictionaryUnavailable(f"{path} is not JSON ({exc}); reinstall: {INSTALL_HINT}") from None
    return [(k.strip().lstrip("\ufeff").lower(), v) for k, v in pairs if isinstance(k, str) and isinstance(v, str)]


def _uzbek_glosses(definition: str) -> list[str]:
    """The Uzbek words of an en-uz definition, first alternative of every sense first."""
    text = definition.split("~", 1)[0]  # "to be ~ and forth nari-beri": idioms start at the headword's mark
    text = _PAREN.sub("", _LABELS.sub(" ", text))  # "och(il)moq" -> "ochmoq"
    senses = [s for s in re.split(r"\d+\s*\)|\b\d+\s", text) if s.strip()]
    firsts, rest = [], []
    for sense in senses:
        options = [" ".join(o.split()) for o in re.split(r"[;,]", sense)]
        options = [o.strip(" .?!:") for o in options if o.strip(" .?!:")]
        options = [o for o in options if len(o.split()) <= 2 and not _NUMBER.search(o)]
        firsts += options[:1]
        rest += options[1:]
    glosses = [g.replace("`", "'") for g in firsts + rest]
    english = stopwords("en") | {"pp", "pt", "pl", "s", "smb", "sth", "smth"}
    return [
        g for g in glosses if len(g) >= MIN_GLOSS_CHARS and not set(g) & set("()[]~") and not set(g.split()) & english
    ]


def _english_senses(definition: str) -> list[str]:
    """The main English senses of a uz-en definition: "(Arabic) vizier, minister." -> vizier, minister."""
    text = _LABELS.sub(" ", definition).split("~", 1)[0]
    text = re.split(r"\.\s|\.$|\bs\.\s", text.strip(), maxsplit=1)[0]  # the first sentence; "s. x" is a see-also
    senses = []
    for sense in re.split(r"[;,]", _PAREN.sub(" ", text)):
        sense = " ".join(sense.lower().split())
        sense = sense.removeprefix("to ").strip(" .?!:")
        if sense and len(sense.split()) <= MAX_ENGLISH_WORDS and all(w.isalpha() for w in sense.split()):
            senses.append(sense)
    return senses[:MAX_SENSES_PER_ENTRY]


class _Dictionary:
    def __init__(self, folder: Path):
        self.forward: dict[str, list[list[str]]] = {}  # English -> each entry's Uzbek glosses, as en-uz lists them
        self.see: dict[str, str] = {}  # "built" -> "build" ("qarang build", "say ga qarang")
        self.irregular: dict[str, str] = {}  # "met" -> "meet", from en-uz's own "(pt, met, pp met)"
        for word, definition in _entries(folder / "en-uz"):
            found = _SEE.match(definition)
            if found:
                self.see.setdefault(word, (found.group(1) or found.group(2)).lower())
                continue
            self.forward.setdefault(word, []).append(_uzbek_glosses(definition))
            found = _IRREGULAR.search(definition)
            for form in found.groups() if found else ():
                if form and form != word and form.isalpha():
                    self.irregular.setdefault(form, word)
        # English -> (rank of that sense in its entry, how many senses the entry has, Uzbek headword)
        self.backward: dict[str, list[tuple[int, int, str]]] = {}
        for uzbek, definition in _entries(folder / "uz-en"):
            if " " in uzbek or len(uzbek) < MIN_GLOSS_CHARS or not definition.strip():
                continue
            senses = _english_senses(definition)
            for rank, sense in enumerate(senses):
                self.backward.setdefault(sense, []).append((rank, len(senses), uzbek.replace("`", "'")))

    def lookup(self, word: str) -> tuple[str, ...]:
        """Glosses the two sides agree on, then each en-uz entry's first sense, then the best reversed one."""
        word = self.see.get(word, word)
        entries = self.forward.get(word, [])
        forward = [g for column in itertools.zip_longest(*entries) for g in column if g]  # round-robin over entries
        backward = [uz for *_, uz in sorted(self.backward.get(word, []))]
        agreed = [g for g in forward if _verb_stem(g) in backward]
        firsts = [entry[0] for entry in entries if entry]
        ranked = agreed + firsts + backward[:1] + forward + backward
        return tuple(dict.fromkeys(ranked))[:MAX_GLOSSES]


def _verb_stem(gloss: str) -> str:
    """uz-en lists verbs by their stem: "imzolamoq" -> "imzola"."""
    for ending in ("moq", "mak"):
        if gloss.endswith(ending) and " " not in gloss:
            return gloss[: -len(ending)]
    return gloss


_data: _Dictionary | None = None


def _dictionary() -> _Dictionary:
    """Both sides of the data, read on the first call (about 1 s), once even when threads race."""
    global _data
    if _data is None:
        with _LOCK:
            if _data is None:
                _data = _Dictionary(_database())
    return _data


def _base_forms(word: str) -> list[str]:
    """``word`` and the forms an English inflection may come from ("companies" -> company)."""
    forms = [word]
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word.endswith("ied"):
        forms.append(word[:-3] + "y")
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    if word.endswith("ed"):
        forms += [word[:-2], word[:-1]]
        if len(word) > 4 and word[-3] == word[-4]:
            forms.append(word[:-3])  # "planned" -> plan
    if word.endswith("ing"):
        forms += [word[:-3], word[:-3] + "e"]
        if len(word) > 5 and word[-4] == word[-5]:
            forms.append(word[:-4])
    if word.endswith("'s"):
        forms.append(word[:-2])
    return forms


@functools.lru_cache(maxsize=4096)
def english_to_uzbek(word: str) -> tuple[str, ...]:
    """Uzbek Latin glosses of one English word, best first (at most :data:`MAX_GLOSSES`); () when unknown.

    Raises:
        DictionaryUnavailable: the ``uz-en-dictionary`` package is not installed or unreadable.
    """
    dictionary = _dictionary()
    word = word.lower().replace("’", "'").strip()
    for form in _base_forms(word):
        form = dictionary.irregular.get(form, form)
        found = dictionary.lookup(form)
        if found:
            if form != word and word.endswith(("ed", "ing")):  # "signed": the verb's senses first
                found = tuple(sorted(found, key=lambda g: _verb_stem(g) == g))
            return found
    return ()


def gloss_question(text: str) -> str:
    """The English question's content words glossed into Uzbek: "Who signed the agreement?" ->
    "imzo chekmoq imzolamoq kelishuv …". Question and function words are skipped; unknown words
    (most names) give nothing, since the question itself keeps them.

    Raises:
        DictionaryUnavailable: the ``uz-en-dictionary`` package is not installed or unreadable.
    """
    skip = stopwords("en")
    glosses: list[str] = []
    for word in words(text.lower(), letters=True):
        if word in skip or len(word) < 2:
            continue
        glosses += [g for g in english_to_uzbek(word) if g not in glosses]
    return " ".join(glosses)
