"""English words: question words, function words, what refers back, what a question asks for."""

from __future__ import annotations

CODE = "en"

QUESTION_WORDS = frozenset("who whom whose what when where which why how many much".split())
FUNCTION_WORDS = frozenset(
    "is are was were the a an of to in on at for with by from did does do has have had will would can could be "
    "been it its he she they their this that and or as about into there article author according say said".split()
)
DETECTION_WORDS = frozenset(
    "what who whom when where why how which is are was were the a an of to did does do in on".split()
)
REFERRING = frozenset("he she it its his her they their them there that this those these".split())

# What kind of answer a question asks for, on the lower-cased question.
KINDS = {
    "number": r"how many|how much|what percentage|what share|what proportion|what amount|what number",
    "date": r"when|what year|what date|which year|which day|since when",
    "person": r"who|whom|whose",
    "place": r"where|which city|what city|which country|what country|which place|in which region",
}
