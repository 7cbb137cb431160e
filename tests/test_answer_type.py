"""Which kind of answer a question wants, in the four reader languages."""

import pytest

from savol.answer_type import answer_type, can_answer, counted_noun, counts


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Ташриф давомида қанча миқдордаги тижорат шартномалари имзоланди?", "number"),
        ("Qozoğistonda nechta yangi iş örni yaratiladi?", "number"),
        ("На какую сумму заключено соглашение с Rakuten Group?", "number"),
        ("How many intergovernmental agreements were signed?", "number"),
        ("Саммит қачон бўлиб ўтди?", "date"),
        ("On what date will the UN Water Resources Centre open?", "date"),
        ("Мақоланинг таълимга бағишланган бўлими қандай номланган?", "heading"),
        ("Maqolaning ta'limga bag'ishlangan bo'limi qanday nomlangan?", "heading"),
        ("Как называется раздел о соотечественниках?", "heading"),
        ("What is the title of the section about Komatsu?", "heading"),
        ("Komatsu компанияси пойтахтда нима қурмоқчи?", None),
        ("Who is Yoriko Kawaguchi?", None),
    ],
)
def test_question_kinds(question, kind):
    assert answer_type(question) == kind


def test_a_number_question_needs_a_number_in_any_script():
    assert can_answer("number", "Ҳукуматлараро 14 та ҳужжат имзоланди.")
    assert can_answer("number", "Ўн минг иш ўрни яратилади.")
    assert not can_answer("number", "Компания Марказий Осиёда фаолият юритади.")
    assert can_answer("date", "2004 йилда формат ташкил этилди.")
    assert not can_answer("date", "Формат ташкил этилди.")


@pytest.mark.parametrize(
    "question, noun",
    [
        ("Hitachi компаниясининг Қозоғистонда нечта экскаватори ишламоқда?", "ekskav"),
        ("Qozog'istonda Hitachi'ning nechta karyer samosvali ishlamoqda?", "karyer"),
        ("Qozoğistonda kompaniyaning qança uskunasi işlatiladi?", "uskuna"),
        ("Сколько экскаваторов Hitachi работает в Казахстане?", None),  # only Uzbek questions name one
        ("Qozoğistonda qança iş örni yaratiladi?", None),  # too short to compare safely
        ("Саммит қачон бўлиб ўтди?", None),
    ],
)
def test_the_counted_noun_of_a_how_many_question(question, noun):
    """The word after an Uzbek "how many" is what the answer's number must count."""
    assert counted_noun(question) == noun


def test_a_number_counts_the_noun_that_follows_it():
    """"How many excavators": 200 counts excavators; 150 counts countries, not excavators."""
    assert counts("Хусусан, 200 дан ортиқ экскаватор ва 100 га яқин самосваллар ишламоқда.", "ekskav")
    assert not counts("Экскаваторлари 150 дан ортиқ мамлакатларда фаолият юритмоқда.", "ekskav")
    assert counts("Ҳозирда Қозоғистонда мингдан ортиқ ускуналаримиздан фойдаланилмоқда.", "uskuna")
    assert not counts("Uskunalar ko'p mamlakatlarda ishlaydi.", "uskuna")
    assert counts("200dan ortiq kişilar keldi.", "kişi")  # a suffix on the digits; a short stem
    assert not counts("Bir neçta ekskavator keltirildi.", "ekskav")  # "a few" is no number
