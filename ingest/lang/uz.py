"""Uzbek words, written once in Cyrillic; other floors read their Latin forms through alifbo.

Patterns that match questions or sentences (``KINDS``, ``NUMBER``, ``DATE``) run on
:func:`alifbo.fold_search_key`, the one Latin key every script and spelling folds to
("Qaçon", "Qachon" and "Қачон" are all ``qaçon``), so they are written in that key.
"""

from __future__ import annotations

CODE = "uz"

# Question words ("who", "what", "when" ...) in their common inflected forms.
QUESTION_WORDS = frozenset(
    "ким кимни кимга кимнинг кимлар нима нимани нимага ниманинг нималар нималарни қачон қаерда қаерга қаердан "
    "қанча нечта неча нечанчи қайси қандай қанақа нега".split()
)
# Function words: conjunctions, postpositions, pronouns, auxiliaries, and words about the article itself.
FUNCTION_WORDS = frozenset(
    "ва билан учун ҳақида эди бўлди бўлган деб бу шу у ушбу ўша ҳам эса бор йўқ қилди қилган айтди мумкин керак "
    "ёки лекин аммо бироқ яна энг жуда ҳар ўз улар мақола мақолада муаллиф айтишича фикрича сўзларига кўра "
    "ҳақидаги".split()
)
# The words that tell an Uzbek question from a Russian or English one (either script): the question
# words, a few function words, and what readers add when they ask in their own words ("menga aytib
# ber"). Not every function word: folded to Latin, some are English words ("ҳам" ham, "энг" eng).
DETECTION_WORDS = QUESTION_WORDS | frozenset(
    "ва билан учун бўлди ҳақида эди деб бу у кимлар қаер қилди нечи нечтаси қачондан қачонгача бери менга "
    "бизга айтиб айтинг бер битта қилдими бўлдими борми".split()
)
DETECTION_SUFFIXES_CYRILLIC = r"(нинг|лар|дан|да|га|ни|ми|ди)$"
DETECTION_SUFFIXES_LATIN = r"(lar|ning|dagi|da|ga|ni|mi|dan)$"
# Pronouns and demonstratives that point back to an earlier turn ("Унинг президенти ким?").
REFERRING = frozenset("у унинг уни унга улар уларнинг бу шу ушбу ўша ерда".split())

# What kind of answer a question asks for, on the folded key.
KINDS = {
    "number": r"\b(neçta|neça|qança|qançadan|qançaga|neçançi|neçtasi|foizi?)\b",
    "date": r"\b(qaçon|qaçondan|qaçongaça|qaysi (yil|yili|yilda|kun|kuni|oy|oyda|sana|sanada))\b",
    "person": r"\b(kim|kimni|kimga|kimning|kimlar|kimlarni|kimlarga|kimdan|kimlardan|kim bilan)\b",
    "place": r"\b(qayer|qayerda|qayerga|qayerdan|qayerdagi|qaysi (şahar|davlat|mamlakat|joy|hudud|viloyat)\w*)\b",
}

# Numbers written as words, and date expressions, on the folded key.
NUMBER = (
    r"\d|\b(bir(?! neç)|ikki|uç|tört|beş|olti|yetti|sakkiz|töqqiz|ön|yigirma|öttiz|qirq|ellik|oltmiş|yetmiş|"
    r"sakson|töqson|yuz|ming|million|milliard|trillion|yarim|birinçi|ikkinçi|uçinçi|ikkita|uçta|törtta|beşta)"
    r"(ta|tasi|nçi|inçi|dan|ga|da|lab|ala)?\b"
)
MONTHS = "yanvar|fevral|mart|aprel|may|iyun|iyul|avgust|sentyabr|oktyabr|noyabr|dekabr"
MONTH_ENDINGS = "da|ga|dan|gaça|ning|i|ida|idan|iga|ining|oyi|oyida|oyidan"  # not "marta" (times), "maydon" (square)
DATE = (
    rf"\b(1[5-9]|20)\d\d\b|\b({MONTHS})({MONTH_ENDINGS})?\b|\b(kelgusi|ötgan|bu|keyingi|öşa) (yil|oy|hafta)|"
    r"\b(bugun|keça|ertaga|indin)\b|\b\w+ (yil|kun|oy|hafta|asr)\w* (oldin|avval|söng|keyin|mobaynida)\b|"
    r"\b[xvi]+ asr|\b\d+-yil"
)
