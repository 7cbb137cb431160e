"""Russian words: question words, function words, what refers back, what a question asks for."""

from __future__ import annotations

CODE = "ru"

QUESTION_WORDS = frozenset(
    "кто что когда где куда откуда сколько какой какая какие каких каком какую каким какое почему зачем как ли".split()
)
FUNCTION_WORDS = frozenset(
    "и в на с со по о об для это был была были было будет есть ещё его её их он она они от до из за при у же а "
    "но бы то так также который которая которые статья статье автор мнению словам".split()
)
DETECTION_WORDS = frozenset(
    "что кто как какой какая какое какие сколько где когда почему зачем и в на с по о об для это был была были "
    "у а из за от до при же ли них их его её эту этот эта".split()
)
DETECTION_SUFFIXES = r"(ого|его|ому|ая|ое|ую|ые|ий|ый|ой|ью|ть|ся|ют|ет|ло)$"
LETTERS = "ыщЫЩ"  # Russian letters Uzbek Cyrillic does not have (э, ъ and ё occur in both)
REFERRING = frozenset("он она оно они его её ее их ему ей там этот эта это этого этой тот".split())

# What kind of answer a question asks for, on the lower-cased question.
KINDS = {
    "number": r"сколько|скольких|на какую сумму|какую сумму|какой объ[её]м|какой процент|какую долю|какая доля",
    "date": r"когда|в каком году|какого числа|с какого времени|в какой день",
    "person": r"кто|кого|кому|кем|ком|чей|чья|чьё|чьи",
    "place": r"где|куда|откуда|в каком городе|в какой стране|какой город|какая страна",
}
