"""What kind of answer a question asks for, and what a sentence holds, in the four reader languages.

These are reranker features; they must hold for any news article, so the sentences here
are made up, not taken from the corpus.
"""

import pytest

from ingest.terms import terms
from retriever.answer_type import counts, has_date, has_number, names, question_kind


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Ташриф давомида нечта ҳужжат имзоланди?", "number"),
        ("Qozoğistonda neçta yangi iş örni yaratiladi?", "number"),
        ("Qozog'iston qancha sarmoya kiritdi", "number"),
        ("На какую сумму заключено соглашение?", "number"),
        ("How many agreements were signed?", "number"),
        ("How many people attended?", "number"),  # a number, not a person
        ("Саммит қачон бўлиб ўтди?", "date"),
        ("qaysi yili tashkil etilgan", "date"),
        ("В каком году открылся завод?", "date"),
        ("On what date will the centre open?", "date"),
        ("Япония Бош вазири ким?", "person"),
        ("kimning taklifi bilan", "person"),
        ("Кто губернатор Токио?", "person"),
        ("Who chairs the board?", "person"),
        ("Кейинги саммит қаерда ўтказилади?", "place"),
        ("Mitsui qaysi shaharda ishtirok etadi?", "place"),
        ("Где пройдёт встреча?", "place"),
        ("Which city hosts the summit?", "place"),
        ("Komatsu компанияси пойтахтда нима қурмоқчи?", None),
        ("What does the agency do?", None),
    ],
)
def test_question_kinds(question, kind):
    """The kind is read the same way in Uzbek (either script, either Latin spelling), Russian and English."""
    assert question_kind(question) == kind


def test_numbers_and_dates_in_any_script():
    """Digits and Uzbek number words count as numbers; years, months and "last year" as dates."""
    assert has_number("Ҳукуматлараро 14 та ҳужжат имзоланди.")
    assert has_number("Ўн минг иш ўрни яратилади.")
    assert has_number("Uchta sohada kelishuvga erishildi.")
    assert not has_number("Компания Марказий Осиёда фаолият юритади.")
    assert has_date("2004 йилда формат ташкил этилди.")
    assert has_date("Ўтган йили савдо айланмаси ошди.")
    assert has_date("Kelgusi yil filial ochiladi.")
    assert has_date("Учрашув 12 декабрда бўлди.")
    assert not has_date("Формат ташкил этилди.")


def test_names_are_capitalised_inside_the_sentence_or_in_another_script():
    """The first word is capitalised anyway; a Latin-script word in Cyrillic text names something."""
    assert names("Президент Токиода Ерсин Балтағул билан учрашди.") == ["Токиода", "Ерсин", "Балтағул"]
    assert names("Komatsu компанияси завод қуради.") == ["Komatsu"]
    assert names("Бу шунчаки расмий ташриф эмас.") == []


def test_a_number_counts_the_word_that_follows_it():
    """ "How many excavators": 200 counts excavators; 150 counts countries, not excavators."""
    excavators = {t[2:] for t in terms("nechta ekskavator", "uz-Latn") if t.startswith("m:")}

    def keys(sentence):
        return [t[2:] for t in terms(sentence, "uz-Cyrl") if t.startswith("m:")]

    assert counts(keys("Хусусан, 200 дан ортиқ экскаватор ва 100 га яқин самосваллар ишламоқда."), excavators)
    assert not counts(keys("Экскаваторлари 150 дан ортиқ мамлакатларда фаолият юритмоқда."), excavators)
