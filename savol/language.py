"""Which of the four reader languages a question is in, and the refusal in that language."""

from __future__ import annotations

import re

LANGS = ("uz-Cyrl", "uz-Latn", "ru", "en")

REFUSALS = {
    "uz-Cyrl": "Мақолада бу ҳақда маълумот топилмади.",
    "uz-Latn": "Maqolada bu haqda ma'lumot topilmadi.",
    "ru": "В статье об этом нет сведений.",
    "en": "The article does not say.",
}

_UZ_CYRL_LETTERS = set("ўқғҳЎҚҒҲ")
_RU_LETTERS = set("ыщЫЩ")  # э, ъ and ё occur in Uzbek Cyrillic too
_UZ_LATN_MARKS = re.compile(r"[oOgG]['‘’ʻʼ`]|[şçğöŞÇĞÖ]")
_UZ_CYRL_WORDS = set(
    "ким нима қачон қаерда қанча қайси нечта неча нега қандай ва билан учун бўлди ҳақида эди деб бу у".split()
)
_RU_WORDS = set("что кто как какой какая какие сколько где когда почему зачем и в на с по о об для это был была были".split())
_UZ_LATN_WORDS = set(
    "kim nima qachon qayerda qancha qaysi nechta nega qanday va bilan uchun haqida nima bo'ldi bilan "
    "qildi edi kimlar necha qayer yaponiya qozog'iston qozoğiston prezident".split()
)
_EN_WORDS = set("what who whom when where why how which is are was were the a an of to did does do in on".split())


def detect_language(text: str) -> str:
    """Best guess among ``uz-Cyrl``, ``uz-Latn``, ``ru`` and ``en``; Uzbek Cyrillic when unsure."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "uz-Cyrl"
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    words = set(re.findall(r"[^\W\d_]+(?:['‘’ʻʼ][^\W\d_]+)?", text.lower()))
    if any(c in _UZ_CYRL_LETTERS for c in text):
        return "uz-Cyrl"
    if cyrillic >= len(letters) / 2:
        if any(c in _RU_LETTERS for c in text):
            return "ru"
        rest = words - _RU_WORDS - _UZ_CYRL_WORDS
        uz = 2 * len(words & _UZ_CYRL_WORDS) + sum(1 for w in rest if re.search(r"(нинг|лар|дан|да|га|ни|ми|ди)$", w))
        ru = 2 * len(words & _RU_WORDS) + sum(1 for w in rest if re.search(r"(ого|его|ому|ая|ий|ый|ой|ть|ся|ют|ет)$", w))
        return "ru" if ru > uz else "uz-Cyrl"
    if _UZ_LATN_MARKS.search(text):
        return "uz-Latn"
    uz, en = len(words & _UZ_LATN_WORDS), len(words & _EN_WORDS)
    if uz > en:
        return "uz-Latn"
    if en > uz:
        return "en"
    # Uzbek words often end in these suffixes; English ones rarely do.
    uz_suffix = sum(1 for w in words if re.search(r"(lar|ning|dagi|da|ga|ni|mi|dan)$", w))
    return "uz-Latn" if uz_suffix > len(words) / 3 else "en"


def refusal(lang: str) -> str:
    """The "the article does not say" answer in ``lang``."""
    return REFUSALS.get(lang, REFUSALS["uz-Cyrl"])
